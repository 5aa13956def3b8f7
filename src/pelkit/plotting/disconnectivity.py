"""Disconnectivity graphs (Becker & Karplus, J. Chem. Phys. 106, 1495 (1997); Wales, Miller &
Walsh, Nature 394, 758 (1998)).

At each energy level L (evenly spaced from just above the highest transition state down to
below the lowest minimum) the minima with E < L fall into superbasins: sets of minima joined by
transition states with E_s < L (connected components; union-find). A superbasin at one level
is the child of the superbasin containing it at the level above. The graph draws each
superbasin as a point (x, L) joined to its parent, and each minimum as a vertical line from the
lowest level at which it still belongs to a superbasin down to its own energy; x is the mean
horizontal position of a superbasin's minima, minima being placed left to right by a
depth-first walk that visits children in order of their lowest energy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError


@dataclass
class Superbasin:
    """One node: ``level`` index, energy ``energy`` (eps), ``members`` (minimum indices),
    ``parent`` (node index at the level above, -1 at the top) and horizontal position ``x``."""

    level: int
    energy: float
    members: tuple[int, ...]
    parent: int
    x: float = 0.0


@dataclass
class DisconnectivityTree:
    """levels: (L,) energies from the top down; nodes: all superbasins; leaf_x: (n,) positions
    of the minima; leaf_top: (n,) energy where each minimum's own line starts; energies: (n,)."""

    levels: NDArray[np.float64]
    nodes: list[Superbasin]
    leaf_x: NDArray[np.float64]
    leaf_top: NDArray[np.float64]
    energies: NDArray[np.float64]

    def basins_at(self, level: int) -> list[tuple[int, ...]]:
        """The superbasins (tuples of minimum indices) at level index ``level``."""
        return sorted(n.members for n in self.nodes if n.level == level)


def _components(n: int, active: NDArray[np.bool_], edges: list[tuple[int, int]]) -> list[tuple]:
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in edges:
        if active[a] and active[b]:
            parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for k in np.flatnonzero(active):
        groups.setdefault(root(int(k)), []).append(int(k))
    return [tuple(sorted(g)) for g in groups.values()]


def disconnectivity_tree(
    energies: ArrayLike,
    ts_pairs: ArrayLike,
    ts_energies: ArrayLike,
    n_levels: int = 20,
    top: float | None = None,
) -> DisconnectivityTree:
    """Build the tree (module doc).

    Args:
        energies: (n,) minimum energies (eps).
        ts_pairs: (m, 2) indices into ``energies`` of the minima each transition state joins.
        ts_energies: (m,) transition-state energies.
        n_levels: number of energy levels.
        top: energy of the highest level (default: just above the highest transition state,
            or the highest minimum when there are none).
    """
    e = np.asarray(energies, dtype=np.float64).reshape(-1)
    pairs = np.asarray(ts_pairs, dtype=np.int64).reshape(-1, 2)
    e_ts = np.asarray(ts_energies, dtype=np.float64).reshape(-1)
    if e.size == 0:
        raise InputError("a disconnectivity graph needs at least one minimum")
    if pairs.shape[0] != e_ts.size:
        raise InputError("ts_pairs and ts_energies have different lengths")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= e.size):
        raise InputError("a transition state refers to an unknown minimum")
    if n_levels < 2:
        raise InputError(f"n_levels must be >= 2, got {n_levels}")
    high = max(float(e_ts.max()) if e_ts.size else float(e.max()), float(e.max()))
    span = max(high - float(e.min()), 1e-12)
    top = high + 0.02 * span if top is None else float(top)
    step = (top - float(e.min())) / (n_levels - 0.5)
    levels = top - step * np.arange(n_levels)
    nodes: list[Superbasin] = []
    previous: dict[int, int] = {}  # minimum -> node index at the level above
    leaf_top = np.full(e.size, np.nan)
    for k, level in enumerate(levels):
        active = e < level
        edges = [(int(a), int(b)) for (a, b), es in zip(pairs, e_ts, strict=True) if es < level]
        current: dict[int, int] = {}
        for members in _components(e.size, active, edges):
            parent = previous.get(members[0], -1)
            nodes.append(Superbasin(k, float(level), members, parent))
            for m in members:
                current[m] = len(nodes) - 1
                leaf_top[m] = level
        previous = current
    # minima above the top level still get a line from their own energy
    leaf_top = np.where(np.isnan(leaf_top), e, leaf_top)
    # layout: depth-first from the top, children by lowest energy
    children: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        children.setdefault(node.parent, []).append(i)
    order: list[int] = []

    def lowest(i: int) -> float:
        return float(min(e[list(nodes[i].members)]))

    def walk(i: int) -> None:
        kids = sorted(children.get(i, []), key=lowest)
        if not kids:
            order.extend(m for m in sorted(nodes[i].members, key=lambda m: e[m])
                         if m not in order)
            return
        for c in kids:
            walk(c)
        for m in sorted(nodes[i].members, key=lambda m: e[m]):
            if m not in order:
                order.append(m)

    walk(-1)
    order.extend(m for m in np.argsort(e) if m not in order)
    leaf_x = np.zeros(e.size)
    leaf_x[np.array(order, dtype=int)] = np.arange(e.size, dtype=float)
    for node in nodes:
        node.x = float(np.mean(leaf_x[list(node.members)]))
    return DisconnectivityTree(levels, nodes, leaf_x, leaf_top, e)


def plot_disconnectivity(
    tree: DisconnectivityTree,
    path: str | Path,
    values: ArrayLike | None = None,
    value_label: str = "",
    title: str = "",
    energy_label: str = "E (eps)",
) -> Path:
    """Draw the tree to a PNG; ``values`` (n,) colour the minima's lines (viridis, colour bar)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    segments = []
    for node in tree.nodes:
        if node.parent >= 0:
            p = tree.nodes[node.parent]
            segments.append([(node.x, node.energy), (p.x, p.energy)])
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.add_collection(LineCollection(segments, colors="0.2", linewidths=0.8))
    tops = [n for n in tree.nodes if n.level == 0]
    for n in tops:  # stubs above the top level
        ax.plot([n.x, n.x], [n.energy, n.energy + 0.02 * np.ptp(tree.levels)], color="0.2",
                lw=0.8)
    leaves = [[(x, top), (x, e)] for x, top, e in zip(tree.leaf_x, tree.leaf_top, tree.energies,
                                                      strict=True)]
    if values is not None:
        v = np.asarray(values, dtype=float).reshape(-1)
        if v.size != tree.energies.size:
            raise InputError(f"{v.size} colour values for {tree.energies.size} minima")
        lc = LineCollection(leaves, cmap="viridis", linewidths=1.5)
        lc.set_array(v)
        ax.add_collection(lc)
        fig.colorbar(lc, ax=ax, label=value_label)
    else:
        ax.add_collection(LineCollection(leaves, colors="0.2", linewidths=0.8))
    ax.set_xlim(-1, tree.energies.size)
    lo = float(tree.energies.min())
    hi = float(tree.levels[0])
    pad = 0.05 * max(hi - lo, 1e-12)
    ax.set_ylim(lo - pad, hi + 2 * pad)
    ax.set_xticks([])
    ax.set_ylabel(energy_label)
    ax.set_title(title or f"disconnectivity graph: {tree.energies.size} minima", fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
