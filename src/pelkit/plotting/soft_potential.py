"""Fig 8 of Buchenau (1992): the soft-mode stability curves eps_k/eps_m against eta_k
(docs/physics/theory.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pelkit.theory.soft_potential import StabilityCurve


def plot_stability_curves(
    curves: Sequence[StabilityCurve],
    path: str | Path,
    eta_range: tuple[float, float] = (-1.0, 1.0),
    ylim: tuple[float, float] = (1.0, 1.0e4),
) -> Path:
    """eps_k/eps_m (log scale) against eta_k, both branches, one colour per beta eps_m (Fig 8).

    Arrows mark eta_2, where the + branch diverges; the dashed line is the eta_k -> -inf limit
    eps_k/eps_m = 4. Curves with beta eps_m < 1 (no harmonic roots) are drawn without arrows.

    Args:
        curves: the solutions of :func:`pelkit.theory.soft_potential.stability_curve`.
        path: PNG file to write.
        eta_range: x-axis range.
        ylim: y-axis range.
    Returns: the path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for i, curve in enumerate(curves):
        color = f"C{i}"
        label = rf"$\varepsilon_m/k_BT={curve.beta_eps_m:g}$"
        if curve.eta_2 is not None:
            label += rf" ($\eta_2={curve.eta_2:.4f}$)"
        for br, style in ((curve.plus, "-"), (curve.minus, "--")):
            keep = (br.eta_k >= eta_range[0] - 0.1) & (br.eta_k <= eta_range[1] + 0.1)
            ax.plot(
                br.eta_k[keep],
                br.eps_k_over_eps_m[keep],
                style,
                color=color,
                lw=1.4,
                label=label if br is curve.plus else None,
            )
        if curve.eta_2 is not None:
            # Arrow from below the curves up to eta_2 (its value is in the legend).
            y_tip = ylim[0] * (ylim[1] / ylim[0]) ** 0.12
            y_tail = ylim[0] * (ylim[1] / ylim[0]) ** 0.02
            ax.annotate(
                "",
                xy=(curve.eta_2, y_tip),
                xytext=(curve.eta_2, y_tail),
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5},
            )
    ax.axhline(4.0, color="0.5", ls=":", lw=1.0)
    ax.text(eta_range[0] + 0.02, 4.4, r"$\eta_k\to-\infty$: 4", color="0.4", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlim(*eta_range)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$\eta_k$")
    ax.set_ylabel(r"$\varepsilon_k/\varepsilon_m$")
    ax.set_title("Soft-mode stability (eq 20): + branch solid, − branch dashed", fontsize=10)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return out
