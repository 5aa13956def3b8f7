"""``pelkit md`` and ``pelkit quench``: thin wrappers over :mod:`pelkit.dynamics.md` and
:mod:`pelkit.landscape.quench`."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import emit, guard
from pelkit.cli.progress import progress_bar


def _load(path: Path, model: str, scheme: str | None):
    from pelkit.io.formats import read_system
    from pelkit.models import get_model
    from pelkit.models.base import match_species

    pot = get_model(model, scheme)
    return pot, match_species(pot, read_system(path))


def md(
    path: Path = typer.Argument(..., help="Start configuration (.xyz, .data or .h5: last frame)."),
    model: str = typer.Option(..., "--model", "-m", help="Model name."),
    temperature: float = typer.Option(..., "--temperature", "-T", help="Target temperature."),
    steps: int = typer.Option(..., "--steps", "-n", help="Number of MD steps."),
    dt: float = typer.Option(0.005, "--dt", help="Time step (tau)."),
    thermostat: str = typer.Option(
        "nose-hoover", "--thermostat", help="nve, nose-hoover, bussi or langevin."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for velocities and stochastic thermostats."),
    out: Path = typer.Option(None, "--out", help="H5MD trajectory to write (.h5)."),
    stride: int = typer.Option(100, "--stride", help="Trajectory stride (steps)."),
    final: Path = typer.Option(None, "--final", help="Write the final state (for restarts)."),
    scheme: str = typer.Option(None, "--scheme", help="Override the cutoff scheme."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    replicas: int = typer.Option(
        None, "--replicas", help="Run M replicas in one batch (from the file's M frames, or "
        "M copies of one frame with their own velocities)."
    ),
    device: str = typer.Option(None, "--device", help="Batched replicas on cpu, gpu or auto."),
    threads: int = typer.Option(None, "--threads", help="CPU threads for batched replicas."),
) -> None:
    """Molecular dynamics (NVE or NVT); velocities from the file or Maxwell-Boltzmann."""
    if replicas is not None or device is not None:
        _md_batch(path, model, scheme, replicas, temperature=temperature, steps=steps, dt=dt,
                  thermostat=thermostat, seed=seed, out=out, stride=stride, final=final,
                  device=device or "cpu", threads=threads, as_json=as_json, quiet=quiet)
        return
    try:
        from pelkit.dynamics.md import MDSimulation
        from pelkit.errors import InputError
        from pelkit.io.formats import write_system

        if steps < 0:
            raise InputError(f"--steps must be non-negative, got {steps}")
        pot, system = _load(path, model, scheme)
        sim = MDSimulation(pot, system, temperature, thermostat=thermostat, dt=dt, seed=seed)
        with progress_bar("md", steps, enabled=not (quiet or as_json)) as update:
            result = sim.run(steps, trajectory=out, stride=stride, progress=update)
        if final is not None:
            write_system(final, sim.system)
        summary = result.summary()
        summary.update(
            n_particles=system.n_particles, model=pot.name, temperature_target=temperature,
            trajectory=str(out) if out else None, final=str(final) if final else None,
        )
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    human = (
        f"{summary['steps']} steps of {thermostat} MD, N = {summary['n_particles']}\n"
        f"mean temperature                    {summary['mean_temperature']:.6g}\n"
        f"mean potential energy per particle  "
        f"{summary['mean_potential_energy_per_particle']:.10g}\n"
        f"mean pressure                       {summary['mean_pressure']:.6g}\n"
        f"conserved-energy drift per particle {summary['conserved_drift_per_particle']:.3g}"
    )
    emit(summary, as_json, human)


def _load_frames(path: Path, model: str, scheme: str | None):
    from pelkit.io.frames import read_frames
    from pelkit.models import get_model
    from pelkit.models.base import match_species

    pot = get_model(model, scheme)
    return pot, [match_species(pot, s) for s in read_frames(path)]


def _md_batch(path: Path, model: str, scheme: str | None, replicas: int | None, *,
              as_json: bool, quiet: bool, **kwargs) -> None:
    """``pelkit md --replicas M`` / ``--device``: :func:`pelkit.cli.replicas.md_replicas`."""
    try:
        from pelkit.cli.replicas import md_replicas, starting_replicas
        from pelkit.errors import InputError

        if kwargs["steps"] < 0:
            raise InputError(f"--steps must be non-negative, got {kwargs['steps']}")
        if path.suffix in (".xyz", ".extxyz"):
            pot, frames = _load_frames(path, model, scheme)
        else:
            pot, system = _load(path, model, scheme)
            frames = [system]
        summary = md_replicas(pot, starting_replicas(frames, replicas), progress=progress_bar,
                              show=not (quiet or as_json), **kwargs)
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    from pelkit.cli.replicas import md_human

    emit(summary, as_json, md_human(summary))
    if summary["failed_replicas"]:
        raise SystemExit(1)


def quench(
    path: Path = typer.Argument(..., help="Configuration to quench (all frames of a "
                                "multi-frame .xyz, .h5 or .dump file, in one batch)."),
    model: str = typer.Option(..., "--model", "-m", help="Model name."),
    method: str = typer.Option("lbfgs", "--method", help="lbfgs, fire2, fire, cg or sd."),
    fmax: float = typer.Option(1e-10, "--fmax", help="Max per-particle force at convergence."),
    out: Path = typer.Option(None, "--out", help="Write the minimum here."),
    scheme: str = typer.Option(None, "--scheme", help="Override the cutoff scheme."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    device: str = typer.Option(None, "--device", help="Batched quench on cpu, gpu or auto."),
    threads: int = typer.Option(None, "--threads", help="CPU threads for a batched quench."),
) -> None:
    """Quench a configuration (or every frame of a file) to its inherent structure."""
    try:
        from pelkit.cli.replicas import quench_frames, quench_human
        from pelkit.errors import InputError
        from pelkit.io.formats import write_system
        from pelkit.landscape.quench import quench as run_quench

        if not fmax > 0:
            raise InputError(f"--fmax must be positive, got {fmax}")
        pot, frames = _load_frames(path, model, scheme)
        if len(frames) > 1 or device is not None:
            summary = quench_frames(pot, frames, method=method, fmax=fmax, out=out,
                                    device=device or "cpu", threads=threads)
            batched = True
        else:
            batched = False
            system = frames[0]
            result = run_quench(pot, system, method=method, fmax=fmax)
            if out is not None:
                write_system(out, result.system)
            summary = result.summary()
            summary.update(model=pot.name, out=str(out) if out else None)
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    if batched:
        emit(summary, as_json, quench_human(summary))
        if summary["n_converged"] < summary["frames"]:
            raise SystemExit(1)
        return
    human = (
        f"{summary['method']}: e_IS = {summary['energy_per_particle']:.12g} per particle, "
        f"max force {summary['max_force']:.3g}, {summary['iterations']} iterations, "
        f"converged: {summary['converged']} ({summary['stop_reason']})"
    )
    emit(summary, as_json, human)
    if not summary["converged"]:
        raise SystemExit(1)


def register(app: typer.Typer) -> None:
    """Add ``md`` and ``quench``."""
    app.command("md")(md)
    app.command("quench")(quench)
