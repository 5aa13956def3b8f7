"""Cell lists and Verlet neighbour lists with a skin (half lists: each pair once, j > i).

A pair (i, j) enters the list when its minimum-image distance is below r_c,ij + skin, with
r_c,ij = x_c sigma_ij. The list stays valid while no particle has moved more than skin/2 since it
was built (:class:`VerletList` checks this on every call and rebuilds automatically).

Storage: ``neighbors`` (N, K) int64 padded rows and ``counts`` (N,), row i listing its partners
j > i. This fixed-width layout is what a replica-batched or GPU version mirrors.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pelkit.errors import InputError


@njit(cache=True, nogil=True)
def _list_radius_sq(i, j, mixing, species, diameters, rl2_t, nonadd, x_cut, skin):
    """(x_c sigma_ij + skin)^2 for a pair (species tables precomputed in ``rl2_t``)."""
    if mixing == 0:
        return rl2_t[species[i], species[j]]
    di = diameters[i]
    dj = diameters[j]
    sig = 0.5 * (di + dj)
    if mixing == 2:
        sig *= 1.0 - nonadd * abs(di - dj)
    rl = x_cut * sig + skin
    return rl * rl


@njit(cache=True, nogil=True)
def build_half_list(
    pos, box, skin, r_list_max, x_cut, mixing, species, diameters, eps_t, sig_t, nonadd, width
):
    """Build the half Verlet list; returns (neighbors (N, width), counts (N,), ok).

    Uses a cell list when every box side holds at least 3 cells of side >= r_list_max, else an
    O(N^2) loop. ``ok`` is False when a row overflowed ``width`` (the caller retries wider).
    Candidates j > i of particle i are gathered first, then tested in one tight loop.
    """
    n = pos.shape[0]
    nbr = np.empty((n, width), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    n_sp = sig_t.shape[0]
    rl2_t = np.empty((n_sp, n_sp))
    for a in range(n_sp):
        for b in range(n_sp):
            rl2_t[a, b] = (x_cut * sig_t[a, b] + skin) ** 2
    cand = np.empty(n, dtype=np.int64)
    lx = box[0]
    ly = box[1]
    lz = box[2]
    ilx = 1.0 / lx
    ily = 1.0 / ly
    ilz = 1.0 / lz
    nc = np.empty(3, dtype=np.int64)
    for a in range(3):
        nc[a] = int(box[a] // r_list_max)
    use_cells = nc[0] >= 3 and nc[1] >= 3 and nc[2] >= 3
    n_cells = nc[0] * nc[1] * nc[2] if use_cells else 1
    cell_xyz = np.zeros((n, 3), dtype=np.int64)
    start = np.zeros(n_cells + 1, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    if use_cells:
        cell_of = np.empty(n, dtype=np.int64)
        for i in range(n):
            for a in range(3):
                s = pos[i, a] / box[a]
                s -= np.floor(s)
                c = int(s * nc[a])
                if c >= nc[a]:
                    c = nc[a] - 1
                cell_xyz[i, a] = c
            cell_of[i] = (cell_xyz[i, 0] * nc[1] + cell_xyz[i, 1]) * nc[2] + cell_xyz[i, 2]
        for i in range(n):
            start[cell_of[i] + 1] += 1
        for c in range(n_cells):
            start[c + 1] += start[c]
        fill = start[:-1].copy()
        for i in range(n):
            c = cell_of[i]
            members[fill[c]] = i
            fill[c] += 1
    for i in range(n):
        m = 0
        if use_cells:
            cx = cell_xyz[i, 0]
            cy = cell_xyz[i, 1]
            cz = cell_xyz[i, 2]
            for ox in range(-1, 2):
                ix = (cx + ox) % nc[0]
                for oy in range(-1, 2):
                    iy = (cy + oy) % nc[1]
                    for oz in range(-1, 2):
                        iz = (cz + oz) % nc[2]
                        c = (ix * nc[1] + iy) * nc[2] + iz
                        for k in range(start[c], start[c + 1]):
                            j = members[k]
                            if j > i:
                                cand[m] = j
                                m += 1
        else:
            for j in range(i + 1, n):
                cand[m] = j
                m += 1
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        c_i = 0
        for k in range(m):
            j = cand[k]
            dx = xi - pos[j, 0]
            dy = yi - pos[j, 1]
            dz = zi - pos[j, 2]
            dx -= lx * np.floor(dx * ilx + 0.5)
            dy -= ly * np.floor(dy * ily + 0.5)
            dz -= lz * np.floor(dz * ilz + 0.5)
            r2 = dx * dx + dy * dy + dz * dz
            if mixing == 0:
                rl2 = rl2_t[species[i], species[j]]
            else:
                rl2 = _list_radius_sq(i, j, mixing, species, diameters, rl2_t, nonadd, x_cut,
                                      skin)
            if r2 < rl2:
                if c_i >= width:
                    return nbr, counts, False
                nbr[i, c_i] = j
                c_i += 1
        counts[i] = c_i
    return nbr, counts, True


@njit(cache=True, nogil=True)
def max_displacement_sq(pos, ref, box):
    """max_i |minimum-image(pos_i - ref_i)|^2; NaN as soon as a position is NaN or infinite."""
    m = 0.0
    for i in range(pos.shape[0]):
        s = 0.0
        for a in range(3):
            d = pos[i, a] - ref[i, a]
            d -= box[a] * np.round(d / box[a])
            s += d * d
        if s != s:
            return s
        if s > m:
            m = s
    return m


class VerletList:
    """A self-updating half Verlet list for one system's pair potential.

    Args:
        params: :class:`pelkit.models.base.KernelParams` of the system.
        box: (3,) box lengths.
        r_cut_max: largest pair cutoff in the system.
        skin: list skin in sigma (default 0.3).
    """

    def __init__(self, params, box: NDArray[np.float64], r_cut_max: float, skin: float = 0.3):
        self.params = params
        self.box = np.ascontiguousarray(box, dtype=np.float64)
        self.skin = float(skin)
        self.r_cut_max = float(r_cut_max)
        self.width = 64
        self.reference: NDArray[np.float64] | None = None
        self.neighbors = np.empty((0, 0), dtype=np.int64)
        self.counts = np.empty(0, dtype=np.int64)
        self.builds = 0

    def build(self, pos: NDArray[np.float64]) -> None:
        """(Re)build the list around positions ``pos`` (N, 3)."""
        p = self.params
        pos = np.ascontiguousarray(pos, dtype=np.float64)
        if not np.all(np.isfinite(pos)):
            # a NaN cell index would be written out of bounds by the Numba builder
            raise InputError("positions contain NaN or infinite values")
        while True:
            nbr, counts, ok = build_half_list(
                pos, self.box, self.skin, self.r_cut_max + self.skin, p.x_cut, p.mixing,
                p.species, p.diameters, p.eps_table, p.sigma_table, p.nonadditivity, self.width,
            )
            if ok:
                break
            self.width *= 2
        self.neighbors, self.counts = nbr, counts
        self.reference = pos.copy()
        self.builds += 1

    def update(self, pos: NDArray[np.float64]) -> bool:
        """Rebuild if any particle moved more than skin/2 since the last build; True if rebuilt."""
        if self.reference is None or self.reference.shape != pos.shape:
            self.build(pos)
            return True
        # "not <=" also rebuilds (and so raises) for non-finite positions
        if not max_displacement_sq(pos, self.reference, self.box) <= (0.5 * self.skin) ** 2:
            self.build(pos)
            return True
        return False

    def pairs(self) -> NDArray[np.int64]:
        """The listed pairs as an (M, 2) array with i < j (for tests and diagnostics)."""
        rows = np.repeat(np.arange(self.counts.size), self.counts)
        if rows.size == 0:
            return np.zeros((0, 2), dtype=np.int64)
        mask = np.arange(self.neighbors.shape[1])[None, :] < self.counts[:, None]
        return np.stack([rows, self.neighbors[mask].astype(np.int64)], axis=1)
