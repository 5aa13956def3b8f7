"""``pelkit theory rem``: registered by :mod:`pelkit.cli.theory`.

A thin wrapper over :func:`pelkit.theory.rem_report.rem_report` (Keyes c. 2000,
docs/physics/theory.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from pelkit.cli.common import (
    check_output_folder,
    cli_command,
    emit,
    json_option,
    list_option,
    parse_numbers,
    plot_option,
    seed_option,
)
from pelkit.errors import InputError


def _human(result: dict[str, Any], plots: list[str]) -> str:
    p = result["parameters"]
    lines = [
        f"REM (Keyes c. 2000): Delta={p['delta']:g}, N={p['n_regions']}, v={p['v']}, "
        f"Nv={p['n_neighbors']}, ln Omega={p['ln_omega']:.4f}, c={p['neighbor_width']:g}",
    ]
    if result["slope_S_vs_ln_fu"] is not None:
        lines.append(
            f"slope S vs ln<f_u> = {result['slope_S_vs_ln_fu']:.4f} (asymptote 2); "
            f"S vs ln p_<(E*) = {result['slope_S_vs_ln_p_less_Estar']:.4f} (asymptote 1); "
            f"R vs <f_u> = {result['slope_R_vs_fu']:.6g} = "
            f"{result['slope_R_vs_fu_over_R0_Nv']:.6f} R0 Nv"
        )
    ex = result["exact"]
    lines.append(
        f"{'T':>6} {'<f_u>':>12} {'S':>10} {'R_A/R0Nv':>12} {'R_B/R0Nv':>12} {'P_min':>10}"
    )
    scale = p["r0"] * p["n_neighbors"]
    for i, t in enumerate(ex["T"]):
        lines.append(
            f"{t:6.3g} {ex['f_u'][i]:12.5e} {ex['S'][i]:10.4f} {ex['R_A'][i] / scale:12.5e} "
            f"{ex['R_B'][i] / scale:12.5e} {ex['P_min'][i]:10.4g}"
        )
    if "sampled" in result:
        sm = result["sampled"]
        tab = sm["table"]
        lines.append(
            f"sampled: M={sm['n_states']} ({sm['neighbors']}), "
            f"T_f={sm['freezing_temperature']:.3f}, seed={result['seed']}"
        )
        lines.append(
            f"{'T':>6} {'<f_u>':>10} {'theory':>10} {'S':>9} {'ln M-D2/2T2':>11} "
            f"{'R_A/R0Nv':>10} {'R_B/R0Nv':>10} {'P_min':>8} {'n_eff':>8}"
        )
        exs = sm["exact_at_sample_temperatures"]
        for i, t in enumerate(tab["T"]):
            lines.append(
                f"{t:6.3g} {tab['f_u'][i]:10.5f} {exs['f_u'][i]:10.5f} {tab['S'][i]:9.4f} "
                f"{tab['S_theory'][i]:11.4f} {tab['R_A'][i] / scale:10.5f} "
                f"{tab['R_B'][i] / scale:10.5f} {tab['P_min'][i]:8.4f} {tab['n_effective'][i]:8.0f}"
            )
    lines.extend(f"figure: {f}" for f in plots)
    return "\n".join(lines)


@cli_command
def rem_command(
    delta: float = typer.Option(10.0, "--delta", help="Width Delta of the energy distribution."),
    n_regions: int = typer.Option(100, "--n-regions", "-N", help="Number N of regions."),
    v: int = typer.Option(2, "--v", help="Excited states v per region (Nv neighbours)."),
    eps: float = typer.Option(0.0, "--eps", help="Mean energy eps."),
    log_omega: float | None = typer.Option(
        None, "--log-omega", help="ln Omega (default N ln(1+v))."
    ),
    neighbor_width: float = typer.Option(
        1.0, "--neighbor-width", help="c: neighbour energies ~ N(eps, (c Delta)^2); 1: the "
        "same width Delta as the states."
    ),
    r0: float = typer.Option(1.0, "--r0", help="Rate prefactor R0."),
    temperatures: list[str] | None = list_option(
        "--temperatures", "-T", help="Temperatures (the energy unit of --delta, k_B = 1) of "
        "the exact tables and fits (default 1,1.5,2,2.5,3,3.5,4)", example="-T 1,2 or -T 1 -T 2",
    ),
    sample_temperatures: list[str] | None = list_option(
        "--sample-temperatures", help="Temperatures of the sampled check (default 3,4,5,6)",
        example="--sample-temperatures 3,4",
    ),
    no_sample: bool = typer.Option(False, "--no-sample", help="Skip the sampled REM."),
    n_states: int = typer.Option(262144, "--n-states", "-M", help="Sampled states M."),
    neighbors: str = typer.Option(
        "annealed", "--neighbors", help="annealed | hamming | regular (see docs)."
    ),
    seed: int = seed_option(),
    bins: int = typer.Option(24, "--bins", help="Energy bins of the f_u(E) check."),
    as_json: bool = json_option(),
    plot: Path | None = plot_option(),
) -> None:
    """Random energy model (Keyes c. 2000): f_u, S and hopping rates, exact and sampled.

    The figures of --plot: f_u(E), S against ln f_u and the rate against f_u."""
    from pelkit.theory.rem import REMParameters
    from pelkit.theory.rem_report import rem_report

    params = REMParameters(
        delta=delta,
        n_regions=n_regions,
        v=v,
        eps=eps,
        log_omega=log_omega,
        neighbor_width=neighbor_width,
        r0=r0,
    )
    temps = parse_numbers(temperatures, "--temperatures") or [1, 1.5, 2, 2.5, 3, 3.5, 4]
    s_temps = None if no_sample else (
        parse_numbers(sample_temperatures, "--sample-temperatures") or [3.0, 4.0, 5.0, 6.0]
    )
    check_output_folder(plot)
    if bins < 1:
        raise InputError(f"--bins must be a positive integer, got {bins}")
    result, _sample = rem_report(
        params,
        temperatures=temps,
        sample_temperatures=s_temps,
        n_states=n_states,
        neighbors=neighbors,
        seed=seed,
        n_bins=bins,
    )
    plots: list[str] = []
    if plot is not None:
        from pelkit.plotting.rem import (
            plot_entropy_vs_ln_f_u,
            plot_f_u_vs_energy,
            plot_rate_vs_f_u,
        )

        if plot.exists() and not plot.is_dir():
            raise InputError(f"--plot must be a directory, got the file {plot}")
        sampled = result.get("sampled")
        table = sampled["table"] if sampled else None
        if sampled:
            plots.append(
                str(
                    plot_f_u_vs_energy(
                        sampled["binned_f_u"], params, plot / "rem_f_u_vs_energy.png"
                    )
                )
            )
        if len(temps) >= 2:
            plots.append(
                str(
                    plot_entropy_vs_ln_f_u(
                        result["exact"],
                        params,
                        plot / "rem_entropy_vs_ln_f_u.png",
                        sampled=table,
                    )
                )
            )
        plots.append(
            str(
                plot_rate_vs_f_u(
                    result["exact"], params, plot / "rem_rate_vs_f_u.png", sampled=table
                )
            )
        )
    result["figures"] = plots
    emit(result, as_json, _human(result, plots))


def register(app: typer.Typer) -> None:
    """Add ``rem`` to the ``theory`` group."""
    app.command("rem")(rem_command)
