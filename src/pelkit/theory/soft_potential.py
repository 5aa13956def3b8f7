"""Buchenau's soft-potential model of soft localized vibrations (Buchenau 1992;
docs/physics/theory.md).

A mode k with participation number N_k (Buchenau 1992, eq 2, :func:`participation_number`) and
harmonic fraction eta_k = omega_k^2/omega_c^2 has the potential V_k = eps_k (eta_k x^2 + x^4) in
the typical atomic displacement x = A_k/(N_k M a^2)^{1/2}, with eps_k = N_k M a^2 omega_c^2/2
(eqs 3-5). In the undercooled liquid every soft mode obeys the stability equation (eq 20)

    eps_k <x_k^2> = 2 eps_m (1 - eta_k),      <.> over exp(-beta V_k),

with eps_m the energy of a local instability. This module solves it:

- harmonic limit (eq 19, corrected): eta_{1,2} = [1 +- sqrt(1 - 1/(beta eps_m))]/2;
- pure quartic mode (eq 23): beta eps_0 = 4 (Gamma(1/4)/Gamma(3/4))^2 (beta eps_m)^2;
- general case (eq 24): with u = (beta eps_k)^{1/4} x, eta' = (beta eps_k)^{1/2} eta_k and
  q = (beta eps_k)^{1/2}, beta V = eta' u^2 + u^4, the mean <u^2>(eta') is universal and
  q = a/<u^2> +- [(a/<u^2>)^2 - 2 a eta'/<u^2>]^{1/2}, a = beta eps_m; then
  eps_k/eps_m = q^2/a and eta_k = eta'/q (Fig 8).

It also converts the low-temperature crossover (eqs 6-8) to physical units:
eps_0 = (hbar omega_c)^4/(16 W^3) and N_s M a^2 = hbar^4 omega_c^2/(8 W^3) with W = 1.6 k_B T*.
Energies in the reduced functions are in units of k_B T (beta eps) or eps_m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import constants, integrate, optimize
from scipy.special import gamma

from pelkit.deprecation import renamed_names
from pelkit.errors import InputError
from pelkit.modes.localization import participation_number, participation_ratio

FloatArray = NDArray[np.float64]

__all__ = [
    "BETA_EPS0_OVER_BETA_EPS_M_SQ",
    "FIG8_ETAS",
    "MEAN_U2_PURE_QUARTIC",
    "BUCHENAU_GLASSES",
    "W_OVER_KB_T_STAR",
    "GlassExample",
    "StabilityBranch",
    "StabilityCurve",
    "beta_eps0",
    "crossover_from_t_star",
    "eps_k_over_eps_m_at",
    "eps_m_over_kT_from_eps0",
    "harmonic_roots",
    "implied_crossover_inputs",
    "mean_u2",
    "mode_soft_potential_parameters",
    "participation_number",
    "participation_ratio",
    "soft_potential_report",
    "stability_curve",
    "soft_mode_stability_residual",
    "stability_q",
]

BETA_EPS0_OVER_BETA_EPS_M_SQ = 4.0 * (gamma(0.25) / gamma(0.75)) ** 2
"""beta eps_0/(beta eps_m)^2 = 4 (Gamma(1/4)/Gamma(3/4))^2 = 35.015034 (Buchenau 1992, eq 23)."""

MEAN_U2_PURE_QUARTIC = gamma(0.75) / gamma(0.25)
"""<u^2>(0) = Gamma(3/4)/Gamma(1/4) = 0.3379891 (Buchenau 1992, eqs 21-22)."""

W_OVER_KB_T_STAR = 1.6
"""W = 1.6 k_B T* (Buchenau 1992, eq 8)."""

_TAIL = 750.0  # integrate while the exponent is within 750 of its minimum (e^-750 negligible)


def _beta_eps_m(value: float) -> float:
    try:
        a = float(value)
    except (TypeError, ValueError):
        raise InputError(f"eps_m/kT must be a number, got {value!r}") from None
    if not math.isfinite(a) or a <= 0.0:
        raise InputError(f"eps_m/kT must be positive and finite, got {value!r}")
    return a


# --------------------------------------------------------------------------------------------
# Harmonic limit and pure quartic mode
# --------------------------------------------------------------------------------------------


def harmonic_roots(beta_eps_m: float) -> tuple[float, float]:
    """(eta_2, eta_1) = ([1 - r]/2, [1 + r]/2), r = sqrt(1 - 1/(beta eps_m)) (eq 19 corrected).

    They solve 4 beta eps_m eta (1 - eta) = 1, the harmonic limit <x^2> = 1/(2 beta eps_k eta) of
    eq 20. eta_2 < eta_1; the + branch diverges at eta_2, the - branch at eta_1. The printed eq 19
    of Buchenau (1992) lost the '1 +-': it reads (1/2)(1 - 1/(beta eps_m))^{1/2}
    (docs/physics/theory.md).
    Raises InputError for beta eps_m < 1, where no real roots exist.
    """
    a = _beta_eps_m(beta_eps_m)
    if a < 1.0:
        raise InputError(
            f"eps_m/kT = {a:g} < 1: the harmonic limit 4 a eta (1 - eta) = 1 has no real roots"
        )
    r = math.sqrt(1.0 - 1.0 / a)
    # eta_2 = (1 - r)/2 = 1/(2 a (1 + r)) without cancellation.
    return 1.0 / (2.0 * a * (1.0 + r)), 0.5 * (1.0 + r)


def beta_eps0(beta_eps_m: float) -> float:
    """beta eps_0 = 35.015034 (beta eps_m)^2: eps_k of the pure quartic mode eta_k = 0 (eq 23)."""
    a = _beta_eps_m(beta_eps_m)
    return BETA_EPS0_OVER_BETA_EPS_M_SQ * a * a


# --------------------------------------------------------------------------------------------
# The universal <u^2>(eta')
# --------------------------------------------------------------------------------------------


def _mean_u2_scalar(ep: float) -> float:
    """<u^2> over exp(-(ep u^2 + u^4)), by Gauss-Kronrod quadrature on u >= 0 (even integrand).

    The exponent is shifted by its minimum. For ep >= 0: g = ep u^2 + u^4 (minimum at 0), range
    u^2 <= 2 T/(ep + sqrt(ep^2 + 4 T)) with T = 750. For ep < 0: in t = u - u0 about the well
    bottom u0 = sqrt(-ep/2), g - g_min = (u^2 - u0^2)^2 = [t (t + 2 u0)]^2 (no cancellation),
    range |t (t + 2 u0)| <= sqrt(T) and u >= 0. Break points sit at the minimum and a few
    widths around it; beyond the range the integrand is below e^{-750}.
    """
    tail = math.sqrt(_TAIL)
    opts = {"epsabs": 0.0, "epsrel": 1e-13, "limit": 400}
    if ep < 0.0:
        u0 = math.sqrt(-0.5 * ep)
        width = min(1.0, 0.5 / math.sqrt(-ep))
        t_hi = tail / (u0 + math.sqrt(u0 * u0 + tail))
        t_lo = -tail / (u0 + math.sqrt(u0 * u0 - tail)) if u0 * u0 > tail else -u0

        def weight(t: float) -> float:
            s = t * (t + 2.0 * u0)
            return math.exp(-s * s)

        def second(t: float) -> float:
            return (u0 + t) ** 2 * weight(t)

        lo, hi, centre = t_lo, t_hi, 0.0
    else:
        width = 1.0 / math.sqrt(2.0 * ep + 1.0)
        hi = math.sqrt(2.0 * _TAIL / (ep + math.sqrt(ep * ep + 4.0 * _TAIL)))

        def weight(u: float) -> float:
            u2 = u * u
            return math.exp(-(ep * u2 + u2 * u2))

        def second(u: float) -> float:
            return u * u * weight(u)

        lo, centre = 0.0, 0.0
    pts = sorted(p for p in {centre + k * width for k in (-6, -3, -1, 0, 1, 3, 6)} if lo < p < hi)
    z, _ = integrate.quad(weight, lo, hi, points=pts or None, **opts)
    m2, _ = integrate.quad(second, lo, hi, points=pts or None, **opts)
    return m2 / z


def mean_u2(eta_prime: ArrayLike) -> float | FloatArray:
    """<u^2>(eta') = int u^2 e^{-(eta' u^2 + u^4)} du / int e^{-(eta' u^2 + u^4)} du (eq 24).

    Universal: depends on eta' only. <u^2>(0) = Gamma(3/4)/Gamma(1/4); for eta' -> +inf it tends
    to 1/(2 eta') (harmonic), for eta' -> -inf to -eta'/2 (bottom of the double well).

    Args:
        eta_prime: eta' values (any shape), finite.
    Returns: float for a scalar, else an array of the same shape.
    """
    ep = np.asarray(eta_prime, dtype=np.float64)
    if not np.all(np.isfinite(ep)):
        raise InputError("eta' must be finite")
    out = np.array([_mean_u2_scalar(float(x)) for x in ep.ravel()]).reshape(ep.shape)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------
# The stability equation (eq 20 / eq 24)
# --------------------------------------------------------------------------------------------


def stability_q(eta_prime: ArrayLike, beta_eps_m: float, branch: str) -> FloatArray:
    """q = (beta eps_k)^{1/2} on one branch of eq 24 for each eta' (NaN where none exists).

    q_+ = (a + D)/<u^2>, q_- = 2 a eta'/(a + D) (= (a - D)/<u^2>, written without cancellation),
    D = sqrt(a^2 - 2 a <u^2> eta'), a = beta eps_m. Only real q > 0 is kept: q_- needs eta' > 0,
    and both need D^2 >= 0 (always true for a >= 1).

    Args:
        eta_prime: eta' values (n,).
        beta_eps_m: a = eps_m/kT > 0.
        branch: ``"+"`` or ``"-"``.
    Returns: q (n,).
    """
    a = _beta_eps_m(beta_eps_m)
    if branch not in ("+", "-"):
        raise InputError(f"branch must be '+' or '-', got {branch!r}")
    ep = np.atleast_1d(np.asarray(eta_prime, dtype=np.float64))
    m = np.atleast_1d(mean_u2(ep))
    d2 = a * a - 2.0 * a * m * ep
    d = np.sqrt(np.where(d2 >= 0.0, d2, np.nan))
    if branch == "+":
        q = (a + d) / m
    else:
        q = 2.0 * a * ep / (a + d)
        q = np.where(ep > 0.0, q, np.nan)
    return np.where(q > 0.0, q, np.nan)


@dataclass(frozen=True)
class StabilityBranch:
    """One branch of the solution of eq 20 (Fig 8); all arrays (n,), ordered by eta'.

    Attributes:
        branch: ``"+"`` (localized below eta_2) or ``"-"`` (localized above eta_1).
        eta_prime: eta' = (beta eps_k)^{1/2} eta_k.
        q: (beta eps_k)^{1/2}.
        eta_k: eta'/q.
        eps_k_over_eps_m: q^2/(beta eps_m).
    """

    branch: str
    eta_prime: FloatArray
    q: FloatArray
    eta_k: FloatArray
    eps_k_over_eps_m: FloatArray

    def as_dict(self) -> dict[str, object]:
        return {
            "branch": self.branch,
            "eta_prime": self.eta_prime,
            "eta_k": self.eta_k,
            "eps_k_over_eps_m": self.eps_k_over_eps_m,
        }


@dataclass(frozen=True)
class StabilityCurve:
    """Both branches of eq 20 at one beta eps_m, with the harmonic roots (None for a < 1).

    For a < 1 the two branches meet at ``eta_prime_join`` (where D = 0): the curve is one
    connected line and eps_k stays finite (no mode is extended).
    """

    beta_eps_m: float
    plus: StabilityBranch
    minus: StabilityBranch
    eta_2: float | None
    eta_1: float | None
    eta_prime_join: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "beta_eps_m": self.beta_eps_m,
            "eta_2": self.eta_2,
            "eta_1": self.eta_1,
            "eta_prime_join": self.eta_prime_join,
            "plus": self.plus.as_dict(),
            "minus": self.minus.as_dict(),
        }


def _join_point(a: float) -> float:
    """eta' > 0 where D^2 = a^2 - 2 a <u^2> eta' = 0, i.e. 2 <u^2> eta' = a (only for a < 1)."""

    def f(ep: float) -> float:
        return 2.0 * _mean_u2_scalar(ep) * ep - a

    hi = 1.0
    while f(hi) < 0.0:
        hi *= 2.0
        if hi > 1e12:
            raise InputError(f"no join point found for eps_m/kT = {a:g}")
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-15, rtol=4.0 * np.finfo(float).eps))


def _branch(a: float, ep: FloatArray, branch: str) -> StabilityBranch:
    q = stability_q(ep, a, branch)
    ok = np.isfinite(q)
    ep, q = ep[ok], q[ok]
    return StabilityBranch(branch, ep, q, ep / q, q * q / a)


def stability_curve(
    beta_eps_m: float,
    n_points: int = 241,
    eta_prime_min: float = -1.0e3,
    eta_prime_max: float = 1.0e4,
) -> StabilityCurve:
    """Solve eq 20 on both branches for one beta eps_m (the curves of Buchenau (1992), Fig 8).

    The + branch sweeps eta' over [eta_prime_min, eta_prime_max] on an asinh-spaced grid (dense
    near 0, logarithmic at both ends); the - branch over eta' in [1e-4, eta_prime_max],
    log-spaced. For a = beta eps_m >= 1: + branch eta_k in (-inf, eta_2), eps_k/eps_m rising from
    4 to inf; - branch eta_k in (eta_1, 1), eps_k/eps_m falling from inf to 0
    (docs/physics/theory.md). For a < 1 both branches end at their join point (see
    :class:`StabilityCurve`).

    Args:
        beta_eps_m: a = eps_m/kT > 0.
        n_points: grid points per branch (>= 3).
        eta_prime_min: lower end of the + branch sweep (< 0).
        eta_prime_max: upper end of both sweeps (> 1e-4).
    """
    a = _beta_eps_m(beta_eps_m)
    if int(n_points) != n_points or n_points < 3:
        raise InputError(f"n_points must be an integer >= 3, got {n_points}")
    if not (eta_prime_min < 0.0 and eta_prime_max > 1e-4):
        raise InputError("the eta' sweep needs eta_prime_min < 0 < 1e-4 < eta_prime_max")
    t = np.linspace(np.arcsinh(eta_prime_min), np.arcsinh(eta_prime_max), int(n_points))
    ep_plus = np.sinh(t)
    ep_minus = np.geomspace(1e-4, eta_prime_max, int(n_points))
    join = None
    if a < 1.0:
        join = _join_point(a)
        ep_plus = np.append(ep_plus[ep_plus < join], join)
        ep_minus = np.append(ep_minus[ep_minus < join], join)
    roots: tuple[float | None, float | None] = harmonic_roots(a) if a >= 1.0 else (None, None)
    return StabilityCurve(a, _branch(a, ep_plus, "+"), _branch(a, ep_minus, "-"), *roots, join)


def eps_k_over_eps_m_at(eta_k: float, beta_eps_m: float, branch: str = "+") -> dict[str, float]:
    """Point of one branch of eq 20 at a given eta_k, by root finding in eta'.

    eta_k(eta') = eta'/q(eta') is monotonic on each branch: increasing on +, decreasing on -.
    Returns {"eta_k", "eta_prime", "q", "eps_k_over_eps_m"}. Raises InputError when eta_k is
    outside the branch's range (+: eta_k < eta_2; -: eta_1 < eta_k < 1; for a < 1 up to the join).
    """
    a = _beta_eps_m(beta_eps_m)
    x = float(eta_k)
    if not math.isfinite(x):
        raise InputError("eta_k must be finite")
    if branch not in ("+", "-"):
        raise InputError(f"branch must be '+' or '-', got {branch!r}")
    join = _join_point(a) if a < 1.0 else math.inf

    def eta_of(ep: float) -> float:
        q = float(stability_q([ep], a, branch)[0])
        return ep / q

    def fail() -> InputError:
        return InputError(f"eta_k = {x:g} is not on the {branch} branch for eps_m/kT = {a:g}")

    if branch == "+":
        hi = min(1.0, join)
        while eta_of(hi) < x:
            if hi >= join:
                raise fail()
            hi = min(hi * 4.0, join)
            if hi > 1e15:
                raise fail()
        lo = -1.0
        while eta_of(lo) > x:
            lo *= 4.0
            if lo < -1e15:
                raise fail()
        f = lambda ep: eta_of(ep) - x  # noqa: E731
    else:
        if not x < 1.0:
            raise fail()
        lo = min(1e-3, join)
        while eta_of(lo) < x:
            lo *= 0.25
            if lo < 1e-300:
                raise fail()
        hi = min(1.0, join)
        while eta_of(hi) > x:
            if hi >= join:
                raise fail()
            hi = min(hi * 4.0, join)
            if hi > 1e15:
                raise fail()
        f = lambda ep: eta_of(ep) - x  # noqa: E731
    if f(lo) == 0.0:
        root = lo
    elif f(hi) == 0.0:
        root = hi
    else:
        root = float(
            optimize.brentq(f, lo, hi, xtol=1e-300, rtol=4.0 * np.finfo(float).eps, maxiter=500)
        )
    q = float(stability_q([root], a, branch)[0])
    return {"eta_k": x, "eta_prime": root, "q": q, "eps_k_over_eps_m": q * q / a}


def soft_mode_stability_residual(
    eta_k: ArrayLike, eps_k_over_eps_m: ArrayLike, beta_eps_m: float
) -> FloatArray:
    """Relative residual of eq 20, beta eps_k <x_k^2>/(2 beta eps_m (1 - eta_k)) - 1.

    <x^2> = <u^2>(eta')/(beta eps_k)^{1/2} with eta' = (beta eps_k)^{1/2} eta_k and
    beta eps_k = beta eps_m * eps_k/eps_m. Arrays of equal shape; eta_k != 1.
    """
    a = _beta_eps_m(beta_eps_m)
    eta = np.asarray(eta_k, dtype=np.float64)
    ratio = np.asarray(eps_k_over_eps_m, dtype=np.float64)
    q = np.sqrt(a * ratio)
    x2 = np.asarray(mean_u2(q * eta)) / q
    return q * q * x2 / (2.0 * a * (1.0 - eta)) - 1.0


# --------------------------------------------------------------------------------------------
# The report of ``pelkit theory soft-potential``
# --------------------------------------------------------------------------------------------


FIG8_ETAS = (-1.0, -0.5, -0.2, -0.1, -0.05, 0.0, 0.02, 0.04)
"""The eta_k at which the Fig 8 curves of Buchenau (1992) are tabulated."""


def soft_potential_report(
    beta_eps_m: float,
    n_points: int = 241,
    eta_prime_min: float = -1.0e3,
    eta_prime_max: float = 1.0e4,
) -> tuple[dict[str, Any], StabilityCurve]:
    """Harmonic roots, eq 23 ratio, both branches of eq 20 and the Fig 8 table at ``beta_eps_m``.

    This is what ``pelkit theory soft-potential`` prints. Returns (result dictionary, the
    :class:`StabilityCurve`). The dictionary holds ``eps_m_over_kT``, ``eta_1``, ``eta_2`` (None
    with a ``note`` for beta eps_m < 1), ``beta_eps0_over_beta_eps_m_sq``, ``beta_eps0``,
    ``curve`` (both branches) and ``plus_branch_table`` (eps_k/eps_m at the Fig 8 eta_k that lie
    on the + branch).
    """
    curve = stability_curve(beta_eps_m, n_points, eta_prime_min, eta_prime_max)
    table = []
    for eta in FIG8_ETAS:
        try:
            point = eps_k_over_eps_m_at(eta, beta_eps_m, "+")
        except InputError:
            continue
        table.append(
            {
                "eta_k": eta,
                "eps_k_over_eps_m": point["eps_k_over_eps_m"],
                "eta_prime": point["eta_prime"],
            }
        )
    result: dict[str, Any] = {
        "model": "soft-potential model (Buchenau 1992)",
        "eps_m_over_kT": float(beta_eps_m),
        "eta_1": curve.eta_1,
        "eta_2": curve.eta_2,
        "beta_eps0_over_beta_eps_m_sq": BETA_EPS0_OVER_BETA_EPS_M_SQ,
        "beta_eps0": beta_eps0(beta_eps_m),
        "eps0_over_eps_m": beta_eps0(beta_eps_m) / beta_eps_m,
        "mean_u2_pure_quartic": MEAN_U2_PURE_QUARTIC,
        "curve": curve.as_dict(),
        "plus_branch_table": table,
        "notes": [
            "eta_1,2 = [1 +- sqrt(1 - kT/eps_m)]/2 (eq 19 corrected, docs/physics/theory.md)",
            "+ branch: eta_k < eta_2, eps_k/eps_m from 4 to inf; "
            "- branch: eta_1 < eta_k < 1, from inf to 0",
        ],
    }
    if curve.eta_2 is None:
        result["note"] = (
            f"eps_m/kT = {beta_eps_m:g} < 1: 4 (eps_m/kT) eta (1 - eta) = 1 has no real roots, so "
            "there are no harmonic roots eta_1, eta_2; the two branches meet at eta_prime_join "
            "and eps_k stays finite"
        )
    return result, curve


# --------------------------------------------------------------------------------------------
# Modes -> soft-potential parameters
# --------------------------------------------------------------------------------------------


def mode_soft_potential_parameters(
    eigenvalues: ArrayLike,
    vectors: ArrayLike,
    omega_c: float,
    a: float,
    mass: float = 1.0,
    axis: int = -1,
) -> dict[str, FloatArray]:
    """eta_k, N_k and eps_k of normal modes (Buchenau 1992, eqs 2 and 5).

    eta_k = lambda_k/omega_c^2 (lambda = omega^2, negative for unstable modes),
    N_k = [sum_i |e_i|^4]^{-1} and eps_k = N_k M a^2 omega_c^2/2.

    Args:
        eigenvalues: lambda_k (k,) in 1/time^2 (mass-weighted Hessian eigenvalues).
        vectors: mass-weighted eigenvectors (k, 3N) rows (or (3N, k) with ``axis=0``).
        omega_c: crystal-like frequency scale omega_c (1/time), > 0.
        a: the quartic length scale a (length), > 0.
        mass: the atomic mass M of eq 3 (mass).
        axis: the axis of ``vectors`` running over the 3N components.
    Returns: {"eta_k", "N_k", "eps_k"} arrays (k,) (eps_k in mass length^2/time^2).
    """
    if not (omega_c > 0.0 and a > 0.0 and mass > 0.0):
        raise InputError("omega_c, a and the mass must be positive")
    lam = np.atleast_1d(np.asarray(eigenvalues, dtype=np.float64))
    nk = np.atleast_1d(participation_number(vectors, axis=axis))
    if nk.size != lam.size:
        raise InputError(f"got {lam.size} eigenvalues for {nk.size} eigenvectors")
    return {
        "eta_k": lam / omega_c**2,
        "N_k": nk,
        "eps_k": nk * mass * a * a * omega_c**2 / 2.0,
    }


# --------------------------------------------------------------------------------------------
# Physical units: the crossover of Buchenau (1992) section 3 (eqs 6-8)
# --------------------------------------------------------------------------------------------

_EV = constants.electron_volt
_AMU = constants.atomic_mass
_ANGSTROM2 = 1e-20


@dataclass(frozen=True)
class GlassExample:
    """A glass of Buchenau (1992) section 3 (docs/physics/theory.md table).

    Attributes:
        name: the glass.
        nu_c_thz: nu_c = omega_c/2 pi in THz (the paper's value; None where the paper gives none).
        mass_u: mean atomic mass M in u (from the composition).
        ns_a2_seed: the paper's N_s a^2 in Angstrom^2.
        eps0_seed_ev: the paper's eps_0 in eV.
        t_star_range_k: T* (K) that reproduces each of the paper's numbers separately (recomputed),
        or None.
        t_g_k: glass temperature (K), for the loose eps_m/k_B T_g check of eq 23 (literature).
    """

    name: str
    nu_c_thz: float | None
    mass_u: float
    ns_a2_seed: float
    eps0_seed_ev: float
    t_star_range_k: tuple[float, float] | None
    t_g_k: float | None


BUCHENAU_GLASSES: dict[str, GlassExample] = {
    "silica": GlassExample(
        "v-SiO2", 3.0, (28.085 + 2 * 15.999) / 3.0, 162.0, 55.0, (2.11, 2.17), 1473.0
    ),
    "selenium": GlassExample("a-Se", 1.3, 78.97, 289.0, 89.0, (0.61, 0.63), 313.0),
    "b2o3": GlassExample("B2O3", None, (2 * 10.81 + 3 * 15.999) / 5.0, 392.0, 45.0, None, 526.0),
}
"""The paper's examples. T* is not given by the paper: it is an input (docs/physics/theory.md)."""


def crossover_from_t_star(
    t_star_k: float,
    nu_c_thz: float,
    mass_u: float | None = None,
    w_over_kb_t_star: float = W_OVER_KB_T_STAR,
) -> dict[str, float | None]:
    """The soft-potential crossover in physical units (Buchenau 1992, eqs 6-8;
    docs/physics/theory.md).

    W = 1.6 k_B T*, omega_c = 2 pi nu_c, eps_0 = (hbar omega_c)^4/(16 W^3) and
    N_s M a^2 = hbar^4 omega_c^2/(8 W^3) (so N_s a^2 = that / M).

    Args:
        t_star_k: T*, the minimum of c_p/T^3, in K (> 0).
        nu_c_thz: nu_c in THz (> 0).
        mass_u: mean atomic mass M in u; None skips N_s a^2.
        w_over_kb_t_star: the factor of eq 8 (1.6).
    Returns: {"t_star_K", "nu_c_THz", "omega_c_rad_per_s", "W_eV", "W_over_kB_K", "eps0_eV",
    "Ns_M_a2_kg_m2", "mass_u", "Ns_a2_A2"} (the last two None without a mass).
    """
    for name, value in (("T*", t_star_k), ("nu_c", nu_c_thz), ("W/k_B T*", w_over_kb_t_star)):
        if not (math.isfinite(float(value)) and value > 0.0):
            raise InputError(f"{name} must be positive and finite, got {value}")
    if mass_u is not None and not (math.isfinite(float(mass_u)) and mass_u > 0.0):
        raise InputError(f"the atomic mass must be positive and finite, got {mass_u}")
    omega_c = 2.0 * math.pi * nu_c_thz * 1e12
    w = w_over_kb_t_star * constants.k * t_star_k
    hbar = constants.hbar
    eps0 = (hbar * omega_c) ** 4 / (16.0 * w**3)
    ns_m_a2 = hbar**4 * omega_c**2 / (8.0 * w**3)
    return {
        "t_star_K": float(t_star_k),
        "nu_c_THz": float(nu_c_thz),
        "omega_c_rad_per_s": omega_c,
        "W_eV": w / _EV,
        "W_over_kB_K": w / constants.k,
        "eps0_eV": eps0 / _EV,
        "Ns_M_a2_kg_m2": ns_m_a2,
        "mass_u": None if mass_u is None else float(mass_u),
        "Ns_a2_A2": None if mass_u is None else ns_m_a2 / (mass_u * _AMU) / _ANGSTROM2,
    }


def implied_crossover_inputs(
    ns_a2_a2: float, eps0_ev: float, mass_u: float, w_over_kb_t_star: float = W_OVER_KB_T_STAR
) -> dict[str, float]:
    """(nu_c, T*) that make a given (N_s a^2, eps_0, M) triple consistent (inverse of eqs 6-8).

    omega_c^2 = 2 eps_0/(N_s M a^2) (eq 6) and W^3 = (hbar omega_c)^4/(16 eps_0) (eq 7).
    For the paper's silica and selenium this gives nu_c = 2.88 and 1.38 THz
    (the printed triples (N_s a^2, eps_0, nu_c) are ~10 % inconsistent with each other).
    Returns {"nu_c_THz", "t_star_K", "W_eV"}.
    """
    for name, value in (("N_s a^2", ns_a2_a2), ("eps_0", eps0_ev), ("mass", mass_u)):
        if not (math.isfinite(float(value)) and value > 0.0):
            raise InputError(f"{name} must be positive and finite, got {value}")
    eps0 = eps0_ev * _EV
    ns_m_a2 = ns_a2_a2 * _ANGSTROM2 * mass_u * _AMU
    omega_c = math.sqrt(2.0 * eps0 / ns_m_a2)
    w = ((constants.hbar * omega_c) ** 4 / (16.0 * eps0)) ** (1.0 / 3.0)
    return {
        "nu_c_THz": omega_c / (2.0 * math.pi) / 1e12,
        "t_star_K": w / (w_over_kb_t_star * constants.k),
        "W_eV": w / _EV,
    }


def eps_m_over_kT_from_eps0(eps0_ev: float, temperature_k: float) -> float:
    """eps_m/k_B T = [eps_0/(35.015034 k_B T)]^{1/2}, eq 23 inverted (Buchenau 1992, section 4).

    With T = T_g the paper quotes 3.5 (silica), 10 (Se) and 5.3 (B2O3).
    """
    if not (eps0_ev > 0.0 and temperature_k > 0.0):
        raise InputError("eps_0 and the temperature must be positive")
    kt_ev = constants.k * temperature_k / _EV
    return math.sqrt(eps0_ev / (BETA_EPS0_OVER_BETA_EPS_M_SQ * kt_ev))


# Deprecated names (removed in the next release).
__getattr__ = renamed_names(
    __name__,
    {"eq20_residual": "soft_mode_stability_residual", "SEED_GLASSES": "BUCHENAU_GLASSES"},
    globals(),
)
