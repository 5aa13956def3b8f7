"""Diffusion constants from MSD curves (SCIENCE.md section 5.2, seed 004; issue 3 item 6).

Einstein relation in d = 3 dimensions: MSD(t) -> 2 d D t + c at long times, so

    D = slope / 6     (least-squares fit of MSD = 6 D t + c over a window).

Three entry points:

* :func:`fit_diffusion` - D of one (pooled) MSD curve with an uncertainty and an honest check
  that the diffusive regime was reached (log-log slope ~ 1 and MSD beyond a threshold).
* :func:`find_t_msd` - the time at which an averaged MSD reaches a level (t_MSD=1 of seed 004),
  by interpolation of the data, never hard-coded.
* :func:`per_trajectory_diffusion` - the seed 004 per-trajectory D_i recipe: slope / 6 of a linear
  fit over dt in [0.5, 1] t_MSD=1, plus MSD_i(t_MSD=1) / (6 t_MSD=1); slopes <= 0 are flagged.

:func:`two_pass_local_diffusion` chains them on raw trajectories (two passes: averaged MSD ->
t_MSD=1 -> windowed per-trajectory MSD -> D_i).

Units: times in tau, MSD in sigma^2, D in sigma^2/tau.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.analysis.msd import per_trajectory_msd
from pelkit.deprecation import warn_deprecated
from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "DiffusionFit",
    "PerTrajectoryDiffusion",
    "LocalDiffusionResult",
    "local_log_slope",
    "fit_diffusion",
    "find_t_msd",
    "per_trajectory_diffusion",
    "two_pass_local_diffusion",
    "seed004_local_diffusion",
]


@dataclass(frozen=True)
class DiffusionFit:
    """Result of :func:`fit_diffusion`.

    Attributes:
        D: diffusion constant, sigma^2/tau (slope / (2 dim)).
        D_err: one-standard-error uncertainty of D (method in ``error_method``).
        intercept: c of MSD = 2 dim D t + c, sigma^2.
        t_min, t_max: the fit window actually used, tau.
        n_points: MSD points inside the window.
        loglog_slope: least-squares slope of ln MSD against ln t over the window (1 when
            diffusive, 2 ballistic, ~0 on a plateau).
        local_slope_min, local_slope_max: range of the local slope d ln MSD / d ln t in the window.
        msd_min: smallest MSD in the window, sigma^2.
        diffusive: True when |loglog_slope - 1| <= slope_tol, msd_min >= msd_threshold and
            n_points >= 3.
        slope_tol, msd_threshold: the criteria used.
        error_method: "ols" (fit covariance; MSD points at different lags are correlated, so this
            understates the error) or "blocks" (spread of D over independent MSD curves).
        dim: spatial dimension.
        notes: why ``diffusive`` is False, if it is.
    """

    D: float
    D_err: float
    intercept: float
    t_min: float
    t_max: float
    n_points: int
    loglog_slope: float
    local_slope_min: float
    local_slope_max: float
    msd_min: float
    diffusive: bool
    slope_tol: float
    msd_threshold: float
    error_method: str
    dim: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain dictionary (for JSON summaries)."""
        return dict(self.__dict__)


def _check_curve(lag_times: ArrayLike, msd: ArrayLike) -> tuple[FloatArray, FloatArray]:
    t = np.asarray(lag_times, dtype=np.float64)
    m = np.asarray(msd, dtype=np.float64)
    if t.ndim != 1 or m.shape != t.shape or t.size < 2:
        raise InputError(
            f"lag_times and msd must be 1-D arrays of equal length >= 2, got {t.shape}, {m.shape}"
        )
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(m))):
        raise InputError("lag_times or msd contain NaN or infinite values")
    if np.any(np.diff(t) <= 0):
        raise InputError("lag_times must be strictly increasing")
    return t, m


def local_log_slope(lag_times: ArrayLike, msd: ArrayLike) -> FloatArray:
    """Local slope d ln MSD / d ln t (n_lags,) by second-order finite differences on ln-ln data.

    Points with t <= 0 or MSD <= 0 give NaN.
    """
    t, m = _check_curve(lag_times, msd)
    ok = (t > 0) & (m > 0)
    out = np.full(t.shape, np.nan)
    if np.count_nonzero(ok) >= 2:
        out[ok] = np.gradient(np.log(m[ok]), np.log(t[ok]))
    return out


def _linfit(x: FloatArray, y: FloatArray) -> tuple[float, float, FloatArray]:
    """Ordinary least squares y = a x + b; returns a, b and the 2x2 covariance of (a, b)."""
    A = np.column_stack([x, np.ones_like(x)])
    coef, _, _, _ = np.linalg.lstsq(A, y, rcond=None)
    n = x.size
    resid = y - A @ coef
    dof = max(n - 2, 1)
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.inv(A.T @ A)
    return float(coef[0]), float(coef[1]), cov


def fit_diffusion(
    lag_times: ArrayLike,
    msd: ArrayLike,
    *,
    t_min: float | None = None,
    t_max: float | None = None,
    msd_blocks: ArrayLike | None = None,
    slope_tol: float = 0.1,
    msd_threshold: float = 1.0,
    dim: int = 3,
) -> DiffusionFit:
    """D from a least-squares fit of MSD(t) = 2 dim D t + c over a window (Einstein relation).

    Window: [t_min, t_max]; by default t_min is the first lag at which MSD >= ``msd_threshold``
    (sigma^2) and t_max the longest lag. If fewer than 3 lags reach the threshold the default
    window is the last decade [t_max / 10, t_max] and ``diffusive`` is False.

    Uncertainty: with ``msd_blocks`` (n_blocks, n_lags) - MSD curves of independent blocks (time
    blocks of one run, see :func:`pelkit.analysis.msd.msd_blocks`, or independent trajectories) on
    the same lags - each block is fitted over the same window and D_err = std(D_b) / sqrt(n_b)
    ("blocks", recommended). Otherwise D_err comes from the OLS covariance of the fit ("ols"),
    which ignores the correlation between MSD points and so is a lower bound.

    Diffusive-regime check: the log-log slope of MSD over the window (least squares of ln MSD on
    ln t) must be within ``slope_tol`` of 1 and the MSD at the window start at least
    ``msd_threshold``. Both numbers are returned.

    Args:
        lag_times: (n_lags,) tau, increasing. msd: (n_lags,) sigma^2.
    Returns:
        :class:`DiffusionFit`.
    """
    t, m = _check_curve(lag_times, msd)
    if dim < 1:
        raise InputError(f"dim must be >= 1, got {dim}")
    notes: list[str] = []
    if t_max is None:
        t_max = float(t[-1])
    if t_min is None:
        reached = np.flatnonzero((m >= msd_threshold) & (t <= t_max))
        if reached.size >= 3:
            t_min = float(t[reached[0]])
        else:
            t_min = t_max / 10.0
            notes.append(
                f"fewer than 3 lags with MSD >= {msd_threshold:g} sigma^2 (max {m.max():.4g}); "
                "fitted the last decade of lags"
            )
    if not t_max > t_min:
        raise InputError(f"fit window is empty: t_min={t_min:g} >= t_max={t_max:g}")
    tol = 1e-9 * max(abs(t_max), 1.0)
    win = (t >= t_min - tol) & (t <= t_max + tol)
    n_points = int(np.count_nonzero(win))
    if n_points < 2:
        raise InputError(
            f"only {n_points} MSD point(s) in the fit window [{t_min:g}, {t_max:g}]; need >= 2"
        )
    tw, mw = t[win], m[win]
    slope, intercept, cov = _linfit(tw, mw)
    D = slope / (2.0 * dim)
    if msd_blocks is not None:
        blocks = np.asarray(msd_blocks, dtype=np.float64)
        if blocks.ndim != 2 or blocks.shape[1] != t.size or blocks.shape[0] < 2:
            raise InputError(
                f"msd_blocks must have shape (n_blocks >= 2, {t.size}), got {blocks.shape}"
            )
        d_blocks = np.array([_linfit(tw, b[win])[0] for b in blocks]) / (2.0 * dim)
        D_err = float(np.std(d_blocks, ddof=1) / np.sqrt(blocks.shape[0]))
        method = "blocks"
    else:
        D_err = float(np.sqrt(max(cov[0, 0], 0.0))) / (2.0 * dim) if n_points > 2 else np.nan
        method = "ols"
    positive = (tw > 0) & (mw > 0)
    if np.count_nonzero(positive) >= 2:
        ll_slope, _, _ = _linfit(np.log(tw[positive]), np.log(mw[positive]))
    else:
        ll_slope = np.nan
    local = local_log_slope(t, m)[win]
    local = local[np.isfinite(local)]
    msd_min = float(mw.min())
    diffusive = True
    if n_points < 3:
        diffusive = False
        notes.append("fewer than 3 points in the fit window")
    if not (np.isfinite(ll_slope) and abs(ll_slope - 1.0) <= slope_tol):
        diffusive = False
        notes.append(f"log-log slope {ll_slope:.3f} differs from 1 by more than {slope_tol:g}")
    if msd_min < msd_threshold:
        diffusive = False
        notes.append(f"MSD in the window starts at {msd_min:.4g} < {msd_threshold:g} sigma^2")
    return DiffusionFit(
        D=float(D),
        D_err=D_err,
        intercept=float(intercept),
        t_min=float(tw[0]),
        t_max=float(tw[-1]),
        n_points=n_points,
        loglog_slope=float(ll_slope),
        local_slope_min=float(local.min()) if local.size else np.nan,
        local_slope_max=float(local.max()) if local.size else np.nan,
        msd_min=msd_min,
        diffusive=bool(diffusive),
        slope_tol=float(slope_tol),
        msd_threshold=float(msd_threshold),
        error_method=method,
        dim=int(dim),
        notes=notes,
    )


def find_t_msd(
    lag_times: ArrayLike, msd: ArrayLike, level: float = 1.0, *, interpolation: str = "loglog"
) -> float:
    """First time at which an (averaged) MSD reaches ``level`` (t_MSD=1 of seed 004, level 1).

    The crossing is bracketed by the first lag with MSD >= level and the lag before it and
    interpolated linearly in (ln t, ln MSD) ("loglog", default; exact for a power law) or in
    (t, MSD) ("linear"; used automatically when a bracketing value is <= 0).

    Args:
        lag_times: (n_lags,) tau, increasing. msd: (n_lags,) sigma^2. level: sigma^2.
    Returns:
        t_MSD=level in tau.
    Raises:
        InputError: the MSD never reaches ``level`` (run longer), or already exceeds it at the
        first lag (store shorter lags).
    """
    t, m = _check_curve(lag_times, msd)
    if interpolation not in ("loglog", "linear"):
        raise InputError(f"interpolation must be 'loglog' or 'linear', got {interpolation!r}")
    above = np.flatnonzero(m >= level)
    if above.size == 0:
        raise InputError(
            f"the MSD never reaches {level:g} sigma^2 (largest value {m.max():.4g} at "
            f"t = {t[int(np.argmax(m))]:.4g}); run longer to define t_MSD={level:g}"
        )
    k = int(above[0])
    if k == 0:
        if m[0] == level:
            return float(t[0])
        raise InputError(
            f"the MSD already exceeds {level:g} sigma^2 at the shortest lag t = {t[0]:.4g}; "
            "include shorter lags to locate t_MSD"
        )
    t0, t1, m0, m1 = t[k - 1], t[k], m[k - 1], m[k]
    if interpolation == "loglog" and min(t0, m0) > 0:
        x = np.log(t0) + (np.log(level) - np.log(m0)) * (np.log(t1) - np.log(t0)) / (
            np.log(m1) - np.log(m0)
        )
        return float(np.exp(x))
    return float(t0 + (level - m0) * (t1 - t0) / (m1 - m0))


@dataclass(frozen=True)
class PerTrajectoryDiffusion:
    """Seed 004 per-trajectory diffusivities (SCIENCE.md section 5.2).

    Attributes:
        D_slope: (n_traj,) slope / (2 dim) of MSD_i over the window, sigma^2/tau.
        D_endpoint: (n_traj,) MSD_i(t_ref) / (2 dim t_ref), sigma^2/tau.
        slope: (n_traj,) fitted slopes, sigma^2/tau.
        intercept: (n_traj,) fitted intercepts, sigma^2.
        valid: (n_traj,) bool, slope > 0 (flag nearly immobile trajectories).
        n_invalid: number of flagged trajectories (to be excluded from ln D and reported).
        t_ref: t_MSD=1 used, tau.
        window: (lo, hi) fractions of t_ref.
        n_points: MSD points in the fit window.
    """

    D_slope: FloatArray
    D_endpoint: FloatArray
    slope: FloatArray
    intercept: FloatArray
    valid: NDArray[np.bool_]
    n_invalid: int
    t_ref: float
    window: tuple[float, float]
    n_points: int


def per_trajectory_diffusion(
    lag_times: ArrayLike,
    msd_traj: ArrayLike,
    t_ref: float,
    *,
    window: tuple[float, float] = (0.5, 1.0),
    dim: int = 3,
) -> PerTrajectoryDiffusion:
    """Per-trajectory D_i, seed 004 recipe ([REC] SCIENCE.md section 5.2).

    D_i = slope_i / (2 dim), slope_i from a least-squares line through MSD_i(dt) for dt in
    [window[0], window[1]] * t_ref (t_ref = t_MSD=1); also D_i' = MSD_i(t_ref) / (2 dim t_ref) with
    MSD_i(t_ref) linearly interpolated between lags. Slopes <= 0 are flagged (``valid`` False).

    Args:
        lag_times: (n_lags,) tau. msd_traj: (n_traj, n_lags) sigma^2. t_ref: tau.
    """
    t = np.asarray(lag_times, dtype=np.float64)
    M = np.asarray(msd_traj, dtype=np.float64)
    if M.ndim == 1:
        M = M[None, :]
    if t.ndim != 1 or M.ndim != 2 or M.shape[1] != t.size:
        raise InputError(
            f"msd_traj must have shape (n_traj, {t.size}) to match lag_times, got {M.shape}"
        )
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(M))):
        raise InputError("lag_times or msd_traj contain NaN or infinite values")
    if np.any(np.diff(t) <= 0):
        raise InputError("lag_times must be strictly increasing")
    lo, hi = float(window[0]), float(window[1])
    if not (0.0 <= lo < hi) or not t_ref > 0:
        raise InputError(f"need 0 <= window[0] < window[1] and t_ref > 0, got {window}, {t_ref}")
    if t_ref > t[-1] * (1 + 1e-9) or t_ref < t[0]:
        raise InputError(
            f"t_ref = {t_ref:g} lies outside the lags [{t[0]:g}, {t[-1]:g}]; "
            "compute MSD_i up to t_MSD=1"
        )
    tol = 1e-9 * t_ref
    win = (t >= lo * t_ref - tol) & (t <= hi * t_ref + tol)
    n_points = int(np.count_nonzero(win))
    if n_points < 2:
        raise InputError(
            f"only {n_points} lag(s) in [{lo:g}, {hi:g}] x t_MSD=1 = [{lo * t_ref:g}, "
            f"{hi * t_ref:g}]; use more (linear) lags"
        )
    tw = t[win]
    x = tw - tw.mean()
    Y = M[:, win]
    slope = (Y - Y.mean(axis=1, keepdims=True)) @ x / float(x @ x)
    intercept = Y.mean(axis=1) - slope * tw.mean()
    k = int(np.searchsorted(t, t_ref))
    if k < t.size and abs(t[k] - t_ref) <= tol:
        m_ref = M[:, k]
    elif k == t.size:
        m_ref = M[:, -1]
    else:
        w = (t_ref - t[k - 1]) / (t[k] - t[k - 1])
        m_ref = (1 - w) * M[:, k - 1] + w * M[:, k]
    valid = slope > 0
    return PerTrajectoryDiffusion(
        D_slope=slope / (2.0 * dim),
        D_endpoint=m_ref / (2.0 * dim * t_ref),
        slope=slope,
        intercept=intercept,
        valid=valid,
        n_invalid=int(np.count_nonzero(~valid)),
        t_ref=float(t_ref),
        window=(lo, hi),
        n_points=n_points,
    )


@dataclass(frozen=True)
class LocalDiffusionResult:
    """Output of :func:`two_pass_local_diffusion` (one temperature).

    Attributes:
        t_msd1: t at which the trajectory-averaged MSD reaches ``level``, tau.
        level: the MSD level (1 sigma^2 in seed 004).
        mean_lag_times, mean_msd: (n_lags,) the averaged MSD used to find t_msd1 (all origins).
        lag_times, msd_traj: (n_lags2,), (n_traj, n_lags2) windowed per-trajectory MSD.
        diffusion: per-trajectory D_i (:class:`PerTrajectoryDiffusion`).
    """

    t_msd1: float
    level: float
    mean_lag_times: FloatArray
    mean_msd: FloatArray
    lag_times: FloatArray
    msd_traj: FloatArray
    diffusion: PerTrajectoryDiffusion


def two_pass_local_diffusion(
    trajectories: Sequence[ArrayLike] | ArrayLike,
    times: ArrayLike,
    species: ArrayLike | None = None,
    *,
    select: object = None,
    level: float = 1.0,
    window: tuple[float, float] = (0.5, 1.0),
    n_lags_mean: int = 60,
    lag_step: int = 1,
) -> LocalDiffusionResult:
    """Seed 004 two-pass analysis of independent equal-length trajectories at one T.

    Pass 1: MSD of species ``select`` (default the first label, A) of each trajectory, all
    origins, log lags; average over trajectories; t_MSD=level by interpolation
    (:func:`find_t_msd`). Pass 2: MSD_i(dt) with origins t0 in [0, t_MSD] and linear lags up to
    one frame past t_MSD (every ``lag_step`` frames, so MSD_i(t_MSD) can be interpolated); D_i by
    :func:`per_trajectory_diffusion` (fit window [0.5, 1] t_MSD).
    Trajectories should span 2 t_MSD=1 (SCIENCE.md section 5.2 [REC]); shorter ones are used
    with fewer origins.

    Args:
        trajectories: (n_traj, F, N, 3) unwrapped positions, sigma. times: (F,) tau.
        species: (N,) labels.
    """
    trajs = list(trajectories)
    lag1, msd1, _ = per_trajectory_msd(
        trajs, times, species, select=select, lags="log", n_lags=n_lags_mean
    )
    mean_msd = msd1.mean(axis=0)
    t_msd1 = find_t_msd(lag1, mean_msd, level)
    t_arr = np.asarray(times, dtype=np.float64)
    dt = (t_arr[-1] - t_arr[0]) / (t_arr.size - 1)
    lag2, msd2, _ = per_trajectory_msd(
        trajs,
        times,
        species,
        select=select,
        lags="linear",
        lag_step=lag_step,
        origin_max_time=t_msd1,
        max_lag_time=t_msd1 + lag_step * dt,
    )
    t_ref = min(t_msd1, float(lag2[-1]))
    diff = per_trajectory_diffusion(lag2, msd2, t_ref, window=window)
    return LocalDiffusionResult(
        t_msd1=t_msd1,
        level=float(level),
        mean_lag_times=lag1,
        mean_msd=mean_msd,
        lag_times=lag2,
        msd_traj=msd2,
        diffusion=diff,
    )


def seed004_local_diffusion(*args: object, **kwargs: object) -> LocalDiffusionResult:
    """Deprecated alias of :func:`two_pass_local_diffusion` (removed in the next release)."""
    warn_deprecated("pelkit.analysis.diffusion.seed004_local_diffusion",
                    "pelkit.analysis.diffusion.two_pass_local_diffusion")
    return two_pass_local_diffusion(*args, **kwargs)  # type: ignore[arg-type]
