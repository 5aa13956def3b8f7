"""``pelkit modes FILE --model NAME (--lowest K | --all)``: normal or instantaneous modes."""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import emit, guard


def modes(
    path: Path = typer.Argument(
        ..., help="Configuration (a minimum for normal modes, any for INM)."
    ),
    model: str = typer.Option(..., "--model", "-m", help="Model name."),
    lowest: int = typer.Option(None, "--lowest", help="The K lowest non-zero modes (sparse)."),
    all_: bool = typer.Option(False, "--all", help="All 3N - 3 non-zero modes (dense eigh)."),
    scheme: str = typer.Option(None, "--scheme", help="Override the cutoff scheme."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Eigenvalues of the mass-weighted Hessian (translations removed) and participation ratios.

    Frequencies of unstable modes are reported negative (omega = -sqrt|lambda|)."""
    try:
        from pelkit.engine.calculator import Calculator
        from pelkit.errors import InputError
        from pelkit.io.formats import read_system
        from pelkit.models import get_model
        from pelkit.models.base import match_species
        from pelkit.modes.inm import unstable_fraction
        from pelkit.modes.normal import DIRECT_MAX, all_modes, lowest_modes

        if (lowest is None) == (not all_):
            raise InputError("give exactly one of --lowest K or --all")
        pot = get_model(model, scheme)
        system = match_species(pot, read_system(path))
        calc = Calculator(pot, system)
        assert system.masses is not None
        n = system.n_particles
        if all_:
            result = all_modes(calc.hessian(), system.masses)
        else:
            if not 1 <= lowest <= 3 * n - 3:
                raise InputError(f"--lowest must lie in 1..{3 * n - 3}, got {lowest}")
            # method "auto": sparse shift-invert when small, else Lanczos on the matrix-free
            # pair-block operator (a quarter of the CSR memory)
            small = 3 * n <= DIRECT_MAX
            h = calc.hessian(sparse=True) if small else calc.hessian_operator()
            result = lowest_modes(h, system.masses, lowest)
        _, forces = calc.energy_forces()
        summary = {
            "n_particles": n,
            "model": pot.name,
            "n_modes": result.n_modes,
            "n_zero_modes": result.n_zero_modes,
            "eigenvalues": result.eigenvalues,
            "frequencies": result.frequencies,
            "participation_ratio": result.participation_ratio,
            "max_force": float((forces**2).sum(axis=1).max() ** 0.5),
        }
        if all_:
            summary["n_negative"] = result.n_negative
            summary["fraction_imaginary"] = unstable_fraction(result)
    except Exception as exc:  # noqa: BLE001
        guard(exc)
    head = ", ".join(f"{w:.5g}" for w in summary["frequencies"][:10])
    human = f"{summary['n_modes']} modes; lowest frequencies: {head}"
    if all_:
        human += (f"\nunstable modes: {summary['n_negative']} "
                  f"(f_u = {summary['fraction_imaginary']:.4g})")
    emit(summary, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``modes``."""
    app.command("modes")(modes)
