"""Inline Numba helpers shared by every pair kernel: pair scales and the radial function.

A potential is phi_ij(r) = eps_ij g(r/sigma_ij) with g(x) = sum_k a_k x^p_k exp(-b_k x) (see
:mod:`pelkit.models.base`); these helpers evaluate (eps_ij, sigma_ij) for a pair and g and its
x-derivatives. Callers convert to r-derivatives: phi^(n)(r) = eps g^(n)(x) / sigma^n.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, nogil=True, inline="always")
def pair_scale(i, j, mixing, species, diameters, eps_table, sigma_table, nonadditivity):
    """(eps_ij, sigma_ij): species tables (mixing 0), additive (1) or non-additive (2) rule."""
    if mixing == 0:
        si = species[i]
        sj = species[j]
        return eps_table[si, sj], sigma_table[si, sj]
    di = diameters[i]
    dj = diameters[j]
    sig = 0.5 * (di + dj)
    if mixing == 2:
        sig *= 1.0 - nonadditivity * abs(di - dj)
    return eps_table[0, 0], sig


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

