"""Molecular dynamics of M independent replicas in one call, on CPU threads or on a GPU.

    md = BatchedMD(model, systems, temperature=0.8, thermostat="nose-hoover", seeds=seeds)
    result = md.run(20_000)                  # per-replica logs (M, n_log)
    md.systems()                             # the final states as Systems

Each replica follows exactly the single-system equations of :mod:`pelkit.dynamics.integrators`
(velocity Verlet with NVE, Nose-Hoover chain, Bussi or Langevin BAOAB): on the CPU the compiled
chunk :func:`pelkit.dynamics.integrators.run_chunk` of :class:`pelkit.dynamics.md.MDSimulation`
runs for every replica, the replicas spread over Numba threads (``prange``). Replica r with seed
s_r draws its initial velocities and chunk seeds exactly as ``MDSimulation(..., seed=s_r)``
does, so with the same checkpoints its trajectory is the single-system trajectory bit for bit.

The GPU backend (``device="gpu"``, :mod:`pelkit.engine.cuda`) integrates the same equations on
the device (its random streams differ: per-replica xoroshiro128+ states seeded from s_r).

A replica whose energy becomes non-finite or exceeds 1e6 eps per particle is frozen and
reported (replica, step) in :attr:`BatchedMD.failures`; the others go on.

Units: time in tau, temperature in eps/k_B, pressure in eps/sigma^3 (P = rho T + W/V).
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from pelkit.dynamics.integrators import LANGEVIN, NOSE_HOOVER, THERMOSTATS, nhc_energy, run_chunk
from pelkit.dynamics.md import ENERGY_LIMIT_PER_PARTICLE, maxwell_boltzmann
from pelkit.engine.batched import BatchedCalculator, ReplicaBatch, numba_threads
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System, as_system

FloatArray = NDArray[np.float64]
DEVICES = ("cpu", "gpu", "auto")


@njit(cache=True, nogil=True, parallel=True)
def batched_run_chunk(active, pos, vel, images, forces, masses, boxes, params, lists, bath,
                      control, out):
    """:func:`pelkit.dynamics.integrators.run_chunk` for the replicas listed in ``active``.

    The tuples are those of ``run_chunk`` with per-replica entries indexed by replica:
    params = (mixing, species (M, N), diameters (M, N), eps_t, sig_t, nonadd, terms, x_cut);
    lists = (nbr (M, N, K), counts (M, N), ref (M, N, 3), builds (M,), skin, r_list (M,));
    bath = (thermostat, temperature (M,), dof, tau, gamma, q, xi, vxi (M, chain), seeds (M,));
    control = (dt, n_steps (M,), energy_limit, start_mid (M,) bool, energy_in, virial_in (M,)).
    pos, vel, images, forces (M, N, 3); masses (N,); boxes (M, 3); out (M, 8) as ``run_chunk``'s
    ``out``.
    """
    mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut = params
    nbr, counts, ref, builds, skin, r_list = lists
    thermostat, temperature, dof, tau, gamma, q, xi, vxi, seeds = bath
    dt, n_steps, energy_limit, start_mid, energy_in, virial_in = control
    for k in prange(active.shape[0]):
        r = active[k]
        run_chunk(
            pos[r], vel[r], images[r], forces[r], masses, boxes[r],
            (mixing, species[r], diameters[r], eps_t, sig_t, nonadd, terms, x_cut),
            (nbr[r], counts[r], ref[r], builds[r : r + 1], skin, r_list[r]),
            (thermostat, temperature[r], dof, tau, gamma, q[r], xi[r], vxi[r], seeds[r]),
            (dt, n_steps[r], energy_limit, start_mid[r], energy_in[r], virial_in[r], 0, 1),
            out[r],
        )


@dataclass
class ReplicaFailure:
    """A replica that blew up: its index, the step and the energy it reached."""

    replica: int
    step: int
    energy: float

    def message(self) -> str:
        """One line for humans."""
        return (
            f"replica {self.replica} blew up at step {self.step} (potential energy "
            f"{self.energy:.6g}); it was stopped, the other replicas went on"
        )


@dataclass
class BatchedMDResult:
    """Outcome of :meth:`BatchedMD.run` (per replica; replica-major arrays).

    Attributes:
        steps: steps run (the same for every replica that did not fail); dt in tau.
        mean_temperature, mean_potential_energy_per_particle, mean_pressure: (M,) averages over
            the steps each replica ran (eps, eps, eps/sigma^3).
        log: "step", "time" (n_log,) and per-replica (M, n_log) "temperature",
            "potential_energy_per_particle", "kinetic_energy_per_particle",
            "conserved_energy_per_particle", "pressure", and "msd" (M, n_log, S): the mean
            squared displacement per species from the positions at the start of the run
            (single time origin, sigma^2).
        conserved_drift_per_particle: (M,) last minus first logged conserved energy per particle.
        failures: replicas that blew up.
        seeds, thermostat, device, threads, wall_time, neighbor_builds: the run's settings,
            seeds (M,), wall time (s) and Verlet-list rebuilds (M,).
    """

    steps: int
    dt: float
    mean_temperature: FloatArray
    mean_potential_energy_per_particle: FloatArray
    mean_pressure: FloatArray
    log: dict[str, np.ndarray]
    conserved_drift_per_particle: FloatArray
    failures: list[ReplicaFailure]
    seeds: list[int]
    thermostat: str
    device: str
    threads: int
    wall_time: float
    neighbor_builds: np.ndarray
    n_particles: int
    extra: dict = field(default_factory=dict)

    @property
    def n_replicas(self) -> int:
        """M."""
        return int(self.mean_temperature.shape[0])

    def summary(self) -> dict:
        """The JSON summary printed by ``pelkit md --replicas M --json``."""
        atom_steps = self.steps * self.n_particles * self.n_replicas
        return {
            "replicas": self.n_replicas,
            "steps": self.steps,
            "dt": self.dt,
            "thermostat": self.thermostat,
            "device": self.device,
            "threads": self.threads,
            "seeds": self.seeds,
            "mean_temperature": self.mean_temperature.tolist(),
            "mean_potential_energy_per_particle": self.mean_potential_energy_per_particle.tolist(),
            "mean_pressure": self.mean_pressure.tolist(),
            "conserved_drift_per_particle": self.conserved_drift_per_particle.tolist(),
            "failed_replicas": [f.replica for f in self.failures],
            "failures": [f.message() for f in self.failures],
            "wall_time_s": self.wall_time,
            "atom_steps_per_second": atom_steps / self.wall_time if self.wall_time > 0 else None,
            "neighbor_builds": self.neighbor_builds.tolist(),
        }


def resolve_device(device: str) -> str:
    """"cpu" or "gpu" for a requested ``device``.

    "auto" picks the GPU when numba-cuda finds a real CUDA device and the CPU otherwise;
    "gpu" raises :class:`InputError` when there is none. Numba's CUDA simulator
    (``NUMBA_ENABLE_CUDASIM=1``) counts as a device only when ``PELKIT_CUDA_SIMULATOR=1`` is
    also set (tests of the GPU path on machines without one).
    """
    if device not in DEVICES:
        raise InputError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if device == "cpu":
        return "cpu"
    from pelkit.engine.cuda import cuda_available

    simulator = device == "gpu" and os.environ.get("PELKIT_CUDA_SIMULATOR") == "1"
    if cuda_available(simulator=simulator):
        return "gpu"
    if device == "gpu":
        raise InputError(
            "--device gpu: no CUDA device found (install the gpu extra, pip install -e "
            "\".[gpu]\", and a CUDA driver), or use --device cpu"
        )
    return "cpu"


def replica_seeds(seed: int | Sequence[int], n_replicas: int) -> list[int]:
    """Per-replica seeds: a sequence is used as given; an int s gives task_seed(s, "replica", r)."""
    if isinstance(seed, (int, np.integer)):
        from pelkit.parallel import task_seed

        return [task_seed(int(seed), "replica", r) for r in range(n_replicas)]
    seeds = [int(s) for s in seed]
    if len(seeds) != n_replicas:
        raise InputError(f"{len(seeds)} seeds given for {n_replicas} replicas")
    return seeds


class BatchedMD:
    """M replicas of one model integrated together (see the module doc).

    Args:
        model: pair potential.
        systems: M configurations (same N and masses) or a :class:`ReplicaBatch`. Velocities
            are used where every replica has them, else drawn (Maxwell-Boltzmann, seeded).
        temperature: target temperature, a number or one per replica (M,).
        thermostat: "nve", "nose-hoover" (default), "bussi" or "langevin".
        dt: time step in tau (default 0.005).
        seeds: one int (per-replica seeds derived from it) or M ints (replica r then behaves
            exactly as ``MDSimulation(..., seed=seeds[r])``).
        tau: thermostat time constant (default 100 dt); gamma: Langevin friction (1/tau);
        chain_length: Nose-Hoover chain length; skin: neighbour-list skin (sigma).
        threads: CPU threads (default: all); device: "cpu", "gpu" or "auto".
    """

    def __init__(
        self,
        model: PairPotential,
        systems: Sequence[System] | ReplicaBatch,
        temperature: float | Sequence[float],
        thermostat: str = "nose-hoover",
        dt: float = 0.005,
        seeds: int | Sequence[int] = 0,
        tau: float | None = None,
        gamma: float = 1.0,
        chain_length: int = 3,
        skin: float = 0.3,
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        if thermostat not in THERMOSTATS:
            raise InputError(
                f"unknown thermostat {thermostat!r}; choose one of {', '.join(THERMOSTATS)}"
            )
        if not (np.isfinite(dt) and dt > 0):
            raise InputError(f"time step must be positive, got {dt}")
        if not isinstance(systems, ReplicaBatch):  # ase.Atoms are accepted too
            systems = [as_system(s) for s in systems]
        batch = systems if isinstance(systems, ReplicaBatch) else ReplicaBatch.from_systems(
            model, systems
        )
        self.templates = None if isinstance(systems, ReplicaBatch) else list(systems)
        m, n = batch.n_replicas, batch.n_particles
        temps = np.broadcast_to(np.asarray(temperature, dtype=np.float64), (m,)).copy()
        if not np.all(np.isfinite(temps) & (temps >= 0)):
            raise InputError(f"temperatures must be non-negative, got {temps.tolist()}")
        if thermostat != "nve" and np.any(temps <= 0):
            raise InputError("a thermostat needs a positive temperature")
        self.model = model
        self.batch = batch
        self.temperatures = temps
        self.thermostat = thermostat
        self.code = THERMOSTATS[thermostat]
        self.dt = float(dt)
        self.seeds = replica_seeds(seeds, m)
        self.rngs = [np.random.default_rng(s) for s in self.seeds]
        self.device = resolve_device(device)
        self.masses = np.ascontiguousarray(batch.masses)
        self.dof = float(3 * n if self.code == LANGEVIN else max(3 * n - 3, 1))
        self.tau = float(tau) if tau is not None else 100.0 * self.dt
        self.gamma = float(gamma)
        if batch.velocities is None:
            batch.velocities = np.stack([
                maxwell_boltzmann(self.masses, float(temps[r]), self.rngs[r]) for r in range(m)
            ])
        chain = max(int(chain_length), 1)
        t_ref = np.maximum(temps, 1e-12)
        self.q = np.repeat((t_ref * self.tau**2)[:, None], chain, axis=1)
        self.q[:, 0] *= self.dof
        self.xi = np.zeros_like(self.q)
        self.vxi = np.zeros_like(self.q)
        self.step = np.zeros(m, dtype=np.int64)
        self.work = np.zeros(m)
        self.failures: list[ReplicaFailure] = []
        self.failed = np.zeros(m, dtype=np.bool_)
        if batch.images is None:
            batch.images = np.zeros((m, n, 3), dtype=np.int64)
        self.calc = BatchedCalculator(model, batch, skin=skin, threads=threads)
        self.threads = self.calc.threads
        ev = self.calc.evaluate()
        self.forces = ev.forces
        self.energy = ev.energies
        self.virial = ev.virials
        self._gpu = None
        if self.device == "gpu":
            self._gpu = self._make_gpu()

    # ---------------------------------------------------------------- GPU plumbing
    def _make_gpu(self):  # noqa: ANN202 - pelkit.engine.cuda.md.CudaReplicaMD
        from pelkit.engine.cuda.md import CudaReplicaMD, ReplicaMDOptions

        if np.ptp(self.temperatures) != 0.0:
            raise InputError("the GPU backend runs one temperature per batch; give the "
                             "replicas one temperature or use device='cpu'")
        b = self.batch
        return CudaReplicaMD(
            self.model, b.positions, b.velocities, boxes=b.boxes, masses=self.masses,
            images=b.images, species=b.species, diameters=b.diameters,
            temperature=float(self.temperatures[0]), thermostat=self.thermostat,
            seeds=np.asarray(self.seeds, dtype=np.uint64),
            options=ReplicaMDOptions(dt=self.dt, tau=self.tau, gamma=self.gamma,
                                     chain_length=self.q.shape[1]),
        )

    def _sync_from_gpu(self) -> None:
        assert self._gpu is not None
        state = self._gpu.state()
        b = self.batch
        b.positions[:] = state.positions
        b.velocities[:] = state.velocities
        b.images[:] = state.images
        self.energy[:] = state.energies
        self.virial[:] = state.virials
        self.xi[:] = state.xi
        self.vxi[:] = state.vxi
        self.work[:] = state.work

    # ---------------------------------------------------------------- observables
    def kinetic_energies(self) -> FloatArray:
        """(M,) kinetic energies sum m v^2 / 2 (eps)."""
        v = self.batch.velocities
        assert v is not None
        return 0.5 * np.einsum("n,mna,mna->m", self.masses, v, v)

    def temperatures_now(self) -> FloatArray:
        """(M,) instantaneous temperatures 2 KE / dof."""
        return 2.0 * self.kinetic_energies() / self.dof

    def pressures_now(self) -> FloatArray:
        """(M,) rho T + W/V."""
        volume = np.prod(self.batch.boxes, axis=1)
        return (self.batch.n_particles * self.temperatures_now() + self.virial) / volume

    def conserved_energies(self) -> FloatArray:
        """(M,) U + KE + thermostat energy (NHC) or minus the injected work (Bussi, Langevin)."""
        e = self.energy + self.kinetic_energies()
        if self.code == NOSE_HOOVER:
            e = e + np.array([
                nhc_energy(self.dof, float(self.temperatures[r]), self.q[r], self.xi[r],
                           self.vxi[r])
                for r in range(self.batch.n_replicas)
            ])
        else:
            e = e - self.work
        return e

    def unwrapped_positions(self) -> FloatArray:
        """(M, N, 3) positions + images * L (sigma)."""
        b = self.batch
        assert b.images is not None
        return b.positions + b.images * b.boxes[:, None, :]

    def systems(self) -> list[System]:
        """The current states as Systems (wrapped positions, images, velocities, step info)."""
        out = []
        for r in range(self.batch.n_replicas):
            template = self.templates[r] if self.templates is not None else None
            s = self.batch.system(r, template)
            s.info = dict(s.info, step=int(self.step[r]), time=float(self.step[r] * self.dt),
                          seed=self.seeds[r], replica=r)
            out.append(s)
        return out

    # ---------------------------------------------------------------- stepping
    def advance(self, n_steps: int, active: NDArray[np.bool_] | None = None) -> FloatArray:
        """Run ``n_steps`` steps of every live replica; returns (M, 3) sums [T, U, W] over them.

        ``active`` (M,) bool restricts the step to some replicas (the others keep their
        state). A replica that blows up is frozen at that
        step and added to :attr:`failures`.
        """
        n_steps = int(n_steps)
        m = self.batch.n_replicas
        sums = np.zeros((m, 3))
        if n_steps <= 0:
            return sums
        if self._gpu is not None:
            return self._advance_gpu(n_steps, active)
        b = self.batch
        vl = self.calc.lists
        p = vl.params
        live = ~self.failed if active is None else (~self.failed & np.asarray(active, bool))
        remaining = np.where(live, n_steps, 0).astype(np.int64)
        start_mid = np.zeros(m, dtype=np.bool_)
        out = np.zeros((m, 8))
        seeds = np.zeros(m, dtype=np.int64)
        limit = ENERGY_LIMIT_PER_PARTICLE * b.n_particles
        while True:
            active = np.flatnonzero(remaining > 0).astype(np.int64)
            if active.size == 0:
                break
            for r in active:
                seeds[r] = int(self.rngs[r].integers(0, 2**31 - 1))
            with numba_threads(self.threads):
                batched_run_chunk(
                    active, b.positions, b.velocities, b.images, self.forces, self.masses,
                    b.boxes,
                    (p.mixing, b.species, b.diameters, p.eps_table, p.sigma_table,
                     p.nonadditivity, p.terms, p.x_cut),
                    (vl.neighbors, vl.counts, vl.reference, vl.builds, vl.skin, vl.r_list),
                    (self.code, self.temperatures, self.dof, self.tau, self.gamma, self.q,
                     self.xi, self.vxi, seeds),
                    (self.dt, remaining, limit, start_mid, self.energy, self.virial),
                    out,
                )
            overflow = []
            for r in active:
                done = int(out[r, 0])
                self.step[r] += done
                remaining[r] -= done
                sums[r] += out[r, 1:4]
                self.work[r] += out[r, 6]
                if done:
                    self.energy[r], self.virial[r] = out[r, 4], out[r, 5]
                status = int(out[r, 7])
                start_mid[r] = False
                if status == 1:
                    self.failed[r] = True
                    remaining[r] = 0
                    self.failures.append(ReplicaFailure(int(r), int(self.step[r]),
                                                        float(out[r, 4])))
                elif status == 2:
                    overflow.append(int(r))
            if overflow:
                # a list row overflowed mid-step: widen, recompute those forces, finish the step
                vl.widen()
                disp = np.where(np.isin(np.arange(m), overflow), np.inf, 0.0)
                self._forces_of(overflow, disp)
                start_mid[overflow] = True
        return sums

    def _forces_of(self, replicas: list[int], disp: FloatArray) -> None:
        """Recompute forces, energy and virial of ``replicas`` (rebuilding their lists)."""
        from pelkit.engine.batched import batched_energy_forces

        b = self.batch
        vl = self.calc.lists
        p = vl.params
        m = b.n_replicas
        forces = np.empty_like(self.forces)
        energies = np.empty(m)
        virials = np.empty(m)
        ok = np.zeros(m, dtype=np.bool_)
        pick = np.asarray(replicas)
        while True:
            batched_energy_forces(
                b.positions, b.boxes,
                (p.mixing, b.species, b.diameters, p.eps_table, p.sigma_table, p.nonadditivity,
                 p.terms, p.x_cut),
                (vl.neighbors, vl.counts, vl.reference, vl.builds, vl.skin, vl.r_list),
                disp, forces, energies, virials, ok,
            )
            if ok[pick].all():
                break
            vl.widen()
        self.forces[pick] = forces[pick]
        self.energy[pick] = energies[pick]
        self.virial[pick] = virials[pick]

    def _advance_gpu(self, n_steps: int, active: NDArray[np.bool_] | None) -> FloatArray:
        assert self._gpu is not None
        res = self._gpu.advance(n_steps, active=active)
        self._sync_from_gpu()
        for r in np.flatnonzero((np.asarray(res.status) == 1) & ~self.failed):
            self.failed[r] = True
            self.failures.append(ReplicaFailure(int(r), int(res.blowup_step[r]),
                                                float(res.energies[r])))
        self.step += np.asarray(res.steps, dtype=np.int64)
        return np.asarray(res.sums)

    def run(
        self,
        n_steps: int,
        log_every: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        sample: Callable[[BatchedMD, int], None] | None = None,
        sample_every: int | None = None,
    ) -> BatchedMDResult:
        """Run ``n_steps`` steps, logging every ``log_every`` (default ~200 log points).

        ``sample(md, step)`` is called every ``sample_every`` steps (e.g. to write trajectory
        frames or quench the current states); ``progress(done, total)`` after every chunk.
        """
        if n_steps < 0:
            raise InputError(f"number of steps must be non-negative, got {n_steps}")
        m = self.batch.n_replicas
        log_every = int(log_every or max(1, n_steps // 200))
        marks = set(range(0, n_steps + 1, log_every)) | {n_steps}
        if sample is not None:
            if not sample_every or sample_every < 1:
                raise InputError("sample_every must be a positive integer")
            marks |= set(range(0, n_steps + 1, int(sample_every)))
        checkpoints = sorted(marks)
        species = self.batch.species
        n_species = int(species.max()) + 1 if species.size else 1
        start = self.unwrapped_positions()
        log: dict[str, list] = {k: [] for k in _LOG_KEYS}
        sums = np.zeros((m, 3))
        first_step = self.step.copy()
        t0 = _time.perf_counter()
        done = 0
        for target in checkpoints:
            if target > done:
                sums += self.advance(target - done)
                done = target
                if progress is not None:
                    progress(done, n_steps)
            if target % log_every == 0 or target == n_steps:
                self._log(log, start, n_species)
            if sample is not None and target % int(sample_every) == 0:
                sample(self, target)
        wall = _time.perf_counter() - t0
        steps_each = self.step - first_step
        denom = np.maximum(steps_each, 1)
        n = self.batch.n_particles
        volume = np.prod(self.batch.boxes, axis=1)
        mean_t = np.where(steps_each > 0, sums[:, 0] / denom, self.temperatures_now())
        mean_u = np.where(steps_each > 0, sums[:, 1] / denom, self.energy)
        mean_w = np.where(steps_each > 0, sums[:, 2] / denom, self.virial)
        arrays = {k: np.asarray(v) for k, v in log.items()}
        for k in _PER_REPLICA:
            arrays[k] = np.moveaxis(arrays[k], 0, 1)  # (n_log, M, ...) -> (M, n_log, ...)
        conserved = arrays["conserved_energy_per_particle"]
        return BatchedMDResult(
            steps=int(n_steps),
            dt=self.dt,
            mean_temperature=mean_t,
            mean_potential_energy_per_particle=mean_u / n,
            mean_pressure=(n * mean_t + mean_w) / volume,
            log=arrays,
            conserved_drift_per_particle=conserved[:, -1] - conserved[:, 0],
            failures=list(self.failures),
            seeds=list(self.seeds),
            thermostat=self.thermostat,
            device=self.device_name(),
            threads=self.threads,
            wall_time=wall,
            neighbor_builds=self.calc.lists.builds.copy(),
            n_particles=n,
        )

    def device_name(self) -> str:
        """"cpu" or the GPU's name (for provenance)."""
        if self.device == "gpu":
            from pelkit.engine.cuda import device_name

            return f"gpu: {device_name()}"
        return "cpu"

    def _log(self, log: dict[str, list], start: FloatArray, n_species: int) -> None:
        n = self.batch.n_particles
        step = int(self.step.max())
        log["step"].append(step)
        log["time"].append(step * self.dt)
        log["temperature"].append(self.temperatures_now())
        log["potential_energy_per_particle"].append(self.energy / n)
        log["kinetic_energy_per_particle"].append(self.kinetic_energies() / n)
        log["conserved_energy_per_particle"].append(self.conserved_energies() / n)
        log["pressure"].append(self.pressures_now())
        log["msd"].append(species_msd(self.unwrapped_positions() - start, self.batch.species,
                                      n_species))


def species_msd(displacement: FloatArray, species: np.ndarray, n_species: int) -> FloatArray:
    """(M, S) mean squared displacement per replica and species from (M, N, 3) displacements.

    The centre-of-mass drift of each replica is not removed (the integrators conserve momentum).
    """
    sq = np.einsum("mna,mna->mn", displacement, displacement)
    out = np.zeros((displacement.shape[0], n_species))
    for s in range(n_species):
        mask = species == s
        counts = mask.sum(axis=1)
        out[:, s] = np.where(counts > 0, (sq * mask).sum(axis=1) / np.maximum(counts, 1), 0.0)
    return out


_PER_REPLICA = (
    "temperature",
    "potential_energy_per_particle",
    "kinetic_energy_per_particle",
    "conserved_energy_per_particle",
    "pressure",
    "msd",
)
_LOG_KEYS = ("step", "time", *_PER_REPLICA)
