"""Orchestration of the ka-entropy study: every state point through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md  figures/*.png
    tasks/states/isotherm_rho0.08332_r00.npz ...   isotherm T0, one file per (rho, replica)
    tasks/states/isochore_T0.8000_r00.npz ...      isochore rho, one file per (T, replica)

Seeds: ``task_seed(campaign_seed, kind, rho or T, replica)``, so a resumed campaign
(``resume=True``) recomputes exactly the missing state points and equals an uninterrupted one.

Fingerprints: each state point is fingerprinted with its own arguments and only the config
fields its simulation reads (:data:`SIMULATION_FIELDS`, plus :data:`LANDSCAPE_FIELDS` on the
isochore). A resume after changing a field only the analysis reads (``hbar``, ``anharmonic``,
``landscape_max_temperature`` ...) reuses every state point; ``recompute=True`` reruns exactly
the state points whose fingerprint changed (``n_quenches`` changes the isochore, not the
isotherm).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


SIMULATION_FIELDS = (
    "model", "n_particles", "dt", "dt_hot", "t_hot", "thermostat", "thermostat_tau",
    "melt_temperature", "melt_time", "eq_msd_target", "eq_min_time", "eq_max_time",
    "eq_block_time", "production_time",
)
"""Config fields that every state point's simulation reads (:func:`tasks.state_task`)."""

LANDSCAPE_FIELDS = ("n_quenches", "n_hessians", "quench_method", "quench_fmax")
"""Config fields that only the isochore state points read (quenches and Hessians)."""


def _task(config: dict[str, Any], key: str, **arguments: Any) -> Task:
    """A state-point task whose fingerprint covers its arguments and the fields it reads."""
    fields = SIMULATION_FIELDS + (LANDSCAPE_FIELDS if arguments["kind"] == "isochore" else ())
    inputs = {**arguments, "config": {name: config[name] for name in fields}}
    return Task(key, dict(config=config, **arguments), inputs=inputs)


def state_tasks(cfg: KAEntropyConfig) -> list[Task]:
    """All state points: the isotherm densities, then the isochore temperatures."""
    config = cfg.model_dump()
    tasks = []
    for rho in cfg.isotherm_densities():
        for r in range(cfg.n_replicas):
            tasks.append(_task(
                config, isotherm_key(rho, r), kind="isotherm", density=rho,
                temperature=cfg.isotherm_temperature, replica=r,
                seed=task_seed(cfg.seed, "isotherm", round(rho, 10), r)))
    for T in cfg.isochore_temperatures():
        for r in range(cfg.n_replicas):
            tasks.append(_task(
                config, isochore_key(T, r), kind="isochore", density=cfg.density,
                temperature=T, replica=r, seed=task_seed(cfg.seed, "isochore", T, r)))
    return tasks


def run_study(
    cfg: KAEntropyConfig,
    out_dir: Path,
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
    recompute: bool = False,
) -> dict[str, Path]:
    """Run every state point (skipping finished ones when ``resume``); returns the task folder.

    Args:
        cfg: the validated configuration.
        out_dir: run folder.
        scheduler: "local", "threads", "sync" or "tcp://HOST:PORT" (:mod:`pelkit.parallel`).
        resume: keep finished task files whose fingerprint matches and compute the missing
            ones; a stored state point made with other inputs is refused
            (:class:`~pelkit.parallel.FingerprintMismatch`).
        progress: ``progress(phase, done, total)``.
        recompute: with ``resume``, rerun exactly the state points whose fingerprint changed.
    """
    return run_single_phase(out_dir, "states", state_tasks(cfg), state_task, scheduler=scheduler,
                            workers=cfg.workers, resume=resume or recompute, progress=progress,
                            recompute=recompute)
