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


@njit(cache=True, nogil=True, parallel=True)
def blocks_matmat_threads(pi, pj, blocks, scale, x, out, n_threads):
    """:func:`blocks_matmat` split over ``n_threads`` threads: thread t takes the t-th contiguous
    share of the pairs and accumulates into its own (3N, b) buffer; the buffers are then summed
    (no write conflicts, so the result does not depend on scheduling; the summation order
    differs from the serial kernel only by rounding)."""
    nb = x.shape[1]
    n3 = x.shape[0]
    npair = pi.shape[0]
    xs = np.empty((n3, nb))
    for r in range(n3):
        for c in range(nb):
            xs[r, c] = scale[r] * x[r, c]
    buf = np.zeros((n_threads, n3, nb))
    for t in prange(n_threads):
        lo = npair * t // n_threads
        hi = npair * (t + 1) // n_threads
        acc = buf[t]
        for m in range(lo, hi):
            i = 3 * pi[m]
            j = 3 * pj[m]
            for c in range(nb):
                u0 = xs[i, c] - xs[j, c]
                u1 = xs[i + 1, c] - xs[j + 1, c]
                u2 = xs[i + 2, c] - xs[j + 2, c]
                for a in range(3):
                    v = blocks[m, a, 0] * u0 + blocks[m, a, 1] * u1 + blocks[m, a, 2] * u2
                    acc[i + a, c] += v
                    acc[j + a, c] -= v
    for r in prange(n3):
        for c in range(nb):
            s = 0.0
            for t in range(n_threads):
                s += buf[t, r, c]
            out[r, c] = scale[r] * s
