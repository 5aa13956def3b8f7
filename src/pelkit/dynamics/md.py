"""Molecular dynamics: NVE and NVT (Nose-Hoover chain default, Bussi, Langevin).

    sim = MDSimulation(model, system, temperature=0.5, thermostat="nose-hoover", seed=1)
    result = sim.run(10_000, trajectory="traj.h5", stride=100)
    result.mean_temperature, result.log["potential_energy_per_particle"], sim.system

Time steps run in compiled chunks (:func:`pelkit.dynamics.integrators.run_chunk`) between the
log/trajectory steps. Velocities start from a Maxwell-Boltzmann distribution with zero total
momentum, rescaled to exactly the target temperature (seeded; the seed is recorded). A step
whose energy is not finite or exceeds 1e6 eps per particle stops the run with an error naming
the step (:class:`MDBlowUp`).

Units: time in tau = sigma sqrt(m/eps); temperature in eps/k_B; pressure in eps/sigma^3
(P = rho T + W/V with T from the kinetic energy over 3N - 3 degrees of freedom).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pelkit.dynamics.integrators import LANGEVIN, NOSE_HOOVER, THERMOSTATS, kinetic2, nhc_energy
from pelkit.dynamics.integrators import run_chunk as _run_chunk
from pelkit.engine.calculator import Calculator
from pelkit.engine.pair import LANES
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System, as_system

ENERGY_LIMIT_PER_PARTICLE = 1e6


class MDBlowUp(InputError):
    """The integration became unstable (non-finite or runaway energy)."""


def maxwell_boltzmann(
    masses: NDArray[np.float64], temperature: float, seed: int | np.random.Generator = 0
) -> NDArray[np.float64]:
    """Velocities (N, 3) from the Maxwell-Boltzmann distribution at ``temperature``.

    Total momentum is removed and the result rescaled so that sum m v^2 / (3N - 3) equals the
    temperature exactly (for N > 1 and T > 0).
    """
    rng = np.random.default_rng(seed)
    masses = np.asarray(masses, dtype=np.float64)
    n = masses.shape[0]
    vel = rng.standard_normal((n, 3)) * np.sqrt(max(temperature, 0.0) / masses)[:, None]
    if n > 1:
        vel -= (masses[:, None] * vel).sum(axis=0) / masses.sum()
    dof = max(3 * n - 3, 1)
    current = float(np.sum(masses[:, None] * vel**2)) / dof
    if temperature > 0 and current > 0:
        vel *= np.sqrt(temperature / current)
    return vel


@dataclass
class MDResult:
    """Outcome of an MD run.

    Attributes:
        steps: number of steps run; dt: time step (tau).
        mean_temperature, mean_potential_energy_per_particle, mean_pressure: averages over all
            steps of the run (eps, eps, eps/sigma^3).
        log: per logged step arrays: step, time, temperature, potential_energy_per_particle,
            kinetic_energy_per_particle, conserved_energy_per_particle, pressure.
        conserved_drift_per_particle: last minus first logged conserved energy per particle.
        thermostat, seed, wall_time, neighbor_builds: the run's settings, its wall time (s) and
            the number of Verlet-list rebuilds.
    """

    steps: int
    dt: float
    mean_temperature: float
    mean_potential_energy_per_particle: float
    mean_pressure: float
    log: dict[str, NDArray[np.float64]]
    conserved_drift_per_particle: float
    thermostat: str
    seed: int
    wall_time: float
    neighbor_builds: int
    extra: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The JSON summary printed by ``pelkit md --json``."""
        return {
            "steps": self.steps,
            "dt": self.dt,
            "thermostat": self.thermostat,
            "seed": self.seed,
            "mean_temperature": self.mean_temperature,
            "mean_potential_energy_per_particle": self.mean_potential_energy_per_particle,
            "mean_pressure": self.mean_pressure,
            "conserved_drift_per_particle": self.conserved_drift_per_particle,
            "wall_time_s": self.wall_time,
            "atom_steps_per_second": (
                self.steps * len_or_zero(self.extra.get("n_particles")) / self.wall_time
                if self.wall_time > 0
                else None
            ),
            "neighbor_builds": self.neighbor_builds,
        }


def len_or_zero(value: int | None) -> int:
    """``value`` or 0 (helper for optional counts)."""
    return int(value) if value else 0


class MDSimulation:
    """A running MD simulation of ``model`` on a copy of ``system``.

    Args:
        model: pair potential.
        system: initial configuration; its velocities are used if present, else drawn.
        temperature: target temperature (also the initial one when velocities are drawn).
        thermostat: "nve", "nose-hoover" (default), "bussi" or "langevin".
        dt: time step in tau (default 0.005).
        seed: seed for initial velocities and stochastic thermostats.
        tau: thermostat time constant (NHC period scale, Bussi relaxation time), default 100 dt.
        gamma: Langevin friction in 1/tau (default 1.0).
        chain_length: Nose-Hoover chain length (default 3).
        skin: neighbour-list skin (default 0.3).
    """

    def __init__(
        self,
        model: PairPotential,
        system: System,
        temperature: float,
        thermostat: str = "nose-hoover",
        dt: float = 0.005,
        seed: int = 0,
        tau: float | None = None,
        gamma: float = 1.0,
        chain_length: int = 3,
        skin: float = 0.3,
    ) -> None:
        if thermostat not in THERMOSTATS:
            raise InputError(
                f"unknown thermostat {thermostat!r}; choose one of {', '.join(THERMOSTATS)}"
            )
        if not (np.isfinite(dt) and dt > 0):
            raise InputError(f"time step must be positive, got {dt}")
        if not (np.isfinite(temperature) and temperature >= 0):
            raise InputError(f"temperature must be non-negative, got {temperature}")
        if thermostat != "nve" and temperature <= 0:
            raise InputError("a thermostat needs a positive temperature")
        self.model = model
        self.system = as_system(system).copy()
        self.calc = Calculator(model, self.system, skin=skin)
        self.temperature = float(temperature)
        self.thermostat = thermostat
        self.code = THERMOSTATS[thermostat]
        self.dt = float(dt)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        n = self.system.n_particles
        assert self.system.masses is not None
        self.masses = np.ascontiguousarray(self.system.masses)
        self.dof = float(3 * n if self.code == LANGEVIN else max(3 * n - 3, 1))
        self.tau = float(tau) if tau is not None else 100.0 * self.dt
        self.gamma = float(gamma)
        if self.system.velocities is None:
            self.system.velocities = maxwell_boltzmann(self.masses, self.temperature, self.rng)
        t_ref = max(self.temperature, 1e-12)
        self.q = np.full(max(chain_length, 1), t_ref * self.tau**2)
        self.q[0] *= self.dof
        self.xi = np.zeros_like(self.q)
        self.vxi = np.zeros_like(self.q)
        self.step = 0
        self.work = 0.0  # kinetic energy injected by Bussi/Langevin (for the conserved quantity)
        self.pos = np.ascontiguousarray(self.system.positions.copy())
        self.vel = np.ascontiguousarray(self.system.velocities.copy())
        assert self.system.images is not None
        self.images = np.ascontiguousarray(self.system.images.copy())
        self.forces = np.zeros((n, 3))
        self._prepare_list(self.pos)
        self.energy, self.virial = self._forces_now()

    # ---------------------------------------------------------------- neighbour list
    def _prepare_list(self, pos: NDArray[np.float64], widen: bool = False) -> None:
        vl = self.calc.verlet
        if widen:
            vl.width *= 2
        vl.build(pos)
        counts_max = int(vl.counts.max()) if vl.counts.size else 0
        # headroom so that density fluctuations do not overflow rows inside the compiled loop
        width = max(vl.width, int(1.5 * counts_max) + 16)
        width = -(-width // LANES) * LANES  # rows padded to whole lanes (engine.pair)
        if width != vl.neighbors.shape[1]:
            vl.width = width
            vl.build(pos)
        self._builds = np.zeros(1, dtype=np.int64)

    def _forces_now(self) -> tuple[float, float]:
        ev = self.calc.evaluate(self.pos)
        self.forces[:] = ev.forces
        return ev.energy, ev.virial

    # ---------------------------------------------------------------- observables
    def kinetic_energy(self) -> float:
        """Kinetic energy sum m v^2 / 2 (eps)."""
        return 0.5 * float(kinetic2(self.vel, self.masses))

    def instantaneous_temperature(self) -> float:
        """2 KE / dof."""
        return 2.0 * self.kinetic_energy() / self.dof

    def pressure_now(self) -> float:
        """rho T + W/V at the current state."""
        volume = self.system.box.volume
        return (self.system.n_particles * self.instantaneous_temperature() + self.virial) / volume

    def conserved_energy(self) -> float:
        """U + KE + thermostat energy (NHC) or minus the injected work (Bussi, Langevin)."""
        e = self.energy + self.kinetic_energy()
        if self.code == NOSE_HOOVER:
            e += float(nhc_energy(self.dof, self.temperature, self.q, self.xi, self.vxi))
        else:
            e -= self.work
        return e

    def snapshot(self) -> System:
        """The current state as a :class:`System` (positions wrapped, images, velocities)."""
        s = self.system.copy()
        s.positions = self.pos.copy()
        s.images = self.images.copy()
        s.velocities = self.vel.copy()
        s.info = dict(s.info, step=self.step, time=self.step * self.dt)
        return s

    # ---------------------------------------------------------------- stepping
    def advance(self, n_steps: int) -> np.ndarray:
        """Run ``n_steps`` steps in compiled code; returns the sums [T, U, W] over the steps."""
        p = self.calc.params
        vl = self.calc.verlet
        sums = np.zeros(3)
        remaining = int(n_steps)
        start_mid = False
        n = self.system.n_particles
        out = np.zeros(8)
        while remaining > 0:
            seed = int(self.rng.integers(0, 2**31 - 1))
            assert vl.reference is not None
            _run_chunk(
                self.pos, self.vel, self.images, self.forces, self.masses, self.calc.box,
                vl.neighbors, vl.counts, vl.reference, self._builds, vl.skin,
                vl.r_cut_max + vl.skin,
                p.mixing, p.species, p.diameters, p.eps_table, p.sigma_table, p.nonadditivity,
                p.terms, p.x_cut,
                self.dt, remaining, self.code, self.temperature, self.dof, self.tau,
                self.gamma, self.q, self.xi, self.vxi, seed,
                ENERGY_LIMIT_PER_PARTICLE * n, start_mid, self.energy, self.virial, out,
            )
            done = int(out[0])
            self.step += done
            remaining -= done
            sums += out[1:4]
            self.work += out[6]
            if done:
                self.energy, self.virial = float(out[4]), float(out[5])
            status = int(out[7])
            if status == 1:
                raise MDBlowUp(
                    f"MD blew up at step {self.step}: potential energy {out[4]:.6g} "
                    "(non-finite or runaway); reduce the time step or check the configuration"
                )
            if status == 2:
                # a list row overflowed mid-step: widen, recompute forces, finish that step
                self._prepare_list(self.pos, widen=True)
                self.energy, self.virial = self._forces_now()
                start_mid = True
            else:
                start_mid = False
        vl.builds += int(self._builds[0])
        self._builds[0] = 0
        return sums

    def run(
        self,
        n_steps: int,
        log_every: int | None = None,
        trajectory: str | Path | None = None,
        stride: int = 100,
        progress: Callable[[int, int], None] | None = None,
    ) -> MDResult:
        """Run ``n_steps`` steps, logging every ``log_every`` (default ~200 log points) and
        writing an H5MD trajectory every ``stride`` steps when ``trajectory`` is given."""
        if n_steps < 0:
            raise InputError(f"number of steps must be non-negative, got {n_steps}")
        n = self.system.n_particles
        log_every = int(log_every or max(1, n_steps // 200))
        if trajectory is not None and stride < 1:
            raise InputError("trajectory stride must be a positive integer")
        checkpoints = sorted(
            set(range(0, n_steps + 1, log_every))
            | ({*range(0, n_steps + 1, stride)} if trajectory is not None else set())
            | {n_steps}
        )
        log: dict[str, list[float]] = {k: [] for k in _LOG_KEYS}
        writer = None
        if trajectory is not None:
            from pelkit.io.h5md import TrajectoryWriter

            writer = TrajectoryWriter(
                trajectory, self.snapshot(), stride=stride, velocities=True, dt=self.dt,
                observable_stride=log_every,
            )
        start_step = self.step
        sums = np.zeros(3)
        t0 = _time.perf_counter()
        try:
            done = 0
            for target in checkpoints:
                if target > done:
                    sums += self.advance(target - done)
                    done = target
                    if progress is not None:
                        progress(done, n_steps)
                if target % log_every == 0 or target == n_steps:
                    self._log(log)
                if writer is not None and target % stride == 0:
                    writer.append(
                        self.snapshot(), self.step,
                        observables=_observables(log) if target % log_every == 0 else None,
                    )
        finally:
            if writer is not None:
                writer.close()
        wall = _time.perf_counter() - t0
        steps = self.step - start_step
        self.system = self.snapshot()
        volume = self.system.box.volume
        mean_t = sums[0] / steps if steps else self.instantaneous_temperature()
        mean_u = sums[1] / steps if steps else self.energy
        mean_w = sums[2] / steps if steps else self.virial
        arrays = {k: np.asarray(v) for k, v in log.items()}
        conserved = arrays["conserved_energy_per_particle"]
        return MDResult(
            steps=steps,
            dt=self.dt,
            mean_temperature=float(mean_t),
            mean_potential_energy_per_particle=float(mean_u / n),
            mean_pressure=float((n * mean_t + mean_w) / volume),
            log=arrays,
            conserved_drift_per_particle=(
                float(conserved[-1] - conserved[0]) if conserved.size else 0.0
            ),
            thermostat=self.thermostat,
            seed=self.seed,
            wall_time=wall,
            neighbor_builds=self.calc.verlet.builds,
            extra={"n_particles": n},
        )

    def _log(self, log: dict[str, list[float]]) -> None:
        n = self.system.n_particles
        log["step"].append(self.step)
        log["time"].append(self.step * self.dt)
        log["temperature"].append(self.instantaneous_temperature())
        log["potential_energy_per_particle"].append(self.energy / n)
        log["kinetic_energy_per_particle"].append(self.kinetic_energy() / n)
        log["conserved_energy_per_particle"].append(self.conserved_energy() / n)
        log["pressure"].append(self.pressure_now())


_LOG_KEYS = (
    "step",
    "time",
    "temperature",
    "potential_energy_per_particle",
    "kinetic_energy_per_particle",
    "conserved_energy_per_particle",
    "pressure",
)


def _observables(log: dict[str, list[float]]) -> dict[str, float]:
    return {k: v[-1] for k, v in log.items() if k not in ("step", "time")}


def run_md(
    model: PairPotential,
    system: System,
    temperature: float,
    steps: int,
    **kwargs,
) -> tuple[MDResult, System]:
    """Convenience wrapper: run MD and return (result, final system).

    Keyword arguments go to :class:`MDSimulation` (thermostat, dt, seed, tau, gamma,
    chain_length, skin) and to :meth:`MDSimulation.run` (log_every, trajectory, stride,
    progress).
    """
    run_keys = {"log_every", "trajectory", "stride", "progress"}
    sim_kwargs = {k: v for k, v in kwargs.items() if k not in run_keys}
    sim = MDSimulation(model, system, temperature, **sim_kwargs)
    result = sim.run(steps, **{k: v for k, v in kwargs.items() if k in run_keys})
    return result, sim.system
