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

Blocks: one campaign task integrates a block of ``replica_block`` replicas of one temperature
together (:class:`~pelkit.dynamics.batched_md.BatchedMD` on CPU threads or a GPU, config field
``device``) and returns one result per replica, each stored as its own fingerprinted file above;
the folder layout, the analysis and resume do not depend on the block size, and on the CPU a
replica follows the same trajectory bit for bit whatever its block.
"""

from __future__ import annotations

import dataclasses
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
from pelkit.studies.ka_landscape.tasks import _time_to_reach, equilibrate_block, production_block

Progress = Callable[[str, int, int], None]

_MD_FIELDS = ("n_particles", "density", "dt", "thermostat", "thermostat_tau", "quench_method",
              "quench_fmax")
EQUILIBRATE_FIELDS = (*_MD_FIELDS, "melt_temperature", "melt_time", "eq_msd_target",
                      "eq_min_time", "eq_max_time", "eq_block_time", "eq_quenches",
                      "eq_drift_sigmas")
"""Config fields a phase-A (equilibration) task reads."""
PRODUCTION_FIELDS = (*_MD_FIELDS, "production_factor", "quenches_per_t1", "inm_snapshots",
                     "inm_max_displacement", "inm_points", "inm_model")
"""Config fields a phase-B (production) task reads."""
ANALYSIS_FIELDS = ("d_inf", "d_inf_min_temperature", "low_t_max", "cut_sigmas", "bootstrap")
"""Config fields only the analysis reads."""
CAMPAIGN_FIELDS = ("preset", "seed", "temperatures", "n_replicas", "workers", "device",
                   "replica_block")
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
    # how the replicas are run (workers, device, block size) may change between resumes: it
    # changes no statistic (a GPU replica differs from a CPU one by rounding only, and each
    # result records its device); config.toml keeps the first run's values
    folder.claim_config({**cfg.model_dump(), "study_name": "ka-landscape"}, resume=resume,
                        recompute=recompute, normalise=_normalised,
                        ignore=("workers", "device", "replica_block"))
    return folder


def _subset(config: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: config[k] for k in fields}


def task_key(temperature: float, replica: int) -> str:
    """File-name key of one replica, e.g. ``T0.550_r0003``."""
    return f"T{temperature:.3f}_r{replica:04d}"


def block_key(temperature: float, replicas: list[int]) -> str:
    """Name of a block of replicas, e.g. ``T0.550_r0000-0127`` (a block of one replica is named
    as the replica, ``T0.550_r0003``, so failures name the replica)."""
    if len(replicas) == 1:
        return task_key(temperature, replicas[0])
    return f"T{temperature:.3f}_r{replicas[0]:04d}-{replicas[-1]:04d}"


def resolved_device(cfg: KAConfig) -> str:
    """"cpu" or "gpu": where this machine runs the study's replicas (config field ``device``)."""
    from pelkit.dynamics.batched_md import resolve_device

    return resolve_device(cfg.device)


def block_size(cfg: KAConfig, device: str) -> int:
    """Replicas per task: ``cfg.replica_block``, else all of a temperature on a GPU, 1 on CPU."""
    if cfg.replica_block is not None:
        return min(cfg.replica_block, cfg.n_replicas)
    return cfg.n_replicas if device == "gpu" else 1


def _by_replica(temperature: float, results: list[dict]) -> dict[str, dict]:
    return {task_key(temperature, int(res["replica"])): res for res in results}


def equilibrate_block_task(**kwargs) -> dict[str, dict]:  # noqa: ANN003 - equilibrate_block's
    """Campaign task: :func:`equilibrate_block`, one result per replica key."""
    return _by_replica(kwargs["temperature"], equilibrate_block(**kwargs))


def production_block_task(**kwargs) -> dict[str, dict]:  # noqa: ANN003 - production_block's
    """Campaign task: :func:`production_block`, one result per replica key."""
    return _by_replica(kwargs["temperature"], production_block(**kwargs))


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

    device = resolved_device(cfg)
    local = options.scheduler in ("local", "threads", "sync")
    if device == "gpu" and options.scheduler == "local":
        options = dataclasses.replace(options, workers=1)  # one process drives the GPU
    # on a remote cluster each worker resolves "auto" itself (its GPU, not the client's)
    task_device = device if local else cfg.device
    size = block_size(cfg, device)
    blocks = [list(range(cfg.n_replicas))[i : i + size] for i in range(0, cfg.n_replicas, size)]

    with DaskSession(options, notify=notify) as session:
        eq_runner = CampaignRunner(tasks_dir / "equilibrate", session, run_dir=out_dir,
                                   notify=notify)
        eq_tasks = []
        for T in cfg.temperatures:
            for reps in blocks:
                seeds = [task_seed(cfg.seed, "equilibrate", T, r) for r in reps]
                eq_tasks.append(Task(
                    block_key(T, reps),
                    dict(config=config, temperature=T, replicas=reps, seeds=seeds,
                         device=task_device),
                    outputs={
                        task_key(T, r): dict(config=_subset(config, EQUILIBRATE_FIELDS),
                                             temperature=T, replica=r, seed=seed)
                        for r, seed in zip(reps, seeds, strict=True)
                    },
                ))
        eq = eq_runner.run(eq_tasks, equilibrate_block_task, resume=resume, recompute=recompute,
                           progress=stage("equilibrate"))
        t1: dict[float, float] = {}
        eq_results: dict[str, dict] = {}
        complete = [T for T in cfg.temperatures
                    if not any(block_key(T, reps) in eq.failed for reps in blocks)]
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
            for reps in blocks:
                starts = [{k: eq_results[task_key(T, r)][k]
                           for k in ("positions", "velocities", "species")} for r in reps]
                seeds = [task_seed(cfg.seed, "production", T, r) for r in reps]
                prod_tasks.append(Task(
                    block_key(T, reps),
                    dict(config=config, temperature=T, replicas=reps, seeds=seeds,
                         starts=starts, t1_pilot=t1[T], device=task_device),
                    outputs={
                        task_key(T, r): dict(config=_subset(config, PRODUCTION_FIELDS),
                                             temperature=T, replica=r, seed=seed, start=start,
                                             t1_pilot=t1[T])
                        for r, seed, start in zip(reps, seeds, starts, strict=True)
                    },
                ))
        prod = prod_runner.run(prod_tasks, production_block_task, resume=resume,
                               recompute=recompute, progress=stage("production"))
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
