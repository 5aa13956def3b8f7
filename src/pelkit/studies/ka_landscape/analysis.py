"""Analysis of the KA landscape study from the stored task results (seeds 004 and 000).

:func:`analyze` works ONLY from ``out_dir/tasks/{equilibrate,production}/<key>.npz`` (keys
``T{T:.3f}_r{r:04d}``), so it can be re-run alone. It writes ``results.h5`` and ``summary.json``
(and, with ``outputs=True``, ``figures/*.png`` and ``report.md``). SCIENCE.md section 5 is the
specification; section numbers below refer to it.

Per temperature T (sections 5.2, 5.3, 5.6):

* **t_MSD=1**: the A-particle MSD of every replica (all time origins, log-spaced lags up to the
  whole production run) is averaged over replicas and its first crossing of 1 sigma^2 found by
  interpolation (:func:`pelkit.analysis.diffusion.find_t_msd`). Never hard-coded. If the averaged
  MSD never reaches 1 the temperature is flagged and half the run length is used as t_ref.
* **D_i** (seed 004 recipe, [REC] 5.2): MSD_i(dt) of replica i with origins t0 in [0, t_MSD=1]
  and linear lags up to t_MSD=1; D_i = slope/6 of a least-squares line over
  dt in [0.5, 1] t_MSD=1 (:func:`pelkit.analysis.diffusion.per_trajectory_diffusion`); also
  D_i' = MSD_i(t_MSD=1)/(6 t_MSD=1). Slopes <= 0 are flagged, counted and excluded from ln D.
* **Direct D(T)**: slope/6 of the replica-averaged MSD (all origins, linear lags up to 90 % of the
  run) over lags where it exceeds 1 sigma^2 (:func:`pelkit.analysis.diffusion.fit_diffusion`,
  error from the spread of the per-replica slopes, i.e. replicas as independent blocks).
* **<e_IS>_i**: mean per-particle e_IS of replica i over the converged quenches with
  t in [0, t_MSD=1] (:func:`pelkit.analysis.gaussian_landscape.per_trajectory_mean_energy`).
* **P(e_IS, T)**: Gaussian (maximum-likelihood) fit of all converged quenches of the whole
  production run of all replicas; the variance error is a bootstrap over replicas (quenches of one
  trajectory are correlated). P(<e_IS>_i, T) is fitted the same way.
* **f_u, f_dw**: per replica the mean over its INM snapshots (section 3.3); per T the mean over
  replicas with its standard error.
* **Equilibration** (phase A verdicts): replicas that passed, reached the MSD target, and the e_IS
  drift in units of its standard error. All replicas are analysed unless
  ``require_equilibrated=True``; the counts are always reported.

Across temperatures (sections 5.3-5.6):

* **Landscape temperatures**: T <= ``cfg.low_t_max``. They enter the fit of <e_IS>(T) =
  e0 - sigma_int^2 / T, the pooled sigma^2 and the collapse. If fewer than 2 (for the mean fit) or
  fewer than 4 usable trajectories (for the collapse) exist there, all temperatures are used and
  the fallback is flagged.
* **sigma^2 (total)** = N^2 var(e_IS) per T; combined over the landscape temperatures as the
  inverse-variance weighted mean, error = max(formal error, std across T / sqrt(n_T)). It is what
  the seed's 18 +- 2 (N = 155) is compared with; N sigma_int^2 from the slope of <e_IS>(1/T) is
  reported as a second estimate.
* **D_inf**: ``cfg.d_inf`` if set (0.155 = the seed's value); otherwise an Arrhenius fit
  ln D = ln D_inf - E_a / T of the direct D(T) at T >= ``cfg.d_inf_min_temperature``
  (:func:`pelkit.analysis.relations.fit_arrhenius`); with fewer than 2 such temperatures the seed
  value is used and flagged. The Arrhenius fit is reported whenever it can be made.
* **Collapse and fit** (5.4): y_i = T ln(D_i / D_inf) against <e_IS>_i for the valid trajectories
  at the landscape temperatures, fitted with y = -1 / (a0 - a1 (e - a2)^2)
  (:func:`pelkit.analysis.local_diffusivity.fit_collapse`: polynomial start, non-linear least
  squares, ``cfg.bootstrap`` resamples of trajectories within each T, seeded with ``cfg.seed``).
  The fit is flagged ``weakly_constrained`` when it uses fewer than 3 temperatures or fewer than 30
  trajectories, or when the bootstrap interval of a1 includes 0.
* **Derived landscape** in the CORRECTED per-particle convention ([CORR] 5.4):
  B = 1/(2 sigma_int^2 a1) = N/(2 sigma^2 a1), alpha = a0 B, e0 = a2, E0 = N a2,
  e_K = a2 - sqrt(a0/a1), T_K = [sigma^2/(2 alpha N)]^{1/2}.
* **Landscape-constrained fit** (an addition, used when the free fit has no reading): f = B/s_c(e)
  with e0 and sigma_int^2 fixed by the fit of <e_IS>(T), so only B and alpha are fitted (see
  ``_constrained_fit``); reported as ``fit_constrained``. ``model`` in the summary names the
  coefficients used below (``source``: "free fit" when a0, a1 > 0, else
  "landscape-constrained fit", else "none").
* **D(T) from eq 5** with P = N(<e_IS>(T) from data, sigma_e^2 = sigma^2/N^2) and D = 0 below e_K
  (:func:`pelkit.analysis.landscape_diffusion.landscape_D`), with a percentile band from the
  bootstrap samples of (a0, a1, a2) (at most 200 of them); the semi-empirical
  mean_i D(<e_IS>_i, T).
* **<D><1/D>** (5.5): from data (valid D_i, bootstrap error) and from the model with the cut-off
  e >= <e> - ``cfg.cut_sigmas`` sigma_e (reported, and again with the cut one sigma_e deeper to
  show the cut-off dependence).
* **INM link** (5.6, seed 000): D vs f_u (proportionality constant and log-log exponent, per T
  and per replica; the same for f_dw), and s_c vs ln f_u with s_c(T) = s_c(<e_IS>(T)) from the
  fitted landscape per T and s_c,i = B / f_i per replica.

Uncertainties in ``summary.json``: every fitted or derived parameter is a dict
``{"value", "error", "low", "high"}``: ``error`` is half the central 68.3 % bootstrap interval
(one standard deviation for a Gaussian, robust to the heavy tail of B ~ 1/a1) for a0, a1, a2 and
the derived B, alpha, E0, e0, e_K, T_K, with the sigma^2 uncertainty added in quadrature for
B, alpha and T_K (the fit covariance error when no bootstrap was run); ``low``/``high`` the
bootstrap percentile interval at ``level`` (95 %). Per-T lists carry parallel ``*_err`` keys.
Undefined values are null (JSON has no NaN).

``summary.json`` keys (lists are per temperature, in ``temperatures`` order):
``temperatures``, ``n_replicas`` (configured), ``n_replicas_analysed``, ``t_msd1``, ``t1_pilot``,
``mean_eis``/``_err``, ``var_eis``/``_err`` (per particle), ``sigma2_total`` (entry, combined
over the landscape temperatures), ``sigma2_total_per_T``/``_err``, ``sigma_e``, ``mean_eis_fit``
(e0, sigma2_int, sigma2_total entries), ``traj_mean_eis`` (mean, var, skewness, min, max of
<e_IS>_i), ``D_direct``/``_err``/``_diffusive``, ``D_i_median``, ``D_i_spread_decades``,
``n_nonpositive_slopes``, ``D_inf``, ``D_inf_source``, ``D_inf_arrhenius``, ``fit`` (free fit:
a0, a1, a2, B, alpha, E0, e0, e_K, T_K entries + n_points, temperatures, rms,
weakly_constrained, weak_reasons, n_boot, ...), ``fit_constrained`` (same entries + flags),
``model`` (source + the entries used downstream), ``D_eq5``/``_low``/``_high``,
``D_semi_empirical``, ``D_times_inv_D``/``_err`` (data), ``D_times_inv_D_model``/``_model_alt``
(cut ``cut_sigmas``/``cut_sigmas_alt``), ``s_c_mean``, ``f_u``/``_err``, ``f_dw``/``_err``,
``inm_relations``, ``equilibration``, ``quenches``, ``counts``, ``flags``, ``seed004``,
``analysis`` (version, commit, bootstrap seed; wall times are in provenance.json only),
``figures`` (with ``outputs``).

``results.h5``: attributes (N, D_inf, sigma^2, ...); ``temperatures/T{T:.3f}/`` per-replica
arrays (replicas, mean_eis_i, D_i, D_endpoint_i, D_valid_i, f_u_i, f_dw_i, eq_*), e_IS histogram
(eis_hist_edges, eis_hist_density), all quenched e_IS (eis_all), e_IS series (eis_times,
eis_series), MSD curves (msd_mean*, msd_i*, msd_direct*); ``table/`` the per-T columns;
``fit/`` the collapse points and fit coefficients with their bootstrap samples.

Units: energies per particle in epsilon unless called total, T in epsilon/k_B, times in tau,
D in sigma^2/tau.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pelkit import __version__
from pelkit.analysis.diffusion import find_t_msd, fit_diffusion, per_trajectory_diffusion
from pelkit.analysis.gaussian_landscape import (
    fit_gaussian,
    fit_mean_energy,
    per_trajectory_mean_energy,
)
from pelkit.analysis.landscape_diffusion import (
    DiffusivityModel,
    data_D_moments,
    landscape_D,
    model_D_moments,
    semi_empirical_D,
)
from pelkit.analysis.local_diffusivity import (
    collapse,
    derived_from_coefficients,
    fit_collapse,
    per_trajectory_sc,
)
from pelkit.analysis.msd import per_trajectory_msd
from pelkit.analysis.relations import D_INF_SEED004, fit_arrhenius, fit_D_vs_fu, fit_S_vs_ln_fu
from pelkit.errors import InputError
from pelkit.io.results import RunFolder, git_commit
from pelkit.io.task_files import file_mode
from pelkit.parallel import load_result
from pelkit.studies.ka_landscape.config import KAConfig

__all__ = ["SEED004", "TemperatureResult", "analyze", "analyze_temperature", "load_study_config"]

_KEY = re.compile(r"^T(\d+(?:\.\d+)?)_r(\d+)$")
_MAX_BAND_SAMPLES = 200
_FIT_NAMES = ("a0", "a1", "a2", "B", "alpha", "E0", "e0", "e_K", "T_K")

SEED004: dict[str, float] = {
    "sigma2": 18.0,
    "sigma2_err": 2.0,
    "n_particles": 155,
    "D_inf": 0.155,
    "B": 1.85,
    "alpha": 0.78,
    "E0": -1140.0,
    "e0": -1140.0 / 155.0,
    "e_K_printed": -7.81,
    "e_K_recomputed": -7.78047,
    "T_K_recomputed": 0.27284,
    "a0": 0.421622,
    "a1": 2.327327,
    "a2": -7.354839,
}
"""Seed 004 numbers [SEED] and their [RECOMP] per-particle consequences (SCIENCE.md 5.3-5.4)."""


def _nan() -> float:
    return float("nan")


def _entry(value: float, error: float = math.nan, low: float = math.nan,
           high: float = math.nan) -> dict[str, float]:
    return {"value": float(value), "error": float(error), "low": float(low), "high": float(high)}


# --------------------------------------------------------------------------------------------
# configuration and task discovery


def load_study_config(out_dir: Path, cfg: KAConfig | None = None) -> KAConfig:
    """The study config: ``cfg`` if given, else the run folder's ``config.toml`` (validated)."""
    if cfg is not None:
        return cfg
    if not (Path(out_dir) / "config.toml").is_file():
        raise InputError(f"no config.toml in {out_dir}; pass the study config")
    values = RunFolder(out_dir).read_config()
    try:
        return KAConfig(**values)
    except Exception as exc:  # pydantic ValidationError -> one clear line
        raise InputError(f"config.toml in {out_dir} is not a valid ka-landscape config: "
                         f"{str(exc).splitlines()[0]}") from None


def _discover(out_dir: Path, cfg: KAConfig) -> tuple[dict[float, list[tuple[int, Path]]], int]:
    """Production task files per configured temperature: {T: [(replica, path), ...]}."""
    prod = Path(out_dir) / "tasks" / "production"
    if not prod.is_dir():
        raise InputError(f"no production results in {prod}; run the study first")
    wanted = {f"{T:.3f}": T for T in cfg.temperatures}
    found: dict[float, list[tuple[int, Path]]] = {T: [] for T in cfg.temperatures}
    for path in sorted(prod.glob("*.npz")):
        m = _KEY.match(path.stem)
        if m is None:
            continue
        T = wanted.get(f"{float(m.group(1)):.3f}")
        if T is None:
            continue
        found[T].append((int(m.group(2)), path))
    n_found = sum(len(v) for v in found.values())
    if n_found == 0:
        raise InputError(f"no production task of the configured temperatures in {prod}")
    return {T: sorted(v) for T, v in found.items() if v}, n_found


# --------------------------------------------------------------------------------------------
# one temperature


@dataclass
class TemperatureResult:
    """Everything measured at one temperature (arrays over replicas in replica order).

    Attributes (units: tau, sigma^2, epsilon per particle, sigma^2/tau):
        T, replicas (n_rep,), t_msd1 (NaN if the averaged MSD never reaches 1), t_ref (window
        used for D_i and <e_IS>_i), t1_pilot, frame_dt, run_time.
        mean_lags, mean_msd: replica-averaged A-particle MSD (all origins, log lags).
        win_lags, msd_i (n_rep, n_lags): windowed per-replica MSD (origins in [0, t_ref]).
        direct_lags, direct_msd: replica-averaged all-origin MSD (linear lags) for D(T).
        D_i, D_endpoint_i, D_valid_i: seed-004 D_i, MSD_i(t_ref)/(6 t_ref), slope > 0.
        D_direct, D_direct_err, D_direct_diffusive, D_direct_window.
        eis_times (n_frames,), eis_series (n_rep, n_frames) with NaN for unconverged quenches.
        mean_eis_i (n_rep,): <e_IS>_i over [0, t_ref].
        eis_all: all converged quenched e_IS (pooled), with Gaussian fit mean/var (+ errors).
        f_u_i, f_dw_i (n_rep,): per-replica INM means (NaN without snapshots).
        eq_*: phase-A verdicts per replica (NaN / False where the file is missing).
        n_quenches, n_unconverged, max_quench_force.
        flags: human-readable warnings.
    """

    T: float
    replicas: np.ndarray
    t_msd1: float
    t_ref: float
    t1_pilot: float
    frame_dt: float
    run_time: float
    mean_lags: np.ndarray
    mean_msd: np.ndarray
    win_lags: np.ndarray
    msd_i: np.ndarray
    direct_lags: np.ndarray
    direct_msd: np.ndarray
    D_i: np.ndarray
    D_endpoint_i: np.ndarray
    D_valid_i: np.ndarray
    D_direct: float
    D_direct_err: float
    D_direct_diffusive: bool
    D_direct_window: tuple[float, float]
    eis_times: np.ndarray
    eis_series: np.ndarray
    mean_eis_i: np.ndarray
    eis_all: np.ndarray
    mean_eis: float
    mean_eis_err: float
    var_eis: float
    var_eis_err: float
    eis_skewness: float
    f_u_i: np.ndarray
    f_dw_i: np.ndarray
    eq_equilibrated: np.ndarray
    eq_msd_reached: np.ndarray
    eq_drift: np.ndarray
    eq_drift_err: np.ndarray
    eq_time: np.ndarray
    n_quenches: int
    n_unconverged: int
    max_quench_force: float
    flags: list[str] = field(default_factory=list)

    @property
    def n_rep(self) -> int:
        return int(self.replicas.size)


def _a_positions(res: dict[str, Any], n_frames: int) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(res["unwrapped"], dtype=np.float64)[:n_frames])


def _mean_or_nan(x: Any) -> float:
    a = np.asarray(x, dtype=np.float64).ravel()
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else _nan()


def _bootstrap_var(groups: list[np.ndarray], n_boot: int, rng: np.random.Generator) -> float:
    """Std of the pooled variance when whole replicas (groups) are resampled."""
    if len(groups) < 2 or n_boot < 2:
        return _nan()
    vals = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(groups), len(groups))
        x = np.concatenate([groups[k] for k in idx])
        if x.size > 1:
            vals.append(x.var(ddof=1))
    return float(np.std(vals, ddof=1)) if len(vals) > 1 else _nan()


def analyze_temperature(
    T: float,
    tasks: list[tuple[int, Path]],
    eq_dir: Path | None,
    *,
    n_boot: int = 200,
    seed: int = 0,
) -> TemperatureResult:
    """All per-T quantities of the module docstring from the production files of one T.

    Positions are streamed (two passes over the files), so memory is O(one trajectory).

    Args:
        T: the temperature. tasks: [(replica, production .npz path)].
        eq_dir: folder of the phase-A results (verdicts), or None.
        n_boot: bootstrap resamples for the variance error. seed: its seed.
    """
    flags: list[str] = []
    metas = []
    for replica, path in tasks:
        with np.load(path, allow_pickle=False) as data:
            metas.append((replica, path, int(data["times"].size)))
    n_frames = min(m[2] for m in metas)
    if n_frames < 4:
        raise InputError(f"T={T:g}: production runs have only {n_frames} frames")
    if any(m[2] != n_frames for m in metas):
        flags.append(f"replicas have different run lengths; truncated to {n_frames} frames")

    # pass 1: averaged MSD (all origins, log lags), e_IS series, INM, quench statistics
    times = None
    species = None
    mean_msd = None
    mean_lags = None
    series, conv_series, f_u_i, f_dw_i = [], [], [], []
    t1_pilot = frame_dt = _nan()
    n_unconv = 0
    max_force = 0.0
    for _, path, _ in metas:
        res = load_result(path)
        t = np.asarray(res["times"], dtype=np.float64)[:n_frames]
        if times is None:
            times = t
            species = np.asarray(res["species"])
            t1_pilot = float(res.get("t1_pilot", _nan()))
            frame_dt = float(res.get("frame_dt", t[1] - t[0]))
        elif not np.allclose(t, times, rtol=1e-9, atol=1e-12):
            raise InputError(f"T={T:g}: replicas were stored on different frame times")
        lags, msd, _ = per_trajectory_msd(
            [_a_positions(res, n_frames)], times, species, select=0, lags="log", n_lags=60
        )
        mean_msd = msd[0] if mean_msd is None else mean_msd + msd[0]
        mean_lags = lags
        e = np.asarray(res["e_is"], dtype=np.float64)[:n_frames]
        conv = np.asarray(res.get("quench_converged", np.ones(n_frames, bool)), bool)[:n_frames]
        conv = conv & np.isfinite(e)
        n_unconv += int(np.count_nonzero(~conv))
        if "quench_max_force" in res:
            mf = np.asarray(res["quench_max_force"], dtype=np.float64)[:n_frames]
            if mf.size and np.any(np.isfinite(mf)):
                max_force = max(max_force, float(np.nanmax(mf)))
        series.append(np.where(conv, e, np.nan))
        conv_series.append(conv)
        f_u_i.append(_mean_or_nan(res.get("f_u", [])))
        f_dw_i.append(_mean_or_nan(res.get("f_dw", [])))
    assert times is not None and mean_msd is not None and mean_lags is not None
    mean_msd = mean_msd / len(metas)
    run_time = float(times[-1] - times[0])

    try:
        t_msd1 = find_t_msd(mean_lags, mean_msd, 1.0)
        t_ref = t_msd1
    except InputError as exc:
        t_msd1 = _nan()
        t_ref = 0.5 * run_time
        flags.append(f"t_MSD=1 not found ({exc}); D_i and <e_IS>_i use t_ref = run/2 "
                     f"= {t_ref:.4g}")
    if np.isfinite(t_msd1) and 2.0 * t_msd1 > run_time * (1 + 1e-9):
        flags.append(
            f"t_MSD=1 = {t_msd1:.4g} exceeds half the run ({run_time:.4g}): fewer origins for "
            "D_i (pilot t_MSD=1 was too short)"
        )

    # pass 2: windowed per-replica MSD and the all-origin MSD for D(T)
    dt = float(times[1] - times[0])
    direct_max = 0.9 * run_time
    direct_step = max(1, int(round(direct_max / dt / 100.0)))
    msd_i, direct_curves = [], []
    win_lags = direct_lags = None
    for _, path, _ in metas:
        res = load_result(path)
        pos = _a_positions(res, n_frames)
        win_lags, m_i, _ = per_trajectory_msd(
            [pos], times, species, select=0, lags="linear", lag_step=1,
            origin_max_time=t_ref, max_lag_time=t_ref + dt,
        )
        msd_i.append(m_i[0])
        direct_lags, m_d, _ = per_trajectory_msd(
            [pos], times, species, select=0, lags="linear", lag_step=direct_step,
            max_lag_time=direct_max,
        )
        direct_curves.append(m_d[0])
    assert win_lags is not None and direct_lags is not None
    msd_i_arr = np.array(msd_i)
    t_ref = min(t_ref, float(win_lags[-1]))
    n = len(metas)
    try:
        diff = per_trajectory_diffusion(win_lags, msd_i_arr, t_ref, window=(0.5, 1.0))
        D_i, D_end, D_valid = diff.D_slope, diff.D_endpoint, diff.valid
        if diff.n_invalid:
            flags.append(f"{diff.n_invalid} replica(s) with MSD slope <= 0 (excluded from ln D)")
    except InputError as exc:
        D_i, D_end, D_valid = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, bool)
        flags.append(f"no per-replica D_i: {exc}")
    direct_curves_arr = np.array(direct_curves)
    direct_msd = direct_curves_arr.mean(axis=0)
    dfit = fit_diffusion(
        direct_lags, direct_msd,
        msd_blocks=direct_curves_arr if len(metas) >= 2 else None,
    )
    if not dfit.diffusive:
        flags.append("direct D(T): " + "; ".join(dfit.notes))

    # e_IS: per-replica means over [0, t_ref] (converged quenches) and the pooled distribution
    mean_eis_i = np.full(len(metas), np.nan)
    for k, (e, conv) in enumerate(zip(series, conv_series, strict=True)):
        if np.any(conv):
            try:
                mean_eis_i[k] = per_trajectory_mean_energy(
                    times[conv], e[conv][None, :], t_max=t_ref, t_start=float(times[0])
                )[0]
            except InputError:
                mean_eis_i[k] = np.nan
    if np.any(~np.isfinite(mean_eis_i)):
        flags.append(f"{int(np.sum(~np.isfinite(mean_eis_i)))} replica(s) without a converged "
                     "quench in [0, t_MSD=1]")
    groups = [e[np.isfinite(e)] for e in series]
    eis_all = np.concatenate(groups) if groups else np.zeros(0)
    if eis_all.size >= 3:
        g = fit_gaussian(eis_all)
        mean_e, mean_err, var_e, skew = g.mean, g.mean_err, g.var, g.skewness
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(round(T * 1e6))])
        var_err = _bootstrap_var(groups, max(n_boot, 50), rng)
        if not np.isfinite(var_err):
            var_err = g.var_err
        # the quenches of one trajectory are correlated: the error of the mean from replicas
        rep_means = np.array([x.mean() for x in groups if x.size])
        if rep_means.size >= 2:
            mean_err = max(mean_err, float(rep_means.std(ddof=1) / np.sqrt(rep_means.size)))
    else:
        mean_e = mean_err = var_e = var_err = skew = _nan()
        flags.append("fewer than 3 converged quenches")

    # phase-A verdicts
    eq_ok = np.zeros(n, bool)
    eq_msd = np.zeros(n, bool)
    eq_drift = np.full(n, np.nan)
    eq_drift_err = np.full(n, np.nan)
    eq_time = np.full(n, np.nan)
    missing_eq = 0
    for k, (_replica, path, _) in enumerate(metas):
        eq_path = None if eq_dir is None else Path(eq_dir) / path.name
        if eq_path is None or not eq_path.is_file():
            missing_eq += 1
            continue
        eq = load_result(eq_path)
        eq_ok[k] = bool(eq.get("equilibrated", False))
        eq_msd[k] = bool(eq.get("msd_reached", False))
        eq_drift[k] = float(eq.get("eis_drift", np.nan))
        eq_drift_err[k] = float(eq.get("eis_drift_error", np.nan))
        eq_time[k] = float(eq.get("eq_time", np.nan))
    if missing_eq:
        flags.append(f"{missing_eq} replica(s) without a phase-A result")
    if np.count_nonzero(eq_ok) < n - missing_eq:
        flags.append(f"{n - missing_eq - int(np.count_nonzero(eq_ok))} replica(s) failed the "
                     "equilibration criterion")

    return TemperatureResult(
        T=float(T),
        replicas=np.array([m[0] for m in metas], dtype=np.int64),
        t_msd1=float(t_msd1),
        t_ref=float(t_ref),
        t1_pilot=t1_pilot,
        frame_dt=frame_dt,
        run_time=run_time,
        mean_lags=np.asarray(mean_lags),
        mean_msd=np.asarray(mean_msd),
        win_lags=np.asarray(win_lags),
        msd_i=msd_i_arr,
        direct_lags=np.asarray(direct_lags),
        direct_msd=direct_msd,
        D_i=D_i,
        D_endpoint_i=D_end,
        D_valid_i=D_valid,
        D_direct=dfit.D,
        D_direct_err=dfit.D_err,
        D_direct_diffusive=dfit.diffusive,
        D_direct_window=(dfit.t_min, dfit.t_max),
        eis_times=np.asarray(times),
        eis_series=np.array(series),
        mean_eis_i=mean_eis_i,
        eis_all=eis_all,
        mean_eis=float(mean_e),
        mean_eis_err=float(mean_err),
        var_eis=float(var_e),
        var_eis_err=float(var_err),
        eis_skewness=float(skew),
        f_u_i=np.array(f_u_i),
        f_dw_i=np.array(f_dw_i),
        eq_equilibrated=eq_ok,
        eq_msd_reached=eq_msd,
        eq_drift=eq_drift,
        eq_drift_err=eq_drift_err,
        eq_time=eq_time,
        n_quenches=int(sum(c.size for c in conv_series)),
        n_unconverged=n_unconv,
        max_quench_force=float(max_force),
        flags=flags,
    )


def _equilibrated(eq_path: Path) -> bool:
    """The phase-A verdict of one replica (False when its file is missing)."""
    return eq_path.is_file() and bool(load_result(eq_path).get("equilibrated", False))


# --------------------------------------------------------------------------------------------
# across temperatures


def _combined_sigma2(per_T: np.ndarray, err: np.ndarray) -> tuple[float, float]:
    """Inverse-variance weighted mean of sigma^2(T); error max(formal, scatter / sqrt(n))."""
    ok = np.isfinite(per_T)
    x = per_T[ok]
    if x.size == 0:
        return _nan(), _nan()
    e = err[ok]
    if np.all(np.isfinite(e)) and np.all(e > 0):
        w = 1.0 / e**2
        mean = float(np.sum(w * x) / np.sum(w))
        formal = float(1.0 / np.sqrt(np.sum(w)))
    else:
        mean = float(x.mean())
        formal = _nan()
    scatter = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else _nan()
    cands = [v for v in (formal, scatter) if np.isfinite(v)]
    return mean, (max(cands) if cands else _nan())


def _d_inf(cfg: KAConfig, temps: np.ndarray, D: np.ndarray, D_err: np.ndarray,
           flags: list[str]) -> tuple[float, str, dict[str, Any]]:
    """D_inf used (config, Arrhenius fit, or the seed's value as a fallback) and the fit."""
    high = (temps >= cfg.d_inf_min_temperature) & np.isfinite(D) & (D > 0)
    arr: dict[str, Any] = {"temperatures": temps[high].tolist(), "D_inf": _entry(_nan()),
                           "E_a": _entry(_nan()), "available": False}
    if np.count_nonzero(high) >= 2:
        err = D_err[high]
        use_err = err if np.all(np.isfinite(err)) and np.all(err > 0) else None
        fit = fit_arrhenius(temps[high], D[high], use_err)
        arr.update(D_inf=_entry(fit.D_inf, fit.D_inf_err), E_a=_entry(fit.E_a, fit.E_a_err),
                   r2=fit.line.r2, available=True, weighted=use_err is not None)
    if cfg.d_inf is not None:
        return float(cfg.d_inf), "config", arr
    if arr["available"]:
        return float(arr["D_inf"]["value"]), "arrhenius", arr
    flags.append(
        f"fewer than 2 temperatures >= {cfg.d_inf_min_temperature:g} with a positive D: "
        f"D_inf = {D_INF_SEED004} (seed 004) used"
    )
    return D_INF_SEED004, "seed004-fallback", arr


def _boot_entry(value: float, samples: np.ndarray, level: float,
                fallback_err: float = math.nan) -> dict[str, float]:
    """{value, error, low, high}: error = half the central 68.3 % bootstrap interval (robust to
    the heavy tails of quantities like B ~ 1/a1 when a1 is barely resolved; equal to the
    standard deviation for a Gaussian), low/high = the central ``level`` interval."""
    x = np.asarray(samples, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return _entry(value, fallback_err)
    q16, q84 = np.quantile(x, [0.158655, 0.841345])
    lo, hi = np.quantile(x, [0.5 * (1 - level), 0.5 * (1 + level)])
    return _entry(value, 0.5 * float(q84 - q16), float(lo), float(hi))


def _fit_entries(fit: Any, sigma2: float, sigma2_err: float, n_particles: int) -> dict[str, Any]:
    """{a0, a1, a2, B, alpha, E0, e0, e_K, T_K: {value, error, low, high}} (module docstring).

    Errors from the bootstrap samples of (a0, a1, a2) (:func:`_boot_entry`; the fit covariance
    without bootstrap); for B, alpha, T_K the sigma^2 uncertainty is added in quadrature."""
    out: dict[str, Any] = {}
    boot = np.asarray(fit.boot_samples).reshape(-1, 3)
    for k, name in enumerate(("a0", "a1", "a2")):
        out[name] = _boot_entry(fit.a[k], boot[:, k], fit.level, fit.a_err[k])
    best = derived_from_coefficients(fit.a, sigma2, n_particles, strict=False)
    derived_boot = [derived_from_coefficients(b, sigma2, n_particles, strict=False)
                    for b in boot]
    for name in ("B", "alpha", "E0", "e0", "e_K", "T_K"):
        value = best[name]
        if not np.isfinite(value):
            out[name] = _entry(_nan())
            continue
        ent = _boot_entry(value, np.array([d[name] for d in derived_boot]), fit.level)
        err = ent["error"]
        # propagate the sigma^2 uncertainty (B, alpha, T_K depend on it; e0, E0, e_K do not)
        if np.isfinite(sigma2_err) and sigma2_err > 0 and sigma2 > sigma2_err:
            hi = derived_from_coefficients(fit.a, sigma2 + sigma2_err, n_particles, strict=False)
            lo = derived_from_coefficients(fit.a, sigma2 - sigma2_err, n_particles, strict=False)
            ds = 0.5 * abs(hi[name] - lo[name])
            if np.isfinite(ds) and ds > 0:
                err = float(np.hypot(err, ds)) if np.isfinite(err) else float(ds)
        ent["error"] = err
        out[name] = ent
    return out


def _collapse_fit(
    cfg: KAConfig,
    results: list[TemperatureResult],
    D_inf: float,
    sigma2: float,
    sigma2_err: float,
    n_particles: int,
    flags: list[str],
) -> tuple[Any, dict[str, Any], dict[str, np.ndarray]]:
    """Collapse y_i = T ln(D_i/D_inf) at the landscape temperatures and the fit of f(e)."""
    def gather(rs: list[TemperatureResult]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not rs:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        T = np.concatenate([np.full(r.n_rep, r.T) for r in rs])
        D = np.concatenate([np.where(r.D_valid_i, r.D_i, np.nan) for r in rs])
        e = np.concatenate([r.mean_eis_i for r in rs])
        return T, D, e

    low = [r for r in results if r.T <= cfg.low_t_max]
    T, D, e = gather(low)
    data = collapse(T, D, e, D_inf) if T.size else None
    used = "landscape"
    if data is None or data.y.size < 4 or np.count_nonzero(data.y < 0) < 3:
        if len(low) < len(results):
            flags.append(
                f"too few usable trajectories at T <= low_t_max = {cfg.low_t_max:g} for the "
                "collapse fit: all temperatures used"
            )
            T, D, e = gather(results)
            data = collapse(T, D, e, D_inf)
            used = "all"
    info: dict[str, Any] = {"temperature_set": used, "n_points": 0, "temperatures": [],
                            "n_excluded": 0, "done": False, "flags": []}
    arrays = {"e": np.zeros(0), "y": np.zeros(0), "T": np.zeros(0)}
    if data is None:
        info["flags"].append("no trajectory for the collapse")
        return None, info, arrays
    arrays = {"e": data.e, "y": data.y, "T": data.T}
    temps_used = sorted(set(data.T.tolist()))
    info.update(n_points=int(data.y.size), temperatures=temps_used,
                n_excluded=data.n_excluded)
    fit = None
    try:
        fit = fit_collapse(data.e, data.y, T=data.T, n_boot=cfg.bootstrap, seed=cfg.seed)
    except InputError as exc:
        info["flags"].append(f"collapse fit not possible: {exc}")
        flags.append(f"collapse fit not possible: {exc}")
    if fit is None:
        return None, info, arrays
    reasons = []
    if len(temps_used) < 3:
        reasons.append(f"only {len(temps_used)} temperature(s)")
    if data.y.size < 30:
        reasons.append(f"only {data.y.size} trajectories")
    if np.isfinite(fit.ci_low[1]) and fit.ci_low[1] <= 0.0:
        reasons.append("bootstrap interval of a1 includes 0 (curvature of 1/f not resolved)")
    if fit.a[1] <= 0 or fit.a[0] <= 0:
        reasons.append("a0 or a1 <= 0: no Gaussian-landscape reading")
    info.update(
        done=True,
        entries=_fit_entries(fit, sigma2, sigma2_err, n_particles),
        a_start=fit.a_start.tolist(),
        c_poly=fit.c_poly.tolist(),
        rms=fit.rms,
        converged=fit.converged,
        n_boot=fit.n_boot,
        n_boot_failed=fit.n_boot_failed,
        level=fit.level,
        bootstrap_seed=cfg.seed,
        stratified=fit.stratified,
        weakly_constrained=bool(reasons),
        weak_reasons=reasons,
    )
    info["flags"].extend(fit.notes)
    if reasons:
        flags.append("collapse fit weakly constrained: " + "; ".join(reasons))
    return fit, info, arrays


def _solve_constrained(e: np.ndarray, y: np.ndarray, e0: float,
                       s2i: float) -> tuple[float, float] | None:
    """(B, alpha) of y = -B / (alpha - (e - e0)^2 / (2 s2i)) (points with y < 0).

    Start: the linear fit 1/f = alpha/B - q/B with q = (e - e0)^2/(2 s2i), f = -y; then
    least squares on y (kept only if it converges without crossing the pole)."""
    from scipy.optimize import least_squares

    q = (e - e0) ** 2 / (2.0 * s2i)
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


def _constrained_fit(
    coll: dict[str, np.ndarray], mf: Any, n_particles: int, n_boot: int, seed: int,
    level: float = 0.95,
) -> dict[str, Any]:
    """Landscape-constrained Adam-Gibbs fit of the collapse (SCIENCE.md 5.4, f = B / s_c(e)).

    s_c(e) = alpha - (e - e0)^2 / (2 sigma_int^2) with e0 and sigma_int^2 taken from the fit of
    <e_IS>(T) = e0 - sigma_int^2 / T (the same Gaussian landscape, thermodynamics only), so only
    B and alpha are fitted to y_i = T ln(D_i / D_inf) = -B / s_c(<e_IS>_i). Equivalent to the free
    fit with a2 = e0 and a1 = 1 / (2 sigma_int^2 B) imposed; much better conditioned when the
    sampled e_IS window is narrow. Bootstrap: trajectories resampled within each T and (e0,
    sigma_int^2) drawn from their fit covariance in every replicate.
    """
    out: dict[str, Any] = {"available": False}
    use = coll["y"] < 0
    e, y, T = coll["e"][use], coll["y"][use], coll["T"][use]
    if mf is None or e.size < 3 or not (mf.sigma2_int > 0):
        out["note"] = "needs the <e_IS>(1/T) fit with sigma_int^2 > 0 and >= 3 points with y < 0"
        return out
    best = _solve_constrained(e, y, mf.e0, mf.sigma2_int)
    if best is None:
        out["note"] = "linear start failed"
        return out
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 7])
    groups = [np.flatnonzero(T == t) for t in np.unique(T)]
    cov = np.asarray(mf.cov, dtype=np.float64)
    if not np.all(np.isfinite(cov)):
        cov = np.zeros((2, 2))
    samples = []
    for _ in range(int(n_boot)):
        idx = np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups])
        e0b, s2b = rng.multivariate_normal([mf.e0, mf.sigma2_int], cov)
        if s2b <= 0:
            continue
        sol = _solve_constrained(e[idx], y[idx], e0b, s2b)
        if sol is not None:
            samples.append((sol[0], sol[1], e0b, s2b))

    def derived(B: float, alpha: float, e0: float, s2i: float) -> dict[str, float]:
        ok_b = B > 0
        return {
            "a0": alpha / B, "a1": 1.0 / (2.0 * s2i * B), "a2": e0, "B": B, "alpha": alpha,
            "E0": n_particles * e0, "e0": e0,
            "e_K": e0 - float(np.sqrt(2.0 * alpha * s2i)) if alpha > 0 else _nan(),
            "T_K": float(np.sqrt(s2i / (2.0 * alpha))) if alpha > 0 and ok_b else _nan(),
        }

    value = derived(best[0], best[1], mf.e0, mf.sigma2_int)
    boot = [derived(*smp) for smp in samples]
    entries = {name: _boot_entry(v, np.array([b[name] for b in boot]), level)
               for name, v in value.items()}
    # 1/B = 2 sigma_int^2 a1: the curvature; unresolved when its interval reaches 0
    inv_B = np.array([1.0 / smp[0] for smp in samples]) if samples else np.zeros(0)
    reasons = []
    if e.size < 30:
        reasons.append(f"only {e.size} trajectories")
    if inv_B.size >= 2 and np.quantile(inv_B, 0.5 * (1 - level)) <= 0:
        reasons.append("bootstrap interval of 1/B includes 0 (curvature of 1/f not resolved)")
    a = np.array([value["a0"], value["a1"], value["a2"]])
    f_i = -y
    pred = 1.0 / (a[0] - a[1] * (e - a[2]) ** 2)
    reading = best[0] > 0 and best[1] > 0
    out.update(
        available=True,
        landscape_reading=bool(reading),
        n_points=int(e.size),
        rms=float(np.sqrt(np.mean((f_i - pred) ** 2))) if reading else _nan(),
        n_boot=int(n_boot),
        n_boot_ok=len(samples),
        level=level,
        sigma2_total_used=float(mf.sigma2),
        weakly_constrained=bool(reasons),
        weak_reasons=reasons,
        note=("e0 and sigma_int^2 fixed by <e_IS>(T) = e0 - sigma_int^2/T; B and alpha fitted "
              "to the collapse"),
        **entries,
    )
    out["_a"] = a
    out["_boot_a"] = np.array([[b["a0"], b["a1"], b["a2"]] for b in boot]).reshape(-1, 3)
    return out


def _model_or_none(a: np.ndarray, D_inf: float) -> DiffusivityModel | None:
    try:
        return DiffusivityModel.from_coefficients(a, D_inf)
    except InputError:
        return None


def _model_quantities(
    cfg: KAConfig, results: list[TemperatureResult], a: np.ndarray | None,
    boot_a: np.ndarray, level: float, D_inf: float, sigma_e: float,
) -> dict[str, np.ndarray]:
    """Eq 5 D(T) (with bootstrap band), semi-empirical D, model <D><1/D> per T for the
    coefficients ``a`` (bootstrap samples ``boot_a`` (n, 3) for the band)."""
    nT = len(results)
    out = {k: np.full(nT, np.nan) for k in (
        "D_eq5", "D_eq5_low", "D_eq5_high", "D_semi", "DinvD_model", "DinvD_model_alt",
        "e_cut", "s_c_mean")}
    if a is None or not np.isfinite(sigma_e) or sigma_e <= 0:
        return out
    model = _model_or_none(a, D_inf)
    if model is None:
        return out
    boot = np.asarray(boot_a).reshape(-1, 3)[:_MAX_BAND_SAMPLES]
    boot_models = [m for m in (_model_or_none(b, D_inf) for b in boot) if m is not None]
    q = (0.5 * (1 - level), 0.5 * (1 + level))
    for k, r in enumerate(results):
        if not np.isfinite(r.mean_eis):
            continue
        out["D_eq5"][k] = landscape_D(model, r.T, r.mean_eis, sigma_e)
        if len(boot_models) >= 2:
            band = [landscape_D(m, r.T, r.mean_eis, sigma_e) for m in boot_models]
            out["D_eq5_low"][k], out["D_eq5_high"][k] = np.quantile(band, q)
        e_ok = r.mean_eis_i[np.isfinite(r.mean_eis_i)]
        if e_ok.size:
            out["D_semi"][k] = semi_empirical_D(model, e_ok, r.T)
        for key, cut in (("DinvD_model", cfg.cut_sigmas), ("DinvD_model_alt", cfg.cut_sigmas + 1)):
            try:
                mom = model_D_moments(model, r.T, r.mean_eis, sigma_e, cut_sigma=cut)
                out[key][k] = mom.product
                if key == "DinvD_model":
                    out["e_cut"][k] = mom.e_cut
            except InputError:
                pass
    return out


def _inm_relations(
    results: list[TemperatureResult],
    table: dict[str, np.ndarray],
    y_all: dict[str, np.ndarray],
    B: float,
    s_c_T: np.ndarray,
) -> dict[str, Any]:
    """Seed 000 relations on KA data: D vs f_u (and f_dw), s_c vs ln f_u (SCIENCE.md 5.6)."""
    out: dict[str, Any] = {}

    def prop(f: np.ndarray, D: np.ndarray, what: str) -> dict[str, Any]:
        ok = np.isfinite(f) & np.isfinite(D) & (D > 0) & (f >= 0)
        if np.count_nonzero(ok & (f > 0)) < 3:
            return {"available": False, "n": int(np.count_nonzero(ok)),
                    "note": f"fewer than 3 points with {what} > 0"}
        try:
            p = fit_D_vs_fu(f[ok], D[ok])
        except InputError as exc:
            return {"available": False, "n": int(np.count_nonzero(ok)), "note": str(exc)}
        return {"available": True, "k": _entry(p.k, p.k_err),
                "exponent": _entry(p.exponent, p.exponent_err),
                "ln_prefactor": _entry(p.loglog.intercept, p.loglog.intercept_err),
                "r2_loglog": p.loglog.r2,
                "n": p.n}

    def line(f: np.ndarray, S: np.ndarray) -> dict[str, Any]:
        ok = np.isfinite(f) & np.isfinite(S) & (f > 0)
        if np.count_nonzero(ok) < 3 or np.unique(f[ok]).size < 2:
            return {"available": False, "n": int(np.count_nonzero(ok))}
        ln = fit_S_vs_ln_fu(f[ok], S[ok])
        return {"available": True, "slope": _entry(ln.slope, ln.slope_err),
                "intercept": _entry(ln.intercept, ln.intercept_err), "r2": ln.r2, "n": ln.n}

    f_u_i = np.concatenate([r.f_u_i for r in results])
    f_dw_i = np.concatenate([r.f_dw_i for r in results])
    D_i = np.concatenate([np.where(r.D_valid_i, r.D_i, np.nan) for r in results])
    out["D_vs_f_u_T"] = prop(table["f_u"], table["D_direct"], "f_u")
    out["D_vs_f_dw_T"] = prop(table["f_dw"], table["D_direct"], "f_dw")
    out["D_vs_f_u_replicas"] = prop(f_u_i, D_i, "f_u")
    out["D_vs_f_dw_replicas"] = prop(f_dw_i, D_i, "f_dw")
    out["s_c_vs_ln_f_u_T"] = line(table["f_u"], s_c_T)
    out["s_c_vs_ln_f_dw_T"] = line(table["f_dw"], s_c_T)
    sc_i = np.full(f_u_i.shape, np.nan)
    if np.isfinite(B):
        y = y_all["y"]
        sc_i = np.where(y < 0, per_trajectory_sc(np.where(y < 0, y, -1.0), B), np.nan)
    out["s_c_vs_ln_f_u_replicas"] = line(y_all["f_u"], sc_i) if "f_u" in y_all else {
        "available": False}
    out["note"] = (
        "D from the direct MSD per T and the seed-004 D_i per replica; s_c(T) = s_c(<e_IS>(T)) "
        "of the fitted landscape, s_c,i = B/f_i with f_i = -T ln(D_i/D_inf); seed 000 predicts "
        "D proportional to f_u (exponent 1) and s_c = a + b ln f_u."
    )
    return out


# --------------------------------------------------------------------------------------------
# output


def _write_h5(path: Path, results: list[TemperatureResult],
              table: dict[str, np.ndarray], fit: Any, coll: dict[str, np.ndarray],
              attrs: dict[str, Any], extra_fit: dict[str, np.ndarray]) -> None:
    """results.h5, written to a temporary file and renamed (atomic)."""
    import os
    import tempfile

    import h5py

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results.", suffix=".h5.tmp")
    os.fchmod(fd, file_mode())  # readable as the umask allows, not mkstemp's 0600
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as h5:
            for k, v in attrs.items():
                h5.attrs[k] = v
            gt = h5.create_group("temperatures")
            for r in results:
                g = gt.create_group(f"T{r.T:.3f}")
                for k in ("T", "t_msd1", "t_ref", "t1_pilot", "frame_dt", "run_time",
                          "D_direct", "D_direct_err", "mean_eis", "var_eis", "var_eis_err",
                          "mean_eis_err", "eis_skewness"):
                    g.attrs[k] = float(getattr(r, k))
                g.attrs["flags"] = "\n".join(r.flags)
                hist, edges = (np.histogram(r.eis_all, bins="auto", density=True)
                               if r.eis_all.size else (np.zeros(0), np.zeros(1)))
                arrays = {
                    "replicas": r.replicas,
                    "eis_all": r.eis_all,
                    "eis_hist_density": hist,
                    "eis_hist_edges": edges,
                    "eis_times": r.eis_times,
                    "eis_series": r.eis_series,
                    "mean_eis_i": r.mean_eis_i,
                    "D_i": r.D_i,
                    "D_endpoint_i": r.D_endpoint_i,
                    "D_valid_i": r.D_valid_i,
                    "f_u_i": r.f_u_i,
                    "f_dw_i": r.f_dw_i,
                    "msd_mean_lag_times": r.mean_lags,
                    "msd_mean": r.mean_msd,
                    "msd_i_lag_times": r.win_lags,
                    "msd_i": r.msd_i,
                    "msd_direct_lag_times": r.direct_lags,
                    "msd_direct": r.direct_msd,
                    "eq_equilibrated": r.eq_equilibrated,
                    "eq_msd_reached": r.eq_msd_reached,
                    "eq_eis_drift": r.eq_drift,
                    "eq_eis_drift_error": r.eq_drift_err,
                    "eq_time": r.eq_time,
                }
                for k, v in arrays.items():
                    g.create_dataset(k, data=np.asarray(v))
            gtab = h5.create_group("table")
            for k, v in table.items():
                gtab.create_dataset(k, data=np.asarray(v))
            gfit = h5.create_group("fit")
            for k, v in coll.items():
                gfit.create_dataset(f"collapse_{k}", data=np.asarray(v))
            for k, v in extra_fit.items():
                gfit.create_dataset(k, data=np.asarray(v))
            if fit is not None:
                gfit.create_dataset("a", data=fit.a)
                gfit.create_dataset("a_err", data=fit.a_err)
                gfit.create_dataset("a_start", data=fit.a_start)
                gfit.create_dataset("boot_samples", data=fit.boot_samples)
                gfit.create_dataset("ci_low", data=fit.ci_low)
                gfit.create_dataset("ci_high", data=fit.ci_high)
                gfit.attrs["level"] = fit.level
                gfit.attrs["rms"] = fit.rms
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def analyze(
    out_dir: Path,
    cfg: KAConfig | None = None,
    *,
    outputs: bool = True,
    require_equilibrated: bool = False,
    partial: list[str] | None = None,
) -> dict[str, Any]:
    """Analyse a finished (or partly finished) campaign; see the module docstring.

    Args:
        out_dir: the run folder (holds ``tasks/``; ``config.toml`` is read when ``cfg`` is None).
        cfg: the study configuration (its analysis fields: ``d_inf``, ``d_inf_min_temperature``,
            ``low_t_max``, ``cut_sigmas``, ``bootstrap``, ``seed``).
        outputs: also draw ``figures/*.png`` and write ``report.md``.
        require_equilibrated: analyse only replicas whose phase-A verdict passed.
        partial: the task results known to be missing or damaged (``--partial``); named in the
            flags and the report.
    Returns:
        The summary dictionary written to ``summary.json`` (NaN where a value is undefined).
    """
    out_dir = Path(out_dir)
    cfg = load_study_config(out_dir, cfg)
    found, n_found = _discover(out_dir, cfg)
    folder = RunFolder(out_dir)
    eq_dir = out_dir / "tasks" / "equilibrate"
    flags: list[str] = []
    if partial:
        flags.append(f"partial analysis (--partial): {len(partial)} task results missing or "
                     f"damaged and left out: {'; '.join(partial)}")
    results: list[TemperatureResult] = []
    for T, tasks in found.items():
        if require_equilibrated:
            tasks = [(r, p) for r, p in tasks if _equilibrated(eq_dir / p.name)]
            if not tasks:
                flags.append(f"T={T:g}: no equilibrated replica; temperature dropped")
                continue
        r = analyze_temperature(T, tasks, eq_dir if eq_dir.is_dir() else None,
                                n_boot=cfg.bootstrap, seed=cfg.seed)
        if require_equilibrated:
            r.flags.append(f"analysed only the {r.n_rep} equilibrated replicas")
        results.append(r)
    if not results:
        raise InputError("no temperature left to analyse")
    missing_T = [T for T in cfg.temperatures if T not in found]
    if missing_T:
        flags.append(f"no production results at T = {', '.join(f'{t:g}' for t in missing_T)}")
    n_expected = len(cfg.temperatures) * cfg.n_replicas
    if n_found < n_expected:
        flags.append(f"{n_expected - n_found} of {n_expected} production tasks missing")
    for r in results:
        flags.extend(f"T={r.T:g}: {f}" for f in r.flags)

    n_particles = int(cfg.n_particles)
    temps = np.array([r.T for r in results])
    table: dict[str, np.ndarray] = {
        "T": temps,
        "n_replicas": np.array([r.n_rep for r in results]),
        "t_msd1": np.array([r.t_msd1 for r in results]),
        "t1_pilot": np.array([r.t1_pilot for r in results]),
        "mean_eis": np.array([r.mean_eis for r in results]),
        "mean_eis_err": np.array([r.mean_eis_err for r in results]),
        "var_eis": np.array([r.var_eis for r in results]),
        "var_eis_err": np.array([r.var_eis_err for r in results]),
        "D_direct": np.array([r.D_direct for r in results]),
        "D_direct_err": np.array([r.D_direct_err for r in results]),
        "f_u": np.array([_mean_or_nan(r.f_u_i) for r in results]),
        "f_dw": np.array([_mean_or_nan(r.f_dw_i) for r in results]),
    }

    def sem(x: np.ndarray) -> float:
        x = x[np.isfinite(x)]
        return float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else _nan()

    table["f_u_err"] = np.array([sem(r.f_u_i) for r in results])
    table["f_dw_err"] = np.array([sem(r.f_dw_i) for r in results])
    table["sigma2_total"] = table["var_eis"] * n_particles**2
    table["sigma2_total_err"] = table["var_eis_err"] * n_particles**2

    # Gaussian landscape: sigma^2 and the mean e_IS against 1/T at the landscape temperatures
    land = temps <= cfg.low_t_max
    land_set = "landscape"
    if np.count_nonzero(land & np.isfinite(table["mean_eis"])) < 2:
        flags.append(f"fewer than 2 temperatures <= low_t_max = {cfg.low_t_max:g}: mean-e_IS "
                     "fit and sigma^2 use all temperatures")
        land = np.ones_like(land)
        land_set = "all"
    sigma2, sigma2_err = _combined_sigma2(table["sigma2_total"][land],
                                          table["sigma2_total_err"][land])
    mean_fit: dict[str, Any] = {"available": False, "temperatures": temps[land].tolist(),
                                "temperature_set": land_set}
    ok = land & np.isfinite(table["mean_eis"])
    mf = None
    if np.unique(temps[ok]).size >= 2:
        errs = table["mean_eis_err"][ok]
        use_err = errs if np.all(np.isfinite(errs)) and np.all(errs > 0) else None
        mf = fit_mean_energy(temps[ok], table["mean_eis"][ok], use_err, n_particles)
        mean_fit.update(available=True, e0=_entry(mf.e0, mf.e0_err),
                        sigma2_int=_entry(mf.sigma2_int, mf.sigma2_int_err),
                        sigma2_total=_entry(mf.sigma2, mf.sigma2_err), chi2_red=mf.chi2_red,
                        weighted=mf.weighted)
    sigma_e = float(np.sqrt(sigma2)) / n_particles if np.isfinite(sigma2) else _nan()

    # D_inf, collapse, fit, derived landscape
    D_inf, D_inf_source, arrhenius = _d_inf(cfg, temps, table["D_direct"],
                                            table["D_direct_err"], flags)
    fit, fit_info, coll = _collapse_fit(cfg, results, D_inf,
                                        sigma2 if np.isfinite(sigma2) else 18.0,
                                        sigma2_err, n_particles, flags)
    if not np.isfinite(sigma2):
        flags.append("no e_IS variance: derived B and alpha use the seed's sigma^2 = 18")
    entries = fit_info.get("entries") or {name: _entry(_nan()) for name in _FIT_NAMES}
    cons = _constrained_fit(coll, mf, n_particles, cfg.bootstrap, cfg.seed)
    if cons.get("weakly_constrained"):
        flags.append("constrained fit weakly constrained: " + "; ".join(cons["weak_reasons"]))
    cons_a = cons.pop("_a", None)
    cons_boot = cons.pop("_boot_a", np.zeros((0, 3)))
    # the model behind eq 5, <D><1/D>, s_c: the free fit when it has a Gaussian-landscape
    # reading (a0, a1 > 0 and B finite), else the landscape-constrained fit
    B_free = entries.get("B", {}).get("value", _nan())
    if fit is not None and fit.a[0] > 0 and fit.a[1] > 0 and np.isfinite(B_free):
        model_source, model_a, model_boot, B = "free fit", fit.a, fit.boot_samples, B_free
        model_entries = entries
    elif cons.get("available") and cons.get("landscape_reading"):
        model_source, model_a, model_boot = "landscape-constrained fit", cons_a, cons_boot
        B = cons["B"]["value"]
        model_entries = {k: cons[k] for k in _FIT_NAMES}
        flags.append("the free collapse fit has no Gaussian-landscape reading: eq 5, "
                     "<D><1/D> (model) and s_c use the landscape-constrained fit")
    else:
        model_source, model_a, model_boot, B = "none", None, np.zeros((0, 3)), _nan()
        model_entries = {k: _entry(_nan()) for k in _FIT_NAMES}
        flags.append("no usable model f(e): eq 5, <D><1/D> (model) and s_c are undefined")
    table["y_i_mean"] = np.array([
        _mean_or_nan(r.T * np.log(np.where(r.D_valid_i & (r.D_i > 0), r.D_i, np.nan) / D_inf))
        for r in results
    ])
    level = fit.level if fit is not None else 0.95
    model_q = _model_quantities(cfg, results, model_a, model_boot, level, D_inf, sigma_e)
    table.update(model_q)
    if model_a is not None and np.isfinite(B):
        a0, a1, a2 = model_a
        table["s_c_mean"] = B * (a0 - a1 * (table["mean_eis"] - a2) ** 2)

    # <D><1/D> from data
    dd = np.full(len(results), np.nan)
    dd_err = np.full(len(results), np.nan)
    n_invalid = []
    for k, r in enumerate(results):
        n_invalid.append(int(np.count_nonzero(~r.D_valid_i)))
        try:
            mom = data_D_moments(r.D_i, n_boot=cfg.bootstrap, seed=cfg.seed)
            dd[k], dd_err[k] = mom.product, mom.product_err
        except InputError:
            pass
    table["DinvD_data"] = dd
    table["DinvD_data_err"] = dd_err

    # INM relations
    f_u_all = np.concatenate([r.f_u_i for r in results])
    y_all = np.concatenate([
        r.T * np.log(np.where(r.D_valid_i & (r.D_i > 0), r.D_i, np.nan) / D_inf)
        for r in results])
    inm = _inm_relations(results, table, {"y": y_all, "f_u": f_u_all}, B, table["s_c_mean"])

    # per-T descriptive statistics of D_i and <e_IS>_i
    def d_spread(r: TemperatureResult) -> float:
        d = r.D_i[r.D_valid_i]
        return float(np.log10(d.max() / d.min())) if d.size >= 2 else _nan()

    traj: dict[str, list[float]] = {"mean": [], "var": [], "skewness": [], "min": [], "max": []}
    for r in results:
        e = r.mean_eis_i[np.isfinite(r.mean_eis_i)]
        traj["min"].append(float(e.min()) if e.size else _nan())
        traj["max"].append(float(e.max()) if e.size else _nan())
        if e.size >= 3:
            g = fit_gaussian(e)
            traj["mean"].append(g.mean)
            traj["var"].append(g.var)
            traj["skewness"].append(g.skewness)
        else:
            traj["mean"].append(_mean_or_nan(e))
            traj["var"].append(_nan())
            traj["skewness"].append(_nan())

    def ls(x: Any) -> list[float]:
        return [float(v) for v in np.asarray(x, dtype=np.float64)]

    drift_sig = [np.abs(r.eq_drift / r.eq_drift_err) for r in results]
    summary: dict[str, Any] = {
        "study": "ka-landscape",
        "preset": cfg.preset,
        "seed": cfg.seed,
        "n_particles": n_particles,
        "temperatures": ls(temps),
        "n_replicas": int(cfg.n_replicas),
        "n_replicas_analysed": [r.n_rep for r in results],
        "landscape_temperatures": ls(temps[temps <= cfg.low_t_max]),
        "low_t_max": cfg.low_t_max,
        "t_msd1": ls(table["t_msd1"]),
        "t1_pilot": ls(table["t1_pilot"]),
        "mean_eis": ls(table["mean_eis"]),
        "mean_eis_err": ls(table["mean_eis_err"]),
        "var_eis": ls(table["var_eis"]),
        "var_eis_err": ls(table["var_eis_err"]),
        "eis_skewness": [r.eis_skewness for r in results],
        "sigma2_total": _entry(sigma2, sigma2_err),
        "sigma2_total_per_T": ls(table["sigma2_total"]),
        "sigma2_total_per_T_err": ls(table["sigma2_total_err"]),
        "sigma_e": sigma_e,
        "mean_eis_fit": mean_fit,
        "traj_mean_eis": traj,
        "D_direct": ls(table["D_direct"]),
        "D_direct_err": ls(table["D_direct_err"]),
        "D_direct_diffusive": [bool(r.D_direct_diffusive) for r in results],
        "D_i_median": [float(np.median(r.D_i[r.D_valid_i])) if np.any(r.D_valid_i) else _nan()
                       for r in results],
        "D_i_spread_decades": [d_spread(r) for r in results],
        "n_nonpositive_slopes": n_invalid,
        "D_inf": float(D_inf),
        "D_inf_source": D_inf_source,
        "D_inf_arrhenius": arrhenius,
        "fit": {**entries, **{k: v for k, v in fit_info.items() if k != "entries"}},
        "fit_constrained": cons,
        "model": {"source": model_source, **model_entries},
        "D_eq5": ls(table["D_eq5"]),
        "D_eq5_low": ls(table["D_eq5_low"]),
        "D_eq5_high": ls(table["D_eq5_high"]),
        "D_semi_empirical": ls(table["D_semi"]),
        "D_times_inv_D": ls(dd),
        "D_times_inv_D_err": ls(dd_err),
        "D_times_inv_D_model": ls(table["DinvD_model"]),
        "D_times_inv_D_model_alt": ls(table["DinvD_model_alt"]),
        "cut_sigmas": cfg.cut_sigmas,
        "cut_sigmas_alt": cfg.cut_sigmas + 1.0,
        "s_c_mean": ls(table["s_c_mean"]),
        "f_u": ls(table["f_u"]),
        "f_u_err": ls(table["f_u_err"]),
        "f_dw": ls(table["f_dw"]),
        "f_dw_err": ls(table["f_dw_err"]),
        "inm_relations": inm,
        "inm_model": cfg.inm_model,
        "equilibration": {
            "n_equilibrated": [int(np.count_nonzero(r.eq_equilibrated)) for r in results],
            "n_msd_reached": [int(np.count_nonzero(r.eq_msd_reached)) for r in results],
            "max_abs_drift_sigmas": [float(np.nanmax(d)) if np.any(np.isfinite(d)) else _nan()
                                     for d in drift_sig],
            "mean_drift": [_mean_or_nan(r.eq_drift) for r in results],
            "mean_eq_time": [_mean_or_nan(r.eq_time) for r in results],
            "criterion": (
                f"A-particle MSD >= {cfg.eq_msd_target:g} sigma^2 after >= {cfg.eq_min_time:g} "
                f"tau and |e_IS drift| <= {cfg.eq_drift_sigmas:g} standard errors"
            ),
            "require_equilibrated": require_equilibrated,
        },
        "quenches": {
            "n_total": [r.n_quenches for r in results],
            "n_unconverged": [r.n_unconverged for r in results],
            "max_force_max": [r.max_quench_force for r in results],
            "fmax": cfg.quench_fmax,
            "method": cfg.quench_method,
        },
        "counts": {"n_tasks_expected": n_expected, "n_tasks_found": n_found,
                   "n_tasks_missing": n_expected - n_found},
        "flags": flags,
        "seed004": dict(SEED004),
        "analysis": {
            "pelkit_version": __version__,
            "git_commit": git_commit(),
            "bootstrap": cfg.bootstrap,
            "bootstrap_seed": cfg.seed,
        },
    }
    attrs = {"n_particles": n_particles, "D_inf": D_inf, "D_inf_source": D_inf_source,
             "model_source": model_source,
             "sigma2_total": sigma2, "sigma_e": sigma_e, "cut_sigmas": cfg.cut_sigmas,
             "low_t_max": cfg.low_t_max, "seed": cfg.seed, "pelkit_version": __version__}
    _write_h5(folder.results_path, results, table, fit, coll, attrs,
              {"constrained_a": np.asarray(cons_a if cons_a is not None else np.full(3, np.nan)),
               "constrained_boot_samples": cons_boot,
               "model_a": np.asarray(model_a if model_a is not None else np.full(3, np.nan))})
    folder.write_summary(summary)
    if outputs:
        from pelkit.studies.ka_landscape.figures import make_figures
        from pelkit.studies.ka_landscape.report import write_report

        figs = make_figures(out_dir)
        summary["figures"] = [p.name for p in figs]
        folder.write_summary(summary)
        write_report(out_dir)
    return summary
