"""The INM figures of the KA landscape study: f_u and f_dw against T, D against f_u, and s_c
against ln f_u (Keyes' random-energy-model relations, docs/physics/theory.md, on the KA
local-diffusivity data; docs/physics/ka-landscape.md). Shared plotting helpers are in
:mod:`pelkit.studies.ka_landscape.plot_common`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

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

__all__ = ["plot_D_vs_fu", "plot_fu_vs_T", "plot_sconf_vs_lnfu"]




def plot_fu_vs_T(summary: SummaryLike, path: Path) -> Path:
    """f_u and f_dw (mean over replicas +- standard error) against T."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    T = np.array(summary.temperatures, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for y, y_err, fmt, lab in (
            (summary.f_u, summary.f_u_err, "o-", r"$f_u$ (all unstable modes)"),
            (summary.f_dw, summary.f_dw_err, "s--", r"$f_{dw}$ (double-well modes)")):
        ax.errorbar(T, _arr(y), yerr=np.nan_to_num(_arr(y_err)), fmt=fmt, ms=4,
                    capsize=2, label=lab)
    if not np.any(np.isfinite(_arr(summary.f_u))):
        _note(ax, "no INM snapshots")
    ax.set_xlabel("T")
    ax.set_ylabel("fraction of the 3N-3 modes")
    ax.set_title("INM: unstable and double-well fractions", fontsize=10)
    _legend(ax, fontsize=8, frameon=False)
    return _save(fig, path)


def plot_D_vs_fu(summary: SummaryLike, per_T: list[dict[str, Any]], path: Path) -> Path:
    """D against f_u: per T (direct D) and per replica (D_i), log-log, with the Keyes (c. 2000)
    fits."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    temps = [float(d["T"]) for d in per_T]
    cols = _colors(temps)
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    plotted = 0
    for d, c in zip(per_T, cols, strict=True):
        ok = d["D_valid_i"] & np.isfinite(d["f_u_i"]) & (d["f_u_i"] > 0) & (d["D_i"] > 0)
        plotted += int(np.count_nonzero(ok))
        ax.plot(d["f_u_i"][ok], d["D_i"][ok], "o", ms=3.5, color=c, alpha=0.6,
                label=f"T = {d['T']:g} (replicas)")
    fu = _arr(summary.f_u)
    D = _arr(summary.D_direct)
    ok = np.isfinite(fu) & (fu > 0) & np.isfinite(D) & (D > 0)
    ax.plot(fu[ok], D[ok], "k*", ms=11, label="per T: direct D vs mean $f_u$")
    rels = _or(summary.inm_relations, {})
    rel = rels.get("D_vs_f_u_T", {})
    if rel.get("available") and np.any(ok):
        x = np.geomspace(fu[ok].min() * 0.8, fu[ok].max() * 1.2, 50)
        ax.plot(x, _val(rel["k"]) * x, "k:", lw=1,
                label=rf"$D=k f_u$ (Keyes c. 2000), $k$={_val(rel['k']):.3g}")
        if "ln_prefactor" in rel:
            ax.plot(x, np.exp(_val(rel["ln_prefactor"])) * x ** _val(rel["exponent"]), "k-",
                    lw=1, label=rf"$D\propto f_u^{{p}}$, $p$={_val(rel['exponent']):.2f}")
    fdw = _arr(summary.f_dw)
    okd = np.isfinite(fdw) & (fdw > 0) & np.isfinite(D) & (D > 0)
    if np.any(okd):
        ax.plot(fdw[okd], D[okd], "s", color="0.3", mfc="none", ms=7,
                label="per T: direct D vs mean $f_{dw}$")
        reld = rels.get("D_vs_f_dw_T", {})
        if reld.get("available") and "ln_prefactor" in reld:
            x = np.geomspace(fdw[okd].min() * 0.8, fdw[okd].max() * 1.2, 50)
            ax.plot(x, np.exp(_val(reld["ln_prefactor"])) * x ** _val(reld["exponent"]), "--",
                    color="0.3", lw=1,
                    label=rf"$D\propto f_{{dw}}^{{p}}$, $p$={_val(reld['exponent']):.2f}")
    if not np.any(ok):
        _note(ax, "no f_u > 0")
    if plotted or np.any(ok) or np.any(okd):  # log axes need positive data (none without INM)
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(r"$f_u$ (filled), $f_{dw}$ (open squares)")
    ax.set_ylabel(r"$D$ ($\sigma^2/\tau$)")
    ax.set_title(r"Keyes (c. 2000): $D\propto f_u$ ?", fontsize=10)
    _legend(ax, fontsize=7, frameon=False)
    return _save(fig, path)


def plot_sconf_vs_lnfu(summary: SummaryLike, per_T: list[dict[str, Any]], path: Path) -> Path:
    """s_c against ln f_u: s_c(<e_IS>(T)) per T and s_c,i = B/f_i per replica (Keyes c. 2000,
    eq 11)."""
    summary = KASummary.coerce(summary)
    plt = _pyplot()
    temps = [float(d["T"]) for d in per_T]
    cols = _colors(temps)
    _, B, _ = _model(summary)
    D_inf = float(summary.D_inf)
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    if np.isfinite(B):
        for d, c in zip(per_T, cols, strict=True):
            ok = d["D_valid_i"] & np.isfinite(d["f_u_i"]) & (d["f_u_i"] > 0)
            y = d["T"] * np.log(d["D_i"][ok] / D_inf)
            keep = y < 0
            ax.plot(np.log(d["f_u_i"][ok][keep]), B / (-y[keep]), "o", ms=3.5, color=c,
                    alpha=0.6, label=f"T = {d['T']:g}: $s_{{c,i}}=B/f_i$")
    fu = _arr(summary.f_u)
    sc = _arr(summary.s_c_mean)
    ok = np.isfinite(fu) & (fu > 0) & np.isfinite(sc)
    if np.any(ok):
        ax.plot(np.log(fu[ok]), sc[ok], "k*", ms=11,
                label=r"per T: $s_c(\langle e_{IS}\rangle(T))$")
        rel = _or(summary.inm_relations, {}).get("s_c_vs_ln_f_u_T", {})
        if rel.get("available"):
            x = np.linspace(np.log(fu[ok]).min() - 0.1, np.log(fu[ok]).max() + 0.1, 50)
            ax.plot(x, _val(rel["intercept"]) + _val(rel["slope"]) * x, "k-", lw=1,
                    label=rf"$s_c=a+b\ln f_u$, $b$={_val(rel['slope']):.3g}")
    else:
        _note(ax, "needs the collapse fit and f_u > 0")
    ax.set_xlabel(r"$\ln f_u$")
    ax.set_ylabel(r"$s_c$ (per particle)")
    ax.set_title(r"Keyes (c. 2000): $S_{conf}=a+b\ln f_u$ ?", fontsize=10)
    _legend(ax, fontsize=7, frameon=False)
    return _save(fig, path)
