"""Orchestration of the tls-qlm study: three task phases through Dask, then the analysis.

Layout of a run folder::

    config.toml  provenance.json  summary.json  results.h5  report.md
    figures/*.png  figures/fig3_modes.xyz
    tasks/glasses/tf0.0620_g000.npz ...            phase 1, one per glass
    tasks/pairs/tf0.0620_g000_p0003.npz ...        phase 2, one per selected pair (p = rank)
    tasks/scan/scan.npz                            phase 3, one selected double well

Seeds: glass g at T_f uses ``task_seed(seed, "glass", T_f, g)`` (its sub-stages derive their
seeds from it); pair tasks are deterministic functions of their minima; so ``resume=True``
recomputes exactly the missing task files and the run equals an uninterrupted one bit for bit.
A resumed run must use the configuration stored in the folder (a different one is refused;
``recompute`` reruns the tasks whose fingerprint changed, :mod:`pelkit.parallel`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.cluster import ClusterOptions, DaskSession
from pelkit.errors import InputError
from pelkit.io.results import RunFolder
from pelkit.parallel import CampaignRunner, Task, load_result, task_seed
from pelkit.studies.tls_qlm.config import TLSQLMConfig, build_config, config_to_dict
from pelkit.studies.tls_qlm.tasks import glass_task, pair_task, scan_task

Progress = Callable[[str, int, int], None]

PHASES = ("glasses", "pairs", "scan")


def glass_key(t_f: float, index: int) -> str:
    """File-name key of glass ``index`` at ``t_f``, e.g. ``tf0.0620_g000``."""
    return f"tf{t_f:.4f}_g{index:03d}"


def pair_key(t_f: float, index: int, rank: int) -> str:
    """Key of the pair of rank ``rank`` of a glass, e.g. ``tf0.0620_g000_p0003``."""
    return f"{glass_key(t_f, index)}_p{rank:04d}"


def prepare_folder(cfg: TLSQLMConfig, out_dir: Path, resume: bool,
                   recompute: bool = False) -> RunFolder:
    """Create the run folder and write config.toml once; a resumed run must match the stored
    one (``recompute``: rewrite it and rerun the tasks whose fingerprint changed)."""
    out_dir = Path(out_dir)
    config = config_to_dict(cfg)
    has_tasks = (out_dir / "tasks").exists() and any((out_dir / "tasks").rglob("*.npz"))
    if has_tasks and not (resume or recompute):
        raise InputError(
            f"{out_dir} already holds a campaign; resume it or choose another output folder"
        )
    folder = RunFolder(out_dir)
    folder.claim_config(config, resume=resume or recompute, recompute=recompute,
                        normalise=lambda d: config_to_dict(build_config(d)),
                        ignore=("workers", "preset"))
    return folder


def _stage(progress: Progress | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


def glass_tasks(cfg: TLSQLMConfig) -> list[Task]:
    """Phase 1: one task per (T_f, glass)."""
    config = config_to_dict(cfg)
    return [
        Task(glass_key(t_f, g), dict(config=config, t_f=t_f, index=g,
                                     seed=task_seed(cfg.seed, "glass", t_f, g)))
        for t_f in cfg.t_f
        for g in range(cfg.glasses_per_tf)
    ]


def pair_tasks(cfg: TLSQLMConfig, glasses: dict[str, dict[str, Any]]) -> list[Task]:
    """Phase 2: one task per selected pair of every glass (best ranked first)."""
    return [task for t_f in cfg.t_f for g in range(cfg.glasses_per_tf)
            for task in glass_pair_tasks(cfg, t_f, g, glasses[glass_key(t_f, g)])]


def glass_pair_tasks(cfg: TLSQLMConfig, t_f: float, g: int, res: dict[str, Any]) -> list[Task]:
    """The pair tasks of glass ``g`` at ``t_f`` from its glass task result ``res``."""
    config = config_to_dict(cfg)
    ids = [int(k) for k in np.atleast_1d(res["sel_ids"])]
    energies = np.atleast_1d(res["minima_energies"])
    tasks = []
    for row in np.atleast_1d(res["selected"]):
        a, b = int(res["pair_a"][row]), int(res["pair_b"][row])
        rank = int(res["pair_rank"][row])
        tasks.append(Task(pair_key(t_f, g, rank), dict(
            config=config, t_f=t_f, glass=g, rank=rank,
            count=int(res["pair_count"][row]),
            x_a=res["sel_positions"][ids.index(a)], e_a=float(energies[a]),
            x_b=res["sel_positions"][ids.index(b)], e_b=float(energies[b]),
            diameters=res["diameters"], box=res["box"],
            seed=task_seed(cfg.seed, "pair", t_f, g, rank),
        )))
    return tasks


def select_scan(cfg: TLSQLMConfig, pairs: dict[str, dict[str, Any]]) -> tuple[str, int] | None:
    """The double well for the band-size scan: converged NEB, smallest splitting in the first
    unit system (the paper's "selected active TLS"); ties by key. None when there is none."""
    label = cfg.tunnel.units[0].label
    best = None
    for key in sorted(pairs):
        res = pairs[key]
        if int(res["n_dw"]) == 0:
            continue
        split = np.atleast_1d(res[f"dw_splitting_{label}"]).astype(float)
        conv = np.atleast_1d(res["dw_neb_converged"]).astype(bool)
        for row in range(split.size):
            if not (conv[row] and np.isfinite(split[row])):
                continue
            if best is None or split[row] < best[0]:
                best = (float(split[row]), key, row)
    return None if best is None else (best[1], best[2])


def scan_tasks(cfg: TLSQLMConfig, pairs: dict[str, dict[str, Any]]) -> list[Task]:
    """Phase 3: the band-size scan (empty when disabled or without a double well)."""
    if not cfg.neb.scan:
        return []
    chosen = select_scan(cfg, pairs)
    if chosen is None:
        return []
    key, row = chosen
    res = pairs[key]
    a = int(np.atleast_1d(res["dw_a"])[row])
    b = int(np.atleast_1d(res["dw_b"])[row])
    glass = res["glass_result"]
    return [Task("scan", dict(
        config=config_to_dict(cfg), t_f=float(res["t_f"]),
        x_a=res["minima_positions"][a], x_b=res["minima_positions"][b],
        diameters=glass["diameters"], box=glass["box"], source=f"{key}:{row}",
    ))]


def run_study(
    cfg: TLSQLMConfig,
    out_dir: str | Path,
    scheduler: str = "local",
    resume: bool = False,
    progress: Progress | None = None,
    analyze_after: bool = True,
    recompute: bool = False,
    notify: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the three phases (skipping finished tasks when ``resume``), then the analysis.

    Args:
        cfg: the validated configuration.
        out_dir: run folder (created).
        scheduler: a scheduler string or :class:`~pelkit.cluster.ClusterOptions`.
        resume: keep finished task files whose fingerprint matches; compute the rest.
        progress: ``progress(phase, done, total)``.
        analyze_after: run :func:`analyze` at the end (returns its summary).
        recompute: rerun the tasks whose fingerprint changed (implies ``resume``).
        notify: one-line warnings and the dashboard URL (default: stderr).

    Returns:
        The summary (also in ``summary.json``), or the task folders when not analysing.
    """
    out_dir = Path(out_dir)
    folder = prepare_folder(cfg, out_dir, resume, recompute)
    resume = resume or recompute
    tasks_dir = out_dir / "tasks"
    t0 = time.perf_counter()
    options = (ClusterOptions(scheduler=scheduler, workers=cfg.workers)
               if isinstance(scheduler, str) else scheduler)
    with DaskSession(options, notify=notify) as session:
        runners = {p: CampaignRunner(tasks_dir / p, session, run_dir=out_dir, notify=notify)
                   for p in PHASES}

        def run_phase(phase: str, tasks: list[Task], func: Callable[..., Any]) -> None:
            with folder.timed(phase):
                outcome = runners[phase].run(tasks, func, resume=resume, recompute=recompute,
                                             progress=_stage(progress, phase))
            outcome.raise_failures()  # later phases need every result of this one

        g_tasks = glass_tasks(cfg)
        run_phase("glasses", g_tasks, glass_task)
        glasses = {t.key: load_result(runners["glasses"].path(t.key)) for t in g_tasks}

        p_tasks = pair_tasks(cfg, glasses)
        run_phase("pairs", p_tasks, pair_task)
        pairs = {}
        for t in p_tasks:
            res = load_result(runners["pairs"].path(t.key))
            res["glass_result"] = glasses[glass_key(t.kwargs["t_f"], t.kwargs["glass"])]
            pairs[t.key] = res

        s_tasks = scan_tasks(cfg, pairs)
        run_phase("scan", s_tasks, scan_task)
    folder.timings["campaign"] = time.perf_counter() - t0
    result: dict[str, Any] = {p: str(runners[p].directory) for p in PHASES}
    if analyze_after:
        result = analyze(out_dir, folder=folder)
    folder.write_provenance(
        seed=cfg.seed,
        extra={"study": "tls-qlm", "preset": cfg.preset, "scheduler": options.scheduler,
               "resume": resume, "device": cfg.exploration.device,
               "n_tasks": {"glasses": len(g_tasks), "pairs": len(p_tasks),
                           "scan": len(s_tasks)}},
    )
    return result


def analyze(out_dir: str | Path, folder: RunFolder | None = None) -> dict[str, Any]:
    """Rebuild results.h5, summary.json, figures and report.md from the stored task files."""
    from pelkit.studies.tls_qlm.analysis import build_library, summarize, write_results
    from pelkit.studies.tls_qlm.figures import make_figures
    from pelkit.studies.tls_qlm.report import write_report

    out_dir = Path(out_dir)
    if not (out_dir / "config.toml").is_file():
        raise InputError(f"{out_dir} is not a tls-qlm run folder (no config.toml)")
    folder = folder or RunFolder(out_dir)
    cfg = build_config(folder.read_config())
    with folder.timed("analysis"):
        library = build_library(out_dir, cfg)
        write_results(folder.results_path, library, cfg)
        summary = summarize(library, cfg)
        figures = make_figures(library, cfg, folder)
        summary["figures"] = figures
        folder.write_summary(summary)
        write_report(folder, library, summary, cfg)
    return summary
