"""Molecular dynamics: NVE and NVT (Nose-Hoover chain default, Bussi, Langevin).

    sim = MDSimulation(model, system, temperature=0.5, thermostat="nose-hoover", seed=1)
    result = sim.run(10_000, trajectory="traj.h5", stride=100)
    result.mean_temperature, result.log["potential_energy_per_particle"], sim.system

Time steps run in compiled chunks (:func:`pelkit.dynamics.integrators.run_chunk`) between the
log/trajectory steps. Velocities start from a Maxwell-Boltzmann distribution with zero total
momentum, rescaled to exactly the target temperature (seeded; the seed is recorded). A step
whose energy is not finite or exceeds 1e6 eps per particle stops the run with an error naming
the step (:class:`MDBlowUp`).

Energies on the sampled steps only: the potential energy and virial are computed on the steps
whose number is a multiple of ``sample_every`` (they enter the mean potential energy and
pressure) and on every log, trajectory and chunk-end step; the other steps call a force-only
kernel (:func:`pelkit.engine.pair.forces_only_core`) whose forces are bit-identical, so the
trajectory does not depend on ``sample_every``. The default 1 samples every step; 100 made
a KA step about 5 % faster at N = 10^3 and 10^4 (one thread; benchmarks/RESULTS.md).

Cache order (large systems): every ``reorder_every`` steps the particles are renumbered
internally by neighbour-list cell (x-major cell index, stable), so that the force kernel's
neighbour gathers read nearby memory; at N = 10^5 a force call on cell-ordered particles takes
about half the time of one on randomly ordered particles (benchmarks/RESULTS.md). A permutation
``order`` maps internal to user indices: snapshots, trajectories and ``sim.system`` are always in
the user's order. Renumbering only changes the order of floating-point sums (energies agree to
rounding, trajectories within the chaotic growth of rounding differences), and the stochastic
thermostats draw their per-particle noise in internal order. Default: on for N >= REORDER_MIN
(30000).

Units: time in tau = sigma sqrt(m/eps); temperature in eps/k_B; pressure in eps/sigma^3
(P = rho T + W/V with T from the kinetic energy over 3N - 3 degrees of freedom).
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pelkit.dynamics.integrators import LANGEVIN, NOSE_HOOVER, THERMOSTATS, kinetic2, nhc_energy
from pelkit.dynamics.integrators import run_chunk as _run_chunk
from pelkit.engine.calculator import Calculator
from pelkit.engine.neighbors import cell_order
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System, as_system

ENERGY_LIMIT_PER_PARTICLE = 1e6
REORDER_MIN = 30_000
"""Smallest N for which ``reorder=None`` renumbers particles by cell. Measured (KA, one thread):
no gain at N = 10^3 and 10^4, where the positions fit in the L2 cache, 2x at N = 10^5."""


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
            steps of the run (temperature) and over its sampled steps (potential energy and
            virial: the steps that are multiples of ``sample_every``, every step by default;
            the final energy when the run holds none) (eps, eps, eps/sigma^3).
        log: per logged step arrays: step, time, temperature, potential_energy_per_particle,
            kinetic_energy_per_particle, conserved_energy_per_particle, pressure.
        conserved_drift_per_particle: last minus first logged conserved energy per particle.
        thermostat, seed, wall_time (s), neighbor_builds.
        interrupted: the run stopped early at a checkpoint (``should_stop`` returned True).
        start_step: the step the run started from (0, or the step of a continued run).
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
    interrupted: bool = False
    start_step: int = 0

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
            "start_step": self.start_step,
            "final_step": self.start_step + self.steps,
            "final_time": (self.start_step + self.steps) * self.dt,
            "interrupted": self.interrupted,
        }


def len_or_zero(value: int | None) -> int:
    """``value`` or 0 (helper for optional counts)."""
    return int(value) if value else 0


@dataclass
class MDState:
    """The complete state of an :class:`MDSimulation` between two chunks, for exact restarts.

    Arrays: positions (N, 3) wrapped, sigma; velocities (N, 3) sigma/tau; images (N, 3) int64;
    forces (N, 3) eps/sigma at ``positions``; q, xi, vxi (chain_length,) Nose-Hoover chain
    masses, positions and velocities; list_reference (N, 3) positions at the last neighbour-list
    build. Scalars: step, dt (tau), temperature (eps/k_B), thermostat, seed, tau, gamma, skin,
    energy (eps), virial (eps), work (eps, injected by Bussi/Langevin), list_width, and
    rng_state (the JSON of NumPy's bit-generator state, which seeds the following chunks).
    """

    step: int
    dt: float
    temperature: float
    thermostat: str
    seed: int
    tau: float
    gamma: float
    skin: float
    positions: NDArray[np.float64]
    velocities: NDArray[np.float64]
    images: NDArray[np.int64]
    forces: NDArray[np.float64]
    energy: float
    virial: float
    q: NDArray[np.float64]
    xi: NDArray[np.float64]
    vxi: NDArray[np.float64]
    work: float
    list_reference: NDArray[np.float64]
    list_width: int
    rng_state: str


MD_STATE_GROUP = "parameters/pelkit_md_state"
#: The state is stored in two slots, alternately: a run killed while writing one leaves the other.
MD_STATE_SLOTS = (MD_STATE_GROUP, MD_STATE_GROUP + "_b")
_STATE_ARRAYS = ("positions", "velocities", "images", "forces", "q", "xi", "vxi",
                 "list_reference")


def write_md_state(writer, state: MDState) -> None:  # noqa: ANN001 - h5md.TrajectoryWriter
    """Store ``state`` in the trajectory file of ``writer``: in the slot of
    :data:`MD_STATE_SLOTS` (``/parameters/pelkit_md_state[_b]``) that holds the older state, so
    that a run killed while writing keeps the other one."""
    arrays = {k: getattr(state, k) for k in _STATE_ARRAYS}
    attrs = {k: v for k, v in vars(state).items() if k not in _STATE_ARRAYS}

    def age(slot: str) -> tuple[int, int]:
        held = writer.group_attrs(slot)
        if held is None or not held.get("complete", True):
            return (0, -1)  # empty or half-written: use it first
        return (1, int(held.get("step", -1)))

    writer.write_group(min(MD_STATE_SLOTS, key=age), arrays, attrs)


def read_md_state(path: str | Path) -> MDState | None:
    """The latest complete state stored by :func:`write_md_state` in an H5MD file, or None if
    it has none."""
    from pelkit.io.h5md import read_group

    slots = [found for found in (read_group(path, slot) for slot in MD_STATE_SLOTS) if found]
    if not slots:
        return None
    complete = [found for found in slots if found[1].get("complete", True) is not False]
    if not complete:
        raise InputError(f"{path}: the saved MD state was being written when the run was killed; "
                         "start a new trajectory from its last frame")
    arrays, attrs = max(complete, key=lambda found: int(found[1].get("step", -1)))
    try:
        return MDState(
            step=int(attrs["step"]), dt=float(attrs["dt"]),
            temperature=float(attrs["temperature"]), thermostat=str(attrs["thermostat"]),
            seed=int(attrs["seed"]), tau=float(attrs["tau"]), gamma=float(attrs["gamma"]),
            skin=float(attrs["skin"]), energy=float(attrs["energy"]),
            virial=float(attrs["virial"]), work=float(attrs["work"]),
            list_width=int(attrs["list_width"]), rng_state=str(attrs["rng_state"]),
            **{k: arrays[k] for k in _STATE_ARRAYS},
        )
    except KeyError as exc:
        raise InputError(f"{path}: the saved MD state is incomplete (no {exc})") from None


def _multiples(start: int, end: int, every: int) -> range:
    """Multiples of ``every`` in (start, end]."""
    first = (start // every + 1) * every
    return range(first, end + 1, every)


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
        reorder: renumber particles by cell internally (module docstring); None: N >= 30000.
        reorder_every: steps between renumberings.

    :attr:`sample_every` (default 1; set it before :meth:`run`, like LAMMPS's ``thermo``
    between runs): the steps whose potential energy and virial are computed (module docstring).
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
        reorder: bool | None = None,
        reorder_every: int = 500,
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
        self.skin = float(skin)
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
        self.order = np.arange(n)  # internal index k holds user particle order[k]
        self.reorder = bool(n >= REORDER_MIN) if reorder is None else bool(reorder)
        if int(reorder_every) < 1:
            raise InputError(f"reorder_every must be a positive integer, got {reorder_every}")
        self.reorder_every = int(reorder_every)
        self.sample_every = 1
        self._since_reorder = 0
        if self.reorder:
            self._renumber(self._cell_permutation())
        self._prepare_list(self.pos)
        self.energy, self.virial = self._forces_now()

    # ---------------------------------------------------------------- cache order
    def _cell_permutation(self) -> NDArray[np.int64]:
        """Internal indices sorted by the cell (side >= the list range) holding each particle."""
        side = self.calc.verlet.list_radius
        return cell_order(self.pos, self.system.box.lengths, side)

    def _renumber(self, perm: NDArray[np.int64]) -> None:
        """Apply the internal renumbering k <- perm[k] to the state (forces are permuted, not
        recomputed) and set up a Calculator whose species/diameters follow it."""
        self.pos = np.ascontiguousarray(self.pos[perm])
        self.vel = np.ascontiguousarray(self.vel[perm])
        self.images = np.ascontiguousarray(self.images[perm])
        self.forces = np.ascontiguousarray(self.forces[perm])
        self.masses = np.ascontiguousarray(self.masses[perm])
        self.order = self.order[perm]
        internal = self.system.copy()
        internal.positions = self.pos.copy()
        internal.velocities = self.vel.copy()
        internal.images = self.images.copy()
        internal.masses = self.masses.copy()
        if internal.species is not None:
            internal.species = internal.species[self.order]
        if internal.diameters is not None:
            internal.diameters = internal.diameters[self.order]
        builds = self.calc.verlet.builds
        self.calc = Calculator(self.model, internal, skin=self.skin)
        self.calc.verlet.builds = builds

    def _user(self, a: NDArray) -> NDArray:
        """An internal per-particle array (N, ...) in the user's order (a copy)."""
        out = np.empty_like(a)
        out[self.order] = a
        return out

    # ---------------------------------------------------------------- neighbour list
    def _prepare_list(self, pos: NDArray[np.float64], widen: bool = False) -> None:
        """List around ``pos`` with headroom for the compiled loop (VerletList owns sizing)."""
        self.calc.verlet.build_with_headroom(pos, widen=widen)

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
        s.positions = self._user(self.pos)
        s.images = self._user(self.images)
        s.velocities = self._user(self.vel)
        s.info = dict(s.info, step=self.step, time=self.step * self.dt)
        return s

    # ---------------------------------------------------------------- stepping
    def advance(self, n_steps: int) -> np.ndarray:
        """Run ``n_steps`` steps in compiled code; returns the sums [T, U, W]: T over the
        steps, U and W over the sampled ones (multiples of ``sample_every``, :meth:`samples`).

        With ``reorder`` the steps run in pieces of at most ``reorder_every``, the particles
        renumbered by cell (and the list rebuilt) between pieces."""
        if not self.reorder:
            return self._advance(int(n_steps))
        sums = np.zeros(3)
        remaining = int(n_steps)
        while remaining > 0:
            k = min(remaining, self.reorder_every - self._since_reorder)
            sums += self._advance(k)
            remaining -= k
            self._since_reorder += k
            if self._since_reorder >= self.reorder_every:
                self._renumber(self._cell_permutation())
                self._prepare_list(self.pos)
                self._since_reorder = 0
        return sums

    @property
    def sample_every(self) -> int:
        """U and W on steps that are multiples of this (module docstring); 1: every step."""
        return self._sample_every

    @sample_every.setter
    def sample_every(self, value: int) -> None:
        if isinstance(value, bool) or int(value) != value or int(value) < 1:
            raise InputError(f"sample_every must be a positive integer, got {value}")
        self._sample_every = int(value)

    def samples(self, start: int, end: int) -> int:
        """Number of sampled steps (multiples of ``sample_every``) in (start, end]."""
        return len(_multiples(start, end, self.sample_every))

    def _advance(self, n_steps: int) -> np.ndarray:
        vl = self.calc.verlet
        box, params = self.calc.kernel_inputs()
        sums = np.zeros(3)
        remaining = int(n_steps)
        start_mid = False
        n = self.system.n_particles
        out = np.zeros(8)
        while remaining > 0:
            seed = int(self.rng.integers(0, 2**31 - 1))
            bath = (self.code, self.temperature, self.dof, self.tau, self.gamma, self.q, self.xi,
                    self.vxi, seed)
            control = (self.dt, remaining, ENERGY_LIMIT_PER_PARTICLE * n, start_mid,
                       self.energy, self.virial, self.step, self.sample_every)
            _run_chunk(self.pos, self.vel, self.images, self.forces, self.masses, box, params,
                       vl.kernel_state(), bath, control, out)
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
        vl.collect_builds()
        return sums

    def run(
        self,
        n_steps: int,
        log_every: int | None = None,
        trajectory: str | Path | None = None,
        stride: int = 100,
        progress: Callable[[int, int], None] | None = None,
        *,
        append: bool = False,
        should_stop: Callable[[], bool] | None = None,
    ) -> MDResult:
        """Run ``n_steps`` steps, logging every ``log_every`` (default ~200 log points) and
        writing an H5MD trajectory every ``stride`` steps when ``trajectory`` is given.

        Log and trajectory steps are absolute (multiples of ``log_every`` and ``stride`` counted
        from step 0), so a continued simulation (:meth:`restore`) logs and samples where an
        uninterrupted one would. With ``append`` the trajectory file is continued (its frames
        up to the current step are kept; see :class:`pelkit.io.h5md.TrajectoryWriter`).
        ``should_stop()`` is asked at every checkpoint; when it returns True the run ends there
        (``MDResult.interrupted``). The trajectory file always ends with the state needed to
        continue the run exactly (:meth:`state`, stored by :func:`write_md_state`); the state is
        also stored with every flush of frames, so a killed run continues from its last flush.
        """
        if n_steps < 0:
            raise InputError(f"number of steps must be non-negative, got {n_steps}")
        n = self.system.n_particles
        log_every = int(log_every or max(1, n_steps // 200))
        if log_every < 1:
            raise InputError("log_every must be a positive integer")
        if trajectory is not None and stride < 1:
            raise InputError("trajectory stride must be a positive integer")
        start_step = self.step
        end = start_step + int(n_steps)
        marks = set(_multiples(start_step, end, log_every)) | {start_step, end}
        if trajectory is not None:
            marks |= set(_multiples(start_step, end, stride))
        checkpoints = sorted(marks)
        log: dict[str, list[float]] = {k: [] for k in _LOG_KEYS}
        writer = None
        if trajectory is not None:
            from pelkit.io.h5md import TrajectoryWriter

            writer = TrajectoryWriter(
                trajectory, self.snapshot(), stride=stride, velocities=True, dt=self.dt,
                observable_stride=log_every, mode="a" if append else "w",
            )
            # the restart state goes with every flush of frames: a killed run can be continued
            writer.on_flush = lambda: write_md_state(writer, self.state())
        sums = np.zeros(3)
        interrupted = False
        t0 = _time.perf_counter()
        try:
            for target in checkpoints:
                if target > self.step:
                    sums += self.advance(target - self.step)
                    if progress is not None:
                        progress(self.step - start_step, n_steps)
                logged = target % log_every == 0 or target in (start_step, end)
                if logged:
                    self._log(log)
                # a continued file already holds what belongs to the start step
                fresh = writer is not None and not (append and target == start_step)
                if fresh and (target % stride == 0 or target % log_every == 0):
                    assert writer is not None
                    writer.append(
                        self.snapshot(), self.step,
                        observables=_observables(log) if target % log_every == 0 else None,
                    )
                if target < end and should_stop is not None and should_stop():
                    interrupted = True
                    if not logged:
                        self._log(log)
                    break
            if writer is not None:
                writer.on_flush = None
                writer.flush()
                write_md_state(writer, self.state())
        finally:
            if writer is not None:
                writer.close()
        wall = _time.perf_counter() - t0
        steps = self.step - start_step
        self.system = self.snapshot()
        volume = self.system.box.volume
        mean_t = sums[0] / steps if steps else self.instantaneous_temperature()
        sampled = self.samples(start_step, self.step)
        mean_u = sums[1] / sampled if sampled else self.energy
        mean_w = sums[2] / sampled if sampled else self.virial
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
            interrupted=interrupted,
            start_step=start_step,
        )

    # ---------------------------------------------------------------- restart state
    def state(self) -> MDState:
        """Everything needed to continue this simulation exactly (see :class:`MDState`)."""
        vl = self.calc.verlet
        assert vl.reference is not None
        return MDState(
            step=self.step,
            dt=self.dt,
            temperature=self.temperature,
            thermostat=self.thermostat,
            seed=self.seed,
            tau=self.tau,
            gamma=self.gamma,
            skin=vl.skin,
            positions=self.pos.copy(),
            velocities=self.vel.copy(),
            images=self.images.copy(),
            forces=self.forces.copy(),
            energy=float(self.energy),
            virial=float(self.virial),
            q=self.q.copy(),
            xi=self.xi.copy(),
            vxi=self.vxi.copy(),
            work=float(self.work),
            list_reference=vl.reference.copy(),
            list_width=int(vl.width),
            rng_state=json.dumps(self.rng.bit_generator.state),
        )

    def restore(self, state: MDState) -> None:
        """Continue from ``state`` (written by :meth:`state`): positions, velocities, images,
        forces, thermostat variables, the neighbour list (rebuilt around the same reference
        positions, so pair order and rebuild steps are those of the uninterrupted run) and the
        random state. The model, masses and box are this simulation's; N must agree."""
        n = self.system.n_particles
        if state.positions.shape != (n, 3):
            raise InputError(
                f"the saved MD state has {state.positions.shape[0]} particles, the system {n}"
            )
        if state.thermostat != self.thermostat or state.dt != self.dt:
            raise InputError(
                f"the saved run used thermostat {state.thermostat} and dt {state.dt:g}; this "
                f"one {self.thermostat} and dt {self.dt:g}: a continuation must keep them"
            )
        if state.q.shape != self.q.shape:
            raise InputError("the saved Nose-Hoover chain has another length")
        self.temperature = float(state.temperature)
        self.tau = float(state.tau)
        self.gamma = float(state.gamma)
        self.step = int(state.step)
        self.pos = np.ascontiguousarray(state.positions, dtype=np.float64).copy()
        self.vel = np.ascontiguousarray(state.velocities, dtype=np.float64).copy()
        self.images = np.ascontiguousarray(state.images, dtype=np.int64).copy()
        self.q = np.array(state.q, dtype=np.float64)
        self.xi = np.array(state.xi, dtype=np.float64)
        self.vxi = np.array(state.vxi, dtype=np.float64)
        self.work = float(state.work)
        ref = np.ascontiguousarray(state.list_reference, dtype=np.float64)
        self.calc.verlet.restore(ref, int(state.list_width))
        self.forces = np.ascontiguousarray(state.forces, dtype=np.float64).copy()
        self.energy = float(state.energy)
        self.virial = float(state.virial)
        self.rng.bit_generator.state = json.loads(state.rng_state)
        self.system.positions = self.pos.copy()
        self.system.velocities = self.vel.copy()
        self.system.images = self.images.copy()

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
