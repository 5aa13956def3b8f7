"""report.md of a tls-qlm run: our numbers next to Khomenko, Reichman and Zamponi's, and why they
differ."""

from __future__ import annotations

from typing import Any

import numpy as np

from pelkit.io.results import RunFolder
from pelkit.studies.tls_qlm.analysis import SEED_COUNTS, Library
from pelkit.studies.tls_qlm.config import TLSQLMConfig


def _percent(x: Any) -> str:
    """A fraction in [0, 1] as a percentage ("100 %"), or "n/a"."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    return f"{100 * float(x):.0f} %"


def _f(x: Any, fmt: str = ".3g") -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float) and not np.isfinite(x):
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    return format(float(x), fmt)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _glasses(library: Library) -> list[str]:
    g = library.glasses
    if "key" not in g or np.asarray(g["key"]).size == 0:
        return ["No glass task has finished."]
    rows = []
    for i, key in enumerate(np.atleast_1d(g["key"])):
        reasons = [r for r in str(g["prep_reasons"][i]).split("\n") if r.startswith("FAIL")]
        rows.append([
            str(key), _f(float(g["t_f"][i]), "g"), str(g["prep_method"][i]),
            _f(bool(g["prep_equilibrated"][i])), _f(float(g["prep_tau_alpha"][i])),
            _f(float(g["prep_swap_acceptance"][i])), _f(float(g["glass_is_energy"][i]), ".5f"),
            "; ".join(r[5:] for r in reasons) or "all checks passed",
        ])
    return _table(["glass", "T_f", "method", "equilibrated", "tau_alpha", "swap acc.",
                   "e_IS of glass", "failed checks"], rows)


def _counts(summary: dict[str, Any], cfg: TLSQLMConfig) -> list[str]:
    labels = [u["label"] for u in summary["units"]]
    header = ["T_f", "glasses", "quenches", "distinct IS", "pairs visited", "pairs >= min",
              "NEB pairs", "NEB runs (converged)", "split", "DWs", "unique DWs (NEB converged)",
              *[f"active ({lab})" for lab in labels],
              *[f"active at paper threshold ({u['label']})" for u in summary["units"]
                if u.get("seed_threshold") is not None]]
    rows = []
    for t_f, r in summary["per_tf"].items():
        rows.append([
            t_f, str(r["glasses"]), str(r["quenches"]), str(r["distinct_minima"]),
            str(r["pairs_visited"]), str(r["pairs_ranked"]), str(r["pairs_neb"]),
            f"{r['neb_runs']} ({r['neb_converged']})", str(r["paths_split"]),
            str(r["double_wells"]),
            f"{r['double_wells_unique']} ({r['double_wells_unique_converged']})",
            *[str(r["active"][lab]) for lab in labels],
            *[str(r["active_seed_threshold"][u["label"]]) for u in summary["units"]
              if u.get("seed_threshold") is not None],
        ])
    lines = _table(header, rows)
    lines.append("")
    lines.append("Khomenko, Reichman and Zamponi (2021), N = 1500, its full library (its ref 30) "
                 "(the paper's values):")
    lines.append("")
    lines += _table(
        ["T_f", "DWs", "active (Argon units)", "active (NiP units)", "active fraction Ar / NiP"],
        [[f"{t:g}", str(v["double_wells"]), str(v["active_ar"]), str(v["active_nip"]),
          f"{v['active_ar'] / v['double_wells']:.2%} / {v['active_nip'] / v['double_wells']:.2%}"]
         for t, v in SEED_COUNTS.items()],
    )
    ours = []
    for t_f, r in summary["per_tf"].items():
        n = r["double_wells_unique"]
        if n:
            ours.append(f"T_f = {t_f}: " + ", ".join(
                f"{lab} {r['active'][lab] / n:.1%}" for lab in labels))
    if ours:
        lines += ["", "Our active fractions of unique DWs: " + "; ".join(ours) + "."]
    return lines


def _figures(summary: dict[str, Any]) -> list[str]:
    out: list[str] = []
    f4 = summary.get("fig4")
    if f4:
        pairs = ", ".join(
            f"N_b={m}: c4={c:.3f} (best mode {b}, c={cm:.3f}{'' if ok else ', not converged'})"
            for m, c, b, cm, ok in zip(f4["n_images"], f4["c_mode4"], f4["best_mode"],
                                       f4["c_max"], f4["converged"], strict=True))
        c4 = f4["c_mode4"]
        grows = len(c4) > 1 and all(b >= a for a, b in zip(c4[:-1], c4[1:], strict=True))
        if c4[-1] > 0.8:
            verdict = "As in the paper, r_tan becomes parallel to mode 4."
        else:
            verdict = (
                f"Unlike the paper's example, the path leaves A mainly along mode "
                f"{f4['best_mode'][-1]}; the overlap with mode 4 "
                + ("grows monotonically with N_b but stays small. " if grows else
                   "does not grow monotonically. ")
                + "A steepest-descent path enters a minimum along the softest mode only "
                "asymptotically (the other components decay as powers lambda_k/lambda_4 of "
                "the distance), so a chord of length xi_B/(N_b - 1) sees mode 4 only when "
                "the path arrives nearly along it; the paper shows one selected TLS."
            )
        out += [
            "**Fig 4 (tangent vs QLM).** Seed: for one active TLS the overlap of r_tan with "
            "mode 4 (the softest, a QLM) grows towards 1 as N_b goes from 40 to 600 while all "
            f"others shrink. Ours ({f4['source']}, the double well with the smallest splitting; "
            f"mode 4 is {'a' if f4['mode4_is_qlm'] else 'not a'} QLM): {pairs}. {verdict}",
            "",
        ]
    f5 = summary.get("fig5")
    if f5:
        m = f5["median_c_max"]
        out += [
            "**Fig 5 (max overlaps).** Seed: max_alpha c_alpha(r_tan) > 0.4 in every case and "
            "mostly close to 1; much smaller for r_AS and r_AB. Ours ({n} DWs, {crit}, N_b = "
            "{nb}): median c_max = {t} (r_tan), {a} (r_AS), {b} (r_AB); fraction above 0.4: {f}."
            .format(n=f5["n"], crit=f5["criterion"], nb=f5["n_images"], t=_f(m["tan"]),
                    a=_f(m["as"]), b=_f(m["ab"]), f=_f(f5["fraction_c_max_tan_above_0.4"])),
            "",
        ]
    f6 = summary.get("fig6")
    if f6:
        rho = f6["spearman_splitting_vs_omega_tan"]
        verdict = ("anticorrelated, as in the paper" if rho is not None and rho < 0 else
                   "not anticorrelated, unlike the paper")
        out += [
            f"**Fig 6 (E_t vs omega_tan).** Spearman rank correlation over {f6['n']} DWs "
            f"({f6['unit']} units): {_f(rho)}: {verdict}. E_1 - E_0 is a tunnel splitting only "
            "for nearly symmetric wells with the barrier above the zero-point energy: here "
            f"{f6['asymmetry_above_hbar_omega']} DWs have an asymmetry above hbar~ omega_A (E_t "
            f"is then about the level spacing hbar~ omega, which grows with omega), "
            f"{f6['barrier_below_zero_point']} more have the barrier from A below hbar~ "
            f"omega_A / 2, and {f6['tunnelling_regime']} are in the tunnelling regime; the "
            "paper's anticorrelation comes from its many near-symmetric TLS.",
            "",
        ]
    f7 = summary.get("fig7")
    if f7:
        out += [
            "**Fig 7 (non-linear vs linear).** Seed: non-linear modes started from r_AB overlap "
            "with r_AB much better than the best linear mode, yet often weakly. Ours ({n} DWs): "
            "the non-linear c exceeds the best linear c in {fc} of them (a: {fa}); median c "
            "{cn} vs {cl}, median a {an} vs {al}. {verdict}"
            .format(verdict=(
                "As in the paper, the non-linear mode is usually the better one."
                if (f7["fraction_nonlinear_c_above_best_linear"] or 0) > 0.5 else
                "Unlike the paper, the non-linear mode is not usually the better one: from "
                "r_AB the iteration often converges to a non-linear mode centred on another "
                "soft spot of the small sample (Fig 3 shows one case); the paper notes that the "
                "iteration need not reach the non-linear mode closest to its start."),
                n=f7["n"], fc=_percent(f7["fraction_nonlinear_c_above_best_linear"]),
                    fa=_percent(f7["fraction_nonlinear_a_above_best_linear"]),
                    cn=_f(f7["median_c"]["nonlinear"]), cl=_f(f7["median_c"]["best_linear"]),
                    an=_f(f7["median_a"]["nonlinear"]), al=_f(f7["median_a"]["best_linear"])),
            f"Converged fraction of non-linear modes: {_f(f7['nonlinear_converged_fraction'])}.",
            "",
        ]
    f8 = summary.get("fig8")
    if f8:
        m = f8["median_c"]
        out += [
            "**Fig 8 (softest QLM).** Seed: the softest QLM and the non-linear mode started from "
            f"it are both poor predictors of r_AB. Ours: median c = {_f(m['softest_qlm'])} "
            f"(softest QLM), {_f(m['nonlinear_from_qlm'])} (its non-linear mode), against "
            f"{_f(m['nonlinear_from_r_ab'])} for the non-linear mode from r_AB; a QLM "
            f"(PR < 0.1) exists at minimum A in {_percent(f8['fraction_with_a_qlm'])} of the DWs "
            "(otherwise the softest mode is used).",
            "",
        ]
    nl = summary.get("nonlinear_line_double_well")
    if nl:
        out += [
            "**Double well along non-linear modes.** Seed: about 95 % of the non-linear modes "
            "show no double well along the straight line R_A + s pi. Ours: a double well is "
            f"found along {_f(nl['from_r_ab'])} of the modes from r_AB and {_f(nl['from_qlm'])} "
            "of those from the softest QLM.",
            "",
        ]
    return out


def _tls_section(summary: dict[str, Any]) -> list[str]:
    """Orientation, walls and the distributions of splittings and asymmetries."""
    out = ["## Tunnelling systems: orientation, walls, distributions", ""]
    ori = summary.get("orientation", {})
    rule = ori.get("rule", "lower")
    if rule == "random":
        out.append("Each pair's minimum A is chosen by a coin flip from the pair task's seed "
                   "(recorded as `pair_flipped`, with `a_is_lower` in the library): the paper "
                   "treats A as arbitrary, and the earlier rule 'A = the lower minimum' biases "
                   "every quantity measured at A (modes, overlaps with r_tan, omega_tan).")
    else:
        out.append("Orientation rule 'lower': A is always the lower minimum (biased; see "
                   "`neb.orientation`).")
    lo, hi = ori.get("a_lower"), ori.get("a_higher")
    if lo and hi:
        rows = []
        for name, st in (("A lower", lo), ("A higher", hi)):
            m = st["median_c_max"]
            rows.append([name, str(st["n"]), _f(m["tan"]), _f(m["as"]), _f(m["ab"]),
                         _f(st["fraction_c_max_tan_above_0.4"]), _f(st["median_omega_a"]),
                         _f(st["median_pr_mode_tan"])])
        out += ["", "Overlap statistics at A by orientation (unique double wells; the "
                "difference is the effect of always choosing the lower minimum; small samples "
                "at smoke scale):", ""]
        out += _table(["A is", "DWs", "median c_max(r_tan)", "median c_max(r_AS)",
                       "median c_max(r_AB)", "fraction c_max(r_tan) > 0.4", "median omega_A",
                       "median PR of the r_tan mode"], rows)
    walls = summary.get("walls", {})
    if summary.get("walls_mode") == "harmonic":
        out += ["", "Walls beyond the path ends: harmonic with the Hessian frequencies "
                "(`tunnel.walls = \"harmonic\"`), which underestimate E_t (by 18 % for "
                "(x^2 - 1)^2 at hbar~ = 0.3); the default samples the landscape instead."]
    elif walls:
        how = {"landscape": "the landscape sampled along the straight continuation of the "
               "end tangents", "relaxed": "the valley beyond the ends (V minimised on the planes "
               "perpendicular to the end tangents)"}.get(summary.get("walls_mode", ""), "")
        out += ["", f"Walls beyond the path ends: E_t uses {how} "
                "(pelkit.landscape.path_extension); harmonic walls with the Hessian "
                "frequencies would change it by (median, largest magnitude): " + "; ".join(
                    f"{lab} {_f(w['median'])}, {_f(w['max_abs'])}"
                    + (f" ({w['clipped']} continuations clipped where V turned down)"
                       if w["clipped"] else "")
                    for lab, w in walls.items()) + "."]
    dist = summary.get("distributions", {})
    if dist:
        parts = [f"{k.replace('log10_', 'log10 ')}: {', '.join(_f(x) for x in v)}"
                 for k, v in dist.items() if v is not None]
        out += ["", "Distributions (quartiles 25/50/75 % of unique double wells; histograms "
                "in `figures/tls_distributions.png`, Khomenko, Reichman and Zamponi's headline "
                "plots): "
                + "; ".join(parts) + "."]
    out.append("")
    return out


def write_report(folder: RunFolder, library: Library, summary: dict[str, Any],
                 cfg: TLSQLMConfig) -> None:
    """Write report.md (see the module docstring)."""
    lines = [
        "# tls-qlm: two-level systems and quasi-localized modes (Khomenko, Reichman and Zamponi "
        "2021)",
        "",
        f"Preset `{cfg.preset}`: N = {cfg.n_particles}, T_f = "
        f"{', '.join(f'{t:g}' for t in cfg.t_f)}, {cfg.glasses_per_tf} glass(es) per T_f, "
        f"preparation by {cfg.preparation.method}, exploration MD at T = "
        f"{cfg.exploration.temperature:g} with {cfg.exploration.n_quenches} quenches every "
        f"{cfg.exploration.quench_every} steps (f_max = {cfg.exploration.fmax:g}), CI-NEB with "
        f"N_b = {cfg.neb.n_images} images (k = {cfg.neb.spring_constant:g}, f_max = "
        f"{cfg.neb.fmax:g}), campaign seed {cfg.seed}.",
        "",
        "Khomenko, Reichman and Zamponi (2021) uses N = 1500, T_f = 0.062, 0.07, 0.092 and N_b = "
        "40 (600 for its convergence "
        "study); its library comes from the much longer explorations of its ref 30.",
        "",
        "## Unit systems",
        "",
    ]
    lines += [
        "One convention for every unit system: a material mapping (epsilon, sigma, m) gives "
        "hbar~ = hbar / (sigma sqrt(m epsilon)), and a TLS is active when E_t <= k_B T_Q / "
        "epsilon, T_Q the low-temperature scale (1 K unless set). All of epsilon, sigma, m and "
        "T_Q (or the threshold) are settable in `[[tunnel.units]]` of the configuration.",
        "",
    ]
    for u in summary["units"]:
        seed_thr = u.get("seed_threshold")
        lines.append(
            f"- `{u['label']}` ({u['name']}): hbar~ = {u['hbar_tilde']:.4g}, active if E_t <= "
            f"{_f(u['threshold'], '.4g')} epsilon"
            + (f" (T_Q = {u['t_q_kelvin']:g} K)" if u.get("t_q_kelvin") else "")
            + (f"; the paper's threshold for this material, {seed_thr:g} epsilon, is counted "
               "separately" if seed_thr is not None else "")
            + f". {u['note']}.")
    lines += [
        "",
        "Comparability with the paper's active-TLS counts: the paper quotes its thresholds "
        "(0.0015 epsilon Argon, 0.0002 epsilon NiP) but not the mappings (epsilon, sigma, m) "
        "behind them. Counts at T_Q = 1 K in our argon mapping (threshold 0.0083 epsilon) are "
        "not comparable with the paper's Argon column; the columns 'active at paper threshold' "
        "use the paper's numbers and compare in threshold, but every splitting depends on the "
        "assumed hbar~ roughly as exp(-const/hbar~), so no active count is comparable beyond "
        "that assumption. Barriers, asymmetries, overlaps and double-well counts do not depend "
        "on units and compare directly.",
        "",
        "## Glasses",
        "",
        *_glasses(library),
        "",
        "A glass is called equilibrated only if its production run shows no energy drift, a "
        "stable swap acceptance and F_s(k, t) decayed below the threshold at half the run "
        "(pelkit.dynamics.equilibration); otherwise the verdict above says why not.",
        "",
        "## Double-well library",
        "",
        *_counts(summary, cfg),
        "",
        "Why the counts differ from the paper's: our systems are smaller (DWs per glass scale "
        "with N), our explorations are short (the number of distinct minima, hence of pairs, "
        "grows with the exploration time), we connect only the best-ranked pairs of each glass, "
        "and the laptop preset uses higher T_f (poorly annealed glasses have many more DWs, as "
        "the paper finds from T_f = 0.062 to 0.092). The fraction of active TLS also depends on "
        "the hbar~ of each unit system (an assumption here, see above).",
        "",
        *_tls_section(summary),
        "## Figures against the paper",
        "",
        *_figures(summary),
        "Figures: " + ", ".join(f"`{p}`" for p in summary.get("figures", [])) + ".",
        "",
        "## Timings",
        "",
        f"Glass tasks {summary['timings']['glass_tasks_s']:.1f} s, pair tasks "
        f"{summary['timings']['pair_tasks_s']:.1f} s, scan {summary['timings']['scan_task_s']:.1f}"
        " s (summed task wall times; see provenance.json for the campaign wall time).",
        *_timing_parts(summary["timings"]),
    ]
    folder.write_report("\n".join(lines))


def _timing_parts(timings: dict[str, float]) -> list[str]:
    """One line of summed CPU times and sub-phase wall times, when the task files have them."""
    labels = (("glasses_cpu_s", "glass tasks CPU"), ("glasses_prep_wall_s", "preparation wall"),
              ("glasses_explore_wall_s", "exploration wall"), ("pairs_cpu_s", "pair tasks CPU"),
              ("pairs_neb_wall_s", "pair NEB wall"), ("pairs_neb_cpu_s", "pair NEB CPU"),
              ("scan_cpu_s", "scan CPU"), ("scan_neb_cpu_s", "scan NEB CPU"))
    parts = [f"{text} {timings[key]:.1f} s" for key, text in labels if key in timings]
    return ["", "Summed over tasks: " + ", ".join(parts) + "."] if parts else []
