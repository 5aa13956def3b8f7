"""Time and peak memory of the lowest 20 non-zero normal modes of KA inherent structures
(issue 14 item 1; DESIGN.md targets: 0.3 s at N = 10^3, 5 s at 10^4, 60 s at 10^5).

Run:  .venv/bin/python benchmarks/bench_modes.py [--sizes 1000 10000 100000] [--k 20]
      [--repeats 3] [--full] [--fmax 1e-10] [--cache DIR] [--large-paths ...]

Model ``ka-smooth`` (phi, phi', phi'' continuous at the cutoff), so that the Hessian of a quenched
minimum is positive semi-definite with exactly 3 zero modes. Each configuration is a relaxed random
KA packing (rho = 1.2) quenched with pelkit L-BFGS to max force ``--fmax`` (not timed). Timed
(median of ``--repeats``, wall clock; 1 repeat for N > 2000), each a *path* = Hessian form x
method:
  * forms: ``dense`` (``Calculator.hessian()``, N <= 2000), ``sparse`` (CSR,
    ``hessian(sparse=True)``), ``operator`` (matrix-free pair blocks, ``hessian_operator()``);
  * methods of ``lowest_modes``: shift-invert (dense Cholesky, or the sparse factorisation
    "shift-invert-cholmod" (CHOLMOD from cvxopt; nested-dissection ordering for the operator
    form from N = 3000) / "shift-invert-superlu", + ARPACK), lanczos (ARPACK on the
    translation-free restriction), filtered-lanczos (ARPACK on a Chebyshev filter of H^M,
    :mod:`pelkit.modes.filtered_lanczos`), lobpcg with the block-Jacobi ("jacobi") or AMG
    ("amg", needs pyamg) preconditioner, auto (what ``pelkit modes --lowest`` runs);
  * with ``--full``: ``all_modes`` (dense ``eigh``) for N <= 2000.
Each path runs in a forked child process; peak memory = the child's peak resident size
(``ru_maxrss``) minus its resident size when it started: the Hessian build plus the solve
(the script re-executes itself with MALLOC_MMAP_THRESHOLD_=16777216 so that freed large arrays
(Hessians, factors) leave the resident set and cannot hide a later allocation; a lower threshold,
131072 as before, made every Lanczos vector at N = 10^4 a fresh mmap and inflated the Lanczos CPU
time about 2x: results_modes_t1_mmap128k.md).
The k eigenvalues of every path are compared with the first one (max relative difference), and
the k-dimensional eigenspaces by their largest principal angle.

Output: a markdown table on stdout and in ``benchmarks/results_modes.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.linalg import subspace_angles

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_md import load_line, machine_line  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.io.formats import read_system, write_system  # noqa: E402
from pelkit.landscape.quench import quench  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.modes.lobpcg import have_pyamg  # noqa: E402
from pelkit.modes.normal import DIRECT_MAX, all_modes, lowest_modes  # noqa: E402
from pelkit.modes.solver_options import ModeSolverOptions  # noqa: E402
from pelkit.modes.sparse_factor import have_cholmod  # noqa: E402
from pelkit.system import System  # noqa: E402

TARGETS = {1000: 0.3, 10000: 5.0, 100000: 60.0}
DENSE_MAX = 2000


PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident-set size of this process, bytes (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def _child(fn, conn) -> None:
    base = rss_bytes()
    t0 = time.perf_counter()
    c0 = time.process_time()
    out = fn()
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    conn.send(((elapsed, cpu), peak, out))
    conn.close()


def in_child(fn):
    """Run fn() in a forked process: (wall time, peak RSS increase of the child in bytes, result).

    A fresh process, so memory freed by earlier paths (kept by the allocator) cannot hide this
    path's peak: the child's peak resident size minus its resident size when it started.
    """
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, send))
    proc.start()
    elapsed, peak, out = recv.recv()
    proc.join()
    return elapsed, peak, out


def timed(fn, repeats: int):
    """((median wall time, median CPU time of the process, all threads), peak RSS increase in
    bytes, last result), each call in a child."""
    times = []
    cpus = []
    out = None
    peak = 0
    for _ in range(repeats):
        (elapsed, cpu), child_peak, out = in_child(fn)
        times.append(elapsed)
        cpus.append(cpu)
        peak = max(peak, child_peak)
    return (statistics.median(times), statistics.median(cpus)), peak, out


SMALL_PATHS = ["dense:shift-invert", "sparse:shift-invert-superlu", "sparse:shift-invert-cholmod",
               "operator:shift-invert-cholmod", "operator:lanczos", "operator:filtered-lanczos",
               "cli:auto"]
LARGE_PATHS = ["operator:lanczos", "operator:filtered-lanczos", "operator:shift-invert-cholmod",
               "cli:auto"]


def run_path(calc, masses, k: int, path: str):
    """Build the Hessian in the path's form and solve; returns the Modes."""
    form, method = path.split(":")
    n3 = 3 * masses.size
    if form == "cli":  # what `pelkit modes --lowest` does
        h = calc.hessian(sparse=True) if n3 <= DIRECT_MAX else calc.hessian_operator()
    elif form == "dense":
        h = calc.hessian()
    elif form == "sparse":
        h = calc.hessian(sparse=True)
    else:
        h = calc.hessian_operator()
    if method.startswith("lobpcg"):
        return lowest_modes(h, masses, k, method="lobpcg",
                            options=ModeSolverOptions(preconditioner=method.split("-")[1]))
    if method.startswith("shift-invert-"):
        return lowest_modes(h, masses, k, method="shift-invert", options=ModeSolverOptions(
            factorization=method.removeprefix("shift-invert-")))
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


def bench_size(n: int, model, args: argparse.Namespace) -> list[str]:
    """Quench one KA configuration of N = n (or read ``--system``) and time every path; returns
    table rows."""
    if args.system is not None:
        minimum = read_system(args.system)
        n = minimum.n_particles
    else:
        minimum = quenched_minimum(n, model, args.fmax, args.cache)
    calc = Calculator(model, minimum)
    masses = minimum.masses
    _, forces = calc.energy_forces()
    if args.system is not None:
        args.system_max_force = float(np.max(np.linalg.norm(forces, axis=1)))
        print(f"N={n}: {args.system}, max force {args.system_max_force:.2g} "
              "(not necessarily a minimum)", flush=True)
    reps = args.repeats if n <= DENSE_MAX else 1
    paths = list(args.small_paths if n <= DENSE_MAX else args.large_paths)
    if not have_pyamg():
        paths = [p for p in paths if not p.endswith("amg")]
    if not have_cholmod():
        paths = [p for p in paths if not p.endswith("cholmod")]
    results = []
    for path in paths:
        (t, cpu), peak, modes = timed(lambda p=path: run_path(calc, masses, args.k, p), reps)
        results.append((path, t, cpu, peak, modes))
        print(f"N={n} {path}: {t:.3g} s wall, {cpu:.3g} s CPU, peak +{peak / 2**20:.0f} MiB "
              f"(load {load_line()})", flush=True)
    if args.full and n <= DENSE_MAX:
        (t, cpu), peak, full = timed(lambda: all_modes(calc.hessian(), masses), 1)
        results.append(("dense:all_modes (eigh)", t, cpu, peak, full.select(np.arange(args.k))))
    ref = results[0][4].eigenvalues[: args.k]
    ref_vec = results[0][4].eigenvectors[:, : args.k]
    target = TARGETS.get(n)
    rows = []
    for name, t, cpu, peak, modes in results:
        lam = modes.eigenvalues[: args.k]
        diff = float(np.max(np.abs(lam - ref) / np.abs(ref)))
        angle = float(np.max(subspace_angles(modes.eigenvectors[:, : args.k], ref_vec)))
        info = modes.info.get("method", "")
        if "factorization" in modes.info:
            info += f" ({modes.info['factorization']})"
        if "iterations" in modes.info:
            info += f", {modes.info['iterations']} it"
        if "n_products" in modes.info:
            info += f", d = {modes.info['degree']}, {modes.info['n_products']} products"
        if "filter_fallback" in modes.info:
            info += f" (filter fell back: {modes.info['filter_fallback']})"
        if "max_residual" in modes.info:
            info += f", max res {modes.info['max_residual']:.1e}"
        ratio = f"{cpu / target:.2f}" if target else "n/a"
        row = (f"| {n} | {name} | {t:.3g} | {cpu:.3g} | {peak / 2**20:.0f} "
               f"| {target if target else 'n/a'} | {ratio} | {lam[0]:.6g} | {lam[-1]:.6g} "
               f"| {diff:.1e} | {angle:.1e} | {info} |")
        rows.append(row)
        print(row, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        # large arrays (>= 16 MiB) in their own mappings, returned to the system when freed: the
        # resident size of a forked child then rises with what the child itself allocates;
        # vectors stay on the heap (fresh mappings for them would cost page faults every step)
        os.environ["MALLOC_MMAP_THRESHOLD_"] = "16777216"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fmax", type=float, default=1e-10)
    parser.add_argument("--full", action="store_true", help="also time the full dense eigh")
    parser.add_argument("--large-paths", nargs="+", default=LARGE_PATHS,
                        help="form:method paths for N > 2000")
    parser.add_argument("--small-paths", nargs="+", default=SMALL_PATHS,
                        help="form:method paths for N <= 2000")
    parser.add_argument("--cache", type=Path, default=None,
                        help="directory to keep the quenched minima between runs")
    parser.add_argument("--system", type=Path, default=None,
                        help="time this configuration (any pelkit-readable file) instead of "
                        "quenched KA minima; --sizes is then ignored")
    parser.add_argument("--out", type=Path, default=HERE / "results_modes.md")
    args = parser.parse_args(argv)
    load_start = load_line()
    print(f"# load at start: {load_start}", flush=True)
    model = get_model("ka-smooth")
    rows = []
    for n in args.sizes if args.system is None else [0]:
        rows += bench_size(n, model, args)
    lines = [
        "# Lowest non-zero normal modes of KA inherent structures (ka-smooth)",
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'unset')}"
        " (multi-threaded OpenBLAS level-1/2 calls on a loaded machine can be 100x slower); "
        "CPU time = the child process's, all threads",
        (f"- k = {args.k} lowest non-zero modes of H^M at an L-BFGS minimum (max force <= "
         f"{args.fmax:g}); " if args.system is None else
         f"- k = {args.k} lowest non-zero modes of H^M of {args.system} (max force "
         f"{getattr(args, 'system_max_force', float('nan')):.2g} eps/sigma; not necessarily a "
         "minimum); ")
        + f"median of {args.repeats} repeats (1 for N > {DENSE_MAX}); "
        "see the docstring of benchmarks/bench_modes.py",
        "",
        "| N | form:method | build + solve wall (s) | CPU (s) | peak RSS increase (MiB) "
        "| target (s) | CPU / target | lambda_1 | lambda_k | max rel. diff vs first path "
        "| largest subspace angle vs first path (rad) | info |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
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
