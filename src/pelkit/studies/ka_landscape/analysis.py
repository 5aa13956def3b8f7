"""Analysis of the KA landscape study from the stored task results: the entry point.

:func:`analyze` works ONLY from ``out_dir/tasks/{equilibrate,production}/<key>.npz`` (keys
``T{T:.3f}_r{r:04d}``), so it can be re-run alone. It writes ``results.h5`` and ``summary.json``
(and, with ``outputs=True``, ``figures/*.png`` and ``report.md``). The physics and the recipe
are described in docs/physics/ka-landscape.md, after Doliwa and Heuer (Phys. Rev. E 2003) and
Heuer (J. Phys.: Condens. Matter 2008); the instantaneous-normal-mode link after Keyes
(J. Phys. Chem. A 1997) and La Nave et al. (Phys. Rev. Lett. 2000).

The work is split by job:

* per temperature (t_MSD=1, D_i, direct D(T), <e_IS>_i, P(e_IS, T), f_u, f_dw, equilibration
  verdicts): :mod:`pelkit.studies.ka_landscape.temperature`;
* across temperatures (D_inf, the free and the landscape-constrained collapse fits, the model
  quantities, the INM relations): :mod:`pelkit.studies.ka_landscape.landscape_fits`, on the
  generic tools of :mod:`pelkit.analysis` (``collapse``, ``local_diffusivity``,
  ``landscape_diffusion``, ``gaussian_landscape``, ``relations``);
* the typed summary behind ``summary.json`` (every key, its meaning and units):
  :class:`pelkit.studies.ka_landscape.summary.KASummary`;
* writing ``results.h5``: :func:`results_tree` here and :func:`pelkit.io.results.
  atomic_write_hdf5`.

Across temperatures, in short:

* **Landscape temperatures**: T <= ``cfg.low_t_max``. They enter the fit of <e_IS>(T) =
  e0 - sigma_int^2 / T, the pooled sigma^2 and the collapse. If fewer than 2 (for the mean fit) or
  fewer than 4 usable trajectories (for the collapse) exist there, all temperatures are used and
  the fallback is flagged.
* **sigma^2 (total)** = N^2 var(e_IS) per T; pooled over the landscape temperatures as the
  inverse-variance weighted mean, error = max(formal error, std across T / sqrt(n_T))
  (:func:`pelkit.analysis.collapse.pooled_estimate`). N sigma_int^2 from the slope of
  <e_IS>(1/T) is reported as a second estimate.
* **D_inf**: ``cfg.d_inf`` if set; otherwise an Arrhenius fit ln D = ln D_inf - E_a / T of the
  direct D(T) at T >= ``cfg.d_inf_min_temperature``; with fewer than 2 such temperatures the
  published 0.155 (Doliwa and Heuer 2003) is used and flagged.
* **Collapse and fit**: y_i = T ln(D_i / D_inf) against <e_IS>_i, fitted with
  y = -1 / (a0 - a1 (e - a2)^2) (bootstrap over trajectories within each T, seeded with
  ``cfg.seed``); flagged ``weakly_constrained`` with fewer than 3 temperatures or 30
  trajectories, or when the bootstrap interval of a1 includes 0.
* **Derived landscape** (per-particle convention): B = 1/(2 sigma_int^2 a1) = N/(2 sigma^2 a1),
  alpha = a0 B, e0 = a2, E0 = N a2, e_K = a2 - sqrt(a0/a1), T_K = [sigma^2/(2 alpha N)]^{1/2}.
* **Landscape-constrained fit**: f = B/s_c(e) with e0 and sigma_int^2 fixed by <e_IS>(T);
  ``model`` names the coefficients used downstream ("free fit" when a0, a1 > 0, else
  "landscape-constrained fit", else "none").
* **Model quantities**: the landscape sum D(T) (JSON ``D_eq5``) with a bootstrap band (at most
  200 samples), the semi-empirical mean, <D><1/D> from data and from the model with an energy
  cut-off, and s_c(<e_IS>(T)).

Uncertainties: every fitted or derived parameter is ``{"value", "error", "low", "high"}`` with
``error`` half the central 68.3 % bootstrap interval (the sigma^2 uncertainty added in
quadrature for B, alpha and T_K) and ``low``/``high`` the bootstrap interval at ``level``.
Undefined values are null in the JSON.

``results.h5``: attributes (N, D_inf, sigma^2, ...); ``temperatures/T{T:.3f}/`` per-replica
arrays (replicas, mean_eis_i, D_i, D_endpoint_i, D_valid_i, f_u_i, f_dw_i, eq_*), e_IS histogram
(eis_hist_edges, eis_hist_density), all quenched e_IS (eis_all), e_IS series (eis_times,
eis_series), MSD curves (msd_mean*, msd_i*, msd_direct*); ``table/`` the per-T columns;
``fit/`` the collapse points and fit coefficients with their bootstrap samples.

Units: energies per particle in epsilon unless called total, T in epsilon/k_B, times in tau,
D in sigma^2/tau.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pelkit import __version__
from pelkit.analysis.gaussian_landscape import fit_gaussian, fit_mean_energy
from pelkit.analysis.landscape_diffusion import data_D_moments
from pelkit.deprecation import warn_deprecated
from pelkit.errors import InputError
from pelkit.io.results import HDF5Group, RunFolder, atomic_write_hdf5, git_commit
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.studies.ka_landscape.landscape_fits import (
    FIT_NAMES,
    collapse_fit,
    combined_sigma2,
    constrained_fit,
    d_inf,
    entry,
    inm_relations,
    model_quantities,
)
from pelkit.studies.ka_landscape.summary import REFERENCE_VALUES, KASummary
from pelkit.studies.ka_landscape.temperature import (
    TemperatureResult,
    analyze_temperature,
    discover_tasks,
    is_equilibrated,
    load_study_config,
    mean_or_nan,
)

__all__ = [
    "KASummary",
    "TemperatureResult",
    "analyze",
    "analyze_temperature",
    "load_study_config",
    "results_tree",
]


def _nan() -> float:
    return float("nan")


def __getattr__(name: str) -> Any:
    """``SEED004``: deprecated old name of ``summary.REFERENCE_VALUES`` (one more release)."""
    if name == "SEED004":
        warn_deprecated(f"{__name__}.SEED004",
                        "pelkit.studies.ka_landscape.summary.REFERENCE_VALUES")
        return REFERENCE_VALUES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def results_tree(results: list[TemperatureResult], table: dict[str, np.ndarray], fit: Any,
                 coll: dict[str, np.ndarray], attrs: dict[str, Any],
                 extra_fit: dict[str, np.ndarray]) -> HDF5Group:
    """The layout of ``results.h5`` (module docstring) as an :class:`HDF5Group` tree.

    Args:
        results: per-temperature results. table: per-T columns (n_T,) each.
        fit: the free collapse fit (:class:`pelkit.analysis.local_diffusivity.CollapseFit`) or
            None. coll: collapse points {"e", "y", "T"}. attrs: file attributes.
        extra_fit: further arrays of the ``fit/`` group (constrained and model coefficients).
    """
    temps = HDF5Group()
    for r in results:
        g = HDF5Group()
        for k in ("T", "t_msd1", "t_ref", "t1_pilot", "frame_dt", "run_time",
                  "D_direct", "D_direct_err", "mean_eis", "var_eis", "var_eis_err",
                  "mean_eis_err", "eis_skewness"):
            g.attrs[k] = float(getattr(r, k))
        g.attrs["flags"] = "\n".join(r.flags)
        hist, edges = (np.histogram(r.eis_all, bins="auto", density=True)
                       if r.eis_all.size else (np.zeros(0), np.zeros(1)))
        g.datasets = {
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
        temps.groups[f"T{r.T:.3f}"] = g
    gfit = HDF5Group()
    for k, v in coll.items():
        gfit.datasets[f"collapse_{k}"] = v
    gfit.datasets.update(extra_fit)
    if fit is not None:
        gfit.datasets.update(a=fit.a, a_err=fit.a_err, a_start=fit.a_start,
                             boot_samples=fit.boot_samples, ci_low=fit.ci_low,
                             ci_high=fit.ci_high)
        gfit.attrs.update(level=fit.level, rms=fit.rms)
    return HDF5Group(attrs=dict(attrs), groups={
        "temperatures": temps, "table": HDF5Group(datasets=dict(table)), "fit": gfit})


def _analyze_temperatures(found: dict[float, list[tuple[int, Path]]], cfg: KAConfig,
                          eq_dir: Path, require_equilibrated: bool,
                          flags: list[str]) -> list[TemperatureResult]:
    """:func:`analyze_temperature` at every temperature found (equilibrated replicas only on
    request; a temperature without any is dropped and flagged)."""
    results: list[TemperatureResult] = []
    for T, tasks in found.items():
        if require_equilibrated:
            tasks = [(r, p) for r, p in tasks if is_equilibrated(eq_dir / p.name)]
            if not tasks:
                flags.append(f"T={T:g}: no equilibrated replica; temperature dropped")
                continue
        r = analyze_temperature(T, tasks, eq_dir if eq_dir.is_dir() else None,
                                n_boot=cfg.bootstrap, seed=cfg.seed)
        if require_equilibrated:
            r.flags.append(f"analysed only the {r.n_rep} equilibrated replicas")
        results.append(r)
    return results


def _per_temperature_table(results: list[TemperatureResult],
                           n_particles: int) -> dict[str, np.ndarray]:
    """The per-T columns of ``results.h5/table`` measured directly (each (n_T,))."""
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
        "f_u": np.array([mean_or_nan(r.f_u_i) for r in results]),
        "f_dw": np.array([mean_or_nan(r.f_dw_i) for r in results]),
    }

    def sem(x: np.ndarray) -> float:
        x = x[np.isfinite(x)]
        return float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else _nan()

    table["f_u_err"] = np.array([sem(r.f_u_i) for r in results])
    table["f_dw_err"] = np.array([sem(r.f_dw_i) for r in results])
    table["sigma2_total"] = table["var_eis"] * n_particles**2
    table["sigma2_total_err"] = table["var_eis_err"] * n_particles**2
    return table


def _mean_energy_landscape(cfg: KAConfig, table: dict[str, np.ndarray], n_particles: int,
                           flags: list[str]) -> tuple[float, float, dict[str, Any], Any]:
    """(sigma^2 pooled, its error, the ``mean_eis_fit`` entry, the fit of <e_IS>(T) or None)
    at the landscape temperatures (all temperatures, flagged, with fewer than 2 there)."""
    temps = table["T"]
    # Gaussian landscape: sigma^2 and the mean e_IS against 1/T at the landscape temperatures
    land = temps <= cfg.low_t_max
    land_set = "landscape"
    if np.count_nonzero(land & np.isfinite(table["mean_eis"])) < 2:
        flags.append(f"fewer than 2 temperatures <= low_t_max = {cfg.low_t_max:g}: mean-e_IS "
                     "fit and sigma^2 use all temperatures")
        land = np.ones_like(land)
        land_set = "all"
    sigma2, sigma2_err = combined_sigma2(table["sigma2_total"][land],
                                          table["sigma2_total_err"][land])
    mean_fit: dict[str, Any] = {"available": False, "temperatures": temps[land].tolist(),
                                "temperature_set": land_set}
    ok = land & np.isfinite(table["mean_eis"])
    mf = None
    if np.unique(temps[ok]).size >= 2:
        errs = table["mean_eis_err"][ok]
        use_err = errs if np.all(np.isfinite(errs)) and np.all(errs > 0) else None
        mf = fit_mean_energy(temps[ok], table["mean_eis"][ok], use_err, n_particles)
        mean_fit.update(available=True, e0=entry(mf.e0, mf.e0_err),
                        sigma2_int=entry(mf.sigma2_int, mf.sigma2_int_err),
                        sigma2_total=entry(mf.sigma2, mf.sigma2_err), chi2_red=mf.chi2_red,
                        weighted=mf.weighted)
    return sigma2, sigma2_err, mean_fit, mf


def _choose_model(fit: Any, entries: dict[str, Any], cons: dict[str, Any],
                  cons_a: np.ndarray | None, cons_boot: np.ndarray,
                  flags: list[str]) -> tuple[str, Any, np.ndarray, float, dict[str, Any]]:
    """(source, coefficients (3,) or None, bootstrap samples (n, 3), B, entries) of f(e)."""
    # the model behind the landscape-sum D(T), <D><1/D>, s_c: the free fit when it has a
    # Gaussian-landscape reading (a0, a1 > 0 and B finite), else the landscape-constrained fit
    B_free = entries.get("B", {}).get("value", _nan())
    if fit is not None and fit.a[0] > 0 and fit.a[1] > 0 and np.isfinite(B_free):
        model_source, model_a, model_boot, B = "free fit", fit.a, fit.boot_samples, B_free
        model_entries = entries
    elif cons.get("available") and cons.get("landscape_reading"):
        model_source, model_a, model_boot = "landscape-constrained fit", cons_a, cons_boot
        B = cons["B"]["value"]
        model_entries = {k: cons[k] for k in FIT_NAMES}
        flags.append("the free collapse fit has no Gaussian-landscape reading: eq 5, "
                     "<D><1/D> (model) and s_c use the landscape-constrained fit")
    else:
        model_source, model_a, model_boot, B = "none", None, np.zeros((0, 3)), _nan()
        model_entries = {k: entry(_nan()) for k in FIT_NAMES}
        flags.append("no usable model f(e): eq 5, <D><1/D> (model) and s_c are undefined")
    return model_source, model_a, model_boot, B, model_entries


def _data_moments(results: list[TemperatureResult],
                  cfg: KAConfig) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """<D><1/D> of the per-replica D_i per T with its bootstrap error, and the number of
    replicas with an MSD slope <= 0 per T."""
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
    return dd, dd_err, n_invalid


def _d_spread(r: TemperatureResult) -> float:
    """log10(max D_i / min D_i) over the valid replicas (NaN with fewer than 2)."""
    d = r.D_i[r.D_valid_i]
    return float(np.log10(d.max() / d.min())) if d.size >= 2 else _nan()


def _trajectory_energy_stats(results: list[TemperatureResult]) -> dict[str, list[float]]:
    """Per T: mean, var, skewness (Gaussian fit, >= 3 replicas), min, max of <e_IS>_i."""
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
            traj["mean"].append(mean_or_nan(e))
            traj["var"].append(_nan())
            traj["skewness"].append(_nan())
    return traj


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
    found, n_found = discover_tasks(out_dir, cfg)
    folder = RunFolder(out_dir)
    eq_dir = out_dir / "tasks" / "equilibrate"
    flags: list[str] = []
    if partial:
        flags.append(f"partial analysis (--partial): {len(partial)} task results missing or "
                     f"damaged and left out: {'; '.join(partial)}")
    results = _analyze_temperatures(found, cfg, eq_dir, require_equilibrated, flags)
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
    table = _per_temperature_table(results, n_particles)

    sigma2, sigma2_err, mean_fit, mf = _mean_energy_landscape(cfg, table, n_particles, flags)
    sigma_e = float(np.sqrt(sigma2)) / n_particles if np.isfinite(sigma2) else _nan()

    # D_inf, collapse, fit, derived landscape
    D_inf, D_inf_source, arrhenius = d_inf(cfg, temps, table["D_direct"],
                                            table["D_direct_err"], flags)
    fit, fit_info, coll = collapse_fit(cfg, results, D_inf,
                                        sigma2 if np.isfinite(sigma2) else 18.0,
                                        sigma2_err, n_particles, flags)
    if not np.isfinite(sigma2):
        flags.append("no e_IS variance: derived B and alpha use the seed's sigma^2 = 18")
    entries = fit_info.get("entries") or {name: entry(_nan()) for name in FIT_NAMES}
    cons = constrained_fit(coll, mf, n_particles, cfg.bootstrap, cfg.seed)
    if cons.get("weakly_constrained"):
        flags.append("constrained fit weakly constrained: " + "; ".join(cons["weak_reasons"]))
    cons_a = cons.pop("_a", None)
    cons_boot = cons.pop("_boot_a", np.zeros((0, 3)))
    model_source, model_a, model_boot, B, model_entries = _choose_model(
        fit, entries, cons, cons_a, cons_boot, flags)
    table["y_i_mean"] = np.array([
        mean_or_nan(r.T * np.log(np.where(r.D_valid_i & (r.D_i > 0), r.D_i, np.nan) / D_inf))
        for r in results
    ])
    level = fit.level if fit is not None else 0.95
    model_q = model_quantities(cfg, results, model_a, model_boot, level, D_inf, sigma_e)
    table.update(model_q)
    if model_a is not None and np.isfinite(B):
        a0, a1, a2 = model_a
        table["s_c_mean"] = B * (a0 - a1 * (table["mean_eis"] - a2) ** 2)

    dd, dd_err, n_invalid = _data_moments(results, cfg)
    table["DinvD_data"] = dd
    table["DinvD_data_err"] = dd_err

    # INM relations
    f_u_all = np.concatenate([r.f_u_i for r in results])
    y_all = np.concatenate([
        r.T * np.log(np.where(r.D_valid_i & (r.D_i > 0), r.D_i, np.nan) / D_inf)
        for r in results])
    inm = inm_relations(results, table, {"y": y_all, "f_u": f_u_all}, B, table["s_c_mean"])

    traj = _trajectory_energy_stats(results)

    def ls(x: Any) -> list[float]:
        return [float(v) for v in np.asarray(x, dtype=np.float64)]

    drift_sig = [np.abs(r.eq_drift / r.eq_drift_err) for r in results]
    summary = KASummary(
        study="ka-landscape",
        preset=cfg.preset,
        seed=cfg.seed,
        n_particles=n_particles,
        temperatures=ls(temps),
        n_replicas=int(cfg.n_replicas),
        n_replicas_analysed=[r.n_rep for r in results],
        landscape_temperatures=ls(temps[temps <= cfg.low_t_max]),
        low_t_max=cfg.low_t_max,
        t_msd1=ls(table["t_msd1"]),
        t1_pilot=ls(table["t1_pilot"]),
        mean_eis=ls(table["mean_eis"]),
        mean_eis_err=ls(table["mean_eis_err"]),
        var_eis=ls(table["var_eis"]),
        var_eis_err=ls(table["var_eis_err"]),
        eis_skewness=[r.eis_skewness for r in results],
        sigma2_total=entry(sigma2, sigma2_err),
        sigma2_total_per_T=ls(table["sigma2_total"]),
        sigma2_total_per_T_err=ls(table["sigma2_total_err"]),
        sigma_e=sigma_e,
        mean_eis_fit=mean_fit,
        traj_mean_eis=traj,
        D_direct=ls(table["D_direct"]),
        D_direct_err=ls(table["D_direct_err"]),
        D_direct_diffusive=[bool(r.D_direct_diffusive) for r in results],
        D_i_median=[float(np.median(r.D_i[r.D_valid_i])) if np.any(r.D_valid_i) else _nan()
                    for r in results],
        D_i_spread_decades=[_d_spread(r) for r in results],
        n_nonpositive_slopes=n_invalid,
        D_inf=float(D_inf),
        D_inf_source=D_inf_source,
        D_inf_arrhenius=arrhenius,
        fit={**entries, **{k: v for k, v in fit_info.items() if k != "entries"}},
        fit_constrained=cons,
        model={"source": model_source, **model_entries},
        D_landscape=ls(table["D_eq5"]),
        D_landscape_low=ls(table["D_eq5_low"]),
        D_landscape_high=ls(table["D_eq5_high"]),
        D_semi_empirical=ls(table["D_semi"]),
        D_times_inv_D=ls(dd),
        D_times_inv_D_err=ls(dd_err),
        D_times_inv_D_model=ls(table["DinvD_model"]),
        D_times_inv_D_model_alt=ls(table["DinvD_model_alt"]),
        cut_sigmas=cfg.cut_sigmas,
        cut_sigmas_alt=cfg.cut_sigmas + 1.0,
        s_c_mean=ls(table["s_c_mean"]),
        f_u=ls(table["f_u"]),
        f_u_err=ls(table["f_u_err"]),
        f_dw=ls(table["f_dw"]),
        f_dw_err=ls(table["f_dw_err"]),
        inm_relations=inm,
        inm_model=cfg.inm_model,
        equilibration={
            "n_equilibrated": [int(np.count_nonzero(r.eq_equilibrated)) for r in results],
            "n_msd_reached": [int(np.count_nonzero(r.eq_msd_reached)) for r in results],
            "max_abs_drift_sigmas": [float(np.nanmax(d)) if np.any(np.isfinite(d)) else _nan()
                                     for d in drift_sig],
            "mean_drift": [mean_or_nan(r.eq_drift) for r in results],
            "mean_eq_time": [mean_or_nan(r.eq_time) for r in results],
            "criterion": (
                f"A-particle MSD >= {cfg.eq_msd_target:g} sigma^2 after >= {cfg.eq_min_time:g} "
                f"tau and |e_IS drift| <= {cfg.eq_drift_sigmas:g} standard errors"
            ),
            "require_equilibrated": require_equilibrated,
        },
        quenches={
            "n_total": [r.n_quenches for r in results],
            "n_unconverged": [r.n_unconverged for r in results],
            "max_force_max": [r.max_quench_force for r in results],
            "fmax": cfg.quench_fmax,
            "method": cfg.quench_method,
        },
        counts={"n_tasks_expected": n_expected, "n_tasks_found": n_found,
                "n_tasks_missing": n_expected - n_found},
        flags=flags,
        reference_values=dict(REFERENCE_VALUES),
        analysis={
            "pelkit_version": __version__,
            "git_commit": git_commit(),
            "bootstrap": cfg.bootstrap,
            "bootstrap_seed": cfg.seed,
        },
    )
    attrs = {"n_particles": n_particles, "D_inf": D_inf, "D_inf_source": D_inf_source,
             "model_source": model_source,
             "sigma2_total": sigma2, "sigma_e": sigma_e, "cut_sigmas": cfg.cut_sigmas,
             "low_t_max": cfg.low_t_max, "seed": cfg.seed, "pelkit_version": __version__}
    extra_fit = {
        "constrained_a": np.asarray(cons_a if cons_a is not None else np.full(3, np.nan)),
        "constrained_boot_samples": cons_boot,
        "model_a": np.asarray(model_a if model_a is not None else np.full(3, np.nan)),
    }
    atomic_write_hdf5(folder.results_path,
                      results_tree(results, table, fit, coll, attrs, extra_fit))
    folder.write_summary(summary.to_dict())
    if outputs:
        from pelkit.studies.ka_landscape.figures import make_figures
        from pelkit.studies.ka_landscape.report import write_report

        figs = make_figures(out_dir)
        summary.figures = [p.name for p in figs]
        folder.write_summary(summary.to_dict())
        write_report(out_dir)
    return summary.to_dict()
