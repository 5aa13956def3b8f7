"""The one task kind of the ka-entropy study: one NVT state point (rho, T) of one replica.

:func:`state_task`:

1. a relaxed random Kob-Andersen packing at ``density`` (80:20), melted at
   max(T, ``melt_temperature``) for ``melt_time``;
2. NVT at T in blocks of ``eq_block_time`` until the A-particle mean-square displacement from the
   start of the T run reaches ``eq_msd_target`` (at least ``eq_min_time``, at most
   ``eq_max_time``; ``equilibrated`` records whether the target was reached);
3. production of ``production_time`` in ``n_blocks`` equal blocks; per block the mean potential
   energy per particle u and the mean virial W (so Z - 1 = W/(N T), T the thermostat's), whose
   spread between blocks gives the standard errors;
4. on the isochore (``landscape=True``), the end of each block is quenched to its inherent
   structure (e_IS per particle, convergence re-checked from the final forces) and the first
   ``n_hessians`` minima get all 3N - 3 non-zero normal modes: log_omega = (1/N) sum_k ln omega_k
   enters the harmonic entropy s_vib = (3N - 3)(1 + ln(T/hbar))/N - log_omega.

Keys: kind, density, temperature, replica, seed, n_particles, dt, eq_time, eq_msd, equilibrated,
u_blocks (n_blocks,), zm1_blocks (n_blocks,), temperature_kinetic, e_is (n_q,),
quench_converged (n_q,), quench_max_force (n_q,), log_omega (n_h,), n_negative (n_h,),
wall_time.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pelkit.build import random_system
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.models.ka import KA_FRACTION_A
from pelkit.modes.normal import all_modes
from pelkit.studies.ka_entropy.config import KAEntropyConfig


def _steps(duration: float, dt: float) -> int:
    return max(1, int(round(duration / dt)))


def _msd_a(start: np.ndarray, now: np.ndarray, mask: np.ndarray) -> float:
    d = now - start
    d -= d.mean(axis=0)
    d = d[mask]
    return float(np.mean(np.einsum("ij,ij->i", d, d)))


def state_task(
    config: dict[str, Any], kind: str, density: float, temperature: float, replica: int,
    seed: int,
) -> dict[str, Any]:
    """Simulate one state point (module docstring); ``kind`` is "isotherm" or "isochore"."""
    t0 = time.perf_counter()
    cfg = KAEntropyConfig(**config)
    model = get_model(cfg.model)
    T = float(temperature)
    dt = cfg.dt_hot if T > cfg.t_hot else cfg.dt
    seeds = np.random.default_rng(seed).integers(0, 2**62, size=3)
    system = random_system(model, cfg.n_particles, float(density),
                           fractions=[KA_FRACTION_A, 1.0 - KA_FRACTION_A], seed=int(seeds[0]))
    t_melt = max(T, cfg.melt_temperature)
    sim = MDSimulation(model, system, t_melt, thermostat=cfg.thermostat, dt=dt,
                       seed=int(seeds[1]), tau=cfg.thermostat_tau)
    if cfg.melt_time > 0 and t_melt > T:
        sim.run(_steps(cfg.melt_time, dt))
    sim = MDSimulation(model, sim.snapshot(), T, thermostat=cfg.thermostat, dt=dt,
                       seed=int(seeds[2]), tau=cfg.thermostat_tau)
    assert sim.system.species is not None
    mask_a = sim.system.species == 0
    start = sim.snapshot().unwrapped_positions()
    eq_time, msd = 0.0, 0.0
    block = _steps(cfg.eq_block_time, dt)
    while True:
        sim.run(block)
        eq_time += block * dt
        msd = _msd_a(start, sim.snapshot().unwrapped_positions(), mask_a)
        if (msd >= cfg.eq_msd_target and eq_time >= cfg.eq_min_time) or (
            eq_time >= cfg.eq_max_time
        ):
            break

    landscape = kind == "isochore"
    n_blocks = max(cfg.n_quenches, 4) if landscape else 10
    seg = _steps(cfg.production_time / n_blocks, dt)
    volume = sim.system.box.volume
    n = cfg.n_particles
    u_blocks, zm1_blocks, t_kin = [], [], []
    e_is, conv, fmax_out, log_omega, n_neg = [], [], [], [], []
    for b in range(n_blocks):
        res = sim.run(seg)
        u_blocks.append(res.mean_potential_energy_per_particle)
        w = res.mean_pressure * volume - n * res.mean_temperature
        zm1_blocks.append(w / (n * T))
        t_kin.append(res.mean_temperature)
        if not landscape or b >= cfg.n_quenches:
            continue
        q = quench(model, sim.snapshot(), method=cfg.quench_method, fmax=cfg.quench_fmax)
        calc = Calculator(model, q.system)
        _, forces = calc.energy_forces()
        fm = float(np.max(np.linalg.norm(forces, axis=1)))
        e_is.append(q.energy_per_particle)
        conv.append(fm <= cfg.quench_fmax)
        fmax_out.append(fm)
        if len(log_omega) < cfg.n_hessians:
            assert q.system.masses is not None
            lam = all_modes(calc.hessian(), q.system.masses).eigenvalues
            neg = int(np.count_nonzero(lam <= 0))
            n_neg.append(neg)
            log_omega.append(0.5 * float(np.sum(np.log(lam))) / n if neg == 0 else np.nan)
    return {
        "kind": kind,
        "density": float(density),
        "temperature": T,
        "replica": int(replica),
        "seed": int(seed),
        "n_particles": n,
        "dt": dt,
        "eq_time": eq_time,
        "eq_msd": msd,
        "equilibrated": bool(msd >= cfg.eq_msd_target),
        "u_blocks": np.asarray(u_blocks),
        "zm1_blocks": np.asarray(zm1_blocks),
        "temperature_kinetic": float(np.mean(t_kin)),
        "e_is": np.asarray(e_is, dtype=float),
        "quench_converged": np.asarray(conv, dtype=bool),
        "quench_max_force": np.asarray(fmax_out, dtype=float),
        "log_omega": np.asarray(log_omega, dtype=float),
        "n_negative": np.asarray(n_neg, dtype=np.int64),
        "wall_time": time.perf_counter() - t0,
    }
