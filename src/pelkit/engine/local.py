"""Local energy changes and the incremental neighbour list of single-particle Monte Carlo moves.

A potential is phi_ij(r) = eps_ij g(r / sigma_ij) for r < x_c sigma_ij (:mod:`pelkit.models.base`;
g from :func:`pelkit.engine.radial.radial_g_of_x2`, sigma_ij from
:func:`pelkit.engine.radial.mixed_sigma`). The energy change of a displacement of particle i, or
of an exchange of the diameters of particles i and j (swap Monte Carlo: Grigera & Parisi, Phys.
Rev. E 63, 045102, 2001; Ninarello, Berthier & Coslovich, Phys. Rev. X 7, 021039, 2017), is summed
over the moved particles' listed neighbours only: O(neighbours) per move instead of O(N).

Neighbour list (full: each pair in both rows). A pair (i, k) is listed when the minimum-image
distance of the particles' *reference* positions is below one uniform radius
r_list = r_cut_max + skin, with r_cut_max the largest pair cutoff over the system's diameters.
The radius does not depend on which particle carries which diameter, so diameter swaps never
invalidate the list (the multiset of diameters, hence r_cut_max, is conserved). Invariant: every
particle lies within skin/2 of its reference. Then any pair closer than r_cut_max is listed
(triangle inequality on the torus). Before a displacement whose trial position would leave the
skin/2 ball, the caller moves the particle's reference to the midpoint of its current and trial
positions (:func:`relist_particle`): only its own row (and its entries in the rows of its old
and new neighbours) is rebuilt from a linked cell list of the references; both positions are
then within sqrt(3) delta_max / 2 <= skin/2 of the reference when skin >= sqrt(3) delta_max. No
global rebuild is ever needed, and the list never affects energies, only which pairs are
visited.

Tuples handed to the kernels:

* ``params`` = (mixing, species (N,) int64, diameters (N,), eps_table (S, S), sigma_table (S, S),
  nonadditivity, terms (K, 3), x_cut): :class:`pelkit.models.base.KernelParams` with the
  diameters that the moves change in place;
* ``plan`` = (even, expo, is_int) from :func:`energy_plan`;
* ``state`` = (ref (N, 3), nbr (N, W) int64, counts (N,), head (C,), nxt (N,), prv (N,),
  cell_of (N,), nc (3,) int64, use_cells, r_list): :meth:`LocalNeighborList.state`.
  ``nbr`` may be replaced by a wider copy: the functions that can grow it return it.

Positions pos (N, 3) are wrapped into [0, L) (sigma); box (3,) the box lengths. Pairs beyond the
largest cutoff a particle can have with anyone (``rc2_max``, sigma^2) are skipped before their
sigma_ij is formed. Energies in eps.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pelkit.engine.geometry import box_sides, minimum_image_r2
from pelkit.engine.pair import _power_plan
from pelkit.engine.radial import mixed_sigma, power_tables, radial_g_of_x2

FloatArray = NDArray[np.float64]


def energy_plan(terms: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """How :func:`pelkit.engine.radial.radial_g_of_x2` evaluates g from x^2 (energy only).

    Returns (even, expo (K,) int64, is_int (K,) bool). ``even`` is the decision of the force
    kernels' power plan (:func:`pelkit.engine.pair.force_plan`): every term an even integer power
    without decay, so g is a polynomial in y = x^2 with exponents p/2 (no square root);
    otherwise y = x and exponents p. Integer exponents (|p| < 64) are taken from tables of
    repeated products, other powers by ``pow``.
    """
    terms = np.ascontiguousarray(np.asarray(terms, dtype=np.float64).reshape(-1, 3))
    even = bool(_power_plan(terms)[1])
    p = terms[:, 1]
    integral = (p == np.floor(p)) & (np.abs(p) < 64)
    expo = np.zeros(p.shape[0], dtype=np.int64)
    expo[integral] = p[integral].astype(np.int64) // (2 if even else 1)
    return even, expo, integral.astype(np.bool_)


# ----------------------------------------------------------------------------- linked cells
@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def cell_index(x, y, z, box, nc):
    """Linear index of the cell holding the (wrapped or not) point (x, y, z)."""
    sx = x / box[0]
    sy = y / box[1]
    sz = z / box[2]
    cx = min(int((sx - math.floor(sx)) * nc[0]), nc[0] - 1)
    cy = min(int((sy - math.floor(sy)) * nc[1]), nc[1] - 1)
    cz = min(int((sz - math.floor(sz)) * nc[2]), nc[2] - 1)
    return (cx * nc[1] + cy) * nc[2] + cz


@njit(cache=True, nogil=True, error_model="numpy")
def _cell_insert(i, c, head, nxt, prv, cell_of):
    nxt[i] = head[c]
    prv[i] = -1
    if head[c] >= 0:
        prv[head[c]] = i
    head[c] = i
    cell_of[i] = c


@njit(cache=True, nogil=True, error_model="numpy")
def _cell_remove(i, head, nxt, prv, cell_of):
    c = cell_of[i]
    if prv[i] >= 0:
        nxt[prv[i]] = nxt[i]
    else:
        head[c] = nxt[i]
    if nxt[i] >= 0:
        prv[nxt[i]] = prv[i]
    nxt[i] = -1
    prv[i] = -1
    cell_of[i] = -1


@njit(cache=True, nogil=True, error_model="numpy")
def _grow(nbr):
    """A copy of ``nbr`` (N, W) with twice the row width."""
    new = np.empty((nbr.shape[0], 2 * nbr.shape[1]), dtype=np.int64)
    new[:, : nbr.shape[1]] = nbr
    return new


# ----------------------------------------------------------------------------- the list
@njit(cache=True, nogil=True, error_model="numpy")
def _list_row(i, only_higher, box, state, nbr):
    """Append to row i (and the symmetric rows) every k with |ref_i - ref_k| < r_list.

    ``only_higher``: consider k > i only (full build, each pair once). Returns ``nbr`` (grown
    when a row overflowed).
    """
    ref, _, counts, head, nxt, _, _, nc, use_cells, r_list = state
    r_list2 = r_list * r_list
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
    xi = ref[i, 0]
    yi = ref[i, 1]
    zi = ref[i, 2]
    if use_cells:
        c = cell_index(xi, yi, zi, box, nc)
        cz = c % nc[2]
        cy = (c // nc[2]) % nc[1]
        cx = c // (nc[1] * nc[2])
        n_visit = 27
    else:
        cx = cy = cz = 0
        n_visit = 1
    for v in range(n_visit):
        if use_cells:
            ox = v // 9 - 1
            oy = (v // 3) % 3 - 1
            oz = v % 3 - 1
            cc = (((cx + ox) % nc[0]) * nc[1] + (cy + oy) % nc[1]) * nc[2] + (cz + oz) % nc[2]
        else:
            cc = 0
        k = head[cc]
        while k >= 0:
            if k != i and (k > i or not only_higher):
                r2 = minimum_image_r2(xi - ref[k, 0], yi - ref[k, 1], zi - ref[k, 2], lx, ly,
                                      lz, ilx, ily, ilz)
                if r2 < r_list2:
                    if counts[i] >= nbr.shape[1] or counts[k] >= nbr.shape[1]:
                        nbr = _grow(nbr)
                    nbr[i, counts[i]] = k
                    counts[i] += 1
                    nbr[k, counts[k]] = i
                    counts[k] += 1
            k = nxt[k]
    return nbr


@njit(cache=True, nogil=True, error_model="numpy")
def build_local_list(pos, box, state):
    """Full build: references = positions, cell list of the references, all rows.

    Fills the arrays of ``state`` in place; returns ``nbr`` (possibly grown).
    """
    ref, nbr, counts, head, nxt, prv, cell_of, nc, use_cells, _ = state
    n = pos.shape[0]
    head[:] = -1
    for i in range(n):
        ref[i, 0] = pos[i, 0]
        ref[i, 1] = pos[i, 1]
        ref[i, 2] = pos[i, 2]
        counts[i] = 0
        c = cell_index(pos[i, 0], pos[i, 1], pos[i, 2], box, nc) if use_cells else 0
        _cell_insert(i, c, head, nxt, prv, cell_of)
    for i in range(n):
        nbr = _list_row(i, True, box, state, nbr)
    return nbr


@njit(cache=True, nogil=True, error_model="numpy")
def relist_particle(i, rx, ry, rz, box, state, nbr):
    """Move particle i's reference to (rx, ry, rz) (wrapped here) and rebuild its entries.

    ``nbr`` is the current (possibly grown) list array; returns it, possibly grown again.
    """
    ref, _, counts, head, nxt, prv, cell_of, nc, use_cells, _ = state
    for m in range(counts[i]):
        k = nbr[i, m]
        ck = counts[k]
        for q in range(ck):
            if nbr[k, q] == i:
                nbr[k, q] = nbr[k, ck - 1]
                counts[k] = ck - 1
                break
    counts[i] = 0
    ref[i, 0] = rx - box[0] * math.floor(rx / box[0])
    ref[i, 1] = ry - box[1] * math.floor(ry / box[1])
    ref[i, 2] = rz - box[2] * math.floor(rz / box[2])
    if use_cells:
        c = cell_index(ref[i, 0], ref[i, 1], ref[i, 2], box, nc)
        if c != cell_of[i]:
            _cell_remove(i, head, nxt, prv, cell_of)
            _cell_insert(i, c, head, nxt, prv, cell_of)
    return _list_row(i, False, box, state, nbr)


# ----------------------------------------------------------------------------- energies
@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def displacement_energy_change(i, tx, ty, tz, pos, box, nbr, counts, rc2_max, params, plan,
                               neg, pw):
    """U(trial) - U(current) of particle i with its listed neighbours (eps), i moved to the
    trial point (tx, ty, tz) (sigma). ``neg``, ``pw``: :func:`power_tables` scratch.

    Pairs with both distances beyond ``rc2_max`` are skipped before their sigma_ij is formed;
    divisions happen only inside the cutoff.
    """
    mixing, species, diam, eps_t, sig_t, nonadd, terms, x_cut = params
    even, expo, is_int = plan
    xc2 = x_cut * x_cut
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
    xi = pos[i, 0]
    yi = pos[i, 1]
    zi = pos[i, 2]
    si = species[i]
    di = diam[i]
    eps = eps_t[0, 0]
    du = 0.0
    for m in range(counts[i]):
        k = nbr[i, m]
        xk = pos[k, 0]
        yk = pos[k, 1]
        zk = pos[k, 2]
        r2o = minimum_image_r2(xi - xk, yi - yk, zi - zk, lx, ly, lz, ilx, ily, ilz)
        r2n = minimum_image_r2(tx - xk, ty - yk, tz - zk, lx, ly, lz, ilx, ily, ilz)
        if r2o >= rc2_max and r2n >= rc2_max:
            continue
        if mixing == 0:
            eps = eps_t[si, species[k]]
            sig = sig_t[si, species[k]]
        else:
            sig = mixed_sigma(mixing, di, diam[k], nonadd)
        sig2 = sig * sig
        rc2 = xc2 * sig2
        if r2o < rc2:
            du -= eps * radial_g_of_x2(r2o / sig2, terms, even, expo, is_int, neg, pw)
        if r2n < rc2:
            du += eps * radial_g_of_x2(r2n / sig2, terms, even, expo, is_int, neg, pw)
    return du


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _rediameter_change(a, skip, d_old, d_new, pos, box, nbr, counts, rc2_max, params, plan, neg,
                       pw):
    """Change of particle a's interactions (partner ``skip`` excluded) when its diameter goes
    from d_old to d_new, positions fixed (eps; diameter mixing only)."""
    mixing, _, diam, eps_t, _, nonadd, terms, x_cut = params
    even, expo, is_int = plan
    eps = eps_t[0, 0]
    xc2 = x_cut * x_cut
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
    xa = pos[a, 0]
    ya = pos[a, 1]
    za = pos[a, 2]
    du = 0.0
    for m in range(counts[a]):
        k = nbr[a, m]
        r2 = minimum_image_r2(xa - pos[k, 0], ya - pos[k, 1], za - pos[k, 2], lx, ly, lz, ilx,
                              ily, ilz)
        if r2 >= rc2_max or k == skip:
            continue
        dk = diam[k]
        sig = mixed_sigma(mixing, d_old, dk, nonadd)
        sig2 = sig * sig
        if r2 < xc2 * sig2:
            du -= eps * radial_g_of_x2(r2 / sig2, terms, even, expo, is_int, neg, pw)
        sig = mixed_sigma(mixing, d_new, dk, nonadd)
        sig2 = sig * sig
        if r2 < xc2 * sig2:
            du += eps * radial_g_of_x2(r2 / sig2, terms, even, expo, is_int, neg, pw)
    return du


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def swap_energy_change(i, j, pos, box, nbr, counts, rc2_max, params, plan, neg, pw):
    """U after exchanging the diameters of particles i != j minus U before (eps), positions
    fixed: the change of both particles' interactions with their other neighbours (the i-j pair
    is symmetric in the two diameters and does not change)."""
    diam = params[2]
    di = diam[i]
    dj = diam[j]
    du = _rediameter_change(i, j, di, dj, pos, box, nbr, counts, rc2_max, params, plan, neg, pw)
    du += _rediameter_change(j, i, dj, di, pos, box, nbr, counts, rc2_max, params, plan, neg, pw)
    return du


@njit(cache=True, nogil=True, error_model="numpy")
def local_total_energy(pos, box, nbr, counts, params, plan):
    """U = sum_{i<k} phi_ik(r_ik) over the listed pairs (eps); a full recomputation."""
    mixing, species, diam, eps_t, sig_t, nonadd, terms, x_cut = params
    even, expo, is_int = plan
    n = pos.shape[0]
    xc2 = x_cut * x_cut
    neg, pw = power_tables(expo, is_int)
    u = 0.0
    for i in range(n):
        for m in range(counts[i]):
            k = nbr[i, m]
            if k < i:
                continue
            if mixing == 0:
                eps = eps_t[species[i], species[k]]
                sig = sig_t[species[i], species[k]]
            else:
                eps = eps_t[0, 0]
                sig = mixed_sigma(mixing, diam[i], diam[k], nonadd)
            d2 = 0.0
            for a in range(3):
                # division form (not minimum_image's 1/L): kept so that energies recomputed
                # here stay bit-identical to those of earlier releases
                d = pos[i, a] - pos[k, a]
                d -= box[a] * math.floor(d / box[a] + 0.5)
                d2 += d * d
            x2 = d2 / (sig * sig)
            if x2 < xc2:
                u += eps * radial_g_of_x2(x2, terms, even, expo, is_int, neg, pw)
    return u


@njit(cache=True, nogil=True, error_model="numpy")
def diameter_cut_table(sorted_diam, candidates, margin, mixing, nonadd, x_cut):
    """(x_c (max_c sigma(D_r, c) + margin))^2 for every entry D_r of the sorted diameters.

    With ``candidates`` = all diameters and margin 0 this is the exact largest squared cutoff a
    particle of diameter D_r has with any partner. With a subset of candidates bracketing every
    diameter and margin = Lipschitz constant of sigma in its second argument times the largest
    gap between consecutive candidates, it is a rigorous upper bound (used for large N).
    """
    m = sorted_diam.shape[0]
    out = np.empty(m)
    for r in range(m):
        best = 0.0
        for k in range(candidates.shape[0]):
            sig = mixed_sigma(mixing, sorted_diam[r], candidates[k], nonadd)
            if sig > best:
                best = sig
        out[r] = (x_cut * (best + margin)) ** 2 * (1.0 + 1e-12)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _displacement_change_one(i, trial, pos, box, nbr, counts, rc2_max, params, plan):
    neg, pw = power_tables(plan[1], plan[2])
    return displacement_energy_change(i, trial[0], trial[1], trial[2], pos, box, nbr, counts,
                                      rc2_max, params, plan, neg, pw)


@njit(cache=True, nogil=True, error_model="numpy")
def _swap_change_one(i, j, pos, box, nbr, counts, rc2_max, params, plan):
    neg, pw = power_tables(plan[1], plan[2])
    return swap_energy_change(i, j, pos, box, nbr, counts, rc2_max, params, plan, neg, pw)


# ----------------------------------------------------------------------------- Python side
class LocalNeighborList:
    """Owner of the full, incrementally updated neighbour list of a Monte Carlo chain.

    Args:
        n: number of particles; width: initial row width (rows grow on demand).
    """

    def __init__(self, n: int, width: int = 32) -> None:
        self.ref = np.zeros((n, 3))
        self.neighbors = np.zeros((n, width), dtype=np.int64)
        self.counts = np.zeros(n, dtype=np.int64)
        self.nxt = np.full(n, -1, dtype=np.int64)
        self.prv = np.full(n, -1, dtype=np.int64)
        self.cell_of = np.full(n, -1, dtype=np.int64)
        self.nc = np.ones(3, dtype=np.int64)
        self.head = np.full(1, -1, dtype=np.int64)
        self.use_cells = False
        self.r_list = 0.0

    def build(self, pos: FloatArray, box: FloatArray, r_list: float) -> None:
        """Full build around wrapped positions ``pos`` (N, 3) with list radius ``r_list``
        (sigma); a cell grid when every box side holds at least 3 cells of side r_list."""
        self.r_list = float(r_list)
        nc = np.floor(box / self.r_list).astype(np.int64)
        self.use_cells = bool(np.all(nc >= 3))
        self.nc = nc if self.use_cells else np.ones(3, dtype=np.int64)
        self.head = np.full(int(np.prod(self.nc)), -1, dtype=np.int64)
        self.neighbors = build_local_list(pos, box, self.state())

    def state(self) -> tuple:
        """The kernels' list tuple (module doc); after a kernel that may grow the rows returns
        its ``nbr``, store it with :meth:`set_neighbors`."""
        return (self.ref, self.neighbors, self.counts, self.head, self.nxt, self.prv,
                self.cell_of, self.nc, self.use_cells, self.r_list)

    def set_neighbors(self, nbr: NDArray[np.int64]) -> None:
        """Adopt the (possibly grown) row array returned by a kernel."""
        self.neighbors = nbr

    def total_energy(self, pos: FloatArray, box: FloatArray, params: tuple, plan: tuple) -> float:
        """U (eps) over the listed pairs (see :func:`local_total_energy`)."""
        return float(local_total_energy(pos, box, self.neighbors, self.counts, params, plan))

    def displacement_change(self, i: int, trial: FloatArray, pos: FloatArray, box: FloatArray,
                            params: tuple, plan: tuple, rc2_max: float) -> float:
        """U(particle i at ``trial`` (3,)) - U (eps). ``trial`` must lie within skin/2 of i's
        reference for the answer to be complete (the list invariant)."""
        return float(_displacement_change_one(int(i), np.asarray(trial, dtype=np.float64), pos,
                                              box, self.neighbors, self.counts, rc2_max, params,
                                              plan))

    def swap_change(self, i: int, j: int, pos: FloatArray, box: FloatArray, params: tuple,
                    plan: tuple, rc2_max: float) -> float:
        """U(diameters of i and j exchanged) - U (eps)."""
        return float(_swap_change_one(int(i), int(j), pos, box, self.neighbors, self.counts,
                                      rc2_max, params, plan))


def local_params(params) -> tuple:
    """The kernels' ``params`` tuple from :class:`pelkit.models.base.KernelParams`, as
    contiguous arrays of the kernels' dtypes (diameters and species copied: moves change them)."""
    return (
        int(params.mixing),
        np.ascontiguousarray(params.species, dtype=np.int64).copy(),
        np.ascontiguousarray(params.diameters, dtype=np.float64).copy(),
        np.ascontiguousarray(params.eps_table, dtype=np.float64),
        np.ascontiguousarray(params.sigma_table, dtype=np.float64),
        float(params.nonadditivity),
        np.ascontiguousarray(params.terms, dtype=np.float64),
        float(params.x_cut),
    )


__all__ = [
    "LocalNeighborList",
    "build_local_list",
    "diameter_cut_table",
    "displacement_energy_change",
    "energy_plan",
    "local_params",
    "local_total_energy",
    "relist_particle",
    "swap_energy_change",
]
