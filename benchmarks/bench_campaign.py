"""Overhead of the campaign layer (pelkit.parallel): tasks/s and the client's peak memory.

    python benchmarks/bench_campaign.py --tasks 1000 --big-tasks 1000 --workers 2

1. Throughput: ``--tasks`` trivial tasks (a 3-element result) through ``CampaignRunner`` on a
   ``LocalCluster`` of ``--workers`` processes and through a ``tcp://`` scheduler (real
   ``dask scheduler`` + ``dask worker`` processes on 127.0.0.1), each result written atomically
   (with fsync) by the client. Also the ``sync`` scheduler, as the cost of storage alone.
2. Client memory: ``--big-tasks`` tasks each returning a ka-landscape production-sized result
   (laptop preset: 221 frames of N = 155 unwrapped positions + per-frame series + 8 INM spectra,
   about 0.85 MB) on a LocalCluster; the client's peak RSS growth (``ru_maxrss``) is compared with
   the total size of the results. Bounded memory means the growth stays near a few results.

Prints a Markdown table; numbers depend on the machine's load (report ratios).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pelkit.cluster import ClusterOptions, DaskSession
from pelkit.parallel import CampaignRunner, Task

N_FRAMES, N_PART, N_INM = 221, 155, 8


def trivial(i: int) -> dict:
    return {"i": i, "x": np.arange(3.0) * i}


def production_sized(i: int) -> dict:
    rng = np.random.default_rng(i)
    return {
        "unwrapped": rng.random((N_FRAMES, N_PART, 3)),
        "times": np.arange(N_FRAMES, dtype=float),
        "e_is": rng.random(N_FRAMES),
        "potential_energy": rng.random(N_FRAMES),
        "quench_converged": np.ones(N_FRAMES, dtype=bool),
        "inm_eigenvalues": rng.random((N_INM, 3 * N_PART - 3)),
        "species": np.zeros(N_PART, dtype=np.int64),
    }


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed_run(folder: Path, session: DaskSession | str, n: int, func) -> float:  # noqa: ANN001
    runner = CampaignRunner(folder, session)
    tasks = [Task(f"t{i:05d}", {"i": i}) for i in range(n)]
    t0 = time.perf_counter()
    outcome = runner.run(tasks, func)
    elapsed = time.perf_counter() - t0
    assert outcome.ok and len(outcome.computed) == n
    return elapsed


def start_tcp(root: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    file = root / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                               "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
                               "--scheduler-file", str(file)], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    import json

    time.sleep(0.5)
    address = json.loads(file.read_text())["address"]
    for k in range(workers):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--host", "127.0.0.1", "--no-nanny", "--local-directory", str(root / f"w{k}")],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return address, procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--big-tasks", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pelkit_bench_campaign_"))
    rows = []
    try:
        t = timed_run(root / "sync", "sync", args.tasks, trivial)
        rows.append(("sync (storage only)", args.tasks / t))
        opts = ClusterOptions(scheduler="local", workers=args.workers)
        with DaskSession(opts, notify=lambda m: None) as session:
            session.client.wait_for_workers(args.workers)
            t = timed_run(root / "local", session, args.tasks, trivial)
        rows.append((f"LocalCluster, {args.workers} processes", args.tasks / t))
        address, procs = start_tcp(root, args.workers)
        try:
            with DaskSession(ClusterOptions(scheduler=address), notify=lambda m: None) as s:
                s.client.wait_for_workers(args.workers, timeout=120)
                t = timed_run(root / "tcp", s, args.tasks, trivial)
            rows.append((f"tcp:// scheduler, {args.workers} worker processes", args.tasks / t))
        finally:
            for p in reversed(procs):  # workers first, then the scheduler, by PID
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=10)
        print("| scheduler | trivial tasks/s |\n|---|---|")
        for name, rate in rows:
            print(f"| {name} | {rate:.0f} |")

        one = sum(np.asarray(v).nbytes for v in production_sized(0).values()) / 2**20
        with DaskSession(opts, notify=lambda m: None) as session:
            session.client.wait_for_workers(args.workers)
            before = rss_mb()
            t = timed_run(root / "big", session, args.big_tasks, production_sized)
            growth = rss_mb() - before
        print(f"\n{args.big_tasks} production-sized results ({one:.2f} MB each, "
              f"{one * args.big_tasks:.0f} MB in all) in {t:.1f} s: client peak RSS grew by "
              f"{growth:.0f} MB (= {growth / one:.1f} results)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
