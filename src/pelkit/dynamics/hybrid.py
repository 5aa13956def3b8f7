"""Hybrid Monte Carlo / molecular dynamics: NVT MD alternating with swap Monte Carlo sweeps.

The hybrid mode (:func:`run_hybrid`) alternates NVT molecular dynamics and swap sweeps. Both parts
leave the canonical distribution exp(-(U + K)/T) invariant: the MC part changes (R, s) at fixed
velocities, which is valid because the canonical distribution factorises into a velocity part
and a configurational part; velocities are therefore kept across MC phases by default
(``velocities="keep"``), or redrawn from Maxwell-Boltzmann (``"redraw"``, an exact Gibbs step
for the velocity factor). The MD part is exact only up to the time-step error of the integrator.

Swap moves: Ninarello, Berthier & Coslovich, Phys. Rev. X 7, 021039 (2017); the swap Monte Carlo
part is :func:`pelkit.dynamics.swap_mc.run_swap_mc`, the MD part
:class:`pelkit.dynamics.md.MDSimulation`.
"""

from __future__ import annotations

import dataclasses
import time as _time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pelkit.dynamics.md import MDSimulation, maxwell_boltzmann
from pelkit.dynamics.swap_mc import (
    SwapMCOptions,
    SwapMonteCarlo,
    _chunk_seed,
    _resolve_seed,
    run_swap_mc,
)
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System

FloatArray = NDArray[np.float64]


@dataclass
class HybridResult:
    """Outcome of :func:`run_hybrid` (arrays have one entry per cycle).

    Attributes:
        cycles, md_steps_per_cycle, sweeps_per_cycle, temperature, seed, thermostat: the
            settings (temperature in eps).
        dt, velocities, p_swap, delta_max: time step (tau), velocity handling ("keep" or
            "redraw") and the swap-move parameters.
        energy_per_particle: (cycles,) mean U/N over the cycle's MC sweeps (eps).
        final_energy_per_particle: (cycles,) U/N at the end of each cycle.
        md_mean_energy_per_particle, md_mean_temperature: (cycles,) MD averages.
        swap_accepted, swap_attempted, displacement_accepted, displacement_attempted: (cycles,).
        snapshots: (cycles + 1, N, 3) unwrapped positions at the start and after each cycle;
        snapshot_diameters: (cycles + 1, N) or None. wall_time: seconds; density: N/V.
    """

    cycles: int
    md_steps_per_cycle: int
    sweeps_per_cycle: int
    temperature: float
    seed: int
    thermostat: str
    dt: float
    velocities: str
    p_swap: float
    delta_max: float
    energy_per_particle: FloatArray
    final_energy_per_particle: FloatArray
    md_mean_energy_per_particle: FloatArray
    md_mean_temperature: FloatArray
    swap_accepted: NDArray[np.int64]
    swap_attempted: NDArray[np.int64]
    displacement_accepted: NDArray[np.int64]
    displacement_attempted: NDArray[np.int64]
    snapshots: FloatArray
    snapshot_diameters: FloatArray | None
    wall_time: float = 0.0
    density: float = 1.0

    @property
    def acceptance(self) -> dict[str, float | None]:
        """Overall displacement and swap acceptance rates of the MC phases."""
        da, dt_ = int(self.displacement_accepted.sum()), int(self.displacement_attempted.sum())
        sa, st = int(self.swap_accepted.sum()), int(self.swap_attempted.sum())
        return {"displacement": da / dt_ if dt_ else None, "swap": sa / st if st else None}

    def diagnose(self, **kwargs):  # noqa: ANN201 - EquilibrationVerdict (import cycle)
        """Equilibrium verdict with the cycle as time unit
        (:func:`pelkit.dynamics.equilibration.diagnose_hybrid`)."""
        from pelkit.dynamics.equilibration import diagnose_hybrid

        return diagnose_hybrid(self, **kwargs)

    def summary(self) -> dict:
        """JSON-able summary."""
        return {
            "cycles": self.cycles,
            "md_steps_per_cycle": self.md_steps_per_cycle,
            "sweeps_per_cycle": self.sweeps_per_cycle,
            "temperature": self.temperature,
            "seed": self.seed,
            "thermostat": self.thermostat,
            "dt": self.dt,
            "velocities": self.velocities,
            "p_swap": self.p_swap,
            "delta_max": self.delta_max,
            "acceptance": self.acceptance,
            "mean_energy_per_particle": float(np.mean(self.energy_per_particle))
            if self.cycles
            else None,
            "final_energy_per_particle": float(self.final_energy_per_particle[-1])
            if self.cycles
            else None,
            "wall_time_s": self.wall_time,
        }


def run_hybrid(
    model: PairPotential,
    system: System,
    temperature: float,
    cycles: int,
    md_steps_per_cycle: int,
    sweeps_per_cycle: int,
    seed: int | np.random.Generator = 0,
    *,
    options: SwapMCOptions | None = None,
    thermostat: str = "bussi",
    dt: float = 0.005,
    velocities: str = "keep",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[HybridResult, System]:
    """Alternate NVT MD (``md_steps_per_cycle`` steps) and swap MC (``sweeps_per_cycle``).

    Each cycle runs :class:`pelkit.dynamics.md.MDSimulation` (``thermostat``, default Bussi,
    which keeps no extended-system state between cycles) then :func:`run_swap_mc`. Velocities are
    kept through the MC phase (``velocities="keep"``, default) or redrawn from Maxwell-Boltzmann
    at T before each MD phase (``"redraw"``); both leave the canonical distribution invariant
    (module doc). Seeds of the phases derive from ``seed``. Image counts carry through both
    phases, so the snapshots are continuous unwrapped trajectories.

    ``options`` (:class:`~pelkit.dynamics.swap_mc.SwapMCOptions`) sets the Monte Carlo moves
    (p_swap, delta_max, swap_bound, skin) and ``check_every``; delta_max is not tuned
    (``tune_sweeps`` must be 0) and one snapshot is kept per MC phase.

    Returns:
        (HybridResult, final System with velocities).
    """
    for name, value in (("cycles", cycles), ("md_steps_per_cycle", md_steps_per_cycle),
                        ("sweeps_per_cycle", sweeps_per_cycle)):
        if isinstance(value, bool) or int(value) != value or value < 0:
            raise InputError(f"{name} must be a non-negative integer, got {value}")
    if velocities not in ("keep", "redraw"):
        raise InputError(f"velocities must be 'keep' or 'redraw', got {velocities!r}")
    if thermostat == "nve":
        raise InputError("hybrid MD/MC needs a thermostat (nose-hoover, bussi or langevin)")
    opts = SwapMCOptions() if options is None else options
    if opts.tune_sweeps:
        raise InputError("hybrid MD/MC does not tune delta_max: tune_sweeps must be 0")
    mc_opts = dataclasses.replace(opts, snapshot_every=max(1, int(sweeps_per_cycle)))
    seed_int = _resolve_seed(seed)
    rng = np.random.default_rng(seed_int)
    cycles = int(cycles)
    n = system.n_particles
    current = system.copy()
    # validate the MC settings once, before any MD is run
    SwapMonteCarlo(model, current, temperature, opts.p_swap, opts.delta_max, opts.swap_bound,
                   opts.skin)
    arrays = {k: np.zeros(cycles) for k in ("e", "efin", "emd", "tmd")}
    ints = {k: np.zeros(cycles, dtype=np.int64) for k in ("sa", "st", "da", "dt")}
    snaps = np.zeros((cycles + 1, n, 3))
    diams = None if current.diameters is None else np.zeros((cycles + 1, n))
    snaps[0] = current.unwrapped_positions()
    if diams is not None:
        diams[0] = current.diameters
    t0 = _time.perf_counter()
    for c in range(cycles):
        if velocities == "redraw" or current.velocities is None:
            assert current.masses is not None
            current.velocities = maxwell_boltzmann(current.masses, temperature, rng)
        if md_steps_per_cycle > 0:
            sim = MDSimulation(model, current, temperature, thermostat=thermostat, dt=dt,
                               seed=_chunk_seed(rng))
            md = sim.run(int(md_steps_per_cycle))
            arrays["emd"][c] = md.mean_potential_energy_per_particle
            arrays["tmd"][c] = md.mean_temperature
            current = sim.snapshot()
        mc_res, current = run_swap_mc(
            model, current, temperature, int(sweeps_per_cycle), seed=_chunk_seed(rng),
            options=mc_opts,
        )
        arrays["e"][c] = mc_res.mean_energy_per_particle
        arrays["efin"][c] = mc_res.final_energy_per_particle
        counts = mc_res.counts
        ints["sa"][c] = counts["swap_accepted"]
        ints["st"][c] = counts["swap_attempted"]
        ints["da"][c] = counts["displacement_accepted"]
        ints["dt"][c] = counts["displacement_attempted"]
        snaps[c + 1] = current.unwrapped_positions()
        if diams is not None:
            diams[c + 1] = current.diameters
        if progress is not None:
            progress(c + 1, cycles)
    result = HybridResult(
        cycles=cycles,
        md_steps_per_cycle=int(md_steps_per_cycle),
        sweeps_per_cycle=int(sweeps_per_cycle),
        temperature=float(temperature),
        seed=seed_int,
        thermostat=thermostat,
        dt=float(dt),
        velocities=velocities,
        p_swap=float(opts.p_swap),
        delta_max=float(opts.delta_max),
        energy_per_particle=arrays["e"],
        final_energy_per_particle=arrays["efin"],
        md_mean_energy_per_particle=arrays["emd"],
        md_mean_temperature=arrays["tmd"],
        swap_accepted=ints["sa"],
        swap_attempted=ints["st"],
        displacement_accepted=ints["da"],
        displacement_attempted=ints["dt"],
        snapshots=snaps,
        snapshot_diameters=diams,
        wall_time=_time.perf_counter() - t0,
        density=system.density,
    )
    return result, current
