"""Time of the lowest 20 non-zero normal modes of a KA inherent structure (issue 3 "Measure";
DESIGN.md targets: N = 1000 under 1 s, N = 10^4 with sparse shift-invert under 30 s).

Run:  .venv/bin/python benchmarks/bench_modes.py [--sizes 1000 10000] [--k 20] [--repeats 3]
      [--full] [--fmax 1e-10]

Model ``ka-smooth`` (phi, phi', phi'' continuous at the cutoff), so that the Hessian of a quenched
minimum is positive semi-definite with exactly 3 zero modes. Each configuration is a relaxed random
KA packing (rho = 1.2) quenched with pelkit L-BFGS to max force ``--fmax`` (not timed). Timed
(median of ``--repeats``, wall clock):
  * Hessian build: ``Calculator.hessian()`` dense (N <= 2000) and ``hessian(sparse=True)``;
  * ``lowest_modes(H, masses, k, method=...)`` for each available method on the dense matrix
    (shift-invert: Cholesky + ARPACK) and on the sparse one (shift-invert: SuperLU + ARPACK;
    Lanczos: ARPACK on the translation-free restriction; "auto"); the total = build + solve;
  * with ``--full``: ``all_modes`` (dense ``eigh`` of the full 3N x 3N matrix) for N <= 2000.
The k eigenvalues of every path are compared with the first one (max relative difference).

Output: a markdown table on stdout and in ``benchmarks/results_modes.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_md import load_line, machine_line  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.io.formats import read_system, write_system  # noqa: E402
from pelkit.landscape.quench import quench  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.modes.normal import all_modes, lowest_modes  # noqa: E402
from pelkit.system import System  # noqa: E402

TARGETS = {1000: 1.0, 10000: 30.0}
DENSE_MAX = 2000


def timed(fn, repeats: int):
    """(median wall time, last result) over ``repeats`` calls."""
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def methods_available() -> list[str]:
    params = inspect.signature(lowest_modes).parameters
    if "method" not in params:
        return ["(default)"]
    return ["shift-invert", "lanczos", "auto"]


def solve(h, masses, k: int, method: str):
    if method == "(default)":
        return lowest_modes(h, masses, k)
    return lowest_modes(h, masses, k, method=method)


def quenched_minimum(n: int, model, fmax: float, cache: Path | None) -> System:
    """A quenched KA configuration (seed 5), read from / written to ``cache`` if given."""
    path = cache / f"ka_smooth_minimum_n{n}_seed5_fmax{fmax:g}.xyz" if cache else None
    if path is not None and path.is_file():
        print(f"N={n}: minimum read from {path}", flush=True)
        return read_system(path)
    t0 = time.perf_counter()
    start = kob_andersen_system(n, seed=5, model=model)
    res = quench(model, start, method="lbfgs", fmax=fmax)
    print(f"N={n}: quenched in {time.perf_counter() - t0:.1f} s to max force "
          f"{res.minimize.max_force:.1e} ({res.minimize.iterations} iterations)", flush=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_system(path, res.system)
    return res.system


def bench_size(n: int, model, methods: list[str], args: argparse.Namespace) -> list[str]:
    """Quench one KA configuration of N = n and time every path; returns table rows."""
    minimum = quenched_minimum(n, model, args.fmax, args.cache)
    calc = Calculator(model, minimum)
    masses = minimum.masses
    calc.energy_forces()
    paths = []
    reps = args.repeats if n <= DENSE_MAX else 1
    if n <= DENSE_MAX:
        t_dense, h_dense = timed(calc.hessian, reps)
        for method in methods:
            if method == "lanczos":
                continue
            t_solve, modes = timed(lambda m=method: solve(h_dense, masses, args.k, m), reps)
            paths.append((f"dense H, {method}", t_dense, t_solve, modes))
        if args.full:
            t_full, full = timed(lambda: all_modes(h_dense, masses), 1)
            paths.append(("dense H, all_modes (eigh)", t_dense, t_full,
                          full.select(np.arange(args.k))))
    t_sparse, h_sparse = timed(lambda: calc.hessian(sparse=True), reps)
    large = args.large_methods if (n > DENSE_MAX and args.large_methods) else methods
    for method in large:
        t_solve, modes = timed(lambda m=method: solve(h_sparse, masses, args.k, m), reps)
        paths.append((f"sparse H, {method}", t_sparse, t_solve, modes))
    ref = paths[0][3].eigenvalues[: args.k]
    target = TARGETS.get(n)
    rows = []
    for name, t_build, t_solve, modes in paths:
        lam = modes.eigenvalues[: args.k]
        diff = float(np.max(np.abs(lam - ref) / np.abs(ref)))
        total = t_build + t_solve
        info = modes.info.get("method", "")
        ratio = f"{total / target:.2f}" if target else "n/a"
        row = (f"| {n} | {name} | {t_build:.3g} | {t_solve:.3g} | {total:.3g} "
               f"| {target if target else 'n/a'} | {ratio} | {lam[0]:.6g} | {lam[-1]:.6g} "
               f"| {diff:.1e} | {info} |")
        rows.append(row)
        print(row, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fmax", type=float, default=1e-10)
    parser.add_argument("--full", action="store_true", help="also time the full dense eigh")
    parser.add_argument("--large-methods", nargs="+", default=None,
                        help="methods for N > 2000 (default: all available)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="directory to keep the quenched minima between runs")
    parser.add_argument("--out", type=Path, default=HERE / "results_modes.md")
    args = parser.parse_args(argv)
    load_start = load_line()
    print(f"# load at start: {load_start}", flush=True)
    model = get_model("ka-smooth")
    methods = methods_available()
    rows = []
    for n in args.sizes:
        rows += bench_size(n, model, methods, args)
    lines = [
        "# Lowest non-zero normal modes of KA inherent structures (ka-smooth)",
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
        " (multi-threaded OpenBLAS level-1/2 calls on a loaded machine can be 100x slower)",
        f"- k = {args.k} lowest non-zero modes of H^M at an L-BFGS minimum (max force <= "
        f"{args.fmax:g}); median of {args.repeats} repeats (1 for N > {DENSE_MAX}); "
        "see the docstring of benchmarks/bench_modes.py",
        "",
        "| N | path | Hessian build (s) | eigen-solve (s) | total (s) | target (s) "
        "| total / target | lambda_1 | lambda_k | max rel. diff vs first path | info |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"- `uptime` at end: {load_line()}",
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
