"""Generic estimates for collapse fits: bootstrap intervals, pooled estimates, constrained fits.

These tools work on any data; the KA landscape study (``pelkit.studies.ka_landscape``) is one
user. The collapse itself and the free three-parameter fit of f(e) are in
:mod:`pelkit.analysis.local_diffusivity`; this module adds what the study needs around them.

* :class:`Estimate` / :func:`bootstrap_estimate`: a value with a robust one-sigma error (half the
  central 68.27 % interval of the bootstrap samples, equal to the standard deviation for a
  Gaussian and robust to heavy tails such as B ~ 1/a1 when a1 is barely resolved) and the central
  ``level`` percentile interval (Efron and Tibshirani, *An Introduction to the Bootstrap*,
  Chapman & Hall 1993, ch. 13).
* :func:`pooled_estimate`: the inverse-variance weighted mean of independent estimates, with
  the error max(formal error, scatter / sqrt(n)) so that estimates scattering more than their
  errors say are not over-trusted.
* :func:`fit_constrained_collapse`: the landscape-constrained Adam-Gibbs form of the collapse.
  With the Adam-Gibbs relation (Adam and Gibbs, J. Chem. Phys. 1965) for a local diffusivity
  D(e, T) = D_inf exp(-f(e)/T), f = B / s_c(e), and the Gaussian landscape
  s_c(e) = alpha - (e - e0)^2 / (2 sigma_int^2) (Heuer and Buechner, J. Phys.: Condens. Matter
  2000; Sastry, Nature 2001), the collapse y_i = T_i ln(D_i / D_inf) of per-trajectory points
  (<e_IS>_i, D_i) reads

      y = -B / (alpha - (e - e0)^2 / (2 sigma_int^2)).

  When e0 and sigma_int^2 are known from the thermodynamics (the fit of
  <e_IS>(T) = e0 - sigma_int^2 / T, :func:`pelkit.analysis.gaussian_landscape.fit_mean_energy`),
  only B and alpha are fitted. This is the free fit y = -1 / (a0 - a1 (e - a2)^2) with
  a0 = alpha / B, a1 = 1 / (2 sigma_int^2 B), a2 = e0 imposed, and it is much better
  conditioned when the sampled window of e is narrow. See docs/physics/ka-landscape.md.

Units are those of the inputs (per-particle energies in epsilon, T in epsilon/k_B for the
KA study).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "ConstrainedCollapseFit",
    "Estimate",
    "bootstrap_estimate",
    "fit_constrained_collapse",
    "pooled_estimate",
    "solve_constrained_collapse",
]

_Q16, _Q84 = 0.158655, 0.841345  # central 68.27 % (one sigma of a Gaussian)


@dataclass(frozen=True)
class Estimate:
    """A value with its uncertainty.

    Attributes:
        value: the best estimate.
        error: one-sigma error (NaN when unknown).
        low, high: the bounds of a confidence interval (NaN when unknown).
    """

    value: float
    error: float = math.nan
    low: float = math.nan
    high: float = math.nan

    def as_dict(self) -> dict[str, float]:
        """``{"value", "error", "low", "high"}`` as plain floats (NaN where undefined)."""
        return {"value": float(self.value), "error": float(self.error),
                "low": float(self.low), "high": float(self.high)}


def bootstrap_estimate(value: float, samples: ArrayLike, level: float = 0.95,
                       fallback_error: float = math.nan) -> Estimate:
    """``value`` with error and interval from bootstrap ``samples`` (non-finite ones dropped).

    error = (q84 - q16) / 2 of the samples (the standard deviation for a Gaussian); low, high =
    the central ``level`` percentile interval. With fewer than 2 finite samples: ``error`` =
    ``fallback_error`` and no interval.

    Args:
        value: the estimate from the full data. samples: (n_boot,) bootstrap replicates.
        level: coverage of the percentile interval, in (0, 1).
        fallback_error: the error to report when there are no samples (e.g. a covariance error).
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size < 2:
        return Estimate(float(value), float(fallback_error))
    q16, q84 = np.quantile(x, [_Q16, _Q84])
    lo, hi = np.quantile(x, [0.5 * (1 - level), 0.5 * (1 + level)])
    return Estimate(float(value), 0.5 * float(q84 - q16), float(lo), float(hi))


def pooled_estimate(values: ArrayLike, errors: ArrayLike) -> Estimate:
    """Combine independent estimates of one quantity (non-finite values dropped).

    mean = sum(w_k x_k) / sum(w_k) with w_k = 1 / err_k^2 when every error is finite and
    positive (else the plain mean); error = max(1 / sqrt(sum w_k), std(x) / sqrt(n)), the
    second (the scatter, ddof = 1) only for n >= 2. NaN when no value is finite.

    Args:
        values: (n,) estimates. errors: (n,) their one-sigma errors.
    """
    x_all = np.asarray(values, dtype=np.float64).ravel()
    e_all = np.asarray(errors, dtype=np.float64).ravel()
    ok = np.isfinite(x_all)
    x = x_all[ok]
    if x.size == 0:
        return Estimate(math.nan, math.nan)
    e = e_all[ok]
    if np.all(np.isfinite(e)) and np.all(e > 0):
        w = 1.0 / e**2
        mean = float(np.sum(w * x) / np.sum(w))
        formal = float(1.0 / np.sqrt(np.sum(w)))
    else:
        mean = float(x.mean())
        formal = math.nan
    scatter = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else math.nan
    cands = [v for v in (formal, scatter) if np.isfinite(v)]
    return Estimate(mean, max(cands) if cands else math.nan)


def solve_constrained_collapse(e: ArrayLike, y: ArrayLike, e0: float,
                               sigma2_int: float) -> tuple[float, float] | None:
    """(B, alpha) of y = -B / (alpha - (e - e0)^2 / (2 sigma2_int)) by least squares.

    Start: the linear fit 1/f = alpha/B - q/B of f = -y against q = (e - e0)^2 / (2 sigma2_int);
    then Levenberg-Marquardt on the residuals of y, kept only if it converges without crossing
    the pole (alpha > max q); otherwise the linear start is returned. None when the linear
    start is undefined.

    Args:
        e: (n,) energies of the points (all with y < 0). y: (n,) collapse values, y < 0.
        e0: centre of the Gaussian landscape. sigma2_int: its per-particle variance (> 0).
    """
    from scipy.optimize import least_squares

    e = np.asarray(e, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    q = (e - e0) ** 2 / (2.0 * sigma2_int)
    inv_f = -1.0 / y
    A = np.column_stack([np.ones_like(q), -q])
    try:
        (c0, c1), *_ = np.linalg.lstsq(A, inv_f, rcond=None)
    except np.linalg.LinAlgError:
        return None
    if not (np.isfinite(c0) and np.isfinite(c1)) or c1 == 0:
        return None
    start = np.array([1.0 / c1, c0 / c1])

    def resid(p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return y + p[0] / (p[1] - q)

    if start[0] > 0 and start[1] > q.max():
        try:
            res = least_squares(resid, start, method="lm", xtol=1e-14, ftol=1e-14)
            if res.success and np.all(np.isfinite(resid(res.x))) and res.x[1] > q.max():
                return float(res.x[0]), float(res.x[1])
        except ValueError:
            pass
    return float(start[0]), float(start[1])


@dataclass(frozen=True)
class ConstrainedCollapseFit:
    """Landscape-constrained fit of a collapse (module docstring).

    Attributes:
        B: the Adam-Gibbs constant (energy x entropy per particle; epsilon^2/k_B for KA).
        alpha: s_c at the centre e0 (per-particle configurational entropy, k_B).
        e0, sigma2_int: the fixed landscape (energy; energy^2, per particle).
        e, y, T: (n,) the points used (those with y < 0).
        boot: (n_ok, 4) bootstrap replicates, columns (B, alpha, e0, sigma2_int).
        n_boot: replicates requested (some may fail: ``boot.shape[0]`` succeeded).
    """

    B: float
    alpha: float
    e0: float
    sigma2_int: float
    e: FloatArray
    y: FloatArray
    T: FloatArray
    boot: FloatArray
    n_boot: int

    @property
    def coefficients(self) -> FloatArray:
        """(a0, a1, a2) = (alpha / B, 1 / (2 sigma2_int B), e0) of y = -1/(a0 - a1 (e - a2)^2)."""
        return coefficients_of(self.B, self.alpha, self.e0, self.sigma2_int)

    @property
    def boot_coefficients(self) -> FloatArray:
        """(n_ok, 3) coefficients of the bootstrap replicates."""
        rows = [coefficients_of(*b) for b in self.boot]
        return np.array(rows).reshape(-1, 3)

    @property
    def rms(self) -> float:
        """Root-mean-square residual of f = -y about the fit (NaN without a landscape reading)."""
        if not (self.B > 0 and self.alpha > 0):
            return math.nan
        a = self.coefficients
        pred = 1.0 / (a[0] - a[1] * (self.e - a[2]) ** 2)
        return float(np.sqrt(np.mean((-self.y - pred) ** 2)))


def coefficients_of(B: float, alpha: float, e0: float, sigma2_int: float) -> FloatArray:
    """(a0, a1, a2) = (alpha / B, 1 / (2 sigma2_int B), e0): the free-fit coefficients."""
    return np.array([alpha / B, 1.0 / (2.0 * sigma2_int * B), e0])


def fit_constrained_collapse(
    e: ArrayLike,
    y: ArrayLike,
    T: ArrayLike,
    e0: float,
    sigma2_int: float,
    *,
    landscape_cov: ArrayLike | None = None,
    n_boot: int = 200,
    seed: int = 0,
) -> ConstrainedCollapseFit | None:
    """Fit B and alpha of y = -B / (alpha - (e - e0)^2 / (2 sigma2_int)) (module docstring).

    Only points with y < 0 are used. Bootstrap: points resampled with replacement within each
    value of ``T`` (stratified), and (e0, sigma2_int) drawn from a normal distribution with
    covariance ``landscape_cov`` in every replicate (replicates with sigma2_int <= 0 are
    skipped). The generator is ``numpy.random.default_rng([seed mod 2^32, 7])``.

    Args:
        e, y, T: (n,) energies, collapse values and temperatures of the points.
        e0, sigma2_int: the fixed landscape (sigma2_int > 0).
        landscape_cov: (2, 2) covariance of (e0, sigma2_int); zero when None or not finite.
        n_boot: bootstrap replicates. seed: their seed.
    Returns:
        The fit, or None with fewer than 3 points with y < 0, sigma2_int <= 0, or no start.
    """
    e = np.asarray(e, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    use = y < 0
    e, y, T = e[use], y[use], T[use]
    if e.size < 3 or not (sigma2_int > 0):
        return None
    best = solve_constrained_collapse(e, y, e0, sigma2_int)
    if best is None:
        return None
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 7])
    groups = [np.flatnonzero(T == t) for t in np.unique(T)]
    cov = np.zeros((2, 2)) if landscape_cov is None else np.asarray(landscape_cov, np.float64)
    if not np.all(np.isfinite(cov)):
        cov = np.zeros((2, 2))
    samples = []
    for _ in range(int(n_boot)):
        idx = np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups])
        e0b, s2b = rng.multivariate_normal([e0, sigma2_int], cov)
        if s2b <= 0:
            continue
        sol = solve_constrained_collapse(e[idx], y[idx], e0b, s2b)
        if sol is not None:
            samples.append((sol[0], sol[1], e0b, s2b))
    return ConstrainedCollapseFit(
        B=best[0], alpha=best[1], e0=float(e0), sigma2_int=float(sigma2_int), e=e, y=y, T=T,
        boot=np.array(samples, dtype=np.float64).reshape(-1, 4), n_boot=int(n_boot),
    )
