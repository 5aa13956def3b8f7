"""Random energy model (REM) of a liquid and its instantaneous normal modes: analytical side.

T. Keyes, "Entropy, dynamics, and instantaneous normal modes in a random energy model" (c. 2000);
docs/physics/theory.md. States of N cooperative regions (v excited states per region) have Gaussian
energies G(E) = N(eps, Delta^2) (eq 1); every state has Nv neighbours (one region changed) whose
energies follow G_c. A state with n lower neighbours is an n-th order critical point with unstable
fraction n/Nv, so f_u(E) = p_c^<(E) (eq 3).

This module gives the exact canonical averages (closed forms and one-dimensional quadrature),
the paper's asymptotic forms with the corrections of docs/physics/theory.md, P_min at fixed
energy and canonically, and the linear fits S against ln f_u and R against f_u. Sampling of a
finite REM is in :mod:`pelkit.theory.rem_sampling`.

Conventions: k_B = 1, energies and temperatures in the same unit; rates in units of R_0 unless
``r0`` is given. The neighbour distribution is G_c = N(eps, (c Delta)^2) with c =
``neighbor_width``; c = 1 is the paper's uncorrelated case G_c = G, c^2 = N a broadened option.

Canonical averages at fixed p (eqs 7-8) are <X> = int dE G e^{-E/T} X / q with
q = exp[-eps/T + Delta^2/(2 T^2)] (exact). In the reduced variable y = (E - eps)/Delta + b,
b = Delta/T, the canonical weight G e^{-E/T}/q is the standard normal density phi(y).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, optimize
from scipy.special import gammaln, log_ndtr, ndtr

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_EPS = float(np.finfo(np.float64).eps)
_QUAD_HALF_WIDTH = 40.0  # the integrands below fall at least like exp(-(y - y_peak)^2 / 2)

QUANTITIES = ("f_u", "p_min", "R_A", "R_A1", "R_A2", "R_B")


@dataclass(frozen=True)
class REMParameters:
    """Parameters of the fixed-p REM (Keyes c. 2000, eqs 1-2).

    Attributes:
        delta: width Delta of G(E) (energy), > 0.
        n_regions: number N of cooperative regions, >= 1.
        v: number v of excited states per region, >= 1; each state has N v neighbours.
        eps: mean energy eps of G(E) (energy).
        log_omega: ln Omega, the log number of states; ``None`` means N ln(1 + v), all the
            (1 + v)^N states (the sum of eq 2 over Np).
        neighbor_width: c in G_c = N(eps, (c Delta)^2); 1 is the paper's G_c = G.
        r0: the rate prefactor R_0 (eq 12) (1/time).
    """

    delta: float = 10.0
    n_regions: int = 100
    v: int = 2
    eps: float = 0.0
    log_omega: float | None = None
    neighbor_width: float = 1.0
    r0: float = 1.0

    def __post_init__(self) -> None:
        for name in ("delta", "eps", "neighbor_width", "r0"):
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(
                float(value)
            ):
                raise InputError(f"REM parameter {name} must be a finite number, got {value!r}")
        if self.delta <= 0.0:
            raise InputError(f"REM width Delta must be positive, got {self.delta}")
        if self.neighbor_width <= 0.0:
            raise InputError(f"REM neighbour width c must be positive, got {self.neighbor_width}")
        if self.r0 <= 0.0:
            raise InputError(f"REM rate prefactor R0 must be positive, got {self.r0}")
        if int(self.n_regions) != self.n_regions or self.n_regions < 1:
            raise InputError(f"REM n_regions N must be a positive integer, got {self.n_regions}")
        if int(self.v) != self.v or self.v < 1:
            raise InputError(f"REM v (excited states per region) must be >= 1, got {self.v}")
        if self.log_omega is not None and not (
            math.isfinite(float(self.log_omega)) and self.log_omega > 0.0
        ):
            raise InputError(f"REM ln Omega must be a positive finite number, got {self.log_omega}")

    @property
    def n_neighbors(self) -> int:
        """Nv, the number of neighbours of every state."""
        return int(self.n_regions) * int(self.v)

    @property
    def ln_omega(self) -> float:
        """ln Omega (``log_omega`` or N ln(1 + v))."""
        if self.log_omega is not None:
            return float(self.log_omega)
        return float(self.n_regions) * math.log1p(float(self.v))

    def as_dict(self) -> dict[str, float | int]:
        """The parameters, with the derived Nv and ln Omega, for output records."""
        return {
            "delta": float(self.delta),
            "eps": float(self.eps),
            "n_regions": int(self.n_regions),
            "v": int(self.v),
            "n_neighbors": self.n_neighbors,
            "ln_omega": self.ln_omega,
            "neighbor_width": float(self.neighbor_width),
            "r0": float(self.r0),
        }


def as_temperatures(temperatures: ArrayLike) -> FloatArray:
    """Validate temperatures: a 1-D float64 array of positive finite values."""
    t = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
    if t.ndim != 1 or t.size == 0:
        raise InputError("temperatures must be a non-empty list of numbers")
    if not np.all(np.isfinite(t)) or np.any(t <= 0.0):
        raise InputError(f"temperatures must be positive and finite, got {t.tolist()}")
    return t


# --------------------------------------------------------------------------------------------
# Static distributions and thermodynamics
# --------------------------------------------------------------------------------------------


def log_omega_p(n_regions: int, v: int, p: ArrayLike) -> FloatArray:
    """ln Omega(Np) = ln{N! v^{N(1-p)} / ([N(1-p)]! (Np)!)} (Keyes c. 2000, eq 2).

    Args:
        n_regions: N.
        v: excited states per region.
        p: favoured fraction(s), Np integer-valued in [0, N] (any shape).
    Returns: ln Omega, the shape of ``p``.
    """
    p = np.asarray(p, dtype=np.float64)
    n = float(n_regions)
    n_fav = n * p
    if np.any(p < 0.0) or np.any(p > 1.0):
        raise InputError("favoured fraction p must lie in [0, 1]")
    return (
        gammaln(n + 1.0)
        + (n - n_fav) * math.log(v)
        - gammaln(n - n_fav + 1.0)
        - gammaln(n_fav + 1.0)
    )


def p_less(energy: ArrayLike, params: REMParameters) -> FloatArray:
    """p_<(E) = int_{-inf}^E G = Phi_N((E - eps)/Delta), the fraction of states below E."""
    e = np.asarray(energy, dtype=np.float64)
    return ndtr((e - params.eps) / params.delta)


def f_u_of_energy(energy: ArrayLike, params: REMParameters) -> FloatArray:
    """f_u(E) = p_c^<(E) = Phi_N((E - eps)/(c Delta)) (Keyes c. 2000, eq 3).

    For c = 1 (G_c = G) this is p_<(E).
    """
    e = np.asarray(energy, dtype=np.float64)
    return ndtr((e - params.eps) / (params.neighbor_width * params.delta))


def dominant_energy(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """E*(T) = eps - Delta^2/T, the dominant energy (Keyes c. 2000, eq 5c, corrected: Delta
    squared)."""
    t = as_temperatures(temperatures)
    return params.eps - params.delta**2 / t


def log_partition_fixed_p(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """ln q(T) = -eps/T + Delta^2/(2 T^2) (Keyes c. 2000, eq 8, exact for Gaussian G)."""
    t = as_temperatures(temperatures)
    return -params.eps / t + params.delta**2 / (2.0 * t**2)


def entropy(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """S(T) = ln Omega - Delta^2/(2 T^2) (Keyes c. 2000, eq 5b; exact for Gaussian G).

    Valid above the freezing temperature Delta/sqrt(2 ln Omega), where S > 0.
    """
    t = as_temperatures(temperatures)
    return params.ln_omega - params.delta**2 / (2.0 * t**2)


def freezing_temperature(delta: float, ln_states: float) -> float:
    """T_f = Delta/sqrt(2 ln M): S(T_f) = 0 for M states (docs/physics/theory.md)."""
    if delta <= 0.0 or ln_states <= 0.0:
        raise InputError("freezing temperature needs Delta > 0 and more than one state")
    return float(delta / math.sqrt(2.0 * ln_states))


def mean_f_u(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """Exact <f_u>(T) = Phi_N(-(Delta/T)/sqrt(1 + c^2)) (docs/physics/theory.md).

    For c = 1: Phi_N(-Delta/(sqrt(2) T)); for c^2 = N: Phi_N(-Delta/(T sqrt(N + 1))).
    """
    t = as_temperatures(temperatures)
    c = params.neighbor_width
    return ndtr(-(params.delta / t) / math.sqrt(1.0 + c * c))


def log_mean_f_u(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """ln <f_u>(T), computed without underflow (see :func:`mean_f_u`)."""
    t = as_temperatures(temperatures)
    c = params.neighbor_width
    return log_ndtr(-(params.delta / t) / math.sqrt(1.0 + c * c))


def f_u_at_dominant_energy(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """p_c^<(E*) = Phi_N(-Delta/(c T)); for c = 1 the La Nave form p_<(E*) = Phi_N(-Delta/T)."""
    t = as_temperatures(temperatures)
    return ndtr(-params.delta / (params.neighbor_width * t))


def mean_rate_downhill(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """<R_B>(T) = R_0 Nv <f_u>(T) (Keyes c. 2000, eq 13; exact for any G_c)."""
    return params.r0 * params.n_neighbors * mean_f_u(temperatures, params)


def mean_rate_uphill(temperatures: ArrayLike, params: REMParameters) -> FloatArray:
    """<R_A>(T) from the exact one-dimensional form of eq 12 (see :func:`canonical_quadrature`).

    For c = 1 it equals <R_B> exactly (the paper's eq 16 gives R_A a correction term, an artefact
    of its asymptotic split; docs/physics/theory.md): exchanging E and E' in the
    double integral of eq 12 gives eq 13 (detailed balance).
    """
    return canonical_quadrature(temperatures, params, "R_A")


# --------------------------------------------------------------------------------------------
# Exact quadrature
# --------------------------------------------------------------------------------------------


def _log_integral(log_f: Callable[[float], float], lo: float, hi: float, scale: float) -> float:
    """ln int_lo^hi exp(log_f(y)) dy for a log-concave integrand with curvature >= 1.

    The unconstrained mode is located by bounded Brent minimisation over [-scale - 60,
    scale + 60] and clipped to [lo, hi] (the maximum of a log-concave function on an interval);
    the integral of exp(log_f - log_f(y0)) is taken by adaptive Gauss-Kronrod quadrature over
    y0 +- 40 within [lo, hi], outside which the integrand is below e^{-800}. The requested
    relative accuracy is 1e-13, or 100 eps |log_f(y0)| where the log integrand is so large that
    its rounding limits it (extreme Delta/T).
    """
    res = optimize.minimize_scalar(
        lambda y: -log_f(y),
        bounds=(-scale - 60.0, scale + 60.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    y0 = min(max(float(res.x), lo), hi)
    f0 = log_f(y0)
    if not math.isfinite(f0):
        return -math.inf
    a = max(lo, y0 - _QUAD_HALF_WIDTH)
    b = min(hi, y0 + _QUAD_HALF_WIDTH)
    if b <= a:
        return -math.inf
    points = [y0] if a < y0 < b else None
    val, _err = integrate.quad(
        lambda y: math.exp(log_f(y) - f0),
        a,
        b,
        points=points,
        epsabs=0.0,
        epsrel=max(1e-13, 100.0 * _EPS * max(1.0, abs(f0))),
        limit=400,
    )
    if val <= 0.0:
        return -math.inf
    return f0 + math.log(val)


def _log_phi(y: float) -> float:
    return -0.5 * y * y - _LOG_SQRT_2PI


def _log_ndtr(x: float) -> float:
    return float(log_ndtr(x))


def canonical_quadrature(
    temperatures: ArrayLike, params: REMParameters, quantity: str
) -> FloatArray:
    """Exact canonical average of one REM quantity by one-dimensional quadrature (eqs 7, 12, 13).

    With b = Delta/T, c = ``neighbor_width`` and the canonical variable y ~ N(0, 1)
    (E = eps + Delta (y - b)):

    - ``"f_u"``: <f_u> = int phi(y) Phi((y - b)/c) dy (eq 7 with eq 3);
    - ``"p_min"``: canonical P_min = <(1 - f_u(E))^{Nv}> = int phi(y) Phi(-(y - b)/c)^{Nv} dy;
    - ``"R_B"``: <R_B> = R_0 Nv <f_u> (eq 13);
    - ``"R_A"``: eq 12. The E' integral is done in closed form,
      int_E^inf G_c(E') e^{-E'/T} dE' = q_c Phi(-(E - E_c*)/(c Delta)), E_c* = eps - c^2 Delta^2/T,
      leaving <R_A> = R_0 Nv e^{(c^2 - 1) b^2/2} int phi(z) Phi(-(z + c^2 b)/c) dz over the
      untilted z = (E - eps)/Delta;
    - ``"R_A1"`` / ``"R_A2"``: the parts of ``"R_A"`` from E < E* and E > E* (z < -b, z > -b),
      the paper's split (eqs 14-16); R_A1 + R_A2 = R_A.

    Args:
        temperatures: T values (nT,), > 0.
        params: the REM parameters.
        quantity: one of ``QUANTITIES``.
    Returns: the averages (nT,) (rates in units of 1/time through R_0).
    """
    if quantity not in QUANTITIES:
        raise InputError(f"unknown REM quantity {quantity!r}; choose from {', '.join(QUANTITIES)}")
    t = as_temperatures(temperatures)
    c = float(params.neighbor_width)
    nv = params.n_neighbors
    rate = params.r0 * nv
    out = np.empty(t.size)
    for i, temp in enumerate(t):
        b = params.delta / float(temp)
        inf = math.inf
        if quantity in ("f_u", "R_B"):
            log_val = _log_integral(
                lambda y, b=b: _log_phi(y) + _log_ndtr((y - b) / c), -inf, inf, b
            )
            out[i] = math.exp(log_val) * (rate if quantity == "R_B" else 1.0)
        elif quantity == "p_min":
            log_val = _log_integral(
                lambda y, b=b: _log_phi(y) + nv * _log_ndtr(-(y - b) / c), -inf, inf, b
            )
            out[i] = math.exp(log_val)
        else:
            lo, hi = -inf, inf
            if quantity == "R_A1":
                hi = -b
            elif quantity == "R_A2":
                lo = -b
            log_val = _log_integral(
                lambda z, b=b: _log_phi(z) + _log_ndtr(-(z + c * c * b) / c),
                lo,
                hi,
                c * c * b,
            )
            out[i] = rate * math.exp(log_val + 0.5 * (c * c - 1.0) * b * b)
    return out


# --------------------------------------------------------------------------------------------
# P_min
# --------------------------------------------------------------------------------------------


def p_min_fixed_energy(energy: ArrayLike, params: REMParameters) -> dict[str, FloatArray]:
    """Probability that a state at energy E is a minimum (Bryngelson-Wolynes; Keyes (c. 2000)
    section 3).

    Returns ``exact`` = (1 - f_u(E))^{Nv} = (p_c^>)^{Nv} and ``exp_form`` = exp(-Nv f_u(E)), the
    paper's P_LM, which approximates it at fixed E only (the paper applies it to averages, where it
    fails;
    docs/physics/theory.md). Arrays have the
    shape of ``energy``.
    """
    e = np.asarray(energy, dtype=np.float64)
    nv = params.n_neighbors
    z = (e - params.eps) / (params.neighbor_width * params.delta)
    return {"exact": np.exp(nv * log_ndtr(-z)), "exp_form": np.exp(-nv * ndtr(z))}


def p_min_canonical(temperatures: ArrayLike, params: REMParameters) -> dict[str, FloatArray]:
    """Canonical probability of sitting in a minimum against the (invalid) exp(-Nv <f_u>).

    Returns ``exact`` = <(1 - f_u(E))^{Nv}> by quadrature and ``exp_of_mean_f_u`` =
    exp(-Nv <f_u>). The first is far larger: low-energy states dominate it (e.g. Delta = 10,
    Nv = 200, T = 5 gives 0.245 against 1.5e-7).
    """
    return {
        "exact": canonical_quadrature(temperatures, params, "p_min"),
        "exp_of_mean_f_u": np.exp(-params.n_neighbors * mean_f_u(temperatures, params)),
    }


# --------------------------------------------------------------------------------------------
# The paper's asymptotic forms
# --------------------------------------------------------------------------------------------


def _log_mills(x: FloatArray) -> FloatArray:
    """ln of the leading asymptote of Phi_N(-x) for large x: ln[phi(x)/x]."""
    return -0.5 * x * x - _LOG_SQRT_2PI - np.log(x)


def asymptotic_forms(temperatures: ArrayLike, params: REMParameters) -> dict[str, FloatArray]:
    """The paper's large-Delta/T forms, with the corrections of docs/physics/theory.md

    All arrays are (nT,). With b = Delta/T and c = 1 (for c != 1 the Mills asymptote of the exact
    Phi_N is used in place of eq 10):

    - ``f_u_eq10``: <f_u> ~ T e^{-Delta^2/(4T^2)}/(sqrt(pi) Delta) (eq 10);
    - ``p_less_Estar_eq9``: p_<(E*) ~ T e^{-Delta^2/(2T^2)}/(sqrt(2 pi) Delta) (eq 9 at E*);
    - ``S_eq11``: ln{Omega [sqrt(pi) Delta <f_u>/T]^2} (eq 11) with <f_u> from eq 10 (identical to
      eq 5b) and ``S_eq11_exact_fu`` with the exact <f_u>;
    - ``R_B_eq13``: R_0 Nv <f_u> (eq 13) with eq 10;
    - ``R_A1_eq14``: R_0 Nv p_<(E*) (eq 14); ``R_A1_eq15``: R_0 Nv sqrt(pi/2)(Delta/T)<f_u>^2
      (eq 15, the corrected prefactor); with eqs 9-10 the two are the same function;
    - ``R_A1_split_asymptote`` (c = 1 only, NaN otherwise): the large-b asymptote of the exact
      E < E* part, R_0 Nv p_<(E*)[1/2 + 1/(sqrt(2 pi) b)]. Eq 14 assumes the E' integral equals
      q for all E < E*, but the states below E* lie within ~T of E*, where that integral is
      about q/2: eqs 14-15 overestimate R_A1 by a factor tending to 2;
    - ``R_A_eq16``: R_0 Nv <f_u>[1 + sqrt(pi/2)(Delta/T)<f_u>] (eq 16), an artefact of the split:
      the exact result is R_A = R_B (docs/physics/theory.md);
    - ``P_min_exp``: exp(-Nv <f_u>), the paper's P_LM applied to the average (not valid).

    Logarithms are formed before exponentiating, so small values underflow to 0 cleanly.
    """
    t = as_temperatures(temperatures)
    c = float(params.neighbor_width)
    b = params.delta / t
    log_fu = _log_mills(b / math.sqrt(1.0 + c * c))
    log_p_star = _log_mills(b / c)
    fu = np.exp(log_fu)
    p_star = np.exp(log_p_star)
    rate = params.r0 * params.n_neighbors
    log_fu_exact = log_mean_f_u(t, params)
    split = math.sqrt(math.pi / 2.0) * b
    log_pref = 0.5 * math.log(math.pi) + np.log(b)
    if c == 1.0:
        r_a1_split = rate * p_star * (0.5 + 1.0 / (math.sqrt(2.0 * math.pi) * b))
    else:
        r_a1_split = np.full(t.size, np.nan)
    return {
        "f_u_eq10": fu,
        "p_less_Estar_eq9": p_star,
        "S_eq11": params.ln_omega + 2.0 * (log_pref + log_fu),
        "S_eq11_exact_fu": params.ln_omega + 2.0 * (log_pref + log_fu_exact),
        "R_B_eq13": rate * fu,
        "R_A1_eq14": rate * p_star,
        "R_A1_eq15": rate * np.exp(np.log(split) + 2.0 * log_fu),
        "R_A1_split_asymptote": r_a1_split,
        "R_A_eq16": rate * fu * (1.0 + split * fu),
        "P_min_exp": np.exp(-params.n_neighbors * fu),
    }


# --------------------------------------------------------------------------------------------
# Tables and fits
# --------------------------------------------------------------------------------------------


def exact_table(temperatures: ArrayLike, params: REMParameters) -> dict[str, FloatArray]:
    """Exact canonical REM quantities against T (all arrays (nT,)).

    Keys: ``T``, ``E_star`` (eq 5c), ``S`` (eq 5b), ``f_u`` (closed form), ``f_u_quadrature``,
    ``ln_f_u``, ``p_less_Estar`` (p_c^<(E*)), ``ln_p_less_Estar``, ``R_A`` (quadrature of
    eq 12), ``R_A1``, ``R_A2`` (split at E*), ``R_B`` (eq 13), ``R`` = R_A + R_B, ``P_min``
    (canonical, quadrature), ``P_min_exp_of_mean_f_u`` = exp(-Nv <f_u>).
    """
    t = as_temperatures(temperatures)
    r_a = canonical_quadrature(t, params, "R_A")
    r_b = mean_rate_downhill(t, params)
    pm = p_min_canonical(t, params)
    return {
        "T": t,
        "E_star": dominant_energy(t, params),
        "S": entropy(t, params),
        "f_u": mean_f_u(t, params),
        "f_u_quadrature": canonical_quadrature(t, params, "f_u"),
        "ln_f_u": log_mean_f_u(t, params),
        "p_less_Estar": f_u_at_dominant_energy(t, params),
        "ln_p_less_Estar": log_ndtr(-params.delta / (params.neighbor_width * t)),
        "R_A": r_a,
        "R_A1": canonical_quadrature(t, params, "R_A1"),
        "R_A2": canonical_quadrature(t, params, "R_A2"),
        "R_B": r_b,
        "R": r_a + r_b,
        "P_min": pm["exact"],
        "P_min_exp_of_mean_f_u": pm["exp_of_mean_f_u"],
    }


@dataclass(frozen=True)
class LinearFit:
    """Least-squares line y = slope x + intercept over n points; r2 = 1 - SS_res/SS_tot."""

    slope: float
    intercept: float
    r2: float
    n_points: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "r2": self.r2,
            "n_points": self.n_points,
        }


def linear_fit(x: ArrayLike, y: ArrayLike) -> LinearFit:
    """Ordinary least-squares fit y = slope x + intercept (x, y: (n,), n >= 2, x not constant)."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.size != ya.size or xa.size < 2:
        raise InputError("a linear fit needs at least two (x, y) points of equal count")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise InputError("a linear fit needs finite x and y values")
    xm, ym = xa.mean(), ya.mean()
    sxx = float(np.sum((xa - xm) ** 2))
    if sxx == 0.0:
        raise InputError("a linear fit needs at least two distinct x values")
    slope = float(np.sum((xa - xm) * (ya - ym)) / sxx)
    intercept = float(ym - slope * xm)
    ss_res = float(np.sum((ya - slope * xa - intercept) ** 2))
    ss_tot = float(np.sum((ya - ym) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0.0 else 1.0
    return LinearFit(slope, intercept, r2, int(xa.size))


def landscape_fits(table: dict[str, FloatArray]) -> dict[str, LinearFit]:
    """Fits of S against ln <f_u> and ln p_<(E*), and of R = R_A + R_B against <f_u>.

    ``table`` holds (nT,) arrays ``S``, ``ln_f_u``, ``ln_p_less_Estar``, ``R`` and ``f_u`` (as from
    :func:`exact_table`). Asymptotic slopes: 2 (eq 11), 1 (La Nave form) and 2 R_0 Nv (R = 2 R_0
    Nv <f_u> exactly for G_c = G). For example, Delta = 10, T = 1..4 step 0.5 gives slopes 1.907
    and 0.975.
    """
    return {
        "S_vs_ln_f_u": linear_fit(table["ln_f_u"], table["S"]),
        "S_vs_ln_p_less_Estar": linear_fit(table["ln_p_less_Estar"], table["S"]),
        "R_vs_f_u": linear_fit(table["f_u"], table["R"]),
    }
