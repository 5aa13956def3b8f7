"""``pelkit connect A B --model M --db DB``: a path of transition states between two minima.

A and B are configurations of the same particles (quenched first when their largest force
exceeds 1e-6). Both are stored in DB (created if missing, extended otherwise) and joined by
:func:`pelkit.landscape.connect.connect`: NEB, HEF refinement of the climbing image, quenches
from the transition state, recursion on the gaps left. Every new minimum and transition state
is stored with its Hessian eigenvalues (for rates). The JSON has ``connected``, ``path``
(alternating minimum and transition-state ids), ``attempts`` and ``force_calls``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import (
    cli_command,
    emit,
    images_option,
    json_option,
    load_model_system,
    model_option,
    scheme_option,
    species_map_option,
)


@cli_command
def connect_command(
    a: Path = typer.Argument(..., help="Configuration of minimum A."),
    b: Path = typer.Argument(..., help="Configuration of minimum B (same particles)."),
    model: str = model_option(),
    db: Path = typer.Option(..., "--db", help="Landscape database (SQLite) that stores the "
                            "minima and transition states (created if missing)."),
    images: int = images_option(12),
    max_attempts: int = typer.Option(10, "--max-attempts", help="NEB + saddle rounds."),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
) -> None:
    """Join two minima by transition states and store them in a database."""
    from pelkit.cli.landscape_common import load_minimum, open_database
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.landscape.connect import connect
    from pelkit.landscape.database import harmonic_data
    from pelkit.landscape.surface import Surface

    if images < 3:
        raise InputError(f"--images must be >= 3, got {images}")
    if max_attempts < 1:
        raise InputError(f"--max-attempts must be >= 1, got {max_attempts}")
    pot, start_a = load_model_system(a, model, scheme, species_map)
    _, start_b = load_model_system(b, model, scheme, species_map)
    calc = Calculator(pot, start_a)
    surface = Surface.from_calculator(calc)
    sys_a, e_a, qa = load_minimum(a, pot, calc, system=start_a)
    sys_b, e_b, qb = load_minimum(b, pot, calc, system=start_b)
    with open_database(db, sys_a, model, surface) as base:
        base._check_compatible(sys_b)
        ids = [base.add_minimum(s, e, harmonic=harmonic_data(surface, s.positions.reshape(-1)))
               for s, e in ((sys_a, e_a), (sys_b, e_b))]
        if ids[0] == ids[1]:
            raise InputError("A and B are the same minimum")
        res = connect(surface, base, ids[0], ids[1], n_images=images,
                      max_attempts=max_attempts)
        counts = base.counts()
    result = res.summary()
    result.update(a=str(a), b=str(b), model=model, db=str(db), minima=ids, quenched_a=qa,
                  quenched_b=qb, n_minima=counts[0], n_transition_states=counts[1])
    human = (f"{a} -> {b}: {'connected' if res.connected else 'NOT connected'} after "
             f"{res.attempts} attempt(s); path {res.path}; database {db}: {counts[0]} minima, "
             f"{counts[1]} transition states")
    emit(result, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``connect``."""
    app.command("connect")(connect_command)
