"""Collapse of per-trajectory diffusivities and the fit of f(e) (the KA local-diffusivity paper,
eqs 3-4, Figs 3-4).

The KA local-diffusivity paper, eq 3: D(e, T) = D_inf exp(-f(e) / T). The collapse
(docs/physics/ka-landscape.md)

    y_i = T_i ln(D_i / D_inf)   against   <e_IS>_i

should fall on one curve -f(e) for all T. It is fitted with

    y = -1 / (a0 - a1 (e - a2)^2),   i.e.   f(e) = 1 / (a0 - a1 (e - a2)^2),

started from the least-squares polynomial 1/f_i = c0 + c1 e + c2 e^2
(a1 = -c2, a2 = -c1 / (2 c2), a0 = c0 - c1^2 / (4 c2)), then refined by non-linear least squares on
y, with bootstrap (resampling trajectories, stratified by T when T is given) for uncertainties.

Per-particle reading of eq 4 (docs/physics/ka-landscape.md): f = B / s_c(e) with
a0 = alpha / B, a1 = 1 / (2 sigma_int^2 B) = N / (2 sigma^2 B), a2 = e0. Inversion, with sigma^2
from the width of P(e_IS, T): B = 1 / (2 sigma_int^2 a1), alpha = a0 B, E0 = N a2,
e_K = e0 - sigma_int sqrt(2 alpha) (= a2 - sqrt(a0 / a1)), T_K = [sigma^2 / (2 alpha N)]^{1/2}.
The printed eq 4 (a0 = alpha N / B, a1 = 1 / (2 sigma^2 B)) divides by the total S_conf; with it
f ~ 0.02 and D(T) would hardly change with T, against the paper's own data, while the
per-particle reading makes its B = 1.85, alpha = 0.78, E0 = -1140 consistent.

Units: energies per particle in epsilon, T in epsilon/k_B, D in sigma^2/tau.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares

from pelkit.analysis.gaussian_landscape import GaussianLandscape
from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "CollapseData",
    "CollapseFit",
    "collapse",
    "f_of_e",
    "polynomial_start",
    "fit_collapse",
    "derived_from_coefficients",
    "landscape_from_coefficients",
    "coefficients_from_landscape",
    "per_trajectory_sc",
]


@dataclass(frozen=True)
class CollapseData:
    """y_i = T_i ln(D_i / D_inf) for the valid trajectories (D_i > 0).

    Attributes:
        y: (n_valid,) epsilon. e: (n_valid,) <e_IS>_i. T: (n_valid,).
        valid: (n_traj,) mask of the input rows used. n_excluded: rows with D_i <= 0 or NaN.
        D_inf: the D_inf used, sigma^2/tau.
    """

    y: FloatArray
    e: FloatArray
    T: FloatArray
    valid: NDArray[np.bool_]
    n_excluded: int
    D_inf: float


def collapse(T: ArrayLike, D: ArrayLike, e: ArrayLike, D_inf: float = 0.155) -> CollapseData:
    """Collapse variable y_i = T_i ln(D_i / D_inf) (the KA local-diffusivity paper, Fig 3b).

    Args:
        T: (n,) or scalar temperature of each trajectory. D: (n,) D_i, sigma^2/tau.
        e: (n,) <e_IS>_i per particle. D_inf: default 0.155, the KA local-diffusivity paper's
        value; prefer
            one from :func:`pelkit.analysis.relations.fit_arrhenius` on high-T runs.
    Trajectories with D_i <= 0 (flagged slopes) are excluded and counted.
    """
    D = np.asarray(D, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), D.shape)
    if D.ndim != 1 or e.shape != D.shape:
        raise InputError(f"D and e must be 1-D arrays of equal length, got {D.shape}, {e.shape}")
    if not D_inf > 0 or np.any(T <= 0):
        raise InputError("D_inf and temperatures must be positive")
    valid = np.isfinite(D) & (D > 0) & np.isfinite(e) & np.isfinite(T)
    y = T[valid] * np.log(D[valid] / D_inf)
    return CollapseData(
        y=y,
        e=e[valid].copy(),
        T=np.array(T[valid]),
        valid=valid,
        n_excluded=int(np.count_nonzero(~valid)),
        D_inf=float(D_inf),
    )


def f_of_e(e: ArrayLike, a: ArrayLike) -> FloatArray:
    """f(e) = 1 / (a0 - a1 (e - a2)^2) (the KA local-diffusivity paper, Fig 3 fit); inf where the
    denominator is <= 0."""
    a0, a1, a2 = (float(v) for v in np.asarray(a, dtype=np.float64))
    g = a0 - a1 * (np.asarray(e, dtype=np.float64) - a2) ** 2
    with np.errstate(divide="ignore"):
        return np.where(g > 0, 1.0 / np.where(g > 0, g, 1.0), np.inf)


def polynomial_start(e: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Starting (a0, a1, a2) from the polynomial fit 1/f_i = c0 + c1 e + c2 e^2 (f_i = -y_i).

    Only points with y_i < 0 (f_i > 0) enter. The fit is done in e - mean(e) for conditioning and
    converted back. Returns (a (3,), c (3,) = (c0, c1, c2)).
    """
    e = np.asarray(e, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    use = y < 0
    if np.count_nonzero(use) < 3:
        raise InputError("need at least 3 trajectories with D_i < D_inf for the polynomial start")
    x0 = float(e[use].mean())
    x = e[use] - x0
    inv_f = -1.0 / y[use]
    d2, d1, d0 = np.polyfit(x, inv_f, 2)
    # back to powers of e: c2 e^2 + c1 e + c0 with e = x + x0
    c2 = d2
    c1 = d1 - 2.0 * d2 * x0
    c0 = d0 - d1 * x0 + d2 * x0**2
    if d2 == 0.0:
        raise InputError("1/f is exactly linear in e; the quadratic form cannot be started")
    a1 = -d2
    a2 = x0 - d1 / (2.0 * d2)
    a0 = d0 - d1**2 / (4.0 * d2)
    return np.array([a0, a1, a2]), np.array([c0, c1, c2])


def _residuals(a: FloatArray, e: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray:
    g = a[0] - a[1] * (e - a[2]) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return w * (y + 1.0 / g)


def _jacobian(a: FloatArray, e: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray:
    d = e - a[2]
    g = a[0] - a[1] * d**2
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_g2 = 1.0 / g**2
    # r = y + 1/g;  dr/da = -(dg/da) / g^2
    return w[:, None] * np.column_stack([-inv_g2, d**2 * inv_g2, -2.0 * a[1] * d * inv_g2])


def _nls(a_start: FloatArray, e: FloatArray, y: FloatArray, w: FloatArray) -> tuple:
    res = least_squares(
        _residuals, a_start, jac=_jacobian, args=(e, y, w), method="trf", x_scale="jac",
        xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=2000,
    )
    return res


@dataclass(frozen=True)
class CollapseFit:
    """Fit of y = -1 / (a0 - a1 (e - a2)^2) with bootstrap uncertainties.

    Attributes:
        a: (3,) best (a0, a1, a2) from non-linear least squares.
        a_err: (3,) standard errors from the fit covariance (residual-scaled J^T J inverse).
        cov: (3, 3) that covariance.
        a_start: (3,) polynomial starting values. c_poly: (3,) (c0, c1, c2) of 1/f.
        n_points: trajectories fitted. rms: root-mean-square residual of y, epsilon.
        converged: least-squares success flag.
        boot_samples: (n_ok, 3) bootstrap estimates of a.
        ci_low, ci_high: (3,) percentile interval at ``level``. boot_std: (3,) bootstrap std.
        n_boot, n_boot_failed: requested / failed bootstrap refits.
        level: interval level. seed: the seed used (None when a Generator was passed).
        stratified: whether resampling was within temperature groups.
    """

    a: FloatArray
    a_err: FloatArray
    cov: FloatArray
    a_start: FloatArray
    c_poly: FloatArray
    n_points: int
    rms: float
    converged: bool
    boot_samples: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    boot_std: FloatArray
    n_boot: int
    n_boot_failed: int
    level: float
    seed: int | None
    stratified: bool
    notes: list[str] = field(default_factory=list)

    def f(self, e: ArrayLike) -> FloatArray:
        """Fitted f(e), epsilon."""
        return f_of_e(e, self.a)

    def derived(self, sigma2: float, n_particles: int) -> dict[str, dict[str, float]]:
        """B, alpha, e0, E0, e_K, T_K from the fit and their bootstrap percentile intervals.

        sigma2: total variance sigma^2 from the width of P(e_IS, T). Returns
        {name: {"value", "low", "high", "std"}}; a bootstrap sample with a1 <= 0 or alpha <= 0
        gives NaN and is left out of the intervals.
        """
        best = derived_from_coefficients(self.a, sigma2, n_particles)
        out: dict[str, dict[str, float]] = {}
        boot = [derived_from_coefficients(s, sigma2, n_particles, strict=False)
                for s in self.boot_samples]
        q = (0.5 * (1 - self.level), 0.5 * (1 + self.level))
        for key, value in best.items():
            vals = np.array([b[key] for b in boot], dtype=np.float64)
            vals = vals[np.isfinite(vals)]
            lo, hi = (np.quantile(vals, q) if vals.size else (np.nan, np.nan))
            out[key] = {
                "value": float(value),
                "low": float(lo),
                "high": float(hi),
                "std": float(vals.std(ddof=1)) if vals.size > 1 else float("nan"),
            }
        return out


def fit_collapse(
    e: ArrayLike,
    y: ArrayLike,
    *,
    T: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> CollapseFit:
    """Fit y_i = -1 / (a0 - a1 (<e>_i - a2)^2) (the KA local-diffusivity paper, Fig 3b;
    docs/physics/ka-landscape.md (recommended)).

    Steps: polynomial start (:func:`polynomial_start`), non-linear least squares on y (SciPy
    ``least_squares``, trust-region reflective, analytic Jacobian), then ``n_boot`` bootstrap refits
    on trajectories resampled with replacement (within each temperature group when ``T`` is
    given), each started from the full-data fit.

    Args:
        e: (n,) <e_IS>_i per particle. y: (n,) T ln(D_i / D_inf), epsilon.
        T: (n,) temperatures, to stratify the bootstrap. weights: (n,) residual weights
            (1/sigma_y), default 1.
        n_boot: bootstrap replicates (0 = none). level: interval level.
        seed: int seed or numpy Generator for the bootstrap.
    """
    e = np.asarray(e, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if e.ndim != 1 or y.shape != e.shape:
        raise InputError(f"e and y must be 1-D arrays of equal length, got {e.shape}, {y.shape}")
    if e.size < 4 or not (np.all(np.isfinite(e)) and np.all(np.isfinite(y))):
        raise InputError("need at least 4 finite (e, y) points for the 3-parameter fit")
    if not 0 < level < 1:
        raise InputError(f"level must lie in (0, 1), got {level}")
    w = np.ones_like(e) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != e.shape or np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise InputError("weights must be positive, finite and match e")
    notes: list[str] = []
    a_start, c_poly = polynomial_start(e, y)
    if a_start[1] <= 0:
        notes.append("polynomial start has a1 <= 0: 1/f is not concave in e")
    res = _nls(a_start, e, y, w)
    a = res.x
    r = _residuals(a, e, y, w)
    if not np.all(np.isfinite(r)):
        raise InputError("the non-linear fit diverged (f crosses its pole inside the data)")
    dof = max(e.size - 3, 1)
    s2 = float(r @ r) / dof
    J = res.jac
    try:
        cov = np.linalg.inv(J.T @ J) * s2
    except np.linalg.LinAlgError:
        cov = np.full((3, 3), np.nan)
        notes.append("singular Jacobian: no covariance")
    rms = float(np.sqrt(np.mean(((y + 1.0 / (a[0] - a[1] * (e - a[2]) ** 2))) ** 2)))

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(int(seed))
    if T is not None:
        Tg = np.asarray(T, dtype=np.float64)
        if Tg.shape != e.shape:
            raise InputError("T must match e")
        groups = [np.flatnonzero(Tg == t) for t in np.unique(Tg)]
    else:
        groups = [np.arange(e.size)]
    samples = []
    failed = 0
    for _ in range(int(n_boot)):
        idx = np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups])
        try:
            rb = _nls(a, e[idx], y[idx], w[idx])
        except ValueError:
            failed += 1
            continue
        if rb.success and np.all(np.isfinite(rb.x)) and np.all(
            np.isfinite(_residuals(rb.x, e[idx], y[idx], w[idx]))
        ):
            samples.append(rb.x)
        else:
            failed += 1
    boot = np.array(samples).reshape(-1, 3)
    q = (0.5 * (1 - level), 0.5 * (1 + level))
    if boot.shape[0] >= 2:
        lo, hi = np.quantile(boot, q, axis=0)
        std = boot.std(axis=0, ddof=1)
    else:
        lo = hi = std = np.full(3, np.nan)
    return CollapseFit(
        a=a,
        a_err=np.sqrt(np.clip(np.diag(cov), 0, None)),
        cov=cov,
        a_start=a_start,
        c_poly=c_poly,
        n_points=int(e.size),
        rms=rms,
        converged=bool(res.success),
        boot_samples=boot,
        ci_low=lo,
        ci_high=hi,
        boot_std=std,
        n_boot=int(n_boot),
        n_boot_failed=failed,
        level=float(level),
        seed=None if isinstance(seed, np.random.Generator) else int(seed),
        stratified=T is not None,
        notes=notes,
    )


def derived_from_coefficients(
    a: ArrayLike, sigma2: float, n_particles: int, *, strict: bool = True
) -> dict[str, float]:
    """Landscape parameters from (a0, a1, a2) (per-particle eq 4, docs/physics/ka-landscape.md).

    B = 1 / (2 sigma_int^2 a1) with sigma_int^2 = sigma^2 / N; alpha = a0 B; e0 = a2; E0 = N a2;
    e_K = e0 - sigma_int sqrt(2 alpha); T_K = [sigma^2 / (2 alpha N)]^{1/2}.
    With ``strict`` a1 <= 0 or alpha <= 0 raises; otherwise the undefined entries are NaN.
    """
    a0, a1, a2 = (float(v) for v in np.asarray(a, dtype=np.float64))
    if not sigma2 > 0 or n_particles < 1:
        raise InputError("sigma2 must be positive and n_particles >= 1")
    s2i = sigma2 / n_particles
    nan = float("nan")
    if a1 <= 0:
        if strict:
            raise InputError(f"a1 = {a1:g} <= 0: f(e) has no Gaussian-landscape reading")
        return {"B": nan, "alpha": nan, "e0": a2, "E0": n_particles * a2, "e_K": nan, "T_K": nan}
    B = 1.0 / (2.0 * s2i * a1)
    alpha = a0 * B
    if alpha <= 0:
        if strict:
            raise InputError(f"alpha = {alpha:g} <= 0: no Kauzmann point")
        eK = TK = nan
    else:
        eK = a2 - float(np.sqrt(2.0 * alpha * s2i))
        TK = float(np.sqrt(sigma2 / (2.0 * alpha * n_particles)))
    return {"B": B, "alpha": alpha, "e0": a2, "E0": n_particles * a2, "e_K": eK, "T_K": TK}


def landscape_from_coefficients(
    a: ArrayLike, sigma2: float, n_particles: int
) -> tuple[GaussianLandscape, float]:
    """(GaussianLandscape, B) from the collapse coefficients and sigma^2 (see module doc)."""
    d = derived_from_coefficients(a, sigma2, n_particles)
    return GaussianLandscape(d["alpha"], d["e0"], float(sigma2), int(n_particles)), d["B"]


def coefficients_from_landscape(landscape: GaussianLandscape, B: float) -> FloatArray:
    """(a0, a1, a2) = (alpha / B, 1 / (2 sigma_int^2 B), e0): per-particle eq 4 (module
    docstring)."""
    if not B > 0:
        raise InputError(f"B must be positive, got {B}")
    return np.array(
        [landscape.alpha / B, 1.0 / (2.0 * landscape.sigma2_int * B), landscape.e0]
    )


def per_trajectory_sc(y: ArrayLike, B: float) -> FloatArray:
    """The KA local-diffusivity paper, Fig 4 points: s_c,i = B / f_i with f_i = -y_i = -T ln(D_i /
    D_inf)."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return B / (-y)
