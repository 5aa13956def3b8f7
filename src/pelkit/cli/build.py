"""``pelkit build MODEL``: a relaxed random starting configuration written to a file."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import (
    check_output,
    cli_command,
    emit,
    json_option,
    out_option,
    positive,
    seed_option,
)

#: Every built-in model (checked against :func:`pelkit.models.model_names` by the tests).
BUILD_MODELS = (
    "ka", "ka-force-shift", "ka-smooth", "lj", "lj-cluster", "soft-sphere", "soft-sphere-12",
    "soft-sphere-6", "swap",
)


@cli_command
def build(
    model: str = typer.Argument(..., help=f"Model: {', '.join(BUILD_MODELS)}."),
    n: int = typer.Option(..., "--n", "-n", help="Number of particles."),
    out: Path = out_option("Output file (.xyz, .data, .h5).", default=...),
    density: float = typer.Option(
        None, "--density", help="Number density (1/sigma^3; default: the model's: KA 1.2, "
        "others 1.0)."
    ),
    seed: int = seed_option(),
    as_json: bool = json_option(),
) -> None:
    """Random non-overlapping packing at the model's density and composition, softly relaxed."""
    from pelkit.build import random_system
    from pelkit.engine.calculator import summarize
    from pelkit.errors import InputError
    from pelkit.io.formats import write_system
    from pelkit.models import get_model
    from pelkit.models.ka import KA_DENSITY, KA_FRACTION_A
    from pelkit.models.soft_sphere import binary_diameters
    from pelkit.models.swap import swap_diameters

    if n < 2:
        raise InputError(f"--n must be at least 2, got {n}")
    positive(density, "--density")
    check_output(out, configuration=True)
    pot = get_model(model)
    rho = density
    fractions = None
    diameters = None
    if pot.uses_species and pot.epsilon.shape[0] == 2 and model.startswith("ka"):
        rho = rho or KA_DENSITY
        fractions = [KA_FRACTION_A, 1 - KA_FRACTION_A]
    elif pot.mixing == "nonadditive":
        diameters = swap_diameters(n, seed=seed)
    elif pot.mixing == "additive":
        diameters = binary_diameters(n, seed=seed)
    if model == "lj-cluster":  # open boundaries: a random cluster in vacuum
        from pelkit.landscape.basin_hopping import random_cluster

        system = random_cluster(n, seed=seed, density=rho or 0.6)
    else:
        system = random_system(
            pot, n, rho or 1.0, fractions=fractions, diameters=diameters, seed=seed
        )
    write_system(out, system)
    summary = summarize(pot, system)
    summary.update(out=str(out), seed=seed)
    emit(summary, as_json, f"wrote {summary['n_particles']} particles of {model} to {out}")


def register(app: typer.Typer) -> None:
    """Add ``build``."""
    app.command("build")(build)
