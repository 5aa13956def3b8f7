"""``pelkit modes FILE --model NAME``: normal or instantaneous modes and what they tell.

* ``--lowest K`` / ``--all``: eigenvalues of the mass-weighted Hessian and participation ratios;
* ``--classify``: INM double-well / shoulder classification of every unstable mode and f_dw
  (:func:`pelkit.modes.inm.double_well_fraction`, docs/physics/modes.md; needs all modes);
* ``--nonlinear K``: cubic non-linear modes started from the K softest modes
  (:func:`pelkit.modes.nonlinear.cubic_nonlinear_mode`, Khomenko, Reichman and Zamponi (2021), eqs
  5-6) with the double-well
  test along each of them;
* ``--quartic K``: the quartic fit along the K softest modes
  (:func:`pelkit.modes.inm.quartic_fit`, Buchenau (1992), eqs 3-5).

Non-linear modes and quartic fits are defined at a minimum; elsewhere a warning is printed.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import numpy as np
import typer

from pelkit.cli.common import (
    cli_command,
    emit,
    json_option,
    load_model_system,
    model_option,
    scheme_option,
    species_map_option,
)

#: above this largest force (epsilon/sigma) a configuration is not treated as a minimum
MINIMUM_FMAX = 1e-4


def _check_count(name: str, k: int | None, n_modes: int) -> None:
    from pelkit.errors import InputError

    if k is not None and not 1 <= k <= n_modes:
        raise InputError(f"{name} must lie in 1..{n_modes}, got {k}")


def _positive(name: str, value: float | None) -> None:
    from pelkit.errors import InputError

    if value is not None and not (np.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive number, got {value}")


def _classification(calc: Any, x0: np.ndarray, result: Any, max_disp: float,
                    points: int) -> dict[str, Any]:
    from pelkit.modes.inm import SHOULDER, double_well_fraction

    dw = double_well_fraction(calc.energy, x0, result, max_displacement=max_disp,
                              n_points=points)
    return {
        "f_u": dw.f_u,
        "f_dw": dw.f_dw,
        "n_unstable": int(dw.unstable.size),
        "n_double_well": dw.n_double_well,
        "n_shoulder": sum(1 for lab in dw.labels if lab == SHOULDER),
        "settings": dw.settings,
        "modes": [
            {"index": int(k), "eigenvalue": float(result.eigenvalues[k]), "label": lab}
            for k, lab in zip(dw.unstable, dw.labels, strict=True)
        ],
    }


def _nonlinear(calc: Any, x0: np.ndarray, result: Any, k: int, method: str, max_iter: int,
               max_disp: float, points: int) -> list[dict[str, Any]]:
    from pelkit.modes.localization import participation_ratio
    from pelkit.modes.nonlinear import cubic_nonlinear_mode, line_double_well
    from pelkit.modes.overlap import overlap_c

    hess = calc.hessian(sparse=True)
    masses = result.masses
    disp = result.displacements()
    rows = []
    for j in range(k):
        res = cubic_nonlinear_mode(hess, calc.third_order_vv, disp[:, j], max_iter=max_iter,
                                   method=method)  # type: ignore[arg-type]
        line = line_double_well(calc.energy, x0, res.mode, masses, n_points=points,
                                max_displacement=max_disp)
        rows.append({
            "start_mode": j,
            "start_eigenvalue": float(result.eigenvalues[j]),
            **res.as_dict(),
            "participation_ratio": float(participation_ratio(res.mode, masses)),
            "overlap_with_start": float(overlap_c(disp[:, j], res.mode, masses)),
            "line_double_well": line.is_double_well,
            "line_barrier": line.barrier,
        })
    return rows


def _quartic(calc: Any, x0: np.ndarray, result: Any, k: int, max_disp: float, points: int,
             omega_c: float | None, a: float | None) -> list[dict[str, Any]]:
    from pelkit.modes.inm import quartic_fit

    rows = []
    for j in range(k):
        fit = quartic_fit(calc.energy, x0, result.eigenvectors[:, j], result.masses,
                          max_displacement=max_disp, n_points=points,
                          eigenvalue=float(result.eigenvalues[j]), omega_c=omega_c, a=a)
        rows.append({"mode": j, "frequency": float(result.frequencies[j]),
                     **dataclasses.asdict(fit)})
    return rows


def _human(summary: dict[str, Any]) -> str:
    head = ", ".join(f"{w:.5g}" for w in summary["frequencies"][:10])
    lines = [f"{summary['n_modes']} modes; lowest frequencies: {head}"]
    if "n_negative" in summary:
        lines.append(f"unstable modes: {summary['n_negative']} "
                     f"(f_u = {summary['fraction_imaginary']:.4g})")
    cl = summary.get("inm_classification")
    if cl is not None:
        lines.append(f"INM classification: {cl['n_double_well']} double-well, "
                     f"{cl['n_shoulder']} shoulder of {cl['n_unstable']} unstable modes; "
                     f"f_dw = {cl['f_dw']:.4g}, f_u = {cl['f_u']:.4g} "
                     f"(straight line, max displacement {cl['settings']['max_displacement']:g})")
    nl = summary.get("nonlinear_modes")
    if nl is not None:
        lines.append(f"{'start':>5} {'conv':>5} {'iter':>5} {'kappa':>11} {'tau':>11} "
                     f"{'barrier':>11} {'PR':>7} {'c_start':>7} {'DW':>3}")
        for r in nl:
            lines.append(
                f"{r['start_mode']:5d} {'yes' if r['converged'] else 'NO':>5} "
                f"{r['iterations']:5d} {r['kappa']:11.5g} {r['tau']:11.5g} {r['barrier']:11.5g} "
                f"{r['participation_ratio']:7.4f} {r['overlap_with_start']:7.4f} "
                f"{'yes' if r['line_double_well'] else 'no':>3}")
        bad = sum(1 for r in nl if not r["converged"])
        lines.append(f"non-linear modes: {len(nl) - bad} converged, {bad} not converged")
    qf = summary.get("quartic_fits")
    if qf is not None:
        lines.append(f"{'mode':>5} {'omega':>9} {'c2/(lam/2)':>10} {'c4':>11} "
                     f"{'c4 half-win':>11} {'N_k':>8} {'eta_k':>9}")
        for r in qf:
            eta = "" if r["eta_k"] is None else f"{r['eta_k']:9.4g}"
            ratio = r["c2_over_half_lambda"]
            lines.append(
                f"{r['mode']:5d} {r['frequency']:9.5g} "
                f"{'' if ratio is None else format(ratio, '10.5f'):>10} {r['c4']:11.5g} "
                f"{r['c4_half_window']:11.5g} {r['participation_number']:8.2f} {eta:>9}"
                + ("" if r["c4_positive"] else "  (c4 <= 0: not confining)"))
    return "\n".join(lines)


@cli_command
def modes(
    path: Path = typer.Argument(
        ..., help="Configuration (a minimum for normal modes, any for INM)."
    ),
    model: str = model_option(),
    lowest: int = typer.Option(None, "--lowest", help="The K lowest non-zero modes (sparse)."),
    all_: bool = typer.Option(False, "--all", help="All 3N - 3 non-zero modes (dense eigh)."),
    classify: bool = typer.Option(
        False, "--classify",
        help="INM: classify every unstable mode as double well or shoulder, report f_dw "
        "(implies --all)."),
    nonlinear: int = typer.Option(
        None, "--nonlinear", help="Cubic non-linear modes from the K softest modes."),
    quartic: int = typer.Option(
        None, "--quartic", help="Quartic fit along the K softest modes (at a minimum)."),
    max_displacement: float = typer.Option(
        0.5, "--max-displacement",
        help="Profile window for --classify and the non-linear DW test (sigma)."),
    points: int = typer.Option(201, "--points", help="Profile points (odd, >= 5)."),
    nonlinear_method: str = typer.Option(
        "line-search", "--nonlinear-method", help="line-search (Armijo-damped, default) or "
        "plain (the undamped iteration of Khomenko, Reichman and Zamponi 2021)."),
    nonlinear_max_iter: int = typer.Option(
        1000, "--nonlinear-max-iter", help="Iteration limit of the non-linear modes."),
    quartic_displacement: float = typer.Option(
        0.1, "--quartic-displacement", help="Largest particle displacement of the fit (sigma)."),
    quartic_points: int = typer.Option(41, "--quartic-points", help="Points per fit window."),
    omega_c: float = typer.Option(
        None, "--omega-c", help="Crystal-like frequency for Buchenau's eps_k, eta_k (1/tau)."),
    length_a: float = typer.Option(
        None, "--length-a", help="Buchenau's length a (sigma) for the predicted c4."),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
) -> None:
    """Normal modes: eigenvalues of the mass-weighted Hessian and participation ratios.

    Translations are removed. Optional: INM classification, non-linear modes and quartic fits.

    Frequencies (1/tau) of unstable modes are reported negative (omega = -sqrt|lambda|)."""
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.modes.inm import unstable_fraction
    from pelkit.modes.normal import DIRECT_MAX, LAMBDA_TOL, all_modes, lowest_modes

    dense = all_ or classify
    if lowest is not None and dense:
        raise InputError("give either --lowest K or --all / --classify, not both")
    if lowest is None and not dense and nonlinear is None and quartic is None:
        raise InputError(
            "give --lowest K, --all, --classify, --nonlinear K or --quartic K")
    if nonlinear_method not in ("line-search", "plain"):
        raise InputError(
            f"--nonlinear-method must be line-search or plain, got {nonlinear_method!r}")
    if nonlinear_max_iter < 1:
        raise InputError(f"--nonlinear-max-iter must be >= 1, got {nonlinear_max_iter}")
    if points < 5 or points % 2 == 0:
        raise InputError(f"--points must be odd and >= 5, got {points}")
    if quartic_points < 5:
        raise InputError(f"--quartic-points must be >= 5, got {quartic_points}")
    _positive("--max-displacement", max_displacement)
    _positive("--quartic-displacement", quartic_displacement)
    _positive("--omega-c", omega_c)
    _positive("--length-a", length_a)
    if length_a is not None and omega_c is None:
        raise InputError("--length-a needs --omega-c")
    pot, system = load_model_system(path, model, scheme, species_map)
    calc = Calculator(pot, system)
    assert system.masses is not None
    n = system.n_particles
    n_nz = 3 * n - 3
    _check_count("--lowest", lowest, n_nz)
    _check_count("--nonlinear", nonlinear, n_nz)
    _check_count("--quartic", quartic, n_nz)
    if dense:
        result = all_modes(calc.hessian(), system.masses)
    else:
        k = lowest if lowest is not None else max(nonlinear or 0, quartic or 0)
        for name, kk in (("--nonlinear", nonlinear), ("--quartic", quartic)):
            if kk is not None and kk > k:
                raise InputError(f"{name} {kk} needs at least {kk} modes; --lowest gives {k}")
        # method "auto": sparse shift-invert when small, else Lanczos on the matrix-free
        # pair-block operator (a quarter of the CSR memory)
        small = 3 * n <= DIRECT_MAX
        h = calc.hessian(sparse=True) if small else calc.hessian_operator()
        result = lowest_modes(h, system.masses, k)
    _, forces = calc.energy_forces()
    max_force = float((forces**2).sum(axis=1).max() ** 0.5)
    summary: dict[str, Any] = {
        "n_particles": n,
        "model": pot.name,
        "n_modes": result.n_modes,
        "n_zero_modes": result.n_zero_modes,
        "eigenvalues": result.eigenvalues,
        "frequencies": result.frequencies,
        "participation_ratio": result.participation_ratio,
        "max_force": max_force,
    }
    if dense:
        summary["n_negative"] = result.n_negative
        summary["fraction_imaginary"] = unstable_fraction(result)
    x0 = system.positions.reshape(-1)
    if classify:
        summary["inm_classification"] = _classification(calc, x0, result, max_displacement,
                                                        points)
    warnings: list[str] = []
    if nonlinear is not None or quartic is not None:
        n_unstable = int(np.count_nonzero(result.eigenvalues < -LAMBDA_TOL))
        if max_force > MINIMUM_FMAX or n_unstable:
            warnings.append(
                f"the configuration is not a minimum (max force {max_force:.3g}, "
                f"{n_unstable} unstable mode(s) among those computed): non-linear modes and "
                "quartic fits assume one; quench it first")
    if nonlinear is not None:
        summary["nonlinear_modes"] = _nonlinear(calc, x0, result, nonlinear,
                                                nonlinear_method, nonlinear_max_iter,
                                                max_displacement, points)
        summary["nonlinear_not_converged"] = sum(
            1 for r in summary["nonlinear_modes"] if not r["converged"])
    if quartic is not None:
        summary["quartic_fits"] = _quartic(calc, x0, result, quartic, quartic_displacement,
                                           quartic_points, omega_c, length_a)
    summary["warnings"] = warnings
    for w in warnings:
        sys.stderr.write(f"pelkit: warning: {w}\n")
    emit(summary, as_json, _human(summary))


def register(app: typer.Typer) -> None:
    """Add ``modes``."""
    app.command("modes")(modes)
