"""``pelkit energy FILE --model NAME``: energy, pressure and forces of one configuration."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import (
    cli_command,
    config_argument,
    emit,
    json_option,
    load_model_system,
    model_option,
    scheme_option,
    species_map_option,
)


@cli_command
def energy(
    path: Path = config_argument(),
    model: str = model_option(),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
) -> None:
    """Potential energy (eps), pressure (eps/sigma^3) and largest force (eps/sigma)."""
    from pelkit.engine.calculator import summarize

    pot, system = load_model_system(path, model, scheme, species_map)
    result = summarize(pot, system)
    result["file"] = str(path)
    human = (
        f"{result['n_particles']} particles, model {result['model']} ({result['cutoff_scheme']})\n"
        f"energy               {result['energy']:.15g} eps\n"
        f"energy per particle  {result['energy_per_particle']:.15g} eps\n"
        f"pressure             {result['pressure']:.15g} eps/sigma^3\n"
        f"max force            {result['max_force']:.6g} eps/sigma"
    )
    emit(result, as_json, human)


@cli_command
def models(as_json: bool = json_option()) -> None:
    """List the built-in model names."""
    from pelkit.models import get_model, model_names

    rows = {name: get_model(name).description for name in model_names()}
    emit(rows, as_json, "\n".join(f"{n:16s} {d}" for n, d in rows.items()))


def register(app: typer.Typer) -> None:
    """Add ``energy`` and ``models`` to the app."""
    app.command("energy")(energy)
    app.command("models")(models)
