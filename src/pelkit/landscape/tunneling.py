"""Tunnel splitting of a double well along its path, unit systems and "active" TLS.

docs/physics/landscape.md (Khomenko, Reichman and Zamponi 2021): with xi the mass-weighted arc
length (effective mass 1) and
the dimensionless hbar~ = hbar / (sigma sqrt(m epsilon)) solve

    -(hbar~^2 / 2) psi''(xi) + V(xi) psi(xi) = E psi(xi)

on a uniform grid of spacing h with second-order differences: a tridiagonal matrix with diagonal
hbar~^2/h^2 + V_j and off-diagonal -hbar~^2/(2 h^2), Dirichlet ends. The lowest levels come from
``scipy.linalg.eigh_tridiagonal`` (bisection); the splitting is E_t = E_1 - E_0. Outside the path
the potential is continued harmonically, V_A + omega_A^2 xi^2 / 2 for xi < 0 and
V_B + omega_B^2 (xi - xi_B)^2 / 2 beyond B, and the domain reaches at least 8 harmonic lengths
(hbar~/omega)^{1/2} beyond each end. h is halved until E_t changes by less than 1e-4
(relative); the final h and that change are reported.

Units (docs/physics/tls-qlm.md): a :class:`UnitSystem` is (epsilon, sigma, m) in SI, or hbar~
directly, plus the threshold T_Q / epsilon below which a TLS is "active". The thresholds of
Khomenko, Reichman and Zamponi (2021) are offered as the documented presets "argon-khomenko2021"
(0.0015 epsilon) and "nip-khomenko2021" (0.0002 epsilon); the paper does not give the hbar~ of its
mappings, so the user must supply it. The former names "argon-seed003" and "nip-seed003" still
work for one release (deprecated).

Path files (HDF5, format "pelkit-neb-path") are read and written by :mod:`pelkit.io.paths`;
:func:`path_tunnel_splitting` is the splitting of a path's profile with the double-well check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import constants
from scipy.linalg import eigh_tridiagonal

from pelkit.deprecation import moved_names, warn_deprecated
from pelkit.errors import InputError
from pelkit.landscape.doublewell import (
    DEFAULT_WIGGLE_TOL,
    PathProfile,
    ProfileShape,
    classify_profile,
    signed_frequency,
)

FloatArray = NDArray[np.float64]
Potential = Callable[[FloatArray], FloatArray]


# --------------------------------------------------------------------------------------------
# units
# --------------------------------------------------------------------------------------------


def hbar_tilde_from_si(epsilon_j: float, sigma_m: float, mass_kg: float) -> float:
    """hbar~ = hbar / (sigma sqrt(m epsilon)) from epsilon [J], sigma [m], m [kg]
    (docs/physics/models.md).

    Argon's LJ values (epsilon/k_B = 120 K, sigma = 3.4 A, m = 39.95 u) give 0.0296.
    """
    for name, value in (("epsilon", epsilon_j), ("sigma", sigma_m), ("mass", mass_kg)):
        if not (math.isfinite(value) and value > 0.0):
            raise InputError(f"{name} must be a positive finite SI value, got {value}")
    return constants.hbar / (sigma_m * math.sqrt(mass_kg * epsilon_j))


def kelvin_in_epsilon(temperature_k: float, epsilon_j: float) -> float:
    """k_B T / epsilon: a temperature in kelvin in units of epsilon (k_B = 1 reduced units)."""
    if not (math.isfinite(temperature_k) and temperature_k > 0.0):
        raise InputError(f"T_Q must be a positive temperature in kelvin, got {temperature_k}")
    if not (math.isfinite(epsilon_j) and epsilon_j > 0.0):
        raise InputError(f"epsilon must be a positive finite value in joule, got {epsilon_j}")
    return constants.k * temperature_k / epsilon_j


@dataclass(frozen=True)
class UnitPreset:
    """A documented threshold preset: T_Q/epsilon fixed, hbar~ supplied by the user."""

    threshold: float
    description: str


PRESETS: dict[str, UnitPreset] = {
    "argon-khomenko2021": UnitPreset(
        0.0015,
        "Khomenko, Reichman and Zamponi's 'Argon units': active TLS have E_t < 0.0015 epsilon "
        "(the paper's value; its refs 25, 30). "
        "The paper does not state its (epsilon, sigma, m) mapping, so hbar~ must be supplied; "
        "argon's plain LJ values give hbar~ = 0.0296 and 1 K = 0.0083 epsilon, which does not "
        "reproduce 0.0015 (docs/physics/tls-qlm.md).",
    ),
    "nip-khomenko2021": UnitPreset(
        0.0002,
        "Khomenko, Reichman and Zamponi's 'NiP units': active TLS have E_t < 0.0002 epsilon (the "
        "paper's value; its refs 22, 30). "
        "hbar~ must be supplied (the paper does not give its mapping; docs/physics/tls-qlm.md).",
    ),
}
"""Named presets (docs/physics/tls-qlm.md). They carry the paper's thresholds only; never
physics. The deprecated names of :data:`DEPRECATED_PRESET_NAMES` are kept as entries."""

DEPRECATED_PRESET_NAMES: dict[str, str] = {
    "argon-seed003": "argon-khomenko2021",
    "nip-seed003": "nip-khomenko2021",
}
"""Former preset names (removed in the next release) and the names that replace them."""

# the former names resolve to the same presets (unit_system warns when one is used)
PRESETS.update({old: PRESETS[new] for old, new in DEPRECATED_PRESET_NAMES.items()})


@dataclass(frozen=True)
class UnitSystem:
    """A mapping of the reduced-unit landscape onto a material (docs/physics/tls-qlm.md).

    Attributes:
        name: preset name or "custom".
        hbar_tilde: hbar / (sigma sqrt(m epsilon)), dimensionless.
        threshold: T_Q / epsilon; a TLS is active iff E_t <= threshold. None = not given.
        epsilon_j, sigma_m, mass_kg: the SI mapping when hbar~ was derived from it.
        t_q_kelvin: T_Q in kelvin when the threshold was derived from it.
        source: how hbar~ and the threshold were obtained.
    """

    name: str
    hbar_tilde: float
    threshold: float | None
    epsilon_j: float | None = None
    sigma_m: float | None = None
    mass_kg: float | None = None
    t_q_kelvin: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.hbar_tilde) and self.hbar_tilde > 0.0):
            raise InputError(f"hbar~ must be positive and finite, got {self.hbar_tilde}")
        if self.threshold is not None and not (
            math.isfinite(self.threshold) and self.threshold > 0.0
        ):
            raise InputError(f"the threshold must be positive and finite, got {self.threshold}")

    def is_active(self, splitting: float | ArrayLike) -> Any:
        """Active TLS: E_t <= T_Q/epsilon (docs/physics/tls-qlm.md); None if no threshold is set."""
        if self.threshold is None:
            return None
        return classify_active(splitting, self.threshold)

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dictionary (for outputs)."""
        return asdict(self)


def classify_active(splitting: float | ArrayLike, threshold: float) -> Any:
    """True where a splitting E_t (epsilon) is at or below ``threshold`` (epsilon)."""
    values = np.asarray(splitting, dtype=np.float64)
    active = values <= threshold
    return bool(active) if active.ndim == 0 else active


def unit_system(
    name: str,
    *,
    hbar_tilde: float | None = None,
    threshold: float | None = None,
    epsilon_j: float | None = None,
    sigma_m: float | None = None,
    mass_kg: float | None = None,
    t_q_kelvin: float | None = None,
) -> UnitSystem:
    """Resolve a unit system (docs/physics/tls-qlm.md).

    * A preset name (see :data:`PRESETS`): the preset threshold with the user's ``hbar_tilde``
      (required); SI values or another threshold are refused.
    * "custom": hbar~ either given directly or derived from all of ``epsilon_j`` [J],
      ``sigma_m`` [m], ``mass_kg`` [kg]; the threshold either given (epsilon) or derived as
      k_B T_Q / epsilon from ``t_q_kelvin`` (needs ``epsilon_j``); it may be left out.
    """
    si = (epsilon_j, sigma_m, mass_kg)
    if name in PRESETS:
        if name in DEPRECATED_PRESET_NAMES:
            warn_deprecated(f"unit preset {name!r}", repr(DEPRECATED_PRESET_NAMES[name]))
        preset = PRESETS[name]
        if hbar_tilde is None:
            raise InputError(
                f"unit preset {name!r} needs a user-supplied hbar~ (--hbar): the paper does not "
                "give the mapping behind its threshold"
            )
        if any(v is not None for v in (*si, t_q_kelvin, threshold)):
            raise InputError(
                f"unit preset {name!r} fixes the threshold; use 'custom' for SI values or "
                "another threshold"
            )
        return UnitSystem(name, float(hbar_tilde), preset.threshold, source=preset.description)
    if name != "custom":
        known = ", ".join([*(n for n in PRESETS if n not in DEPRECATED_PRESET_NAMES), "custom"])
        raise InputError(f"unknown unit system {name!r}; choose one of {known}")

    n_si = sum(v is not None for v in si)
    if n_si not in (0, 3):
        raise InputError("give all three of epsilon (J), sigma (m) and mass (kg), or none")
    if n_si == 3 and hbar_tilde is not None:
        raise InputError("give either hbar~ or the SI values (epsilon, sigma, mass), not both")
    if n_si == 0 and hbar_tilde is None:
        raise InputError("custom units need hbar~ or the SI values (epsilon, sigma, mass)")
    if threshold is not None and t_q_kelvin is not None:
        raise InputError("give either the threshold (epsilon) or T_Q (kelvin), not both")
    if n_si == 3:
        hbar = hbar_tilde_from_si(float(epsilon_j), float(sigma_m), float(mass_kg))  # type: ignore[arg-type]
        source = "hbar~ = hbar / (sigma sqrt(m epsilon)) from the SI values"
    else:
        hbar = float(hbar_tilde)  # type: ignore[arg-type]
        source = "hbar~ given by the user"
    if t_q_kelvin is not None:
        if epsilon_j is None:
            raise InputError("T_Q in kelvin needs epsilon in joule to give T_Q/epsilon")
        threshold = kelvin_in_epsilon(float(t_q_kelvin), float(epsilon_j))
        source += "; threshold = k_B T_Q / epsilon"
    elif threshold is not None:
        source += "; threshold given by the user"
    return UnitSystem(
        "custom",
        hbar,
        None if threshold is None else float(threshold),
        epsilon_j=epsilon_j,
        sigma_m=sigma_m,
        mass_kg=mass_kg,
        t_q_kelvin=t_q_kelvin,
        source=source,
    )


# --------------------------------------------------------------------------------------------
# the 1-D Schroedinger solver
# --------------------------------------------------------------------------------------------


def grid_levels(
    potential: Potential, lo: float, hi: float, hbar_tilde: float, n_points: int, n_levels: int
) -> tuple[FloatArray, float]:
    """Lowest ``n_levels`` eigenvalues of the finite-difference Hamiltonian on one grid.

    The n_points interior nodes x_j = lo + j h (j = 1..n_points, h = (hi - lo)/(n_points + 1))
    carry psi; psi(lo) = psi(hi) = 0 (Dirichlet). Diagonal hbar~^2/h^2 + V(x_j), off-diagonal
    -hbar~^2/(2 h^2) (docs/physics/landscape.md). Returns (levels (n_levels,) in epsilon, h).
    """
    if n_points < n_levels + 2:
        raise InputError("too few grid points for the requested number of levels")
    h = (hi - lo) / (n_points + 1)
    x = lo + h * np.arange(1, n_points + 1)
    kinetic = hbar_tilde**2 / h**2
    diag = kinetic + np.asarray(potential(x), dtype=np.float64)
    if not np.all(np.isfinite(diag)):
        raise InputError("the potential is not finite on the grid")
    off = np.full(n_points - 1, -0.5 * kinetic)
    # tol = 2 * tiny asks LAPACK's bisection for its most accurate eigenvalues
    levels = eigh_tridiagonal(
        diag,
        off,
        eigvals_only=True,
        select="i",
        select_range=(0, n_levels - 1),
        tol=2.0 * float(np.finfo(np.float64).tiny),
    )
    return np.sort(np.asarray(levels, dtype=np.float64)), float(h)


def eigenvalue_resolution(hbar_tilde: float, h: float, v_max: float) -> float:
    """Absolute accuracy ~ 2 eps ||T|| of a bisection eigenvalue of the FD matrix, epsilon.

    ||T|| <= 2 hbar~^2 / h^2 + max|V|; E_t below a few times this is numerical noise
    (measured: the scatter of E_t on fine grids is about eps ||T||).
    """
    return 2.0 * float(np.finfo(np.float64).eps) * (2.0 * hbar_tilde**2 / h**2 + abs(v_max))


@dataclass
class LevelsResult:
    """Converged lowest levels of a 1-D potential.

    Attributes:
        levels: (n_levels,) energies in epsilon (same reference as the potential).
        splitting: E_1 - E_0 in epsilon on the finest grid.
        h: final grid spacing in sqrt(m) sigma.
        n_points: interior grid points of the final grid.
        relative_change: |E_t(h) - E_t(2h)| / |E_t(h)| at the last halving.
        converged: relative_change < rtol.
        stop_reason: "converged"; "resolution" (halving further would push the eigenvalue
            round-off 2 eps ||T|| above rtol E_t / 4: E_t is too small for the requested
            accuracy in float64; use ``splitting_extrapolated``); "max_points".
        splitting_extrapolated: Richardson estimate (4 E_t(h) - E_t(2h)) / 3 (O(h^4)).
        resolution: eigenvalue round-off estimate on the final grid, epsilon.
        domain: (lo, hi) of the Dirichlet box.
        history: list of (h, E_t) for every grid used.
    """

    levels: FloatArray
    splitting: float
    h: float
    n_points: int
    relative_change: float
    converged: bool
    stop_reason: str
    splitting_extrapolated: float
    resolution: float
    domain: tuple[float, float]
    history: list[tuple[float, float]] = field(default_factory=list)


def converged_levels(
    potential: Potential,
    lo: float,
    hi: float,
    hbar_tilde: float,
    *,
    h0: float,
    n_levels: int = 4,
    rtol: float = 1e-4,
    max_points: int = 2**22,
) -> LevelsResult:
    """Solve on grids of spacing h0, h0/2, ... until E_t changes by < rtol
    (docs/physics/landscape.md).

    Args:
        potential: vectorised V(x) in epsilon (x in sqrt(m) sigma); shift it so that its
            minimum is near 0 (the round-off of the eigenvalues grows with max|V|).
        lo, hi: Dirichlet ends.
        hbar_tilde: dimensionless hbar~.
        h0: first grid spacing (an upper bound; the grid fits [lo, hi] exactly).
        n_levels: number of levels (>= 2).
        rtol: relative change of E_t that stops the halving.
        max_points: largest grid; reaching it without convergence gives converged=False.
    """
    if not (math.isfinite(hbar_tilde) and hbar_tilde > 0.0):
        raise InputError(f"hbar~ must be positive and finite, got {hbar_tilde}")
    if n_levels < 2:
        raise InputError("at least two levels are needed for a splitting")
    if not (hi > lo and h0 > 0.0 and rtol > 0.0):
        raise InputError("need hi > lo, h0 > 0 and rtol > 0")
    n = max(int(math.ceil((hi - lo) / h0)) - 1, 8 * n_levels)
    v_max = float(np.max(np.abs(potential(np.linspace(lo, hi, 257)))))
    history: list[tuple[float, float]] = []
    previous: float | None = None
    change = math.inf
    while True:
        levels, h = grid_levels(potential, lo, hi, hbar_tilde, n, n_levels)
        split = float(levels[1] - levels[0])
        history.append((h, split))
        if previous is not None:
            change = abs(split - previous) / abs(split) if split != 0.0 else math.inf
            if change < rtol:
                reason = "converged"
                break
        previous = split
        if eigenvalue_resolution(hbar_tilde, 0.5 * h, v_max) > 0.25 * rtol * abs(split):
            reason = "resolution"
            break
        if 2 * n + 1 > max_points:
            reason = "max_points"
            break
        n = 2 * n + 1  # the new nodes halve h and include the old ones
    extrapolated = (4.0 * split - history[-2][1]) / 3.0 if len(history) > 1 else split
    return LevelsResult(
        levels=levels,
        splitting=split,
        h=h,
        n_points=n,
        relative_change=float(change),
        converged=reason == "converged",
        stop_reason=reason,
        splitting_extrapolated=float(extrapolated),
        resolution=eigenvalue_resolution(hbar_tilde, h, v_max),
        domain=(float(lo), float(hi)),
        history=history,
    )


def extended_potential(
    profile: PathProfile, omega_a: float, omega_b: float, reference: float = 0.0
) -> Potential:
    """V(xi) - reference on the whole line (docs/physics/landscape.md).

    V_A + omega_A^2 xi^2 / 2 for xi < 0, the interpolated profile on [0, xi_B] and
    V_B + omega_B^2 (xi - xi_B)^2 / 2 for xi > xi_B (C^1 when V'(0) = V'(xi_B) = 0).
    """
    v_a, v_b, xi_b = float(profile.energy[0]), float(profile.energy[-1]), profile.xi_end
    wa2, wb2 = float(omega_a) ** 2, float(omega_b) ** 2

    def potential(x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        out = np.empty_like(x)
        left, right = x < 0.0, x > xi_b
        mid = ~(left | right)
        out[left] = v_a + 0.5 * wa2 * x[left] ** 2
        out[right] = v_b + 0.5 * wb2 * (x[right] - xi_b) ** 2
        out[mid] = profile(x[mid])
        return out - reference

    return potential


@dataclass
class TunnelResult:
    """Tunnel splitting of one path (docs/physics/landscape.md).

    Attributes:
        splitting: E_t = E_1 - E_0 in epsilon.
        levels: (n_levels,) lowest levels in epsilon, measured from the lower well bottom
            min(V_A, V_B) (``energy_reference`` holds that absolute energy).
        hbar_tilde: the hbar~ used.
        h, n_points, relative_change, converged, stop_reason: as in :class:`LevelsResult`.
        splitting_extrapolated, resolution, domain, history: as in :class:`LevelsResult`.
        omega_a, omega_b: frequencies of the harmonic continuation, 1/tau.
        omega_source: "given" or "profile" (curvature of V(xi) at the ends).
        xi_b: arc length of the path.
        energy_reference: min(V_A, V_B) in epsilon.
        n_lengths: harmonic lengths added beyond each end.
        shape: the double-well decision on the profile.
        walls: "harmonic" (V_A + omega_A^2 xi^2 / 2 beyond the ends) or "landscape" (the
            potential sampled beyond the ends, :mod:`pelkit.landscape.path_extension`).
    """

    splitting: float
    levels: FloatArray
    hbar_tilde: float
    h: float
    n_points: int
    relative_change: float
    converged: bool
    stop_reason: str
    splitting_extrapolated: float
    resolution: float
    domain: tuple[float, float]
    history: list[tuple[float, float]]
    omega_a: float
    omega_b: float
    omega_source: str
    xi_b: float
    energy_reference: float
    n_lengths: float
    shape: ProfileShape | None = None
    walls: str = "harmonic"

    def summary(self) -> dict[str, Any]:
        """Scalar results and levels as a plain dictionary."""
        return {
            "splitting": self.splitting,
            "levels": self.levels,
            "hbar_tilde": self.hbar_tilde,
            "h": self.h,
            "n_points": self.n_points,
            "relative_change": self.relative_change,
            "converged": self.converged,
            "stop_reason": self.stop_reason,
            "splitting_extrapolated": self.splitting_extrapolated,
            "resolution": self.resolution,
            "domain": list(self.domain),
            "omega_a": self.omega_a,
            "omega_b": self.omega_b,
            "omega_source": self.omega_source,
            "xi_b": self.xi_b,
            "energy_reference": self.energy_reference,
            "n_lengths": self.n_lengths,
            "walls": self.walls,
        }


def tunnel_splitting(
    profile: PathProfile,
    hbar_tilde: float,
    *,
    omega_a: float | None = None,
    omega_b: float | None = None,
    n_levels: int = 4,
    rtol: float = 1e-4,
    n_lengths: float = 8.0,
    points_per_length: int = 8,
    max_points: int = 2**22,
    continuation: tuple[Any, Any] | None = None,
) -> TunnelResult:
    """Tunnel splitting E_t = E_1 - E_0 along a path profile (docs/physics/landscape.md).

    Args:
        profile: V(xi) from :func:`pelkit.landscape.doublewell.path_profile`.
        hbar_tilde: dimensionless hbar~ (see :class:`UnitSystem`).
        omega_a, omega_b: omega_tan at A and B in 1/tau (e.g. from the Hessian); None = from
            the profile curvature V''(0), V''(xi_B).
        n_levels: levels to compute (>= 2).
        rtol: relative change of E_t that stops the halving of h (1e-4 (recommended)).
        n_lengths: harmonic lengths (hbar~/omega)^{1/2} added beyond each end (>= 8).
        points_per_length: the first grid has h = min(harmonic lengths, xi_B / 16)
            / points_per_length.
        max_points: largest grid allowed.
        continuation: (before A, beyond B) :class:`~pelkit.landscape.path_extension.
            EndContinuation` potentials used outside [0, xi_B] instead of the harmonic walls
            (which bias E_t: -18 % for (x^2 - 1)^2 at hbar~ = 0.3).
    """
    if n_lengths < 8.0:
        raise InputError("the domain must extend at least 8 harmonic lengths beyond each end")
    source = "given"
    if omega_a is None or omega_b is None:
        source = "profile" if omega_a is None and omega_b is None else "given+profile"
    wa = float(omega_a) if omega_a is not None else signed_frequency(profile.curvature_start())
    wb = float(omega_b) if omega_b is not None else signed_frequency(profile.curvature_end())
    for name, w in (("A", wa), ("B", wb)):
        if not (math.isfinite(w) and w > 0.0):
            raise InputError(
                f"the frequency along the path at {name} is {w:.6g}: end {name} is not a "
                "minimum of V(xi)"
            )
    length_a = math.sqrt(hbar_tilde / wa)
    length_b = math.sqrt(hbar_tilde / wb)
    lo = -n_lengths * length_a
    hi = profile.xi_end + n_lengths * length_b
    reference = float(min(profile.energy[0], profile.energy[-1]))
    if continuation is None:
        potential = extended_potential(profile, wa, wb, reference)
    else:
        from pelkit.landscape.path_extension import continued_potential

        potential = continued_potential(profile, continuation[0], continuation[1], reference)
    h0 = min(length_a, length_b, profile.xi_end / 16.0) / points_per_length
    res = converged_levels(
        potential, lo, hi, hbar_tilde, h0=h0, n_levels=n_levels, rtol=rtol, max_points=max_points
    )
    return TunnelResult(
        splitting=res.splitting,
        levels=res.levels,
        hbar_tilde=float(hbar_tilde),
        h=res.h,
        n_points=res.n_points,
        relative_change=res.relative_change,
        converged=res.converged,
        stop_reason=res.stop_reason,
        splitting_extrapolated=res.splitting_extrapolated,
        resolution=res.resolution,
        domain=res.domain,
        history=res.history,
        omega_a=wa,
        omega_b=wb,
        omega_source=source,
        xi_b=profile.xi_end,
        energy_reference=reference,
        n_lengths=float(n_lengths),
        walls="harmonic" if continuation is None else "landscape",
    )


def path_tunnel_splitting(
    profile: PathProfile,
    units: UnitSystem,
    *,
    omega_a: float | None = None,
    omega_b: float | None = None,
    n_levels: int = 4,
    rtol: float = 1e-4,
    wiggle_tol: float = DEFAULT_WIGGLE_TOL,
    require_double_well: bool = True,
) -> TunnelResult:
    """Check that V(xi) is a simple double well, then :func:`tunnel_splitting` in ``units``.

    ``omega_a``/``omega_b`` (1/tau) set the harmonic walls; None = the profile curvature at
    that end. Raises InputError when the profile is not a simple double well and
    ``require_double_well`` is set. The result's ``shape`` holds the double-well decision.
    """
    shape = classify_profile(profile, wiggle_tol)
    if require_double_well and not shape.is_double_well:
        raise InputError(f"the path is not a simple double well: {shape.reason}")
    result = tunnel_splitting(
        profile, units.hbar_tilde, omega_a=omega_a, omega_b=omega_b, n_levels=n_levels,
        rtol=rtol,
    )
    result.shape = shape
    return result


# deprecated aliases of the path-file I/O, now in pelkit.io.paths
__getattr__ = moved_names(
    __name__,
    ("PATH_FORMAT", "PATH_FORMAT_VERSION", "PathData", "write_path_h5", "read_path_h5",
     "tunnel_from_path_file"),
    "pelkit.io.paths",
)
