"""``pelkit study list|run|analyze``: the paper-scale pipelines (thin wrappers).

Studies are listed in :data:`pelkit.studies.registry.STUDIES`; the bodies that run and analyse
each one on the command line are registered in :data:`RUNNERS` and :data:`ANALYZERS` below.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.cluster_options import (
    SCHEDULER_HELP,
    campaign_failed,
    cluster_options,
    dashboard_option,
    insecure_option,
    jobs_option,
    shared_fs_option,
    tls_option,
)
from pelkit.cli.common import (
    cli_command,
    device_option,
    emit,
    json_option,
    out_option,
    quiet_option,
)
from pelkit.cli.progress import progress_bar
from pelkit.parallel import CampaignFailed

study_app = typer.Typer(no_args_is_help=True, help="Paper-scale studies (resumable campaigns).")

DEVICES = ("cpu", "gpu", "auto")


@study_app.command("list")
@cli_command
def list_studies(as_json: bool = json_option()) -> None:
    """List the studies: what each reproduces, its presets and their expected run times."""
    from pelkit.studies.registry import STUDIES

    lines = []
    for info in STUDIES.values():
        lines.append(f"{info.name}\n  {info.description}\n  reproduces: {info.reproduces}")
        lines += [f"  --preset {p:12s} {t}" for p, t in info.presets.items()]
    emit({name: info.as_dict() for name, info in STUDIES.items()}, as_json, "\n".join(lines))


def _check_out(out: Path, resume: bool) -> None:
    from pelkit.errors import InputError

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    if out.exists() and (out / "tasks").exists() and not resume:
        raise InputError(
            f"{out} already holds a campaign; add --resume to continue it or choose another --out"
        )


def _device_label(device: str) -> str:
    """"cpu" or "gpu: <name>" for provenance.json."""
    if device != "gpu":
        return "cpu"
    from pelkit.engine.cuda import device_name

    return f"gpu: {device_name()}"


def _run_ka(preset, out, options, resume, recompute, config, workers, quiet,  # noqa: ANN001
            as_json, device=None) -> dict:  # noqa: ANN001
    from pelkit.io.results import RunFolder
    from pelkit.studies.ka_landscape.analysis import analyze
    from pelkit.studies.ka_landscape.config import load_config
    from pelkit.studies.ka_landscape.runner import (
        block_size,
        claim_folder,
        resolved_device,
        run_study,
    )

    cfg = load_config(preset, config, workers=workers, device=device)
    used = resolved_device(cfg)  # "gpu" without a GPU: one error line before any work
    _check_out(out, resume or recompute)
    claim_folder(cfg, out, resume or recompute, recompute)  # refuse a mismatch before any work
    folder = RunFolder(out)
    with folder.timed("campaign"):
        with progress_bar("ka-landscape", 1, enabled=not (quiet or as_json)) as update:
            run_study(
                cfg, out, scheduler=options, resume=resume, recompute=recompute,
                progress=lambda stage, done, total: update(done, total),
            )
    with folder.timed("analysis"):
        summary = analyze(out, cfg)
    folder.write_provenance(seed=cfg.seed, extra={
        "study": "ka-landscape", "preset": preset, "scheduler": options.scheduler,
        "resume": resume, "recompute": recompute, "device": _device_label(used),
        "replica_block": block_size(cfg, used)})
    return summary


def _run_tls(preset, out, options, resume, recompute, config, workers, quiet,  # noqa: ANN001
             as_json, device=None) -> dict:  # noqa: ANN001
    from pelkit.cli.study_tls import run_tls_qlm

    _check_out(out, resume or recompute)
    return run_tls_qlm(preset, out, options, resume, config, quiet, as_json,
                       recompute=recompute, device=device)


def _analyze_ka(run_dir: Path, stored: dict, partial: bool) -> dict:
    from pelkit.studies.ka_landscape.analysis import analyze
    from pelkit.studies.ka_landscape.config import KAConfig
    from pelkit.studies.ka_landscape.runner import check_tasks

    cfg = KAConfig(**{k: v for k, v in stored.items() if k != "study_name"})
    problems = check_tasks(cfg, run_dir, partial)
    return analyze(run_dir, cfg, partial=problems or None)


def _analyze_tls(run_dir: Path, stored: dict, partial: bool) -> dict:
    from pelkit.cli.study_tls import analyze_tls_qlm

    return analyze_tls_qlm(run_dir, partial=partial)


def _package_runner(name: str):  # noqa: ANN202 - a RUNNERS entry
    def run_package(preset, out, options, resume, recompute, config, workers, quiet,  # noqa: ANN001
                    as_json, device=None) -> dict:  # noqa: ANN001
        from pelkit.cli.study_packages import run_package_study
        from pelkit.errors import InputError

        if device not in (None, "cpu", "auto"):
            raise InputError(f"{name} runs on the CPU only (--device cpu or auto)")
        return run_package_study(name, preset, out, options, resume, config, workers, quiet,
                                 as_json, recompute)

    return run_package


def _package_analyzer(name: str):  # noqa: ANN202 - an ANALYZERS entry
    def analyze_package(run_dir: Path, stored: dict, partial: bool) -> dict:
        from pelkit.cli.study_packages import analyze_package_study
        from pelkit.errors import InputError

        if partial:
            raise InputError(f"{name} has no --partial analysis")
        return analyze_package_study(name, run_dir)

    return analyze_package


# the command-line bodies of each study in pelkit.studies.registry.STUDIES
RUNNERS = {"ka-landscape": _run_ka, "tls-qlm": _run_tls,
           "soft-modes": _package_runner("soft-modes"),
           "ka-entropy": _package_runner("ka-entropy")}
ANALYZERS = {"ka-landscape": _analyze_ka, "tls-qlm": _analyze_tls,
             "soft-modes": _package_analyzer("soft-modes"),
             "ka-entropy": _package_analyzer("ka-entropy")}


@cli_command
def run(
    name: str = typer.Argument(..., help="Study name (see `pelkit study list`)."),
    preset: str = typer.Option(
        None, "--preset",
        help="smoke, laptop, workstation or paper (see `pelkit study list`; default laptop).",
    ),
    out: Path = out_option("Run folder (created if missing).", ...),
    scheduler: str = typer.Option("local", "--scheduler", help=SCHEDULER_HELP),
    resume: bool = typer.Option(False, "--resume", help="Continue a killed campaign."),
    recompute: bool = typer.Option(
        False, "--recompute", help="Resume with a changed config: redo exactly the tasks whose "
        "fingerprint changed."
    ),
    config: Path = typer.Option(None, "--config", help="TOML file overriding preset values."),
    workers: int = typer.Option(None, "--workers", help="Local worker processes (default: cores)."),
    device: str = device_option("the config's"),
    jobs: int = jobs_option(),
    tls_ca: Path = tls_option("ca", "CA certificate"),
    tls_cert: Path = tls_option("cert", "Client certificate"),
    tls_key: Path = tls_option("key", "Client private key"),
    insecure: bool = insecure_option(),
    dashboard_address: str = dashboard_option(),
    workers_write: bool = shared_fs_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Run a study campaign, then its analysis; everything lands in the run folder."""
    from pelkit.errors import InputError
    from pelkit.studies.registry import STUDIES

    if name not in RUNNERS:
        raise InputError(f"unknown study {name!r}; known: {', '.join(STUDIES)}")
    if device is not None and device not in DEVICES:
        raise InputError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    preset = preset or STUDIES[name].default_preset
    options = cluster_options(scheduler, workers, jobs, tls_ca, tls_cert, tls_key, insecure,
                              dashboard_address, workers_write)
    try:
        summary = RUNNERS[name](preset, out, options, resume, recompute, config, workers, quiet,
                                as_json, device=device)
    except CampaignFailed as exc:  # a summary of the failed tasks, exit 1
        campaign_failed(exc)
    emit(summary, as_json, f"study {name} finished: see {out}/report.md and {out}/figures/")


@cli_command
def analyze_cmd(
    run_dir: Path = typer.Argument(..., help="A run folder written by `pelkit study run`."),
    partial: bool = typer.Option(
        False, "--partial", help="Analyse the complete task results when some are missing or "
        "damaged (the report says which)."
    ),
    as_json: bool = json_option(),
) -> None:
    """Re-run the analysis of a finished campaign from its stored task results."""
    from pelkit.errors import InputError
    from pelkit.io.results import RunFolder

    if not (run_dir / "config.toml").is_file():
        raise InputError(f"{run_dir} is not a study run folder (no config.toml)")
    stored = RunFolder(run_dir).read_config()
    study = stored.get("study_name") or _guess_study(run_dir)
    if study not in ANALYZERS:
        raise InputError(f"{run_dir} holds an unknown study {study!r}")
    summary = ANALYZERS[study](run_dir, stored, partial)
    emit(summary, as_json, f"analysis of {run_dir} rewritten: summary.json, report.md, figures/")


def _guess_study(run_dir: Path) -> str:
    return "ka-landscape" if (run_dir / "tasks" / "equilibrate").exists() else "tls-qlm"


study_app.command("run")(run)
study_app.command("analyze")(analyze_cmd)
