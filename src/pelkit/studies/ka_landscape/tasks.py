"""The two task kinds of the KA landscape study; each returns a dict of arrays for one replica.

Phase A, :func:`equilibrate_task` (SCIENCE.md section 5.1):
    random packing -> melt at ``melt_temperature`` -> NVT at T in blocks until the A-particle MSD
    (single origin at the start of the T run) reaches ``eq_msd_target`` (and at least
    ``eq_min_time``, at most ``eq_max_time``). The e_IS of ``eq_quenches`` snapshots from the
    second half must show no drift (|mean(first half) - mean(second half)| of those quenches
    within ``eq_drift_sigmas`` standard errors). A pilot MSD (many origins, after the first 10 %
    of the run) gives this replica's estimate of t_MSD=1.

    Keys: positions, velocities, species (final state), eq_time, eq_msd, equilibrated (bool),
    msd_reached (bool), eis_drift, eis_drift_error, eq_eis_times, eq_eis, pilot_lag_times,
    pilot_msd_A, seed, temperature, replica, wall_time.

Phase B, :func:`production_task` (SCIENCE.md sections 5.1, 5.2, 5.6):
    from the phase-A state, NVT for ``production_factor * t1`` with a frame every
    ``t1 / quenches_per_t1``; at each frame the unwrapped positions are stored and the snapshot is
    quenched (``quench_method``, ``quench_fmax``) to record e_IS; ``inm_snapshots`` frames spread
    over [0, t1] get the full INM spectrum (dense H^M), f_u and f_dw (straight-line profiles).

    Keys: times (n_frames,), unwrapped (n_frames, N, 3), species (N,), e_is (n_frames,) per
    particle, quench_converged (n_frames,), quench_max_force, potential_energy (n_frames,) per
    particle, temperature_inst (n_frames,), inm_times, f_u, f_dw, inm_eigenvalues
    (n_snap, 3N - 3), t1_pilot, frame_dt, seed, temperature, replica, wall_time.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pelkit.analysis.msd import compute_msd
from pelkit.build import random_system
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.landscape.quench import quench
from pelkit.models.ka import KA_FRACTION_A, kob_andersen
from pelkit.modes.inm import double_well_fraction
from pelkit.modes.normal import all_modes
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.system import System


def _steps(duration: float, dt: float) -> int:
    return max(1, int(round(duration / dt)))


def _a_mask(system: System) -> np.ndarray:
    assert system.species is not None
    return system.species == 0


def _mean_sq_disp(a: np.ndarray, b: np.ndarray) -> float:
    d = b - a
    d -= d.mean(axis=0)  # remove any centre-of-mass drift
    return float(np.mean(np.einsum("ij,ij->i", d, d)))


def _time_to_reach(lag_times: np.ndarray, msd: np.ndarray, level: float = 1.0) -> float:
    """First time the curve reaches ``level`` (linear interpolation); NaN if never."""
    above = np.flatnonzero(msd >= level)
    if above.size == 0:
        return float("nan")
    k = int(above[0])
    if k == 0:
        return float(lag_times[0])
    t0, t1, m0, m1 = lag_times[k - 1], lag_times[k], msd[k - 1], msd[k]
    return float(t0 + (level - m0) * (t1 - t0) / (m1 - m0))


def equilibrate_task(config: dict[str, Any], temperature: float, replica: int, seed: int) -> dict:
    """Phase A for one (temperature, replica); see the module docstring."""
    t_start = time.perf_counter()
    cfg = KAConfig(**config)
    model = kob_andersen()
    system = random_system(
        model, cfg.n_particles, cfg.density, fractions=[KA_FRACTION_A, 1 - KA_FRACTION_A],
        seed=seed % (2**32),
    )
    md_kw = dict(thermostat=cfg.thermostat, dt=cfg.dt, tau=cfg.thermostat_tau)
    if cfg.melt_time > 0:
        melt = MDSimulation(model, system, cfg.melt_temperature, seed=seed, **md_kw)
        melt.advance(_steps(cfg.melt_time, cfg.dt))
        system = melt.snapshot()
        assert system.velocities is not None
        system.velocities = system.velocities * np.sqrt(temperature / cfg.melt_temperature)
    sim = MDSimulation(model, system, temperature, seed=seed + 1, **md_kw)
    mask = _a_mask(sim.system)
    frame_time = cfg.eq_block_time / 10.0
    frame_steps = _steps(frame_time, cfg.dt)
    frames = [sim.snapshot().unwrapped_positions()]
    times = [0.0]
    msd_now = 0.0
    block_frames = max(1, int(round(cfg.eq_block_time / (frame_steps * cfg.dt))))
    while True:
        for _ in range(block_frames):
            sim.advance(frame_steps)
            frames.append(sim.snapshot().unwrapped_positions())
            times.append(times[-1] + frame_steps * cfg.dt)
        msd_now = _mean_sq_disp(frames[0][mask], frames[-1][mask])
        t_now = times[-1]
        if (msd_now >= cfg.eq_msd_target and t_now >= cfg.eq_min_time) or t_now >= cfg.eq_max_time:
            break
    msd_reached = msd_now >= cfg.eq_msd_target
    half = len(frames) // 2
    # e_IS of snapshots spread over the second half: drift test
    picks = np.unique(np.linspace(half, len(frames) - 1, cfg.eq_quenches).astype(int))
    calc = Calculator(model, sim.system)
    eq_eis = []
    for k in picks:
        snap = sim.system.with_positions(frames[k])
        res = quench(model, snap, method=cfg.quench_method, fmax=cfg.quench_fmax, calculator=calc)
        eq_eis.append(res.energy_per_particle)
    eq_eis_arr = np.asarray(eq_eis)
    quarter = max(1, eq_eis_arr.size // 2)
    first, last = eq_eis_arr[:quarter], eq_eis_arr[-quarter:]
    drift = float(last.mean() - first.mean())
    spread = float(np.std(eq_eis_arr, ddof=1)) if eq_eis_arr.size > 1 else 0.0
    drift_err = spread * np.sqrt(1.0 / first.size + 1.0 / last.size)
    no_drift = abs(drift) <= cfg.eq_drift_sigmas * max(drift_err, 1e-12)
    # pilot MSD of the A particles (many origins), skipping the first 10 % as a transient
    skip = len(frames) // 10
    pilot_positions = np.stack(frames[skip:])[:, mask, :]
    pilot_times = np.asarray(times[skip:]) - times[skip]
    pilot = compute_msd(pilot_positions, pilot_times)
    pilot_msd = np.asarray(pilot.msd[0] if np.ndim(pilot.msd) > 1 else pilot.msd)
    final = sim.snapshot()
    assert final.velocities is not None and final.species is not None
    return {
        "positions": final.positions,
        "velocities": final.velocities,
        "species": final.species,
        "eq_time": times[-1],
        "eq_msd": msd_now,
        "msd_reached": msd_reached,
        "equilibrated": bool(msd_reached and no_drift),
        "eis_drift": drift,
        "eis_drift_error": drift_err,
        "eq_eis_times": np.asarray(times)[picks],
        "eq_eis": eq_eis_arr,
        "pilot_lag_times": np.asarray(pilot.lag_times),
        "pilot_msd_A": pilot_msd,
        "pilot_t1": _time_to_reach(np.asarray(pilot.lag_times), pilot_msd),
        "seed": seed,
        "temperature": temperature,
        "replica": replica,
        "wall_time": time.perf_counter() - t_start,
    }


def production_task(
    config: dict[str, Any],
    temperature: float,
    replica: int,
    seed: int,
    start: dict[str, Any],
    t1_pilot: float,
) -> dict:
    """Phase B for one (temperature, replica); ``start`` holds the phase-A arrays."""
    t_start = time.perf_counter()
    cfg = KAConfig(**config)
    model = kob_andersen()
    side = (cfg.n_particles / cfg.density) ** (1.0 / 3.0)
    from pelkit.system import Box

    system = System(
        positions=np.asarray(start["positions"]),
        box=Box.cubic(side),
        species=np.asarray(start["species"]),
        species_names=("A", "B"),
        velocities=np.asarray(start["velocities"]),
    )
    sim = MDSimulation(
        model, system, temperature, thermostat=cfg.thermostat, dt=cfg.dt,
        tau=cfg.thermostat_tau, seed=seed,
    )
    frame_dt_target = t1_pilot / cfg.quenches_per_t1
    frame_steps = max(1, int(round(frame_dt_target / cfg.dt)))
    frame_dt = frame_steps * cfg.dt
    n_frames = int(np.ceil(cfg.production_factor * t1_pilot / frame_dt)) + 1
    n = cfg.n_particles
    unwrapped = np.empty((n_frames, n, 3))
    times = np.arange(n_frames) * frame_dt
    e_is = np.empty(n_frames)
    converged = np.zeros(n_frames, dtype=bool)
    max_force = np.empty(n_frames)
    potential = np.empty(n_frames)
    temp_inst = np.empty(n_frames)
    inm_frames = set(
        np.unique(np.linspace(0, min(n_frames - 1, cfg.quenches_per_t1), cfg.inm_snapshots)
                  .astype(int)).tolist()
    ) if cfg.inm_snapshots > 0 else set()
    calc = Calculator(model, sim.system)
    inm_times, f_u, f_dw, eigenvalues = [], [], [], []
    for k in range(n_frames):
        if k > 0:
            sim.advance(frame_steps)
        snap = sim.snapshot()
        unwrapped[k] = snap.unwrapped_positions()
        potential[k] = sim.energy / n
        temp_inst[k] = sim.instantaneous_temperature()
        res = quench(model, snap, method=cfg.quench_method, fmax=cfg.quench_fmax, calculator=calc)
        e_is[k] = res.energy_per_particle
        converged[k] = res.minimize.converged
        max_force[k] = res.minimize.max_force
        if k in inm_frames:
            x0 = snap.positions.reshape(-1)
            hess = calc.hessian(x0)
            assert snap.masses is not None
            modes = all_modes(hess, snap.masses)
            dw = double_well_fraction(
                calc.energy, x0, modes, max_displacement=cfg.inm_max_displacement,
                n_points=cfg.inm_points,
            )
            inm_times.append(times[k])
            f_u.append(dw.f_u)
            f_dw.append(dw.f_dw)
            eigenvalues.append(modes.eigenvalues)
    return {
        "times": times,
        "unwrapped": unwrapped,
        "species": np.asarray(start["species"]),
        "e_is": e_is,
        "quench_converged": converged,
        "quench_max_force": max_force,
        "potential_energy": potential,
        "temperature_inst": temp_inst,
        "inm_times": np.asarray(inm_times),
        "f_u": np.asarray(f_u),
        "f_dw": np.asarray(f_dw),
        "inm_eigenvalues": (
            np.asarray(eigenvalues) if eigenvalues else np.zeros((0, 3 * n - 3))
        ),
        "t1_pilot": t1_pilot,
        "frame_dt": frame_dt,
        "seed": seed,
        "temperature": temperature,
        "replica": replica,
        "wall_time": time.perf_counter() - t_start,
    }
