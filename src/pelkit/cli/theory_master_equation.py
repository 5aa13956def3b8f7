"""``pelkit theory master-equation``: registered by :mod:`pelkit.cli.theory`.

A thin wrapper over :func:`pelkit.theory.master_equation.solve_network` (Stillinger 1984, section
III;
docs/physics/landscape.md). The network JSON format is documented in
:mod:`pelkit.theory.master_equation`.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import typer

from pelkit.cli.common import (
    check_output_folder,
    cli_command,
    emit,
    json_option,
    list_option,
    n_rates_option,
    parse_numbers,
    plot_option,
)
from pelkit.errors import InputError


def _times(values: list[str] | None) -> np.ndarray | None:
    if not values:
        return None
    out = parse_numbers(values, "--times", minimum=0.0)
    if not out:
        raise InputError("--times was given without any number.")
    return np.array(out)


def _human(res: dict[str, Any], figures: list[str]) -> str:
    lines = [
        f"network {res['name'] or ''}: {res['n_minima']} minima, {res['n_transition_states']} "
        f"transition states, {res['n_components']} component(s); T = {res['temperature']:g}, "
        f"prefactors: {res['prefactor_model']}",
        f"detailed balance error (log form) {res['detailed_balance_error']:.2e}, "
        f"stationary residual {res['stationary_residual']:.2e}",
        f"{'id':>12} {'energy':>12} {'p_eq':>12}",
    ]
    for i, e in zip(res["ids"], res["energies"], strict=True):
        lines.append(f"{i:>12} {e:12.6g} {res['equilibrium'][i]:12.6g}")
    lines.append("relaxation rates: " + ", ".join(f"{r:.6g}" for r in res["relaxation_rates"]))
    if "populations" in res:
        lines.append(f"populations from '{res['start']}':")
        lines.append(f"{'t':>12} " + " ".join(f"{i:>12}" for i in res["ids"]))
        for k, t in enumerate(res["times"]):
            lines.append(
                f"{t:12.6g} " + " ".join(f"{res['populations'][i][k]:12.6g}" for i in res["ids"])
            )
    lines.extend(f"figure: {f}" for f in figures)
    return "\n".join(lines)


@cli_command
def master_equation_command(
    network: Path = typer.Argument(..., help="Network JSON file (minima and transition states)."),
    temperature: float | None = typer.Option(
        None, "--temperature", "-T",
        help="Temperature (energy unit of the file, k_B = 1); default: the file's value.",
    ),
    times: list[str] | None = list_option(
        "--times", help="Times of p(t) (the inverse of the file's rate unit)",
        example="--times 0,1,10",
    ),
    start: str | None = typer.Option(
        None, "--start", help="Minimum id holding all probability at t = 0 (default: highest)."
    ),
    model: str | None = typer.Option(
        None, "--prefactor-model", help="Prefactor model: auto | symmetric | attempt | harmonic "
        "(default: the file's, else auto)."
    ),
    n_rates: int | None = n_rates_option(None),
    as_json: bool = json_option(),
    plot: Path | None = plot_option(),
) -> None:
    """Master equation on a network of minima: equilibrium, relaxation rates, p(t).

    Without --n-rates, every rate is reported (networks of up to 2000 minima).

    NETWORK_SCHEMA"""
    check_output_folder(plot)
    from pelkit.theory.master_equation import NetworkWarning, load_network, solve_network

    t = _times(times)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        net = load_network(network)
        result = solve_network(net, temperature, t, start, model, n_rates)
    notes = [str(w.message) for w in caught if issubclass(w.category, NetworkWarning)]
    for n in notes:
        sys.stderr.write(f"pelkit: warning: {n}\n")
    result["warnings"] = notes
    result["network_file"] = str(network)
    figures: list[str] = []
    if plot is not None:
        from pelkit.plotting.master_equation import plot_network_relaxation

        figures = [str(plot_network_relaxation(result, Path(plot) / "master_equation.png"))]
        result["figures"] = figures
    emit(result, as_json, _human(result, figures))


def register(app: typer.Typer) -> None:
    """Add ``master-equation`` to the ``theory`` group."""
    from pelkit.theory.network_schema import SCHEMA_SUMMARY

    doc = master_equation_command.__doc__ or ""
    master_equation_command.__doc__ = doc.replace("NETWORK_SCHEMA", SCHEMA_SUMMARY)
    app.command("master-equation")(master_equation_command)
