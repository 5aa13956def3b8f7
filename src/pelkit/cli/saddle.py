"""``pelkit saddle FILE --model M``: a transition state by hybrid eigenvector-following or dimer.

Start (:mod:`pelkit.landscape.saddle`): with ``--from-mode K`` FILE is a minimum (quenched first
if its largest force exceeds 1e-6; the JSON says ``quenched``) displaced by ``--step`` along its
K-th softest mode; with ``--random`` along a random direction drawn with ``--seed``; otherwise
FILE itself is the start (e.g. an NEB climbing image) with a random first guess of the mode.
The JSON has ``is_transition_state`` (converged **and** exactly one negative Hessian eigenvalue,
translations, and rotations of clusters, removed), ``n_negative``, ``energy``, ``max_force``,
``force_calls``. ``--db`` stores the transition state and the two minima it connects (found by
quenching along +/- the unstable mode); ``--out`` writes the saddle configuration.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import cli_command, emit


@cli_command
def saddle_command(
    file: Path = typer.Argument(..., help="Start configuration (.xyz, .data, .h5)."),
    model: str = typer.Option(..., "--model", "-m", help="Model name (e.g. ka-smooth)."),
    from_mode: int = typer.Option(None, "--from-mode", help="Start along the K-th softest mode."),
    random_start: bool = typer.Option(False, "--random", help="Start along a random direction."),
    step: float = typer.Option(0.1, "--step", help="Initial displacement (largest, sigma)."),
    method: str = typer.Option("hef", "--method", help="hef or dimer."),
    fmax: float = typer.Option(1e-7, "--fmax", help="Convergence: largest force (eps/sigma)."),
    max_iterations: int = typer.Option(500, "--max-iterations", help="Iteration limit."),
    seed: int = typer.Option(0, "--seed", help="Seed of random directions."),
    db: Path = typer.Option(None, "--db", help="Store the transition state and its minima."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the saddle configuration."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Find a first-order saddle (transition state) and check its Hessian index."""
    from pelkit.cli.landscape_common import check_positive, load_minimum, open_database
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.io.formats import read_system, write_system
    from pelkit.landscape.connect import store_saddle
    from pelkit.landscape.saddle import (
        find_saddle,
        start_from_direction,
        start_from_mode,
    )
    from pelkit.landscape.surface import Surface
    from pelkit.models import get_model

    check_positive("--step", step)
    check_positive("--fmax", fmax)
    if from_mode is not None and random_start:
        raise InputError("give either --from-mode or --random, not both")
    if from_mode is not None and from_mode < 1:
        raise InputError(f"--from-mode must be >= 1, got {from_mode}")
    pot = get_model(model)
    system = read_system(file)
    calc = Calculator(pot, system)
    surface = Surface.from_calculator(calc)
    quenched = False
    v0 = None
    if from_mode is not None or random_start:
        system, _, quenched = load_minimum(file, pot, calc)
        x_min = system.positions.reshape(-1)
        if from_mode is not None:
            x0, v0 = start_from_mode(surface, x_min, from_mode, step=step, seed=seed)
        else:
            x0, v0 = start_from_direction(surface, x_min, step=step, seed=seed)
    else:
        x0 = system.positions.reshape(-1)
    res = find_saddle(surface, x0, v0, method=method, fmax=fmax,
                      max_iterations=max_iterations, seed=seed)
    result = res.summary()
    result.update(file=str(file), model=model, quenched=quenched, seed=seed,
                  start="mode" if from_mode is not None else
                  "random" if random_start else "file", from_mode=from_mode)
    if out is not None:
        write_system(out, system.with_positions(res.positions.reshape(-1, 3)))
        result["out"] = str(out)
    if db is not None:
        if not res.is_transition_state:
            raise InputError("no transition state found: nothing stored in the database")
        with open_database(db, system, model, surface) as base:
            stored = store_saddle(base, surface, res, info={"source": "saddle",
                                                            "file": str(file)})
            if stored is None:
                raise InputError("a side of the transition state did not quench")
            result.update(db=str(db), ts_id=stored[0], minima=list(stored[1:]))
    verdict = "a transition state" if res.is_transition_state else (
        f"NOT a transition state ({res.stop_reason}, {res.n_negative} negative eigenvalues)")
    human = (f"{method} from {file}: {verdict}\n"
             f"energy {res.energy:.10g} eps, max force {res.max_force:.3g}, lowest curvature "
             f"{res.eigenvalue:.6g}, {res.force_calls} force calls")
    emit(result, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``saddle``."""
    app.command("saddle")(saddle_command)
