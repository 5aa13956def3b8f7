"""Bodies of ``pelkit study run tls-qlm`` and ``pelkit study analyze DIR`` for the Khomenko,
Reichman and Zamponi (2021) study.

The lead's ``pelkit study`` commands call these two functions (inside their own error guard);
both return the summary dictionary that the command prints. A wrong TOML config is one
:class:`~pelkit.errors.InputError` naming the field.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pelkit.cli.progress import progress_bar
from pelkit.cluster import ClusterOptions


def run_tls_qlm(
    preset: str,
    out: Path,
    scheduler: str | ClusterOptions = "local",
    resume: bool = False,
    config: Path | None = None,
    quiet: bool = False,
    as_json: bool = False,
    device: str | None = None,
    recompute: bool = False,
) -> dict[str, Any]:
    """Run the tls-qlm campaign of ``preset`` (merged with the TOML file ``config``) into
    ``out`` and analyse it; one progress bar per phase unless ``quiet`` or ``as_json``.
    ``device`` (cpu, gpu, auto) overrides ``exploration.device`` (the batched walkers)."""
    from pelkit.studies.tls_qlm.config import load_config
    from pelkit.studies.tls_qlm.runner import run_study

    overrides = {"exploration": {"device": device}} if device is not None else None
    cfg = load_config(preset, config, overrides)
    enabled = not (quiet or as_json)
    state: dict[str, Any] = {"phase": None, "stack": ExitStack(), "update": None}

    def progress(phase: str, done: int, total: int) -> None:
        # one live display at a time: close the previous phase's bar before opening the next
        if phase != state["phase"]:
            state["stack"].close()
            state["stack"] = ExitStack()
            state["update"] = state["stack"].enter_context(
                progress_bar(f"tls-qlm {phase}", max(total, 1), enabled)
            )
            state["phase"] = phase
        state["update"](done, total)

    try:
        return run_study(cfg, Path(out), scheduler=scheduler, resume=resume, progress=progress,
                         recompute=recompute)
    finally:
        state["stack"].close()


def analyze_tls_qlm(out_dir: Path, partial: bool = False) -> dict[str, Any]:
    """Rewrite results.h5, summary.json, figures and report.md of a finished tls-qlm run.

    Damaged task files are moved aside and named in one error line (exit 2); ``partial`` is not
    supported for this study (its later phases need every earlier result)."""
    from pelkit.errors import InputError
    from pelkit.parallel import audit_tasks
    from pelkit.studies.tls_qlm.runner import PHASES, analyze

    out_dir = Path(out_dir)
    damaged = []
    for phase in PHASES:
        folder = out_dir / "tasks" / phase
        keys = sorted(p.stem for p in folder.glob("*.npz")) if folder.is_dir() else []
        damaged += [f"{phase}/{k}" for k in audit_tasks(folder, keys)]
    if damaged:
        raise InputError(
            f"{out_dir}: damaged task results {', '.join(damaged)} (moved aside): recompute them "
            "with `pelkit study run tls-qlm ... --resume`"
            + ("; --partial is not supported for tls-qlm" if partial else "")
        )
    if partial:
        raise InputError("--partial is not supported for tls-qlm (its phases build on each other)")
    return analyze(out_dir)
