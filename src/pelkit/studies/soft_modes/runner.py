"""Orchestration of the soft-modes study: one task per glass through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md  figures/*.png
    tasks/glasses/N0500_g003.npz ...    one file per glass (:func:`glass_task`)

Seeds: glass g of size N uses ``task_seed(campaign_seed, "glass", N, g)``, so a resumed campaign
(``resume=True``) recomputes exactly the missing glasses and equals an uninterrupted one.

Fingerprints: each glass is fingerprinted with its own arguments and only the config fields
:func:`glass_task` reads (:data:`GLASS_FIELDS`). A resume after changing a field only the
analysis reads (``extended_pr``, ``omega_c``, ``dos_bins`` ...) or adding sizes or glasses
reuses the finished glasses; ``recompute=True`` reruns exactly the glasses whose fingerprint
changed.
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


GLASS_FIELDS = (
    "exponent", "mixture", "binary_ratio", "density", "x_cut", "scheme", "dt", "thermostat",
    "thermostat_tau", "melt_temperature", "melt_time", "liquid_temperature", "liquid_time",
    "quench_method", "quench_fmax", "n_quartic", "quartic_max_displacement", "quartic_points",
)
"""Config fields that a glass task reads (:func:`glass_task`); the rest only the analysis."""


def glass_tasks(cfg: SoftModesConfig) -> list[Task]:
    """One task per (N, glass), fingerprinted with :data:`GLASS_FIELDS` and its arguments."""
    config = cfg.model_dump()
    fields = {name: config[name] for name in GLASS_FIELDS}
    tasks = []
    for n in cfg.sizes:
        for g in range(cfg.glasses_per_size):
            arguments = dict(n_particles=n, glass=g, seed=task_seed(cfg.seed, "glass", n, g))
            tasks.append(Task(task_key(n, g), dict(config=config, **arguments),
                              inputs={**arguments, "config": fields}))
    return tasks


def run_study(
    cfg: SoftModesConfig,
    out_dir: Path,
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
    recompute: bool = False,
) -> dict[str, Path]:
    """Run every glass task (skipping finished ones when ``resume``); returns the task folder.

    Args:
        cfg: the validated configuration.
        out_dir: run folder.
        scheduler: "local", "threads", "sync" or "tcp://HOST:PORT" (:mod:`pelkit.parallel`).
        resume: keep finished task files whose fingerprint matches and compute the missing
            ones; a stored glass made with other inputs is refused
            (:class:`~pelkit.parallel.FingerprintMismatch`).
        progress: ``progress(phase, done, total)``.
        recompute: with ``resume``, rerun exactly the glasses whose fingerprint changed.
    """
    return run_single_phase(out_dir, "glasses", glass_tasks(cfg), glass_task, scheduler=scheduler,
                            workers=cfg.workers, resume=resume or recompute, progress=progress,
                            recompute=recompute)
