"""Instantaneous normal modes: f_u, INM density of states, 1-D mode profiles, DW vs shoulder,
and the quartic fit along a mode at a minimum.

docs/physics/modes.md (Keyes c. 2000, section 1; Bembenek-Laird / La Nave et al. procedure) and 3.4
(Buchenau 1992, eqs 3-5).  Energies come from a user callable ``energy(flat_positions (3N,)) ->
float``
in epsilon; no specific potential is assumed.

Along a mode with mass-weighted unit eigenvector e, the Cartesian direction is d_i = e_i/sqrt(m_i)
and the configuration R0 + s d is parametrised by the mass-weighted amplitude s (sigma sqrt(m)),
so that U(s) = U0 + g s + (lambda/2) s^2 + ... with lambda the eigenvalue of H^M.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.modes.localization import participation_number
from pelkit.modes.normal import LAMBDA_TOL, Modes, check_masses

FloatArray = NDArray[np.float64]
EnergyFn = Callable[[FloatArray], float]

DOUBLE_WELL = "double_well"
SHOULDER = "shoulder"


def _require_complete(modes: Modes) -> None:
    if not modes.is_complete:
        raise InputError(
            f"f_u needs all 3N - 3 = {3 * modes.n_particles - 3} non-zero modes, got "
            f"{modes.n_modes}: use all_modes(..., drop_translations=True)"
        )


def unstable_fraction(modes: Modes, lambda_tol: float = LAMBDA_TOL) -> float:
    """f_u = #{non-zero modes with lambda < -lambda_tol} / (3N - 3) (docs/physics/modes.md).

    Args:
        modes: all 3N - 3 non-zero modes (from :func:`~pelkit.modes.normal.all_modes`).
        lambda_tol: (recommended) 1e-8 epsilon/(sigma^2 m).
    """
    _require_complete(modes)
    return modes.count_negative(lambda_tol) / (3 * modes.n_particles - 3)


def inm_density_of_states(
    modes: Modes, bins: int | ArrayLike = 60, variable: Literal["omega", "lambda"] = "omega"
) -> tuple[FloatArray, FloatArray]:
    """INM density of states rho(x) = (3N - 3)^-1 sum_k delta(x - x_k) (docs/physics/modes.md).

    Imaginary frequencies are on the negative omega axis (omega = -sqrt(|lambda|)).  With an
    integer ``bins`` the edges are equally spaced with one edge at exactly 0, so that the weight
    below 0 equals f_u (with lambda_tol = 0).

    Args:
        modes: all 3N - 3 non-zero modes.
        bins: approximate number of bins, or explicit edges.
        variable: "omega" (1/tau) or "lambda" (epsilon/(sigma^2 m)).

    Returns:
        (density (nbins,), edges (nbins+1,)) with sum(density * diff(edges)) = 1.
    """
    _require_complete(modes)
    if variable == "omega":
        x = modes.frequencies
    elif variable == "lambda":
        x = modes.eigenvalues
    else:
        raise InputError(f"variable must be 'omega' or 'lambda', got {variable!r}")
    if np.ndim(bins) == 0:
        nb = int(bins)
        if nb < 1:
            raise InputError("bins must be a positive integer or an array of edges")
        lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
        h = (hi - lo) / nb if hi > lo else 1.0
        i0 = int(np.floor(lo / h))
        i1 = int(np.ceil(hi / h))
        if i1 * h <= hi:
            i1 += 1  # numpy's last bin is closed; keep the maximum strictly inside
        edges = h * np.arange(i0, i1 + 1)
    else:
        edges = np.asarray(bins, dtype=np.float64)
    counts, edges = np.histogram(x, bins=edges)
    return counts / ((3 * modes.n_particles - 3) * np.diff(edges)), edges


# --------------------------------------------------------------------------------------------
# 1-D profile and DW / shoulder classification
# --------------------------------------------------------------------------------------------


def _unit_direction(direction: ArrayLike, masses: FloatArray) -> FloatArray:
    """Cartesian direction d (3N,) scaled so that |M^1/2 d| = 1."""
    d = np.asarray(direction, dtype=np.float64).reshape(-1)
    if d.size != 3 * masses.size:
        raise InputError(f"direction has {d.size} components, expected {3 * masses.size}")
    if not np.all(np.isfinite(d)):
        raise InputError("direction contains NaN or infinite values")
    norm = float(np.linalg.norm(d * np.repeat(np.sqrt(masses), 3)))
    if norm == 0.0:
        raise InputError("direction is the zero vector")
    return d / norm


@dataclass(frozen=True)
class ModeProfile:
    """U(s) = U(R0 + s d) on a straight line (docs/physics/modes.md).

    Attributes:
        s: (n,) mass-weighted amplitudes in sigma sqrt(m), symmetric about 0 (s[n//2] = 0).
        energies: (n,) U in epsilon.
        direction: (3N,) Cartesian direction d with |M^1/2 d| = 1.
        s_max: half-width of the s window.
        max_displacement: max_i |s_max d_i| in sigma.
    """

    s: FloatArray
    energies: FloatArray
    direction: FloatArray
    s_max: float
    max_displacement: float


def mode_profile(
    energy: EnergyFn,
    x0: ArrayLike,
    direction_cartesian: ArrayLike,
    masses: ArrayLike,
    s_max: float | None = None,
    n_points: int = 201,
    max_displacement: float = 0.5,
) -> ModeProfile:
    """Straight-line energy profile U(R0 + s d) along a mode (docs/physics/modes.md).

    No relaxation of the other coordinates (Bembenek-Laird / La Nave et al.).

    Args:
        energy: U(flat positions (3N,)) in epsilon.
        x0: (3N,) or (N, 3) configuration R0 in sigma.
        direction_cartesian: (3N,) Cartesian direction, e.g. a column of
            :meth:`Modes.displacements` (d_i = e_i/sqrt(m_i)); rescaled so that |M^1/2 d| = 1,
            which makes s the mass-weighted amplitude.
        masses: (N,) masses.
        s_max: half-width of the window; default: max_i |s_max d_i| = ``max_displacement``.
        n_points: odd number of points (>= 5) so that s = 0 is on the grid; (recommended) 201.
        max_displacement: (recommended) 0.5 sigma, used when ``s_max`` is None.

    Returns:
        :class:`ModeProfile`.
    """
    m = check_masses(masses)
    x = np.asarray(x0, dtype=np.float64).reshape(-1)
    if x.size != 3 * m.size:
        raise InputError(f"x0 has {x.size} components, expected {3 * m.size}")
    d = _unit_direction(direction_cartesian, m)
    if n_points < 5 or n_points % 2 == 0:
        raise InputError(f"n_points must be odd and >= 5, got {n_points}")
    dmax = float(np.max(np.linalg.norm(d.reshape(-1, 3), axis=1)))
    if s_max is None:
        if max_displacement <= 0:
            raise InputError("max_displacement must be positive")
        s_max = max_displacement / dmax
    elif s_max <= 0:
        raise InputError("s_max must be positive")
    s = np.linspace(-s_max, s_max, n_points)
    s[n_points // 2] = 0.0
    u = np.array([float(energy(x + si * d)) for si in s])
    if not np.all(np.isfinite(u)):
        raise InputError("the energy is not finite along the profile")
    return ModeProfile(s, u, d, float(s_max), float(s_max * dmax))


@dataclass(frozen=True)
class ProfileAnalysis:
    """Extrema and concave region of a 1-D profile (docs/physics/modes.md).

    Attributes:
        label: "double_well" or "shoulder".
        minima: (p, 2) parabola-refined (s, U) of the interior local minima kept.
        maxima: (q, 2) parabola-refined (s, U) of the interior local maxima kept.
        concave: (s_left, s_right) of the region around s = 0 where U'' < 0 (both 0 if none).
        depth_tol: extrema with an energy difference below this to a neighbour were ignored.
    """

    label: str
    minima: FloatArray
    maxima: FloatArray
    concave: tuple[float, float]
    depth_tol: float
    extra: dict = field(default_factory=dict)


def _turning_points(u: FloatArray) -> list[int]:
    """Interior indices where the discrete slope changes sign (plateaus take the previous sign)."""
    du = np.sign(np.diff(u))
    last = 0.0
    for i in range(du.size):  # fill zeros with the previous non-zero sign
        if du[i] == 0.0:
            du[i] = last
        else:
            last = du[i]
    nz = np.flatnonzero(du)
    if nz.size:
        du[: nz[0]] = du[nz[0]]
    return [i for i in range(1, u.size - 1) if du[i - 1] * du[i] < 0]


def _parabola(s: FloatArray, u: FloatArray, i: int) -> tuple[float, float]:
    """Vertex (s*, U*) of the parabola through points i-1, i, i+1 (uniform grid)."""
    a, b, c = u[i - 1], u[i], u[i + 1]
    den = a - 2.0 * b + c
    if den == 0.0:
        return float(s[i]), float(b)
    delta = 0.5 * (a - c) / den
    delta = float(np.clip(delta, -1.0, 1.0))
    h = s[i + 1] - s[i]
    return float(s[i] + delta * h), float(b - 0.25 * (a - c) * delta)


def analyse_profile(profile: ModeProfile, depth_rtol: float = 1e-10) -> ProfileAnalysis:
    """Extrema, concave region and the DW / shoulder label of a profile (docs/physics/modes.md).

    * Discrete extrema are the sign changes of U(s_{j+1}) - U(s_j); extrema whose energy
      difference to a neighbouring extremum (or to a window end) is below
      depth_rtol * max(1, max|U|) are dropped in pairs (wiggles), then the rest are refined by a
      parabola through the three nearest points.
    * The concave region is the run of grid points around s = 0 with a negative second difference.
    * **double_well**: a local minimum on each side of the concave region (hence a maximum
      between them); **shoulder** otherwise.

    Args:
        profile: a :class:`ModeProfile` (normally of a mode with lambda < 0).
        depth_rtol: recommended 1e-10 (docs/physics/modes.md).
    """
    s, u = profile.s, profile.energies
    n = u.size
    tol = depth_rtol * max(1.0, float(np.max(np.abs(u))))
    seq = [0] + _turning_points(u) + [n - 1]
    changed = True
    while changed and len(seq) > 2:
        changed = False
        diffs = np.abs(np.diff(u[seq]))
        j = int(np.argmin(diffs))
        if diffs[j] >= tol:
            break
        lo, hi = j, j + 1  # positions in seq of the shallow pair
        if lo == 0 and hi == len(seq) - 1:
            break
        if lo == 0:
            del seq[hi]
        elif hi == len(seq) - 1:
            del seq[lo]
        else:
            del seq[hi]
            del seq[lo]
        changed = True
    minima, maxima = [], []
    for p in range(1, len(seq) - 1):
        i = seq[p]
        is_min = u[seq[p - 1]] > u[i] and u[seq[p + 1]] > u[i]
        is_max = u[seq[p - 1]] < u[i] and u[seq[p + 1]] < u[i]
        if is_min:
            minima.append(_parabola(s, u, i))
        elif is_max:
            maxima.append(_parabola(s, u, i))
    c = n // 2
    d2 = u[:-2] - 2.0 * u[1:-1] + u[2:]  # second difference at grid points 1..n-2
    if d2[c - 1] < 0.0:
        left = c
        while left - 1 >= 1 and d2[left - 2] < 0.0:
            left -= 1
        right = c
        while right + 1 <= n - 2 and d2[right] < 0.0:
            right += 1
        concave = (float(s[left]), float(s[right]))
    else:
        concave = (0.0, 0.0)
    mins = np.array(minima, dtype=np.float64).reshape(-1, 2)
    maxs = np.array(maxima, dtype=np.float64).reshape(-1, 2)
    has_left = bool(np.any(mins[:, 0] < concave[0]))
    has_right = bool(np.any(mins[:, 0] > concave[1]))
    label = DOUBLE_WELL if (has_left and has_right and maxs.shape[0] >= 1) else SHOULDER
    return ProfileAnalysis(label, mins, maxs, concave, tol)


def classify_unstable_mode(profile: ModeProfile, depth_rtol: float = 1e-10) -> str:
    """"double_well" or "shoulder" for the profile of an unstable mode (docs/physics/modes.md).

    See :func:`analyse_profile` for the rule.
    """
    return analyse_profile(profile, depth_rtol).label


@dataclass(frozen=True)
class DoubleWellCount:
    """Result of :func:`double_well_fraction`.

    Attributes:
        f_dw: #DW / (3N - 3).
        f_u: #unstable / (3N - 3).
        unstable: (n_u,) indices (into the Modes) of the modes with lambda < -lambda_tol.
        labels: "double_well" / "shoulder" for each unstable mode.
        settings: lambda_tol, max_displacement, n_points, depth_rtol, path ("straight line").
    """

    f_dw: float
    f_u: float
    unstable: NDArray[np.int64]
    labels: list[str]
    settings: dict

    @property
    def n_double_well(self) -> int:
        """Number of double-well modes."""
        return sum(1 for lab in self.labels if lab == DOUBLE_WELL)


def double_well_fraction(
    energy: EnergyFn,
    x0: ArrayLike,
    modes: Modes,
    lambda_tol: float = LAMBDA_TOL,
    max_displacement: float = 0.5,
    n_points: int = 201,
    depth_rtol: float = 1e-10,
) -> DoubleWellCount:
    """f_dw = #(double-well unstable modes) / (3N - 3) (docs/physics/modes.md; La Nave et al.).

    Every mode with lambda < -lambda_tol gets a straight-line profile (:func:`mode_profile`) with
    its window set by ``max_displacement`` and is classified by :func:`classify_unstable_mode`.
    Results depend on the window and on the straight-line path; both are recorded.

    Args:
        energy: U(flat positions) in epsilon.
        x0: (3N,) the configuration at which ``modes`` were computed.
        modes: all 3N - 3 non-zero modes at x0.
        lambda_tol, max_displacement, n_points, depth_rtol: see the functions above.
    """
    _require_complete(modes)
    unstable = np.flatnonzero(modes.eigenvalues < -abs(lambda_tol)).astype(np.int64)
    disp = modes.displacements()
    labels = []
    for k in unstable:
        prof = mode_profile(
            energy, x0, disp[:, k], modes.masses, n_points=n_points,
            max_displacement=max_displacement,
        )
        labels.append(classify_unstable_mode(prof, depth_rtol))
    n_nz = 3 * modes.n_particles - 3
    n_dw = sum(1 for lab in labels if lab == DOUBLE_WELL)
    settings = {
        "lambda_tol": lambda_tol,
        "max_displacement": max_displacement,
        "n_points": n_points,
        "depth_rtol": depth_rtol,
        "path": "straight line, no relaxation",
    }
    return DoubleWellCount(n_dw / n_nz, unstable.size / n_nz, unstable, labels, settings)


# --------------------------------------------------------------------------------------------
# quartic fit along a mode at a minimum (Buchenau 1992, eqs 3-5; docs/physics/modes.md)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarticFit:
    """Least-squares fit Delta V(A) = c1 A + c2 A^2 + c3 A^3 + c4 A^4 along a mode.

    A is the mass-weighted amplitude (sigma sqrt(m)); c_n in epsilon / (sigma sqrt(m))^n.

    Attributes:
        c1, c2, c3, c4: fitted coefficients on the full window.
        amplitude_max: half-width A_max of the window.
        max_displacement: max_i |A_max d_i| in sigma.
        n_points: points per window.
        c4_half_window: c4 fitted on the window halved.
        c4_relative_change: |c4_half - c4| / |c4|.
        rms_residual: rms of the fit residual in epsilon.
        c4_positive: False flags a non-confining quartic term (c4 <= 0).
        eigenvalue: lambda_k if given; ``c2_over_half_lambda`` = c2 / (lambda_k / 2).
        c1_relative: |c1| A_max / max|Delta V| (should be ~0 at a minimum).
        participation_number: N_k of the mode (Buchenau 1992, eq 2).
        omega_c, n_k_m_a2, epsilon_k, eta_k: Buchenau's quantities (Buchenau 1992, eqs 4-5), given
            omega_c: N_k M a^2 = omega_c^2/(2 c4), epsilon_k = omega_c^4/(4 c4),
            eta_k = 2 c2/omega_c^2 (None when c4 <= 0 or omega_c is not given).
        a, c4_predicted, c4_ratio: with a length a, the single-atom quartic model (Buchenau 1992,
        eq 3)
            predicts c4 = (omega_c^2 / (2 a^2)) sum_i |e_i|^4 / m_i (= omega_c^2/(2 M a^2 N_k) for
            equal masses M); c4_ratio = fitted / predicted.
    """

    c1: float
    c2: float
    c3: float
    c4: float
    amplitude_max: float
    max_displacement: float
    n_points: int
    c4_half_window: float
    c4_relative_change: float
    rms_residual: float
    c4_positive: bool
    c1_relative: float
    participation_number: float
    eigenvalue: float | None = None
    c2_over_half_lambda: float | None = None
    omega_c: float | None = None
    n_k_m_a2: float | None = None
    epsilon_k: float | None = None
    eta_k: float | None = None
    a: float | None = None
    c4_predicted: float | None = None
    c4_ratio: float | None = None


def _fit_window(
    energy: EnergyFn, x: FloatArray, d: FloatArray, u0: float, a_max: float, n_points: int
) -> tuple[FloatArray, float, float]:
    """Coefficients (c1..c4) of Delta V on [-a_max, a_max], the rms residual and max|Delta V|."""
    amp = np.linspace(-a_max, a_max, n_points)
    dv = np.array([float(energy(x + a * d)) for a in amp]) - u0
    if not np.all(np.isfinite(dv)):
        raise InputError("the energy is not finite along the quartic-fit window")
    t = amp / a_max  # scaled for conditioning
    design = np.column_stack([t, t**2, t**3, t**4])
    b, *_ = np.linalg.lstsq(design, dv, rcond=None)
    resid = dv - design @ b
    coeffs = b / a_max ** np.arange(1, 5)
    return coeffs, float(np.sqrt(np.mean(resid**2))), float(np.max(np.abs(dv)))


def quartic_fit(
    energy: EnergyFn,
    x_min: ArrayLike,
    mode_vector: ArrayLike,
    masses: ArrayLike,
    max_displacement: float = 0.1,
    n_points: int = 41,
    eigenvalue: float | None = None,
    omega_c: float | None = None,
    a: float | None = None,
) -> QuarticFit:
    """Fit Delta V(A) = U(R_IS + A d) - U(R_IS) = c1 A + c2 A^2 + c3 A^3 + c4 A^4
    (docs/physics/modes.md).

    d_i = e_i / sqrt(m_i) with e the mass-weighted mode vector normalised to |e| = 1, so that
    c2 = lambda/2 at a minimum.  The window is symmetric with max_i |A_max d_i| =
    ``max_displacement`` (recommended 0.1 sigma) and ``n_points`` (recommended >= 41) points; the
    fit is
    repeated on the halved window and the change of c4 reported.

    Args:
        energy: U(flat positions (3N,)) in epsilon.
        x_min: (3N,) minimum R_IS.
        mode_vector: (3N,) mass-weighted eigenvector e_k (normalised here).
        masses: (N,) masses.
        max_displacement: largest particle displacement of the window, sigma.
        n_points: points per window, >= 41 recommended (>= 5 required).
        eigenvalue: lambda_k, for the check c2 = lambda/2.
        omega_c: crystal-like reference frequency (1/tau) for Buchenau's eps_k, eta_k, N_k M a^2.
        a: Buchenau's length a (sigma), for the single-atom quartic prediction of c4 (needs
            omega_c).

    Returns:
        :class:`QuarticFit`.
    """
    m = check_masses(masses)
    x = np.asarray(x_min, dtype=np.float64).reshape(-1)
    e = np.asarray(mode_vector, dtype=np.float64).reshape(-1)
    if x.size != 3 * m.size or e.size != 3 * m.size:
        raise InputError(f"x_min and mode_vector must have {3 * m.size} components")
    ne = float(np.linalg.norm(e))
    if ne == 0.0 or not np.isfinite(ne):
        raise InputError("mode_vector must be a finite non-zero vector")
    e = e / ne
    if n_points < 5:
        raise InputError("n_points must be at least 5 for a quartic fit")
    if max_displacement <= 0:
        raise InputError("max_displacement must be positive")
    d = e / np.repeat(np.sqrt(m), 3)
    dmax = float(np.max(np.linalg.norm(d.reshape(-1, 3), axis=1)))
    a_max = max_displacement / dmax
    u0 = float(energy(x))
    (c1, c2, c3, c4), rms, dv_max = _fit_window(energy, x, d, u0, a_max, n_points)
    (_, _, _, c4h), _, _ = _fit_window(energy, x, d, u0, 0.5 * a_max, n_points)
    rel = abs(c4h - c4) / abs(c4) if c4 != 0.0 else float("inf")
    nk = float(participation_number(e))
    out: dict = {}
    if eigenvalue is not None:
        out["eigenvalue"] = float(eigenvalue)
        out["c2_over_half_lambda"] = float(c2 / (0.5 * eigenvalue)) if eigenvalue != 0 else None
    if omega_c is not None:
        if omega_c <= 0:
            raise InputError("omega_c must be positive")
        out["omega_c"] = float(omega_c)
        out["eta_k"] = float(2.0 * c2 / omega_c**2)
        if c4 > 0:
            out["n_k_m_a2"] = float(omega_c**2 / (2.0 * c4))
            out["epsilon_k"] = float(omega_c**4 / (4.0 * c4))
        if a is not None:
            if a <= 0:
                raise InputError("a must be positive")
            w4 = np.sum(np.sum(e.reshape(-1, 3) ** 2, axis=1) ** 2 / m)
            pred = omega_c**2 / (2.0 * a**2) * float(w4)
            out["a"] = float(a)
            out["c4_predicted"] = pred
            out["c4_ratio"] = float(c4 / pred)
    elif a is not None:
        raise InputError("the quartic prediction from a also needs omega_c")
    return QuarticFit(
        c1=float(c1), c2=float(c2), c3=float(c3), c4=float(c4),
        amplitude_max=float(a_max), max_displacement=float(max_displacement),
        n_points=int(n_points), c4_half_window=float(c4h), c4_relative_change=float(rel),
        rms_residual=rms, c4_positive=bool(c4 > 0),
        c1_relative=float(abs(c1) * a_max / dv_max) if dv_max > 0 else 0.0,
        participation_number=nk, **out,
    )
