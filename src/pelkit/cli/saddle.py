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

from pelkit.cli.common import (
    check_output,
    cli_command,
    config_argument,
    emit,
    fmax_option,
    json_option,
    load_model_system,
    max_iterations_option,
    model_option,
    out_option,
    scheme_option,
    seed_option,
    species_map_option,
)


@cli_command
def saddle_command(
    path: Path = config_argument(),
    model: str = model_option(),
    from_mode: int = typer.Option(None, "--from-mode", help="Start along the K-th softest mode."),
    random_start: bool = typer.Option(False, "--random", help="Start along a random direction."),
    step: float = typer.Option(0.1, "--step", help="Initial displacement (largest, sigma)."),
    method: str = typer.Option("hef", "--method", help="hef or dimer."),
    fmax: float = fmax_option(1e-7),
    max_iterations: int = max_iterations_option(
        500, "Stop the saddle search after this many iterations."),
    seed: int = seed_option(),
    db: Path = typer.Option(None, "--db", help="Landscape database (SQLite) that stores the "
                            "transition state and its minima (created if missing)."),
    out: Path = out_option("Write the saddle configuration here."),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
) -> None:
    """Find a first-order saddle (transition state) and check its Hessian index."""
    from pelkit.cli.landscape_common import check_positive, load_minimum, open_database
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.io.formats import write_system
    from pelkit.landscape.connect import store_saddle
    from pelkit.landscape.saddle import (
        find_saddle,
        start_from_direction,
        start_from_mode,
    )
    from pelkit.landscape.surface import Surface

    check_positive("--step", step)
    check_positive("--fmax", fmax)
    if from_mode is not None and random_start:
        raise InputError("give either --from-mode or --random, not both")
    if from_mode is not None and from_mode < 1:
        raise InputError(f"--from-mode must be >= 1, got {from_mode}")
    check_output(out, configuration=True)
    pot, system = load_model_system(path, model, scheme, species_map)
    calc = Calculator(pot, system)
    surface = Surface.from_calculator(calc)
    quenched = False
    v0 = None
    if from_mode is not None or random_start:
        system, _, quenched = load_minimum(path, pot, calc, system=system)
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
    result.update(file=str(path), model=model, quenched=quenched, seed=seed,
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
                                                            "file": str(path)})
            if stored is None:
                raise InputError("a side of the transition state did not quench")
            result.update(db=str(db), ts_id=stored[0], minima=list(stored[1:]))
    verdict = "a transition state" if res.is_transition_state else (
        f"NOT a transition state ({res.stop_reason}, {res.n_negative} negative eigenvalues)")
    human = (f"{method} from {path}: {verdict}\n"
             f"energy {res.energy:.10g} eps, max force {res.max_force:.3g}, lowest curvature "
             f"{res.eigenvalue:.6g}, {res.force_calls} force calls")
    emit(result, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``saddle``."""
    app.command("saddle")(saddle_command)
