"""``pelkit theory soft-potential``: registered by :mod:`pelkit.cli.theory`.

A thin wrapper over :mod:`pelkit.theory.soft_potential` (Buchenau 1992, docs/physics/theory.md).

For eps_m/kT < 1 the harmonic limit (eq 19) has no real roots: ``eta_1`` and ``eta_2`` are null,
``note`` says why, and the curve is the single line on which the two branches of eq 24 meet
(``eta_prime_join``). eps_m/kT <= 0, and physical inputs that cannot give a crossover, exit with
status 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
from scipy import constants

from pelkit.cli.common import check_output_folder, cli_command, emit, json_option, plot_option
from pelkit.errors import InputError


def _crossover(
    t_star: float | None,
    nu_c: float | None,
    mass_u: float | None,
    glass: str | None,
    t_g: float | None,
    beta_eps_m: float,
) -> dict[str, Any] | None:
    from pelkit.theory.soft_potential import (
        BETA_EPS0_OVER_BETA_EPS_M_SQ,
        BUCHENAU_GLASSES,
        crossover_from_t_star,
        eps_m_over_kT_from_eps0,
        implied_crossover_inputs,
    )

    if t_star is None and nu_c is None and mass_u is None and glass is None and t_g is None:
        return None
    example = None
    if glass is not None:
        key = glass.lower()
        if key not in BUCHENAU_GLASSES:
            raise InputError(f"unknown glass {glass!r}; choose from {', '.join(BUCHENAU_GLASSES)}")
        example = BUCHENAU_GLASSES[key]
        nu_c = example.nu_c_thz if nu_c is None else nu_c
        mass_u = example.mass_u if mass_u is None else mass_u
    if t_star is None:
        raise InputError("the physical crossover needs --t-star in K (the paper gives no T*)")
    if nu_c is None:
        raise InputError("the physical crossover needs --nu-c in THz (the paper gives none here)")
    out: dict[str, Any] = dict(crossover_from_t_star(t_star, nu_c, mass_u))
    out["formulas"] = (
        "W = 1.6 k_B T*; eps0 = (hbar omega_c)^4/(16 W^3); N_s M a^2 = hbar^4 omega_c^2/(8 W^3)"
    )
    # eps_0 = 35.015 (eps_m/kT)^2 kT: the temperature at which the given eps_m/kT yields this eps_0.
    kt_ev = out["eps0_eV"] / (BETA_EPS0_OVER_BETA_EPS_M_SQ * beta_eps_m**2)
    out["kT_for_given_eps_m_over_kT_eV"] = kt_ev
    out["T_for_given_eps_m_over_kT_K"] = kt_ev * constants.electron_volt / constants.k
    if t_g is not None:
        out["t_g_K"] = float(t_g)
        out["eps_m_over_kT_g"] = eps_m_over_kT_from_eps0(out["eps0_eV"], t_g)
    if example is not None:
        out["seed_example"] = {
            "name": example.name,
            "Ns_a2_seed_A2": example.ns_a2_seed,
            "eps0_seed_eV": example.eps0_seed_ev,
            "t_star_range_reproducing_seed_K": example.t_star_range_k,
            "implied_by_seed_triple": implied_crossover_inputs(
                example.ns_a2_seed, example.eps0_seed_ev, example.mass_u
            ),
        }
    return out


def _human(result: dict[str, Any], plots: list[str]) -> str:
    a = result["eps_m_over_kT"]
    lines = [f"soft-potential model (Buchenau 1992), eps_m/kT = {a:g}"]
    if result["eta_2"] is None:
        lines.append(result["note"])
    else:
        lines.append(
            f"harmonic roots: eta_2 = {result['eta_2']:.7f}, eta_1 = {result['eta_1']:.7f}"
        )
    lines.append(
        f"beta eps0/(beta eps_m)^2 = {result['beta_eps0_over_beta_eps_m_sq']:.6f}; "
        f"beta eps0 = {result['beta_eps0']:.6g}"
    )
    lines.append("+ branch:  eta_k   eps_k/eps_m")
    for row in result["plus_branch_table"]:
        lines.append(f"        {row['eta_k']:7.3f}   {row['eps_k_over_eps_m']:.6g}")
    cr = result.get("crossover")
    if cr:
        lines.append(
            f"crossover: T* = {cr['t_star_K']:g} K, nu_c = {cr['nu_c_THz']:g} THz: "
            f"W = {cr['W_eV'] * 1e3:.4g} meV, eps0 = {cr['eps0_eV']:.4g} eV"
            + (f", N_s a^2 = {cr['Ns_a2_A2']:.4g} A^2" if cr["Ns_a2_A2"] is not None else "")
        )
        if "eps_m_over_kT_g" in cr:
            lines.append(f"eps_m/k_B T_g = {cr['eps_m_over_kT_g']:.4g} (T_g = {cr['t_g_K']:g} K)")
    lines.extend(f"figure: {f}" for f in plots)
    return "\n".join(lines)


@cli_command
def soft_potential_command(
    eps_m_over_kt: float = typer.Option(
        5.0, "--eps-m-over-kT", help="eps_m/kT (about 3 at T_m, about 5 at T_g)."
    ),
    points: int = typer.Option(241, "--points", help="Curve points per branch."),
    eta_prime_min: float = typer.Option(-1.0e3, "--eta-prime-min", help="Lower eta' of the sweep."),
    eta_prime_max: float = typer.Option(1.0e4, "--eta-prime-max", help="Upper eta' of the sweep."),
    t_star: float | None = typer.Option(None, "--t-star", help="T* in K (minimum of c_p/T^3)."),
    nu_c: float | None = typer.Option(None, "--nu-c", help="nu_c in THz."),
    mass_u: float | None = typer.Option(None, "--mass-u", help="Mean atomic mass in u."),
    glass: str | None = typer.Option(
        None, "--glass", help="Example glass for nu_c and mass: silica | selenium | b2o3."
    ),
    t_g: float | None = typer.Option(None, "--t-g", help="T_g in K: report eps_m/k_B T_g."),
    as_json: bool = json_option(),
    plot: Path | None = plot_option(),
) -> None:
    """Buchenau's soft-potential model (Buchenau 1992): soft-mode stability and crossover.

    The figure of --plot: the stability curves of Fig 8 of the paper."""
    check_output_folder(plot)
    if not math.isfinite(eps_m_over_kt) or eps_m_over_kt <= 0.0:
        raise InputError(f"--eps-m-over-kT must be positive, got {eps_m_over_kt}")
    from pelkit.theory.soft_potential import soft_potential_report

    result, curve = soft_potential_report(eps_m_over_kt, points, eta_prime_min, eta_prime_max)
    result["crossover"] = _crossover(t_star, nu_c, mass_u, glass, t_g, eps_m_over_kt)
    plots: list[str] = []
    if plot is not None:
        from pelkit.plotting.soft_potential import plot_stability_curves
        from pelkit.theory.soft_potential import stability_curve

        if plot.exists() and not plot.is_dir():
            raise InputError(f"--plot must be a directory, got the file {plot}")
        curves = [
            stability_curve(a, points, eta_prime_min, eta_prime_max)
            for a in (3.0, 5.0)
            if a != eps_m_over_kt
        ]
        curves.append(curve)
        curves.sort(key=lambda c: c.beta_eps_m)
        plots.append(str(plot_stability_curves(curves, plot / "soft_potential_fig8.png")))
    result["figures"] = plots
    emit(result, as_json, _human(result, plots))


def register(app: typer.Typer) -> None:
    """Add ``soft-potential`` to the ``theory`` group."""
    app.command("soft-potential")(soft_potential_command)
