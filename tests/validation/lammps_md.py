"""LAMMPS molecular dynamics and minimization on pelkit Kob-Andersen states (validation and
benchmarks; builds on :mod:`lammps_helpers`).

Conventions (LAMMPS ``units lj``, ``thermo_modify norm no``):
    pe    total potential energy U (eps);
    ke    total kinetic energy K (eps);
    press mechanical pressure (2K/3 + W)/V (eps/sigma^3), W = -(1/3) sum r phi' (the virial);
          pelkit reports N T/V + W/V with T = 2K/(3N - 3), i.e. exactly T/V more (its ideal term
          uses the N-particle thermodynamic form).
Velocities and positions are exchanged in pelkit particle order (LAMMPS atom id = index + 1).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lammps_helpers import LammpsKA

from pelkit.system import System

THERMO = "thermo_style custom step pe ke press c_pvir fnorm fmax"


def start_lammps(system: System, velocities: bool = True, dt: float = 0.005,
                 suffix: str | None = None, skin: float = 0.3) -> LammpsKA:
    """A :class:`LammpsKA` holding ``system`` (and its velocities), time step ``dt``, thermo
    output with totals (not per atom) every step."""
    lmp = LammpsKA(system, suffix=suffix, skin=skin)
    lmp.command(f"timestep {dt!r}")
    lmp.command(THERMO)
    lmp.command("thermo_modify norm no")
    if velocities and system.velocities is not None:
        set_velocities(lmp, system.velocities)
    return lmp


def set_velocities(lmp: LammpsKA, velocities: np.ndarray) -> None:
    """Copy (N, 3) velocities in pelkit order into LAMMPS."""
    nlocal = lmp.lmp.extract_global("nlocal")
    ids = np.array(lmp.lmp.numpy.extract_atom("id")[:nlocal])
    v = lmp.lmp.numpy.extract_atom("v")
    v[:nlocal] = np.asarray(velocities)[ids - 1]


def positions(lmp: LammpsKA) -> np.ndarray:
    """(N, 3) positions in pelkit order (not wrapped: LAMMPS remaps only when it reneighbours)."""
    return lmp._by_id("x")


def velocities(lmp: LammpsKA) -> np.ndarray:
    """(N, 3) velocities in pelkit order."""
    return lmp._by_id("v")


def thermo(lmp: LammpsKA, name: str) -> float:
    """Current value of a thermo keyword (valid after a run, which prints thermo at its end)."""
    return float(lmp.lmp.get_thermo(name))


def virial_pressure(lmp: LammpsKA) -> float:
    """W/V from ``compute pvir all pressure NULL virial`` (valid after a run)."""
    lm = lmp._lammps
    return float(lmp.lmp.extract_compute("pvir", lm.LMP_STYLE_GLOBAL, lm.LMP_TYPE_SCALAR))


def block_averages(lmp: LammpsKA, fix: str, steps: int, block: int, every: int = 5,
                   quantities: str = "c_thermo_pe c_thermo_press c_pvir") -> np.ndarray:
    """Run ``steps`` steps with the integrator fixes already defined and return the averages of
    ``quantities`` over consecutive blocks of ``block`` steps (sampled every ``every`` steps),
    shape (steps // block, n_quantities)."""
    names = quantities.split()
    lmp.command(f"fix {fix} all ave/time {every} {block // every} {block} {quantities}")
    lmp.command("thermo 0")
    lmp.command("run 0 post no")
    out = []
    lm = lmp._lammps
    for _ in range(steps // block):
        lmp.command(f"run {block} pre no post no")
        out.append([
            lmp.lmp.extract_fix(fix, lm.LMP_STYLE_GLOBAL, lm.LMP_TYPE_VECTOR, k)
            for k in range(len(names))
        ])
    lmp.command(f"unfix {fix}")
    return np.array(out, dtype=float)


@dataclass
class LammpsMinimum:
    """Result of a LAMMPS ``minimize``: energy (eps), positions (N, 3) wrapped into the box,
    max per-atom force norm and global force norm reached (eps/sigma), iterations (all rounds),
    the stopping criterion LAMMPS printed for each round, and the minimize wall time (s)."""

    energy: float
    positions: np.ndarray
    max_force: float
    force_norm: float
    iterations: int
    stop_reasons: list[str]
    seconds: float

    @property
    def converged(self) -> bool:
        return self.stop_reasons[-1] == "force tolerance"


def _stop_reasons(log: Path) -> list[str]:
    reasons = []
    for line in log.read_text().splitlines():
        if "Stopping criterion =" in line:
            reasons.append(line.split("=", 1)[1].strip())
    return reasons


def lammps_minimize(system: System, style: str = "cg", ftol: float = 1e-10,
                    max_iterations: int = 100_000, max_evaluations: int = 1_000_000,
                    extra: tuple[str, ...] = (), rounds: int = 5) -> LammpsMinimum:
    """``min_style STYLE``; ``minimize 0.0 FTOL MAXITER MAXEVAL`` from ``system``'s positions.

    LAMMPS stops when the 2-norm of the global 3N force vector is below ``ftol`` (stricter than
    pelkit's largest per-particle norm below the same number), or when its line search fails
    ("linesearch alpha is zero", common for CG below |F| ~ 1e-5); then ``minimize`` is issued
    again (CG restarts along the force), up to ``rounds`` times in all.
    """
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.lammps"
        with start_lammps(system, velocities=False) as lmp:
            lmp.command(f"log {log}")
            lmp.command(f"min_style {style}")
            for cmd in extra:
                lmp.command(cmd)
            seconds = 0.0
            for _ in range(rounds):
                t0 = time.perf_counter()
                lmp.command(f"minimize 0.0 {ftol!r} {max_iterations} {max_evaluations}")
                seconds += time.perf_counter() - t0
                lmp.command("log none")
                reasons = _stop_reasons(log)
                lmp.command(f"log {log} append")
                if reasons and reasons[-1] == "force tolerance":
                    break
            iterations = int(lmp.lmp.extract_global("ntimestep"))
            energy, forces, _ = lmp.evaluate()
            x = positions(lmp)
            lmp.command("log none")
        reasons = _stop_reasons(log)
    wrapped, _ = system.box.wrap(x)
    norms = np.sqrt(np.einsum("ij,ij->i", forces, forces))
    return LammpsMinimum(energy, wrapped, float(norms.max()), float(np.linalg.norm(forces)),
                         iterations, reasons, seconds)
