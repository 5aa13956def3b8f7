"""``pelkit neb A B --model NAME``: climbing-image NEB between two minima.

The work is done by :func:`pelkit.landscape.paths.neb_between` (Henkelman, Uberuaga & Jonsson,
J. Chem. Phys. 113, 9901 (2000)); the path file is written by :mod:`pelkit.io.paths`.

A and B are configuration files of the same particles (same N, box, species or diameters).
End points must be minima: an end point whose largest per-particle force exceeds
``--endpoint-fmax`` (default 1e-6 eps/sigma) is first quenched (L-BFGS with FIRE 2.0 fallback)
to max force 1e-10 and the JSON says so (``quenched_a``/``quenched_b``); with ``--no-quench``
such an end point is refused instead. Two ends that are (or quench to) the same minimum are
refused.

The JSON has ``barrier`` (E_S - min(E_A, E_B)), ``asymmetry`` (|E_A - E_B|), ``is_double_well``
(two end minima and one maximum in V(xi)), ``n_images``, ``converged`` (largest NEB force below
``--fmax`` with the climbing image on), ``max_force`` and the other path quantities.
``--method lbfgs`` (default; global L-BFGS on the band, FIRE 2.0 when it stalls) or ``fire2``,
``--initial-path linear`` (default) or ``idpp``. ``--out PATH.h5`` writes the path file (format
pelkit-neb-path, with omega_tan at A and B from the Hessian) that ``pelkit tunnel`` reads.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import (
    check_output,
    cli_command,
    emit,
    fmax_option,
    images_option,
    json_option,
    load_model_system,
    max_iterations_option,
    model_option,
    out_option,
    scheme_option,
    species_map_option,
)


@cli_command
def neb_command(
    a: Path = typer.Argument(..., help="Configuration of minimum A (.xyz, .data, .h5)."),
    b: Path = typer.Argument(..., help="Configuration of minimum B (same particles)."),
    model: str = model_option(),
    images: int = images_option(40),
    climb: bool = typer.Option(True, "--climb/--no-climb", help="Climbing image (default on)."),
    spring: float = typer.Option(1.0, "--spring", help="Spring constant k (eps/(m sigma^2))."),
    fmax: float = fmax_option(1e-6),
    max_iterations: int = max_iterations_option(
        20000, "Stop the band optimisation after this many iterations."),
    method: str = typer.Option(
        "lbfgs", "--method", help="Band optimiser: lbfgs (FIRE 2.0 fallback) or fire2."
    ),
    initial_path: str = typer.Option("linear", "--initial-path", help="linear or idpp."),
    endpoint_fmax: float = typer.Option(
        1e-6, "--endpoint-fmax",
        help="End points with a larger max force (eps/sigma) are quenched first.",
    ),
    quench_ends: bool = typer.Option(
        True, "--quench/--no-quench", help="Quench end points that are not minima (or refuse)."
    ),
    out: Path = out_option("Write the path file here (.h5)."),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
) -> None:
    """Minimum-energy path between two minima: barrier, asymmetry, double-well test."""
    from pelkit.io.paths import write_path_between
    from pelkit.landscape.paths import NEBSettings, neb_between

    check_output(out, suffixes=(".h5",))
    settings = NEBSettings(
        n_images=images, spring_constant=spring, fmax=fmax, climb=climb,
        max_iterations=max_iterations, method=method, initial_path=initial_path,
    )
    pot, system_a = load_model_system(a, model, scheme, species_map)
    _, system_b = load_model_system(b, model, scheme, species_map)
    path = neb_between(
        pot, system_a, system_b, settings=settings, endpoint_fmax=endpoint_fmax,
        quench_ends=quench_ends,
    )
    if out is not None:
        write_path_between(out, path)
    result = path.summary()
    result["out"] = None if out is None else str(out)
    result.update(a=str(a), b=str(b), model=model)
    verdict = (
        "a double well" if result["is_double_well"]
        else f"not a double well ({result['reason']})"
    )
    human = (
        f"path {a} -> {b}: {verdict}\n"
        f"barrier      {result['barrier']:.8g} eps  (from A {result['barrier_a']:.6g}, "
        f"from B {result['barrier_b']:.6g})\n"
        f"asymmetry    {result['asymmetry']:.8g} eps\n"
        f"d_AB         {result['d_ab']:.6g} sqrt(m) sigma\n"
        f"omega_tan    A {result['omega_a']:.6g}, B {result['omega_b']:.6g} (1/tau)\n"
        f"NEB          {result['n_images']} images, "
        f"{'converged' if result['converged'] else 'NOT converged'}, max force "
        f"{result['max_force']:.3g} after {result['iterations']} iterations ({result['method']}"
        f"{', FIRE 2.0 fallback' if result['fallback'] else ''})"
        + (f"\npath file    {out}" if out is not None else "")
    )
    emit(result, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``neb`` to the app."""
    app.command("neb")(neb_command)
