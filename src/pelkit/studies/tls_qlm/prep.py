"""Glass preparation at T_f with an equilibrium verdict (docs/physics/tls-qlm.md, Khomenko,
Reichman and Zamponi (2021) section II).

A glass is the last configuration of an equilibrium run at the preparation temperature T_f (its
fictive temperature; the paper describes no cooling ramp). Three ways to run it:

* "swap-mc": :func:`pelkit.dynamics.swap_mc.run_swap_mc` (swap probability 0.2, displacement
  half-side tuned to ~40 % acceptance in a tuning phase, then a discarded burn-in run, then the
  production run);
* "hybrid": :func:`pelkit.dynamics.hybrid.run_hybrid` (NVT MD alternating with swap sweeps;
  burn-in cycles, then production cycles);
* "md": plain NVT MD (no swaps; only sensible well above T_MCT = 0.104).

The production run alone is judged by :mod:`pelkit.dynamics.equilibration`: no energy drift
between its halves, a stable swap acceptance, and a self-intermediate scattering function
F_s(k, t) decayed below ``fs_threshold`` at half the run. The verdict is stored with the glass;
with ``require_equilibrated`` a failed verdict stops the task (NotEquilibratedError).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pelkit.models.base import PairPotential
from pelkit.studies.tls_qlm.config import PreparationConfig
from pelkit.system import System

FloatArray = NDArray[np.float64]


@dataclass
class PreparedGlass:
    """A glass and how it was made.

    Attributes:
        system: the glass (positions wrapped, diameters after swaps, no velocities).
        equilibrated: the verdict of :mod:`pelkit.dynamics.equilibration`.
        reasons: one line per check of the verdict (failures first).
        energies: (S,) U/N along the production run (per sweep, cycle or MD log point), eps.
        swap_acceptance: overall swap acceptance of production (NaN without swaps).
        displacement_acceptance: overall displacement acceptance (NaN for MD).
        delta_max: displacement half-side used in production (sigma; NaN for MD).
        tau_alpha: 1/e decay time of F_s in the run's time unit (inf if not reached).
        fs_at_test_lag: F_s at half the run.
        time_unit: "sweeps", "cycles" or "tau".
        wall_time: seconds.
        details: the verdict's numbers (JSON-able).
    """

    system: System
    equilibrated: bool
    reasons: list[str]
    energies: FloatArray
    swap_acceptance: float
    displacement_acceptance: float
    delta_max: float
    tau_alpha: float
    fs_at_test_lag: float
    time_unit: str
    wall_time: float
    details: dict = field(default_factory=dict)


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**62))


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _finish(system: System, verdict, energies, sw_acc, disp_acc, delta, unit, t0) -> PreparedGlass:  # noqa: ANN001
    glass = system.copy()
    glass.velocities = None
    fs = verdict.checks.get("fs_decay", {})
    return PreparedGlass(
        system=glass,
        equilibrated=bool(verdict.equilibrated),
        reasons=list(verdict.reasons),
        energies=np.asarray(energies, dtype=np.float64),
        swap_acceptance=_nan(sw_acc),
        displacement_acceptance=_nan(disp_acc),
        delta_max=_nan(delta),
        tau_alpha=_nan(fs.get("tau_alpha")),
        fs_at_test_lag=_nan(fs.get("fs_at_test_lag")),
        time_unit=unit,
        wall_time=time.perf_counter() - t0,
        details=verdict.summary(),
    )


def _prepare_swap(model, system, t_f, cfg, rng, t0) -> PreparedGlass:  # noqa: ANN001
    from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc

    burn, current = run_swap_mc(
        model, system, t_f, cfg.burn_in_sweeps, seed=_seed(rng),
        options=SwapMCOptions(p_swap=cfg.p_swap, delta_max=cfg.delta_max,
                              swap_bound=cfg.swap_bound, tune_sweeps=cfg.tune_sweeps,
                              snapshot_every=max(1, cfg.burn_in_sweeps)),
    )
    prod, glass = run_swap_mc(
        model, current, t_f, cfg.sweeps, seed=_seed(rng),
        options=SwapMCOptions(p_swap=cfg.p_swap, delta_max=burn.delta_max,
                              swap_bound=cfg.swap_bound,
                              snapshot_every=max(1, cfg.sweeps // 100)),
    )
    verdict = prod.diagnose(fs_threshold=cfg.fs_threshold)
    acc = prod.acceptance
    return _finish(glass, verdict, prod.energy_per_particle, acc["swap"] if cfg.p_swap > 0
                   else None, acc["displacement"], prod.delta_max, "sweeps", t0)


def _prepare_hybrid(model, system, t_f, cfg, rng, t0) -> PreparedGlass:  # noqa: ANN001
    from pelkit.dynamics.hybrid import run_hybrid
    from pelkit.dynamics.swap_mc import SwapMCOptions

    common = dict(
        md_steps_per_cycle=cfg.md_steps_per_cycle, sweeps_per_cycle=cfg.sweeps_per_cycle,
        options=SwapMCOptions(p_swap=cfg.p_swap, delta_max=cfg.delta_max,
                              swap_bound=cfg.swap_bound),
        thermostat=cfg.thermostat, dt=cfg.dt,
    )
    current = system
    if cfg.burn_in_cycles > 0:
        _, current = run_hybrid(model, system, t_f, cfg.burn_in_cycles, seed=_seed(rng), **common)
    prod, glass = run_hybrid(model, current, t_f, cfg.cycles, seed=_seed(rng), **common)
    verdict = prod.diagnose(fs_threshold=cfg.fs_threshold)
    acc = prod.acceptance
    return _finish(glass, verdict, prod.energy_per_particle, acc["swap"], acc["displacement"],
                   cfg.delta_max, "cycles", t0)


def _prepare_md(model, system, t_f, cfg, rng, t0) -> PreparedGlass:  # noqa: ANN001
    from pelkit.dynamics.equilibration import default_wavenumber, equilibration_verdict
    from pelkit.dynamics.md import MDSimulation

    sim = MDSimulation(model, system, t_f, thermostat=cfg.thermostat, dt=cfg.dt, seed=_seed(rng))
    if cfg.md_burn_in_steps > 0:
        sim.advance(cfg.md_burn_in_steps)
    n_snap = cfg.snapshots
    per_snap = max(1, cfg.md_steps // (n_snap - 1))
    n_log = 4  # energy samples per snapshot interval
    per_log = max(1, per_snap // n_log)
    snaps = [sim.snapshot().unwrapped_positions()]
    energies = []
    for _ in range(n_snap - 1):
        for _ in range(n_log):
            sim.advance(per_log)
            energies.append(sim.energy / system.n_particles)
        sim.advance(per_snap - n_log * per_log)
        snaps.append(sim.snapshot().unwrapped_positions())
    times = np.arange(n_snap) * per_snap * cfg.dt
    mean_d = None if system.diameters is None else float(np.mean(system.diameters))
    k = default_wavenumber(mean_d, system.density)
    verdict = equilibration_verdict(
        np.array(energies), np.array(snaps), times, k, fs_threshold=cfg.fs_threshold,
        time_unit="tau",
    )
    return _finish(sim.snapshot(), verdict, energies, None, None, None, "tau", t0)


def prepare_glass(
    model: PairPotential,
    system: System,
    t_f: float,
    cfg: PreparationConfig,
    seed: int,
) -> PreparedGlass:
    """Equilibrate ``system`` at ``t_f`` by ``cfg.method`` and judge the production run.

    Args:
        model: the pair potential (the Khomenko, Reichman and Zamponi (2021) swap model).
        system: the starting configuration (e.g. :func:`pelkit.build.swap_system`).
        t_f: preparation temperature (eps/k_B).
        cfg: :class:`PreparationConfig`.
        seed: seeds every stochastic phase (through one Generator).

    Raises:
        NotEquilibratedError: ``cfg.require_equilibrated`` and the verdict is negative.
    """
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    if cfg.method == "swap-mc":
        prepared = _prepare_swap(model, system, t_f, cfg, rng, t0)
    elif cfg.method == "hybrid":
        prepared = _prepare_hybrid(model, system, t_f, cfg, rng, t0)
    else:
        prepared = _prepare_md(model, system, t_f, cfg, rng, t0)
    if cfg.require_equilibrated and not prepared.equilibrated:
        from pelkit.dynamics.equilibration import NotEquilibratedError

        failed = [r for r in prepared.reasons if r.startswith("FAIL")]
        raise NotEquilibratedError(
            f"glass at T_f = {t_f:g} is not equilibrated: " + "; ".join(failed)
        )
    return prepared
