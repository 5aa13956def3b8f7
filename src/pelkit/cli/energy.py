"""``pelkit energy FILE --model NAME``: energy, pressure and forces of one configuration."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import emit, guard


def energy(
    path: Path = typer.Argument(..., help="Configuration file (.xyz/.extxyz or LAMMPS .data)."),
    model: str = typer.Option(..., "--model", "-m", help="Model name (see `pelkit models`)."),
    scheme: str = typer.Option(None, "--scheme", help="Override the cutoff scheme."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Potential energy, pressure and largest force of a configuration."""
    try:
        from pelkit.engine.calculator import summarize
        from pelkit.io.formats import read_system
        from pelkit.models import get_model
        from pelkit.models.base import match_species

        pot = get_model(model, scheme)
        system = match_species(pot, read_system(path))
        result = summarize(pot, system)
        result["file"] = str(path)
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    human = (
        f"{result['n_particles']} particles, model {result['model']} ({result['cutoff_scheme']})\n"
        f"energy               {result['energy']:.15g}\n"
        f"energy per particle  {result['energy_per_particle']:.15g}\n"
        f"pressure             {result['pressure']:.15g}\n"
        f"max force            {result['max_force']:.6g}"
    )
    emit(result, as_json, human)


def models() -> None:
    """List the built-in model names."""
    from pelkit.models import get_model, model_names

    for name in model_names():
        typer.echo(f"{name:16s} {get_model(name).description}")


def register(app: typer.Typer) -> None:
    """Add ``energy`` and ``models`` to the app."""
    app.command("energy")(energy)
    app.command("models")(models)
