"""Simple dynamic-thermodynamic relations used with the KA local-diffusivity paper data.

* :func:`fit_arrhenius` - high-T Arrhenius fit ln D = ln D_inf - E_a / T giving D_inf
  (docs/physics/ka-landscape.md (recommended); the paper's D_inf = 0.155 is
  :data:`D_INF_KA_PUBLISHED`).
* :func:`fit_D_vs_fu` - Keyes (c. 2000) prediction D proportional to f_u (or f_dw): least-squares
  proportionality constant through the origin and, as a test of proportionality, the exponent p
  of ln D = ln k + p ln f_u (p = 1 if D is proportional to f_u) (docs/physics/ka-landscape.md).
* :func:`fit_S_vs_ln_fu` - Keyes (c. 2000) relation S_conf = a + b ln f_u (eq 11: asymptotic slope
  2 for
  the canonical f_u in the REM, 1 for p_<(E*)).

All fits are ordinary (optionally weighted) least squares with the textbook covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.deprecation import renamed_names
from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

D_INF_KA_PUBLISHED = 0.155
"""D_inf of the KA local-diffusivity paper, "from high-T simulations" (its value), sigma^2/tau."""

__all__ = [
    "D_INF_KA_PUBLISHED",
    "LineFit",
    "ArrheniusFit",
    "ProportionalFit",
    "fit_line",
    "fit_arrhenius",
    "fit_D_vs_fu",
    "fit_S_vs_ln_fu",
]


@dataclass(frozen=True)
class LineFit:
    """y = intercept + slope x.

    Attributes:
        slope, intercept, slope_err, intercept_err: estimates and standard errors.
        cov: (2, 2) covariance of (intercept, slope).
        r2: coefficient of determination. n: points. weighted: whether 1/sigma^2 weights were used.
    """

    slope: float
    intercept: float
    slope_err: float
    intercept_err: float
    cov: FloatArray
    r2: float
    n: int
    weighted: bool


def fit_line(x: ArrayLike, y: ArrayLike, y_err: ArrayLike | None = None) -> LineFit:
    """Least squares y = c0 + c1 x; weighted by 1/y_err^2 if given (covariance then formal,
    otherwise scaled by the residual variance)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or y.shape != x.shape or x.size < 2:
        raise InputError("x and y must be 1-D arrays of equal length >= 2")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("x or y contain NaN or infinite values")
    if np.unique(x).size < 2:
        raise InputError("need at least two distinct x values for a line")
    if y_err is None:
        w = np.ones_like(x)
    else:
        w = 1.0 / np.asarray(y_err, dtype=np.float64)
        if w.shape != x.shape or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise InputError("y_err must be positive, finite and match y")
    A = np.column_stack([np.ones_like(x), x])
    Aw, yw = A * w[:, None], y * w
    coef, _, _, _ = np.linalg.lstsq(Aw, yw, rcond=None)
    resid = yw - Aw @ coef
    cov = np.linalg.inv(Aw.T @ Aw)
    if y_err is None:
        cov = cov * (float(resid @ resid) / max(x.size - 2, 1))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    ss_res = float(np.sum((y - A @ coef) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return LineFit(
        slope=float(coef[1]),
        intercept=float(coef[0]),
        slope_err=float(np.sqrt(cov[1, 1])),
        intercept_err=float(np.sqrt(cov[0, 0])),
        cov=cov,
        r2=r2,
        n=int(x.size),
        weighted=y_err is not None,
    )


@dataclass(frozen=True)
class ArrheniusFit:
    """ln D = ln D_inf - E_a / T.

    Attributes:
        D_inf, D_inf_err: prefactor and its (delta-method) error, sigma^2/tau.
        E_a, E_a_err: activation energy, epsilon.
        line: the underlying fit of ln D against 1/T.
    """

    D_inf: float
    D_inf_err: float
    E_a: float
    E_a_err: float
    line: LineFit


def fit_arrhenius(T: ArrayLike, D: ArrayLike, D_err: ArrayLike | None = None) -> ArrheniusFit:
    """Arrhenius fit of high-T diffusion constants: ln D = ln D_inf - E_a / T.

    Args:
        T: (n,) temperatures. D: (n,) diffusion constants > 0, sigma^2/tau.
        D_err: (n,) errors of D; the fit is then weighted with sigma_lnD = D_err / D.
    """
    T = np.asarray(T, dtype=np.float64)
    D = np.asarray(D, dtype=np.float64)
    if np.any(T <= 0) or np.any(D <= 0):
        raise InputError("temperatures and diffusion constants must be positive")
    err = None if D_err is None else np.asarray(D_err, dtype=np.float64) / D
    line = fit_line(1.0 / T, np.log(D), err)
    D_inf = float(np.exp(line.intercept))
    return ArrheniusFit(
        D_inf=D_inf,
        D_inf_err=D_inf * line.intercept_err,
        E_a=-line.slope,
        E_a_err=line.slope_err,
        line=line,
    )


@dataclass(frozen=True)
class ProportionalFit:
    """D = k f_u, plus the power-law check ln D = ln c + p ln f_u.

    Attributes:
        k, k_err: least-squares constant through the origin and its standard error.
        exponent, exponent_err: p of the log-log fit (1 for strict proportionality).
        loglog: the underlying :class:`LineFit` of ln D against ln f_u.
        n: points used (f_u > 0 and D > 0 for the log-log fit; all for k).
    """

    k: float
    k_err: float
    exponent: float
    exponent_err: float
    loglog: LineFit
    n: int


def fit_D_vs_fu(f_u: ArrayLike, D: ArrayLike) -> ProportionalFit:
    """Keyes (c. 2000) relation D proportional to f_u (docs/physics/ka-landscape.md).

    k = sum(f D) / sum(f^2) (least squares through the origin), k_err from the residual variance;
    the exponent p is the slope of ln D against ln f_u over points with f_u, D > 0.
    """
    f = np.asarray(f_u, dtype=np.float64)
    d = np.asarray(D, dtype=np.float64)
    if f.ndim != 1 or d.shape != f.shape or f.size < 2:
        raise InputError("f_u and D must be 1-D arrays of equal length >= 2")
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(d))):
        raise InputError("f_u or D contain NaN or infinite values")
    ff = float(f @ f)
    if ff == 0:
        raise InputError("all f_u are zero")
    k = float(f @ d) / ff
    resid = d - k * f
    k_err = float(np.sqrt(float(resid @ resid) / max(f.size - 1, 1) / ff))
    pos = (f > 0) & (d > 0)
    if np.count_nonzero(pos) < 2:
        raise InputError("need at least two points with f_u > 0 and D > 0 for the log-log fit")
    ll = fit_line(np.log(f[pos]), np.log(d[pos]))
    return ProportionalFit(
        k=k, k_err=k_err, exponent=ll.slope, exponent_err=ll.slope_err, loglog=ll, n=int(f.size)
    )


def fit_S_vs_ln_fu(f_u: ArrayLike, S: ArrayLike) -> LineFit:
    """Keyes (c. 2000) relation S_conf = a + b ln f_u (intercept a, slope b), points with f_u >
    0."""
    f = np.asarray(f_u, dtype=np.float64)
    s = np.asarray(S, dtype=np.float64)
    if f.shape != s.shape:
        raise InputError("f_u and S must have the same shape")
    if np.any(f <= 0):
        raise InputError("f_u must be positive to take its logarithm")
    return fit_line(np.log(f), s)


# Deprecated names (removed in the next release).
__getattr__ = renamed_names(__name__, {"D_INF_SEED004": "D_INF_KA_PUBLISHED"}, globals())
