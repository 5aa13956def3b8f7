"""Cell lists and Verlet neighbour lists with a skin (half lists: each pair listed once).

A pair (i, j) enters the list when its minimum-image distance is below r_c,ij + skin, with
r_c,ij = x_c sigma_ij. The list stays valid while no particle has moved more than skin/2 since it
was built (:class:`VerletList` checks this on every call and rebuilds automatically).

Storage: ``neighbors`` (N, K) rows (int32 from :func:`build_half_list`; the kernels accept any
integer type) and ``counts`` (N,), row i listing its partners in its first counts[i] entries.
Each row is padded up to the next multiple of :data:`pelkit.engine.pair.LANES` with the index i
itself (never a partner: the vectorised force kernel reads whole lanes and masks the padding),
so K is at least that padded length. This fixed-width layout is what a replica-batched or GPU
version mirrors.

Which row holds a pair: in small boxes (fewer than 5 cells of side r_list/2 along some side,
or at most FORWARD_MIN_CELLS cells) row i lists the j > i in ascending order; otherwise the
list is built from cells of side >= r_list/2 with a forward half stencil
(:func:`_forward_cells`), and a pair sits in the row of the particle whose cell comes first in
x-major cell order (within one cell, the one sorted first), its partners in cell order. Each
pair is listed exactly once either way (the force kernels add the pair force to one particle
and subtract it from the other, so the row that holds a pair does not matter; the order of
the sums, and so the rounding, does). The forward stencil tests about a third of the
candidates of 27 cells of side r_list with a j > i filter (cell lists: Allen & Tildesley,
Computer Simulation of Liquids, Oxford 1987, section 5.3).
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.typing import NDArray

from pelkit.engine.geometry import box_sides, minimum_image_r2, nearest_image
from pelkit.engine.pair import (
    BLOCK,
    FORM_GENERAL,
    LANES,
    forces_core,
    forces_only_core,
    forces_terms,
)
from pelkit.errors import InputError

CAND_PAD = 32  # candidate runs are padded to a multiple of this (masked lanes)
ROW_HEADROOM = 1.15
ROW_EXTRA = 8
"""Row width of lists rebuilt inside compiled loops: ROW_HEADROOM x the longest row + ROW_EXTRA
(:meth:`VerletList.build_with_headroom`). Narrower rows make the list array smaller and the
force loop faster at large N: with 1.15 x + 8 instead of 1.5 x + 16 a KA MD step (one thread,
skin 0.3) took 0.96x the time at N = 10^4 and 0.83x at N = 10^5, the same at N = 1000
(benchmarks/RESULTS.md)."""
FORWARD_MIN_CELLS = 250
"""The cell path needs more cells than this: each particle then tests about 62.5 cells' worth
of candidates (plus copying them once per cell) against N/2 for the j > i path, i.e. fewer when
62.5 x 2 x N / cells < N / 2. Measured (KA, skin 0.3, one thread): equal at N ~ 1500 (343 cells),
the cell path 1.9x faster at N = 3000 and 5.6x at N = 10^4; the j > i path 1.3x faster at
N = 1000 (216 cells)."""


@intrinsic
def _stack_i64(typingctx, size):
    """Pointer to ``size`` int64 on the stack of the calling kernel (``size`` a literal)."""
    if not isinstance(size, types.IntegerLiteral):
        return None
    count = size.literal_value

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(types.int64)
        return cgutils.alloca_once(builder, ty, size=context.get_constant(types.intp, count))

    return types.CPointer(types.int64)(size), codegen


@njit(cache=True, nogil=True)
def build_half_list(
    pos, box, skin, r_list_max, x_cut, mixing, species, diameters, eps_t, sig_t, nonadd, width
):
    """Build the padded half Verlet list; returns (neighbors (N, width) int32, counts (N,),
    ok).

    A pair is listed (once, module doc) when its minimum-image distance is below
    x_c sigma_ij + skin (squared distances compared). Candidates: every j > i in small boxes,
    else the forward half stencil of cells of side >= ``r_list_max`` / 2. Positions are copied
    into cell-ordered contiguous arrays so that the test of a run of candidates is a vectorised
    loop (runs padded to CAND_PAD lanes, padding masked); the accepted indices are then
    compacted without branches. Rows are padded as the module doc says. ``ok`` is False when
    a padded row would not fit in ``width`` (the caller retries wider).
    """
    n = pos.shape[0]
    nbr = np.empty((n, width), dtype=np.int32)
    counts = np.zeros(n, dtype=np.int64)
    ok = fill_half_list(pos, box, skin, r_list_max, x_cut, mixing, species, diameters, eps_t,
                        sig_t, nonadd, nbr, counts)
    return nbr, counts, ok


@njit(cache=True, nogil=True, error_model="numpy")
def fill_half_list(
    pos, box, skin, r_list_max, x_cut, mixing, species, diameters, eps_t, sig_t, nonadd, nbr,
    counts
):
    """:func:`build_half_list` into existing arrays ``nbr`` (N, width) and ``counts`` (N,)
    (no allocation of the list: MD rebuilds reuse their arrays). Returns ``ok``; when False
    (a row overflowed) the arrays hold a partial list and must be rebuilt wider.

    Two paths (module doc): the forward half stencil of :func:`_forward_cells` when the box
    holds at least 5 cells of side >= r_list_max / 2 along every side and more than
    FORWARD_MIN_CELLS cells in all; otherwise every j > i (:func:`_all_later`).
    """
    lx, ly, lz, _, _, _ = box_sides(box)
    half = 0.5 * r_list_max
    nc0 = int(lx // half)
    nc1 = int(ly // half)
    nc2 = int(lz // half)
    if nc0 >= 5 and nc1 >= 5 and nc2 >= 5 and nc0 * nc1 * nc2 > FORWARD_MIN_CELLS:
        return _forward_cells(pos, box, skin, x_cut, mixing, species, diameters, sig_t, nonadd,
                              nbr, counts, nc0, nc1, nc2)
    return _all_later(pos, box, skin, x_cut, mixing, species, diameters, sig_t, nonadd, nbr,
                      counts)


@njit(cache=True, nogil=True, error_model="numpy")
def _sorted_copies(pos, order, skin, x_cut, mixing, species, diameters, sig_t, box):
    """Copies in the order ``order`` (N,): xs, ys, zs, ds (N + CAND_PAD,), padded with entries
    that never pass the test, and thr (S or 1, N + CAND_PAD): the squared list radius between
    species a and the k-th particle (species mixing only). With a ``box`` (3,) the coordinates
    are wrapped into [0, L) (x - L floor(x/L): unchanged for x already inside)."""
    n = pos.shape[0]
    n_sp = sig_t.shape[0]
    xs = np.zeros(n + CAND_PAD)
    ys = np.zeros(n + CAND_PAD)
    zs = np.zeros(n + CAND_PAD)
    ds = np.ones(n + CAND_PAD)
    thr = np.zeros((n_sp if mixing == 0 else 1, n + CAND_PAD))
    for k in range(n):
        i = order[k]
        xs[k] = pos[i, 0]
        ys[k] = pos[i, 1]
        zs[k] = pos[i, 2]
        if box is not None:
            xs[k] -= box[0] * np.floor(xs[k] / box[0])
            ys[k] -= box[1] * np.floor(ys[k] / box[1])
            zs[k] -= box[2] * np.floor(zs[k] / box[2])
        ds[k] = diameters[i]
        if mixing == 0:
            for a in range(n_sp):
                thr[a, k] = (x_cut * sig_t[a, species[i]] + skin) ** 2
    return xs, ys, zs, ds, thr


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _test_run(lo, hi, first, i, xi, yi, zi, di, row_thr, box, xs, ys, zs, ds, order, mixing,
              x_cut, skin, k_na, cand, c_i):
    """Append to ``cand`` (from position ``c_i``) the particles order[lo:hi] with index > ``first``
    that lie within the list radius of particle i at (xi, yi, zi) (diameter di); returns the
    new count. Distances are minimum-image ones for a periodic ``box``; ``box`` None: plain
    differences (the candidates' coordinates already shifted to the image next to i). The
    test runs over whole padded blocks (vectorised, padding masked); the accepted indices are
    then compacted without branches."""
    if box is None:
        lx = ly = lz = ilx = ily = ilz = 0.0
    else:
        lx, ly, lz, ilx, ily, ilz = box_sides(box)
    flags = carray(_stack_i64(BLOCK), BLOCK)  # on this kernel's stack: no aliasing
    for b0 in range(lo, hi, BLOCK):
        nb = min(BLOCK, hi - b0)
        nv = (nb + CAND_PAD - 1) & -CAND_PAD  # a multiple of CAND_PAD (a power of 2)
        bx = xs[b0 : b0 + nv]
        by = ys[b0 : b0 + nv]
        bz = zs[b0 : b0 + nv]
        bo = order[b0 : b0 + nv]
        # two copies of the distance loop on purpose (kernel specialisation): the pair-table
        # threshold or the diameter-mixing radius, chosen once per block, not per pair
        if mixing == 0:
            bt = row_thr[b0 : b0 + nv]
            for m in range(nv):
                if box is None:
                    r2 = (xi - bx[m]) ** 2 + (yi - by[m]) ** 2 + (zi - bz[m]) ** 2
                else:
                    r2 = minimum_image_r2(xi - bx[m], yi - by[m], zi - bz[m], lx, ly, lz, ilx,
                                          ily, ilz)
                good = (r2 < bt[m]) & (bo[m] > first) & (m < nb)
                flags[m] = 1 if good else 0
        else:
            bd = ds[b0 : b0 + nv]
            for m in range(nv):
                if box is None:
                    r2 = (xi - bx[m]) ** 2 + (yi - by[m]) ** 2 + (zi - bz[m]) ** 2
                else:
                    r2 = minimum_image_r2(xi - bx[m], yi - by[m], zi - bz[m], lx, ly, lz, ilx,
                                          ily, ilz)
                dj = bd[m]
                rl = x_cut * (0.5 * (di + dj) * (1.0 - k_na * abs(di - dj))) + skin
                good = (r2 < rl * rl) & (bo[m] > first) & (m < nb)
                flags[m] = 1 if good else 0
        for m in range(nb):
            cand[c_i] = bo[m]
            c_i += flags[m]
    return c_i


@njit(cache=True, nogil=True, inline="always")
def _finish_row(i, c_i, cand, nbr, counts):
    """Copy the c_i accepted partners of row i and pad the row (module doc); False when the
    padded row does not fit."""
    padded = (c_i + LANES - 1) // LANES * LANES
    if padded > nbr.shape[1]:
        return False
    for m in range(c_i):
        nbr[i, m] = cand[m]
    for m in range(c_i, padded):
        nbr[i, m] = i  # padding read (masked) by the vectorised force kernel
    counts[i] = c_i
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _all_later(pos, box, skin, x_cut, mixing, species, diameters, sig_t, nonadd, nbr, counts):
    """Small boxes: row i lists every j > i within the list radius, in ascending j."""
    n = pos.shape[0]
    order = np.full(n + CAND_PAD, -1, dtype=np.int64)
    order[:n] = np.arange(n)
    xs, ys, zs, ds, thr = _sorted_copies(pos, order, skin, x_cut, mixing, species, diameters,
                                         sig_t, None)
    k_na = nonadd if mixing == 2 else 0.0
    cand = np.empty(n + CAND_PAD, dtype=np.int64)
    for i in range(n):
        row_thr = thr[species[i] if mixing == 0 else 0]
        c_i = _test_run(i + 1, n, i, i, pos[i, 0], pos[i, 1], pos[i, 2], diameters[i], row_thr,
                        box, xs, ys, zs, ds, order, mixing, x_cut, skin, k_na, cand, 0)
        if not _finish_row(i, c_i, cand, nbr, counts):
            return False
    return True


@njit(cache=True, nogil=True)
def _gather_cells(lo, hi, xs, ys, zs, ds, order, thr, t, bx, by, bz, bd, bo, bt, sx, sy, sz):
    """Copy the sorted entries lo .. hi-1 to the candidate buffers from position t, their
    coordinates shifted by (sx, sy, sz) (a periodic image); returns the new fill."""
    for k in range(lo, hi):
        bx[t] = xs[k] + sx
        by[t] = ys[k] + sy
        bz[t] = zs[k] + sz
        bd[t] = ds[k]
        bo[t] = order[k]
        for a in range(thr.shape[0]):
            bt[a, t] = thr[a, k]
        t += 1
    return t


@njit(cache=True, nogil=True, error_model="numpy")
def _forward_cells(pos, box, skin, x_cut, mixing, species, diameters, sig_t, nonadd, nbr, counts,
                   nc0, nc1, nc2):
    """Cells of side >= r_list / 2 (nc0 x nc1 x nc2, each >= 5), particles sorted by cell
    (x-major cell index, a counting sort), and for each particle the candidates of its
    forward half stencil: the particles after it in its own cell and in the next two cells
    along z, and the five cells along z (offsets -2 .. 2) of the 12 columns (dx, dy) with
    dx = 0, dy = 1, 2 or dx = 1, 2, dy = -2 .. 2. Every pair of cells within two cells of each
    other along each axis is visited once, from the cell that comes first (with at least 5
    cells per side the periodic offsets -2 .. 2 are distinct), so each pair within the list
    radius is listed once, in the row of the particle whose cell (or, in one cell, sorted
    position) comes first.

    For each cell the stencil's particles are copied once into contiguous buffers (own cell
    first), so that each particle of the cell is tested against one long run (vectorised)."""
    n = pos.shape[0]
    lx, ly, lz, _, _, _ = box_sides(box)
    cell_of = np.empty(n, dtype=np.int64)
    for i in range(n):
        s0 = pos[i, 0] / lx
        s1 = pos[i, 1] / ly
        s2 = pos[i, 2] / lz
        c0 = min(int((s0 - np.floor(s0)) * nc0), nc0 - 1)
        c1 = min(int((s1 - np.floor(s1)) * nc1), nc1 - 1)
        c2 = min(int((s2 - np.floor(s2)) * nc2), nc2 - 1)
        cell_of[i] = (c0 * nc1 + c1) * nc2 + c2
    n_cells = nc0 * nc1 * nc2
    start = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n):
        start[cell_of[i] + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.full(n + CAND_PAD, -1, dtype=np.int64)
    for i in range(n):
        c = cell_of[i]
        order[fill[c]] = i
        fill[c] += 1
    xs, ys, zs, ds, thr = _sorted_copies(pos, order, skin, x_cut, mixing, species, diameters,
                                         sig_t, box)
    k_na = nonadd if mixing == 2 else 0.0
    # candidate buffers of one cell's stencil (padded like the sorted copies), coordinates
    # shifted to the periodic image next to the cell, so the test needs no minimum image
    cap = n + CAND_PAD
    bx = np.zeros(cap)
    by = np.zeros(cap)
    bz = np.zeros(cap)
    bd = np.ones(cap)
    bo = np.full(cap, -1, dtype=np.int64)
    bt = np.zeros((thr.shape[0], cap))
    cand = np.empty(cap, dtype=np.int64)
    for c in range(n_cells):
        if start[c + 1] == start[c]:
            continue
        cz = c % nc2
        cy = (c // nc2) % nc1
        cx = c // (nc2 * nc1)
        # own column: this cell and the next two along z (wrapped)
        base = c - cz
        if cz + 2 < nc2:
            t = _gather_cells(start[c], start[c + 3], xs, ys, zs, ds, order, thr, 0, bx, by, bz,
                              bd, bo, bt, 0.0, 0.0, 0.0)
        else:
            t = _gather_cells(start[c], start[base + nc2], xs, ys, zs, ds, order, thr, 0, bx, by,
                              bz, bd, bo, bt, 0.0, 0.0, 0.0)
            t = _gather_cells(start[base], start[base + cz + 3 - nc2], xs, ys, zs, ds, order,
                              thr, t, bx, by, bz, bd, bo, bt, 0.0, 0.0, lz)
        for u in range(12):
            ox = 0 if u < 2 else (1 if u < 7 else 2)
            oy = u + 1 if u < 2 else (u - 2) % 5 - 2
            jx = cx + ox
            jy = cy + oy
            sx = lx if jx >= nc0 else 0.0
            sy = ly if jy >= nc1 else (-ly if jy < 0 else 0.0)
            base = ((jx % nc0) * nc1 + jy % nc1) * nc2
            lo = cz - 2
            hi = cz + 2
            if lo < 0:
                t = _gather_cells(start[base + lo + nc2], start[base + nc2], xs, ys, zs, ds,
                                  order, thr, t, bx, by, bz, bd, bo, bt, sx, sy, -lz)
                lo = 0
            if hi >= nc2:
                t = _gather_cells(start[base], start[base + hi - nc2 + 1], xs, ys, zs, ds, order,
                                  thr, t, bx, by, bz, bd, bo, bt, sx, sy, lz)
                hi = nc2 - 1
            t = _gather_cells(start[base + lo], start[base + hi + 1], xs, ys, zs, ds, order, thr,
                              t, bx, by, bz, bd, bo, bt, sx, sy, 0.0)
        for q in range(start[c + 1] - start[c]):
            i = bo[q]
            row_thr = bt[species[i] if mixing == 0 else 0]
            c_i = _test_run(q + 1, t, -1, i, bx[q], by[q], bz[q], bd[q], row_thr, None, bx, by,
                            bz, bd, bo, mixing, x_cut, skin, k_na, cand, 0)
            if not _finish_row(i, c_i, cand, nbr, counts):
                return False
    return True


@njit(cache=True, nogil=True)
def max_displacement_sq(pos, ref, box):
    """max_i |minimum-image(pos_i - ref_i)|^2; NaN as soon as a position is NaN or infinite."""
    m = 0.0
    for i in range(pos.shape[0]):
        s = 0.0
        for a in range(3):
            d = pos[i, a] - ref[i, a]
            d = nearest_image(d, box[a])
            s += d * d
        if s != s:
            return s
        if s > m:
            m = s
    return m


@njit(cache=True, nogil=True)
def forces_with_list(pos, box, params, lists, plan, forces, disp2, energies=True):
    """Forces with an automatic neighbour-list rebuild when ``disp2``, the largest squared
    displacement since the list was built, exceeds (skin/2)^2.

    ``params`` = (mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut) (the fields of
    :class:`pelkit.models.base.KernelParams`); ``lists`` = (nbr, counts, ref, builds (1,), skin,
    r_list) (:meth:`VerletList.kernel_state`; updated in place on a rebuild); ``plan`` =
    (form, tab, coef) from :func:`pelkit.engine.pair.force_plan`,
    :func:`pelkit.engine.pair.vector_form` and :func:`pelkit.engine.pair.species_tables`.

    With ``energies`` False a vectorised form skips the energy and virial
    (:func:`pelkit.engine.pair.forces_only_core`: the same forces bit for bit) and returns NaN
    for both; the scalar kernel of FORM_GENERAL computes them anyway.

    Returns (energy, virial, ok); ok is False when a list row overflowed (caller widens it).
    """
    mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut = params
    nbr, counts, ref, builds, skin, r_list = lists
    form, tab, coef = plan
    if disp2 > (0.5 * skin) ** 2:
        if not fill_half_list(pos, box, skin, r_list, x_cut, mixing, species, diameters, eps_t,
                              sig_t, nonadd, nbr, counts):
            return 0.0, 0.0, False
        ref[:, :] = pos
        builds[0] += 1
    if form == FORM_GENERAL:
        e, w = forces_terms(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                            nonadd, terms, x_cut, forces)
    elif not energies:
        e, w = forces_only_core(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                                x_cut, form, tab, coef, forces)
    else:
        e, w = forces_core(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                           x_cut, form, tab, coef, forces)
    return e, w, True



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
        self.neighbors = np.empty((0, 0), dtype=np.int32)
        self.counts = np.empty(0, dtype=np.int64)
        self.builds = 0
        # rebuilds done inside compiled loops (forces_with_list), added to ``builds`` by
        # :meth:`collect_builds`
        self.kernel_builds = np.zeros(1, dtype=np.int64)

    @property
    def list_radius(self) -> float:
        """r_cut_max + skin (sigma): the largest listed pair distance, the cell side."""
        return self.r_cut_max + self.skin

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

    def is_valid(self, pos: NDArray[np.float64]) -> bool:
        """True if the list still holds every pair within the cutoff for positions ``pos``
        (N, 3): it was built for N particles and none moved more than skin/2 (minimum image)
        since. False before the first build and for non-finite positions."""
        if self.reference is None or self.reference.shape != pos.shape:
            return False
        # "<=" is False for non-finite positions
        return bool(max_displacement_sq(pos, self.reference, self.box) <= (0.5 * self.skin) ** 2)

    def update(self, pos: NDArray[np.float64]) -> bool:
        """Rebuild if any particle moved more than skin/2 since the last build; True if rebuilt
        (non-finite positions are rebuilt, which raises)."""
        if self.is_valid(pos):
            return False
        self.build(pos)
        return True

    def build_with_headroom(self, pos: NDArray[np.float64], widen: bool = False) -> None:
        """Build around ``pos`` (N, 3) with rows wide enough for compiled loops that rebuild the
        list in place (:func:`forces_with_list`): width = ROW_HEADROOM x the longest row +
        ROW_EXTRA, padded to whole lanes, so that density fluctuations rarely overflow a row
        (an overflow is caught and the step finished exactly; the caller then passes
        ``widen``, which also makes the width at least 1.25 x the one that overflowed)."""
        old = self.width
        self.build(pos)
        counts_max = int(self.counts.max()) if self.counts.size else 0
        width = int(ROW_HEADROOM * counts_max) + ROW_EXTRA
        if widen:
            width = max(width, int(1.25 * old))
        width = -(-width // LANES) * LANES  # rows padded to whole lanes (engine.pair)
        if width != self.neighbors.shape[1]:
            self.width = width
            self.build(pos)

    def restore(self, reference: NDArray[np.float64], width: int) -> None:
        """Rebuild around saved ``reference`` positions with at least the saved row ``width``,
        so that pair order and later rebuild steps are those of the run that saved them."""
        self.build_with_headroom(reference)
        if self.width != width and width >= self.width:
            self.width = int(width)
            self.build(reference)

    def kernel_state(self) -> tuple:
        """(neighbors, counts, reference, kernel_builds, skin, list_radius): the list tuple of
        the compiled loops (:func:`forces_with_list`, which updates the arrays in place)."""
        assert self.reference is not None, "build the list first"
        return (self.neighbors, self.counts, self.reference, self.kernel_builds, self.skin,
                self.list_radius)

    def collect_builds(self) -> None:
        """Add the rebuilds counted by compiled loops to :attr:`builds`."""
        self.builds += int(self.kernel_builds[0])
        self.kernel_builds[0] = 0

    def pairs(self, oriented: bool = False) -> NDArray[np.int64]:
        """The listed pairs as an (M, 2) array (for tests and diagnostics): (min, max) of each
        pair, or with ``oriented`` (row, partner) as stored."""
        rows = np.repeat(np.arange(self.counts.size), self.counts)
        if rows.size == 0:
            return np.zeros((0, 2), dtype=np.int64)
        mask = np.arange(self.neighbors.shape[1])[None, :] < self.counts[:, None]
        out = np.stack([rows, self.neighbors[mask].astype(np.int64)], axis=1)
        return out if oriented else np.sort(out, axis=1)


def cell_order(positions: NDArray[np.float64], lengths: NDArray[np.float64],
               side: float) -> NDArray[np.int64]:
    """Particle indices sorted by the cell (side >= ``side``, sigma) holding each particle.

    The cells of an orthorhombic periodic box, numbered x-major; the sort is stable. Numbering
    particles in this order puts neighbours close in memory (better cache use at large N).

    Args:
        positions: (N, 3) positions, sigma; lengths: (3,) box lengths; side: smallest cell side.

    Returns:
        (N,) int64 permutation p: the particle at new index k is old particle p[k].
    """
    lengths = np.asarray(lengths, dtype=np.float64)
    cells = np.maximum((lengths / side).astype(np.int64), 1)
    c = np.floor(np.asarray(positions) / lengths * cells).astype(np.int64) % cells
    key = (c[:, 0] * cells[1] + c[:, 1]) * cells[2] + c[:, 2]
    return np.argsort(key, kind="stable")
