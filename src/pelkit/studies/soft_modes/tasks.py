"""The one task kind of the soft-modes study: prepare one soft-sphere glass and take all its modes.

:func:`glass_task` (one per system size N and glass index g):

1. a random packing of N soft spheres at ``density`` (monodisperse, or the 50:50 binary mixture
   with sigma_B/sigma_A = ``binary_ratio``), melted at ``melt_temperature`` and equilibrated as a
   liquid at ``liquid_temperature`` (NVT); the mean-square displacement of that liquid run is
   recorded to show that it flowed;
2. the inherent structure: a quench of the final liquid configuration (Laird and Schober, Phys.
   Rev. Lett. 66, 636 (1991) prepared their soft-sphere glass the same way); its convergence is
   re-checked from the final forces;
3. all 3N - 3 non-zero modes of the dense mass-weighted Hessian (:func:`pelkit.modes.normal.
   all_modes`): eigenvalues lambda_k = omega_k^2 and participation numbers
   N_k = [sum_i |e_{k,i}|^4]^{-1} (Buchenau, Philos. Mag. B 65, 303 (1992), eq 2);
4. the quartic fit Delta V(A) = c1 A + c2 A^2 + c3 A^3 + c4 A^4 along the ``n_quartic`` softest
   modes (:func:`pelkit.modes.inm.quartic_fit`; Buchenau 1992 eqs 3-5).

Keys of the returned dict: n_particles, glass, seed, liquid_temperature (mean kinetic T of the
second half of the liquid run), liquid_energy (its mean potential energy per particle),
liquid_msd (sigma^2, over that half), q6 (global Q_6 of the glass, :mod:`.structure`),
e_is (per particle), quench_converged, quench_max_force, eigenvalues (3N-3,),
participation_number (3N-3,), min_eigenvalue, quartic_index (k,), quartic_lambda, quartic_nk,
quartic_c1 ... quartic_c4, quartic_c4_half, quartic_c4_change, quartic_c1_relative,
quartic_max_displacement, lowest_weights (N,) = |e_i|^2 of the softest mode, positions (N, 3)
of the glass (inherent structure), diameters (N,), box (3,), wall_time.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pelkit.build import random_system
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.landscape.quench import quench
from pelkit.models.base import PairPotential
from pelkit.models.soft_sphere import binary_diameters, soft_spheres
from pelkit.modes.inm import quartic_fit
from pelkit.modes.normal import all_modes
from pelkit.studies.soft_modes.config import SoftModesConfig
from pelkit.studies.soft_modes.structure import global_q

Q6_BOND_FACTOR = 1.2
"""Bond cut for Q_6 in units of the fcc nearest-neighbour distance (2^{1/2}/rho)^{1/3} times the
mean diameter: between the first (1) and second (2^{1/2}) fcc shells."""


def make_model(cfg: SoftModesConfig) -> PairPotential:
    """The soft-sphere potential of the configuration."""
    return soft_spheres(cfg.exponent, x_cut=cfg.x_cut, scheme=cfg.scheme)


def make_diameters(cfg: SoftModesConfig, n_particles: int, seed: int) -> np.ndarray:
    """(N,) diameters: all 1 (monodisperse) or the 50:50 binary mixture, randomly labelled."""
    if cfg.mixture == "mono":
        return np.ones(n_particles)
    return binary_diameters(n_particles, 0.5, cfg.binary_ratio, seed=seed)


def _steps(duration: float, dt: float) -> int:
    return max(1, int(round(duration / dt)))


def glass_task(config: dict[str, Any], n_particles: int, glass: int, seed: int) -> dict[str, Any]:
    """Prepare glass ``glass`` of size ``n_particles`` and analyse its modes (module docstring)."""
    t0 = time.perf_counter()
    cfg = SoftModesConfig(**config)
    model = make_model(cfg)
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**62, size=4)
    system = random_system(
        model, n_particles, cfg.density,
        diameters=make_diameters(cfg, n_particles, int(seeds[0])), seed=int(seeds[1]),
    )
    if cfg.melt_time > 0:
        melt = MDSimulation(model, system, cfg.melt_temperature, thermostat=cfg.thermostat,
                            dt=cfg.dt, seed=int(seeds[2]))
        melt.run(_steps(cfg.melt_time, cfg.dt))
        system = melt.snapshot()
    liquid = MDSimulation(model, system, cfg.liquid_temperature, thermostat=cfg.thermostat,
                          dt=cfg.dt, seed=int(seeds[3]), tau=cfg.thermostat_tau)
    half = _steps(0.5 * cfg.liquid_time, cfg.dt)
    liquid.run(half)  # relaxation to T_liquid, discarded
    start = liquid.snapshot().unwrapped_positions()
    res = liquid.run(half)  # the measured half
    final = liquid.snapshot()
    disp = final.unwrapped_positions() - start
    disp -= disp.mean(axis=0)
    msd = float(np.mean(np.einsum("ij,ij->i", disp, disp)))

    q = quench(model, final, method=cfg.quench_method, fmax=cfg.quench_fmax)
    glass_sys = q.system
    calc = Calculator(model, glass_sys)
    _, forces = calc.energy_forces()
    max_force = float(np.max(np.linalg.norm(forces, axis=1)))
    assert glass_sys.masses is not None
    modes = all_modes(calc.hessian(), glass_sys.masses)
    lam = modes.eigenvalues
    nk = modes.participation_number

    def energy(x: np.ndarray) -> float:
        return calc.energy(x.reshape(-1, 3))

    x_min = glass_sys.positions.reshape(-1)
    k = min(cfg.n_quartic, lam.size)
    fits = [
        quartic_fit(energy, x_min, modes.eigenvectors[:, i], glass_sys.masses,
                    max_displacement=cfg.quartic_max_displacement,
                    n_points=cfg.quartic_points, eigenvalue=float(lam[i]))
        for i in range(k)
    ]
    e0 = modes.eigenvectors[:, 0].reshape(-1, 3)
    mean_d = float(np.mean(glass_sys.diameters)) if glass_sys.diameters is not None else 1.0
    r_bond = Q6_BOND_FACTOR * mean_d * (np.sqrt(2.0) / cfg.density) ** (1.0 / 3.0)
    q6 = global_q(glass_sys.positions, glass_sys.box.lengths, r_bond, 6)
    return {
        "n_particles": int(n_particles),
        "glass": int(glass),
        "seed": int(seed),
        "liquid_temperature": float(res.mean_temperature),
        "liquid_energy": float(res.mean_potential_energy_per_particle),
        "liquid_msd": msd,
        "e_is": float(q.energy_per_particle),
        "q6": q6,
        "quench_converged": bool(max_force <= cfg.quench_fmax),
        "quench_max_force": max_force,
        "eigenvalues": lam,
        "participation_number": nk,
        "min_eigenvalue": float(lam[0]),
        "quartic_index": np.arange(k, dtype=np.int64),
        "quartic_lambda": lam[:k].copy(),
        "quartic_nk": np.array([f.participation_number for f in fits]),
        "quartic_c1": np.array([f.c1 for f in fits]),
        "quartic_c2": np.array([f.c2 for f in fits]),
        "quartic_c3": np.array([f.c3 for f in fits]),
        "quartic_c4": np.array([f.c4 for f in fits]),
        "quartic_c4_half": np.array([f.c4_half_window for f in fits]),
        "quartic_c4_change": np.array([f.c4_relative_change for f in fits]),
        "quartic_c1_relative": np.array([f.c1_relative for f in fits]),
        "quartic_max_displacement": float(cfg.quartic_max_displacement),
        "lowest_weights": np.einsum("ij,ij->i", e0, e0),
        "positions": glass_sys.positions.copy(),
        "diameters": np.asarray(glass_sys.diameters, dtype=float),
        "box": np.asarray(glass_sys.box.lengths, dtype=float),
        "wall_time": time.perf_counter() - t0,
    }
