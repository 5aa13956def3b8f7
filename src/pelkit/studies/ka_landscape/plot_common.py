"""Plotting helpers shared by the KA landscape study's figure modules (:mod:`.figures`,
:mod:`.figures_inm`): the Agg pyplot, atomic saving, reading summary entries, colours per
temperature, the downstream collapse model, legends and notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.studies.ka_landscape.summary import KASummary


def _pyplot():  # noqa: ANN202 - matplotlib.pyplot module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    """Lay out, write the PNG and close the figure (also when writing fails)."""
    try:
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    finally:
        _pyplot().close(fig)
    return path


def _val(entry: Any) -> float:
    """The value of a summary entry ({"value": ...} or a number); NaN for None."""
    if isinstance(entry, dict):
        entry = entry.get("value")
    return float("nan") if entry is None else float(entry)


def _or(value: Any, default: Any) -> Any:
    """``value``, or ``default`` when it is None (absent from an older summary.json)."""
    return default if value is None else value


def _arr(x: Sequence[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in x], dtype=np.float64)


def _colors(temps: Sequence[float]) -> list[Any]:
    plt = _pyplot()
    cmap = plt.get_cmap("turbo")
    n = len(temps)
    return [cmap(0.1 if n == 1 else 0.08 + 0.84 * k / (n - 1)) for k in range(n)]


def _model(summary: KASummary) -> tuple[np.ndarray | None, float, str]:
    """(a, B, source) of the model used downstream (free or landscape-constrained fit)."""
    m = _or(summary.model, {})
    a = np.array([_val(m.get(k)) for k in ("a0", "a1", "a2")])
    B = _val(m.get("B"))
    ok = np.all(np.isfinite(a)) and np.isfinite(B)
    return (a if ok else None), B, str(m.get("source", "none"))


def _legend(ax: Any, **kw: Any) -> None:
    """A legend only when something is labelled (avoids matplotlib's warning)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


def _note(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=9,
            color="0.4", wrap=True)
