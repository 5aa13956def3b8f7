"""The two task kinds of the KA landscape study, for a block of replicas at one temperature.

:func:`equilibrate_block` and :func:`production_block` integrate the replicas of a block
together (:class:`pelkit.dynamics.batched_md.BatchedMD`, on CPU threads or a GPU) and quench
their snapshots in batched calls (:func:`pelkit.landscape.batched_quench.quench_many`); each
returns one dict of arrays per replica, exactly what the single-replica forms
:func:`equilibrate_task` and :func:`production_task` (blocks of one) return. Replica r with
seed s follows the trajectory of the unbatched run with the same seed bit for bit on the CPU
(the batched MD is the same compiled chunk per replica), so batching changes no statistic.

Phase A, :func:`equilibrate_task` (docs/physics/ka-landscape.md):
    random packing -> melt at ``melt_temperature`` -> NVT at T in blocks until the A-particle MSD
    (single origin at the start of the T run) reaches ``eq_msd_target`` (and at least
    ``eq_min_time``, at most ``eq_max_time``). The e_IS of ``eq_quenches`` snapshots from the
    second half must show no drift (|mean(first half) - mean(second half)| of those quenches
    within ``eq_drift_sigmas`` standard errors). A pilot MSD (many origins, after the first 10 %
    of the run) gives this replica's estimate of t_MSD=1.

    Keys: positions, velocities, species (final state), eq_time, eq_msd, equilibrated (bool),
    msd_reached (bool), eis_drift, eis_drift_error, eq_eis_times, eq_eis, pilot_lag_times,
    pilot_msd_A, seed, temperature, replica, wall_time.

Phase B, :func:`production_task` (docs/physics/ka-landscape.md):
    from the phase-A state, NVT for ``production_factor * t1`` with a frame every
    ``t1 / quenches_per_t1``; at each frame the unwrapped positions are stored and the snapshot is
    quenched (``quench_method``, ``quench_fmax``) to record e_IS; ``inm_snapshots`` frames spread
    over [0, t1] get the full INM spectrum (dense H^M), f_u and f_dw (straight-line profiles),
    with the model ``inm_model`` (``ka``, the MD model, or ``ka-smooth``).

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
from pelkit.dynamics.batched_md import BatchedMD
from pelkit.engine.calculator import Calculator
from pelkit.landscape.batched_quench import quench_many
from pelkit.models import get_model
from pelkit.models.ka import KA_FRACTION_A, kob_andersen
from pelkit.modes.inm import double_well_fraction
from pelkit.modes.normal import all_modes
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.system import Box, System


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


def _md_kwargs(cfg: KAConfig, device: str) -> dict[str, Any]:
    return dict(thermostat=cfg.thermostat, dt=cfg.dt, tau=cfg.thermostat_tau, device=device)


def equilibrate_block(
    config: dict[str, Any], temperature: float, replicas: list[int], seeds: list[int],
    device: str = "cpu",
) -> list[dict]:
    """Phase A for a block of replicas at one temperature; one result dict per replica (see the
    module docstring). Replica k starts from ``random_system(seed = seeds[k] mod 2^32)``, melts
    with seed ``seeds[k]`` and runs at T with seed ``seeds[k] + 1``; each replica stops at its
    own equilibration time (the others go on)."""
    t_start = time.perf_counter()
    cfg = KAConfig(**config)
    model = kob_andersen()
    m = len(replicas)
    systems = [
        random_system(model, cfg.n_particles, cfg.density,
                      fractions=[KA_FRACTION_A, 1 - KA_FRACTION_A], seed=seed % (2**32))
        for seed in seeds
    ]
    md_kw = _md_kwargs(cfg, device)
    if cfg.melt_time > 0:
        melt = BatchedMD(model, systems, cfg.melt_temperature, seeds=list(seeds), **md_kw)
        melt.advance(_steps(cfg.melt_time, cfg.dt))
        systems = melt.systems()
        for s in systems:
            assert s.velocities is not None
            s.velocities = s.velocities * np.sqrt(temperature / cfg.melt_temperature)
    sim = BatchedMD(model, systems, temperature, seeds=[s + 1 for s in seeds], **md_kw)
    masks = [_a_mask(s) for s in systems]  # species are shuffled per replica
    frame_time = cfg.eq_block_time / 10.0
    frame_steps = _steps(frame_time, cfg.dt)
    block_frames = max(1, int(round(cfg.eq_block_time / (frame_steps * cfg.dt))))
    first = sim.unwrapped_positions()
    frames = [[first[k].copy()] for k in range(m)]
    times = [[0.0] for _ in range(m)]
    msd_now = np.zeros(m)
    active = np.ones(m, dtype=np.bool_)
    finals: list[System | None] = [None] * m
    while active.any():
        for _ in range(block_frames):
            sim.advance(frame_steps, active=active)
            now = sim.unwrapped_positions()
            for k in np.flatnonzero(active):
                frames[k].append(now[k].copy())
                times[k].append(times[k][-1] + frame_steps * cfg.dt)
        states = sim.systems()
        for k in np.flatnonzero(active):
            msd_now[k] = _mean_sq_disp(frames[k][0][masks[k]], frames[k][-1][masks[k]])
            t_now = times[k][-1]
            if (msd_now[k] >= cfg.eq_msd_target and t_now >= cfg.eq_min_time) or (
                t_now >= cfg.eq_max_time
            ):
                active[k] = False
                finals[k] = states[k]
        _raise_failures(sim, replicas, temperature)
    # e_IS of snapshots spread over each second half (drift test), all quenched in one batch
    picks = []
    snaps = []
    for k in range(m):
        half = len(frames[k]) // 2
        pk = np.unique(np.linspace(half, len(frames[k]) - 1, cfg.eq_quenches).astype(int))
        picks.append(pk)
        final = finals[k]
        assert final is not None
        snaps += [final.with_positions(frames[k][j]) for j in pk]
    quenched = quench_many(model, snaps, method=cfg.quench_method, fmax=cfg.quench_fmax,
                           device=device)
    wall = (time.perf_counter() - t_start) / m
    out = []
    start = 0
    for k in range(m):
        eis = quenched.energies[start : start + picks[k].size] / cfg.n_particles
        start += picks[k].size
        out.append(_equilibrate_result(cfg, frames[k], times[k], picks[k], eis, masks[k],
                                       float(msd_now[k]), finals[k], seeds[k], temperature,
                                       replicas[k], wall))
        out[-1]["device"] = sim.device_name()
    return out


def _raise_failures(sim: BatchedMD, replicas: list[int], temperature: float) -> None:
    """A blown-up replica is a failed task: one clear error naming it."""
    if sim.failures:
        f = sim.failures[0]
        raise RuntimeError(
            f"KA replica {replicas[f.replica]} at T = {temperature}: MD blew up at step "
            f"{f.step} (potential energy {f.energy:.6g}); reduce dt"
        )


def _equilibrate_result(cfg, frames, times, picks, eq_eis_arr, mask, msd_now, final, seed,
                        temperature, replica, wall) -> dict:  # noqa: ANN001
    """Drift test, pilot MSD and the result dict of one equilibrated replica."""
    msd_reached = msd_now >= cfg.eq_msd_target
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
        "wall_time": wall,
    }


def equilibrate_task(config: dict[str, Any], temperature: float, replica: int, seed: int,
                     device: str = "cpu") -> dict:
    """Phase A for one (temperature, replica): :func:`equilibrate_block` of one replica."""
    return equilibrate_block(config, temperature, [replica], [seed], device)[0]


def production_block(
    config: dict[str, Any],
    temperature: float,
    replicas: list[int],
    seeds: list[int],
    starts: list[dict[str, Any]],
    t1_pilot: float,
    device: str = "cpu",
) -> list[dict]:
    """Phase B for a block of replicas at one temperature (``starts`` holds each replica's
    phase-A arrays); one result dict per replica (module docstring). All replicas of a
    temperature share t1_pilot, so they advance in lockstep and every frame's snapshots are
    quenched in one batched call."""
    t_start = time.perf_counter()
    cfg = KAConfig(**config)
    model = kob_andersen()
    side = (cfg.n_particles / cfg.density) ** (1.0 / 3.0)
    m = len(replicas)
    systems = [
        System(positions=np.asarray(st["positions"]), box=Box.cubic(side),
               species=np.asarray(st["species"]), species_names=("A", "B"),
               velocities=np.asarray(st["velocities"]))
        for st in starts
    ]
    sim = BatchedMD(model, systems, temperature, seeds=list(seeds), **_md_kwargs(cfg, device))
    frame_dt_target = t1_pilot / cfg.quenches_per_t1
    frame_steps = max(1, int(round(frame_dt_target / cfg.dt)))
    frame_dt = frame_steps * cfg.dt
    n_frames = int(np.ceil(cfg.production_factor * t1_pilot / frame_dt)) + 1
    n = cfg.n_particles
    unwrapped = np.empty((m, n_frames, n, 3))
    times = np.arange(n_frames) * frame_dt
    e_is = np.empty((m, n_frames))
    converged = np.zeros((m, n_frames), dtype=bool)
    max_force = np.empty((m, n_frames))
    potential = np.empty((m, n_frames))
    temp_inst = np.empty((m, n_frames))
    inm_frames = set(
        np.unique(np.linspace(0, min(n_frames - 1, cfg.quenches_per_t1), cfg.inm_snapshots)
                  .astype(int)).tolist()
    ) if cfg.inm_snapshots > 0 else set()
    calcs = [Calculator(get_model(cfg.inm_model), s) for s in systems] if inm_frames else []
    inm: list[dict[str, list]] = [{"t": [], "f_u": [], "f_dw": [], "ev": []} for _ in range(m)]
    for k in range(n_frames):
        if k > 0:
            sim.advance(frame_steps)
            _raise_failures(sim, replicas, temperature)
        snaps = sim.systems()
        unwrapped[:, k] = sim.unwrapped_positions()
        potential[:, k] = sim.energy / n
        temp_inst[:, k] = sim.temperatures_now()
        for s in snaps:
            s.velocities = None
        q = quench_many(model, snaps, method=cfg.quench_method, fmax=cfg.quench_fmax,
                        device=device)
        e_is[:, k] = q.energies / n
        converged[:, k] = q.converged
        max_force[:, k] = q.max_force
        if k in inm_frames:
            for r, snap in enumerate(snaps):
                _inm_sample(cfg, calcs[r], snap, times[k], inm[r])
    wall = (time.perf_counter() - t_start) / m
    return [
        {
            "times": times,
            "unwrapped": unwrapped[r],
            "species": np.asarray(starts[r]["species"]),
            "e_is": e_is[r],
            "quench_converged": converged[r],
            "quench_max_force": max_force[r],
            "potential_energy": potential[r],
            "temperature_inst": temp_inst[r],
            "inm_times": np.asarray(inm[r]["t"]),
            "f_u": np.asarray(inm[r]["f_u"]),
            "f_dw": np.asarray(inm[r]["f_dw"]),
            "inm_eigenvalues": (
                np.asarray(inm[r]["ev"]) if inm[r]["ev"] else np.zeros((0, 3 * n - 3))
            ),
            "t1_pilot": t1_pilot,
            "frame_dt": frame_dt,
            "seed": seeds[r],
            "temperature": temperature,
            "replica": replicas[r],
            "wall_time": wall,
            "device": sim.device_name(),
        }
        for r in range(m)
    ]


def _inm_sample(cfg: KAConfig, calc: Calculator, snap: System, t: float,
                acc: dict[str, list]) -> None:
    """INM spectrum, f_u and f_dw of one snapshot, appended to ``acc``."""
    x0 = snap.positions.reshape(-1)
    hess = calc.hessian(x0)
    assert snap.masses is not None
    modes = all_modes(hess, snap.masses)
    dw = double_well_fraction(calc.energy, x0, modes, max_displacement=cfg.inm_max_displacement,
                              n_points=cfg.inm_points)
    acc["t"].append(t)
    acc["f_u"].append(dw.f_u)
    acc["f_dw"].append(dw.f_dw)
    acc["ev"].append(modes.eigenvalues)


def production_task(
    config: dict[str, Any],
    temperature: float,
    replica: int,
    seed: int,
    start: dict[str, Any],
    t1_pilot: float,
    device: str = "cpu",
) -> dict:
    """Phase B for one (temperature, replica): :func:`production_block` of one replica."""
    return production_block(config, temperature, [replica], [seed], [start], t1_pilot,
                            device)[0]
