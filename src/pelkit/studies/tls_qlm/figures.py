"""Figures of the tls-qlm study, redrawing Khomenko, Reichman and Zamponi (2021), Figs 2-8 from the
library (docs/physics/tls-qlm.md).

* fig2_participation.png - PR against omega for minimum A of the selected double well, QLM as
  red stars; inset omega against mode number (the paper's numbering, 4 = softest).
* fig3_modes.png + fig3_modes.xyz - real-space picture of the linear mode with the largest c
  against r_AB and of the non-linear mode from r_AB: particle size proportional to the
  displacement, the ten particles moving most in r_AB in red, projections on the box faces.
  The extended XYZ file (OVITO/ASE) holds minimum A with the columns ``r_ab``,
  ``linear_mode``, ``nonlinear_mode`` (N, 3), their per-particle norms and ``top10_r_ab``.
* fig4_tangent_qlm.png - c_alpha(r_tan) against PR for every band size of the scan.
* fig5_max_overlap.png - histograms of max_alpha c_alpha for r_tan, r_AS, r_AB.
* fig6_splitting_omega.png - E_t against omega_tan at A (every unit system).
* fig7_nonlinear_linear.png - c and a of the non-linear mode from r_AB against the best linear
  mode, per T_f.
* fig8_qlm_overlap.png - c of the softest QLM and of its non-linear mode with r_AB.
* tls_distributions.png - histograms of log10 E_t (every unit system, with the T_Q and the
  paper's thresholds) and of log10 asymmetry, and E_t against asymmetry (Khomenko, Reichman and
  Zamponi's headline
  distributions), drawn even for a handful of double wells (each one also as a tick).
* profiles.png - V(xi) - V_A of every double well; exploration.png - e_IS of the quenches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pelkit.io.results import RunFolder
from pelkit.studies.tls_qlm.analysis import Library, fig5_subset
from pelkit.studies.tls_qlm.config import TLSQLMConfig


def _plt():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, folder: RunFolder, name: str, made: list[str]) -> None:  # noqa: ANN001
    path = folder.figure_path(name)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    _plt().close(fig)
    made.append(str(path.relative_to(folder.path)))


def _tf_colors(cfg: TLSQLMConfig) -> dict[float, Any]:
    plt = _plt()
    cmap = plt.get_cmap("viridis")
    n = len(cfg.t_f)
    return {t: cmap(0.15 + 0.7 * k / max(n - 1, 1)) for k, t in enumerate(cfg.t_f)}


def _empty(ax, text: str) -> None:  # noqa: ANN001
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def fig2(library: Library, folder: RunFolder, made: list[str]) -> None:
    """PR against omega of minimum A (the paper's Fig 2), with omega against mode number beside
    it."""
    plt = _plt()
    sc = library.scan
    if sc is None:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        _empty(ax, "no double well: no minimum selected")
        _save(fig, folder, "fig2_participation", made)
        return
    fig, (ax, side) = plt.subplots(1, 2, figsize=(9, 3.8), width_ratios=[2, 1])
    omega, pr, qlm = sc["omega"], sc["pr"], np.asarray(sc["qlm_mask"], dtype=bool)
    ax.scatter(omega[~qlm], pr[~qlm], s=6, c="0.3", label="modes")
    ax.scatter(omega[qlm], pr[qlm], s=40, marker="*", c="red", label="QLM (PR < 0.1)")
    ax.axhline(0.1, color="red", lw=0.6, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\omega$ (1/$\tau$)")
    ax.set_ylabel("participation ratio PR")
    # below the axes, so that it never hides a QLM star
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2,
              frameon=False)
    ax.set_title(f"minimum A of {sc['source']}: {int(qlm.sum())} QLM", fontsize=8)
    side.plot(np.arange(omega.size) + 4, omega, lw=0.8)
    side.scatter(np.flatnonzero(qlm) + 4, omega[qlm], s=30, marker="*", c="red")
    side.set_xlabel("mode number (4 = softest)")
    side.set_ylabel(r"$\omega$ (1/$\tau$)")
    fig.tight_layout()
    _save(fig, folder, "fig2_participation", made)


def _face_projection(ax, pos, size, color, box) -> None:  # noqa: ANN001
    keep = size > 0.05 * size.max()  # project only the particles that visibly move
    pos, size, color = pos[keep], size[keep], list(np.asarray(color, dtype=object)[keep])
    lo = np.zeros(3)
    ax.scatter(pos[:, 0], pos[:, 1], np.full(len(pos), lo[2]), s=size * 0.5, c=color,
               alpha=0.25, depthshade=False)
    ax.scatter(pos[:, 0], np.full(len(pos), box[1]), pos[:, 2], s=size * 0.5, c=color,
               alpha=0.25, depthshade=False)
    ax.scatter(np.full(len(pos), lo[0]), pos[:, 1], pos[:, 2], s=size * 0.5, c=color,
               alpha=0.25, depthshade=False)


def fig3(library: Library, folder: RunFolder, made: list[str]) -> None:
    """Real-space picture of the best linear and the non-linear mode (the paper's Fig 3), PNG +
    XYZ."""
    from pelkit.io.extxyz import write_extxyz
    from pelkit.system import Box, System

    plt = _plt()
    sc = library.scan
    if sc is None:
        fig, ax = plt.subplots(figsize=(4, 3))
        _empty(ax, "no double well: nothing to draw")
        _save(fig, folder, "fig3_modes", made)
        return
    pos, box = np.asarray(sc["positions"]), np.asarray(sc["box"])
    r_ab = np.asarray(sc["r_ab"])
    top = np.argsort(-np.linalg.norm(r_ab, axis=1))[:10]
    color = np.array(["0.55"] * len(pos), dtype=object)
    color[top] = "red"
    fig = plt.figure(figsize=(10, 4.8))
    for k, (name, key, c) in enumerate((
        ("linear mode", "linear_mode", sc["linear_c_ab"]),
        ("non-linear mode", "nonlinear_mode", sc["nonlinear_c_ab"]),
    )):
        v = np.asarray(sc[key])
        norm = np.linalg.norm(v, axis=1)
        size = 0.5 + 300 * (norm / norm.max()) ** 2
        ax = fig.add_subplot(1, 2, k + 1, projection="3d")
        ax.scatter(pos[:, 0], pos[:, 1], pos[:, 2], s=size, c=list(color), alpha=0.8,
                   depthshade=False)
        _face_projection(ax, pos, size, list(color), box)
        ax.set_xlim(0, box[0])
        ax.set_ylim(0, box[1])
        ax.set_zlim(0, box[2])
        label = (f"mode {int(sc['linear_mode_number'])}" if key == "linear_mode"
                 else "from r_AB")
        ax.set_title(f"{name} ({label}), c = {float(c):.2f}", fontsize=9)
        ax.tick_params(labelsize=6)
        ax.set_xlabel(r"$x$ ($\sigma$)", fontsize=7)
        ax.set_ylabel(r"$y$ ($\sigma$)", fontsize=7)
        ax.set_zlabel(r"$z$ ($\sigma$)", fontsize=7)
    fig.suptitle("size ~ particle displacement; red: the 10 particles moving most in r_AB",
                 fontsize=9)
    _save(fig, folder, "fig3_modes", made)
    system = System(positions=pos, box=Box(box), diameters=np.asarray(sc["diameters"]),
                    info={"source": str(sc["source"]),
                          "linear_mode_number": int(sc["linear_mode_number"])})
    lin, nl = np.asarray(sc["linear_mode"]), np.asarray(sc["nonlinear_mode"])
    top10 = np.zeros(len(pos), dtype=np.int64)
    top10[top] = 1
    xyz = folder.figure_path("fig3_modes.xyz")
    write_extxyz(xyz, system, extra={
        "r_ab": r_ab, "linear_mode": lin, "nonlinear_mode": nl,
        "r_ab_norm": np.linalg.norm(r_ab, axis=1), "linear_norm": np.linalg.norm(lin, axis=1),
        "nonlinear_norm": np.linalg.norm(nl, axis=1), "top10_r_ab": top10,
    })
    made.append(str(xyz.relative_to(folder.path)))


def fig4(library: Library, folder: RunFolder, made: list[str]) -> None:
    """c_alpha(r_tan) against PR for several band sizes (the paper's Fig 4)."""
    plt = _plt()
    sc = library.scan
    if sc is None:
        fig, ax = plt.subplots(figsize=(4, 3))
        _empty(ax, "no double well: no scan")
        _save(fig, folder, "fig4_tangent_qlm", made)
        return
    sizes = np.atleast_1d(sc["scan_images"])
    c = np.atleast_2d(sc["scan_c"])
    pr = np.asarray(sc["pr"])
    fig, axes = plt.subplots(1, len(sizes), figsize=(3.2 * len(sizes), 3.2), sharey=True,
                             squeeze=False)
    for k, (ax, m) in enumerate(zip(axes[0], sizes, strict=True)):
        ax.scatter(pr[1:], c[k, 1:], s=6, c="0.35")
        ax.scatter(pr[:1], c[k, :1], s=60, marker="*", c="red", label="mode 4 (softest)")
        ax.set_xlim(0, min(1.0, 1.1 * float(pr.max())))
        ax.set_xlabel("PR")
        ax.set_title(f"$N_b$ = {int(m)}", fontsize=9)
        ax.set_ylim(0, 1.02)
    axes[0, 0].set_ylabel(r"$c_\alpha(r_{tan})$")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"tangent-mode overlap, {sc['source']}", fontsize=9)
    fig.tight_layout()
    _save(fig, folder, "fig4_tangent_qlm", made)


def fig5(library: Library, cfg: TLSQLMConfig, folder: RunFolder, made: list[str]) -> None:
    """Histograms of max_alpha c_alpha for r_tan, r_AS and r_AB (the paper's Fig 5)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    rows, criterion = fig5_subset(library, cfg)
    if rows.size == 0:
        _empty(ax, "no double wells")
    else:
        bins = np.linspace(0, 1, 21)
        for name, col, color in (("$r_{tan}$", "c_max_tan", "C0"), ("$r_{AS}$", "c_max_as", "C1"),
                                 ("$r_{AB}$", "c_max_ab", "C2")):
            ax.hist(library.table[col][rows], bins=bins, histtype="step", lw=1.5, color=color,
                    label=name, density=True)
        ax.set_xlabel(r"$c = \max_\alpha c_\alpha$")
        ax.set_ylabel("probability density")
        ax.legend(fontsize=8)
        ax.set_title(f"{rows.size} DWs, $N_b$ = {cfg.neb.n_images}; {criterion}", fontsize=7)
    _save(fig, folder, "fig5_max_overlap", made)


def fig6(library: Library, cfg: TLSQLMConfig, folder: RunFolder, made: list[str]) -> None:
    """Tunnel splitting against omega_tan at A (the paper's Fig 6), one panel per unit system."""
    plt = _plt()
    units = cfg.tunnel.units
    fig, axes = plt.subplots(1, len(units), figsize=(4.5 * len(units), 3.8), squeeze=False)
    colors = _tf_colors(cfg)
    t = library.table
    for ax, u in zip(axes[0], units, strict=True):
        if library.n_dw == 0:
            _empty(ax, "no double wells")
            continue
        uq = t["unique"].astype(bool)
        for t_f in cfg.t_f:
            m = uq & (t["t_f"] == t_f)
            ax.scatter(t["omega_a"][m], t[f"splitting_{u.label}"][m], s=14, color=colors[t_f],
                       label=f"$T_f$ = {t_f:g}")
        thr = u.resolve().threshold
        if thr is not None:
            ax.axhline(thr, color="red", ls="--", lw=0.8, label=f"active: $E_t$ < {thr:g}")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\omega_{tan}$ at A (1/$\tau$)")
        ax.set_ylabel(r"$E_t$ ($\epsilon$)")
        ax.set_title(f"{u.name}, $\\tilde\\hbar$ = {u.resolve().hbar_tilde:.3g}", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, folder, "fig6_splitting_omega", made)


def fig7(library: Library, cfg: TLSQLMConfig, folder: RunFolder, made: list[str]) -> None:
    """Non-linear (from r_AB) against best linear overlaps, c and a (the paper's Fig 7)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    t = library.table
    colors = _tf_colors(cfg)
    for ax, (kind, lin, nl) in zip(axes, (("c", "c_max_ab", "nl_ab_c_ab"),
                                          ("a", "a_max_ab", "nl_ab_a_ab")), strict=True):
        if library.n_dw == 0:
            _empty(ax, "no double wells")
            continue
        ok = t["unique"].astype(bool) & t["nl_ab_converged"].astype(bool)
        for t_f in cfg.t_f:
            m = ok & (t["t_f"] == t_f)
            ax.scatter(t[lin][m], t[nl][m], s=14, color=colors[t_f], label=f"$T_f$ = {t_f:g}")
        ax.plot([0, 1], [0, 1], "k--", lw=0.7)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"best linear mode: {kind}")
        ax.set_ylabel(f"non-linear mode from $r_{{AB}}$: {kind}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, folder, "fig7_nonlinear_linear", made)


def fig8(library: Library, folder: RunFolder, made: list[str]) -> None:
    """c with r_AB of the softest QLM and of the non-linear mode started from it (the paper's Fig
    8)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    t = library.table
    if library.n_dw == 0:
        _empty(ax, "no double wells")
    else:
        u = t["unique"].astype(bool)
        ok = u & t["nl_qlm_converged"].astype(bool)
        bins = np.linspace(0, 1, 21)
        ax.hist(t["qlm_c_ab"][u], bins=bins, histtype="step", lw=1.5, density=True,
                label="softest QLM (linear)")
        ax.hist(t["nl_qlm_c_ab"][ok], bins=bins, histtype="step", lw=1.5, density=True,
                label="non-linear from softest QLM")
        ax.set_xlabel(r"$c$ with $r_{AB}$")
        ax.set_ylabel("probability density")
        ax.legend(fontsize=8)
        ax.set_title(f"{int(u.sum())} double wells", fontsize=8)
    _save(fig, folder, "fig8_qlm_overlap", made)


def fig_distributions(library: Library, cfg: TLSQLMConfig, folder: RunFolder,
                      made: list[str]) -> None:
    """Distributions of tunnel splittings and asymmetries of the unique double wells."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    t = library.table
    if library.n_dw == 0:
        for ax in axes:
            _empty(ax, "no double wells")
        _save(fig, folder, "tls_distributions", made)
        return
    u = t["unique"].astype(bool)
    ax = axes[0]
    for k, unit in enumerate(cfg.tunnel.units):
        split = np.asarray(t[f"splitting_{unit.label}"], dtype=float)[u]
        split = split[np.isfinite(split) & (split > 0)]
        color = f"C{k}"
        if split.size:
            x = np.log10(split)
            ax.hist(x, bins=max(5, min(30, x.size)), histtype="step", lw=1.5, color=color,
                    label=f"{unit.label} ($\\tilde\\hbar$ = {unit.resolve().hbar_tilde:.3g})")
            ax.plot(x, np.zeros_like(x), "|", color=color, ms=12)
        thr = unit.resolve().threshold
        if thr is not None:
            ax.axvline(np.log10(thr), color=color, ls="--", lw=0.8)
        if unit.seed_threshold is not None:
            ax.axvline(np.log10(unit.seed_threshold), color=color, ls=":", lw=0.8)
    ax.set_xlabel(r"$\log_{10} E_t / \epsilon$ (dashed: $T_Q$, dotted: paper threshold)")
    ax.set_ylabel("double wells")
    ax.legend(fontsize=7)
    asym = np.asarray(t["asymmetry"], dtype=float)[u]
    pos = asym > 0
    ax = axes[1]
    if pos.any():
        x = np.log10(asym[pos])
        ax.hist(x, bins=max(5, min(30, x.size)), histtype="step", lw=1.5, color="k")
        ax.plot(x, np.zeros_like(x), "|", color="k", ms=12)
    ax.set_xlabel(r"$\log_{10} \Delta / \epsilon$ (asymmetry $|E_A - E_B|$)")
    ax.set_ylabel("double wells")
    ax.set_title(f"{int(u.sum())} unique double wells", fontsize=8)
    ax = axes[2]
    unit = cfg.tunnel.units[0]
    split = np.asarray(t[f"splitting_{unit.label}"], dtype=float)[u]
    ok = pos & np.isfinite(split) & (split > 0)
    ax.loglog(asym[ok], split[ok], "o", ms=4)
    ax.set_xlabel(r"asymmetry $\Delta$ ($\epsilon$)")
    ax.set_ylabel(f"$E_t$ ({unit.label}) ($\\epsilon$)")
    fig.tight_layout()
    _save(fig, folder, "tls_distributions", made)


def fig_profiles(library: Library, cfg: TLSQLMConfig, folder: RunFolder, made: list[str]) -> None:
    """V(xi) - V_A of every double well, coloured by T_f."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    if library.n_dw == 0:
        _empty(ax, "no double wells")
    else:
        colors = _tf_colors(cfg)
        for i, (x, e) in enumerate(zip(library.profiles["xi"], library.profiles["energy"],
                                       strict=True)):
            ax.plot(x, e, lw=0.8, color=colors[float(library.table["t_f"][i])], alpha=0.8)
        for t_f, c in colors.items():
            ax.plot([], [], color=c, label=f"$T_f$ = {t_f:g}")
        ax.legend(fontsize=7)
        ax.set_xlabel(r"$\xi$ ($\sqrt{m}\sigma$)")
        ax.set_ylabel(r"$V(\xi) - V_A$ ($\epsilon$)")
        ax.set_title(f"{library.n_dw} double wells (NEB images)", fontsize=8)
    _save(fig, folder, "profiles", made)


def fig_exploration(library: Library, cfg: TLSQLMConfig, folder: RunFolder,
                    made: list[str]) -> None:
    """Inherent-structure energy of every quench of the exploration, per glass."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    colors = _tf_colors(cfg)
    for key, series in sorted(library.glass_series.items()):
        t_f = float(key.split("_")[0][2:])
        e = series["quench_energies"]
        ax.plot(np.arange(e.size), e, ".", ms=2, color=colors.get(t_f, "k"))
    for t_f, c in colors.items():
        ax.plot([], [], ".", color=c, label=f"$T_f$ = {t_f:g}")
    ax.set_xlabel("quench")
    ax.set_ylabel(r"$e_{IS}$ ($\epsilon$ per particle)")
    ax.legend(fontsize=7)
    ax.set_title(f"exploration at T = {cfg.exploration.temperature:g}", fontsize=8)
    _save(fig, folder, "exploration", made)


def make_figures(library: Library, cfg: TLSQLMConfig, folder: RunFolder) -> list[str]:
    """Draw every figure into ``folder/figures``; returns the paths relative to the folder."""
    made: list[str] = []
    fig2(library, folder, made)
    fig3(library, folder, made)
    fig4(library, folder, made)
    fig5(library, cfg, folder, made)
    fig6(library, cfg, folder, made)
    fig7(library, cfg, folder, made)
    fig8(library, folder, made)
    fig_distributions(library, cfg, folder, made)
    fig_profiles(library, cfg, folder, made)
    fig_exploration(library, cfg, folder, made)
    return made
