"""``pelkit theory hypercube``: registered by :mod:`pelkit.cli.theory`.

A thin wrapper over :mod:`pelkit.theory.hypercube` (branches, onset, melting, OU rates),
:mod:`pelkit.theory.hypercube_master` (exact master equation) and
:mod:`pelkit.theory.fokker_planck` (Stillinger 1984, sections IV-V, docs/physics/theory.md). Rates
below the
double-precision resolution n eps ||S|| (the convention of ``theory master-equation``) are
reported as null / ``<resolution``, never as numbers.
"""

from __future__ import annotations

import math
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

#: Lattices up to this many states use the sparse 2-D generator; larger D the exact chains.
LATTICE_MAX_STATES = 201**2
DEFAULT_BETAS = (0.2, 0.5, 1.0)
RATE_PLOT_DS = (20, 40, 100, 200, 400, 1000, 2000, 4000, 10000)


def _floats(values: list[str] | None, name: str) -> list[float]:
    """Parse repeated and/or comma-separated numbers ("0.2,0.5" or --x 0.2 --x 0.5)."""
    return parse_numbers(values, name)


def hypercube_report(
    betas: list[float], D: int | None = None, n_rates: int = 6, B: float = 1.0
) -> dict[str, Any]:
    """Everything ``pelkit theory hypercube`` prints (JSON-ready dictionary)."""
    from pelkit.theory import hypercube as hc

    for b in betas:
        if not (b > 0):
            raise InputError(f"--beta must be positive, got {b!r}.")
    if not (math.isfinite(B) and B > 0):
        raise InputError(f"--B must be a finite positive rate, got {B!r}.")
    if n_rates < 1:
        raise InputError("--n-rates must be >= 1.")
    onset = hc.crystal_onset()
    melt = hc.melting_point()

    def point(p: hc.BranchPoint | None) -> dict[str, Any] | None:
        if p is None:
            return None
        ou = hc.ou_rates(p.beta, p.branch, B)  # type: ignore[arg-type]
        keys = ("x", "y", "s", "d", "phi", "w", "free_energy")
        out: dict[str, Any] = {k: getattr(p, k) for k in keys}
        out["ou_rates"] = None if ou is None else {"d": ou.rate_d, "s": ou.rate_s}
        return out

    rows = []
    for b in betas:
        liq = hc.branch_point(b, "liquid")
        cry = hc.branch_point(b, "crystal")
        stable = hc.equilibrium_point(b).branch
        rows.append(
            {"beta": b, "T": 1.0 / b, "stable": stable, "liquid": point(liq), "crystal": point(cry)}
        )
    result: dict[str, Any] = {
        "model": "Stillinger hypercube (Stillinger 1984), per-D quantities, B = rate unit",
        "B": B,
        "beta_onset": onset.beta,
        "T_onset": onset.temperature,
        "onset": {"x": onset.x, "y": onset.y, "s": onset.s, "d": onset.d},
        "beta_melt": melt.beta,
        "T_melt": melt.temperature,
        "melt": {
            "free_energy": melt.free_energy,
            "d_saddle": melt.d_saddle,
            "barrier": melt.barrier,
            "liquid": point(melt.liquid),
            "crystal": point(melt.crystal),
        },
        "phi_crystal_vertex": float(hc.phi(-1.0, 0.0)),
        "phi_amorphous_vertex": float(hc.phi(0.0, -1.0)),
        "branches": rows,
    }
    if D is not None:
        result["master_equation"] = master_block(betas, D, n_rates, B)
    return result


def resolve_rates(raw: np.ndarray, resolution: float) -> tuple[np.ndarray, np.ndarray]:
    """Rates with numerical noise removed, and which of them are resolved.

    ``raw`` (k,) ascending computed rates, the first the stationary eigenvalue. Every rate with
    |rate| <= ``resolution`` is not resolved by double precision: the first becomes exactly 0
    (the generator has an exact zero eigenvalue, detailed balance being checked separately),
    the others NaN (null in JSON). Returns (rates (k,), resolved (k,) bool).
    """
    raw = np.asarray(raw, dtype=float)
    resolved = np.abs(raw) > resolution
    out = np.where(resolved, raw, np.nan)
    if out.size and not resolved[0]:
        out[0] = 0.0
    return out, resolved


def master_block(betas: list[float], D: int, n_rates: int, B: float) -> dict[str, Any]:
    """Lowest master-equation (and Fokker-Planck) rates at each beta for one even D."""
    from pelkit.theory import fokker_planck as fp
    from pelkit.theory import hypercube_master as hm

    if D < 2 or D % 2:
        raise InputError(f"--D must be an even integer >= 2, got {D}.")
    n_states = (D // 2 + 1) ** 2
    use_lattice = n_states <= LATTICE_MAX_STATES
    rows = []
    for b in betas:
        if use_lattice:
            raw = hm.lowest_rates(b, D, n_rates, B)
        else:
            raw = hm.factorised_rates(b, D, n_rates, B)
        res = hm.rate_resolution(b, D, B, factorised=not use_lattice)
        rates, resolved = resolve_rates(raw, res)
        fp_raw = fp.fp_lowest_rates(b, float(D), n_rates, None, B)
        fp_res = fp.fp_rate_resolution(b, float(D), None, B)
        fp_rates, fp_resolved = resolve_rates(fp_raw, fp_res)
        slowest_ok = bool(raw.size > 1 and resolved[1])
        rows.append(
            {
                "beta": b,
                "rates": rates,
                "rates_raw": raw,
                "rate_resolution": res,
                "resolved": resolved,
                "slowest": rates[1] if slowest_ok else None,
                "slowest_below_resolution": bool(raw.size > 1 and not resolved[1]),
                "fokker_planck_rates": fp_rates,
                "fokker_planck_rates_raw": fp_raw,
                "fokker_planck_resolution": fp_res,
                "fokker_planck_resolved": fp_resolved,
                "stationary_peak": hm.stationary_peak(b, D),
                "stationary_residual": hm.stationary_residual(b, D, B) if use_lattice else None,
            }
        )
    return {
        "D": D,
        "n_states": n_states,
        "method": "sparse 2-D generator, shift-invert Lanczos"
        if use_lattice
        else "exact factorisation {lambda_s + lambda_d} of the 1-D chains",
        "rates": rows,
    }


def _rate_list(rates: np.ndarray, resolution: float) -> str:
    """'0, <2e-10, 5.98507, ...': values below the resolution (NaN) shown as an upper bound."""
    return ", ".join(f"<{resolution:.0e}" if not np.isfinite(r) else f"{r:.6g}" for r in rates)


def _human(res: dict[str, Any], figures: list[str]) -> str:
    lines = [
        f"crystal onset beta_s = {res['beta_onset']:.6f} (T = {res['T_onset']:.5f}) at "
        f"(x, y) = ({res['onset']['x']:.5f}, {res['onset']['y']:.5f})",
        f"melting beta_m = {res['beta_melt']:.6f} (T = {res['T_melt']:.6f}), "
        f"w - beta phi = {res['melt']['free_energy']:.6f}, barrier {res['melt']['barrier']:.6f}/D",
        f"{'beta':>7} {'branch':>8} {'x':>10} {'y':>10} {'phi':>10} {'w':>10} "
        f"{'nu_d':>9} {'nu_s':>9}",
    ]
    for row in res["branches"]:
        for br in ("liquid", "crystal"):
            p = row[br]
            if p is None:
                lines.append(f"{row['beta']:7.4g} {br:>8} {'(none)':>10}")
                continue
            mark = "*" if row["stable"] == br else " "
            lines.append(
                f"{row['beta']:7.4g} {br:>7}{mark} {p['x']:10.6f} {p['y']:10.6f} "
                f"{p['phi']:10.6f} {p['w']:10.6f} {p['ou_rates']['d']:9.5f} "
                f"{p['ou_rates']['s']:9.5f}"
            )
    lines.append("(* = stable branch; nu = OU rates in units of B)")
    if "master_equation" in res:
        me = res["master_equation"]
        lines.append(f"master equation, D = {me['D']} ({me['method']}):")
        for row in me["rates"]:
            rates = _rate_list(row["rates"], row["rate_resolution"])
            fpr = _rate_list(row["fokker_planck_rates"], row["fokker_planck_resolution"])
            lines.append(f"  beta {row['beta']:g}: {rates}")
            lines.append(f"     Fokker-Planck: {fpr}")
            if row["slowest_below_resolution"]:
                lines.append(
                    f"     the slowest rate is below the resolution {row['rate_resolution']:.1e}"
                    " of double precision (an exponentially small hop): not resolved")
    lines.extend(f"figure: {f}" for f in figures)
    return "\n".join(lines)


@cli_command
def hypercube_command(
    beta: list[str] | None = list_option(
        "--beta", help="Inverse temperatures 1/(k_B T) in units of 1/B (default 0.2,0.5,1)",
        example="--beta 0.2,0.5 or --beta 0.2 --beta 0.5",
    ),
    D: int | None = typer.Option(
        None, "--D", "-D", help="Even hypercube dimension: add the master-equation rates."
    ),
    n_rates: int = n_rates_option(6),
    B: float = typer.Option(1.0, "--B", help="Edge rate prefactor B (the rate unit)."),
    as_json: bool = json_option(),
    plot: Path | None = plot_option(),
) -> None:
    """Stillinger's hypercube model (Stillinger 1984): branches, melting, master-equation rates.

    The figures of --plot: Figs 1-4 of the paper and the comparison of the rates."""
    check_output_folder(plot)
    betas = _floats(beta, "--beta") or list(DEFAULT_BETAS)
    result = hypercube_report(betas, D, n_rates, B)
    figures: list[str] = []
    if plot is not None:
        from pelkit.plotting.hypercube import hypercube_figures
        from pelkit.theory.fokker_planck import rate_comparison

        comps = [rate_comparison(b, list(RATE_PLOT_DS), 3, B) for b in betas[:4]]
        figures = [str(p) for p in hypercube_figures(plot, comparisons=comps)]
        result["figures"] = figures
    emit(result, as_json, _human(result, figures))


def register(app: typer.Typer) -> None:
    """Add ``hypercube`` to the ``theory`` group."""
    app.command("hypercube")(hypercube_command)
