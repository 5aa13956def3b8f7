"""Cell lists and Verlet neighbour lists with a skin (half lists: each pair once, j > i).

A pair (i, j) enters the list when its minimum-image distance is below r_c,ij + skin, with
r_c,ij = x_c sigma_ij. The list stays valid while no particle has moved more than skin/2 since it
was built (:class:`VerletList` checks this on every call and rebuilds automatically).

Storage: ``neighbors`` (N, K) int64 rows and ``counts`` (N,), row i listing its partners j > i
in its first counts[i] entries. Each row is padded up to the next multiple of
:data:`pelkit.engine.pair.LANES` with the index i itself (never a partner: the vectorised force
kernel reads whole lanes and masks the padding), so K is at least that padded length. This
fixed-width layout is what a replica-batched or GPU version mirrors.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.typing import NDArray

from pelkit.engine.geometry import box_sides, minimum_image_r2, nearest_image
from pelkit.engine.pair import BLOCK, FORM_GENERAL, LANES, forces_core, forces_terms
from pelkit.errors import InputError

CAND_PAD = 32  # candidate runs are padded to a multiple of this (masked lanes)


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
    """Build the padded half Verlet list; returns (neighbors (N, width), counts (N,), ok).

    A pair (i, j > i) is listed when its minimum-image distance is below x_c sigma_ij + skin
    (squared distances compared). Candidates: every j > i when some box side holds fewer than 4
    cells of side ``r_list_max`` (small boxes: fewer candidates than 27 cells would give), else
    the 27 cells around i's cell. Positions are copied into cell-ordered contiguous arrays so
    that the test of a run of candidates is a vectorised loop (runs padded to CAND_PAD lanes,
    padding masked); the accepted indices are then compacted without branches. Rows list j in
    cell order (ascending j on the small-box path) and are padded as the module doc says.
    ``ok`` is False when a padded row would not fit in ``width`` (the caller retries wider).
    """
    n = pos.shape[0]
    nbr = np.empty((n, width), dtype=np.int64)
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
    (a row overflowed) the arrays hold a partial list and must be rebuilt wider."""
    width = nbr.shape[1]
    n = pos.shape[0]
    n_sp = sig_t.shape[0]
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
    nc0 = int(lx // r_list_max)
    nc1 = int(ly // r_list_max)
    nc2 = int(lz // r_list_max)
    use_cells = nc0 >= 4 and nc1 >= 4 and nc2 >= 4
    if not use_cells:
        nc0 = 1
        nc1 = 1
        nc2 = 1
    n_cells = nc0 * nc1 * nc2
    cell = np.zeros((n, 3), dtype=np.int64)
    cell_of = np.zeros(n, dtype=np.int64)
    if use_cells:
        for i in range(n):
            for a in range(3):
                nc_a = nc0 if a == 0 else (nc1 if a == 1 else nc2)
                s = pos[i, a] / box[a]
                s -= np.floor(s)
                cell[i, a] = min(int(s * nc_a), nc_a - 1)
            cell_of[i] = (cell[i, 0] * nc1 + cell[i, 1]) * nc2 + cell[i, 2]
    start = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n):
        start[cell_of[i] + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    # cell-ordered copies, padded with CAND_PAD entries that never pass the test (index -1)
    order = np.full(n + CAND_PAD, -1, dtype=np.int64)
    for i in range(n):
        c = cell_of[i]
        order[fill[c]] = i
        fill[c] += 1
    xs = np.zeros(n + CAND_PAD)
    ys = np.zeros(n + CAND_PAD)
    zs = np.zeros(n + CAND_PAD)
    ds = np.ones(n + CAND_PAD)
    # thr[a, k]: squared list radius between species a and the k-th sorted particle
    thr = np.zeros((n_sp if mixing == 0 else 1, n + CAND_PAD))
    for k in range(n):
        i = order[k]
        xs[k] = pos[i, 0]
        ys[k] = pos[i, 1]
        zs[k] = pos[i, 2]
        ds[k] = diameters[i]
        if mixing == 0:
            for a in range(n_sp):
                thr[a, k] = (x_cut * sig_t[a, species[i]] + skin) ** 2
    k_na = nonadd if mixing == 2 else 0.0
    flags = carray(_stack_i64(BLOCK), BLOCK)
    cand = np.empty(n + CAND_PAD, dtype=np.int64)
    stencil = np.zeros(27, dtype=np.int64)
    for i in range(n):
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        di = diameters[i]
        row_thr = thr[species[i] if mixing == 0 else 0]
        n_st = 1
        if use_cells:
            n_st = 0
            for ox in range(-1, 2):
                ix = (cell[i, 0] + ox) % nc0
                for oy in range(-1, 2):
                    iy = (cell[i, 1] + oy) % nc1
                    for oz in range(-1, 2):
                        iz = (cell[i, 2] + oz) % nc2
                        stencil[n_st] = (ix * nc1 + iy) * nc2 + iz
                        n_st += 1
        c_i = 0
        for t in range(n_st):
            lo = start[stencil[t]] if use_cells else i + 1
            hi = start[stencil[t] + 1]
            for b0 in range(lo, hi, BLOCK):
                nb = min(BLOCK, hi - b0)
                nv = (nb + CAND_PAD - 1) & -CAND_PAD  # a multiple of CAND_PAD (a power of 2)
                bx = xs[b0 : b0 + nv]
                by = ys[b0 : b0 + nv]
                bz = zs[b0 : b0 + nv]
                bo = order[b0 : b0 + nv]
                if mixing == 0:
                    bt = row_thr[b0 : b0 + nv]
                    for m in range(nv):
                        r2 = minimum_image_r2(xi - bx[m], yi - by[m], zi - bz[m], lx, ly, lz,
                                              ilx, ily, ilz)
                        good = (r2 < bt[m]) & (bo[m] > i) & (m < nb)
                        flags[m] = 1 if good else 0
                else:
                    bd = ds[b0 : b0 + nv]
                    for m in range(nv):
                        r2 = minimum_image_r2(xi - bx[m], yi - by[m], zi - bz[m], lx, ly, lz,
                                              ilx, ily, ilz)
                        dj = bd[m]
                        rl = x_cut * (0.5 * (di + dj) * (1.0 - k_na * abs(di - dj))) + skin
                        good = (r2 < rl * rl) & (bo[m] > i) & (m < nb)
                        flags[m] = 1 if good else 0
                for m in range(nb):
                    cand[c_i] = bo[m]
                    c_i += flags[m]
        padded = (c_i + LANES - 1) // LANES * LANES
        if padded > width:
            return False
        for m in range(c_i):
            nbr[i, m] = cand[m]
        for m in range(c_i, padded):
            nbr[i, m] = i  # padding read (masked) by the vectorised force kernel
        counts[i] = c_i
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
def forces_with_list(pos, box, params, lists, plan, forces, disp2):
    """Forces with an automatic neighbour-list rebuild when ``disp2``, the largest squared
    displacement since the list was built, exceeds (skin/2)^2.

    ``params`` = (mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut) (the fields of
    :class:`pelkit.models.base.KernelParams`); ``lists`` = (nbr, counts, ref, builds (1,), skin,
    r_list) (:meth:`VerletList.kernel_state`; updated in place on a rebuild); ``plan`` =
    (form, tab, coef) from :func:`pelkit.engine.pair.force_plan`,
    :func:`pelkit.engine.pair.vector_form` and :func:`pelkit.engine.pair.species_tables`.

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
        self.neighbors = np.empty((0, 0), dtype=np.int64)
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
        list in place (:func:`forces_with_list`): width >= 1.5 x the longest row + 16, padded to
        whole lanes, so that density fluctuations rarely overflow a row. ``widen``: first double
        the width (after a row overflowed inside a compiled loop)."""
        if widen:
            self.width *= 2
        self.build(pos)
        counts_max = int(self.counts.max()) if self.counts.size else 0
        width = max(self.width, int(1.5 * counts_max) + 16)
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

    def pairs(self) -> NDArray[np.int64]:
        """The listed pairs as an (M, 2) array with i < j (for tests and diagnostics)."""
        rows = np.repeat(np.arange(self.counts.size), self.counts)
        if rows.size == 0:
            return np.zeros((0, 2), dtype=np.int64)
        mask = np.arange(self.neighbors.shape[1])[None, :] < self.counts[:, None]
        return np.stack([rows, self.neighbors[mask].astype(np.int64)], axis=1)


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
