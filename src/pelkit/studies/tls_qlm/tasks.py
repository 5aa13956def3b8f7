"""Campaign tasks of the tls-qlm study (one per glass, one per NEB pair, one convergence scan).

Every task is a top-level function of plain arguments (the resolved configuration as a nested
dict, numbers, arrays) returning a dict of numpy arrays, scalars and strings, stored atomically
by :class:`pelkit.parallel.CampaignRunner`. Tasks are deterministic given their arguments: seeds
come from the campaign seed and the task identity (:func:`pelkit.parallel.task_seed`), and BLAS
runs on one thread (:mod:`.threads`), so a resumed campaign reproduces an uninterrupted one bit
for bit.

* :func:`glass_task` - build a random swap-model configuration, prepare the glass at T_f (swap
  MC + equilibrium verdict), explore its basin by MD at T = 0.04 with periodic quenches, rank the
  pairs of minima visited in succession (docs/physics/tls-qlm.md).
* :func:`pair_task` - CI-NEB between the two minima of one pair (A chosen by a coin flip from
  the task seed, recorded as ``flipped``, unless ``neb.orientation = "lower"``), split at
  interior minima and recurse; for every double well: barrier, asymmetry, PR_DW, omega_tan,
  tunnel splittings in each unit system (landscape walls, harmonic walls beside them), modes
  at A (PR, QLM), overlaps c and a with r_AB, r_AS, r_tan, non-linear modes from r_AB and from
  the softest QLM with their line double-well test (docs/physics/modes.md).
* :func:`scan_task` - for one selected double well: the tangent-QLM overlap c_alpha(r_tan) for
  several band sizes (the paper's Fig 4), the spectrum PR(omega) of minimum A (Fig 2) and the
  fields of
  the best linear and the non-linear mode (Fig 3).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pelkit.blas_threads import limit_blas_threads
from pelkit.build import random_system
from pelkit.engine.calculator import Calculator
from pelkit.landscape.paths import BandEnergy, PairPaths, analyse_band, double_well_quantities
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.models.base import PairPotential
from pelkit.models.swap import SWAP_DENSITY, swap_diameters
from pelkit.parallel import task_seed
from pelkit.studies.tls_qlm.config import TLSQLMConfig, build_config
from pelkit.studies.tls_qlm.explore import explore_basin, rank_pairs
from pelkit.studies.tls_qlm.mode_analysis import (
    FIRST_MODE_NUMBER,
    field_overlaps,
    modes_at_minimum,
    nonlinear_analysis,
)
from pelkit.studies.tls_qlm.paths import connect_pair, run_neb
from pelkit.studies.tls_qlm.prep import prepare_glass
from pelkit.system import Box, System

DW_SCALARS = (
    "e_a", "e_b", "e_s", "barrier", "barrier_a", "barrier_b", "asymmetry", "d_ab", "xi_b",
    "omega_a", "omega_b", "omega_a_profile", "omega_b_profile",
)
"""Path quantities copied from :class:`pelkit.landscape.doublewell.DoubleWellAnalysis`."""


def _system(positions: np.ndarray, box: np.ndarray, diameters: np.ndarray) -> System:
    return System(positions=np.asarray(positions, dtype=np.float64), box=Box(np.asarray(box)),
                  diameters=np.asarray(diameters, dtype=np.float64))


# ------------------------------------------------------------------------------------ glass


def glass_task(config: dict, t_f: float, index: int, seed: int) -> dict[str, Any]:
    """Prepare glass ``index`` at ``t_f``, explore its basin, rank the pairs of minima.

    Returns arrays: the glass (positions, diameters, box), the preparation verdict and energy
    series, the exploration (labels, quench energies, minima energies), the pair table
    (``pair_*``), the positions of the minima of the selected pairs (``sel_ids``,
    ``sel_positions``) and timings.
    """
    cfg = build_config(config)
    t0, c0 = time.perf_counter(), time.process_time()
    with limit_blas_threads(1):
        model = get_model(cfg.model)
        n = cfg.n_particles
        start = random_system(model, n, SWAP_DENSITY,
                              diameters=swap_diameters(n, seed=task_seed(seed, "diameters")),
                              seed=task_seed(seed, "positions"))
        prepared = prepare_glass(model, start, t_f, cfg.preparation, task_seed(seed, "prepare"))
        glass = prepared.system
        glass_is = quench(model, glass, method=cfg.exploration.minimizer,
                          fmax=cfg.exploration.fmax)
        exploration = explore_basin(model, glass, cfg.exploration, task_seed(seed, "explore"))
        table = rank_pairs(exploration, cfg.exploration.min_count)
    selected = np.flatnonzero((table.rank >= 0) & (table.rank < cfg.exploration.max_pairs))
    selected = selected[np.argsort(table.rank[selected])]
    sel_ids = np.unique(np.concatenate([table.a[selected], table.b[selected]])).astype(np.int64)
    sel_positions = (np.stack([exploration.minima[k].positions for k in sel_ids])
                     if sel_ids.size else np.zeros((0, n, 3)))
    assert glass.diameters is not None
    return {
        "t_f": float(t_f), "index": int(index), "seed": int(seed), "n_particles": n,
        "box": glass.box.lengths, "diameters": glass.diameters, "glass_positions": glass.positions,
        "glass_energy": Calculator(model, glass).energy() / n,
        "glass_is_energy": glass_is.energy / n,
        "glass_is_converged": bool(glass_is.minimize.converged),
        "prep_method": cfg.preparation.method,
        "prep_equilibrated": prepared.equilibrated,
        "prep_reasons": "\n".join(prepared.reasons),
        "prep_energies": prepared.energies,
        "prep_swap_acceptance": prepared.swap_acceptance,
        "prep_displacement_acceptance": prepared.displacement_acceptance,
        "prep_delta_max": prepared.delta_max,
        "prep_tau_alpha": prepared.tau_alpha,
        "prep_fs_at_test_lag": prepared.fs_at_test_lag,
        "prep_time_unit": prepared.time_unit,
        "prep_wall_time": prepared.wall_time,
        "n_quenches": cfg.exploration.n_quenches * cfg.exploration.walkers,
        "walkers": cfg.exploration.walkers,
        "n_failed": exploration.n_failed,
        "n_distinct": len(exploration.minima),
        "labels": exploration.labels,
        "quench_energies": exploration.quench_energies,
        "md_temperature": exploration.md_temperature,
        "minima_energies": exploration.energies,
        "explore_wall_time": exploration.wall_time,
        "pair_a": table.a, "pair_b": table.b, "pair_count": table.count,
        "pair_asymmetry": table.asymmetry, "pair_pr_dw": table.pr_dw,
        "pair_distance": table.distance, "pair_max_displacement": table.max_displacement,
        "pair_rank": table.rank,
        "selected": selected.astype(np.int64),
        "sel_ids": sel_ids, "sel_positions": sel_positions,
        "wall_time": time.perf_counter() - t0, "cpu_time": time.process_time() - c0,
    }


# ------------------------------------------------------------------------------------- pair


def _columns(rows: list[dict[str, Any]], keys: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for key in keys:
        values = [r[key] for r in rows]
        out[f"dw_{key}"] = np.asarray(values) if values else np.zeros(0)
    return out


def pair_paths(
    cfg: TLSQLMConfig,
    model: PairPotential,
    x_a: np.ndarray,
    e_a: float,
    x_b: np.ndarray,
    e_b: float,
    diameters: np.ndarray,
    box: np.ndarray,
    seed: int,
) -> tuple[System, PairPaths, bool]:
    """The NEB step of :func:`pair_task`: orient the pair, connect its minima (split at
    interior minima). Returns (the system of A, the paths, whether A and B were swapped)."""
    # orientation (the paper treats A as arbitrary): a coin flip from this task's seed
    flipped = False
    if cfg.neb.orientation == "random":
        flipped = bool(np.random.default_rng([int(seed), 3]).random() < 0.5)
    if flipped:
        x_a, e_a, x_b, e_b = x_b, e_b, x_a, e_a
    system = _system(x_a, box, diameters)
    paths = connect_pair(
        model, system, np.asarray(x_a), e_a, np.asarray(x_b), e_b, cfg.neb,
        quench_method=cfg.exploration.minimizer, quench_fmax=cfg.exploration.fmax,
        de=cfg.exploration.de, dr=cfg.exploration.dr,
        orientation="lower" if cfg.neb.orientation == "lower" else "given",
    )
    return system, paths, flipped


def pair_task(
    config: dict,
    t_f: float,
    glass: int,
    rank: int,
    count: int,
    x_a: np.ndarray,
    e_a: float,
    x_b: np.ndarray,
    e_b: float,
    diameters: np.ndarray,
    box: np.ndarray,
    seed: int,
) -> dict[str, Any]:
    """Connect one pair of minima and analyse every double well found (module docstring).

    Returns ``seg_*`` arrays (one entry per NEB run), ``dw_*`` arrays (one per double well),
    ``minima_positions`` / ``minima_energies`` (the pair's local minima: 0 and 1 the pair,
    then those found by quenching interior minima) and ``dw_xi`` / ``dw_profile`` (n_dw, M).
    """
    cfg = build_config(config)
    t0, c0 = time.perf_counter(), time.process_time()
    units = [(u.label, u.resolve()) for u in cfg.tunnel.units]
    with limit_blas_threads(1):
        model = get_model(cfg.model)
        system, paths, flipped = pair_paths(cfg, model, x_a, e_a, x_b, e_b, diameters, box,
                                            seed)
        neb_wall, neb_cpu = time.perf_counter() - t0, time.process_time() - c0
        calc = Calculator(model, system, check_overlap=False)
        mode_cache: dict[int, Any] = {}
        rows: list[dict[str, Any]] = []
        profiles_xi, profiles_e = [], []
        for seg_index, seg in enumerate(paths.segments):
            if seg.status != "double_well":
                continue
            double_well_quantities(model, system, seg, units, cfg.neb.wiggle_tol,
                                   cfg.tunnel.rtol, cfg.tunnel.n_levels,
                                   walls=cfg.tunnel.walls)
            an = seg.analysis
            if seg.a not in mode_cache:
                mode_cache[seg.a] = modes_at_minimum(calc, paths.minima[seg.a][0], cfg.modes)
            mm = mode_cache[seg.a]
            ov = field_overlaps(mm, an.fields)
            nl = nonlinear_analysis(calc, mm, an.fields, cfg.modes)
            row: dict[str, Any] = {k: float(getattr(an, k)) for k in DW_SCALARS}
            row.update(
                segment=seg_index, a=seg.a, b=seg.b, depth=seg.depth, pr_dw=seg.pr_dw,
                saddle_index=an.saddle_index, neb_converged=seg.result.converged,
                a_is_lower=bool(an.e_a <= an.e_b), pair_flipped=flipped,
                neb_evaluations=seg.result.evaluations,
                neb_max_force=seg.result.max_force, neb_iterations=seg.result.iterations,
                n_images=seg.result.n_images, n_modes=mm.modes.n_modes,
                modes_complete=mm.complete, n_qlm=int(mm.qlm.indices.size),
                omega_extended=mm.qlm.omega_extended,
                omega_softest=float(mm.modes.frequencies[0]),
            )
            for key in ("c_max_tan", "mode_tan", "omega_mode_tan", "pr_mode_tan",
                        "c_max_as", "mode_as", "omega_mode_as", "pr_mode_as",
                        "c_max_ab", "mode_ab", "omega_mode_ab", "pr_mode_ab",
                        "a_max_ab", "mode_a_ab"):
                row[key] = ov[key]
            for key, value in nl.items():
                if not isinstance(value, np.ndarray):
                    row[key] = value
            for label, t in seg.tunnel.items():
                for key, value in t.items():
                    row[f"{key}_{label}"] = value
            rows.append(row)
            profiles_xi.append(seg.result.xi)
            profiles_e.append(seg.result.energies - seg.result.energies[0])
    keys = list(rows[0]) if rows else []
    out: dict[str, Any] = {
        "t_f": float(t_f), "glass": int(glass), "rank": int(rank), "count": int(count),
        "seed": int(seed), "n_dw": len(rows), "flipped": flipped,
        "minima_positions": np.stack([p for p, _ in paths.minima]),
        "minima_energies": np.array([e for _, e in paths.minima]),
        "seg_a": np.array([s.a for s in paths.segments], dtype=np.int64),
        "seg_b": np.array([s.b for s in paths.segments], dtype=np.int64),
        "seg_depth": np.array([s.depth for s in paths.segments], dtype=np.int64),
        "seg_status": np.array([s.status for s in paths.segments]),
        "seg_converged": np.array([s.result.converged for s in paths.segments]),
        "seg_max_force": np.array([s.result.max_force for s in paths.segments]),
        "seg_iterations": np.array([s.result.iterations for s in paths.segments], dtype=np.int64),
        "seg_evaluations": np.array([s.result.evaluations for s in paths.segments],
                                    dtype=np.int64),
        "seg_barrier": np.array([s.analysis.barrier for s in paths.segments]),
        "seg_reason": np.array([s.reason for s in paths.segments]),
        "n_interior_quenches": len(paths.quenches),
        "dw_keys": np.array(keys),
        "dw_xi": np.array(profiles_xi) if rows else np.zeros((0, cfg.neb.n_images)),
        "dw_profile": np.array(profiles_e) if rows else np.zeros((0, cfg.neb.n_images)),
        "neb_wall_time": neb_wall, "neb_cpu_time": neb_cpu,
        "wall_time": time.perf_counter() - t0, "cpu_time": time.process_time() - c0,
    }
    out.update(_columns(rows, keys))
    return out


# ------------------------------------------------------------------------------------- scan


def scan_task(
    config: dict,
    t_f: float,
    x_a: np.ndarray,
    x_b: np.ndarray,
    diameters: np.ndarray,
    box: np.ndarray,
    source: str,
) -> dict[str, Any]:
    """Tangent-QLM overlap against the band size, and the Fig 2 / Fig 3 data of one double well.

    Args:
        x_a, x_b: (N, 3) the double well's minima (A as oriented in the library).
        source: the library key of the double well (recorded).

    Returns ``scan_images`` (S,), ``scan_c`` (S, n_modes) c_alpha(r_tan) for every band size,
    ``scan_converged``, ``scan_max_force``, ``scan_iterations``, ``scan_best_mode`` (the paper's
    numbering), the spectrum of A (``omega``, ``pr``, ``qlm_mask``), and the Fig 3 fields
    ``r_ab``, ``linear_mode`` (Cartesian displacement of the mode with the largest c with
    r_AB), ``nonlinear_mode`` (from r_AB) with their overlaps.
    """
    cfg = build_config(config)
    t0, c0 = time.perf_counter(), time.process_time()
    neb_wall = neb_cpu = 0.0
    with limit_blas_threads(1):
        model = get_model(cfg.model)
        system = _system(x_a, box, diameters)
        calc = Calculator(model, system, check_overlap=False)
        mm = modes_at_minimum(calc, np.asarray(x_a), cfg.modes)
        sizes = list(cfg.neb.scan_images)
        c_all, conv, fmax, its = [], [], [], []
        fields_main = None
        for m in sizes:
            w0, n0 = time.perf_counter(), time.process_time()
            energy = BandEnergy(model, system, m + 2)
            res = run_neb(energy, np.asarray(x_a), np.asarray(x_b), system, cfg.neb,
                           n_images=m, max_iterations=cfg.neb.scan_max_iterations)
            neb_wall += time.perf_counter() - w0
            neb_cpu += time.process_time() - n0
            an = analyse_band(res, wiggle_tol=cfg.neb.wiggle_tol)
            ov = field_overlaps(mm, an.fields)
            c_all.append(ov["c_tan"])
            conv.append(res.converged)
            fmax.append(res.max_force)
            its.append(res.iterations)
            if fields_main is None or m == max(sizes):
                fields_main = an.fields
        assert fields_main is not None
        ov = field_overlaps(mm, fields_main)
        k_lin = int(ov["mode_ab"]) - FIRST_MODE_NUMBER
        linear = mm.modes.displacements()[:, k_lin]
        nl = nonlinear_analysis(calc, mm, fields_main, cfg.modes)
    c_arr = np.array(c_all)
    return {
        "t_f": float(t_f), "source": source,
        "scan_images": np.array(sizes, dtype=np.int64),
        "scan_c": c_arr,
        "scan_best_mode": np.argmax(c_arr, axis=1).astype(np.int64) + FIRST_MODE_NUMBER,
        "scan_converged": np.array(conv), "scan_max_force": np.array(fmax),
        "scan_iterations": np.array(its, dtype=np.int64),
        "omega": mm.modes.frequencies, "pr": mm.qlm.participation_ratio,
        "qlm_mask": mm.qlm.mask, "omega_extended": mm.qlm.omega_extended,
        "positions": np.asarray(x_a, dtype=np.float64), "diameters": np.asarray(diameters),
        "box": np.asarray(box, dtype=np.float64),
        "r_ab": fields_main.r_ab, "r_as": fields_main.r_as, "r_tan": fields_main.r_tan,
        "linear_mode": linear.reshape(-1, 3), "linear_mode_number": k_lin + FIRST_MODE_NUMBER,
        "linear_c_ab": ov["c_max_ab"],
        "linear_omega": float(mm.modes.frequencies[k_lin]),
        "linear_pr": float(mm.qlm.participation_ratio[k_lin]),
        "nonlinear_mode": nl["nl_ab_mode"].reshape(-1, 3),
        "nonlinear_c_ab": nl["nl_ab_c_ab"], "nonlinear_a_ab": nl["nl_ab_a_ab"],
        "nonlinear_converged": nl["nl_ab_converged"],
        "nl_ab_profile_s": nl.get("nl_ab_profile_s", np.zeros(0)),
        "nl_ab_profile_energy": nl.get("nl_ab_profile_energy", np.zeros(0)),
        "neb_wall_time": neb_wall, "neb_cpu_time": neb_cpu,
        "wall_time": time.perf_counter() - t0, "cpu_time": time.process_time() - c0,
    }
