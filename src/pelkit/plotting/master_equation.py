"""Figures for the master equation on a network of minima (docs/physics/landscape.md).

Input: the dictionary of :func:`pelkit.theory.master_equation.solve_network`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def plot_network_relaxation(result: dict[str, Any], path: str | Path) -> Path:
    """Populations p_alpha(t) against t (log axis, from the chosen start, with the equilibrium
    values as dotted lines) and the relaxation spectrum 1/lambda (left, when times are present);
    otherwise the equilibrium populations and the rates. Returns the PNG path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = list(result["ids"])
    eq = np.array([result["equilibrium"][i] for i in ids])
    rates = np.asarray(result["relaxation_rates"], dtype=float)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    if "populations" in result:
        t = np.asarray(result["times"], dtype=float)
        pos = t > 0
        for k, i in enumerate(ids):
            p = np.asarray(result["populations"][i], dtype=float)
            (line,) = ax.plot(t[pos], p[pos], "o-", ms=3, label=str(i))
            ax.axhline(result["equilibrium_from_start"][i], color=line.get_color(), ls=":", lw=1)
            if k >= 11:
                break
        ax.set_xscale("log")
        ax.set_xlabel("t")
        ax.set_ylabel("p(t)")
        ax.set_title(f"populations from '{result['start']}' (dotted: t -> inf)", fontsize=9)
        if len(ids) <= 12:
            ax.legend(fontsize=7)
    else:
        ax.bar(range(len(ids)), eq)
        ax.set_xticks(range(len(ids)), [str(i) for i in ids], rotation=90, fontsize=7)
        ax.set_ylabel("equilibrium population")
        ax.set_title("equilibrium populations", fontsize=9)
    ax = axes[1]
    res = float(result.get("rate_resolution", 0.0))
    nz = rates[rates > res]
    ax.plot(np.arange(1, nz.size + 1), nz, "s", ms=4)
    ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("mode index")
    ax.set_ylabel("relaxation rate lambda")
    ax.set_title(
        f"spectrum at T = {result['temperature']:g} ({result['prefactor_model']} prefactors); "
        f"{result['n_components']} zero mode(s)",
        fontsize=9,
    )
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
