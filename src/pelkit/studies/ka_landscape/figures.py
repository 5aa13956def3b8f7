"""Figures of the KA landscape study: Figs 1-5 of the KA local-diffusivity paper (the paper below)
and the INM plots of Keyes (c. 2000).

All figures are drawn from ``results.h5`` and ``summary.json`` written by
:func:`pelkit.studies.ka_landscape.analysis.analyze`, so they can be redrawn without re-analysis
(:func:`make_figures`). PNGs go to ``<run>/figures/``; matplotlib uses the Agg backend.

=====================================  ========================================================
file                                   content
=====================================  ========================================================
fig1_eis_distributions.png             P(e_IS, T) with Gaussian fits and P(<e_IS>_i, T) (the
                                       paper's Fig 1); <e_IS>(T) against 1/T, e0 - sigma_int^2/T;
                                       sigma^2 = N^2 var(e_IS) per T against the paper's 18 +- 2
fig2_trajectories.png                  MSD_i(t) and e_IS(t) of the most and least mobile replica
                                       at the lowest T, with the averaged MSD and t_MSD=1 (Fig 2)
fig2_msd_loglog.png                    replica-averaged MSD_A(t) of every T on log-log axes with
                                       the ballistic (3 T t^2), plateau and diffusive (6 D t)
                                       regimes marked
fig3_collapse.png                      D_i against <e_IS>_i per T; T ln(D_i/D_inf) against
                                       <e_IS>_i with the fit -1/(a0 - a1 (e - a2)^2) (Fig 3)
fig4_sconf.png                         s_c(e) = B / f(e) from the fit with s_c,i = B / f_i
                                       (Fig 4), the paper's s_c(e) for comparison
fig5_diffusion.png                     D(T) direct, eq 5 and semi-empirical (Fig 5a);
                                       <D><1/D> from data and from the model with its cut (5b)
inm_fu_vs_T.png                        f_u and f_dw against T (docs/physics/ka-landscape.md)
inm_D_vs_fu.png                        D against f_u per T and per replica (Keyes c. 2000: D ~ f_u)
inm_sconf_vs_lnfu.png                  s_c against ln f_u (Keyes c. 2000: S = a + b ln f_u)
=====================================  ========================================================

Energies per particle (epsilon), T in epsilon/k_B, times in tau, D in sigma^2/tau.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.analysis.relations import D_INF_KA_PUBLISHED
from pelkit.errors import InputError
from pelkit.studies.ka_landscape.figures_inm import plot_D_vs_fu, plot_fu_vs_T, plot_sconf_vs_lnfu
from pelkit.studies.ka_landscape.plot_common import (
    _arr,
    _colors,
    _legend,
    _model,
    _note,
    _or,
    _pyplot,
    _save,
    _val,
)
from pelkit.studies.ka_landscape.summary import KASummary, SummaryLike

__all__ = [
    "FIGURES",
    "load_results",
    "make_figures",
    "plot_eis_distributions",
    "plot_trajectories",
    "plot_msd_loglog",
    "msd_plateau",
    "plot_collapse",
    "plot_sconf",
    "plot_diffusion",
    "plot_fu_vs_T",
    "plot_D_vs_fu",
    "plot_sconf_vs_lnfu",
]

FIGURES = (
    "fig1_eis_distributions.png",
    "fig2_trajectories.png",
    "fig2_msd_loglog.png",
    "fig3_collapse.png",
    "fig4_sconf.png",
    "fig5_diffusion.png",
    "inm_fu_vs_T.png",
    "inm_D_vs_fu.png",
    "inm_sconf_vs_lnfu.png",
)

SEED_SIGMA2, SEED_SIGMA2_ERR, SEED_N = 18.0, 2.0, 155
SEED_ALPHA, SEED_E0 = 0.78, -1140.0


def load_results(run_dir: Path) -> tuple[KASummary, list[dict[str, Any]], dict[str, Any]]:
    """(summary, per-T dicts of arrays in temperature order, fit arrays) of an analysed run."""
    import h5py

    run_dir = Path(run_dir)
    path = run_dir / "results.h5"
    if not path.is_file() or not (run_dir / "summary.json").is_file():
        raise InputError(f"{run_dir} has no results.h5/summary.json; run the analysis first")
    summary = KASummary.read(run_dir)
    per_T = []
    with h5py.File(path, "r") as h5:
        groups = h5["temperatures"]
        for name in sorted(groups, key=lambda n: float(n[1:])):
            g = groups[name]
            d = {k: np.asarray(g[k][()]) for k in g}
            d.update({k: g.attrs[k] for k in g.attrs})
            per_T.append(d)
        fit = {k: np.asarray(h5["fit"][k][()]) for k in h5["fit"]}
        fit.update({k: h5["fit"].attrs[k] for k in h5["fit"].attrs})
    return summary, per_T, fit


def _fit_a(summary: KASummary) -> np.ndarray | None:
    fit = _or(summary.fit, {})
    a = np.array([_val(fit.get(k)) for k in ("a0", "a1", "a2")])
    return a if np.all(np.isfinite(a)) else None


def _f(e: np.ndarray, a: np.ndarray) -> np.ndarray:
    g = a[0] - a[1] * (e - a[2]) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(g > 0, 1.0 / g, np.nan)


#: A model <D><1/D> above this is reported as diverging (its <1/D> is dominated by the
#: deepest basins allowed by the cut-off), not plotted or printed as a number.
DINVD_DIVERGES = 1e6


def _finite_part(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values with diverging entries set to NaN, mask of the diverging entries)."""
    div = ~np.isfinite(values) & ~np.isnan(values) | (np.abs(values) > DINVD_DIVERGES)
    return np.where(div, np.nan, values), div


# --------------------------------------------------------------------------------------------
# the KA local-diffusivity paper's figures


def plot_eis_distributions(summary: SummaryLike, per_T: list[dict[str, Any]],
                           path: Path) -> Path:
    """The KA local-diffusivity paper, Fig 1 plus the Gaussian-landscape checks (see the module
    table)."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    temps = [float(d["T"]) for d in per_T]
    cols = _colors(temps)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    ax = axes[0]
    peaks = []
    for d, c in zip(per_T, cols, strict=True):
        dens, edges = d["eis_hist_density"], d["eis_hist_edges"]
        if dens.size:
            centres = 0.5 * (edges[1:] + edges[:-1])
            ax.plot(centres, dens, "o", ms=3.5, color=c, label=f"T = {d['T']:g}")
            m, v = float(d["mean_eis"]), float(d["var_eis"])
            if np.isfinite(m) and v > 0:
                e = np.linspace(m - 4 * np.sqrt(v), m + 4 * np.sqrt(v), 200)
                ax.plot(e, np.exp(-0.5 * (e - m) ** 2 / v) / np.sqrt(2 * np.pi * v), "-",
                        color=c, lw=1.2)
                peaks.append(1.0 / np.sqrt(2 * np.pi * v))
        ei = d["mean_eis_i"][np.isfinite(d["mean_eis_i"])]
        if ei.size >= 20:
            h, ed = np.histogram(ei, bins=max(5, min(25, ei.size // 8)), density=True)
            ax.plot(0.5 * (ed[1:] + ed[:-1]), h, "s", ms=3.5, mfc="none", color=c)
            vi = float(ei.var(ddof=1))
            e = np.linspace(ei.mean() - 4 * np.sqrt(vi), ei.mean() + 4 * np.sqrt(vi), 200)
            ax.plot(e, np.exp(-0.5 * (e - ei.mean()) ** 2 / vi) / np.sqrt(2 * np.pi * vi), "--",
                    color=c, lw=0.9)
        elif ei.size:
            ymax = float(np.nanmax(dens)) if dens.size else 1.0
            ax.plot(ei, np.full(ei.size, -0.04 * ymax), "|", ms=9, mew=1.5, color=c)
    if peaks:
        top = 1.6 * max(peaks)
        ax.set_ylim(-0.08 * top, top)
    ax.plot([], [], "ko", ms=3.5, label=r"$P(e_{IS},T)$, all quenches")
    ax.plot([], [], "k-", lw=1.2, label="Gaussian fit")
    ax.plot([], [], "ks", ms=3.5, mfc="none", label=r"$P(\langle e_{IS}\rangle_i,T)$ (ticks: "
            "few replicas)")
    ax.plot([], [], "k--", lw=0.9, label="Gaussian, same variance")
    ax.set_xlabel(r"$e_{IS}$ (per particle)")
    ax.set_ylabel(r"$P(e_{IS},T)$")
    ax.set_title(r"(a) distributions of $e_{IS}$ and of $\langle e_{IS}\rangle_i$", fontsize=10)
    _legend(ax, fontsize=7.5, frameon=False, ncol=2)

    ax = axes[1]
    T = np.array(temps)
    m = np.array([float(d["mean_eis"]) for d in per_T])
    me = np.array([float(d["mean_eis_err"]) for d in per_T])
    land = np.array(_or(summary.landscape_temperatures, []))
    in_land = np.isin(np.round(T, 6), np.round(land, 6))
    ax.errorbar(1 / T[in_land], m[in_land], yerr=me[in_land], fmt="o", color="C3",
                label=r"$T\leq T_{\rm max}$ (fitted)")
    ax.errorbar(1 / T[~in_land], m[~in_land], yerr=me[~in_land], fmt="o", mfc="none",
                color="0.4", label="higher T")
    mf = _or(summary.mean_eis_fit, {})
    if mf.get("available"):
        e0, s2i = _val(mf["e0"]), _val(mf["sigma2_int"])
        x = np.linspace(0, 1 / T.min() * 1.05, 100)
        ax.plot(x, e0 - s2i * x, "k-", lw=1,
                label=rf"$e_0-\sigma_{{int}}^2/T$: $e_0$={e0:.3f}, $N\sigma_{{int}}^2$="
                      rf"{_val(mf['sigma2_total']):.1f}")
    s2i_seed = SEED_SIGMA2 / SEED_N
    x = np.linspace(0, 1 / T.min() * 1.05, 100)
    ax.plot(x, SEED_E0 / SEED_N - s2i_seed * x, ":", color="0.5", lw=1,
            label="paper's landscape")
    ax.set_xlim(left=max(0.0, 0.9 / T.max() - 0.1))
    lo = np.nanmin(m - 3 * np.nan_to_num(me)) if np.any(np.isfinite(m)) else -7.7
    hi = np.nanmax(m + 3 * np.nan_to_num(me)) if np.any(np.isfinite(m)) else -7.3
    pad = 0.15 * (hi - lo + 1e-3)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel(r"$1/T$")
    ax.set_ylabel(r"$\langle e_{IS}\rangle(T)$")
    ax.set_title("(b) mean IS energy against 1/T", fontsize=10)
    _legend(ax, fontsize=7.5, frameon=False)

    ax = axes[2]
    s2 = _arr(summary.sigma2_total_per_T)
    s2e = _arr(summary.sigma2_total_per_T_err)
    ax.errorbar(T, s2, yerr=np.nan_to_num(s2e), fmt="o", color="C0", label=r"$N^2$ var$(e_{IS})$")
    comb = summary.sigma2_total
    if _val(comb) == _val(comb):
        v, e = _val(comb), float(comb.get("error") or 0.0)
        ax.axhspan(v - e, v + e, color="C0", alpha=0.15, lw=0)
        ax.axhline(v, color="C0", lw=1, label=rf"combined ($T\leq T_{{max}}$): {v:.1f}$\pm${e:.1f}")
    ax.axhspan(SEED_SIGMA2 - SEED_SIGMA2_ERR, SEED_SIGMA2 + SEED_SIGMA2_ERR, color="0.6",
               alpha=0.25, lw=0)
    ax.axhline(SEED_SIGMA2, color="0.3", ls=":", label=r"paper: $18\pm2$")
    ax.set_xlabel("T")
    ax.set_ylabel(r"$\sigma^2$ (total energy$^2$)")
    ax.set_title(r"(c) width of $P(e_{IS},T)$, $N$ = " + f"{summary.n_particles}", fontsize=10)
    _legend(ax, fontsize=8, frameon=False)
    return _save(fig, path)


def plot_trajectories(summary: SummaryLike, per_T: list[dict[str, Any]], path: Path) -> Path:
    """The KA local-diffusivity paper, Fig 2: MSD and e_IS(t) of the most and least mobile replica
    at the lowest T."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    d = per_T[0]
    fig, axes = plt.subplots(2, 1, figsize=(6.5, 6.5), sharex=True)
    D = np.where(d["D_valid_i"], d["D_i"], np.nan)
    picks: list[tuple[int, str, str]] = []
    if np.any(np.isfinite(D)):
        hi, lo = int(np.nanargmax(D)), int(np.nanargmin(D))
        picks = [(hi, "C3", "most mobile")] + ([(lo, "C0", "least mobile")] if lo != hi else [])
    t1 = float(d["t_msd1"])
    ax = axes[0]
    labels = {}
    for k, c, what in picks:
        lab = f"{what}: replica {int(d['replicas'][k])}, $D_i$ = {D[k]:.2e}"
        labels[k] = (lab, c)
        ax.plot(d["msd_i_lag_times"], d["msd_i"][k], "-", color=c, lw=1.4, label=lab)
    lagm, msdm = d["msd_mean_lag_times"], d["msd_mean"]
    tmax = float(d["msd_i_lag_times"][-1]) if d["msd_i_lag_times"].size else float(lagm[-1])
    keep = lagm <= tmax * 1.0001
    ax.plot(lagm[keep], msdm[keep], "k--", lw=1.2, label="average over replicas")
    if np.isfinite(t1):
        ax.axvline(t1, color="0.5", lw=0.8)
        ax.axhline(1.0, color="0.5", lw=0.8)
        ax.annotate(r"$t_{MSD=1}$" + f" = {t1:.3g}", (t1, 1.0),
                    xytext=(5, -14), textcoords="offset points", fontsize=8)
    ax.set_ylabel(r"MSD$_A$ ($\sigma^2$)")
    ax.set_title(f"(a) T = {float(d['T']):g}: origins in [0, $t_{{MSD=1}}$]", fontsize=10)
    _legend(ax, fontsize=8, frameon=False)
    ax = axes[1]
    for k, (lab, c) in labels.items():
        ax.plot(d["eis_times"], d["eis_series"][k], "-", color=c, lw=0.9, label=lab)
        m = float(d["mean_eis_i"][k])
        ax.hlines(m, 0, d["t_ref"], colors=c, linestyles=":", lw=1.2)
    if np.isfinite(t1):
        ax.axvline(t1, color="0.5", lw=0.8)
    ax.set_xlabel(r"$t$ ($\tau$)")
    ax.set_ylabel(r"$e_{IS}(t)$")
    ax.set_title(r"(b) IS energies (dotted: $\langle e_{IS}\rangle_i$ over [0, $t_{MSD=1}$])",
                 fontsize=10)
    return _save(fig, path)


def msd_plateau(t: np.ndarray, msd: np.ndarray, temperature: float) -> tuple[float, float]:
    """The cage plateau of an MSD curve: (t, MSD) where the local log-log slope
    d ln MSD / d ln t is smallest after the ballistic regime (MSD > 3 T t^2 / 10, the ballistic
    law MSD = 3 T t^2 for unit mass no longer holding). (nan, nan) without such points."""
    t = np.asarray(t, dtype=np.float64)
    msd = np.asarray(msd, dtype=np.float64)
    ok = (t > 0) & (msd > 0) & np.isfinite(msd)
    t, msd = t[ok], msd[ok]
    if t.size < 5:
        return math.nan, math.nan
    slope = np.gradient(np.log(msd), np.log(t))
    after = msd < 0.1 * 3.0 * temperature * t**2  # well below the ballistic line
    idx = np.flatnonzero(after[1:-1]) + 1
    if idx.size == 0:
        return math.nan, math.nan
    k = idx[np.argmin(slope[idx])]
    return float(t[k]), float(msd[k])


def plot_msd_loglog(summary: SummaryLike, per_T: list[dict[str, Any]], path: Path) -> Path:
    """MSD_A(t) of every T on log-log axes (averaged over replicas), the regimes marked:
    ballistic MSD = 3 T t^2 (unit mass), the cage plateau of the lowest T (:func:`msd_plateau`),
    and the diffusive MSD = 6 D t with the direct D of each T (dotted)."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    temps = [float(d["T"]) for d in per_T]
    cols = _colors(temps)
    D = _arr(_or(summary.D_direct, []))
    t_lo, t_hi = math.inf, 0.0
    for k, (d, c) in enumerate(zip(per_T, cols, strict=True)):
        t = np.asarray(d["msd_mean_lag_times"], dtype=np.float64)
        m = np.asarray(d["msd_mean"], dtype=np.float64)
        ok = (t > 0) & (m > 0) & np.isfinite(m)
        if not ok.any():
            continue
        t, m = t[ok], m[ok]
        ax.loglog(t, m, "-", color=c, lw=1.3, label=f"T = {d['T']:g}")
        t_lo, t_hi = min(t_lo, t[0]), max(t_hi, t[-1])
        if k < D.size and np.isfinite(D[k]) and D[k] > 0:
            late = t[t >= t[-1] / 30]
            ax.loglog(late, 6 * D[k] * late, ":", color=c, lw=1.0)
    if t_hi > t_lo:
        T_min, T_max = min(temps), max(temps)
        tb = np.geomspace(t_lo, max(t_lo, min(t_hi, math.sqrt(0.3 / (3 * T_max)))), 30)
        ax.loglog(tb, 3 * T_max * tb**2, "--", color="0.35", lw=1.0,
                  label=rf"ballistic $3Tt^2$ (T = {T_max:g})")
        d_min = per_T[int(np.argmin(temps))]
        tp, mp = msd_plateau(d_min["msd_mean_lag_times"], d_min["msd_mean"], T_min)
        if math.isfinite(mp):
            ax.axhline(mp, color="0.5", ls="-.", lw=0.8,
                       label=rf"plateau (T = {T_min:g}): {mp:.3g} $\sigma^2$")
            ax.plot([tp], [mp], "o", color="0.2", ms=4)
        ax.plot([], [], ":", color="0.35", label=r"diffusive $6Dt$ (D direct)")
    else:
        _note(ax, "no MSD data")
    ax.set_xlabel(r"$t$ ($\tau$)")
    ax.set_ylabel(r"MSD$_A$ ($\sigma^2$)")
    ax.set_title("MSD: ballistic, plateau (cage) and diffusive regimes", fontsize=10)
    _legend(ax, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path)


def plot_collapse(summary: SummaryLike, per_T: list[dict[str, Any]], fit: dict[str, Any],
                  path: Path) -> Path:
    """The KA local-diffusivity paper, Fig 3: D_i against <e_IS>_i; the collapse T ln(D_i/D_inf)
    with the fit."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    temps = [float(d["T"]) for d in per_T]
    cols = _colors(temps)
    D_inf = float(summary.D_inf)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    used = set(np.round(_or(summary.fit, {}).get("temperatures", []), 6).tolist())
    e_all = []
    for d, c in zip(per_T, cols, strict=True):
        ok = d["D_valid_i"] & np.isfinite(d["mean_eis_i"])
        e, D = d["mean_eis_i"][ok], d["D_i"][ok]
        e_all.append(e)
        axes[0].semilogy(e, D, "o", ms=4, color=c, label=f"T = {d['T']:g}")
        y = d["T"] * np.log(D / D_inf)
        fitted = round(float(d["T"]), 6) in used
        axes[1].plot(e, y, "o", ms=4, color=c, mfc=c if fitted else "none",
                     label=f"T = {d['T']:g}" + ("" if fitted else " (not fitted)"))
    axes[0].set_xlabel(r"$\langle e_{IS}\rangle_i$")
    axes[0].set_ylabel(r"$D_i$ ($\sigma^2/\tau$)")
    axes[0].set_title(r"(a) local diffusivity against explored basin depth", fontsize=10)
    _legend(axes[0], fontsize=8, frameon=False, loc="best")
    ax = axes[1]
    ee = np.concatenate(e_all) if e_all else np.zeros(0)
    a = _fit_a(summary)
    if ee.size:
        span = np.ptp(ee) if ee.size > 1 else 0.02
        grid = np.linspace(ee.min() - 0.15 * span, ee.max() + 0.15 * span, 300)
        if a is not None:
            ax.plot(grid, -_f(grid, a), "k-", lw=1.5,
                    label=r"free fit $-1/(a_0-a_1(e-a_2)^2)$")
            boot = fit.get("boot_samples")
            if boot is not None and np.ndim(boot) == 2 and boot.shape[0] >= 10:
                curves = np.array([-_f(grid, b) for b in boot[:200]])
                lo, hi = np.nanpercentile(curves, [2.5, 97.5], axis=0)
                ax.fill_between(grid, lo, hi, color="k", alpha=0.12, lw=0, label="95% bootstrap")
        cons = _or(summary.fit_constrained, {})
        ca = np.array([_val(cons.get(k)) for k in ("a0", "a1", "a2")])
        if cons.get("available") and np.all(np.isfinite(ca)):
            ax.plot(grid, -_f(grid, ca), "--", color="C2", lw=1.5,
                    label=r"constrained: $f=B/s_c(e)$, $e_0,\sigma^2_{int}$ from "
                          r"$\langle e_{IS}\rangle(T)$")
        seed_a = np.array([summary.reference_values[k] for k in ("a0", "a1", "a2")])
        ax.plot(grid, -_f(grid, seed_a), ":", color="0.45", lw=1.3,
                label="paper's parameters")
    else:
        _note(ax, "no valid trajectory")
    ax.set_xlabel(r"$\langle e_{IS}\rangle_i$")
    ax.set_ylabel(r"$T\,\ln(D_i/D_\infty)$")
    ax.set_title(rf"(b) collapse, $D_\infty$ = {D_inf:.3g} ({_or(summary.D_inf_source, '')})",
                 fontsize=10)
    fitd = _or(summary.fit, {})
    if fitd.get("weakly_constrained"):
        import textwrap

        msg = "free fit weakly constrained: " + "; ".join(fitd.get("weak_reasons", []))
        ax.text(0.02, 0.02, textwrap.fill(msg, 75), transform=ax.transAxes, fontsize=7,
                color="C3", va="bottom")
    # outside the axes: the points and the curves stay visible
    _legend(ax, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path)


def plot_sconf(summary: SummaryLike, per_T: list[dict[str, Any]], path: Path,
               external: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    """The KA local-diffusivity paper, Fig 4: s_c(e) = B / f(e) from the fit, s_c,i = B/f_i, the
    paper's s_c(e).

    Args:
        external: optional (e, s_c) curve to overlay (e.g. from thermodynamic integration).
    """
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    temps = [float(d["T"]) for d in per_T]
    cols = _colors(temps)
    fitd = _or(summary.model, {})
    a, B, source = _model(summary)
    D_inf = float(summary.D_inf)
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    ee = []
    if a is not None and np.isfinite(B):
        for d, c in zip(per_T, cols, strict=True):
            ok = d["D_valid_i"] & np.isfinite(d["mean_eis_i"])
            y = d["T"] * np.log(d["D_i"][ok] / D_inf)
            with np.errstate(divide="ignore"):
                sc = B / (-y)
            keep = y < 0
            ax.plot(d["mean_eis_i"][ok][keep], sc[keep], "o", ms=4, color=c,
                    label=f"T = {d['T']:g}")
            ee.append(d["mean_eis_i"][ok])
        e = np.concatenate(ee)
        eK = _val(fitd.get("e_K"))
        lo = min(float(e.min()), eK if np.isfinite(eK) else float(e.min())) - 0.02
        grid = np.linspace(lo, float(e.max()) + 0.05, 300)
        sc_fit = B * (a[0] - a[1] * (grid - a[2]) ** 2)
        ax.plot(grid, sc_fit, "k-", lw=1.5,
                label=rf"{source}: $B$={B:.3g}, $\alpha$={_val(fitd.get('alpha')):.3g}")
        if np.isfinite(eK):
            ax.axvline(eK, color="k", lw=0.7, ls="--")
            ax.annotate(rf"$e_K$ = {eK:.3f}", (eK, 0), xytext=(5, -16),
                        textcoords="offset points", fontsize=8, ha="left")
    else:
        grid = np.linspace(-7.8, -7.4, 300)
        _note(ax, "no usable model f(e) (see the report)")
    s2i = SEED_SIGMA2 / SEED_N
    ax.plot(grid, SEED_ALPHA - (grid - SEED_E0 / SEED_N) ** 2 / (2 * s2i), ":", color="0.4",
            lw=1.3, label=r"paper: $\alpha$=0.78, $E_0$=-1140, $\sigma^2$=18")
    if external is not None:
        ax.plot(external[0], external[1], "--", color="C2", lw=1.3, label="external $s_c(e)$")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel(r"$e_{IS}$ (per particle)")
    ax.set_ylabel(r"$s_c$ (per particle)")
    ax.set_title(r"$s_c(e)=B/f(e)$ (per-particle eq 4) and $s_{c,i}=B/f_i$", fontsize=10)
    _legend(ax, fontsize=8, frameon=False)
    return _save(fig, path)


def plot_diffusion(summary: SummaryLike, path: Path) -> Path:
    """The KA local-diffusivity paper, Fig 5: (a) D(T) direct vs eq 5 vs semi-empirical; (b)
    <D><1/D> against T."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    T = np.array(summary.temperatures, dtype=np.float64)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    ax = axes[0]
    D = _arr(summary.D_direct)
    De = _arr(summary.D_direct_err)
    ax.errorbar(1 / T, D, yerr=np.nan_to_num(De), fmt="o", color="k", ms=5,
                label="direct (pooled MSD)")
    eq5 = _arr(summary.D_landscape)
    if np.any(np.isfinite(eq5)):
        lo, hi = _arr(summary.D_landscape_low), _arr(summary.D_landscape_high)
        ax.plot(1 / T, eq5, "s-", color="C3", ms=4,
                label=f"eq 5 (landscape sum; {_or(summary.model, {}).get('source', '')})")
        if np.any(np.isfinite(lo)):
            ax.fill_between(1 / T, lo, hi, color="C3", alpha=0.15, lw=0)
        ax.plot(1 / T, _arr(summary.D_semi_empirical), "^--", color="C0", ms=7, mfc="none",
                label=r"semi-empirical mean$_i\,D(\langle e_{IS}\rangle_i,T)$")
    arr = _or(summary.D_inf_arrhenius, {})
    if arr.get("available"):
        x = np.linspace(0, 1 / T.min(), 100)
        ax.plot(x, _val(arr["D_inf"]) * np.exp(-_val(arr["E_a"]) * x), ":", color="0.4",
                label=rf"Arrhenius, $T\geq${min(arr['temperatures']):g}: "
                      rf"$D_\infty$={_val(arr['D_inf']):.3g}")
    ax.axhline(D_INF_KA_PUBLISHED, color="0.6", lw=0.6, ls="--")
    ax.text(0.99, D_INF_KA_PUBLISHED * 1.12, r"paper's $D_\infty$ = 0.155", fontsize=7, color="0.4",
            ha="right", transform=ax.get_yaxis_transform())
    ax.set_yscale("log")
    ax.set_xlabel(r"$1/T$")
    ax.set_ylabel(r"$D$ ($\sigma^2/\tau$)")
    ax.set_title("(a) D(T): data against the landscape sum", fontsize=10)
    _legend(ax, fontsize=8, frameon=False)
    ax = axes[1]
    dd = _arr(summary.D_times_inv_D)
    dde = _arr(summary.D_times_inv_D_err)
    ax.errorbar(T, dd, yerr=np.nan_to_num(dde), fmt="o", color="k", label="data")
    k = _or(summary.cut_sigmas, 3.0)
    # a diverging model <1/D> (deep basins below the cut-off) is said, not plotted at 1e26
    mod, mod_div = _finite_part(_arr(summary.D_times_inv_D_model))
    alt, alt_div = _finite_part(_arr(summary.D_times_inv_D_model_alt))
    if np.any(np.isfinite(mod)) or mod_div.any():
        ax.plot(T, mod, "s-", color="C3", ms=4,
                label=rf"model, cut $\langle e\rangle-{k:g}\sigma_e$")
        ax.plot(T, alt, "s:", color="C3", ms=3, mfc="none",
                label=rf"model, cut $\langle e\rangle-{_or(summary.cut_sigmas_alt, k + 1):g}"
                      r"\sigma_e$")
    ax.axhline(1.0, color="0.6", lw=0.6)
    shown = np.concatenate([dd + np.nan_to_num(dde), mod, alt, [1.0]])
    top = np.nanmax(shown[np.isfinite(shown)])
    if top > 3.0:  # log scale only when the product spans a wide range
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(NullFormatter())
    if mod_div.any() or alt_div.any():
        which = mod_div | alt_div
        ax.plot(T[which], np.full(which.sum(), 0.97), "^", color="C3", ms=8, mfc="none",
                transform=ax.get_xaxis_transform(), clip_on=False,
                label=rf"model diverges ($>${DINVD_DIVERGES:.0e})")
    ax.set_xlabel("T")
    ax.set_ylabel(r"$\langle D\rangle\langle 1/D\rangle$")
    ax.set_title(r"(b) $\langle D\rangle\langle 1/D\rangle$ (model needs a cut-off)", fontsize=10)
    _legend(ax, fontsize=8, frameon=False)
    return _save(fig, path)


def make_figures(run_dir: Path,
                 external_sc: tuple[np.ndarray, np.ndarray] | None = None) -> list[Path]:
    """Draw every figure of the module table into ``<run_dir>/figures``; returns the paths."""
    run_dir = Path(run_dir)
    summary, per_T, fit = load_results(run_dir)
    out = run_dir / "figures"
    names = dict(zip(("f1", "f2", "f2b", "f3", "f4", "f5", "i1", "i2", "i3"), FIGURES,
                     strict=True))
    return [
        plot_eis_distributions(summary, per_T, out / names["f1"]),
        plot_trajectories(summary, per_T, out / names["f2"]),
        plot_msd_loglog(summary, per_T, out / names["f2b"]),
        plot_collapse(summary, per_T, fit, out / names["f3"]),
        plot_sconf(summary, per_T, out / names["f4"], external=external_sc),
        plot_diffusion(summary, out / names["f5"]),
        plot_fu_vs_T(summary, out / names["i1"]),
        plot_D_vs_fu(summary, per_T, out / names["i2"]),
        plot_sconf_vs_lnfu(summary, per_T, out / names["i3"]),
    ]
