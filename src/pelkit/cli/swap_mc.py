"""``pelkit swap-mc FILE --model swap --temperature T --sweeps S``: swap Monte Carlo.

Runs :func:`pelkit.dynamics.swap_mc.run_swap_mc` on a configuration (extended XYZ with a
``diameter`` column for diameter models), optionally writes the final configuration, and reports
acceptance rates per move type, energies per particle and the equilibrium verdict of
:mod:`pelkit.dynamics.equilibration` (docs/physics/tls-qlm.md).
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import (
    check_output,
    cli_command,
    emit,
    json_option,
    load_model_system,
    model_option,
    out_option,
    quiet_option,
    scheme_option,
    seed_option,
    species_map_option,
    temperature_option,
)


@cli_command
def swap_mc(
    path: Path = typer.Argument(..., help="Configuration file (.xyz with a diameter column)."),
    model: str = model_option("swap"),
    temperature: float = temperature_option(),
    sweeps: int = typer.Option(..., "--sweeps", help="Production sweeps (N attempted moves)."),
    seed: int = seed_option(),
    p_swap: float = typer.Option(0.2, "--p-swap", help="Probability of a swap attempt."),
    delta_max: float = typer.Option(
        0.1, "--delta-max", help="Half-side of the displacement cube (sigma)."
    ),
    swap_bound: float = typer.Option(
        None, "--swap-bound", help="Swap only pairs with |sigma_i - sigma_j| below this (sigma)."
    ),
    tune_sweeps: int = typer.Option(
        0, "--tune-sweeps", help="Sweeps of a tuning phase for delta-max before production."
    ),
    scheme: str = scheme_option(),
    out: Path = out_option("Write the final configuration here."),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Metropolis swap Monte Carlo at fixed temperature, with the equilibrium verdict."""
    from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc
    from pelkit.io.formats import write_system

    check_output(out, configuration=True)  # before running
    pot, system = load_model_system(path, model, scheme, species_map)
    options = SwapMCOptions(p_swap=p_swap, delta_max=delta_max, swap_bound=swap_bound,
                            tune_sweeps=tune_sweeps)
    kwargs = dict(seed=seed, options=options)
    if quiet or as_json:
        result, final = run_swap_mc(pot, system, temperature, sweeps, **kwargs)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("swap MC"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(), console=Console(stderr=True), transient=True,
        ) as bar:
            task = bar.add_task("sweeps", total=sweeps)
            result, final = run_swap_mc(
                pot, system, temperature, sweeps,
                progress=lambda done, total: bar.update(task, completed=done),
                **kwargs,
            )
    verdict = result.diagnose()
    if out is not None:
        write_system(out, final)
    summary = result.summary()
    summary.update(file=str(path), out=None if out is None else str(out))
    summary["equilibration"] = verdict.summary()
    # the F_s curve is long; keep the JSON summary small
    for key in ("lag_times", "fs"):
        summary["equilibration"]["checks"]["fs_decay"].pop(key, None)
    acc = summary["acceptance"]

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.2f} %"

    human = "\n".join(
        [
            f"{summary['n_particles']} particles, model {summary['model']}, T = {temperature:g}, "
            f"{sweeps} sweeps, seed {summary['seed']}",
            f"acceptance: displacement {pct(acc['displacement'])} (delta_max "
            f"{summary['delta_max']:.4g}), swap {pct(acc['swap'])}",
            f"energy per particle: mean {summary['mean_energy_per_particle']:.10g}, final "
            f"{summary['final_energy_per_particle']:.10g}",
            "equilibrated: " + ("yes" if verdict.equilibrated else "NO"),
            *[f"  {r}" for r in verdict.reasons],
        ]
        + ([f"wrote {out}"] if out is not None else [])
    )
    emit(summary, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``swap-mc`` to the app."""
    app.command("swap-mc")(swap_mc)
