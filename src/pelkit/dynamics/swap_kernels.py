"""Numba kernels for Metropolis swap Monte Carlo (SCIENCE.md section 4.1, seed 003).

The energy change of a move is computed locally, from the moved particle's (or the two swapped
particles') interactions with their neighbours, phi_ij(r) = eps_ij g(r / sigma_ij) for
r < x_c sigma_ij (SCIENCE.md section 1; the term table of :mod:`pelkit.models.base`).

Neighbour list (full: each pair in both rows). A pair (i, k) is listed when the minimum-image
distance of the particles' *reference* positions is below one uniform radius
r_list = r_cut_max + skin, with r_cut_max the largest pair cutoff over the system's diameters.
The radius does not depend on which particle carries which diameter, so diameter swaps never
invalidate the list (the multiset of diameters, hence r_cut_max, is conserved). Invariant: every
particle lies within skin/2 of its reference. Then any pair closer than r_cut_max is listed
(triangle inequality on the torus). Before a displacement whose trial position would leave the
skin/2 ball, the particle's reference is moved to the midpoint of its current and trial
positions and only its own row (and its entries in the rows of its old and new neighbours) is
rebuilt from a linked cell list of the references: both positions are then within
sqrt(3) delta_max / 2 <= skin/2 of the reference (the caller guarantees skin >= sqrt(3) delta).
No global rebuild is ever needed, and the list never affects energies, only which pairs are
visited: the chain is exactly the Metropolis chain.

Arrays: pos (N, 3) wrapped positions in [0, L) (sigma); images (N, 3) int64 image counts;
diam (N,) diameters; species (N,) int64; ref (N, 3) reference positions; nbr (N, W) int64
padded rows and counts (N,); cell list head (C,), nxt (N,), prv (N,), cell_of (N,).
Pairs beyond the largest cutoff a particle can have with anyone are skipped before their
sigma_ij is formed: ``cut_key`` (N,) maps each particle to a row of ``rc2_key`` (its rank in the
sorted diameters, carried along by swaps, or its species code), which holds that squared bound.

Per-sweep statistics rows: [displacements attempted, accepted, swaps attempted, accepted,
swaps rejected by the |sigma_i - sigma_j| bound].
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

STAT_DISP_ATT, STAT_DISP_ACC, STAT_SWAP_ATT, STAT_SWAP_ACC, STAT_SWAP_RESTRICTED = range(5)
N_STATS = 5


def power_plan(terms: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """How the kernels evaluate g(x) = sum_k a_k x^p_k exp(-b_k x) from x^2 (no NumPy in loops).

    Returns (even, expo (K,) int64, is_int (K,) bool). ``even``: every term is an even integer
    power without decay, so g is a polynomial in y = x^2 with exponents p/2 (no square root);
    otherwise y = x and exponents p. Integer exponents are taken by repeated products.
    """
    terms = np.asarray(terms, dtype=np.float64).reshape(-1, 3)
    p = terms[:, 1]
    b = terms[:, 2]
    integral = (p == np.floor(p)) & (np.abs(p) < 64)
    even = bool(np.all(integral & (b == 0.0) & (np.mod(p, 2) == 0)))
    expo = np.zeros(p.shape[0], dtype=np.int64)
    expo[integral] = p[integral].astype(np.int64) // (2 if even else 1)
    return even, expo, integral.astype(np.bool_)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _g_of_x2(x2, terms, even, expo, is_int, neg, pw):
    """g(x) at x^2 = x2 for the term table ``terms`` (K, 3) (see :func:`power_plan`).

    ``neg`` and ``pw`` are scratch arrays for the tables y^-k and y^k (lengths max|expo| + 1).
    """
    y = x2 if even else math.sqrt(x2)
    iy = 1.0 / y
    neg[0] = 1.0
    for k in range(1, neg.shape[0]):
        neg[k] = neg[k - 1] * iy
    pw[0] = 1.0
    for k in range(1, pw.shape[0]):
        pw[k] = pw[k - 1] * y
    g = 0.0
    for k in range(terms.shape[0]):
        if is_int[k]:
            e = expo[k]
            f = terms[k, 0] * (neg[-e] if e < 0 else pw[e])
        else:
            f = terms[k, 0] * y ** terms[k, 1]
        b = terms[k, 2]
        if b != 0.0:
            f *= math.exp(-b * (y if not even else math.sqrt(y)))
        g += f
    return g


@njit(cache=True, nogil=True, error_model="numpy")
def _scratch(expo, is_int):
    """Scratch power tables (y^-k, k <= max negative exponent; y^k, k <= max positive)."""
    max_neg = 0
    max_pos = 0
    for k in range(expo.shape[0]):
        if is_int[k]:
            if -expo[k] > max_neg:
                max_neg = -expo[k]
            if expo[k] > max_pos:
                max_pos = expo[k]
    return np.empty(max_neg + 1), np.empty(max_pos + 1)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _sigma_pair(mixing, di, dk, nonadd):
    """sigma_ij for diameter mixing: additive (1) or non-additive (2) (SCIENCE.md section 1c)."""
    sig = 0.5 * (di + dk)
    if mixing == 2:
        sig *= 1.0 - nonadd * abs(di - dk)
    return sig


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _cell_index(x, y, z, box, nc):
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


@njit(cache=True, nogil=True, error_model="numpy")
def _list_row(i, only_higher, ref, box, r_list2, use_cells, nc, head, nxt, nbr, counts):
    """Append to row i (and symmetric rows) every k with |ref_i - ref_k| < r_list.

    ``only_higher``: consider k > i only (full build, each pair once). Returns ``nbr`` (grown
    when a row overflowed).
    """
    lx = box[0]
    ly = box[1]
    lz = box[2]
    ilx = 1.0 / lx
    ily = 1.0 / ly
    ilz = 1.0 / lz
    xi = ref[i, 0]
    yi = ref[i, 1]
    zi = ref[i, 2]
    if use_cells:
        c = _cell_index(xi, yi, zi, box, nc)
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
                dx = xi - ref[k, 0]
                dy = yi - ref[k, 1]
                dz = zi - ref[k, 2]
                dx -= lx * math.floor(dx * ilx + 0.5)
                dy -= ly * math.floor(dy * ily + 0.5)
                dz -= lz * math.floor(dz * ilz + 0.5)
                if dx * dx + dy * dy + dz * dz < r_list2:
                    if counts[i] >= nbr.shape[1] or counts[k] >= nbr.shape[1]:
                        nbr = _grow(nbr)
                    nbr[i, counts[i]] = k
                    counts[i] += 1
                    nbr[k, counts[k]] = i
                    counts[k] += 1
            k = nxt[k]
    return nbr


@njit(cache=True, nogil=True, error_model="numpy")
def build_full_list(pos, box, r_list, use_cells, nc, ref, nbr, counts, head, nxt, prv, cell_of):
    """Full build: references = positions, cell list of the references, all rows.

    Fills ref, counts, head, nxt, prv, cell_of in place; returns ``nbr`` (possibly grown).
    """
    n = pos.shape[0]
    head[:] = -1
    for i in range(n):
        ref[i, 0] = pos[i, 0]
        ref[i, 1] = pos[i, 1]
        ref[i, 2] = pos[i, 2]
        counts[i] = 0
        c = _cell_index(pos[i, 0], pos[i, 1], pos[i, 2], box, nc) if use_cells else 0
        _cell_insert(i, c, head, nxt, prv, cell_of)
    r_list2 = r_list * r_list
    for i in range(n):
        nbr = _list_row(i, True, ref, box, r_list2, use_cells, nc, head, nxt, nbr, counts)
    return nbr


@njit(cache=True, nogil=True, error_model="numpy")
def _relist(i, rx, ry, rz, ref, box, r_list2, use_cells, nc, head, nxt, prv, cell_of, nbr,
            counts):
    """Move particle i's reference to (rx, ry, rz) and rebuild its neighbour entries."""
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
        c = _cell_index(ref[i, 0], ref[i, 1], ref[i, 2], box, nc)
        if c != cell_of[i]:
            _cell_remove(i, head, nxt, prv, cell_of)
            _cell_insert(i, c, head, nxt, prv, cell_of)
    return _list_row(i, False, ref, box, r_list2, use_cells, nc, head, nxt, nbr, counts)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _displace_delta(i, tx, ty, tz, pos, box, nbr, counts, rc2_max, mixing, species, diam, eps_t,
                    sig_t, nonadd, terms, xc2, even, expo, is_int, neg, pw):
    """U(trial) - U(current) of particle i with its neighbours (eps).

    Pairs with both distances beyond the largest cutoff (r^2 >= rc2_max) are skipped before
    their sigma_ij is formed; divisions happen only inside the cutoff.
    """
    lx = box[0]
    ly = box[1]
    lz = box[2]
    ilx = 1.0 / lx
    ily = 1.0 / ly
    ilz = 1.0 / lz
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
        dx = xi - xk
        dy = yi - yk
        dz = zi - zk
        dx -= lx * math.floor(dx * ilx + 0.5)
        dy -= ly * math.floor(dy * ily + 0.5)
        dz -= lz * math.floor(dz * ilz + 0.5)
        r2o = dx * dx + dy * dy + dz * dz
        dx = tx - xk
        dy = ty - yk
        dz = tz - zk
        dx -= lx * math.floor(dx * ilx + 0.5)
        dy -= ly * math.floor(dy * ily + 0.5)
        dz -= lz * math.floor(dz * ilz + 0.5)
        r2n = dx * dx + dy * dy + dz * dz
        if r2o >= rc2_max and r2n >= rc2_max:
            continue
        if mixing == 0:
            eps = eps_t[si, species[k]]
            sig = sig_t[si, species[k]]
        else:
            sig = _sigma_pair(mixing, di, diam[k], nonadd)
        sig2 = sig * sig
        rc2 = xc2 * sig2
        if r2o < rc2:
            du -= eps * _g_of_x2(r2o / sig2, terms, even, expo, is_int, neg, pw)
        if r2n < rc2:
            du += eps * _g_of_x2(r2n / sig2, terms, even, expo, is_int, neg, pw)
    return du


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _rediameter_delta(a, skip, d_old, d_new, pos, box, nbr, counts, rc2_max, mixing, diam, eps,
                      nonadd, terms, xc2, even, expo, is_int, neg, pw):
    """Change of particle a's interactions (partner ``skip`` excluded) when its diameter goes
    from d_old to d_new, positions fixed (eps)."""
    lx = box[0]
    ly = box[1]
    lz = box[2]
    ilx = 1.0 / lx
    ily = 1.0 / ly
    ilz = 1.0 / lz
    xa = pos[a, 0]
    ya = pos[a, 1]
    za = pos[a, 2]
    du = 0.0
    for m in range(counts[a]):
        k = nbr[a, m]
        dx = xa - pos[k, 0]
        dy = ya - pos[k, 1]
        dz = za - pos[k, 2]
        dx -= lx * math.floor(dx * ilx + 0.5)
        dy -= ly * math.floor(dy * ily + 0.5)
        dz -= lz * math.floor(dz * ilz + 0.5)
        r2 = dx * dx + dy * dy + dz * dz
        if r2 >= rc2_max or k == skip:
            continue
        dk = diam[k]
        sig = _sigma_pair(mixing, d_old, dk, nonadd)
        sig2 = sig * sig
        if r2 < xc2 * sig2:
            du -= eps * _g_of_x2(r2 / sig2, terms, even, expo, is_int, neg, pw)
        sig = _sigma_pair(mixing, d_new, dk, nonadd)
        sig2 = sig * sig
        if r2 < xc2 * sig2:
            du += eps * _g_of_x2(r2 / sig2, terms, even, expo, is_int, neg, pw)
    return du


@njit(cache=True, nogil=True, error_model="numpy")
def total_energy(pos, box, nbr, counts, mixing, species, diam, eps_t, sig_t, nonadd, terms,
                 x_cut, even, expo, is_int):
    """U = sum_{i<k} phi_ik(r_ik) over the listed pairs (eps); a full recomputation."""
    n = pos.shape[0]
    xc2 = x_cut * x_cut
    neg, pw = _scratch(expo, is_int)
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
                sig = _sigma_pair(mixing, diam[i], diam[k], nonadd)
            d2 = 0.0
            for a in range(3):
                d = pos[i, a] - pos[k, a]
                d -= box[a] * math.floor(d / box[a] + 0.5)
                d2 += d * d
            x2 = d2 / (sig * sig)
            if x2 < xc2:
                u += eps * _g_of_x2(x2, terms, even, expo, is_int, neg, pw)
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
            sig = _sigma_pair(mixing, sorted_diam[r], candidates[k], nonadd)
            if sig > best:
                best = sig
        out[r] = (x_cut * (best + margin)) ** 2 * (1.0 + 1e-12)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def mc_sweeps(pos, images, diam, species, box, ref, nbr, counts, use_cells, nc, head, nxt, prv,
              cell_of, r_list, skin, cut_key, rc2_key, mixing, eps_t, sig_t, nonadd, terms, x_cut,
              even, expo, is_int, temperature, p_swap, delta, swap_bound, n_sweeps, seed, energy,
              energies_out, stats_out, snap_every, sweep0, snap_pos, snap_diam, counters):
    """Run ``n_sweeps`` sweeps of N attempted moves at ``temperature`` (Metropolis).

    Each attempt is a swap with probability p_swap (two distinct particles chosen uniformly
    exchange diameters unless |sigma_i - sigma_j| >= swap_bound; Delta U = the change of both
    particles' interactions with their other neighbours), else a displacement of a uniformly
    chosen particle by a vector uniform in [-delta, delta]^3. Acceptance min(1, exp(-dU/T)).
    Positions are wrapped with image counts updated. After each sweep the running energy goes
    to energies_out[s] and the counts to stats_out[s] (see module doc); after global sweep
    g = sweep0 + s + 1 with g % snap_every == 0 the unwrapped positions and diameters go to
    snapshot slot g // snap_every. counters[0] += number of reference moves (local relists).
    Seeds Numba's generator with ``seed``. Returns (energy, nbr) with nbr possibly grown.
    """
    np.random.seed(seed)
    n = pos.shape[0]
    beta = 1.0 / temperature
    xc2 = x_cut * x_cut
    half_skin2 = 0.25 * skin * skin
    r_list2 = r_list * r_list
    lx = box[0]
    ly = box[1]
    lz = box[2]
    ilx = 1.0 / lx
    ily = 1.0 / ly
    ilz = 1.0 / lz
    eps0 = eps_t[0, 0]
    neg, pw = _scratch(expo, is_int)
    for s in range(n_sweeps):
        for _ in range(n):
            if p_swap > 0.0 and np.random.random() < p_swap:
                i = np.random.randint(0, n)
                j = np.random.randint(0, n - 1)
                if j >= i:
                    j += 1
                stats_out[s, STAT_SWAP_ATT] += 1
                di = diam[i]
                dj = diam[j]
                if abs(di - dj) >= swap_bound:
                    stats_out[s, STAT_SWAP_RESTRICTED] += 1
                    continue
                ki = cut_key[i]
                kj = cut_key[j]
                rc2_max = max(rc2_key[ki], rc2_key[kj])
                du = _rediameter_delta(i, j, di, dj, pos, box, nbr, counts, rc2_max, mixing,
                                       diam, eps0, nonadd, terms, xc2, even, expo, is_int, neg,
                                       pw)
                du += _rediameter_delta(j, i, dj, di, pos, box, nbr, counts, rc2_max, mixing,
                                        diam, eps0, nonadd, terms, xc2, even, expo, is_int, neg,
                                        pw)
                if du <= 0.0 or np.random.random() < math.exp(-beta * du):
                    diam[i] = dj
                    diam[j] = di
                    cut_key[i] = kj
                    cut_key[j] = ki
                    energy += du
                    stats_out[s, STAT_SWAP_ACC] += 1
            else:
                i = np.random.randint(0, n)
                ddx = (2.0 * np.random.random() - 1.0) * delta
                ddy = (2.0 * np.random.random() - 1.0) * delta
                ddz = (2.0 * np.random.random() - 1.0) * delta
                stats_out[s, STAT_DISP_ATT] += 1
                tx = pos[i, 0] + ddx
                ty = pos[i, 1] + ddy
                tz = pos[i, 2] + ddz
                ex = tx - ref[i, 0]
                ey = ty - ref[i, 1]
                ez = tz - ref[i, 2]
                ex -= lx * math.floor(ex * ilx + 0.5)
                ey -= ly * math.floor(ey * ily + 0.5)
                ez -= lz * math.floor(ez * ilz + 0.5)
                if ex * ex + ey * ey + ez * ez > half_skin2:
                    nbr = _relist(i, pos[i, 0] + 0.5 * ddx, pos[i, 1] + 0.5 * ddy,
                                  pos[i, 2] + 0.5 * ddz, ref, box, r_list2, use_cells, nc, head,
                                  nxt, prv, cell_of, nbr, counts)
                    counters[0] += 1
                du = _displace_delta(i, tx, ty, tz, pos, box, nbr, counts, rc2_key[cut_key[i]],
                                     mixing, species, diam, eps_t, sig_t, nonadd, terms, xc2,
                                     even, expo, is_int, neg, pw)
                if du <= 0.0 or np.random.random() < math.exp(-beta * du):
                    t = (tx, ty, tz)
                    for a in range(3):
                        v = t[a]
                        if v >= box[a]:
                            v -= box[a]
                            images[i, a] += 1
                        elif v < 0.0:
                            v += box[a]
                            images[i, a] -= 1
                            if v >= box[a]:  # round-off: v + L == L for tiny negative v
                                v -= box[a]
                                images[i, a] += 1
                        pos[i, a] = v
                    energy += du
                    stats_out[s, STAT_DISP_ACC] += 1
        energies_out[s] = energy
        g = sweep0 + s + 1
        if snap_every > 0 and g % snap_every == 0:
            slot = g // snap_every
            if slot < snap_pos.shape[0]:
                for k in range(n):
                    for a in range(3):
                        snap_pos[slot, k, a] = pos[k, a] + images[k, a] * box[a]
                    snap_diam[slot, k] = diam[k]
    return energy, nbr
