"""Orchestration of the soft-modes study: one task per glass through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md  figures/*.png
    tasks/glasses/N0500_g003.npz ...    one file per glass (:func:`glass_task`)

Seeds: glass g of size N uses ``task_seed(campaign_seed, "glass", N, g)``, so a resumed campaign
(``resume=True``) recomputes exactly the missing glasses and equals an uninterrupted one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from pelkit.parallel import CampaignRunner, Task, task_seed
from pelkit.studies.soft_modes.config import SoftModesConfig
from pelkit.studies.soft_modes.tasks import glass_task

Progress = Callable[[str, int, int], None]


def task_key(n_particles: int, glass: int) -> str:
    """File-name key of one glass, e.g. ``N0500_g003``."""
    return f"N{n_particles:04d}_g{glass:03d}"


def glass_tasks(cfg: SoftModesConfig) -> list[Task]:
    """One task per (N, glass)."""
    config = cfg.model_dump()
    return [
        Task(task_key(n, g), dict(config=config, n_particles=n, glass=g,
                                  seed=task_seed(cfg.seed, "glass", n, g)))
        for n in cfg.sizes
        for g in range(cfg.glasses_per_size)
    ]


def run_study(
    cfg: SoftModesConfig,
    out_dir: Path,
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Run every glass task (skipping finished ones when ``resume``); returns the task folder.

    Args:
        cfg: the validated configuration.
        out_dir: run folder.
        scheduler: "local", "threads", "sync" or "tcp://HOST:PORT" (:mod:`pelkit.parallel`).
        resume: keep finished task files and compute only the missing ones.
        progress: ``progress(phase, done, total)``.
    """
    out_dir = Path(out_dir)
    runner = CampaignRunner(out_dir / "tasks" / "glasses", scheduler, cfg.workers)
    t0 = time.perf_counter()

    def update(done: int, total: int) -> None:
        if progress is not None:
            progress("glasses", done, total)

    runner.run(glass_tasks(cfg), glass_task, resume=resume, progress=update)
    (out_dir / "tasks" / "timing.json").write_text(
        json.dumps({"campaign_wall_time_s": time.perf_counter() - t0})
    )
    return {"glasses": runner.directory}
