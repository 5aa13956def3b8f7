"""Per-temperature analysis of the KA landscape study from its stored task files.

:func:`analyze_temperature` reads the production results ``tasks/production/<key>.npz`` (keys
``T{T:.3f}_r{r:04d}``) of the replicas at one temperature, and the phase-A verdicts in
``tasks/equilibrate/``, and returns a :class:`TemperatureResult`. The quantities follow the
recipe of docs/physics/ka-landscape.md (after Doliwa and Heuer, Phys. Rev. E 2003, and Heuer,
J. Phys.: Condens. Matter 2008):

* t_MSD=1: first crossing of 1 sigma^2 by the replica-averaged A-particle mean-squared
  displacement (all time origins, log-spaced lags), found by interpolation
  (:func:`pelkit.analysis.diffusion.find_t_msd`); half the run when it is never reached
  (flagged).
* D_i: slope/6 of the windowed MSD of replica i (origins in [0, t_MSD=1], linear lags up to
  t_MSD=1) over lags in [0.5, 1] t_MSD=1 (:func:`pelkit.analysis.diffusion.
  per_trajectory_diffusion`); slopes <= 0 are flagged and excluded from ln D.
* direct D(T): slope/6 of the replica-averaged all-origin MSD where it exceeds 1 sigma^2, the
  error from the spread of the per-replica slopes (:func:`pelkit.analysis.diffusion.
  fit_diffusion`).
* <e_IS>_i: mean per-particle inherent-structure energy of replica i over the converged
  quenches in [0, t_MSD=1]; P(e_IS, T): maximum-likelihood Gaussian of all converged quenches,
  its variance error a bootstrap over replicas (quenches of one trajectory are correlated).
* f_u, f_dw: per-replica means of the instantaneous-normal-mode fractions.

Positions are streamed (two passes over the files), so memory is O(one trajectory).
Units: energies per particle in epsilon, T in epsilon/k_B, times in tau, D in sigma^2/tau.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.analysis.diffusion import find_t_msd, fit_diffusion, per_trajectory_diffusion
from pelkit.analysis.gaussian_landscape import fit_gaussian, per_trajectory_mean_energy
from pelkit.analysis.msd import per_trajectory_msd
from pelkit.errors import InputError
from pelkit.io.results import RunFolder
from pelkit.parallel import load_result
from pelkit.studies.ka_landscape.config import KAConfig

__all__ = [
    "TemperatureResult",
    "analyze_temperature",
    "discover_tasks",
    "is_equilibrated",
    "load_study_config",
    "mean_or_nan",
]

_KEY = re.compile(r"^T(\d+(?:\.\d+)?)_r(\d+)$")


def _nan() -> float:
    return float("nan")


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


def discover_tasks(
    out_dir: Path, cfg: KAConfig
) -> tuple[dict[float, list[tuple[int, Path]]], int]:
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



@dataclass
class TemperatureResult:
    """Everything measured at one temperature (arrays over replicas in replica order).

    Attributes (units: tau, sigma^2, epsilon per particle, sigma^2/tau):
        T, replicas (n_rep,), t_msd1 (NaN if the averaged MSD never reaches 1), t_ref (window
        used for D_i and <e_IS>_i), t1_pilot, frame_dt, run_time.
        mean_lags, mean_msd: replica-averaged A-particle MSD (all origins, log lags).
        win_lags, msd_i (n_rep, n_lags): windowed per-replica MSD (origins in [0, t_ref]).
        direct_lags, direct_msd: replica-averaged all-origin MSD (linear lags) for D(T).
        D_i, D_endpoint_i, D_valid_i: windowed-slope D_i, MSD_i(t_ref)/(6 t_ref), slope > 0.
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
        """Number of replicas analysed at this temperature."""
        return int(self.replicas.size)


def _a_positions(res: dict[str, Any], n_frames: int) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(res["unwrapped"], dtype=np.float64)[:n_frames])


def mean_or_nan(x: Any) -> float:
    """Mean of the finite entries of ``x`` (NaN when there are none)."""
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
        f_u_i.append(mean_or_nan(res.get("f_u", [])))
        f_dw_i.append(mean_or_nan(res.get("f_dw", [])))
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


def is_equilibrated(eq_path: Path) -> bool:
    """The phase-A verdict of one replica (False when its file is missing)."""
    return eq_path.is_file() and bool(load_result(eq_path).get("equilibrated", False))

