"""The double-well library of a tls-qlm run: table, results.h5 and summary numbers.

The library table has one row per double well found by any pair task (docs/physics/landscape.md),
with every property computed for it; columns (units: epsilon, sigma, tau, m = 1):

    key               "<pair task>:<row>"                 t_f, glass, pair_rank, pair_count
    unique            False for a repeat of a double well already listed for the same glass
                      (same end minima, docs/physics/landscape.md test on both ends)
    e_a, e_b, e_s     energies of A, B and the saddle (climbing image); A is chosen at random
                      per pair (neb.orientation), a_is_lower and pair_flipped record it
    barrier           E_S - min(E_A, E_B); barrier_a, barrier_b from each side
    asymmetry         |E_A - E_B|;  d_ab = |M^1/2 r_AB|;  xi_b = arc length of the path
    pr_dw             (sum |d_i|^2)^2 / sum |d_i|^4 of r_AB (particles)
    omega_a, omega_b  omega_tan at A and B from the Hessian (1/tau); *_profile from V''(xi)
    splitting_<u>     tunnel splitting E_1 - E_0 in unit system u (epsilon); active_<u>,
                      converged_<u>, relative_change_<u>, h_<u>, ...
    neb_converged, neb_max_force, neb_iterations, n_images, depth (recursion level), segment
    n_modes, modes_complete, n_qlm, omega_extended, omega_softest
    c_max_tan/as/ab   largest c (the paper's eq 7) of a linear mode with r_tan, r_AS, r_AB;
                      mode_* (the paper's numbering, 4 = softest), omega_mode_*, pr_mode_*
    a_max_ab, mode_a_ab   largest a (the paper's eq 8) with r_AB
    qlm_c_ab, qlm_a_ab    the softest QLM (softest mode if none) against r_AB
    nl_ab_*, nl_qlm_*     non-linear mode from r_AB / from the softest QLM: c_ab, a_ab, c_as,
                          a_as, c_tan, converged, iterations, residual, barrier3 (cubic
                          barrier), is_dw (double well along the straight line), line_barrier

results.h5 groups: /library (the table, one dataset per column), /glasses, /pairs (every pair
with a transition, ranked), /segments (every NEB run), /profiles (V(xi) of each double well),
/scan (band-size scan, spectrum of A, Fig 3 fields; absent without a double well), /units,
/timings (wall times, the only part that differs between identical runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.landscape.inherent import same_minimum
from pelkit.parallel import load_result
from pelkit.studies.tls_qlm.config import TLSQLMConfig
from pelkit.system import Box, System

SEED_COUNTS = {
    0.062: {"double_wells": 14202, "active_ar": 61, "active_nip": 28},
    0.07: {"double_wells": 21109, "active_ar": 291, "active_nip": 46},
    0.092: {"double_wells": 117339, "active_ar": 1008, "active_nip": 248},
}
"""The counts of Khomenko, Reichman and Zamponi (2021), section IV (docs/physics/tls-qlm.md),
N = 1500, Argon and NiP units."""

GLASS_COLUMNS = (
    "t_f", "index", "seed", "glass_energy", "glass_is_energy", "glass_is_converged",
    "prep_equilibrated", "prep_swap_acceptance", "prep_displacement_acceptance",
    "prep_delta_max", "prep_tau_alpha", "prep_fs_at_test_lag", "n_quenches", "n_failed",
    "n_distinct", "prep_method", "prep_time_unit", "prep_reasons",
)
TIMING_PARTS = ("cpu_time", "neb_wall_time", "neb_cpu_time", "prep_wall_time",
                "explore_wall_time")
"""Per-task timings besides ``wall_time`` (seconds; older task files may lack them)."""
PAIR_COLUMNS = ("pair_a", "pair_b", "pair_count", "pair_asymmetry", "pair_pr_dw",
                "pair_distance", "pair_max_displacement", "pair_rank")
SEGMENT_COLUMNS = ("seg_a", "seg_b", "seg_depth", "seg_status", "seg_converged",
                   "seg_max_force", "seg_iterations", "seg_evaluations", "seg_barrier",
                   "seg_reason")


@dataclass
class Library:
    """Everything the analysis needs, gathered from the task files.

    Attributes:
        table: library columns (n_dw,) (module docstring).
        glasses: one row per glass; pairs: one row per visited pair; segments: one row per NEB.
        profiles: ``xi`` and ``energy`` lists (one array per double well, relative to E_A).
        scan: the scan task's result or None.
        glass_series: per glass key, its quench energies and preparation energies.
        timings: wall times per task key.
    """

    table: dict[str, np.ndarray]
    glasses: dict[str, np.ndarray]
    pairs: dict[str, np.ndarray]
    segments: dict[str, np.ndarray]
    profiles: dict[str, list[np.ndarray]]
    scan: dict[str, Any] | None
    glass_series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_dw(self) -> int:
        """Number of rows of the library table."""
        return int(self.table["key"].size) if "key" in self.table else 0


def _load_all(folder: Path) -> dict[str, dict[str, Any]]:
    if not folder.is_dir():
        return {}
    return {p.stem: load_result(p) for p in sorted(folder.glob("*.npz"))}


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    parts = [np.atleast_1d(np.asarray(p)) for p in parts]
    if not parts:
        return np.zeros(0)
    if any(p.dtype.kind == "U" for p in parts):
        return np.concatenate([p.astype(str) for p in parts])
    return np.concatenate(parts)


def _dedupe(table: dict[str, np.ndarray], minima: list[tuple[np.ndarray, np.ndarray, Box]],
            de: float, dr: float) -> np.ndarray:
    """unique flags: a row repeats an earlier one of the same glass with the same end minima."""
    n = table["key"].size
    unique = np.ones(n, dtype=bool)
    groups: dict[tuple[float, int], list[int]] = {}
    for i in range(n):
        groups.setdefault((float(table["t_f"][i]), int(table["glass"][i])), []).append(i)
    for rows in groups.values():
        kept: list[int] = []
        for i in rows:
            xa, xb, box = minima[i]
            for j in kept:
                ya, yb, _ = minima[j]
                if abs(table["e_a"][i] - table["e_a"][j]) > de:
                    continue
                if abs(table["e_b"][i] - table["e_b"][j]) > de:
                    continue
                sa, sb = System(xa, box), System(ya, box)
                ta, tb = System(xb, box), System(yb, box)
                if (same_minimum(sa, table["e_a"][i], sb, table["e_a"][j], de, dr)
                        and same_minimum(ta, table["e_b"][i], tb, table["e_b"][j], de, dr)):
                    unique[i] = False
                    break
            if unique[i]:
                kept.append(i)
    return unique


def build_library(out_dir: str | Path, cfg: TLSQLMConfig) -> Library:
    """Gather the task files of a run folder into a :class:`Library`."""
    tasks = Path(out_dir) / "tasks"
    glasses = _load_all(tasks / "glasses")
    pairs = _load_all(tasks / "pairs")
    scans = _load_all(tasks / "scan")
    timings: dict[str, float] = {}
    for phase, results in (("glasses", glasses), ("pairs", pairs), ("scan", scans)):
        for k, v in results.items():
            # "pairs/<key>" the task's wall time; "pairs_cpu_time/<key>" etc. its parts
            timings[f"{phase}/{k}"] = float(v["wall_time"])
            for name in TIMING_PARTS:
                if name in v:
                    timings[f"{phase}_{name}/{k}"] = float(v[name])

    g_cols: dict[str, list] = {c: [] for c in ("key", *GLASS_COLUMNS)}
    series = {}
    p_cols: dict[str, list] = {c: [] for c in ("t_f", "glass", "selected", *PAIR_COLUMNS)}
    for key, g in glasses.items():
        g_cols["key"].append(key)
        for c in GLASS_COLUMNS:
            g_cols[c].append(g[c])
        series[key] = {"quench_energies": np.atleast_1d(g["quench_energies"]),
                       "prep_energies": np.atleast_1d(g["prep_energies"]),
                       "labels": np.atleast_1d(g["labels"])}
        n_pairs = np.atleast_1d(g["pair_a"]).size
        sel = np.zeros(n_pairs, dtype=bool)
        sel[np.atleast_1d(g["selected"]).astype(np.int64)] = True
        p_cols["t_f"].append(np.full(n_pairs, float(g["t_f"])))
        p_cols["glass"].append(np.full(n_pairs, int(g["index"])))
        p_cols["selected"].append(sel)
        for c in PAIR_COLUMNS:
            p_cols[c].append(np.atleast_1d(g[c]))
    glass_table = {k: np.asarray(v) for k, v in g_cols.items()}
    pair_table = {k: _concat(v) for k, v in p_cols.items()}

    s_cols: dict[str, list] = {c: [] for c in ("key", "t_f", "glass", *SEGMENT_COLUMNS)}
    d_cols: dict[str, list] = {}
    minima: list[tuple[np.ndarray, np.ndarray, Box]] = []
    profiles: dict[str, list[np.ndarray]] = {"xi": [], "energy": []}
    for key, r in pairs.items():
        n_seg = np.atleast_1d(r["seg_a"]).size
        s_cols["key"].append(np.full(n_seg, key))
        s_cols["t_f"].append(np.full(n_seg, float(r["t_f"])))
        s_cols["glass"].append(np.full(n_seg, int(r["glass"])))
        for c in SEGMENT_COLUMNS:
            s_cols[c].append(np.atleast_1d(r[c]))
        n_dw = int(r["n_dw"])
        if n_dw == 0:
            continue
        box = Box(np.asarray(glasses[key.rsplit("_p", 1)[0]]["box"]))
        base = {
            "key": np.array([f"{key}:{i}" for i in range(n_dw)]),
            "t_f": np.full(n_dw, float(r["t_f"])),
            "glass": np.full(n_dw, int(r["glass"])),
            "pair_rank": np.full(n_dw, int(r["rank"])),
            "pair_count": np.full(n_dw, int(r["count"])),
        }
        for name in np.atleast_1d(r["dw_keys"]).astype(str):
            base[str(name)] = np.atleast_1d(r[f"dw_{name}"])
        for name, values in base.items():
            d_cols.setdefault(name, []).append(values)
        mp = r["minima_positions"]
        for i in range(n_dw):
            a, b = int(np.atleast_1d(r["dw_a"])[i]), int(np.atleast_1d(r["dw_b"])[i])
            minima.append((mp[a], mp[b], box))
            profiles["xi"].append(np.atleast_2d(r["dw_xi"])[i])
            profiles["energy"].append(np.atleast_2d(r["dw_profile"])[i])
    seg_table = {k: _concat(v) for k, v in s_cols.items()}
    table = {k: _concat(v) for k, v in d_cols.items()}
    if table:
        table["unique"] = _dedupe(table, minima, cfg.exploration.de, cfg.exploration.dr)
    scan = next(iter(scans.values()), None)
    return Library(table, glass_table, pair_table, seg_table, profiles, scan, series, timings)


# ----------------------------------------------------------------------------------- results.h5


def _dataset(group, name: str, value: Any) -> None:  # noqa: ANN001 - h5py group
    import h5py

    arr = np.asarray(value)
    if arr.dtype.kind == "U":
        group.create_dataset(name, data=arr.astype(object), dtype=h5py.string_dtype())
    elif arr.dtype.kind == "O":
        group.create_dataset(name, data=arr.astype(str).astype(object),
                             dtype=h5py.string_dtype())
    else:
        group.create_dataset(name, data=arr)


def write_results(path: str | Path, library: Library, cfg: TLSQLMConfig) -> None:
    """Write results.h5 (layout in the module docstring); atomic (temporary file + rename)."""
    import os

    import h5py

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with h5py.File(tmp, "w", track_order=True) as f:
        f.attrs["format"] = "pelkit-tls-qlm-library"
        f.attrs["version"] = 1
        f.attrs["n_double_wells"] = library.n_dw
        f.attrs["units"] = "epsilon, sigma (mean diameter), tau, m = 1; k_B = 1"
        lib = f.create_group("library")
        lib.attrs["description"] = (
            "one row per double well; see pelkit.studies.tls_qlm.analysis for the columns"
        )
        for name, value in library.table.items():
            _dataset(lib, name, value)
        for gname, table in (("glasses", library.glasses), ("pairs", library.pairs),
                             ("segments", library.segments)):
            grp = f.create_group(gname)
            for name, value in table.items():
                _dataset(grp, name, value)
        prof = f.create_group("profiles")
        for i, (x, e) in enumerate(zip(library.profiles["xi"], library.profiles["energy"],
                                       strict=True)):
            sub = prof.create_group(f"{i:06d}")
            sub.attrs["key"] = str(library.table["key"][i])
            sub.create_dataset("xi", data=x)
            sub.create_dataset("energy", data=e)
        units = f.create_group("units")
        for u in cfg.tunnel.units:
            us = u.resolve()
            g = units.create_group(u.label)
            g.attrs["name"] = us.name
            g.attrs["hbar_tilde"] = us.hbar_tilde
            g.attrs["threshold"] = np.nan if us.threshold is None else us.threshold
            g.attrs["note"] = u.note
        if library.scan is not None:
            scan = f.create_group("scan")
            for name, value in library.scan.items():
                if name != "wall_time" and name not in TIMING_PARTS:  # in /timings
                    _dataset(scan, name, value)
        tim = f.create_group("timings")
        for name, value in sorted(library.timings.items()):
            tim.attrs[name.replace("/", ":")] = value
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------ summary


def _median(x: np.ndarray) -> float | None:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else None


def _fraction(mask: np.ndarray) -> float | None:
    mask = np.asarray(mask, dtype=bool)
    return float(mask.mean()) if mask.size else None


def fig5_subset(library: Library, cfg: TLSQLMConfig) -> tuple[np.ndarray, str]:
    """Rows of the paper's Fig 5: unique double wells with E_t < fig5_max_splitting (first unit
    system)
    and PR_DW < fig5_max_prdw; all unique double wells when that subset is empty."""
    t = library.table
    if library.n_dw == 0:
        return np.zeros(0, dtype=np.int64), "no double wells"
    label = cfg.tunnel.units[0].label
    a = cfg.analysis
    base = t["unique"].astype(bool)
    mask = base & (t[f"splitting_{label}"] < a.fig5_max_splitting) & (t["pr_dw"] < a.fig5_max_prdw)
    if mask.any():
        return np.flatnonzero(mask), (
            f"E_t({label}) < {a.fig5_max_splitting:g} and PR_DW < {a.fig5_max_prdw:g} "
            "(the paper's subset)"
        )
    return np.flatnonzero(base), (
        f"all double wells (none has E_t({label}) < {a.fig5_max_splitting:g} and PR_DW < "
        f"{a.fig5_max_prdw:g})"
    )


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    from scipy.stats import spearmanr

    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return None
    return float(spearmanr(x[ok], y[ok]).statistic)


def summarize(library: Library, cfg: TLSQLMConfig) -> dict[str, Any]:
    """Counts per T_f and unit system, and the numbers behind each Khomenko, Reichman and Zamponi
    (2021) figure."""
    t, g, p, s = library.table, library.glasses, library.pairs, library.segments
    labels = [u.label for u in cfg.tunnel.units]
    per_tf: dict[str, Any] = {}
    for t_f in cfg.t_f:
        gm = np.asarray(g.get("t_f", np.zeros(0)), dtype=float) == t_f
        pm = np.asarray(p.get("t_f", np.zeros(0)), dtype=float) == t_f
        sm = np.asarray(s.get("t_f", np.zeros(0)), dtype=float) == t_f
        dm = (np.asarray(t["t_f"], dtype=float) == t_f) if library.n_dw else np.zeros(0, bool)
        um = dm & t["unique"].astype(bool) if library.n_dw else dm
        status = np.asarray(s.get("seg_status", np.zeros(0)), dtype=str)[sm]
        row: dict[str, Any] = {
            "glasses": int(gm.sum()),
            "glasses_equilibrated": int(np.asarray(g.get("prep_equilibrated", []),
                                                   dtype=bool)[gm].sum()) if gm.any() else 0,
            "glass_is_energy_median": _median(np.asarray(g["glass_is_energy"])[gm])
            if gm.any() else None,
            "quenches": int(np.asarray(g["n_quenches"])[gm].sum()) if gm.any() else 0,
            "quenches_failed": int(np.asarray(g["n_failed"])[gm].sum()) if gm.any() else 0,
            "distinct_minima": int(np.asarray(g["n_distinct"])[gm].sum()) if gm.any() else 0,
            "pairs_visited": int(pm.sum()),
            "pairs_ranked": int((np.asarray(p.get("pair_rank", []))[pm] >= 0).sum())
            if pm.any() else 0,
            "pairs_neb": int(np.asarray(p.get("selected", []), dtype=bool)[pm].sum())
            if pm.any() else 0,
            "neb_runs": int(sm.sum()),
            "neb_converged": int(np.asarray(s.get("seg_converged", []), dtype=bool)[sm].sum())
            if sm.any() else 0,
            "paths_split": int((status == "split").sum()),
            "paths_no_barrier": int((status == "no_barrier").sum()),
            "paths_unresolved": int(np.isin(status, ["interior_minima",
                                                     "not_double_well"]).sum()),
            "double_wells": int(dm.sum()),
            "double_wells_unique": int(um.sum()),
            "double_wells_unique_converged": int((um & t["neb_converged"].astype(bool)).sum())
            if library.n_dw else 0,
            "active": {lab: int((um & t[f"active_{lab}"].astype(bool)).sum())
                       if library.n_dw else 0 for lab in labels},
            "active_seed_threshold": {
                u.label: (int((um & (t[f"splitting_{u.label}"] <= u.seed_threshold)).sum())
                          if library.n_dw else 0)
                if u.seed_threshold is not None else None for u in cfg.tunnel.units},
            "splitting_min": {lab: (float(np.nanmin(t[f"splitting_{lab}"][um]))
                                    if um.any() and np.isfinite(t[f"splitting_{lab}"][um]).any()
                                    else None) for lab in labels},
        }
        per_tf[f"{t_f:g}"] = row
    summary: dict[str, Any] = {
        "study": "tls-qlm",
        "preset": cfg.preset,
        "seed": cfg.seed,
        "n_particles": cfg.n_particles,
        "t_f": list(cfg.t_f),
        "glasses_per_tf": cfg.glasses_per_tf,
        "n_images": cfg.neb.n_images,
        "exploration_temperature": cfg.exploration.temperature,
        "units": [
            {"label": u.label, "name": u.name, "hbar_tilde": u.resolve().hbar_tilde,
             "threshold": u.resolve().threshold, "seed_threshold": u.seed_threshold,
             "t_q_kelvin": u.t_q_kelvin, "epsilon_k": (None if u.si()[0] is None
                                                      else u.si()[0] / 1.380649e-23),
             "note": u.note}
            for u in cfg.tunnel.units
        ],
        "per_tf": per_tf,
        "double_wells": library.n_dw,
        "double_wells_unique": int(t["unique"].sum()) if library.n_dw else 0,
        "seed_counts": {f"{k:g}": v for k, v in SEED_COUNTS.items()},
    }
    summary.update(_figure_numbers(library, cfg))
    summary.update(tls_numbers(library, cfg))
    summary["timings"] = {
        "glass_tasks_s": float(sum(v for k, v in library.timings.items()
                                   if k.startswith("glasses/"))),
        "pair_tasks_s": float(sum(v for k, v in library.timings.items()
                                  if k.startswith("pairs/"))),
        "scan_task_s": float(sum(v for k, v in library.timings.items()
                                 if k.startswith("scan/"))),
    }
    for phase in ("glasses", "pairs", "scan"):
        for name in TIMING_PARTS:
            parts = [v for k, v in library.timings.items() if k.startswith(f"{phase}_{name}/")]
            if parts:
                summary["timings"][f"{phase}_{name[:-5]}_s"] = float(sum(parts))
    return summary


def _figure_numbers(library: Library, cfg: TLSQLMConfig) -> dict[str, Any]:
    """The numbers behind the paper's Figs 4-8 and the non-linear double-well fraction."""
    out: dict[str, Any] = {}
    t = library.table
    label = cfg.tunnel.units[0].label
    if library.n_dw:
        u = t["unique"].astype(bool)
        rows, criterion = fig5_subset(library, cfg)
        out["fig5"] = {
            "criterion": criterion, "n": int(rows.size), "n_images": cfg.neb.n_images,
            "median_c_max": {f: _median(t[f"c_max_{f}"][rows]) for f in ("tan", "as", "ab")},
            "fraction_c_max_tan_above_0.4": _fraction(t["c_max_tan"][rows] > 0.4),
            "fraction_c_max_tan_above_0.8": _fraction(t["c_max_tan"][rows] > 0.8),
        }
        hbar = cfg.tunnel.units[0].resolve().hbar_tilde
        zero_point = 0.5 * hbar * t["omega_a"][u]
        asym_high = t["asymmetry"][u] > 2.0 * zero_point
        low_barrier = t["barrier_a"][u] < zero_point
        out["fig6"] = {
            "unit": label, "n": int(u.sum()),
            "spearman_splitting_vs_omega_tan": _spearman(t[f"splitting_{label}"][u],
                                                         t["omega_a"][u]),
            "seed": "anticorrelated",
            "asymmetry_above_hbar_omega": int(asym_high.sum()),
            "barrier_below_zero_point": int((low_barrier & ~asym_high).sum()),
            "tunnelling_regime": int((~asym_high & ~low_barrier).sum()),
        }
        nl_ok = u & t["nl_ab_converged"].astype(bool)
        out["fig7"] = {
            "n": int(nl_ok.sum()),
            "fraction_nonlinear_c_above_best_linear": _fraction(
                t["nl_ab_c_ab"][nl_ok] > t["c_max_ab"][nl_ok]),
            "fraction_nonlinear_a_above_best_linear": _fraction(
                t["nl_ab_a_ab"][nl_ok] > t["a_max_ab"][nl_ok]),
            "median_c": {"nonlinear": _median(t["nl_ab_c_ab"][nl_ok]),
                         "best_linear": _median(t["c_max_ab"][nl_ok])},
            "median_a": {"nonlinear": _median(t["nl_ab_a_ab"][nl_ok]),
                         "best_linear": _median(t["a_max_ab"][nl_ok])},
            "nonlinear_converged_fraction": _fraction(t["nl_ab_converged"][u].astype(bool)),
        }
        q_ok = u & t["nl_qlm_converged"].astype(bool)
        out["fig8"] = {
            "n": int(q_ok.sum()),
            "median_c": {"softest_qlm": _median(t["qlm_c_ab"][u]),
                         "nonlinear_from_qlm": _median(t["nl_qlm_c_ab"][q_ok]),
                         "nonlinear_from_r_ab": _median(t["nl_ab_c_ab"][nl_ok])},
            "fraction_with_a_qlm": _fraction(t["qlm_is_qlm"][u].astype(bool)),
        }
        out["nonlinear_line_double_well"] = {
            "from_r_ab": _fraction(t["nl_ab_is_dw"][nl_ok].astype(bool)),
            "from_qlm": _fraction(t["nl_qlm_is_dw"][q_ok].astype(bool)),
            "seed": "no double well in about 95 % of cases",
        }
    sc = library.scan
    if sc is not None:
        c = np.atleast_2d(sc["scan_c"])
        out["fig4"] = {
            "source": str(sc["source"]),
            "n_images": np.atleast_1d(sc["scan_images"]).tolist(),
            "c_mode4": c[:, 0].tolist(),
            "best_mode": np.atleast_1d(sc["scan_best_mode"]).tolist(),
            "c_max": c.max(axis=1).tolist(),
            "converged": np.atleast_1d(sc["scan_converged"]).astype(bool).tolist(),
            "sum_c2_others": (np.sum(c**2, axis=1) - c.max(axis=1) ** 2).tolist(),
            "mode4_is_qlm": bool(np.atleast_1d(sc["qlm_mask"])[0]),
        }
        out["fig3"] = {
            "source": str(sc["source"]),
            "linear_mode": int(sc["linear_mode_number"]),
            "linear_c_ab": float(sc["linear_c_ab"]),
            "nonlinear_c_ab": float(sc["nonlinear_c_ab"]),
        }
    return out


def _overlap_stats(t: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, Any]:
    return {
        "n": int(rows.sum()),
        "median_c_max": {f: _median(t[f"c_max_{f}"][rows]) for f in ("tan", "as", "ab")},
        "fraction_c_max_tan_above_0.4": _fraction(t["c_max_tan"][rows] > 0.4),
        "median_omega_a": _median(t["omega_a"][rows]),
        "median_pr_mode_tan": _median(t["pr_mode_tan"][rows]),
    }


def tls_numbers(library: Library, cfg: TLSQLMConfig) -> dict[str, Any]:
    """Orientation, wall and distribution numbers of the double wells (issue: unbiased TLS).

    * ``orientation``: the overlap statistics measured at A (the paper's Figs 4-5) for the double
      wells
      whose A is the lower minimum and for those whose A is the higher one; with random
      orientation the difference is the bias the rule "A = lower" would have had.
    * ``walls``: per unit system, the relative change of E_t when the landscape beyond the path
      ends is replaced by harmonic walls (median and largest magnitude) and how many
      continuations turned down (clipped).
    * ``distributions``: quartiles of log10 E_t per unit system and of log10 asymmetry.
    """
    t = library.table
    out: dict[str, Any] = {"orientation": {"rule": cfg.neb.orientation}}
    if not library.n_dw:
        return out
    u = t["unique"].astype(bool)
    if "a_is_lower" in t:
        low = u & t["a_is_lower"].astype(bool)
        out["orientation"].update(a_lower=_overlap_stats(t, low),
                                  a_higher=_overlap_stats(t, u & ~low))
    walls: dict[str, Any] = {}
    dist: dict[str, Any] = {}
    for unit in cfg.tunnel.units:
        lab = unit.label
        split = np.asarray(t[f"splitting_{lab}"], dtype=float)[u]
        ok = np.isfinite(split) & (split > 0)
        dist[f"log10_splitting_{lab}"] = (np.percentile(np.log10(split[ok]), [25, 50, 75])
                                          .tolist() if ok.any() else None)
        key = f"wall_effect_{lab}"
        if key in t:
            eff = np.asarray(t[key], dtype=float)[u]
            eff = eff[np.isfinite(eff)]
            walls[lab] = {
                "median": _median(eff), "max_abs": float(np.abs(eff).max()) if eff.size else None,
                "clipped": int((~t[f"walls_monotonic_{lab}"].astype(bool) & u).sum()),
            }
    asym = np.asarray(t["asymmetry"], dtype=float)[u]
    pos = asym > 0
    dist["log10_asymmetry"] = (np.percentile(np.log10(asym[pos]), [25, 50, 75]).tolist()
                               if pos.any() else None)
    out["walls"] = walls
    out["walls_mode"] = cfg.tunnel.walls
    out["distributions"] = dist
    return out
