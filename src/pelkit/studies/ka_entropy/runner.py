"""Orchestration of the ka-entropy study: every state point through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md  figures/*.png
    tasks/states/isotherm_rho0.08332_r00.npz ...   isotherm T0, one file per (rho, replica)
    tasks/states/isochore_T0.8000_r00.npz ...      isochore rho, one file per (T, replica)

Seeds: ``task_seed(campaign_seed, kind, rho or T, replica)``, so a resumed campaign
(``resume=True``) recomputes exactly the missing state points and equals an uninterrupted one.
"""

from __future__ import annotations

from pathlib import Path

from pelkit.parallel import Task, task_seed
from pelkit.studies.ka_entropy.config import KAEntropyConfig
from pelkit.studies.ka_entropy.tasks import state_task
from pelkit.studies.single_phase import Progress, run_single_phase


def isotherm_key(density: float, replica: int) -> str:
    """Key of an isotherm state point, e.g. ``isotherm_rho0.08332_r00``."""
    return f"isotherm_rho{density:.5f}_r{replica:02d}"


def isochore_key(temperature: float, replica: int) -> str:
    """Key of an isochore state point, e.g. ``isochore_T0.8000_r00``."""
    return f"isochore_T{temperature:.4f}_r{replica:02d}"


def state_tasks(cfg: KAEntropyConfig) -> list[Task]:
    """All state points: the isotherm densities, then the isochore temperatures."""
    config = cfg.model_dump()
    tasks = []
    for rho in cfg.isotherm_densities():
        for r in range(cfg.n_replicas):
            tasks.append(Task(isotherm_key(rho, r), dict(
                config=config, kind="isotherm", density=rho,
                temperature=cfg.isotherm_temperature, replica=r,
                seed=task_seed(cfg.seed, "isotherm", round(rho, 10), r))))
    for T in cfg.isochore_temperatures():
        for r in range(cfg.n_replicas):
            tasks.append(Task(isochore_key(T, r), dict(
                config=config, kind="isochore", density=cfg.density, temperature=T, replica=r,
                seed=task_seed(cfg.seed, "isochore", T, r))))
    return tasks


def run_study(
    cfg: KAEntropyConfig,
    out_dir: Path,
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Run every state point (skipping finished ones when ``resume``); returns the task folder.

    Args:
        cfg: the validated configuration.
        out_dir: run folder.
        scheduler: "local", "threads", "sync" or "tcp://HOST:PORT" (:mod:`pelkit.parallel`).
        resume: keep finished task files and compute only the missing ones.
        progress: ``progress(phase, done, total)``.
    """
    return run_single_phase(out_dir, "states", state_tasks(cfg), state_task, scheduler=scheduler,
                            workers=cfg.workers, resume=resume, progress=progress)
