"""``pelkit build MODEL``: a relaxed random starting configuration written to a file."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import emit, guard


def build(
    model: str = typer.Argument(..., help="Model: ka, lj, soft-sphere-12, soft-sphere-6, swap."),
    n: int = typer.Option(..., "--n", "-n", help="Number of particles."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file (.xyz, .data, .h5)."),
    density: float = typer.Option(
        None, "--density", help="Number density (default: the model's: KA 1.2, others 1.0)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (recorded in the file)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Random non-overlapping packing at the model's density and composition, softly relaxed."""
    try:
        from pelkit.build import random_system
        from pelkit.engine.calculator import summarize
        from pelkit.io.formats import write_system
        from pelkit.models import get_model
        from pelkit.models.ka import KA_DENSITY, KA_FRACTION_A
        from pelkit.models.soft_sphere import binary_diameters
        from pelkit.models.swap import swap_diameters

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
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    emit(summary, as_json, f"wrote {summary['n_particles']} particles of {model} to {out}")


def register(app: typer.Typer) -> None:
    """Add ``build``."""
    app.command("build")(build)
