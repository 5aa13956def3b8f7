"""The README tour at N = 10^5 (issue 14 item 5): build, MD, quench, lowest 20 modes through the
``pelkit`` command line, each step's wall time and peak resident memory (GNU ``time -v``).

Run:  .venv/bin/python benchmarks/tour_100k.py [--n 100000] [--steps 10000] [--fmax 1e-10]
      [--timeout 3600] [--workdir DIR]

Steps (each a separate ``pelkit`` process, so each peak is that command's own):
  1. ``pelkit build ka --n N``
  2. ``pelkit md ... -T 0.6 --thermostat nose-hoover --steps S --final md.xyz``
  3. ``pelkit quench md.xyz --model ka-smooth --fmax F --out is.xyz`` (compiled L-BFGS, the default)
  4. ``pelkit modes is.xyz --model ka-smooth --lowest 20`` (filtered Lanczos, pair-block operator)
A step that runs past ``--timeout`` seconds is stopped and reported as such (its peak memory up
to then is still reported). Output: a markdown table on stdout and in ``--out``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PELKIT = str(Path(sys.executable).with_name("pelkit"))


def run_step(name: str, args: list[str], timeout: float) -> dict:
    """Run ``pelkit args`` under GNU time; wall seconds, peak RSS (MiB), status."""
    cmd = ["/usr/bin/time", "-v", "timeout", str(int(timeout)), PELKIT, *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    peak = int(m.group(1)) / 1024 if m else float("nan")
    status = {0: "ok", 124: f"stopped after {timeout:.0f} s"}.get(proc.returncode,
                                                                   f"exit {proc.returncode}")
    tail = (proc.stdout.strip().splitlines() or [""])[-1][:160]
    print(f"{name}: {wall:.1f} s, peak {peak:.0f} MiB, {status}: {tail}", flush=True)
    return {"name": name, "wall": wall, "peak": peak, "status": status, "tail": tail}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--fmax", type=float, default=1e-10)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--workdir", type=Path, default=Path("tour_100k"))
    parser.add_argument("--out", type=Path, default=HERE / "results_tour_100k.md")
    args = parser.parse_args(argv)
    w = args.workdir
    w.mkdir(parents=True, exist_ok=True)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    steps = [
        ("build", ["build", "ka", "--n", str(args.n), "--out", str(w / "start.xyz"),
                   "--seed", "1"]),
        ("md", ["md", str(w / "start.xyz"), "--model", "ka-smooth", "-T", "0.6",
                "--thermostat", "nose-hoover", "--steps", str(args.steps), "--quiet",
                "--final", str(w / "md.xyz")]),
        ("quench", ["quench", str(w / "md.xyz"), "--model", "ka-smooth", "--fmax",
                    str(args.fmax), "--out", str(w / "is.xyz")]),
        ("modes --lowest 20", ["modes", str(w / "is.xyz"), "--model", "ka-smooth",
                               "--lowest", "20"]),
    ]
    rows = [run_step(name, a, args.timeout) for name, a in steps]
    lines = [
        f"# pelkit tour at N = {args.n} (KA, ka-smooth)",
        "",
        f"- `uptime` at start: {load}",
        f"- MD {args.steps} steps (Nose-Hoover, T = 0.6), quench to max force {args.fmax:g}, "
        "20 lowest modes; each step a separate process (GNU time)",
        "",
        "| step | wall (s) | peak RSS (MiB) | status | last line |",
        "|---|---|---|---|---|",
        *[f"| {r['name']} | {r['wall']:.1f} | {r['peak']:.0f} | {r['status']} "
          f"| {r['tail'].replace('|', '/')} |" for r in rows],
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
