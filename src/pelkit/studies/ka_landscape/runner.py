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
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pelkit.errors import InputError
from pelkit.parallel import CampaignRunner, Task, load_result, task_seed
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.studies.ka_landscape.tasks import _time_to_reach, equilibrate_task, production_task

Progress = Callable[[str, int, int], None]


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
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Run phases A and B (skipping finished tasks when ``resume``); returns the task folders."""
    out_dir = Path(out_dir)
    tasks_dir = out_dir / "tasks"
    config = cfg.model_dump()
    t0 = time.perf_counter()
    eq_runner = CampaignRunner(tasks_dir / "equilibrate", scheduler, cfg.workers)
    eq_tasks = [
        Task(
            task_key(T, r),
            dict(config=config, temperature=T, replica=r,
                 seed=task_seed(cfg.seed, "equilibrate", T, r)),
        )
        for T in cfg.temperatures
        for r in range(cfg.n_replicas)
    ]

    def stage(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)

    eq_runner.run(eq_tasks, equilibrate_task, resume=resume, progress=stage("equilibrate"))
    t1 = {}
    eq_results: dict[str, dict] = {}
    for T in cfg.temperatures:
        res = [load_result(eq_runner.path(task_key(T, r))) for r in range(cfg.n_replicas)]
        for r, item in enumerate(res):
            eq_results[task_key(T, r)] = item
        t1[T] = pilot_t1(res)
    (tasks_dir / "t1_pilot.json").write_text(json.dumps({f"{T:.6g}": v for T, v in t1.items()}))
    prod_runner = CampaignRunner(tasks_dir / "production", scheduler, cfg.workers)
    prod_tasks = []
    for T in cfg.temperatures:
        for r in range(cfg.n_replicas):
            key = task_key(T, r)
            start = {k: eq_results[key][k] for k in ("positions", "velocities", "species")}
            prod_tasks.append(
                Task(
                    key,
                    dict(config=config, temperature=T, replica=r,
                         seed=task_seed(cfg.seed, "production", T, r), start=start,
                         t1_pilot=t1[T]),
                )
            )
    prod_runner.run(prod_tasks, production_task, resume=resume, progress=stage("production"))
    (tasks_dir / "timing.json").write_text(
        json.dumps({"campaign_wall_time_s": time.perf_counter() - t0})
    )
    return {"equilibrate": eq_runner.directory, "production": prod_runner.directory}
