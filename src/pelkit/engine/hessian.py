"""Numba kernels for the Hessian: dense, sparse (COO -> CSR) and Hessian-vector products.

For a pair with r_ij = r_i - r_j, n = r_ij / r (docs/physics/models.md, "Forces, Hessian, third
derivatives"):
    K = phi'' n n^T + (phi'/r) (I - n n^T),   H_ij = -K (i != j),   H_ii = sum_j K,
    (H v)_i = sum_j [phi'' (n.u) n + (phi'/r)(u - (n.u) n)],  u = v_i - v_j.
Mass weighting H^M = M^-1/2 H M^-1/2 is applied by the caller (:mod:`pelkit.engine.calculator`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pelkit.engine.geometry import nearest_image
from pelkit.engine.radial import pair_scale, radial_g0123


@njit(cache=True, nogil=True, inline="always")
def _pair_geometry(i, j, pos, box):
    dx = pos[i, 0] - pos[j, 0]
    dy = pos[i, 1] - pos[j, 1]
    dz = pos[i, 2] - pos[j, 2]
    dx = nearest_image(dx, box[0])
    dy = nearest_image(dy, box[1])
    dz = nearest_image(dz, box[2])
    return dx, dy, dz, dx * dx + dy * dy + dz * dz


@njit(cache=True, nogil=True)
def pair_blocks(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut
):
    """Interacting pairs and their 3x3 blocks K: returns (pi (M,), pj (M,), K (M, 3, 3))."""
    n = pos.shape[0]
    total = 0
    for i in range(n):
        total += counts[i]
    pi = np.empty(total, dtype=np.int64)
    pj = np.empty(total, dtype=np.int64)
    blocks = np.empty((total, 3, 3))
    m_out = 0
    d = np.empty(3)
    for i in range(n):
        for m in range(counts[i]):
            j = nbr[i, m]
            dx, dy, dz, r2 = _pair_geometry(i, j, pos, box)
            eps, sig = pair_scale(i, j, mixing, species, diameters, eps_t, sig_t, nonadd)
            rc = x_cut * sig
            if r2 >= rc * rc:
                continue
            r = np.sqrt(r2)
            _, g1, g2, _ = radial_g0123(r / sig, terms)
            d1 = eps * g1 / sig
            d2 = eps * g2 / (sig * sig)
            d[0] = dx / r
            d[1] = dy / r
            d[2] = dz / r
            t = d1 / r
            for a in range(3):
                for b in range(3):
                    nn = d[a] * d[b]
                    blocks[m_out, a, b] = d2 * nn + t * ((1.0 if a == b else 0.0) - nn)
            pi[m_out] = i
            pj[m_out] = j
            m_out += 1
    return pi[:m_out], pj[:m_out], blocks[:m_out]


@njit(cache=True, nogil=True)
def dense_from_blocks(n, pi, pj, blocks):
    """Dense (3N, 3N) Hessian from pair blocks: H_ij = H_ji = -K, H_ii += K, H_jj += K."""
    h = np.zeros((3 * n, 3 * n))
    for m in range(pi.shape[0]):
        i = 3 * pi[m]
        j = 3 * pj[m]
        for a in range(3):
            for b in range(3):
                k = blocks[m, a, b]
                h[i + a, j + b] -= k
                h[j + a, i + b] -= k
                h[i + a, i + b] += k
                h[j + a, j + b] += k
    return h


@njit(cache=True, nogil=True)
def coo_from_blocks(n, pi, pj, blocks):
    """COO triplets (rows, cols, values) of the Hessian, each entry once (no duplicates)."""
    npair = pi.shape[0]
    diag = np.zeros((n, 3, 3))
    size = 18 * npair + 9 * n
    rows = np.empty(size, dtype=np.int64)
    cols = np.empty(size, dtype=np.int64)
    vals = np.empty(size)
    c = 0
    for m in range(npair):
        i = pi[m]
        j = pj[m]
        for a in range(3):
            for b in range(3):
                k = blocks[m, a, b]
                rows[c] = 3 * i + a
                cols[c] = 3 * j + b
                vals[c] = -k
                c += 1
                rows[c] = 3 * j + a
                cols[c] = 3 * i + b
                vals[c] = -k
                c += 1
                diag[i, a, b] += k
                diag[j, a, b] += k
    for i in range(n):
        for a in range(3):
            for b in range(3):
                rows[c] = 3 * i + a
                cols[c] = 3 * i + b
                vals[c] = diag[i, a, b]
                c += 1
    return rows, cols, vals


@njit(cache=True, nogil=True)
def hessian_vector(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut, v
):
    """H v for a flat vector v (3N,), without building H."""
    n = pos.shape[0]
    out = np.zeros(3 * n)
    for i in range(n):
        for m in range(counts[i]):
            j = nbr[i, m]
            dx, dy, dz, r2 = _pair_geometry(i, j, pos, box)
            eps, sig = pair_scale(i, j, mixing, species, diameters, eps_t, sig_t, nonadd)
            rc = x_cut * sig
            if r2 >= rc * rc:
                continue
            r = np.sqrt(r2)
            _, g1, g2, _ = radial_g0123(r / sig, terms)
            d1 = eps * g1 / sig
            d2 = eps * g2 / (sig * sig)
            nx = dx / r
            ny = dy / r
            nz = dz / r
            ux = v[3 * i] - v[3 * j]
            uy = v[3 * i + 1] - v[3 * j + 1]
            uz = v[3 * i + 2] - v[3 * j + 2]
            nu = nx * ux + ny * uy + nz * uz
            t = d1 / r
            tx = d2 * nu * nx + t * (ux - nu * nx)
            ty = d2 * nu * ny + t * (uy - nu * ny)
            tz = d2 * nu * nz + t * (uz - nu * nz)
            out[3 * i] += tx
            out[3 * i + 1] += ty
            out[3 * i + 2] += tz
            out[3 * j] -= tx
            out[3 * j + 1] -= ty
            out[3 * j + 2] -= tz
    return out


@njit(cache=True, nogil=True)
def blocks_matmat(pi, pj, blocks, scale, x, out):
    """out = S H S x for a block of vectors, from the pair blocks alone (no assembled matrix).

    H = sum_pairs (e_i - e_j)(e_i - e_j)^T (x) K_ij, so with u = x_i - x_j (each 3-vector scaled
    by ``scale``): (H x)_i += K u, (H x)_j -= K u. Each block K is read once for all columns.

    Args:
        pi, pj: (M,) pair indices; blocks: (M, 3, 3) symmetric K_ij in eps/sigma^2.
        scale: (3N,) diagonal S (1/sqrt(m) per coordinate for H^M, ones for H).
        x: (3N, b) input columns; out: (3N, b) output, overwritten.
    """
    nb = x.shape[1]
    n3 = x.shape[0]
    xs = np.empty((n3, nb))
    for r in range(n3):
        for c in range(nb):
            xs[r, c] = scale[r] * x[r, c]
            out[r, c] = 0.0
    u = np.empty(3)
    for m in range(pi.shape[0]):
        i = 3 * pi[m]
        j = 3 * pj[m]
        for c in range(nb):
            u[0] = xs[i, c] - xs[j, c]
            u[1] = xs[i + 1, c] - xs[j + 1, c]
            u[2] = xs[i + 2, c] - xs[j + 2, c]
            for a in range(3):
                t = blocks[m, a, 0] * u[0] + blocks[m, a, 1] * u[1] + blocks[m, a, 2] * u[2]
                out[i + a, c] += t
                out[j + a, c] -= t
    for r in range(n3):
        for c in range(nb):
            out[r, c] *= scale[r]


def symmetric_entries(blocks):
    """(M, 6) upper-triangle entries K_xx, K_xy, K_xz, K_yy, K_yz, K_zz of symmetric (M, 3, 3)
    blocks (the storage of :func:`sym_blocks_matmat`: 48 instead of 72 bytes a pair)."""
    return np.ascontiguousarray(
        np.stack([blocks[:, 0, 0], blocks[:, 0, 1], blocks[:, 0, 2],
                  blocks[:, 1, 1], blocks[:, 1, 2], blocks[:, 2, 2]], axis=1)
    )


def blocks_from_symmetric(sym):
    """(M, 3, 3) blocks from their (M, 6) upper-triangle entries (inverse of
    :func:`symmetric_entries`)."""
    idx = np.array([[0, 1, 2], [1, 3, 4], [2, 4, 5]])
    return sym[:, idx]


@njit(cache=True, nogil=True, inline="always")
def _sym_pair(sym, m, u0, u1, u2):
    a = sym[m, 0]
    b = sym[m, 1]
    c = sym[m, 2]
    d = sym[m, 3]
    e = sym[m, 4]
    f = sym[m, 5]
    return a * u0 + b * u1 + c * u2, b * u0 + d * u1 + e * u2, c * u0 + e * u1 + f * u2


@njit(cache=True, nogil=True)
def _sym_range(pi, pj, sym, xs, acc, lo, hi):
    """acc += H x over the pairs lo..hi-1 (xs already scaled), (3N, b) arrays."""
    nb = xs.shape[1]
    for m in range(lo, hi):
        i = 3 * pi[m]
        j = 3 * pj[m]
        for c in range(nb):
            t0, t1, t2 = _sym_pair(sym, m, xs[i, c] - xs[j, c], xs[i + 1, c] - xs[j + 1, c],
                                   xs[i + 2, c] - xs[j + 2, c])
            acc[i, c] += t0
            acc[i + 1, c] += t1
            acc[i + 2, c] += t2
            acc[j, c] -= t0
            acc[j + 1, c] -= t1
            acc[j + 2, c] -= t2


@njit(cache=True, nogil=True)
def _sym_range_one(pi, pj, sym, xs, acc, lo, hi):
    """One-vector version of :func:`_sym_range`, (3N,) arrays (no column loop)."""
    for m in range(lo, hi):
        i = 3 * pi[m]
        j = 3 * pj[m]
        t0, t1, t2 = _sym_pair(sym, m, xs[i] - xs[j], xs[i + 1] - xs[j + 1], xs[i + 2] - xs[j + 2])
        acc[i] += t0
        acc[i + 1] += t1
        acc[i + 2] += t2
        acc[j] -= t0
        acc[j + 1] -= t1
        acc[j + 2] -= t2


@njit(cache=True, nogil=True)
def sym_blocks_matmat(pi, pj, sym, scale, x, out):
    """out = S H S x as :func:`blocks_matmat`, from the (M, 6) symmetric block entries
    (:func:`symmetric_entries`); pi, pj may be int32.  Same arithmetic per entry, about half the
    memory traffic of the (M, 3, 3) kernel (KA N = 10^4: 1.3 ms instead of 2.5 ms a vector).

    Args:
        pi, pj: (M,) pair indices; sym: (M, 6) in eps/sigma^2; scale: (3N,) diagonal S;
        x: (3N, b) input; out: (3N, b) output, overwritten.
    """
    n3 = x.shape[0]
    nb = x.shape[1]
    xs = np.empty((n3, nb))
    for r in range(n3):
        for c in range(nb):
            xs[r, c] = scale[r] * x[r, c]
            out[r, c] = 0.0
    if nb == 1:
        xs1 = xs[:, 0].copy()
        acc = np.zeros(n3)
        _sym_range_one(pi, pj, sym, xs1, acc, 0, pi.shape[0])
        for r in range(n3):
            out[r, 0] = scale[r] * acc[r]
        return
    _sym_range(pi, pj, sym, xs, out, 0, pi.shape[0])
    for r in range(n3):
        for c in range(nb):
            out[r, c] *= scale[r]


@njit(cache=True, nogil=True, parallel=True)
def sym_blocks_matmat_threads(pi, pj, sym, scale, x, out, n_threads):
    """:func:`sym_blocks_matmat` split over ``n_threads`` threads: thread t takes the t-th
    contiguous share of the pairs and accumulates into its own (3N, b) buffer; the buffers are
    then summed (no write conflicts; the summation order differs from the serial kernel only by
    rounding)."""
    nb = x.shape[1]
    n3 = x.shape[0]
    npair = pi.shape[0]
    xs = np.empty((n3, nb))
    for r in range(n3):
        for c in range(nb):
            xs[r, c] = scale[r] * x[r, c]
    buf = np.zeros((n_threads, n3, nb))
    for t in prange(n_threads):
        _sym_range(pi, pj, sym, xs, buf[t], npair * t // n_threads, npair * (t + 1) // n_threads)
    for r in prange(n3):
        for c in range(nb):
            s = 0.0
            for t in range(n_threads):
                s += buf[t, r, c]
            out[r, c] = scale[r] * s
