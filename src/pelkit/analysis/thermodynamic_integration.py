"""Absolute entropy of a classical liquid by thermodynamic integration, and the inherent-structure
decomposition s = s_conf + s_vib (+ s_anh).

Reduced units with k_B = 1, particle mass m and hbar given (default 1, so Planck's h = 2 pi);
everything per particle. References: Sciortino, Kob and Tartaglia, Phys. Rev. Lett. 83, 3214
(1999); Sastry, Nature 409, 164 (2001).

Ideal gas of a mixture with number fractions x_a (Sackur-Tetrode):

    s_id(rho, T) = 5/2 - ln(rho Lambda^3) - sum_a x_a ln x_a,
    Lambda = h / (2 pi m T)^{1/2} = hbar (2 pi / (m T))^{1/2}.

Excess free energy along an isotherm T0 from the ideal gas (rho -> 0) with Z = P/(rho T):

    beta f_ex(rho, T0) = int_0^rho (Z(rho') - 1) / rho' drho',

and along an isochore in beta = 1/T, with u the potential energy per particle:

    beta f_ex(beta) = beta0 f_ex(beta0) + int_{beta0}^{beta} u(beta') dbeta',
    s_ex = beta u - beta f_ex,    s = s_id + s_ex.

Harmonic vibrational entropy of a basin with non-zero frequencies omega_k (k = 1 .. 3N - 3,
mass-weighted Hessian eigenvalues lambda_k = omega_k^2):

    s_vib(T) = (1/N) sum_k [1 - ln(hbar omega_k / T)].

Anharmonic correction (Sciortino, Kob and Tartaglia, J. Phys.: Condens. Matter 12, 6525 (2000)):
with e_anh(T) = u(T) - <e_IS>(T) - (3N - 3) T / (2N) fitted as c2 T^2 + c3 T^3,
s_anh(T) = int_0^T (1/T') de_anh/dT' dT' = 2 c2 T + (3/2) c3 T^2.

Then s_conf(T) = s(T) - <s_vib>(T) - s_anh(T). hbar cancels from s_conf up to a term
-(3/N) ln hbar (the three translations); with hbar = 1 it vanishes.

Both integrals are linear in the data, so each function also returns the weights that map the
input values to the result; errors propagate as sqrt(sum w_i^2 sigma_i^2) for independent points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "AnharmonicFit",
    "IsochoreResult",
    "IsothermResult",
    "anharmonic_fit",
    "gauss_legendre_densities",
    "harmonic_entropy",
    "ideal_gas_entropy",
    "integrate_isochore",
    "integrate_isotherm",
]


def ideal_gas_entropy(
    density: float, temperature: ArrayLike, fractions: ArrayLike = (1.0,), mass: float = 1.0,
    hbar: float = 1.0,
) -> FloatArray:
    """Sackur-Tetrode entropy per particle of an ideal mixture (module docstring)."""
    T = np.asarray(temperature, dtype=np.float64)
    x = np.asarray(fractions, dtype=np.float64)
    if not (density > 0 and mass > 0 and hbar > 0) or np.any(T <= 0):
        raise InputError("density, temperature, mass and hbar must be positive")
    if np.any(x <= 0) or not np.isclose(x.sum(), 1.0):
        raise InputError("fractions must be positive and sum to 1")
    lam3 = (hbar * np.sqrt(2.0 * np.pi / (mass * T))) ** 3
    return 2.5 - np.log(density * lam3) - float(np.sum(x * np.log(x)))


def harmonic_entropy(
    eigenvalues: ArrayLike, temperature: ArrayLike, n_particles: int, hbar: float = 1.0
) -> FloatArray:
    """Classical harmonic entropy per particle, (1/N) sum_k [1 - ln(hbar omega_k / T)].

    Args:
        eigenvalues: (3N - 3,) positive eigenvalues lambda_k = omega_k^2 of the mass-weighted
            Hessian (translations removed), eps/(sigma^2 m).
        temperature: T (scalar or array).
        n_particles: N.
        hbar: Planck's constant / 2 pi in reduced units.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam.size == 0 or np.any(~(lam > 0)):
        raise InputError("harmonic entropy needs positive eigenvalues (a minimum)")
    T = np.asarray(temperature, dtype=np.float64)
    log_omega = 0.5 * float(np.sum(np.log(lam)))
    return (lam.size * (1.0 + np.log(T / hbar)) - log_omega) / n_particles


def gauss_legendre_densities(rho_max: float, n_points: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes on (0, rho_max) and their weights (ascending)."""
    if not rho_max > 0 or n_points < 1:
        raise InputError("need rho_max > 0 and at least one point")
    x, w = np.polynomial.legendre.leggauss(int(n_points))
    return 0.5 * rho_max * (x + 1.0), 0.5 * rho_max * w


@dataclass(frozen=True)
class IsothermResult:
    """beta f_ex at the end of an isotherm (per particle) and how it was obtained.

    Attributes:
        beta_f_ex: int_0^rho_max (Z - 1)/rho drho.
        error: propagated standard error (NaN without input errors).
        weights: (n,) w_i with beta_f_ex = sum_i w_i (Z_i - 1).
        degree: degree of the polynomial fitted to (Z - 1)/rho in rho.
    """

    beta_f_ex: float
    error: float
    weights: FloatArray
    degree: int


def integrate_isotherm(
    densities: ArrayLike, z_minus_one: ArrayLike, rho_max: float,
    errors: ArrayLike | None = None, degree: int | None = None,
) -> IsothermResult:
    """beta f_ex(rho_max) = int_0^rho_max (Z - 1)/rho drho from points on an isotherm.

    (Z - 1)/rho is smooth and finite at rho -> 0 (it tends to the second virial coefficient
    B2), so a polynomial of ``degree`` (default min(n - 1, 6)) is fitted by least squares to
    (Z_i - 1)/rho_i and integrated exactly from 0. On n Gauss-Legendre nodes with degree n - 1
    this is Gauss-Legendre quadrature.
    """
    rho = np.asarray(densities, dtype=np.float64).ravel()
    z1 = np.asarray(z_minus_one, dtype=np.float64).ravel()
    if rho.size == 0 or z1.shape != rho.shape or np.any(rho <= 0) or not np.all(np.isfinite(z1)):
        raise InputError("isotherm needs positive densities and finite Z - 1 of equal length")
    deg = min(rho.size - 1, 6) if degree is None else int(degree)
    if deg < 0 or deg >= rho.size:
        raise InputError(f"polynomial degree {deg} needs more than {deg} points")
    t = rho / rho_max
    design = np.vander(t, deg + 1, increasing=True)
    # integral over rho in (0, rho_max) of sum_k a_k t^k = rho_max sum_k a_k/(k + 1)
    moments = rho_max / np.arange(1, deg + 2)
    coef_map = np.linalg.pinv(design)  # a = coef_map @ y, y = (Z - 1)/rho
    weights = (moments @ coef_map) / rho
    value = float(weights @ z1)
    err = float("nan")
    if errors is not None:
        e = np.asarray(errors, dtype=np.float64).ravel()
        err = float(np.sqrt(np.sum((weights * e) ** 2)))
    return IsothermResult(value, err, weights, deg)


@dataclass(frozen=True)
class IsochoreResult:
    """Excess free energy and entropy along an isochore (arrays over the input temperatures,
    ordered as given).

    Attributes:
        temperatures: (n,) T_i.
        beta_f_ex: (n,) beta f_ex(T_i) per particle.
        s_ex: (n,) beta_i u_i - beta f_ex(T_i).
        s_ex_error: (n,) propagated standard error (NaN without input errors).
    """

    temperatures: FloatArray
    beta_f_ex: FloatArray
    s_ex: FloatArray
    s_ex_error: FloatArray


def integrate_isochore(
    temperatures: ArrayLike, energies: ArrayLike, beta_f_ex_ref: float,
    t_ref: float, energy_errors: ArrayLike | None = None, ref_error: float = 0.0,
    harmonic: float = 0.0,
) -> IsochoreResult:
    """beta f_ex and s_ex along an isochore from the reference point ``t_ref`` (module docstring).

    The known harmonic part ``harmonic`` * T of u (e.g. (3N - 3)/(2N) for a solid or a liquid
    near its inherent structures) is integrated analytically, int (c/beta) dbeta =
    c ln(beta/beta_ref); the rest, u - c T, is smooth in beta and is interpolated by a natural
    cubic spline through all points (t_ref must be one of them) and integrated exactly. The
    integral is linear in the u_i, and the weights give the propagated error (adding the
    reference's error and the beta_i u_i term's own error).
    """
    T = np.asarray(temperatures, dtype=np.float64).ravel()
    u = np.asarray(energies, dtype=np.float64).ravel()
    if T.size < 2 or u.shape != T.shape or np.any(T <= 0) or not np.all(np.isfinite(u)):
        raise InputError("isochore needs at least two positive temperatures and finite energies")
    if np.unique(T).size != T.size:
        raise InputError("isochore temperatures must be distinct")
    k_ref = np.flatnonzero(np.isclose(T, t_ref, rtol=1e-12, atol=0.0))
    if k_ref.size != 1:
        raise InputError(f"the reference temperature {t_ref:g} must be one of the isochore points")
    beta = 1.0 / T
    order = np.argsort(beta)
    b_sorted = beta[order]
    n = T.size
    # weights W[i, j]: int_{beta_ref}^{beta_i} u dbeta = sum_j W[i, j] u_j (spline is linear in u)
    W = np.zeros((n, n))
    for j in range(n):
        unit = np.zeros(n)
        unit[j] = 1.0
        spline = CubicSpline(b_sorted, unit[order], bc_type="natural")
        W[:, j] = [spline.integrate(1.0 / t_ref, b) for b in beta]
    c = float(harmonic)
    beta_f = beta_f_ex_ref + W @ (u - c * T) + c * np.log(beta * t_ref)
    s_ex = beta * u - beta_f
    err = np.full(n, np.nan)
    if energy_errors is not None:
        e = np.asarray(energy_errors, dtype=np.float64).ravel()
        if e.shape != T.shape:
            raise InputError("energy_errors must match the temperatures")
        grad = -W + np.diag(beta)  # d s_ex_i / d u_j
        err = np.sqrt((grad**2) @ (e**2) + ref_error**2)
    return IsochoreResult(T, beta_f, s_ex, err)


@dataclass(frozen=True)
class AnharmonicFit:
    """e_anh(T) = c2 T^2 + c3 T^3 and s_anh(T) = 2 c2 T + 1.5 c3 T^2 (module docstring).

    Attributes:
        c2, c3: coefficients (eps^-1, eps^-2). n_points: temperatures used.
    """

    c2: float
    c3: float
    n_points: int
    cov: FloatArray | None = None

    def entropy_error(self, T: ArrayLike) -> FloatArray:
        """Standard error of s_anh(T) from the coefficient covariance (NaN without it)."""
        T = np.asarray(T, dtype=np.float64)
        if self.cov is None:
            return np.full(T.shape, np.nan)
        g = np.stack([2.0 * T, 1.5 * T**2], axis=-1)
        return np.sqrt(np.einsum("...i,ij,...j->...", g, self.cov, g))

    def energy(self, T: ArrayLike) -> FloatArray:
        T = np.asarray(T, dtype=np.float64)
        return self.c2 * T**2 + self.c3 * T**3

    def entropy(self, T: ArrayLike) -> FloatArray:
        T = np.asarray(T, dtype=np.float64)
        return 2.0 * self.c2 * T + 1.5 * self.c3 * T**2


def anharmonic_fit(
    temperatures: ArrayLike, e_anh: ArrayLike, errors: ArrayLike | None = None
) -> AnharmonicFit:
    """Least-squares fit of e_anh = c2 T^2 + c3 T^3 (needs two or more temperatures).

    With ``errors`` (standard errors of e_anh) the fit is weighted and ``cov`` is the formal
    covariance of (c2, c3); without, ``cov`` is scaled by the residual variance (None for exactly
    two points).
    """
    T = np.asarray(temperatures, dtype=np.float64).ravel()
    y = np.asarray(e_anh, dtype=np.float64).ravel()
    e = None if errors is None else np.asarray(errors, dtype=np.float64).ravel()
    keep = np.isfinite(T) & np.isfinite(y)
    if e is not None:
        keep &= np.isfinite(e) & (e > 0)
    T, y = T[keep], y[keep]
    if T.size < 2 or np.unique(T).size < 2:
        raise InputError("the anharmonic fit needs at least two temperatures")
    w = np.ones_like(T) if e is None else 1.0 / e[keep]
    A = np.column_stack([T**2, T**3]) * w[:, None]
    (c2, c3), *_ = np.linalg.lstsq(A, y * w, rcond=None)
    cov = np.linalg.inv(A.T @ A)
    if e is None:
        resid = y * w - A @ np.array([c2, c3])
        cov = cov * float(resid @ resid) / (T.size - 2) if T.size > 2 else None
    return AnharmonicFit(float(c2), float(c3), int(T.size), cov)
