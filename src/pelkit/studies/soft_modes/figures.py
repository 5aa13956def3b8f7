"""Figures of the soft-modes study, in the style of Buchenau, Philos. Mag. B 65, 303 (1992).

=============================  ===============================================================
file                           content
=============================  ===============================================================
fig5_vdos.png                  g(nu) of all modes (solid) and of the extended modes (dashed),
                               one colour per N, inset: the low-frequency tail (Fig 5)
fig6_participation.png         p = N_k/N against nu, one marker per N (Fig 6), with the paper's
                               p ~ 0.2 (N = 500) and ~ 0.1 (N = 1000); right: N_k of the lowest
                               modes against nu with the "~100 atoms" line
fig8_quartic_stability.png     beta eps_k against eta_k of the fitted softest modes with the
                               stability lines of eq 20 (Fig 8) for the configured beta eps_m
=============================  ===============================================================

nu = omega / 2 pi in 1/tau; matplotlib with the Agg backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pelkit.io.results import RunFolder
from pelkit.studies.soft_modes.analysis import (
    SEED_CLAIMS,
    SizeResult,
    implied_beta_eps_m,
    vdos,
)
from pelkit.studies.soft_modes.config import SoftModesConfig
from pelkit.theory.soft_potential import stability_curve

MARKERS = ("*", "o", "s", "^", "D", "v")


def _plt():  # noqa: ANN202 - matplotlib.pyplot
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_vdos(folder: RunFolder, sizes: Sequence[SizeResult], cfg: SoftModesConfig,
              edges: np.ndarray) -> str:
    plt = _plt()
    fig, (ax, inset) = plt.subplots(1, 2, figsize=(10.5, 4.0),
                                    gridspec_kw={"width_ratios": [1.6, 1.0]})
    centres = 0.5 * (edges[1:] + edges[:-1])
    cut = centres <= 0.3 * centres[-1]
    for i, s in enumerate(sizes):
        if not s.glasses.size:
            continue
        g_all = vdos(s.omega, edges)
        g_ext = vdos(s.omega, edges, (s.p >= cfg.extended_pr).astype(float))
        for a in (ax, inset):
            a.plot(centres, g_all, "-", color=f"C{i}", lw=1.4,
                   label=f"N = {s.n}: all modes" if a is ax else None)
            a.plot(centres, g_ext, "--", color=f"C{i}", lw=1.2,
                   label=f"N = {s.n}: extended (p ≥ {cfg.extended_pr:g})" if a is ax else None)
    inset.set_xlim(centres[0], centres[cut][-1] if cut.any() else centres[-1])
    top = max((vdos(s.omega, edges)[cut].max() for s in sizes if s.glasses.size), default=1.0)
    inset.set_ylim(0.0, 1.1 * top if top > 0 else 1.0)
    inset.set_title("low-frequency tail (Fig 5 inset)", fontsize=10)
    inset.set_xlabel(r"$\nu$ ($1/\tau$)")
    ax.set_xlabel(r"$\nu = \omega/2\pi$ ($1/\tau$)")
    ax.set_ylabel(r"$g(\nu)$")
    ax.set_title(f"Soft-sphere glass, n = {cfg.exponent:g}: vibrational density of states",
                 fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    path = folder.figure_path("fig5_vdos.png")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def plot_participation(folder: RunFolder, sizes: Sequence[SizeResult],
                       cfg: SoftModesConfig) -> str:
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.0, 4.0))
    for i, s in enumerate(sizes):
        if not s.glasses.size:
            continue
        nu = s.omega.ravel() / (2.0 * np.pi)
        ax.plot(nu, s.p.ravel(), MARKERS[i % len(MARKERS)], ms=3, alpha=0.5, color=f"C{i}",
                mfc="none" if MARKERS[i % len(MARKERS)] == "o" else f"C{i}", label=f"N = {s.n}")
        claim = SEED_CLAIMS["p_lowest"].get(s.n)
        if claim is not None:
            ax.axhline(claim, color=f"C{i}", ls=":", lw=1.0)
            ax.text(nu.max(), claim, f" seed: p≈{claim:g} (N={s.n})", fontsize=7,
                    color=f"C{i}", va="bottom", ha="right")
        ax2.plot(s.lowest_omega.ravel() / (2.0 * np.pi), s.lowest_nk.ravel(),
                 MARKERS[i % len(MARKERS)], color=f"C{i}", ms=5, alpha=0.7, label=f"N = {s.n}")
    ax.axhline(cfg.extended_pr, color="0.5", ls="--", lw=0.8)
    ax.set_xlabel(r"$\nu$ ($1/\tau$)")
    ax.set_ylabel(r"$p = N_k/N$")
    ax.set_ylim(0.0, 1.0)
    ax.set_title("Participation ratio against frequency (Fig 6)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax2.axhline(SEED_CLAIMS["lowest_modes_atoms"], color="k", ls=":", lw=1.0)
    ax2.text(ax2.get_xlim()[0], SEED_CLAIMS["lowest_modes_atoms"], " seed: ~100 atoms",
             fontsize=7, va="bottom")
    ax2.set_xlabel(r"$\nu$ ($1/\tau$)")
    ax2.set_ylabel(r"$N_k$ (atoms)")
    ax2.set_title(f"The {cfg.n_lowest} lowest modes of each glass", fontsize=10)
    ax2.legend(frameon=False, fontsize=8)
    path = folder.figure_path("fig6_participation.png")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def plot_quartic(folder: RunFolder, sizes: Sequence[SizeResult], cfg: SoftModesConfig,
                 omega_c: float) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.8, 4.3))
    etas = []
    for i, s in enumerate(sizes):
        if not s.quartic["c4"].size:
            continue
        q = implied_beta_eps_m(s.quartic["c2"], s.quartic["c4"], omega_c,
                               cfg.liquid_temperature)
        ax.plot(q["eta_k"], q["beta_eps_k"], MARKERS[i % len(MARKERS)], color=f"C{i}",
                ms=5, alpha=0.8, label=f"softest modes, N = {s.n}")
        etas.append(q["eta_k"][np.isfinite(q["eta_k"])])
    lo = min([-0.2] + [float(e.min()) - 0.02 for e in etas if e.size])
    hi = max([0.1] + [float(e.max()) + 0.02 for e in etas if e.size])
    for j, a in enumerate(cfg.beta_eps_m):
        curve = stability_curve(a)
        br = curve.plus
        keep = (br.eta_k >= lo) & (br.eta_k <= hi)
        ax.plot(br.eta_k[keep], a * br.eps_k_over_eps_m[keep], "-", color=f"C{j + 5}", lw=1.3,
                label=rf"eq 20, $\varepsilon_m/k_BT = {a:g}$")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    finite = [v for s in sizes for v in implied_beta_eps_m(
        s.quartic["c2"], s.quartic["c4"], omega_c, cfg.liquid_temperature)["beta_eps_k"]
        if np.isfinite(v)]
    if finite:
        ax.set_ylim(min(finite + [4.0 * min(cfg.beta_eps_m)]) / 2.0, max(finite) * 30.0)
    ax.set_xlabel(r"$\eta_k = 2c_2/\omega_c^2$")
    ax.set_ylabel(r"$\varepsilon_k/k_BT_{\rm liquid}$, $\varepsilon_k = \omega_c^4/(4c_4)$")
    ax.set_title(rf"Quartic fit along the softest modes ($\omega_c$ = {omega_c:.3g})",
                 fontsize=10)
    ax.legend(frameon=False, fontsize=7)
    path = folder.figure_path("fig8_quartic_stability.png")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def make_figures(folder: RunFolder, sizes: Sequence[SizeResult], cfg: SoftModesConfig,
                 omega_c: float, edges: np.ndarray) -> list[str]:
    """Draw all figures; returns their paths."""
    return [
        plot_vdos(folder, sizes, cfg, edges),
        plot_participation(folder, sizes, cfg),
        plot_quartic(folder, sizes, cfg, omega_c),
    ]
