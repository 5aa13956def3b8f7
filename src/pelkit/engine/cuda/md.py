"""Batched MD of M replicas on the GPU: NVE, Nose-Hoover chain, Bussi and Langevin (BAOAB).

    md = CudaReplicaMD(model, positions, velocities, boxes=boxes, species=species,
                       temperature=0.8, thermostat="nose-hoover", seeds=seeds,
                       options=ReplicaMDOptions(dt=0.005))
    out = md.advance(1000)      # out.sums (M, 3): sum over the steps of T, U, W per replica
    st = md.state()             # host copies: positions, velocities, images, energies, ...

All state lives on the device between calls (positions wrapped into [0, L) with int64 image
counts, velocities, forces, NHC chains, xoroshiro128+ streams, injected work); ``advance`` is
one kernel launch (:mod:`pelkit.engine.cuda.md_kernels`, which gives the equations) and copies
back only the per-replica sums and flags. Degrees of freedom and thermostat set-up follow
:class:`pelkit.dynamics.md.MDSimulation`: dof = 3N - 3 (3N for Langevin), tau = 100 dt by
default, NHC masses q_k = T tau^2 with q_0 *= dof, xi = vxi = 0. Units: reduced LJ (eps,
sigma, m, tau = sigma sqrt(m/eps)), k_B = 1.

A replica whose step gives a non-finite energy or |U| > 1e6 N eps (the limit of
:mod:`pelkit.dynamics.md`) is frozen with status 1 at that step (``blowup_step``); the others
go on. The stochastic streams depend on (seed, threads per block): the same seeds and
``threads`` give the same trajectory on the same device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.dynamics.integrators import LANGEVIN, NOSE_HOOVER, THERMOSTATS
from pelkit.dynamics.md import ENERGY_LIMIT_PER_PARTICLE
from pelkit.engine.cuda._cuda import cuda
from pelkit.engine.cuda.forces import launch_forces, model_arguments
from pelkit.engine.cuda.md_kernels import N_PRM, md_kernel
from pelkit.engine.cuda.plan import device_model, prepare_batch, threads_for
from pelkit.engine.cuda.rng import replica_streams
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import Box

HELD = 2  # status of a replica left out of one advance() call (restored to 0 after it)


@dataclass
class AdvanceResult:
    """What :meth:`CudaReplicaMD.advance` returns (host arrays, M replicas).

    Attributes:
        sums: (M, 3) sums over this call's steps of T (2 KE/dof, eps), U (eps), W (eps).
        steps: (M,) steps each replica ran in this call (fewer for one that blew up).
        energies, virials: (M,) U and W at the last step (eps).
        status: (M,) 0 ok, 1 blown up (frozen). blowup_step: (M,) the replica's step count at
            the blow-up (-1 if none).
    """

    sums: NDArray[np.float64]
    steps: NDArray[np.int64]
    energies: NDArray[np.float64]
    virials: NDArray[np.float64]
    status: NDArray[np.int64]
    blowup_step: NDArray[np.int64]


@dataclass
class ReplicaState:
    """Host copy of the device state (M replicas, N particles, chain length C).

    positions (M, N, 3) wrapped into [0, L); velocities (M, N, 3); images (M, N, 3) int64;
    forces (M, N, 3); energies, virials, work (M,) (work: kinetic energy injected by
    Bussi/Langevin); xi, vxi, q (M, C) Nose-Hoover chains; steps, status, blowup_step (M,).
    """

    positions: NDArray[np.float64]
    velocities: NDArray[np.float64]
    images: NDArray[np.int64]
    forces: NDArray[np.float64]
    energies: NDArray[np.float64]
    virials: NDArray[np.float64]
    work: NDArray[np.float64]
    xi: NDArray[np.float64]
    vxi: NDArray[np.float64]
    q: NDArray[np.float64]
    steps: NDArray[np.int64]
    status: NDArray[np.int64]
    blowup_step: NDArray[np.int64]


@dataclass(frozen=True)
class ReplicaMDOptions:
    """Integration settings of :class:`CudaReplicaMD`, validated on construction.

    Attributes:
        dt: time step, tau (> 0).
        tau: Nose-Hoover chain / Bussi time constant, tau (None: 100 dt).
        gamma: Langevin friction, 1/tau (>= 0).
        chain_length: Nose-Hoover chain length (>= 1).
        threads: threads per block (power of two <= 512; None: chosen from N). The random
            streams depend on it: the same seeds and threads give the same trajectory.
    """

    dt: float = 0.005
    tau: float | None = None
    gamma: float = 1.0
    chain_length: int = 3
    threads: int | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"time step must be positive, got {self.dt}")
        if self.tau is not None and not (np.isfinite(self.tau) and self.tau > 0):
            raise InputError(f"thermostat time constant tau must be positive, got {self.tau}")
        if not (np.isfinite(self.gamma) and self.gamma >= 0):
            raise InputError(f"Langevin friction gamma must be non-negative, got {self.gamma}")
        if int(self.chain_length) < 1:
            raise InputError(f"chain length must be >= 1, got {self.chain_length}")


class CudaReplicaMD:
    """M replicas of one model integrated on the CUDA device (module doc).

    Args:
        model: pair potential (Laurent-polynomial g, see
            :func:`pelkit.engine.cuda.plan.device_model`).
        positions: (M, N, 3) in sigma (wrapped into [0, L) here; images adjusted).
        velocities: (M, N, 3) in sigma/tau.
        masses: (N,) masses (default 1), shared by the replicas.
        boxes: (M, 3) or (3,) box sides in sigma.
        images: (M, N, 3) image counts of ``positions`` or None (zeros).
        species, diameters: (M, N) or (N,) per-replica species codes / diameters.
        temperature: target T (eps/k_B); thermostat: "nve", "nose-hoover", "bussi" or
            "langevin".
        seeds: (M,) non-negative integer seeds of the replicas' random streams (default
            0..M-1), recorded in :attr:`seeds`.
        options: time step, thermostat constants and threads per block
            (:class:`ReplicaMDOptions`; default ``ReplicaMDOptions()``).
    """

    def __init__(
        self,
        model: PairPotential,
        positions: ArrayLike,
        velocities: ArrayLike,
        *,
        boxes: ArrayLike,
        masses: ArrayLike | None = None,
        images: ArrayLike | None = None,
        species: ArrayLike | None = None,
        diameters: ArrayLike | None = None,
        temperature: float = 0.0,
        thermostat: str = "nose-hoover",
        seeds: ArrayLike | None = None,
        options: ReplicaMDOptions | None = None,
    ) -> None:
        opts = ReplicaMDOptions() if options is None else options
        dt, tau, gamma, chain_length, threads = (opts.dt, opts.tau, opts.gamma,
                                                 opts.chain_length, opts.threads)
        if thermostat not in THERMOSTATS:
            raise InputError(
                f"unknown thermostat {thermostat!r}; choose one of {', '.join(THERMOSTATS)}"
            )
        if not (np.isfinite(temperature) and temperature >= 0):
            raise InputError(f"temperature must be non-negative, got {temperature}")
        if thermostat != "nve" and temperature <= 0:
            raise InputError("a thermostat needs a positive temperature")
        self._dm = device_model(model)
        batch = prepare_batch(model, positions, boxes, species, diameters)
        m, n = batch.n_replicas, batch.n_particles
        vel = np.ascontiguousarray(velocities, dtype=np.float64)
        if vel.shape != (m, n, 3) or not np.all(np.isfinite(vel)):
            raise InputError(f"velocities must be finite with shape {(m, n, 3)}")
        mass = np.ones(n) if masses is None else np.ascontiguousarray(masses, dtype=np.float64)
        if mass.shape != (n,) or not (np.all(np.isfinite(mass)) and np.all(mass > 0)):
            raise InputError(f"masses must be {n} positive finite numbers")
        img = (np.zeros((m, n, 3), dtype=np.int64) if images is None
               else np.array(images, dtype=np.int64))
        if img.shape != (m, n, 3):
            raise InputError(f"images must have shape {(m, n, 3)}")
        pos = np.empty_like(batch.positions)
        for r in range(m):
            pos[r], shift = Box(batch.boxes[r]).wrap(batch.positions[r])
            img[r] += shift
        seeds_arr = np.arange(m) if seeds is None else np.asarray(seeds)
        if seeds_arr.shape != (m,) or not np.issubdtype(seeds_arr.dtype, np.integer) or (
            seeds_arr.min() < 0
        ):
            raise InputError(f"seeds must be {m} non-negative integers")
        self.model = model
        self.n_replicas, self.n_particles = m, n
        self.thermostat = thermostat
        self.code = THERMOSTATS[thermostat]
        self.temperature = float(temperature)
        self.dt = float(dt)
        self.tau = float(tau) if tau is not None else 100.0 * self.dt
        self.gamma = float(gamma)
        self.dof = float(3 * n if self.code == LANGEVIN else max(3 * n - 3, 1))
        self.seeds = seeds_arr.astype(np.uint64)
        self.masses = mass
        self.boxes = batch.boxes
        self.species = batch.species
        self.diameters = batch.diameters
        self.threads = threads_for(n, threads)
        self.energy_limit = ENERGY_LIMIT_PER_PARTICLE * n
        # NHC set-up as MDSimulation.__init__
        t_ref = max(self.temperature, 1e-12)
        q = np.full((m, int(chain_length)), t_ref * self.tau**2)
        q[:, 0] *= self.dof
        c1 = float(np.exp(-self.gamma * self.dt))
        prm = np.zeros(N_PRM)
        prm[:] = (self.dt, self.temperature, self.dof, self.tau, self.gamma, self.energy_limit,
                  c1, float(np.sqrt(1.0 - c1 * c1)))
        states = replica_streams(self.seeds, self.threads)
        tab, coef, mp = model_arguments(self._dm)
        to = cuda.to_device
        self._d = {
            "pos": to(pos), "vel": to(vel), "img": to(img),
            "frc": cuda.device_array((m, n, 3), dtype=np.float64),
            "masses": to(mass), "box": to(batch.boxes), "species": to(batch.species),
            "diam": to(batch.diameters), "tab": to(tab), "coef": to(coef), "mp": to(mp),
            "prm": to(prm), "q": to(q), "xi": to(np.zeros_like(q)), "vxi": to(np.zeros_like(q)),
            "states": to(states),
            "energy": cuda.device_array(m, dtype=np.float64),
            "virial": cuda.device_array(m, dtype=np.float64),
            "work": to(np.zeros(m)),
            "status": to(np.zeros(m, dtype=np.int64)),
            "steps": to(np.zeros(m, dtype=np.int64)),
            "blow": to(np.full(m, -1, dtype=np.int64)),
            "sums": cuda.device_array((m, 3), dtype=np.float64),
        }
        d = self._d
        launch_forces(self._dm, self.threads, d["pos"], d["box"], d["species"], d["diam"],
                      d["tab"], d["coef"], d["mp"], d["frc"], d["energy"], d["virial"])
        self._kernel = md_kernel(self._dm.form, self._dm.mixing, self._dm.n_species,
                                 self.threads, self.code)

    def advance(self, n_steps: int, active: ArrayLike | None = None) -> AdvanceResult:
        """Run ``n_steps`` steps of every live replica in one kernel launch (module doc).

        ``active`` (M,) bool: only these replicas step (the others keep their state).
        """
        if int(n_steps) < 0:
            raise InputError(f"number of steps must be non-negative, got {n_steps}")
        d = self._d
        before = d["steps"].copy_to_host()
        held = np.zeros(self.n_replicas, dtype=np.bool_)
        if active is not None:
            act = np.asarray(active, dtype=np.bool_)
            if act.shape != (self.n_replicas,):
                raise InputError(f"active must be {self.n_replicas} booleans")
            status = d["status"].copy_to_host()
            held = ~act & (status == 0)
            status[held] = HELD
            d["status"].copy_to_device(status)
        self._kernel[self.n_replicas, self.threads](
            d["pos"], d["vel"], d["img"], d["frc"], d["masses"], d["box"], d["species"],
            d["diam"], d["tab"], d["coef"], d["mp"], d["prm"], d["q"], d["xi"], d["vxi"],
            d["states"], d["energy"], d["virial"], d["work"], d["status"], d["steps"],
            d["blow"], d["sums"], int(n_steps),
        )
        status = d["status"].copy_to_host()
        if held.any():
            status[held] = 0
            d["status"].copy_to_device(status)
        return AdvanceResult(
            sums=d["sums"].copy_to_host(),
            steps=d["steps"].copy_to_host() - before,
            energies=d["energy"].copy_to_host(),
            virials=d["virial"].copy_to_host(),
            status=status,
            blowup_step=d["blow"].copy_to_host(),
        )

    def state(self) -> ReplicaState:
        """Host copies of positions, velocities, images, forces, energies and thermostat state."""
        d = self._d
        h = {k: d[k].copy_to_host() for k in ("pos", "vel", "img", "frc", "energy", "virial",
                                              "work", "xi", "vxi", "q", "steps", "status",
                                              "blow")}
        return ReplicaState(
            positions=h["pos"], velocities=h["vel"], images=h["img"], forces=h["frc"],
            energies=h["energy"], virials=h["virial"], work=h["work"], xi=h["xi"],
            vxi=h["vxi"], q=h["q"], steps=h["steps"], status=h["status"],
            blowup_step=h["blow"],
        )

    def unwrapped_positions(self) -> NDArray[np.float64]:
        """(M, N, 3) unwrapped positions r + n L (sigma)."""
        d = self._d
        return d["pos"].copy_to_host() + d["img"].copy_to_host() * self.boxes[:, None, :]

    def kinetic_energies(self, state: ReplicaState | None = None) -> NDArray[np.float64]:
        """(M,) kinetic energies sum m v^2 / 2 (eps)."""
        st = state or self.state()
        return 0.5 * np.einsum("i,mia->m", self.masses, st.velocities**2)

    def temperatures(self, state: ReplicaState | None = None) -> NDArray[np.float64]:
        """(M,) instantaneous temperatures 2 KE / dof."""
        return 2.0 * self.kinetic_energies(state) / self.dof

    def conserved_energies(self, state: ReplicaState | None = None) -> NDArray[np.float64]:
        """(M,) U + KE + NHC thermostat energy (nose-hoover), or U + KE - injected work."""
        st = state or self.state()
        e = st.energies + self.kinetic_energies(st)
        if self.code == NOSE_HOOVER:
            weights = np.ones(st.q.shape[1])
            weights[0] = self.dof
            e = e + np.sum(0.5 * st.q * st.vxi**2, axis=1)
            e = e + self.temperature * (st.xi @ weights)
        else:
            e = e - st.work
        return e
