"""``pelkit basin-hopping FILE --model M``: Monte Carlo on quenched energies (global minima).

See :mod:`pelkit.landscape.basin_hopping`. The JSON has ``lowest_energy`` (eps), the step it was
found at, acceptance and rejection counts, ``steps_per_second`` and the seed. ``--db`` stores
every quenched minimum (deduplicated, with Hessian eigenvalues; an existing database of the same
system is extended), ``--out`` writes the lowest minimum.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import (
    check_output,
    cli_command,
    config_argument,
    emit,
    fmax_option,
    json_option,
    load_model_system,
    model_option,
    out_option,
    scheme_option,
    seed_option,
    species_map_option,
    temperature_option,
)


@cli_command
def basin_hopping_command(
    path: Path = config_argument(),
    model: str = model_option(),
    steps: int = typer.Option(100, "--steps", help="Monte Carlo steps (0: quench the start "
                              "only)."),
    temperature: float = temperature_option(0.8, "Monte Carlo temperature (eps/k_B)."),
    step_size: float = typer.Option(0.4, "--step-size", help="Displacement amplitude (sigma)."),
    seed: int = seed_option(),
    fmax: float = fmax_option(1e-6),
    adapt: int = typer.Option(0, "--adapt-every", help="Adapt the step every N steps (0: no)."),
    db: Path = typer.Option(None, "--db", help="Landscape database (SQLite) that stores every "
                            "minimum found (created if missing)."),
    out: Path = out_option("Write the lowest minimum here."),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
) -> None:
    """Basin-hopping global optimisation; optionally feeds a landscape database."""
    from pelkit.cli.landscape_common import check_positive, open_database
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.io.formats import write_system
    from pelkit.landscape.basin_hopping import BasinHoppingOptions, basin_hopping
    from pelkit.landscape.surface import Surface

    if steps < 0:
        raise InputError(f"--steps must be >= 0, got {steps}")
    check_positive("--temperature", temperature)
    check_positive("--step-size", step_size)
    check_positive("--fmax", fmax)
    check_output(out, configuration=True)
    options = BasinHoppingOptions(step_size=step_size, fmax=fmax, adapt_every=adapt)
    pot, system = load_model_system(path, model, scheme, species_map)
    base = None
    if db is not None:
        surface = Surface.from_calculator(Calculator(pot, system))
        base = open_database(db, system, model, surface)
    try:
        res = basin_hopping(pot, system, steps=steps, temperature=temperature, seed=seed,
                            options=options, database=base)
        counts = base.counts() if base is not None else None
    finally:
        if base is not None:
            base.close()
    result = res.summary()
    result.update(file=str(path), model=model)
    if counts is not None:
        result.update(db=str(db), db_minima_total=counts[0])
    if out is not None:
        write_system(out, res.lowest)
        result["out"] = str(out)
    human = (f"basin-hopping {steps} steps at T = {temperature:g}: lowest energy "
             f"{res.lowest_energy:.8f} eps (step {res.lowest_step}), acceptance "
             f"{result['acceptance']:.2f}, {result['steps_per_second'] or 0:.1f} steps/s")
    emit(result, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``basin-hopping``."""
    app.command("basin-hopping")(basin_hopping_command)
