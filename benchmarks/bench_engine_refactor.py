"""MD and swap-MC throughput of one source tree, for before/after comparisons (issue 12 item 1).

Run:  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_engine_refactor.py [--label after]
      PYTHONPATH=old/src .venv/bin/python benchmarks/bench_engine_refactor.py --label before

Measures, on one thread, (1) KA MD at N = 1000 (NVE and Nose-Hoover, dt = 0.005, T = 0.8,
``MDSimulation.advance``) in atom-steps per second and (2) swap Monte Carlo of the polydisperse
swap model (N = 500, T = 0.1, p_swap = 0.2) in attempted moves per second, through the kernel
(``SwapMonteCarlo.sweep``) and through the public ``run_swap_mc`` (default settings). Median of
``--repeats`` timings after a warm-up (compilation excluded); both wall-clock and the thread's CPU
time are reported (the CPU rate is less sensitive to other load). Prints one line per quantity.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import pelkit
from pelkit.build import kob_andersen_system, swap_system
from pelkit.dynamics.md import MDSimulation
from pelkit.dynamics.swap_mc import SwapMonteCarlo, run_swap_mc
from pelkit.models import get_model


def timed(fn) -> tuple[float, float]:
    """(wall s, thread CPU s) of fn()."""
    t0, c0 = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - t0, time.thread_time() - c0


def md_rates(thermostat: str, steps: int, repeats: int) -> tuple[float, float]:
    n = 1000
    sim = MDSimulation(get_model("ka"), kob_andersen_system(n, seed=7), 0.8,
                       thermostat=thermostat, dt=0.005, seed=7)
    sim.advance(200)  # compile and leave the quench-like start
    times = [timed(lambda: sim.advance(steps)) for _ in range(repeats)]
    work = n * steps
    return (work / statistics.median(t for t, _ in times),
            work / statistics.median(c for _, c in times))


def swap_rates(sweeps: int, repeats: int) -> tuple[float, float]:
    n = 500
    mc = SwapMonteCarlo(get_model("swap"), swap_system(n, seed=3), 0.1, p_swap=0.2)
    energies = np.zeros(sweeps)
    stats = np.zeros((sweeps, 5), dtype=np.int64)
    mc.sweep(5, 1, energies[:5], stats[:5])  # compile
    times = []
    for r in range(repeats):
        stats[:] = 0
        times.append(timed(lambda r=r: mc.sweep(sweeps, 100 + r, energies, stats)))
    work = n * sweeps
    return (work / statistics.median(t for t, _ in times),
            work / statistics.median(c for _, c in times))


def run_rates(sweeps: int, repeats: int) -> tuple[float, float]:
    """The public entry :func:`run_swap_mc` with default settings (set-up, energy checks and
    snapshots included), the same call in old and new trees."""
    n = 500
    model, system = get_model("swap"), swap_system(n, seed=3)
    run_swap_mc(model, system, 0.1, 5, seed=1)  # compile
    times = [timed(lambda r=r: run_swap_mc(model, system, 0.1, sweeps, seed=100 + r))
             for r in range(repeats)]
    work = n * sweeps
    return (work / statistics.median(t for t, _ in times),
            work / statistics.median(c for _, c in times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--md-steps", type=int, default=400)
    parser.add_argument("--sweeps", type=int, default=200)
    args = parser.parse_args()
    print(f"# {args.label} pelkit from {pelkit.__file__}")
    for thermostat in ("nve", "nose-hoover"):
        wall, cpu = md_rates(thermostat, args.md_steps, args.repeats)
        print(f"{args.label} md {thermostat} N=1000 atom-steps/s wall {wall:.4g} cpu {cpu:.4g}")
    wall, cpu = swap_rates(args.sweeps, args.repeats)
    print(f"{args.label} swap-mc N=500 moves/s wall {wall:.4g} cpu {cpu:.4g}")
    wall, cpu = run_rates(args.sweeps, args.repeats)
    print(f"{args.label} run_swap_mc N=500 moves/s wall {wall:.4g} cpu {cpu:.4g}")


if __name__ == "__main__":
    main()
