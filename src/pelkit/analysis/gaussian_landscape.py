"""Gaussian potential-energy landscape: Omega(e_IS), P(e_IS, T), fits of IS-energy statistics.

The KA local-diffusivity paper, eqs 1-2 with the per-particle conventions of
docs/physics/ka-landscape.md:

* total form: Omega(E) dE = e^{alpha N} exp[-(E - E0)^2 / (2 sigma^2)] (2 pi sigma^2)^{-1/2} dE,
  S_conf(E) = alpha N - (E - E0)^2 / (2 sigma^2); alpha is per particle, E0 and sigma^2 are totals.
* per particle (e = E/N): e0 = E0/N, sigma_int^2 = sigma^2/N,
  s_c(e) = alpha - (e - e0)^2 / (2 sigma_int^2); the distribution of per-particle e_IS has
  variance sigma_e^2 = sigma^2/N^2.
* equilibrium: P(e, T) is Gaussian with mean <e_IS>(T) = e0 - sigma_int^2/T (the paper's
  text writes "<e_IS> ~ sigma^2/T", dropping e0, the minus sign and the 1/N) and T-independent
  variance sigma_e^2.
* Kauzmann point: s_c(e_K) = 0 -> e_K = e0 - sigma_int sqrt(2 alpha); Gaussian
  T_K = [sigma^2 / (2 alpha N)]^{1/2} (docs/physics/ka-landscape.md; the paper prints e_K = -7.81,
  its
  own parameters give -7.78047).

Fits (Fig 1): Gaussian (maximum-likelihood) fits of P(e_IS, T) per T, the linear fit of the means
against 1/T giving e0 and sigma_int^2, and the per-trajectory <e_IS>_i over [0, t_MSD=1].

Units: energies in epsilon (per particle unless called total), T in epsilon/k_B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "GaussianLandscape",
    "GaussianFit",
    "MeanEnergyFit",
    "fit_gaussian",
    "fit_mean_energy",
    "sigma2_from_width",
    "per_trajectory_mean_energy",
]


@dataclass(frozen=True)
class GaussianLandscape:
    """Gaussian landscape in per-particle form (docs/physics/ka-landscape.md).

    Attributes:
        alpha: ln(number of basins) / N, per particle (dimensionless).
        e0: centre of Omega, per particle, epsilon (E0 / N).
        sigma2: total (extensive) variance sigma^2 of Omega(E), epsilon^2 (the KA local-diffusivity
        paper: 18).
        n_particles: N.
    """

    alpha: float
    e0: float
    sigma2: float
    n_particles: int

    def __post_init__(self) -> None:
        vals = (self.alpha, self.e0, self.sigma2)
        if not all(np.isfinite(v) for v in vals):
            raise InputError("landscape parameters must be finite")
        if self.sigma2 <= 0 or self.n_particles < 1:
            raise InputError("sigma2 must be positive and n_particles at least 1")

    @classmethod
    def from_totals(
        cls, alpha: float, E0: float, sigma2: float, n_particles: int
    ) -> GaussianLandscape:
        """Build from the paper's mixed form: alpha per particle, E0 and sigma^2 totals."""
        return cls(float(alpha), float(E0) / n_particles, float(sigma2), int(n_particles))

    @property
    def E0(self) -> float:
        """Total centre E0 = N e0, epsilon."""
        return self.n_particles * self.e0

    @property
    def sigma2_int(self) -> float:
        """Intensive variance sigma_int^2 = sigma^2 / N, epsilon^2 (width of s_c(e))."""
        return self.sigma2 / self.n_particles

    @property
    def sigma_e(self) -> float:
        """Standard deviation of the per-particle e_IS distribution, sigma / N, epsilon."""
        return float(np.sqrt(self.sigma2)) / self.n_particles

    @property
    def e_K(self) -> float:
        """Kauzmann energy e_K = e0 - sigma_int sqrt(2 alpha), per particle (s_c(e_K) = 0)."""
        return self.e0 - float(np.sqrt(2.0 * self.alpha * self.sigma2_int))

    @property
    def e_upper(self) -> float:
        """Upper root of s_c, e0 + sigma_int sqrt(2 alpha) (no basins above it either)."""
        return self.e0 + float(np.sqrt(2.0 * self.alpha * self.sigma2_int))

    @property
    def T_K(self) -> float:
        """Gaussian Kauzmann temperature [sigma^2 / (2 alpha N)]^{1/2}, where s_c(<e>(T)) = 0."""
        if self.alpha <= 0:
            raise InputError("T_K needs alpha > 0")
        return float(np.sqrt(self.sigma2 / (2.0 * self.alpha * self.n_particles)))

    def s_c(self, e: ArrayLike) -> FloatArray:
        """Per-particle configurational entropy s_c(e) = alpha - (e - e0)^2 / (2 sigma_int^2)."""
        e = np.asarray(e, dtype=np.float64)
        return self.alpha - (e - self.e0) ** 2 / (2.0 * self.sigma2_int)

    def S_conf_total(self, E: ArrayLike) -> FloatArray:
        """Total S_conf(E) = alpha N - (E - E0)^2 / (2 sigma^2) (the KA local-diffusivity paper, eq
        2), E total."""
        E = np.asarray(E, dtype=np.float64)
        return self.alpha * self.n_particles - (E - self.E0) ** 2 / (2.0 * self.sigma2)

    def mean_e(self, T: ArrayLike) -> FloatArray:
        """Equilibrium <e_IS>(T) = e0 - sigma_int^2 / T, per particle
        (docs/physics/ka-landscape.md)."""
        T = np.asarray(T, dtype=np.float64)
        return self.e0 - self.sigma2_int / T

    def pdf(self, e: ArrayLike, T: float, mean: float | None = None) -> FloatArray:
        """P(e, T): Gaussian of mean ``mean`` (default <e_IS>(T)) and variance sigma_e^2."""
        e = np.asarray(e, dtype=np.float64)
        m = float(self.mean_e(T)) if mean is None else float(mean)
        s = self.sigma_e
        return np.exp(-0.5 * ((e - m) / s) ** 2) / (s * np.sqrt(2.0 * np.pi))

    def as_dict(self) -> dict[str, float]:
        """Parameters and derived quantities (JSON friendly)."""
        return {
            "alpha": self.alpha,
            "e0": self.e0,
            "E0": self.E0,
            "sigma2": self.sigma2,
            "sigma2_int": self.sigma2_int,
            "sigma_e": self.sigma_e,
            "n_particles": self.n_particles,
            "e_K": self.e_K if self.alpha >= 0 else float("nan"),
            "T_K": self.T_K if self.alpha > 0 else float("nan"),
        }


@dataclass(frozen=True)
class GaussianFit:
    """Maximum-likelihood Gaussian fit of a sample (e.g. all quenched e_IS at one T).

    Attributes:
        mean, var: sample mean and unbiased variance.
        mean_err: sqrt(var / n). var_err: var sqrt(2 / (n - 1)) (Gaussian theory).
        n: sample size.
        skewness, excess_kurtosis: moments (0 for a Gaussian), to judge the fit.
        centres, density: (n_bins,) normalised histogram for plotting P(e, T).
    """

    mean: float
    var: float
    mean_err: float
    var_err: float
    n: int
    skewness: float
    excess_kurtosis: float
    centres: FloatArray
    density: FloatArray

    def pdf(self, e: ArrayLike) -> FloatArray:
        """The fitted Gaussian density at ``e``."""
        e = np.asarray(e, dtype=np.float64)
        return np.exp(-0.5 * (e - self.mean) ** 2 / self.var) / np.sqrt(2 * np.pi * self.var)


def fit_gaussian(samples: ArrayLike, bins: int | str = "auto") -> GaussianFit:
    """Gaussian fit of a 1-D sample by maximum likelihood (sample mean, unbiased variance).

    The KA local-diffusivity paper, Fig 1: applied to all quenched per-particle e_IS at one T
    (P(e_IS, T)) or to the
    per-trajectory <e_IS>_i. The histogram is returned for plots; it does not enter the fit.
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    if x.size < 3:
        raise InputError(f"need at least 3 samples for a Gaussian fit, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise InputError("samples contain NaN or infinite values")
    n = x.size
    mean = float(x.mean())
    var = float(x.var(ddof=1))
    if var <= 0:
        raise InputError("samples have zero variance")
    z = (x - mean) / np.sqrt(x.var())
    density, edges = np.histogram(x, bins=bins, density=True)
    return GaussianFit(
        mean=mean,
        var=var,
        mean_err=float(np.sqrt(var / n)),
        var_err=float(var * np.sqrt(2.0 / (n - 1))),
        n=n,
        skewness=float(np.mean(z**3)),
        excess_kurtosis=float(np.mean(z**4) - 3.0),
        centres=0.5 * (edges[1:] + edges[:-1]),
        density=density,
    )


@dataclass(frozen=True)
class MeanEnergyFit:
    """Fit <e_IS>(T) = e0 - sigma_int^2 / T (docs/physics/ka-landscape.md).

    Attributes:
        e0, e0_err: intercept at 1/T = 0, epsilon per particle.
        sigma2_int, sigma2_int_err: minus the slope against 1/T, epsilon^2.
        cov: (2, 2) covariance of (e0, sigma2_int).
        sigma2: total sigma^2 = N sigma_int^2 (NaN without n_particles).
        sigma2_err: its error.
        weighted: whether per-point errors were used.
        chi2_red: reduced chi^2 (weighted) or residual variance (unweighted).
    """

    e0: float
    e0_err: float
    sigma2_int: float
    sigma2_int_err: float
    cov: FloatArray
    sigma2: float
    sigma2_err: float
    weighted: bool
    chi2_red: float


def fit_mean_energy(
    T: ArrayLike,
    mean_e: ArrayLike,
    mean_err: ArrayLike | None = None,
    n_particles: int | None = None,
) -> MeanEnergyFit:
    """Linear least squares of <e_IS>(T) against 1/T: <e> = e0 - sigma_int^2 (1/T).

    Args:
        T: (n_T,) temperatures. mean_e: (n_T,) per-particle mean e_IS.
        mean_err: (n_T,) standard errors; with them the fit is weighted and the covariance is the
            formal one (errors taken as known); without, the covariance is scaled by the residual
            variance.
        n_particles: N, to report the total sigma^2 = N sigma_int^2.
    """
    T = np.asarray(T, dtype=np.float64)
    y = np.asarray(mean_e, dtype=np.float64)
    if T.ndim != 1 or y.shape != T.shape or T.size < 2:
        raise InputError("T and mean_e must be 1-D arrays of equal length >= 2")
    if np.any(T <= 0) or not np.all(np.isfinite(y)):
        raise InputError("temperatures must be positive and means finite")
    if np.unique(T).size < 2:
        raise InputError("need at least two distinct temperatures")
    A = np.column_stack([np.ones_like(T), -1.0 / T])
    if mean_err is not None:
        w = 1.0 / np.asarray(mean_err, dtype=np.float64)
        if w.shape != T.shape or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise InputError("mean_err must be positive and match T")
    else:
        w = np.ones_like(T)
    Aw, yw = A * w[:, None], y * w
    coef, _, _, _ = np.linalg.lstsq(Aw, yw, rcond=None)
    resid = yw - Aw @ coef
    dof = max(T.size - 2, 1)
    chi2_red = float(resid @ resid) / dof
    cov = np.linalg.inv(Aw.T @ Aw)
    if mean_err is None:
        cov = cov * chi2_red
    s2 = float(coef[1]) * n_particles if n_particles else float("nan")
    s2_err = float(np.sqrt(cov[1, 1])) * n_particles if n_particles else float("nan")
    return MeanEnergyFit(
        e0=float(coef[0]),
        e0_err=float(np.sqrt(cov[0, 0])),
        sigma2_int=float(coef[1]),
        sigma2_int_err=float(np.sqrt(cov[1, 1])),
        cov=cov,
        sigma2=s2,
        sigma2_err=s2_err,
        weighted=mean_err is not None,
        chi2_red=chi2_red,
    )


def sigma2_from_width(var_e: ArrayLike, n_particles: int) -> FloatArray:
    """Total sigma^2 = N^2 var(e_IS per particle) from the width of P(e_IS, T)."""
    return np.asarray(var_e, dtype=np.float64) * float(n_particles) ** 2


def per_trajectory_mean_energy(
    quench_times: ArrayLike,
    e_is: ArrayLike,
    t_max: float,
    t_start: float | None = None,
) -> FloatArray:
    """<e_IS>_i: mean per-particle e_IS of each trajectory over quenches with
    t_start <= t <= t_start + t_max (the KA local-diffusivity paper: t in [0, t_MSD=1]).

    Args:
        quench_times: (n_q,) times of the quenches, tau (shared by all trajectories).
        e_is: (n_traj, n_q) per-particle IS energies, epsilon.
        t_max: window length, tau. t_start: default quench_times[0].
    Returns:
        (n_traj,) per-trajectory means.
    """
    t = np.asarray(quench_times, dtype=np.float64)
    e = np.asarray(e_is, dtype=np.float64)
    if e.ndim == 1:
        e = e[None, :]
    if t.ndim != 1 or e.ndim != 2 or e.shape[1] != t.size:
        raise InputError(f"e_is must have shape (n_traj, {t.size}), got {e.shape}")
    if not np.all(np.isfinite(e)):
        raise InputError("e_is contains NaN or infinite values")
    t0 = float(t[0]) if t_start is None else float(t_start)
    tol = 1e-9 * max(abs(t_max), 1.0)
    sel = (t >= t0 - tol) & (t <= t0 + t_max + tol)
    if not np.any(sel):
        raise InputError(f"no quench lies in [{t0:g}, {t0 + t_max:g}]")
    return e[:, sel].mean(axis=1)
