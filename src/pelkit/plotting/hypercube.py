"""Figures for Stillinger's hypercube model (Stillinger 1984, Figs 1-4) and its relaxation rates.

Input tables come from :func:`pelkit.theory.hypercube.branch_table` and
:func:`pelkit.theory.fokker_planck.rate_comparison`. Stable ranges of a branch are drawn solid,
metastable ranges dashed; the melting states are open circles labelled "m" (as in Stillinger
(1984)).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

COLORS = {"liquid": "tab:blue", "crystal": "tab:red"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _melt_index(table: dict[str, Any]) -> int:
    return int(np.argmin(np.abs(np.asarray(table["beta"]) - float(table["beta_melt"]))))


def _draw_branches(ax, table: dict[str, Any], xkey: str, ykey: str) -> None:
    """Plot y against x for both branches; solid where stable, dashed where metastable."""
    for br in ("liquid", "crystal"):
        xv = np.asarray(table[xkey.format(br=br)], dtype=float)
        yv = np.asarray(table[ykey.format(br=br)], dtype=float)
        stable = np.asarray(table[f"{br}_stable"], dtype=bool)
        exists = ~np.isnan(yv) & ~np.isnan(xv)
        meta = exists & ~stable
        # extend each range by one point so the solid and dashed pieces join at melting
        st = stable | (np.roll(stable, 1) & exists) | (np.roll(stable, -1) & exists)
        ax.plot(
            np.where(st, xv, np.nan),
            np.where(st, yv, np.nan),
            "-",
            color=COLORS[br],
            lw=2,
            label=f"{br} (stable)",
        )
        ax.plot(
            np.where(meta, xv, np.nan),
            np.where(meta, yv, np.nan),
            "--",
            color=COLORS[br],
            lw=1.5,
            label=f"{br} (metastable)",
        )
        i = _melt_index(table)
        if exists[i]:
            ax.plot(xv[i], yv[i], "o", mfc="white", mec="k", ms=8, zorder=5)
            ax.annotate("m", (xv[i], yv[i]), textcoords="offset points", xytext=(6, 6))


def plot_branch_paths(table: dict[str, Any], path: str | Path) -> Path:
    """Fig 1: paths (x_m(beta), y_m(beta)) of both maxima inside the square |x| + |y| <= 1."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    sq = np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]])
    ax.plot(sq[:, 0], sq[:, 1], color="0.4", lw=1)
    _draw_branches(ax, table, "{br}_x", "{br}_y")
    # direction of increasing beta (decreasing T)
    for br in ("liquid", "crystal"):
        xv = np.asarray(table[f"{br}_x"])
        yv = np.asarray(table[f"{br}_y"])
        ok = np.nonzero(~np.isnan(xv))[0]
        if ok.size > 10:
            j = ok[ok.size // 8 if br == "crystal" else ok.size // 3]
            ax.annotate(
                "",
                xy=(xv[j + 3], yv[j + 3]),
                xytext=(xv[j], yv[j]),
                arrowprops={"arrowstyle": "->", "color": COLORS[br], "lw": 1.5},
            )
    ax.plot([-1, 0], [0, -1], "ks", ms=5)
    ax.annotate("crystal vertex (-1, 0)", (-1, 0), xytext=(-1.0, -0.12), fontsize=8)
    on_x, on_y = table.get("onset_x"), table.get("onset_y")
    if on_x is not None:
        ax.plot(on_x, on_y, "^", color=COLORS["crystal"], ms=7)
        ax.annotate(
            "onset beta_s", (on_x, on_y), xytext=(6, 4), textcoords="offset points", fontsize=8
        )
    ax.annotate("amorphous vertex (0, -1)", (0, -1), xytext=(0.05, -0.97), fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_title(
        f"Maxima of w - beta phi, beta = {table['beta'][0]:.2g}..{table['beta'][-1]:.2g}\n"
        f"crystal from beta_s = {table['beta_onset']:.6f}; melting beta_m = "
        f"{table['beta_melt']:.6f}",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="upper right")
    return _save(fig, path)


def _vs_T(table: dict[str, Any], field: str, ylabel: str, title: str, path: str | Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    _draw_branches(ax, table, "T", "{br}_" + field)
    ax.axvline(1.0 / float(table["beta_melt"]), color="0.6", lw=0.8, ls=":")
    ax.axvline(1.0 / float(table["beta_onset"]), color="0.6", lw=0.8, ls="-.")
    ax.set_xscale("log")
    ax.set_xlabel("T* = 1/beta")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_phi_vs_T(table: dict[str, Any], path: str | Path) -> Path:
    """Fig 2: packing energy per D, phi, against T* = 1/beta for both branches."""
    return _vs_T(
        table,
        "phi",
        "phi (packing energy per D)",
        "phi vs T (T -> 0: crystal -1.83456, amorphous -1.78336)\ndotted: T_m, dash-dot: T_s",
        path,
    )


def plot_w_vs_T(table: dict[str, Any], path: str | Path) -> Path:
    """Fig 3: combinatorial entropy per D, w, against T* = 1/beta for both branches."""
    return _vs_T(
        table, "w", "w (entropy per D)", "w vs T (both -> 0); dotted: T_m, dash-dot: T_s", path
    )


def plot_w_vs_phi(table: dict[str, Any], path: str | Path) -> Path:
    """Fig 4: w against phi for both branches; arrows at the coexisting melting states."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    _draw_branches(ax, table, "{br}_phi", "{br}_w")
    i = _melt_index(table)
    for br in ("liquid", "crystal"):
        p, q = table[f"{br}_phi"][i], table[f"{br}_w"][i]
        ax.annotate(
            "", xy=(p, q), xytext=(p, q - 0.12), arrowprops={"arrowstyle": "->", "color": "k"}
        )
    dphi = table["liquid_phi"][i] - table["crystal_phi"][i]
    dw = table["liquid_w"][i] - table["crystal_w"][i]
    ax.set_xlabel("phi (packing energy per D)")
    ax.set_ylabel("w (entropy per D)")
    ax.set_title(
        f"w vs phi; at melting dw = {dw:.5f} = beta_m dphi ({table['beta_melt']:.5f} x {dphi:.5f})",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_rate_comparison(comparisons: list[dict[str, Any]], path: str | Path) -> Path:
    """Lowest non-zero relaxation rates against D: master equation (exact, markers),
    Fokker-Planck with the corrected mobility (lines) and OU levels (horizontal), one panel per
    beta. ``comparisons``: outputs of :func:`pelkit.theory.fokker_planck.rate_comparison`."""
    plt = _plt()
    n = len(comparisons)
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 4.5), squeeze=False)
    for ax, c in zip(axes[0], comparisons, strict=True):
        Ds = np.asarray(c["D"])
        me = np.asarray(c["master"])
        fp = np.asarray(c["fokker_planck"])
        for j in range(me.shape[1]):
            (line,) = ax.plot(Ds, me[:, j], "o", ms=5, label="master equation" if j == 0 else None)
            ax.plot(
                Ds, fp[:, j], "-", color=line.get_color(), label="Fokker-Planck" if j == 0 else None
            )
        levels = [
            ("OU s" if key == "rate_s" else f"OU {br} d", val)
            for br, r in c["ou"].items()
            for key, val in r.items()
        ]
        if c.get("barrier_top") is not None:
            levels.append(("barrier top d", c["barrier_top"]))
        levels = sorted({round(v, 10): (lab, v) for lab, v in levels}.values(), key=lambda t: t[1])
        dashes = [(0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (2, 3)), (0, (8, 3))]
        for j, (lab, val) in enumerate(levels):
            ax.axhline(
                val, color="0.3", ls=dashes[j % len(dashes)], lw=1.0, label=f"{lab}: {val:.5f}"
            )
        finite = np.concatenate([me[np.isfinite(me)], fp[np.isfinite(fp)]])
        log_y = finite.size > 0 and finite.max() / finite.min() > 50
        ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.set_xlabel("D")
        ax.set_ylabel("relaxation rate / B")
        ax.set_title(f"beta = {c['beta']:g}: lowest non-zero rates", fontsize=9)
        ax.legend(fontsize=7, loc="lower left" if log_y else "lower right")
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(p, dpi=120)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return p


def hypercube_figures(
    outdir: str | Path,
    table: dict[str, Any] | None = None,
    comparisons: list[dict[str, Any]] | None = None,
) -> list[Path]:
    """Write Figs 1-4 (and the rate comparison when given) as PNGs into ``outdir``."""
    from pelkit.theory.hypercube import branch_table

    out = Path(outdir)
    table = branch_table() if table is None else table
    paths = [
        plot_branch_paths(table, out / "hypercube_fig1_paths.png"),
        plot_phi_vs_T(table, out / "hypercube_fig2_phi_vs_T.png"),
        plot_w_vs_T(table, out / "hypercube_fig3_w_vs_T.png"),
        plot_w_vs_phi(table, out / "hypercube_fig4_w_vs_phi.png"),
    ]
    if comparisons:
        paths.append(plot_rate_comparison(comparisons, out / "hypercube_rates.png"))
    return paths
