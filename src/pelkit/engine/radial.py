"""Inline Numba helpers shared by every pair kernel: pair scales and the radial function.

A potential is phi_ij(r) = eps_ij g(r/sigma_ij) with g(x) = sum_k a_k x^p_k exp(-b_k x) (see
:mod:`pelkit.models.base`); these helpers evaluate (eps_ij, sigma_ij) for a pair and g and its
x-derivatives. Callers convert to r-derivatives: phi^(n)(r) = eps g^(n)(x) / sigma^n.
:func:`radial_g_of_x2` is the energy-only evaluation from x^2 used by local Monte Carlo moves.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def pair_scale(i, j, mixing, species, diameters, eps_table, sigma_table, nonadditivity):
    """(eps_ij, sigma_ij): species tables (mixing 0), additive (1) or non-additive (2) rule."""
    if mixing == 0:
        si = species[i]
        sj = species[j]
        return eps_table[si, sj], sigma_table[si, sj]
    return eps_table[0, 0], mixed_sigma(mixing, diameters[i], diameters[j], nonadditivity)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def mixed_sigma(mixing, di, dj, nonadditivity):
    """sigma_ij of diameters di, dj: additive (mixing 1) (di + dj)/2, or non-additive (2)
    (di + dj)/2 (1 - k |di - dj|) (Ninarello, Berthier & Coslovich, Phys. Rev. X 7, 021039,
    2017)."""
    sig = 0.5 * (di + dj)
    if mixing == 2:
        sig *= 1.0 - nonadditivity * abs(di - dj)
    return sig


@njit(cache=True, nogil=True, inline="always")
def _term_power(x, p, b):
    """x^p exp(-b x), with an integer-power fast path."""
    ip = int(p)
    if ip == p:
        value = x**ip
    else:
        value = x**p
    if b != 0.0:
        value *= math.exp(-b * x)
    return value


@njit(cache=True, nogil=True)
def radial_g01(x, terms):
    """(g(x), g'(x)) for the term table ``terms`` (K, 3)."""
    g = 0.0
    g1 = 0.0
    inv_x = 1.0 / x
    for k in range(terms.shape[0]):
        a = terms[k, 0]
        p = terms[k, 1]
        b = terms[k, 2]
        f = a * _term_power(x, p, b)
        g += f
        g1 += f * (p * inv_x - b)
    return g, g1


@njit(cache=True, nogil=True)
def radial_g0123(x, terms):
    """(g, g', g'', g''') for the term table ``terms`` (K, 3).

    With u = p/x - b: f' = f u, f'' = f (u^2 - p/x^2), f''' = f (u^3 - 3 u p/x^2 + 2 p/x^3).
    """
    g = 0.0
    g1 = 0.0
    g2 = 0.0
    g3 = 0.0
    inv_x = 1.0 / x
    inv_x2 = inv_x * inv_x
    for k in range(terms.shape[0]):
        a = terms[k, 0]
        p = terms[k, 1]
        b = terms[k, 2]
        f = a * _term_power(x, p, b)
        u = p * inv_x - b
        g += f
        g1 += f * u
        g2 += f * (u * u - p * inv_x2)
        g3 += f * (u * u * u - 3.0 * u * p * inv_x2 + 2.0 * p * inv_x2 * inv_x)
    return g, g1, g2, g3



@njit(cache=True, nogil=True, error_model="numpy")
def power_tables(expo, is_int):
    """Scratch tables (y^-k for k <= the largest negative exponent, y^k for k <= the largest
    positive one) for :func:`radial_g_of_x2`."""
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
def radial_g_of_x2(x2, terms, even, expo, is_int, neg, pw):
    """g(x) at x^2 = x2 for the term table ``terms`` (K, 3), with (even, expo, is_int) from
    :func:`pelkit.engine.local.energy_plan` and ``neg``, ``pw`` from :func:`power_tables`
    (overwritten).

    The energy-only evaluation of local Monte Carlo moves (:mod:`pelkit.engine.local`): no
    square root for even polynomials, integer powers from one table of products per call.
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
