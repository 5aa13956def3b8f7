"""``pelkit tunnel PATH.h5 --units NAME``: tunnel splitting of a double-well path
(docs/physics/landscape.md).

The path file layout is documented in :mod:`pelkit.io.paths`. Units (docs/physics/tls-qlm.md):
``--units argon-khomenko2021`` or ``nip-khomenko2021`` with ``--hbar H`` (the thresholds 0.0015
and 0.0002 epsilon of Khomenko, Reichman and Zamponi 2021; the former names ``argon-seed003`` and
``nip-seed003`` still work for one release), or ``--units custom`` with either ``--hbar`` or
``--epsilon-J/--sigma-m/--mass-kg`` and optionally ``--threshold`` (epsilon) or ``--tq-kelvin``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import cli_command, emit, json_option


@cli_command
def tunnel(
    path: Path = typer.Argument(..., help="NEB path file (.h5, format pelkit-neb-path)."),
    units: str = typer.Option(
        ..., "--units", "-u", help="argon-khomenko2021, nip-khomenko2021 or custom."
    ),
    hbar: float = typer.Option(
        None, "--hbar", help="Dimensionless hbar~ = hbar/(sigma sqrt(m eps))."
    ),
    epsilon_j: float = typer.Option(None, "--epsilon-J", help="Custom units: epsilon in joule."),
    sigma_m: float = typer.Option(None, "--sigma-m", help="Custom units: sigma in metre."),
    mass_kg: float = typer.Option(None, "--mass-kg", help="Custom units: particle mass in kg."),
    threshold: float = typer.Option(
        None, "--threshold", help="Custom units: active-TLS threshold T_Q/epsilon."
    ),
    tq_kelvin: float = typer.Option(
        None, "--tq-kelvin", help="Custom units: T_Q in kelvin (needs --epsilon-J)."
    ),
    omega_a: float = typer.Option(
        None, "--omega-a", help="omega_tan at A (1/tau); default: stored value or V''(0)."
    ),
    omega_b: float = typer.Option(
        None, "--omega-b", help="omega_tan at B (1/tau); default: stored value or V''(xi_B)."
    ),
    levels: int = typer.Option(4, "--levels", min=2, help="Number of levels to compute."),
    rtol: float = typer.Option(1e-4, "--rtol", help="Relative change of E_t that stops h-halving."),
    as_json: bool = json_option(),
) -> None:
    """Tunnel splitting E_t = E_1 - E_0 along a double-well path, and whether the TLS is active."""
    from pelkit.io.paths import tunnel_from_path_file
    from pelkit.landscape.tunneling import unit_system

    system = unit_system(
        units,
        hbar_tilde=hbar,
        threshold=threshold,
        epsilon_j=epsilon_j,
        sigma_m=sigma_m,
        mass_kg=mass_kg,
        t_q_kelvin=tq_kelvin,
    )
    result, data = tunnel_from_path_file(
        path, system, omega_a=omega_a, omega_b=omega_b, n_levels=levels, rtol=rtol
    )
    active = system.is_active(result.splitting)
    out = {
        "file": str(path),
        "units": system.name,
        "unit_system": system.to_dict(),
        "hbar_tilde": system.hbar_tilde,
        "threshold": system.threshold,
        "splitting": result.splitting,
        "active": active,
        "levels": result.levels,
        "h": result.h,
        "relative_change": result.relative_change,
        **{k: v for k, v in result.summary().items() if k not in ("splitting", "levels")},
        "n_images": int(data.energy.size),
        "barrier": float(data.energy.max() - min(data.energy[0], data.energy[-1])),
        "asymmetry": float(abs(data.energy[0] - data.energy[-1])),
        "profile_method": data.profile().method,
    }
    if active is None:
        verdict = "no threshold given"
    else:
        verdict = ("active" if active else "not active") + f" (threshold {system.threshold:.6g})"
    human = (
        f"tunnel splitting E_t  {result.splitting:.10g} epsilon  ({verdict})\n"
        f"hbar~                 {system.hbar_tilde:.6g}  [{system.name}]\n"
        f"levels                {', '.join(f'{e:.10g}' for e in result.levels)}\n"
        f"grid h                {result.h:.4g}  (relative change {result.relative_change:.2e}, "
        f"{result.stop_reason})\n"
        f"omega_A, omega_B      {result.omega_a:.6g}, {result.omega_b:.6g} ({result.omega_source})"
    )
    emit(out, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``tunnel`` to the app."""
    app.command("tunnel")(tunnel)
