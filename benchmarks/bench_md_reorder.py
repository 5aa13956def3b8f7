"""MD throughput with and without cell renumbering (issue 14 item 3): KA, NVE, one thread.

Run:  .venv/bin/python benchmarks/bench_md_reorder.py [--sizes 1000 10000 100000]
      [--atom-steps 2e6] [--repeats 3] [--start-file N=PATH ...]

Start: ``kob_andersen_system(N, seed=1)`` (a relaxed random packing: particle numbering in random
spatial order, as it becomes in any liquid after diffusion), or a file given with
``--start-file``; velocities at T = 0.8. Timed: ``MDSimulation.advance(steps)`` after a 10-step
warm-up, ``reorder=False`` (build order kept) and ``reorder=True`` (cell order, renumbered every
500 steps) interleaved, median of ``--repeats``; rate = N steps / wall time (atom-steps/s).
Output: a markdown table on stdout and in ``--out``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_md import load_line, machine_line  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.dynamics.md import MDSimulation  # noqa: E402
from pelkit.io.formats import read_system  # noqa: E402
from pelkit.models import get_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--atom-steps", type=float, default=2e6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--start-file", nargs="*", default=[],
                        help="N=PATH: read the start of size N from PATH")
    parser.add_argument("--out", type=Path, default=HERE / "results_md_reorder.md")
    args = parser.parse_args(argv)
    files = {int(k): Path(v) for k, v in (a.split("=", 1) for a in args.start_file)}
    model = get_model("ka")
    load_start = load_line()
    rows = []
    for n in args.sizes:
        start = read_system(files[n]) if n in files else kob_andersen_system(n, seed=1,
                                                                              model=model)
        steps = max(10, int(args.atom_steps / n))
        sims = {flag: MDSimulation(model, start, 0.8, thermostat="nve", seed=1, reorder=flag)
                for flag in (False, True)}
        for sim in sims.values():
            sim.advance(10)
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.repeats):
            for flag, sim in sims.items():
                t0 = time.perf_counter()
                sim.advance(steps)
                times[flag].append(time.perf_counter() - t0)
        rate = {f: n * steps / statistics.median(t) for f, t in times.items()}
        row = (f"| {n} | {steps} | {rate[False]:.3g} | {rate[True]:.3g} "
               f"| {rate[True] / rate[False]:.2f} |")
        print(row, flush=True)
        rows.append(row)
    text = "\n".join([
        "# KA NVE MD, one thread: build order vs cell renumbering",
        "",
        f"- machine: {machine_line()}; `uptime` at start: {load_start}",
        f"- median of {args.repeats} interleaved repeats; see benchmarks/bench_md_reorder.py",
        "",
        "| N | steps | atom-steps/s, build order | atom-steps/s, cell order | ratio |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"- `uptime` at end: {load_line()}",
    ]) + "\n"
    print(text)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
