"""Numba kernels for pair energies, forces and the virial (SCIENCE.md sections 0 and 1d).

All kernels loop over a half Verlet list (see :mod:`pelkit.engine.neighbors`) and use minimum
image. Conventions: r_ij = r_i - r_j, n = r_ij/r, F_i = -sum_j phi'(r_ij) n_ij,
virial W = -(1/3) sum_{i<j} r_ij phi'(r_ij), pressure P = rho T + W/V (no tail correction).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pelkit.engine.radial import pair_scale, radial_g01


@njit(cache=True, nogil=True)
def _power_plan(terms):
    """Dense polynomial form of g for the force kernel (Horner evaluation, no branches).

    When every term of g(x) = sum a x^p e^{-bx} has b = 0 and an integer exponent (|p| < 64),
    g is a Laurent polynomial. With ``even`` (every p even) the variable is y = x^2 with
    exponents e = p/2 (no square root needed), otherwise y = x with e = p. Returns
    (polynomial, even, cn (max_neg+1,), cp (max_pos,), dn (max_neg+2,), dp (max_pos,)) with

        g = sum_j cn[j] y^-j + y sum_j cp[j] y^j
        G = sum_k a_k f e_k y^(e_k - 1) = sum_j dn[j] y^-j + y sum_j dp[j] y^j,  f = 2 or 1

    so that g'(x)/x = G when ``even`` and g'(x) = G otherwise. ``polynomial`` is False when some
    term needs pow or exp; the kernel then evaluates the terms one by one.
    """
    n_terms = terms.shape[0]
    polynomial = True
    even = True
    for k in range(n_terms):
        p = terms[k, 1]
        if terms[k, 2] != 0.0 or p != np.floor(p) or abs(p) >= 64:
            polynomial = False
            even = False
        elif int(p) % 2 != 0:
            even = False
    max_neg = 0
    max_pos = 0
    if polynomial:
        for k in range(n_terms):
            e = int(terms[k, 1]) // 2 if even else int(terms[k, 1])
            max_neg = max(max_neg, -e)
            max_pos = max(max_pos, e)
    cn = np.zeros(max_neg + 1)
    cp = np.zeros(max_pos)
    dn = np.zeros(max_neg + 2)
    dp = np.zeros(max_pos)
    if polynomial:
        fac = 2.0 if even else 1.0
        for k in range(n_terms):
            a = terms[k, 0]
            e = int(terms[k, 1]) // 2 if even else int(terms[k, 1])
            if e <= 0:
                cn[-e] += a
            else:
                cp[e - 1] += a
            # d/dy of a y^e = a e y^(e-1)
            if e <= 0:
                dn[1 - e] += a * fac * e
            elif e == 1:
                dn[0] += a * fac
            else:
                dp[e - 2] += a * fac * e
    return polynomial, even, cn, cp, dn, dp


@njit(cache=True, nogil=True, inline="always")
def _horner(c, z):
    h = 0.0
    for j in range(c.shape[0] - 1, -1, -1):
        h = h * z + c[j]
    return h


@njit(cache=True, nogil=True)
def energy_forces_virial(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut, forces
):
    """Total energy U (eps), virial W (eps) and forces (N, 3) written into ``forces`` (eps/sigma).

    This is the hot loop of MD and minimisation, so the pair scales and the radial terms are
    written inline (a call per pair costs more than the pair itself). When every term of g is an
    even integer power (LJ and soft spheres with ``shift``) it works on r^2 only: no square root
    and no pow. The result equals :func:`pair_energies` and the Hessian kernels' conventions.
    """
    n = pos.shape[0]
    n_terms = terms.shape[0]
    forces[:, :] = 0.0
    energy = 0.0
    virial = 0.0
    polynomial, even, cn, cp, dn, dp = _power_plan(terms)
    n_sp = sig_t.shape[0]
    rc2_t = np.empty((n_sp, n_sp))
    isig2_t = np.empty((n_sp, n_sp))
    for a in range(n_sp):
        for b in range(n_sp):
            isig2_t[a, b] = 1.0 / (sig_t[a, b] * sig_t[a, b])
            rc2_t[a, b] = (x_cut * sig_t[a, b]) ** 2
    eps0 = eps_t[0, 0]
    xc2 = x_cut * x_cut
    lx = box[0]
    ly = box[1]
    lz = box[2]
    ilx = 1.0 / lx
    ily = 1.0 / ly
    ilz = 1.0 / lz
    for i in range(n):
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        si = species[i]
        di = diameters[i]
        fxi = 0.0
        fyi = 0.0
        fzi = 0.0
        for m in range(counts[i]):
            j = nbr[i, m]
            dx = xi - pos[j, 0]
            dy = yi - pos[j, 1]
            dz = zi - pos[j, 2]
            dx -= lx * np.floor(dx * ilx + 0.5)
            dy -= ly * np.floor(dy * ily + 0.5)
            dz -= lz * np.floor(dz * ilz + 0.5)
            r2 = dx * dx + dy * dy + dz * dz
            if mixing == 0:
                sj = species[j]
                if r2 >= rc2_t[si, sj]:
                    continue
                eps = eps_t[si, sj]
                isig2 = isig2_t[si, sj]
            else:
                dj = diameters[j]
                sig = 0.5 * (di + dj)
                if mixing == 2:
                    sig *= 1.0 - nonadd * abs(di - dj)
                isig2 = 1.0 / (sig * sig)
                if r2 * isig2 >= xc2:
                    continue
                eps = eps0
            x2 = r2 * isig2
            if polynomial:
                y = x2 if even else np.sqrt(x2)
                iy = 1.0 / y
                g = _horner(cn, iy) + y * _horner(cp, y)
                big = _horner(dn, iy) + y * _horner(dp, y)
                if even:
                    s = -eps * big * isig2  # -phi'(r)/r, big = g'(x)/x
                else:
                    s = -eps * big * iy * isig2
            else:
                x = np.sqrt(x2)
                ix = 1.0 / x
                g = 0.0
                g1 = 0.0
                for k in range(n_terms):
                    p = terms[k, 1]
                    b = terms[k, 2]
                    f = terms[k, 0] * x**p
                    if b != 0.0:
                        f *= np.exp(-b * x)
                    g += f
                    g1 += f * (p * ix - b)
                s = -eps * g1 * ix * isig2
            energy += eps * g
            virial += s * r2  # -r phi'(r)
            fx = s * dx
            fy = s * dy
            fz = s * dz
            fxi += fx
            fyi += fy
            fzi += fz
            forces[j, 0] -= fx
            forces[j, 1] -= fy
            forces[j, 2] -= fz
        forces[i, 0] += fxi
        forces[i, 1] += fyi
        forces[i, 2] += fzi
    return energy, virial / 3.0


@njit(cache=True, nogil=True)
def pair_energies(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut
):
    """Per-particle energies (N,): each pair's phi split equally between its two particles."""
    n = pos.shape[0]
    out = np.zeros(n)
    for i in range(n):
        for m in range(counts[i]):
            j = nbr[i, m]
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            dx -= box[0] * np.round(dx / box[0])
            dy -= box[1] * np.round(dy / box[1])
            dz -= box[2] * np.round(dz / box[2])
            r2 = dx * dx + dy * dy + dz * dz
            eps, sig = pair_scale(i, j, mixing, species, diameters, eps_t, sig_t, nonadd)
            rc = x_cut * sig
            if r2 >= rc * rc:
                continue
            g, _ = radial_g01(np.sqrt(r2) / sig, terms)
            half = 0.5 * eps * g
            out[i] += half
            out[j] += half
    return out


@njit(cache=True, nogil=True)
def min_pair_distance_ratio(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd
):
    """(min over listed pairs of r_ij/sigma_ij, i, j): used to reject overlapping particles."""
    best = np.inf
    bi = -1
    bj = -1
    for i in range(pos.shape[0]):
        for m in range(counts[i]):
            j = nbr[i, m]
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            dx -= box[0] * np.round(dx / box[0])
            dy -= box[1] * np.round(dy / box[1])
            dz -= box[2] * np.round(dz / box[2])
            _, sig = pair_scale(i, j, mixing, species, diameters, eps_t, sig_t, nonadd)
            ratio = np.sqrt(dx * dx + dy * dy + dz * dz) / sig
            if ratio < best:
                best = ratio
                bi = i
                bj = j
    return best, bi, bj
