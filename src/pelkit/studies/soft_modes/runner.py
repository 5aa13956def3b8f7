"""Orchestration of the soft-modes study: one task per glass through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md  figures/*.png
    tasks/glasses/N0500_g003.npz ...    one file per glass (:func:`glass_task`)

Seeds: glass g of size N uses ``task_seed(campaign_seed, "glass", N, g)``, so a resumed campaign
(``resume=True``) recomputes exactly the missing glasses and equals an uninterrupted one.
"""

from __future__ import annotations

from pathlib import Path

from pelkit.parallel import Task, task_seed
from pelkit.studies.single_phase import Progress, run_single_phase
from pelkit.studies.soft_modes.config import SoftModesConfig
from pelkit.studies.soft_modes.tasks import glass_task


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
    return run_single_phase(out_dir, "glasses", glass_tasks(cfg), glass_task, scheduler=scheduler,
                            workers=cfg.workers, resume=resume, progress=progress)
