"""``pelkit basin-hopping FILE --model M``: Monte Carlo on quenched energies (global minima).

See :mod:`pelkit.landscape.basin_hopping`. The JSON has ``lowest_energy`` (eps), the step it was
found at, acceptance and rejection counts, ``steps_per_second`` and the seed. ``--db`` stores
every quenched minimum (deduplicated, with Hessian eigenvalues; an existing database of the same
system is extended), ``--out`` writes the lowest minimum.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import cli_command, emit


@cli_command
def basin_hopping_command(
    file: Path = typer.Argument(..., help="Start configuration (.xyz, .data, .h5)."),
    model: str = typer.Option(..., "--model", "-m", help="Model name (e.g. lj-cluster)."),
    steps: int = typer.Option(100, "--steps", help="Monte Carlo steps."),
    temperature: float = typer.Option(0.8, "--temperature", "-T", help="MC temperature (eps)."),
    step_size: float = typer.Option(0.4, "--step-size", help="Displacement amplitude (sigma)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    fmax: float = typer.Option(1e-6, "--fmax", help="Quench tolerance (eps/sigma)."),
    adapt: int = typer.Option(0, "--adapt-every", help="Adapt the step every N steps (0: no)."),
    db: Path = typer.Option(None, "--db", help="Store every minimum in this database."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the lowest minimum."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Basin-hopping global optimisation; optionally feeds a landscape database."""
    from pelkit.cli.landscape_common import check_positive, open_database
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.io.formats import read_system, write_system
    from pelkit.landscape.basin_hopping import BasinHoppingOptions, basin_hopping
    from pelkit.landscape.surface import Surface
    from pelkit.models import get_model

    if steps < 0:
        raise InputError(f"--steps must be >= 0, got {steps}")
    check_positive("--temperature", temperature)
    check_positive("--step-size", step_size)
    check_positive("--fmax", fmax)
    options = BasinHoppingOptions(step_size=step_size, fmax=fmax, adapt_every=adapt)
    pot = get_model(model)
    system = read_system(file)
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
    result.update(file=str(file), model=model)
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
