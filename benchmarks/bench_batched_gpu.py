"""Batched replicas on one CUDA GPU (pelkit.engine.cuda): MD atom-steps/s and quenches/s.

Run:  .venv/bin/python benchmarks/bench_batched_gpu.py [--repeats 3] [--out FILE]
      (needs the ``gpu`` extra and an NVIDIA GPU; with none it says so and exits with 2)

Setup (issue 9, DESIGN.md target: 1024 x 155 KA at >= 2e8 atom-steps/s in float64 and >= 1000
quenches/s to max force 1e-6): Kob-Andersen 80:20 at rho = 1.2 (shift scheme, r_c = 2.5),
NVT at T = 0.8 with the Nose-Hoover chain (chain 3, tau = 100 dt), dt = 0.005, all arrays
float64. Starts: 16 relaxed random configurations (4 for N = 1000) tiled over the replicas,
each replica with its own Maxwell-Boltzmann velocities; 200 warm-up steps (which include the
kernel compilation), then ``--steps`` timed steps in one ``advance`` call (one kernel launch;
the copy of the per-replica sums back to the host makes the timing synchronous). Reported:
best and median over ``--repeats`` of M N steps / wall time.

Quenches: FIRE 2.0 (:func:`pelkit.engine.cuda.quench.fire2_quench`, chunks of 500
iterations) of M = 1024 liquid configurations of N = 155 taken from the T = 0.8 run, to max
force 1e-6 and 1e-10: M / wall time, with the median iteration count and the converged fraction
(honest: max force recomputed at the returned positions).

Output: a markdown report (device name, date) on stdout and, with ``--out``, in that file.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from pelkit.engine.cuda import cuda_available, device_name, is_simulator

KA_T = 0.8
DT = 0.005


def starts(n: int, m: int, n_distinct: int):
    """(positions, boxes, species, velocities) of m replicas from n_distinct configurations."""
    from pelkit.build import kob_andersen_system
    from pelkit.dynamics.md import maxwell_boltzmann
    from pelkit.engine.cuda.plan import stack_systems
    from pelkit.models.ka import kob_andersen

    systems = [kob_andersen_system(n, seed=s) for s in range(min(n_distinct, m))]
    pos, box, sp, _ = stack_systems(kob_andersen(), systems)
    idx = np.arange(m) % len(systems)
    masses = systems[0].masses
    vel = np.stack([maxwell_boltzmann(masses, KA_T, seed=1000 + r) for r in range(m)])
    return pos[idx], box[idx], sp[idx], vel


def time_md(n: int, m: int, steps: int, repeats: int, threads: int | None,
            warmup: int = 200) -> dict:
    from pelkit.engine.cuda.md import CudaReplicaMD, ReplicaMDOptions
    from pelkit.models.ka import kob_andersen

    pos, box, sp, vel = starts(n, m, 16 if n < 500 else 4)
    md = CudaReplicaMD(kob_andersen(), pos, vel, boxes=box, species=sp, temperature=KA_T,
                       thermostat="nose-hoover", seeds=np.arange(m),
                       options=ReplicaMDOptions(dt=DT, threads=threads))
    md.advance(warmup)
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = md.advance(steps)
        wall = time.perf_counter() - t0
        rates.append(m * n * steps / wall)
    t_mean = float(out.sums[:, 0].mean() / steps)
    return {"n": n, "m": m, "threads": md.threads, "steps": steps, "best": max(rates),
            "median": statistics.median(rates), "mean_T": t_mean,
            "blown": int(np.sum(out.status != 0)), "md": md}


def time_quench(md, fmax: float, repeats: int) -> dict:
    from pelkit.engine.cuda.quench import fire2_quench

    st = md.state()
    sp = md.species
    m = st.positions.shape[0]
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = fire2_quench(md.model, st.positions, md.boxes, sp, fmax=fmax, chunk=500)
        walls.append(time.perf_counter() - t0)
    return {"fmax": fmax, "m": m, "best": m / min(walls), "median": m / statistics.median(walls),
            "iterations": float(np.median(res.iterations)),
            "converged": float(np.mean(res.converged))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000, help="timed MD steps per repeat")
    parser.add_argument("--threads", type=int, default=None, help="threads per block")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if is_simulator() or not cuda_available(simulator=False):
        print("bench_batched_gpu: no CUDA GPU found (numba-cuda reports no usable device); "
              "nothing to measure", file=sys.stderr)
        return 2
    import numba

    try:
        import numba_cuda  # noqa: F401

        backend = f"numba-cuda {numba_cuda.__version__}"
    except ImportError:
        backend = f"numba {numba.__version__} built-in CUDA target"
    lines = [
        "# Batched replicas on the GPU (pelkit.engine.cuda)",
        "",
        f"Device: **{device_name()}**; {backend}; "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        "",
        f"KA 80:20, rho = 1.2, NVT Nose-Hoover T = {KA_T}, dt = {DT}, float64; best / median "
        f"of {args.repeats} repeats of {args.steps} steps.",
        "",
        "| N | replicas M | threads/block | atom-steps/s (best) | median | mean T |",
        "|---|---|---|---|---|---|",
    ]
    keep = None
    for n, ms in ((155, (1, 16, 128, 1024)), (1000, (1, 16, 128))):
        for m in ms:
            steps = args.steps if n == 155 else max(args.steps // 4, 100)
            r = time_md(n, m, steps, args.repeats, args.threads)
            lines.append(f"| {n} | {m} | {r['threads']} | {r['best']:.3g} | {r['median']:.3g} "
                         f"| {r['mean_T']:.3f} |")
            print(lines[-1], flush=True)
            if n == 155 and m == 1024:
                keep = r["md"]
    lines += ["", "FIRE 2.0 quenches of N = 155 liquid configurations (T = 0.8):", "",
              "| fmax | replicas M | quenches/s (best) | median | median iterations | "
              "converged |", "|---|---|---|---|---|---|"]
    for fmax in (1e-6, 1e-10):
        q = time_quench(keep, fmax, args.repeats)
        lines.append(f"| {fmax:g} | {q['m']} | {q['best']:.4g} | {q['median']:.4g} | "
                     f"{q['iterations']:.0f} | {q['converged']:.3f} |")
        print(lines[-1], flush=True)
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    if args.out is not None:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
