"""``pelkit msd TRAJ.h5``: mean-square displacement per species and diffusion constants."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import cli_command, emit, json_option


@cli_command
def msd(
    trajectory: Path = typer.Argument(..., help="H5MD trajectory written by `pelkit md --out`."),
    n_lags: int = typer.Option(40, "--lags", help="Number of log-spaced lags."),
    msd_threshold: float = typer.Option(
        1.0, "--msd-threshold", help="Fit D only where MSD >= this (sigma^2)."
    ),
    as_json: bool = json_option(),
) -> None:
    """MSD per species (many time origins) and D from the diffusive regime."""
    from pelkit.analysis.diffusion import fit_diffusion
    from pelkit.analysis.msd import compute_msd
    from pelkit.errors import InputError
    from pelkit.io.h5md import read_trajectory

    traj = read_trajectory(trajectory, velocities=False)
    if traj.n_frames < 3:
        raise InputError(f"{trajectory} has {traj.n_frames} frames; the MSD needs at least 3")
    codes = traj.species
    labels = (
        [traj.species_names[int(c)] for c in codes] if codes is not None
        else ["A"] * traj.positions.shape[1]
    )
    result = compute_msd(traj.unwrapped_positions(), traj.times, labels, n_lags=n_lags)
    per_species = {}
    for k, name in enumerate(result.species.tolist()):
        fit = fit_diffusion(result.lag_times, result.msd[k], msd_threshold=msd_threshold)
        per_species[name] = fit
    summary = {
        "trajectory": str(trajectory),
        "n_frames": traj.n_frames,
        "species": result.species.tolist(),
        "D": {n: f.D for n, f in per_species.items()},
        "D_err": {n: f.D_err for n, f in per_species.items()},
        "diffusive_regime_reached": all(f.diffusive for f in per_species.values()),
        "diffusive_per_species": {n: f.diffusive for n, f in per_species.items()},
        "loglog_slope": {n: f.loglog_slope for n, f in per_species.items()},
        "notes": {n: f.notes for n, f in per_species.items()},
        "lag_times": result.lag_times,
        "msd": {n: result.msd[k] for k, n in enumerate(result.species.tolist())},
    }
    lines = [
        f"{n}: D = {summary['D'][n]:.4g} +- {summary['D_err'][n]:.2g}, "
        f"diffusive: {summary['diffusive_per_species'][n]}"
        for n in summary["species"]
    ]
    emit(summary, as_json, "\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add ``msd``."""
    app.command("msd")(msd)
