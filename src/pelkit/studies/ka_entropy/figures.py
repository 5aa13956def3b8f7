"""Figures of the ka-entropy study.

=============================  ===============================================================
file                           content
=============================  ===============================================================
fig4_sconf.png                 left: s_c(e_IS) from thermodynamic integration (harmonic, and
                               with the anharmonic correction) against the Gaussian-landscape
                               s_c(e) fitted here and the KA landscape study's reference
                               parameters (alpha = 0.78, E0 = -1140, sigma^2 = 18, N = 155);
                               right: s_c against 1/T with both Kauzmann extrapolations
entropy_path.png               the integration path: (Z - 1)/rho on the isotherm with its
                               polynomial; u(T) and <e_IS>(T) on the isochore; s, s_vib, s_c
=============================  ===============================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pelkit.analysis.gaussian_landscape import GaussianLandscape
from pelkit.io.results import RunFolder
from pelkit.studies.ka_entropy.analysis import KA_PUBLISHED_LANDSCAPE, StatePoints
from pelkit.studies.ka_entropy.config import KAEntropyConfig


def _plt():  # noqa: ANN202 - matplotlib.pyplot
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_sconf(folder: RunFolder, sp: StatePoints, res: dict[str, Any],
               cfg: KAEntropyConfig) -> str:
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    e = sp.e_is
    low = np.asarray(res["landscape_mask"], dtype=bool)
    ok = np.isfinite(e) & low
    hot = np.isfinite(e) & ~low
    ax.errorbar(e[ok], res["s_c"][ok], yerr=res["s_c_err"][ok], fmt="o", color="C0",
                label="thermodynamic integration" + (" (+ anharmonic)" if cfg.anharmonic else ""))
    if cfg.anharmonic:
        ax.plot(e[ok], res["s_c_harmonic"][ok], "o", mfc="none", color="C0", alpha=0.6,
                label="harmonic basins only")
    if hot.any():
        ax.plot(e[hot], res["s_c"][hot], "o", color="0.6", ms=4,
                label=f"T > {cfg.landscape_max_temperature:g} (harmonic picture not valid)")
    lo = min(float(np.nanmin(e)) - 0.1, -7.85)
    hi = float(np.nanmax(e)) + 0.05
    grid = np.linspace(lo, hi, 300)
    g = res["gaussian"]
    if g is not None:
        land = GaussianLandscape(g["alpha"], g["e0"], g["sigma2"], g["n_particles"])
        ax.plot(grid, land.s_c(grid), "-", color="C1",
                label=rf"Gaussian fit: $\alpha$={g['alpha']:.3f}, $e_K$={g['e_K']:.3f}")
        ax.axvline(g["e_K"], color="C1", ls=":", lw=0.8)
    seed = GaussianLandscape.from_totals(**KA_PUBLISHED_LANDSCAPE)
    ax.plot(grid, seed.s_c(grid), "--", color="C2",
            label=rf"KA N=155 paper: $\alpha$=0.78, $e_K$={seed.e_K:.3f}")
    e_k = res["ti_kauzmann"]["e_K"]
    if np.isfinite(e_k):
        ax.axvline(e_k, color="C0", ls=":", lw=0.8)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_ylim(-0.2, max(1.2, float(np.nanmax(res["s_c"])) + 0.1))
    ax.set_xlim(lo, hi)
    ax.set_xlabel(r"$e_{IS}$ (per particle)")
    ax.set_ylabel(r"$s_c$ (per particle)")
    ax.set_title(f"Configurational entropy, KA N = {cfg.n_particles} (the KA local-diffusivity "
                 f"paper, Fig 4)",
                 fontsize=10)
    ax.legend(frameon=False, fontsize=7)

    x = 1.0 / sp.T
    ax2.errorbar(x[low], res["s_c"][low], yerr=res["s_c_err"][low], fmt="o", color="C0",
                 label="TI (fit range)")
    ax2.plot(x[~low], res["s_c"][~low], "o", color="0.6", ms=4)
    xs = np.linspace(0.0, 1.0 / 0.25, 200)
    fit = res["ti_kauzmann"]["fit_s_c_vs_inverse_T"]
    if np.isfinite(fit["A"]):
        ax2.plot(xs, fit["A"] + fit["minus_B"] * xs, "-", color="C0", lw=0.8,
                 label=rf"linear in 1/T: $T_K$ = {res['ti_kauzmann']['T_K']:.3f}")
    if g is not None:
        ax2.plot(xs[1:], g["alpha"] - g["sigma2_int"] * xs[1:] ** 2 / 2.0, "-", color="C1",
                 lw=0.8, label=rf"Gaussian: $T_K$ = {g['T_K']:.3f}")
    ax2.axvline(1.0 / 0.32, color="k", ls=":", lw=0.8)
    ax2.text(1.0 / 0.32, 0.02, " $T_K$≈0.32 (CPV 2000)", fontsize=7)
    ax2.axhline(0.0, color="0.5", lw=0.6)
    ax2.set_ylim(-0.2, max(1.2, float(np.nanmax(res["s_c"])) + 0.1))
    ax2.set_xlabel(r"$1/T$")
    ax2.set_ylabel(r"$s_c$")
    ax2.set_title("Kauzmann extrapolations", fontsize=10)
    ax2.legend(frameon=False, fontsize=7)
    path = folder.figure_path("fig4_sconf.png")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def plot_path(folder: RunFolder, sp: StatePoints, res: dict[str, Any],
              cfg: KAEntropyConfig) -> str:
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13.0, 3.8))
    ax = axes[0]
    y = sp.zm1 / sp.rho
    ax.errorbar(sp.rho, y, yerr=sp.zm1_err / sp.rho, fmt="o")
    deg = int(res["isotherm_degree"])
    coef = np.polyfit(sp.rho / cfg.density, y, deg)
    r = np.linspace(0.0, cfg.density, 200)
    ax.plot(r, np.polyval(coef, r / cfg.density), "-", lw=0.8)
    ax.set_xlabel(r"$\rho$")
    ax.set_ylabel(r"$(Z-1)/\rho$")
    ax.set_title(f"isotherm T = {cfg.isotherm_temperature:g}: "
                 rf"$\beta f_{{ex}}$ = {res['beta_f_ex_isotherm']:.4f}", fontsize=9)
    ax = axes[1]
    ax.errorbar(sp.T, sp.u, yerr=sp.u_err, fmt="o-", label="u (potential energy)")
    ax.errorbar(sp.T, sp.e_is, yerr=sp.e_is_err, fmt="s-", label=r"$\langle e_{IS}\rangle$")
    ax.set_xscale("log")
    ax.set_xlabel("T")
    ax.set_ylabel("energy per particle")
    ax.set_title(rf"isochore $\rho$ = {cfg.density:g}", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    ax = axes[2]
    for key, lab in (("s_total", "s (total)"), ("s_vib", r"$s_{vib}$ (harmonic)"),
                     ("s_c", r"$s_c$")):
        ax.plot(sp.T, res[key], "o-", label=lab)
    ax.set_xscale("log")
    ax.set_xlabel("T")
    ax.set_ylabel(r"entropy per particle ($\hbar$ = " + f"{cfg.hbar:g})")
    ax.legend(frameon=False, fontsize=8)
    path = folder.figure_path("entropy_path.png")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def make_figures(folder: RunFolder, sp: StatePoints, res: dict[str, Any],
                 cfg: KAEntropyConfig) -> list[str]:
    """Draw all figures; returns their paths."""
    return [plot_sconf(folder, sp, res, cfg), plot_path(folder, sp, res, cfg)]
