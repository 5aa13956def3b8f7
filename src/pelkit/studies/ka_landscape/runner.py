"""Orchestration of the KA landscape study: phases A and B through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md  figures/*.png
    tasks/equilibrate/T0.550_r0003.npz ...   (phase A, one file per replica)
    tasks/production/T0.550_r0003.npz ...    (phase B)
    tasks/t1_pilot.json                      (t_MSD=1 per T from the pilot MSDs)

Seeds: replica r at temperature T uses ``task_seed(campaign_seed, "equilibrate", T, r)`` and
``task_seed(campaign_seed, "production", T, r)``, so a resumed campaign (``resume=True``) is
bit-identical to an uninterrupted one: finished task files are kept, the rest are recomputed from
the same seeds.

Fingerprints (:mod:`pelkit.parallel`): a phase-A result depends on the fields
:data:`EQUILIBRATE_FIELDS` of the config, T, r and its seed; a phase-B result on
:data:`PRODUCTION_FIELDS`, T, r, its seed, its phase-A state and the pilot t_MSD=1 of its T. The
remaining fields (:data:`ANALYSIS_FIELDS`) are read only by the analysis, so changing them with
``--recompute`` reruns no task. ``config.toml`` is written once; a resume with another config is
refused (:meth:`pelkit.io.results.RunFolder.claim_config`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.cluster import ClusterOptions, DaskSession
from pelkit.errors import InputError
from pelkit.io.results import RunFolder, atomic_write_json
from pelkit.parallel import (
    CampaignFailed,
    CampaignRunner,
    Task,
    audit_tasks,
    load_result,
    task_seed,
)
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.studies.ka_landscape.tasks import _time_to_reach, equilibrate_task, production_task

Progress = Callable[[str, int, int], None]

_MD_FIELDS = ("n_particles", "density", "dt", "thermostat", "thermostat_tau", "quench_method",
              "quench_fmax")
EQUILIBRATE_FIELDS = (*_MD_FIELDS, "melt_temperature", "melt_time", "eq_msd_target",
                      "eq_min_time", "eq_max_time", "eq_block_time", "eq_quenches",
                      "eq_drift_sigmas")
"""Config fields a phase-A (equilibration) task reads."""
PRODUCTION_FIELDS = (*_MD_FIELDS, "production_factor", "quenches_per_t1", "inm_snapshots",
                     "inm_max_displacement", "inm_points")
"""Config fields a phase-B (production) task reads."""
ANALYSIS_FIELDS = ("d_inf", "d_inf_min_temperature", "low_t_max", "cut_sigmas", "bootstrap")
"""Config fields only the analysis reads."""
CAMPAIGN_FIELDS = ("preset", "seed", "temperatures", "n_replicas", "workers")
"""Fields that choose the tasks (or how to run them) rather than what one task computes."""


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k != "study_name"}
    try:
        return KAConfig(**values).model_dump()
    except Exception as exc:  # pydantic ValidationError -> one line
        raise InputError(f"config.toml is not a valid ka-landscape config: "
                         f"{str(exc).splitlines()[0]}") from None


def claim_folder(cfg: KAConfig, out_dir: Path, resume: bool, recompute: bool = False) -> RunFolder:
    """Create the run folder and write ``config.toml`` once (a resume must match it)."""
    folder = RunFolder(out_dir)
    folder.claim_config({**cfg.model_dump(), "study_name": "ka-landscape"}, resume=resume,
                        recompute=recompute, normalise=_normalised)
    return folder


def _subset(config: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: config[k] for k in fields}


def task_key(temperature: float, replica: int) -> str:
    """File-name key of one replica, e.g. ``T0.550_r0003``."""
    return f"T{temperature:.3f}_r{replica:04d}"


def pilot_t1(results: list[dict]) -> float:
    """t_MSD=1 of one temperature from the replica-averaged pilot MSD of the A particles.

    Each replica's pilot curve is interpolated (log-log) onto a common grid of lag times that
    all curves cover; the average curve's first crossing of 1 sigma^2 is returned.
    """
    curves = [(np.asarray(r["pilot_lag_times"]), np.asarray(r["pilot_msd_A"])) for r in results]
    lo = max(float(c[0][c[0] > 0].min()) for c in curves)
    hi = min(float(c[0].max()) for c in curves)
    if not hi > lo:
        raise InputError("pilot MSD curves do not overlap; increase the equilibration time")
    grid = np.geomspace(lo, hi, 200)
    mean = np.zeros_like(grid)
    for t, m in curves:
        keep = (t > 0) & (m > 0)
        mean += np.exp(np.interp(np.log(grid), np.log(t[keep]), np.log(m[keep])))
    mean /= len(curves)
    t1 = _time_to_reach(grid, mean)
    if not np.isfinite(t1):
        raise InputError(
            "the averaged pilot MSD never reaches 1 sigma^2: raise eq_msd_target or eq_max_time"
        )
    return t1


def run_study(
    cfg: KAConfig,
    out_dir: Path,
    scheduler: str | ClusterOptions = "local",
    resume: bool = False,
    progress: Progress | None = None,
    recompute: bool = False,
    notify: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Run phases A and B; returns the task folders.

    Args:
        cfg: the validated study config.
        out_dir: the run folder (``config.toml`` written once, ``tasks/`` filled).
        scheduler: a scheduler string or :class:`~pelkit.cluster.ClusterOptions`; one Dask
            session serves both phases.
        resume: reuse stored task results whose fingerprint matches (others: refused).
        progress: ``progress(phase, done, total)``.
        recompute: with ``resume``, rerun exactly the tasks whose fingerprint changed.
        notify: one-line warnings and the dashboard URL (default: stderr).

    Raises:
        CampaignFailed: after all runnable tasks finished, if some failed (production tasks of a
            temperature whose equilibration failed are listed as not run).
    """
    out_dir = Path(out_dir)
    claim_folder(cfg, out_dir, resume or recompute, recompute)
    resume = resume or recompute
    options = (ClusterOptions(scheduler=scheduler, workers=cfg.workers)
               if isinstance(scheduler, str) else scheduler)
    tasks_dir = out_dir / "tasks"
    config = cfg.model_dump()

    def stage(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)

    with DaskSession(options, notify=notify) as session:
        eq_runner = CampaignRunner(tasks_dir / "equilibrate", session, run_dir=out_dir,
                                   notify=notify)
        eq_tasks = []
        for T in cfg.temperatures:
            for r in range(cfg.n_replicas):
                seed = task_seed(cfg.seed, "equilibrate", T, r)
                eq_tasks.append(Task(
                    task_key(T, r),
                    dict(config=config, temperature=T, replica=r, seed=seed),
                    inputs=dict(config=_subset(config, EQUILIBRATE_FIELDS), temperature=T,
                                replica=r, seed=seed),
                ))
        eq = eq_runner.run(eq_tasks, equilibrate_task, resume=resume, recompute=recompute,
                           progress=stage("equilibrate"))
        t1: dict[float, float] = {}
        eq_results: dict[str, dict] = {}
        complete = [T for T in cfg.temperatures
                    if not any(task_key(T, r) in eq.failed for r in range(cfg.n_replicas))]
        for T in complete:
            res = [load_result(eq_runner.path(task_key(T, r))) for r in range(cfg.n_replicas)]
            for r, item in enumerate(res):
                eq_results[task_key(T, r)] = item
            t1[T] = pilot_t1(res)
        atomic_write_json(tasks_dir / "t1_pilot.json", {f"{T:.6g}": v for T, v in t1.items()})
        prod_runner = CampaignRunner(tasks_dir / "production", session, run_dir=out_dir,
                                     notify=notify)
        prod_tasks = []
        for T in complete:
            for r in range(cfg.n_replicas):
                key = task_key(T, r)
                start = {k: eq_results[key][k] for k in ("positions", "velocities", "species")}
                seed = task_seed(cfg.seed, "production", T, r)
                prod_tasks.append(Task(
                    key,
                    dict(config=config, temperature=T, replica=r, seed=seed, start=start,
                         t1_pilot=t1[T]),
                    inputs=dict(config=_subset(config, PRODUCTION_FIELDS), temperature=T,
                                replica=r, seed=seed, start=start, t1_pilot=t1[T]),
                ))
        prod = prod_runner.run(prod_tasks, production_task, resume=resume, recompute=recompute,
                               progress=stage("production"))
    failures = {**eq.labelled_failures(), **prod.labelled_failures()}
    if failures:
        not_run = [f"production/{task_key(T, r)}" for T in cfg.temperatures if T not in complete
                   for r in range(cfg.n_replicas)]
        raise CampaignFailed(failures, not_run)
    return {"equilibrate": eq_runner.directory, "production": prod_runner.directory}


def check_tasks(cfg: KAConfig, out_dir: Path, partial: bool,
                notify: Callable[[str], None] | None = None) -> list[str]:
    """Before an analysis: every configured task result present and readable?

    Damaged files are moved aside with a warning. Without ``partial`` any missing or damaged
    result is one :class:`InputError` naming them; with it, the list of
    ``"<phase>/<key>: <problem>"`` is returned for the report.
    """
    out_dir = Path(out_dir)
    keys = [task_key(T, r) for T in cfg.temperatures for r in range(cfg.n_replicas)]
    problems = []
    for phase in ("equilibrate", "production"):
        found = audit_tasks(out_dir / "tasks" / phase, keys, notify)
        problems += [f"{phase}/{k}: {why}" for k, why in found.items()]
    if problems and not partial:
        damaged = [p.split(":")[0] for p in problems if not p.endswith(": missing")]
        missing = [p.split(":")[0] for p in problems if p.endswith(": missing")]
        parts = []
        for label, items in (("damaged", damaged), ("missing", missing)):
            if items:
                more = f" and {len(items) - 4} more" if len(items) > 4 else ""
                parts.append(f"{label}: {', '.join(items[:4])}{more}")
        raise InputError(
            f"{out_dir}: {len(problems)} of {2 * len(keys)} task results missing or damaged "
            f"({'; '.join(parts)}): finish them with `pelkit study run ... --resume`, or "
            "analyse the complete ones with --partial"
        )
    return problems
