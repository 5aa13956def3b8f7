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

Blocks: one campaign task integrates a block of ``replica_block`` replicas of one temperature
together (:class:`~pelkit.dynamics.batched_md.BatchedMD` on CPU threads or a GPU, config field
``device``). A block's result lands in ``tasks/<phase>/blocks/<block key>.npz`` and is then split
into the per-replica files above, so the folder layout, the analysis and resume do not depend on
the block size; on the CPU a replica follows the same trajectory bit for bit whatever its block.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pelkit.errors import InputError
from pelkit.parallel import CampaignRunner, Task, load_result, save_result, task_seed
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.studies.ka_landscape.tasks import _time_to_reach, equilibrate_block, production_block

Progress = Callable[[str, int, int], None]


def task_key(temperature: float, replica: int) -> str:
    """File-name key of one replica, e.g. ``T0.550_r0003``."""
    return f"T{temperature:.3f}_r{replica:04d}"


def block_key(temperature: float, replicas: list[int]) -> str:
    """File-name key of a block of replicas, e.g. ``T0.550_r0000-0127``."""
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


def _pack_block(results: list[dict]) -> dict:
    """One flat result dict for a block: ``r<replica>/<name>`` for every replica's entries."""
    return {f"r{int(res['replica']):04d}/{k}": v for res in results for k, v in res.items()}


def equilibrate_block_task(**kwargs) -> dict:  # noqa: ANN003 - the arguments of equilibrate_block
    """Campaign task: :func:`equilibrate_block`, packed into one result."""
    return _pack_block(equilibrate_block(**kwargs))


def production_block_task(**kwargs) -> dict:  # noqa: ANN003 - the arguments of production_block
    """Campaign task: :func:`production_block`, packed into one result."""
    return _pack_block(production_block(**kwargs))


def _run_blocks(
    runner: CampaignRunner,
    blocks: list[tuple[float, list[int], dict]],
    func: Callable[..., dict],
    resume: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Run the blocks whose replicas are not all stored yet, then split every block result
    into per-replica files ``<runner.directory>/<task_key>.npz`` (atomic writes)."""
    out_dir = runner.directory.parent
    todo: list[Task] = []
    for T, replicas, kwargs in blocks:
        if resume and all((out_dir / f"{task_key(T, r)}.npz").is_file() for r in replicas):
            continue
        todo.append(Task(block_key(T, replicas), kwargs))
    n_done = len(blocks) - len(todo)

    def shifted(done: int, total: int) -> None:
        if progress is not None:
            progress(n_done + done, len(blocks))

    runner.run(todo, func, resume=resume, progress=shifted)
    for task in todo:
        packed = load_result(runner.path(task.key))
        T = task.kwargs["temperature"]
        for r in task.kwargs["replicas"]:
            prefix = f"r{r:04d}/"
            one = {k[len(prefix):]: v for k, v in packed.items() if k.startswith(prefix)}
            save_result(out_dir / f"{task_key(T, r)}.npz", one)
        runner.path(task.key).unlink()


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
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Run phases A and B (skipping finished replicas when ``resume``); returns the task folders.

    The device is resolved here (``cfg.device``); on a GPU a local campaign uses one worker
    process, which runs the blocks one after the other on that GPU.
    """
    out_dir = Path(out_dir)
    tasks_dir = out_dir / "tasks"
    config = cfg.model_dump()
    device = resolved_device(cfg)
    local = scheduler in ("local", "threads", "sync")
    workers = 1 if device == "gpu" and local else cfg.workers
    # on a remote cluster each worker resolves "auto" itself (its GPU, not the client's)
    task_device = device if local else cfg.device
    size = block_size(cfg, device)
    replica_blocks = [list(range(cfg.n_replicas))[i : i + size]
                      for i in range(0, cfg.n_replicas, size)]
    t0 = time.perf_counter()

    def stage(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)

    eq_dir = tasks_dir / "equilibrate"
    eq_runner = CampaignRunner(eq_dir / "blocks", scheduler, workers)
    eq_blocks = [
        (T, reps, dict(config=config, temperature=T, replicas=reps, device=task_device,
                       seeds=[task_seed(cfg.seed, "equilibrate", T, r) for r in reps]))
        for T in cfg.temperatures
        for reps in replica_blocks
    ]
    _run_blocks(eq_runner, eq_blocks, equilibrate_block_task, resume, stage("equilibrate"))
    t1 = {}
    eq_results: dict[str, dict] = {}
    for T in cfg.temperatures:
        res = [load_result(eq_dir / f"{task_key(T, r)}.npz") for r in range(cfg.n_replicas)]
        for r, item in enumerate(res):
            eq_results[task_key(T, r)] = item
        t1[T] = pilot_t1(res)
    (tasks_dir / "t1_pilot.json").write_text(json.dumps({f"{T:.6g}": v for T, v in t1.items()}))
    prod_dir = tasks_dir / "production"
    prod_runner = CampaignRunner(prod_dir / "blocks", scheduler, workers)
    prod_blocks = []
    for T in cfg.temperatures:
        for reps in replica_blocks:
            starts = [
                {k: eq_results[task_key(T, r)][k] for k in ("positions", "velocities", "species")}
                for r in reps
            ]
            seeds = [task_seed(cfg.seed, "production", T, r) for r in reps]
            prod_blocks.append((T, reps, dict(config=config, temperature=T, replicas=reps,
                                              seeds=seeds, starts=starts, t1_pilot=t1[T],
                                              device=task_device)))
    _run_blocks(prod_runner, prod_blocks, production_block_task, resume, stage("production"))
    (tasks_dir / "timing.json").write_text(
        json.dumps({"campaign_wall_time_s": time.perf_counter() - t0, "device": device,
                    "replica_block": size})
    )
    return {"equilibrate": eq_dir, "production": prod_dir}
