"""NEB throughput and time to converge a typical double well of the seed-003 swap glass.

Run:  .venv/bin/python benchmarks/bench_neb.py [--sizes 500 1500] [--images 40] [--repeats 3]

For each N:

1. A glass: random swap-model packing, 2000 swap-MC sweeps at T = 0.1, quench (L-BFGS,
   max force 1e-10) to minimum A.
2. A neighbouring minimum B, as the exploration of the study finds them: A is pushed along its
   softest normal mode (largest particle displacement 0.3, 0.45, 0.6 sigma, both signs) and
   quenched; the first push that lands in another minimum with a barrier between them is kept.
3. Throughput: ``--iterations`` FIRE 2.0 iterations of a climbing-image band of ``--images``
   images (end points included), median over ``--repeats``; reported as image evaluations
   (energy + forces of one configuration) per second and particle-evaluations per second,
   for the study's per-image Verlet lists (:class:`BandEnergy`) and for one shared
   Calculator (whose list is rebuilt whenever the next image differs by more than half the
   skin). BLAS runs on one thread (see ``pelkit.blas_threads``).
4. Time to converge, before and after issue 14: CI-NEB from the straight line to the largest
   NEB force < 1e-6 (climbing image switched on at 1e-2) with FIRE 2.0 (before) and with the
   global L-BFGS band optimiser (after, FIRE 2.0 fallback), with iterations, force calls (image
   evaluations), wall and CPU time, and the barriers (which must agree).

Output: a markdown table on stdout and in ``benchmarks/results_neb.md`` (``--out``).

Study mode (``--from-run DIR``): the pairs of a tls-qlm run folder (its config.toml and its
glass task files, e.g. from ``pelkit study run tls-qlm --preset laptop --out DIR``), exactly as
the study's pair phase makes them (:func:`pelkit.studies.tls_qlm.runner.pair_tasks`: the same
minima, orientation coin flips, band size, splitting at interior minima), connected once with
the ``--reference`` method (FIRE 2.0) and once with each other ``--methods`` entry (``fire2``,
``lbfgs``, or ``lbfgs-patienceP``: L-BFGS with a FIRE 2.0 fallback patience of P iterations),
by the study's NEB step (:func:`pelkit.studies.tls_qlm.tasks.pair_paths`). Per method: force
calls (image evaluations) summed over all NEB runs of all pairs, CPU and wall time, NEB runs,
unconverged runs, double wells, and the largest barrier difference against the reference over
the double wells both found; ``--pairs KEY ...`` restricts the run to some pairs.
Output: ``benchmarks/results_neb_study.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from pelkit.blas_threads import limit_blas_threads
from pelkit.build import swap_system
from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc
from pelkit.engine.calculator import Calculator
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.neb import NEBOptions, neb
from pelkit.landscape.paths import BandEnergy, analyse_band
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.normal import lowest_modes

HERE = Path(__file__).resolve().parent


def make_pair(n: int, seed: int = 7):
    """(model, A system, E_A, B system, E_B) for an N-particle swap glass (module docstring)."""
    model = get_model("swap")
    _, glass = run_swap_mc(model, swap_system(n, seed=seed), 0.1, 2000, seed=seed,
                           options=SwapMCOptions(tune_sweeps=100))
    glass.velocities = None
    qa = quench(model, glass, method="lbfgs", fmax=1e-10)
    calc = Calculator(model, qa.system)
    modes = lowest_modes(calc.hessian(sparse=True), qa.system.masses, 5, seed=0)
    u = modes.displacements()[:, 0].reshape(-1, 3)
    u /= np.linalg.norm(u, axis=1).max()
    for amp in (0.3, 0.45, 0.6):
        for sign in (1.0, -1.0):
            pushed = qa.system.with_positions(qa.system.positions + sign * amp * u)
            qb = quench(model, pushed, method="lbfgs", fmax=1e-10, calculator=calc)
            if qb.minimize.converged and not same_minimum(qa.system, qa.energy, qb.system,
                                                          qb.energy):
                return model, qa.system, qa.energy, qb.system, qb.energy
    raise RuntimeError(f"no neighbouring minimum found for N = {n}")


def throughput(model, a, b, images: int, iterations: int, repeats: int, per_image: bool):  # noqa: ANN001
    """Median (wall seconds, CPU seconds, image evaluations) of ``iterations`` iterations."""
    times, cpu, evals = [], [], 0
    for _ in range(repeats):
        if per_image:
            energy = BandEnergy(model, a, images + 2)
        else:
            energy = Calculator(model, a, check_overlap=False).objective
        t0, c0 = time.perf_counter(), time.process_time()
        res = neb(energy, a.positions.ravel(), b.positions.ravel(), n_images=images,
                  box=a.box.lengths,
                  options=NEBOptions(fmax=1e-12, climb=False, max_iterations=iterations,
                                     method="fire2"))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        evals = res.evaluations
    return statistics.median(times), statistics.median(cpu), evals


def converge(model, a, b, images: int, method: str):  # noqa: ANN001
    energy = BandEnergy(model, a, images + 2)
    t0, c0 = time.perf_counter(), time.process_time()
    res = neb(energy, a.positions.ravel(), b.positions.ravel(), n_images=images,
              box=a.box.lengths, masses=a.masses,
              options=NEBOptions(fmax=1e-6, climb=True, max_iterations=100_000, method=method))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    an = analyse_band(res)
    return wall, cpu, res, an


def study_pairs(run_dir: Path, max_pairs: int | None):  # noqa: ANN201
    """(config, pair task kwargs) of a tls-qlm run folder's glass tasks, as the study makes
    them (first ``max_pairs`` pairs in task order, all when None)."""
    from pelkit.io.results import RunFolder
    from pelkit.parallel import load_result
    from pelkit.studies.tls_qlm.config import build_config
    from pelkit.studies.tls_qlm.runner import glass_pair_tasks, glass_tasks

    cfg = build_config(RunFolder(run_dir).read_config())
    tasks = []
    for t in glass_tasks(cfg):  # the glasses present (a campaign may still be running)
        path = run_dir / "tasks" / "glasses" / f"{t.key}.npz"
        if path.is_file():
            tasks += glass_pair_tasks(cfg, t.kwargs["t_f"], t.kwargs["index"],
                                      load_result(path))
    if not tasks:
        raise SystemExit(f"bench_neb: no pairs in the glass task files of {run_dir}")
    return cfg, tasks[:max_pairs] if max_pairs else tasks


def connect_study_pairs(cfg, tasks, method: str):  # noqa: ANN001, ANN201
    """Run the study's NEB step on every pair with ``neb.method = method`` ("lbfgs-patienceP":
    L-BFGS with ``neb.fallback_patience = P``)."""
    from pelkit.studies.tls_qlm.tasks import pair_paths

    update: dict = {"method": method}
    if method.startswith("lbfgs-patience"):
        patience = int(method.removeprefix("lbfgs-patience"))
        update = {"method": "lbfgs", "fallback_patience": patience}
    neb_cfg = cfg.neb.model_copy(update=update)
    run_cfg = cfg.model_copy(update={"neb": neb_cfg})
    model = get_model(cfg.model)
    out = []
    for t in tasks:
        kw = t.kwargs
        t0, c0 = time.perf_counter(), time.process_time()
        _, paths, _ = pair_paths(run_cfg, model, kw["x_a"], kw["e_a"], kw["x_b"], kw["e_b"],
                                 kw["diameters"], kw["box"], kw["seed"])
        out.append((t.key, time.perf_counter() - t0, time.process_time() - c0, paths))
    return out


def study_main(args: argparse.Namespace) -> None:
    cfg, tasks = study_pairs(args.from_run, None)
    if args.pairs:
        tasks = [t for t in tasks if t.key in args.pairs]
    tasks = tasks[::args.pair_stride][:args.max_pairs]
    ref_method = args.reference
    methods = [ref_method, *[m for m in args.methods if m != ref_method]]
    load0 = os.getloadavg()[0]
    results = {}
    with limit_blas_threads(1):
        for m in methods:
            results[m] = connect_study_pairs(cfg, tasks, m)
            print(f"{m}: done", flush=True)
    ref = {key: paths for key, _, _, paths in results[ref_method]}

    def dw_barriers(paths) -> dict:  # noqa: ANN001
        return {(s.a, s.b): s.analysis.barrier for s in paths.segments
                if s.status == "double_well"}

    lines = [
        f"# NEB phase of the tls-qlm study ({cfg.preset} preset pairs)",
        "",
        f"Run folder `{args.from_run}`: N = {cfg.n_particles}, {len(tasks)} pairs (every "
        f"{args.pair_stride}-th of the folder's), band of "
        f"{cfg.neb.n_images} images (end points included), fmax {cfg.neb.fmax:g}, climbing "
        f"image from {cfg.neb.climb_fmax:g}, splitting depth {cfg.neb.max_depth}. One BLAS "
        f"thread, one process; load average {load0:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end.",
        "",
        f"| method | force calls | NEB runs | unconverged | double wells | wall (s) | CPU (s) "
        f"| force calls {ref_method} / method | max barrier difference vs {ref_method} (eps) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base_calls = sum(s.result.evaluations for *_, p in results[ref_method] for s in p.segments)
    for m in methods:
        calls = sum(s.result.evaluations for *_, p in results[m] for s in p.segments)
        runs = sum(len(p.segments) for *_, p in results[m])
        bad = sum(not s.result.converged for *_, p in results[m] for s in p.segments)
        n_dw = sum(len(dw_barriers(p)) for *_, p in results[m])
        wall = sum(w for _, w, _, _ in results[m])
        cpu = sum(c for _, _, c, _ in results[m])
        diffs = []
        for key, _, _, paths in results[m]:
            mine, theirs = dw_barriers(paths), dw_barriers(ref[key])
            diffs += [abs(mine[k] - theirs[k]) for k in mine.keys() & theirs.keys()]
        lines.append(f"| {m} | {calls} | {runs} | {bad} | {n_dw} | {wall:.1f} | {cpu:.1f} | "
                     f"{base_calls / calls:.1f} | {max(diffs) if diffs else float('nan'):.2g} |")
    lines += ["", "Per pair (force calls; segment statuses):", "",
              "| pair | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for i, t in enumerate(tasks):
        cells = []
        for m in methods:
            paths = results[m][i][3]
            calls = sum(s.result.evaluations for s in paths.segments)
            cells.append(f"{calls} ({', '.join(s.status for s in paths.segments)})")
        lines.append(f"| {t.key} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-run", type=Path, default=None,
                        help="tls-qlm run folder: benchmark the study's NEB phase on its pairs")
    parser.add_argument("--max-pairs", type=int, default=None)
    parser.add_argument("--pair-stride", type=int, default=1,
                        help="every k-th pair of the run folder (a sample across glasses)")
    parser.add_argument("--methods", nargs="+", default=["fire2", "lbfgs"],
                        help="fire2, lbfgs, or lbfgs-patienceP (FIRE 2.0 fallback patience P)")
    parser.add_argument("--reference", default="fire2",
                        help="method the others are compared with (study mode)")
    parser.add_argument("--pairs", nargs="+", default=None,
                        help="only these pair task keys (study mode)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1500])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results_neb.md")
    args = parser.parse_args()
    if args.from_run is not None:
        if args.out == HERE / "results_neb.md":
            args.out = HERE / "results_neb_study.md"
        study_main(args)
        return

    rows = []
    with limit_blas_threads(1):
        for n in args.sizes:
            t0 = time.perf_counter()
            model, a, ea, b, eb = make_pair(n)
            setup = time.perf_counter() - t0
            per = {}
            for label, flag in (("per-image lists", True), ("shared list", False)):
                per[label] = throughput(model, a, b, args.images, args.iterations,
                                        args.repeats, flag)
            conv = {m: converge(model, a, b, args.images, m) for m in ("fire2", "lbfgs")}
            rows.append((n, setup, per, conv, ea, eb))
            print(f"N = {n}: done", flush=True)

    lines = [
        "# NEB benchmark (seed-003 swap glass)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one BLAS thread; band of {args.images} images "
        f"(end points included); throughput over {args.iterations} FIRE 2.0 iterations, median "
        f"of {args.repeats}.",
        "",
        "| N | band force evaluations/s (per-image lists) | per CPU-s | "
        "particle-evaluations per CPU-s | evaluations/s (one shared list) | per CPU-s |",
        "|---|---|---|---|---|---|",
    ]
    for n, _setup, per, _conv, _ea, _eb in rows:
        w1, c1, e1 = per["per-image lists"]
        w2, c2, e2 = per["shared list"]
        lines.append(
            f"| {n} | {e1 / w1:.0f} | {e1 / c1:.0f} | {n * e1 / c1:.3g} | {e2 / w2:.0f} | "
            f"{e2 / c2:.0f} |"
        )
    lines += [
        "",
        "Converge to max NEB force 1e-6, FIRE 2.0 (before) against global L-BFGS (after):",
        "",
        "| N | method | iterations | force calls | wall (s) | CPU (s) | converged | FIRE 2.0 "
        "fallback | barrier (eps) | asymmetry (eps) | double well | force calls FIRE / L-BFGS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, _setup, _per, conv, ea, eb in rows:
        ratio = conv["fire2"][2].evaluations / conv["lbfgs"][2].evaluations
        for method, (wall, cpu, res, an) in conv.items():
            lines.append(
                f"| {n} | {method} | {res.iterations} | {res.evaluations} | {wall:.1f} | "
                f"{cpu:.1f} | {res.converged} | {res.history['fallback']} | {an.barrier:.10g} | "
                f"{abs(ea - eb):.3g} | {an.is_double_well} | "
                + (f"{ratio:.1f} |" if method == "lbfgs" else "|")
            )
    lines += [
        "",
        f"Load average during the run: {os.getloadavg()[0]:.1f} (wall-clock rates on a busy "
        "machine are lower than the CPU-time rates).",
        "",
        "A band force evaluation is the energy and forces of one image; one NEB iteration "
        f"evaluates the {args.images - 2} interior images. The pair is made by pushing minimum A "
        "along its softest mode and quenching, which gives the local rearrangements that the "
        "exploration finds.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
