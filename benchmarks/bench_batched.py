"""Batched replicas on CPU threads (and the GPU when there is one) against the single-system
engine and LAMMPS (issue 9 "Measure").

Run:  .venv/bin/python benchmarks/bench_batched.py [--quick] [--out benchmarks/results_batched.md]

KA 80:20 at rho = 1.2, T = 0.8, NVT (Nose-Hoover chain of 3, tau = 100 dt), dt = 0.005:
  * MD throughput in atom-steps/s for M in {1, 16, 128, 1024} replicas of N = 155 and M in
    {1, 16, 128} of N = 1000: the single-system engine (``MDSimulation.advance``, replicas one
    after another: one thread), ``BatchedMD`` on 1 thread and on all threads, LAMMPS one
    process per core (``lj/cut``, the set-up of ``bench_md.py``), and ``BatchedMD`` on the GPU
    when numba-cuda finds one (see also ``bench_batched_gpu.py``).
  * Quenches per second of N = 155 liquid snapshots to max force 1e-6 (the study's tolerance)
    and 1e-10: today's ``quench()`` loop (L-BFGS, one after another) against ``quench_batch``
    (L-BFGS compiled end to end) on 1 and all threads, and FIRE 2.0 both ways.
Rates are medians over ``--repeats``; the machine, the date and the load average are printed.
Keep other jobs off the machine while timing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "validation"))

from bench_md import lammps_processes, liquid, load_line, machine_line, save_state  # noqa: E402

from pelkit.dynamics.batched_md import BatchedMD  # noqa: E402
from pelkit.dynamics.md import MDSimulation  # noqa: E402
from pelkit.landscape.batched_quench import quench_batch  # noqa: E402
from pelkit.landscape.quench import quench  # noqa: E402
from pelkit.models import get_model  # noqa: E402

T = 0.8
DT = 0.005


def median_wall(fn, repeats: int) -> float:
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def starts(n: int, m: int) -> list:
    """m distinct liquid states of N = n (one equilibrated liquid, m short decorrelations)."""
    base = liquid(n)
    md = BatchedMD(get_model("ka"), [base] * m, T, seeds=11)
    md.advance(200)
    return md.systems()


def md_rates(n: int, m: int, steps: int, repeats: int, threads_all: int, lammps: bool) -> dict:
    model = get_model("ka")
    systems = starts(n, m)
    work = n * m * steps
    out: dict[str, float | None] = {}
    single = [MDSimulation(model, s, T, dt=DT, seed=k) for k, s in enumerate(systems[:4])]
    for s in single:
        s.advance(20)
    t_single = median_wall(lambda: [s.advance(steps) for s in single], repeats) / len(single)
    out["single"] = n * steps / t_single
    for label, th in (("batched_1", 1), ("batched_all", threads_all)):
        md = BatchedMD(model, systems, T, dt=DT, seeds=3, threads=th)
        md.advance(20)
        out[label] = work / median_wall(lambda md=md: md.advance(steps), repeats)
    out["lammps"] = None
    if lammps:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp) / "state.npz"
            save_state(systems[0], state)
            out["lammps"] = lammps_processes(state, "nvt", steps, threads_all, 1, repeats)
    out["gpu"] = None
    if real_gpu():
        md = BatchedMD(model, systems, T, dt=DT, seeds=3, device="gpu")
        md.advance(20)
        out["gpu"] = work / median_wall(lambda: md.advance(steps), repeats)
    return out


def quench_rates(n: int, m: int, fmax: float, repeats: int, threads_all: int) -> dict:
    model = get_model("ka")
    hot = starts(n, m)
    quench_batch(model, hot[:2], method="lbfgs", fmax=fmax)  # compile
    quench_batch(model, hot[:2], method="fire2", fmax=fmax)
    out = {}
    out["loop_lbfgs"] = m / median_wall(
        lambda: [quench(model, s, method="lbfgs", fmax=fmax) for s in hot], repeats)
    out["loop_fire2"] = m / median_wall(
        lambda: [quench(model, s, method="fire2", fmax=fmax) for s in hot], repeats)
    for method in ("lbfgs", "fire2"):
        for label, th in (("1", 1), ("all", threads_all)):
            out[f"batch_{method}_{label}"] = m / median_wall(
                lambda method=method, th=th: quench_batch(model, hot, method=method, fmax=fmax,
                                                          threads=th), repeats)
    return out


def real_gpu() -> bool:
    """True when numba-cuda finds a real device (not the simulator)."""
    try:
        from pelkit.engine.cuda import cuda_available, simulator_active
    except ImportError:
        return False
    return cuda_available() and not simulator_active()


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller M and fewer steps")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-lammps", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results_batched.md")
    args = parser.parse_args(argv)
    import numba

    threads_all = numba.config.NUMBA_NUM_THREADS
    lammps = not args.no_lammps
    if lammps:
        try:
            from lammps_helpers import load_lammps

            load_lammps()
        except Exception as exc:  # noqa: BLE001
            print(f"LAMMPS not available ({exc}); its column stays empty")
            lammps = False
    sizes = [(155, [1, 16, 128] if args.quick else [1, 16, 128, 1024]),
             (1000, [1, 16] if args.quick else [1, 16, 128])]
    lines = [
        f"# Batched replicas — {datetime.date.today()}",
        "",
        f"Machine: {machine_line()}; {threads_all} threads; {load_line()}",
        "",
        "## MD, KA rho = 1.2, T = 0.8, NVT (atom-steps/s)",
        "",
        "| N | M | single engine (1 thread) | batched 1 thread | batched all threads | "
        "LAMMPS 1 proc/core | GPU | batched 1 thr / single |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, ms in sizes:
        for m in ms:
            steps = max(20, int((2e6 if args.quick else 1e7) / (n * m)))
            r = md_rates(n, m, steps, args.repeats, threads_all, lammps and m == ms[-1])
            ratio = r["batched_1"] / r["single"]
            lines.append(f"| {n} | {m} | {fmt(r['single'])} | {fmt(r['batched_1'])} | "
                         f"{fmt(r['batched_all'])} | {fmt(r['lammps'])} | {fmt(r['gpu'])} | "
                         f"{ratio:.2f} |")
            print(lines[-1], flush=True)
    lines += [
        "",
        "## Quench, KA N = 155 liquid snapshots at T = 0.8 (quenches/s)",
        "",
        "| fmax | M | quench() L-BFGS loop | batch L-BFGS 1 thr | batch L-BFGS all | "
        "quench() FIRE 2.0 loop | batch FIRE 2.0 1 thr | batch FIRE 2.0 all |",
        "|---|---|---|---|---|---|---|---|",
    ]
    m = 32 if args.quick else 128
    for fmax in (1e-6, 1e-10):
        q = quench_rates(155, m, fmax, args.repeats, threads_all)
        lines.append(
            f"| {fmax:g} | {m} | {fmt(q['loop_lbfgs'])} | {fmt(q['batch_lbfgs_1'])} | "
            f"{fmt(q['batch_lbfgs_all'])} | {fmt(q['loop_fire2'])} | "
            f"{fmt(q['batch_fire2_1'])} | {fmt(q['batch_fire2_all'])} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
