"""D(T) as a sum over the landscape and <D><1/D> (the KA local-diffusivity paper, eqs 3 and 5, Fig
5; docs/physics/ka-landscape.md).

Model: D(e, T) = D_inf exp(-f(e) / T) with f(e) = 1 / (a0 - a1 (e - a2)^2) = B / s_c(e)
(per-particle eq 4). Where s_c(e) <= 0 there are no basins: D(e, T) = 0 for e <= e_K (and
likewise above the upper root e0 + sigma_int sqrt(2 alpha), which lies tens of sigma_e above any
sampled energy).

* Eq 5: D(T) = int D(e, T) P(e, T) de with P Gaussian (mean <e_IS>(T) from data or from the
  landscape, T-independent variance sigma_e^2 = sigma^2 / N^2), integrand zero below e_K,
  P normalised on the whole line. Adaptive quadrature (``scipy.integrate.quad``) over
  [max(e_K, m - z sigma_e), min(e_upper, m + z sigma_e)] with the Gaussian centre and the peak of
  the integrand as break points.
* <D><1/D>: <1/D> diverges for the model (exp(+f/T) has an essential singularity at e_K where
  P > 0), so a cut is mandatory: keep e >= <e> - k sigma_e (recommended k = 3), renormalise P on the
  kept range, and report k. From data: means of D_i and 1/D_i over valid trajectories.
* Semi-empirical D(T) = mean_i D(<e_IS>_i, T) (recommended).

Units: energies per particle in epsilon, T in epsilon/k_B, D in sigma^2/tau.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import quad

from pelkit.analysis.gaussian_landscape import GaussianLandscape
from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "DiffusivityModel",
    "DMoments",
    "landscape_D",
    "model_D_moments",
    "semi_empirical_D",
    "data_D_moments",
    "model_check_table",
]


@dataclass(frozen=True)
class DiffusivityModel:
    """D(e, T) = D_inf exp(-f(e)/T), f(e) = 1/(a0 - a1 (e - a2)^2) (the KA local-diffusivity paper,
    eqs 3-4).

    Attributes:
        a0 (1/epsilon), a1 (1/epsilon^3), a2 (epsilon): collapse coefficients, per particle.
        D_inf: high-T prefactor, sigma^2/tau.
    """

    a0: float
    a1: float
    a2: float
    D_inf: float

    def __post_init__(self) -> None:
        if not (self.a0 > 0 and self.a1 > 0 and self.D_inf > 0):
            raise InputError("the diffusivity model needs a0 > 0, a1 > 0 and D_inf > 0")

    @classmethod
    def from_landscape(
        cls, landscape: GaussianLandscape, B: float, D_inf: float = 0.155
    ) -> DiffusivityModel:
        """Adam-Gibbs form f = B / s_c(e): a0 = alpha/B, a1 = 1/(2 sigma_int^2 B), a2 = e0."""
        if not B > 0:
            raise InputError(f"B must be positive, got {B}")
        return cls(
            landscape.alpha / B,
            1.0 / (2.0 * landscape.sigma2_int * B),
            landscape.e0,
            float(D_inf),
        )

    @classmethod
    def from_coefficients(cls, a: ArrayLike, D_inf: float = 0.155) -> DiffusivityModel:
        """From a fitted (a0, a1, a2)."""
        a0, a1, a2 = (float(v) for v in np.asarray(a, dtype=np.float64))
        return cls(a0, a1, a2, float(D_inf))

    @property
    def a(self) -> FloatArray:
        """(a0, a1, a2)."""
        return np.array([self.a0, self.a1, self.a2])

    @property
    def e_K(self) -> float:
        """Lower root of a0 - a1 (e - a2)^2: e_K = a2 - sqrt(a0/a1) (= e0 - sigma_int sqrt(2a))."""
        return self.a2 - math.sqrt(self.a0 / self.a1)

    @property
    def e_upper(self) -> float:
        """Upper root a2 + sqrt(a0/a1)."""
        return self.a2 + math.sqrt(self.a0 / self.a1)

    def f(self, e: ArrayLike) -> FloatArray:
        """f(e), epsilon; +inf outside (e_K, e_upper)."""
        g = self.a0 - self.a1 * (np.asarray(e, dtype=np.float64) - self.a2) ** 2
        with np.errstate(divide="ignore"):
            return np.where(g > 0, 1.0 / np.where(g > 0, g, 1.0), np.inf)

    def D(self, e: ArrayLike, T: ArrayLike) -> FloatArray:
        """D(e, T) = D_inf exp(-f(e)/T); 0 where s_c(e) <= 0 (e <= e_K). e and T broadcast."""
        return self.D_inf * np.exp(-self.f(e) / np.asarray(T, dtype=np.float64))

    def log_D(self, e: ArrayLike, T: ArrayLike) -> FloatArray:
        """ln D(e, T); -inf where s_c(e) <= 0. e and T broadcast."""
        return math.log(self.D_inf) - self.f(e) / np.asarray(T, dtype=np.float64)


def _gaussian(e: float, m: float, s: float) -> float:
    return math.exp(-0.5 * ((e - m) / s) ** 2) / (s * math.sqrt(2.0 * math.pi))


def _check_T(T: float) -> float:
    T = float(T)
    if not (T > 0 and math.isfinite(T)):
        raise InputError(f"temperature must be positive and finite, got {T}")
    return T


def _check_sigma(sigma_e: float) -> float:
    s = float(sigma_e)
    if not (s > 0 and math.isfinite(s)):
        raise InputError(f"sigma_e must be positive and finite, got {sigma_e}")
    return s


def _peak(
    model: DiffusivityModel, T: float, m: float, s: float, sign: float, lo: float, hi: float
) -> float:
    """Grid location (4001 points on [lo, hi]) of the maximum of D(e,T)^sign N(e; m, s^2)."""
    grid = np.linspace(lo, hi, 4001)
    with np.errstate(invalid="ignore"):
        vals = sign * (-model.f(grid) / T) - 0.5 * ((grid - m) / s) ** 2
    vals = np.where(np.isnan(vals), -np.inf, vals)
    return float(grid[int(np.argmax(vals))])


def landscape_D(
    model: DiffusivityModel,
    T: float,
    mean_e: float,
    sigma_e: float,
    *,
    z: float = 12.0,
    epsrel: float = 1e-10,
) -> float:
    """Eq 5: D(T) = int_{e_K} D(e, T) P(e, T) de, P = N(mean_e, sigma_e^2) (the KA
    local-diffusivity paper, eq 5).

    Args:
        model: the diffusivity model. T: temperature.
        mean_e: mean of P, epsilon per particle (data, or ``landscape.mean_e(T)``).
        sigma_e: standard deviation of P, per particle (sigma / N; T-independent).
        z: half-width of the integration range in units of sigma_e (P beyond is < e^{-72}).
        epsrel: relative tolerance of the adaptive quadrature.
    Returns:
        D(T), sigma^2/tau.
    """
    T = _check_T(T)
    s = _check_sigma(sigma_e)
    m = float(mean_e)
    lo = max(model.e_K, m - z * s)
    hi = min(model.e_upper, m + z * s)
    if not hi > lo:
        return 0.0
    lnD = math.log(model.D_inf)

    def log_g(e: float) -> float:
        fe = float(model.f(e))
        if not math.isfinite(fe):
            return -math.inf
        return lnD - fe / T - 0.5 * ((e - m) / s) ** 2

    norm = s * math.sqrt(2.0 * math.pi)
    peak = _peak(model, T, m, s, 1.0, lo, hi)
    pts = sorted({min(max(m, lo), hi), peak})
    val, _ = quad(
        lambda e: math.exp(log_g(e)) / norm,
        lo,
        hi,
        points=[p for p in pts if lo < p < hi] or None,
        epsabs=0.0,
        epsrel=epsrel,
        limit=400,
    )
    return float(val)


@dataclass(frozen=True)
class DMoments:
    """<D>, <1/D> and their product.

    Attributes:
        mean_D: <D>, sigma^2/tau. mean_inv_D: <1/D>, tau/sigma^2. product: <D><1/D>.
        cut_sigma: k of the cut e >= <e> - k sigma_e (model; None = no cut), or None for data.
        e_cut: the cut energy (model) or NaN.
        n: number of trajectories (data) or 0 (model).
        n_excluded: trajectories with D_i <= 0 left out (data).
        product_err: bootstrap standard error of the product (data, n_boot > 0) or NaN.
        seed: bootstrap seed (data) or None.
    """

    mean_D: float
    mean_inv_D: float
    product: float
    cut_sigma: float | None
    e_cut: float
    n: int
    n_excluded: int
    product_err: float
    seed: int | None


def model_D_moments(
    model: DiffusivityModel,
    T: float,
    mean_e: float,
    sigma_e: float,
    *,
    cut_sigma: float | None = 3.0,
    z: float = 12.0,
    epsrel: float = 1e-10,
) -> DMoments:
    """<D><1/D> of the model over P(e, T) restricted to e >= mean_e - cut_sigma sigma_e.

    <1/D> diverges without a cut (exp(+f/T) is essentially singular at
    e_K where P > 0). P is renormalised on [e_cut, mean_e + z sigma_e]. If ``cut_sigma`` is None,
    or the cut lies at or below e_K, <1/D> is +inf and so is the product (returned, not raised).
    """
    T = _check_T(T)
    s = _check_sigma(sigma_e)
    m = float(mean_e)
    hi = m + z * s
    if model.e_upper < hi:
        raise InputError(
            f"the upper root of s_c ({model.e_upper:.5g}) lies within {z:g} sigma_e of the mean "
            f"({m:.5g}); <1/D> diverges there too"
        )
    lnD = math.log(model.D_inf)
    norm = s * math.sqrt(2.0 * math.pi)
    if cut_sigma is None or m - float(cut_sigma) * s <= model.e_K:
        e_cut = model.e_K if cut_sigma is None else m - float(cut_sigma) * s
        mean_D = landscape_D(model, T, m, s, z=z, epsrel=epsrel)
        if cut_sigma is not None:
            mean_D = mean_D / (0.5 * math.erfc((e_cut - m) / (s * math.sqrt(2.0))))
        return DMoments(mean_D, math.inf, math.inf, cut_sigma, e_cut, 0, 0, math.nan, None)
    e_cut = m - float(cut_sigma) * s
    Z = 0.5 * math.erfc((e_cut - m) / (s * math.sqrt(2.0))) - 0.5 * math.erfc(z / math.sqrt(2))

    def log_g(e: float, sign: float) -> float:
        fe = float(model.f(e))
        return sign * (lnD - fe / T) - 0.5 * ((e - m) / s) ** 2

    vals = []
    for sign in (1.0, -1.0):
        peak = _peak(model, T, m, s, sign, e_cut, hi)
        pts = sorted({m, peak})
        v, _ = quad(
            lambda e, sg=sign: math.exp(log_g(e, sg)) / norm,
            e_cut,
            hi,
            points=[p for p in pts if e_cut < p < hi] or None,
            epsabs=0.0,
            epsrel=epsrel,
            limit=400,
        )
        vals.append(v / Z)
    return DMoments(
        vals[0], vals[1], vals[0] * vals[1], float(cut_sigma), e_cut, 0, 0, math.nan, None
    )


def semi_empirical_D(model: DiffusivityModel, e_traj: ArrayLike, T: float) -> float:
    """recommended semi-empirical D(T) = mean_i D(<e_IS>_i, T) over the trajectories at T."""
    e = np.asarray(e_traj, dtype=np.float64)
    if e.ndim != 1 or e.size == 0 or not np.all(np.isfinite(e)):
        raise InputError("e_traj must be a non-empty 1-D array of finite energies")
    return float(np.mean(model.D(e, _check_T(T))))


def data_D_moments(
    D: ArrayLike, *, n_boot: int = 0, seed: int | np.random.Generator = 0
) -> DMoments:
    """<D>, <1/D> and <D><1/D> over trajectories with D_i > 0 (the KA local-diffusivity paper, Fig
    5b, from data).

    Args:
        D: (n_traj,) D_i, sigma^2/tau; D_i <= 0 or NaN are excluded and counted.
        n_boot: bootstrap replicates for the standard error of the product (0 = none).
        seed: bootstrap seed or Generator.
    """
    D = np.asarray(D, dtype=np.float64).ravel()
    ok = np.isfinite(D) & (D > 0)
    d = D[ok]
    if d.size == 0:
        raise InputError("no trajectory has D_i > 0")
    mD = float(d.mean())
    mI = float((1.0 / d).mean())
    err = math.nan
    if n_boot > 0 and d.size > 1:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(int(seed))
        idx = rng.integers(0, d.size, size=(int(n_boot), d.size))
        prods = d[idx].mean(axis=1) * (1.0 / d[idx]).mean(axis=1)
        err = float(prods.std(ddof=1))
    return DMoments(
        mD,
        mI,
        mD * mI,
        None,
        math.nan,
        int(d.size),
        int(np.count_nonzero(~ok)),
        err,
        None if isinstance(seed, np.random.Generator) else int(seed),
    )


def model_check_table(
    landscape: GaussianLandscape,
    B: float,
    D_inf: float,
    temperatures: Sequence[float],
    *,
    cuts: Sequence[float] = (3.0, 4.0),
) -> list[dict[str, float]]:
    """docs/physics/ka-landscape.md model-check table, per-particle eq 4, D(T) from eq 5.

    For each T: <e_IS> = e0 - sigma_int^2/T, s_c(<e>), f(<e>) = B / s_c, D(T) from eq 5 with
    P = N(<e_IS>, sigma_e^2), and <D><1/D> for each cut k (keys ``"DinvD_cut{k:g}"``).
    """
    model = DiffusivityModel.from_landscape(landscape, B, D_inf)
    rows = []
    for T in temperatures:
        m = float(landscape.mean_e(T))
        sc = float(landscape.s_c(m))
        row = {
            "T": float(T),
            "mean_e": m,
            "s_c": sc,
            "f": float(model.f(m)),
            "D_eq5": landscape_D(model, T, m, landscape.sigma_e),
        }
        for k in cuts:
            row[f"DinvD_cut{k:g}"] = model_D_moments(
                model, T, m, landscape.sigma_e, cut_sigma=k
            ).product
        rows.append(row)
    return rows
