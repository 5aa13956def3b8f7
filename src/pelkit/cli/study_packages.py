"""Bodies of ``pelkit study run|analyze`` for studies with the package interface

    <package>.config.load_config(preset, config_file, workers=...) -> cfg
    <package>.config.build_config(values) -> cfg         (from a run folder's config.toml)
    <package>.runner.run_study(cfg, out_dir, scheduler=, resume=, progress=, recompute=)
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
    recompute: bool = False,
) -> dict[str, Any]:
    """Run study ``name`` with ``preset`` (merged with the TOML file ``config``) into ``out``,
    then analyse it; a resumed run must use the configuration stored in the folder, unless
    ``recompute`` (rerun exactly the tasks whose fingerprint changed)."""
    from pelkit.cli.study import _check_out
    from pelkit.io.results import RunFolder

    config_module = _module(name, "config")
    cfg = config_module.load_config(preset, config, workers=workers)
    _check_out(out, resume or recompute)

    def normalise(values: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in values.items() if k != "study_name"}
        return config_module.build_config(values).model_dump()

    # a resume must match config.toml; --recompute rewrites it and the task fingerprints decide
    # which tasks rerun (those whose own inputs changed)
    folder = RunFolder(out)
    folder.claim_config({**cfg.model_dump(exclude_none=True), "study_name": name},
                        resume=resume or recompute, recompute=recompute, normalise=normalise,
                        ignore=("workers", "preset"))
    with folder.timed("campaign"):
        with progress_bar(name, 1, enabled=not (quiet or as_json)) as update:
            _module(name, "runner").run_study(
                cfg, out, scheduler=scheduler, resume=resume or recompute,
                progress=lambda stage, done, total: update(done, total), recompute=recompute,
            )
    summary = _module(name, "analysis").analyze(out, cfg)
    folder.write_provenance(seed=cfg.seed, extra={
        "study": name, "preset": preset, "resume": resume, "recompute": recompute,
        "scheduler": getattr(scheduler, "scheduler", scheduler)})
    return summary


def analyze_package_study(name: str, run_dir: Path) -> dict[str, Any]:
    """Rewrite results.h5, summary.json, figures and report.md of a finished run of ``name``."""
    from pelkit.io.results import RunFolder

    cfg = _module(name, "config").build_config(RunFolder(run_dir).read_config())
    return _module(name, "analysis").analyze(run_dir, cfg)
