"""Bodies of ``pelkit study run|analyze`` for studies with the package interface

    <package>.config.load_config(preset, config_file, workers=...) -> cfg
    <package>.config.build_config(values) -> cfg         (from a run folder's config.toml)
    <package>.runner.run_study(cfg, out_dir, scheduler=, resume=, progress=)
    <package>.analysis.analyze(out_dir, cfg) -> summary

(``soft-modes`` and ``ka-entropy``). Both functions return the summary that the command prints;
errors are :class:`~pelkit.errors.InputError` lines raised to the command's guard.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pelkit.cli.progress import progress_bar

PACKAGES = {
    "soft-modes": "pelkit.studies.soft_modes",
    "ka-entropy": "pelkit.studies.ka_entropy",
}


def _module(name: str, part: str) -> Any:
    return importlib.import_module(f"{PACKAGES[name]}.{part}")


def run_package_study(
    name: str,
    preset: str,
    out: Path,
    scheduler: Any = "local",
    resume: bool = False,
    config: Path | None = None,
    workers: int | None = None,
    quiet: bool = False,
    as_json: bool = False,
) -> dict[str, Any]:
    """Run study ``name`` with ``preset`` (merged with the TOML file ``config``) into ``out``,
    then analyse it; a resumed run must use the configuration stored in the folder."""
    from pelkit.cli.study import _check_out
    from pelkit.errors import InputError
    from pelkit.io.results import RunFolder

    cfg = _module(name, "config").load_config(preset, config, workers=workers)
    _check_out(out, resume)
    folder = RunFolder(out)
    stored = out / "config.toml"
    if resume and stored.is_file():
        old = _module(name, "config").build_config(folder.read_config())
        skip = {"workers", "preset"}
        if {k: v for k, v in old.model_dump().items() if k not in skip} != {
            k: v for k, v in cfg.model_dump().items() if k not in skip
        }:
            raise InputError(f"cannot resume {out}: the configuration differs from the stored "
                             "one (use --config OUT/config.toml or a new folder)")
    folder.write_config({**cfg.model_dump(exclude_none=True), "study_name": name})
    with folder.timed("campaign"):
        with progress_bar(name, 1, enabled=not (quiet or as_json)) as update:
            _module(name, "runner").run_study(
                cfg, out, scheduler=scheduler, resume=resume,
                progress=lambda stage, done, total: update(done, total),
            )
    summary = _module(name, "analysis").analyze(out, cfg)
    folder.write_provenance(seed=cfg.seed, extra={
        "study": name, "preset": preset, "resume": resume,
        "scheduler": getattr(scheduler, "scheduler", scheduler)})
    return summary


def analyze_package_study(name: str, run_dir: Path) -> dict[str, Any]:
    """Rewrite results.h5, summary.json, figures and report.md of a finished run of ``name``."""
    from pelkit.io.results import RunFolder

    cfg = _module(name, "config").build_config(RunFolder(run_dir).read_config())
    return _module(name, "analysis").analyze(run_dir, cfg)
