"""``pelkit study list|run|analyze``: the paper-scale pipelines (thin wrappers)."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import emit, guard
from pelkit.cli.progress import progress_bar

study_app = typer.Typer(no_args_is_help=True, help="Paper-scale studies (resumable campaigns).")

DESCRIPTIONS = {
    "ka-landscape": "Kob-Andersen N=155: local diffusivity vs inherent-structure energy "
    "(seed 004) with INM (seed 000)",
    "tls-qlm": "swap glasses: two-level systems vs quasi-localized modes, NEB double wells, "
    "tunnel splittings (seed 003)",
    "soft-modes": "soft-sphere glasses: VDOS, participation and localisation of the lowest "
    "modes, quartic fits against the soft-potential stability line (seed 002 Figs 5-6, 8)",
    "ka-entropy": "Kob-Andersen configurational entropy by thermodynamic integration, s_c(e_IS) "
    "against the Gaussian landscape, Kauzmann temperatures (seed 004 Fig 4)",
}


@study_app.command("list")
def list_studies(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the studies and their presets."""
    from pelkit.studies.ka_landscape.config import PRESETS as KA_PRESETS

    rows = {"ka-landscape": sorted(KA_PRESETS), "tls-qlm": ["smoke", "laptop", "paper"],
            "soft-modes": ["smoke", "laptop", "paper"], "ka-entropy": ["smoke", "laptop", "paper"]}
    emit(
        {name: {"description": DESCRIPTIONS[name], "presets": p} for name, p in rows.items()},
        as_json,
        "\n".join(f"{n:14s} presets: {', '.join(p)}\n  {DESCRIPTIONS[n]}" for n, p in rows.items()),
    )


def _check_out(out: Path, resume: bool) -> None:
    from pelkit.errors import InputError

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    if out.exists() and (out / "tasks").exists() and not resume:
        raise InputError(
            f"{out} already holds a campaign; add --resume to continue it or choose another --out"
        )


def _run_ka(preset, out, scheduler, resume, config, workers, quiet, as_json) -> dict:  # noqa: ANN001
    from pelkit.io.results import RunFolder
    from pelkit.studies.ka_landscape.analysis import analyze
    from pelkit.studies.ka_landscape.config import load_config
    from pelkit.studies.ka_landscape.runner import run_study

    cfg = load_config(preset, config, workers=workers)
    _check_out(out, resume)
    folder = RunFolder(out)
    folder.write_config({**cfg.model_dump(), "study_name": "ka-landscape"})
    with folder.timed("campaign"):
        with progress_bar("ka-landscape", 1, enabled=not (quiet or as_json)) as update:
            run_study(
                cfg, out, scheduler=scheduler, resume=resume,
                progress=lambda stage, done, total: update(done, total),
            )
    with folder.timed("analysis"):
        summary = analyze(out, cfg)
    folder.write_provenance(seed=cfg.seed, extra={"study": "ka-landscape", "preset": preset,
                                                  "scheduler": scheduler})
    return summary


def run(
    name: str = typer.Argument(..., help="Study name (see `pelkit study list`)."),
    preset: str = typer.Option("laptop", "--preset", help="smoke, laptop or paper."),
    out: Path = typer.Option(..., "--out", help="Run folder."),
    scheduler: str = typer.Option(
        "local", "--scheduler", help="local, threads, sync or a Dask address tcp://HOST:PORT."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue a killed campaign."),
    config: Path = typer.Option(None, "--config", help="TOML file overriding preset values."),
    workers: int = typer.Option(None, "--workers", help="Local worker processes (default: cores)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a study campaign, then its analysis; everything lands in the run folder."""
    try:
        from pelkit.errors import InputError

        if name == "ka-landscape":
            summary = _run_ka(preset, out, scheduler, resume, config, workers, quiet, as_json)
        elif name == "tls-qlm":
            from pelkit.cli.study_tls import run_tls_qlm

            _check_out(out, resume)
            summary = run_tls_qlm(preset, out, scheduler, resume, config, quiet, as_json)
        elif name in ("soft-modes", "ka-entropy"):
            from pelkit.cli.study_packages import run_package_study

            summary = run_package_study(name, preset, out, scheduler, resume, config, workers,
                                        quiet, as_json)
        else:
            raise InputError(f"unknown study {name!r}; known: {', '.join(DESCRIPTIONS)}")
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    emit(summary, as_json, f"study {name} finished: see {out}/report.md and {out}/figures/")


def analyze_cmd(
    run_dir: Path = typer.Argument(..., help="A run folder written by `pelkit study run`."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Re-run the analysis of a finished campaign from its stored task results."""
    try:
        from pelkit.errors import InputError
        from pelkit.io.results import RunFolder

        if not (run_dir / "config.toml").is_file():
            raise InputError(f"{run_dir} is not a study run folder (no config.toml)")
        folder = RunFolder(run_dir)
        study = folder.read_config().get("study_name") or _guess_study(run_dir)
        if study == "ka-landscape":
            from pelkit.studies.ka_landscape.analysis import analyze
            from pelkit.studies.ka_landscape.config import KAConfig

            cfg = KAConfig(**{k: v for k, v in folder.read_config().items() if k != "study_name"})
            summary = analyze(run_dir, cfg)
        elif study in ("soft-modes", "ka-entropy"):
            from pelkit.cli.study_packages import analyze_package_study

            summary = analyze_package_study(study, run_dir)
        else:
            from pelkit.cli.study_tls import analyze_tls_qlm

            summary = analyze_tls_qlm(run_dir)
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    emit(summary, as_json, f"analysis of {run_dir} rewritten: summary.json, report.md, figures/")


def _guess_study(run_dir: Path) -> str:
    return "ka-landscape" if (run_dir / "tasks" / "equilibrate").exists() else "tls-qlm"


study_app.command("run")(run)
study_app.command("analyze")(analyze_cmd)
