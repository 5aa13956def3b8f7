"""How the vectorised pair kernels evaluate the radial function g (:mod:`pelkit.engine.pair`).

:func:`force_plan` writes g(x) = sum a x^p (integer powers, x = r/sigma) as zero-padded Horner
coefficients and picks the form the lane loop evaluates it in (:func:`_radial`): the
Lennard-Jones family from z = x^-6 (FORM_LJ), that family plus x, x^2 (FORM_LJ_ODD: the
``smooth`` and ``force-shift`` cutoff schemes), Horner in x^2 (FORM_EVEN) or in x (FORM_ODD).
Square roots go through the LLVM intrinsic (:func:`ieee_sqrt`): correctly rounded like libm's
``sqrt`` (so the same bits), but without ``errno``, so that LLVM vectorises the loops that take
them (Numba's ``np.sqrt`` calls libm, which kept the odd forms scalar: KA with the ``smooth``
scheme ran its MD step 14-16 ms against 2.7-3.5 ms for plain KA at N = 10^4).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# forms of g (see force_plan): even powers, any integer powers, general (scalar kernel), and
# the Lennard-Jones family (powers x^0, x^-6, x^-12 only: three terms in z = (sigma/r)^6), and
# that family plus x^1, x^2 (the ``smooth`` and ``force-shift`` cutoff schemes of LJ and KA)
FORM_EVEN, FORM_ODD, FORM_GENERAL, FORM_LJ, FORM_LJ_ODD = 0, 1, 2, 3, 4
# fixed Horner lengths of the vectorised kernels (zero-padded coefficients; g with higher
# powers goes to the scalar kernel). Even g, variable y = (r/sigma)^2: y^0 .. y^-6 (x^-12) and
# y^1 .. y^2 (x^4). Odd g, variable x = r/sigma: x^0 .. x^-12 and x^1 .. x^2.
EVEN_NEG = 7  # coefficients of y^0 .. y^-6
ODD_NEG = 13  # coefficients of x^0 .. x^-12
POS = 2  # coefficients of the positive powers 1 .. 2


@intrinsic
def _llvm_sqrt(typingctx, x):
    """llvm.sqrt.f64: IEEE square root (correctly rounded), no errno, vectorisable."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType()])
        fn = builder.module.declare_intrinsic("llvm.sqrt", [ir.DoubleType()], fnty)
        return builder.call(fn, [args[0]])

    return types.float64(types.float64), codegen


@njit(cache=True, nogil=True, inline="always")
def ieee_sqrt(x):
    """sqrt(x) of a float64, bit-identical to ``np.sqrt`` (NaN below 0), in vector loops."""
    return _llvm_sqrt(x)


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


@njit(cache=True, nogil=True)
def force_plan(terms):
    """Kernel form of g and its zero-padded Horner coefficients for :func:`forces_core`.

    Returns (form, coef (4, ODD_NEG + 1)), the rows of ``coef`` holding cn, cp, dn, dp of
    :func:`_power_plan`. Forms: FORM_LJ when g = c0 + c6 x^-6 + c12 x^-12 (LJ and KA with the
    ``shift`` or ``none`` scheme: g and g'(x)/x from z = x^-6 in a few operations), FORM_EVEN
    for other polynomials in x^2 (Horner in y = x^2, no square root), FORM_LJ_ODD when g = c0 +
    c1 x + c2 x^2 + c6 x^-6 + c12 x^-12 (LJ and KA with the ``smooth`` or ``force-shift``
    scheme: z = x^-6 from 1/x, no 13-term Horner chain; ka-smooth MD step at N = 10^4 14-16 ms
    -> 3.0 ms),
    FORM_ODD for other polynomials with odd powers (Horner in x), FORM_GENERAL for anything else
    (pow/exp terms or powers beyond the fixed Horner lengths: scalar kernel
    :func:`forces_terms`). FORM_LJ_ODD and FORM_ODD share the coefficient layout, so code that
    knows only FORM_ODD evaluates the same g.
    """
    polynomial, even, cn, cp, dn, dp = _power_plan(terms)
    coef = np.zeros((4, ODD_NEG + 1))
    form = FORM_GENERAL
    if polynomial and cp.shape[0] <= POS:
        if even and cn.shape[0] <= EVEN_NEG:
            form = FORM_EVEN
        elif not even and cn.shape[0] <= ODD_NEG:
            form = FORM_ODD
    if form != FORM_GENERAL:
        coef[0, : cn.shape[0]] = cn
        coef[1, : cp.shape[0]] = cp
        coef[2, : dn.shape[0]] = dn
        coef[3, : dp.shape[0]] = dp
    if form == FORM_EVEN and cp.shape[0] == 0:
        lj = True
        for k in range(cn.shape[0]):
            if k % 3 != 0 and cn[k] != 0.0:
                lj = False
        if lj:
            form = FORM_LJ
    if form == FORM_ODD:
        lj = True
        for k in range(cn.shape[0]):
            if k != 0 and k != 6 and k != 12 and cn[k] != 0.0:
                lj = False
        if lj:
            form = FORM_LJ_ODD
    return form, coef


@njit(cache=True, nogil=True)
def vector_form(form, mixing, n_species):
    """The form :func:`forces_core` evaluates g in for a model, or FORM_GENERAL when it has no
    vectorised variant (then :func:`forces_terms` is used): more than two species with a g
    outside the Lennard-Jones family, or a g with pow/exp terms."""
    if form == FORM_GENERAL:
        return FORM_GENERAL
    if mixing == 0 and n_species > 2 and form != FORM_LJ:
        return FORM_GENERAL
    if mixing != 0 and form == FORM_LJ:
        return FORM_EVEN
    return form


@njit(cache=True, nogil=True)
def species_tables(eps_t, sig_t, x_cut):
    """(3, S*S) table: eps_ab, 1/sigma_ab^2 and (x_c sigma_ab)^2 at index a*S + b."""
    n_sp = sig_t.shape[0]
    tab = np.empty((3, n_sp * n_sp))
    for a in range(n_sp):
        for b in range(n_sp):
            tab[0, a * n_sp + b] = eps_t[a, b]
            tab[1, a * n_sp + b] = 1.0 / (sig_t[a, b] * sig_t[a, b])
            tab[2, a * n_sp + b] = (x_cut * sig_t[a, b]) ** 2
    return tab


@njit(cache=True, nogil=True, error_model="numpy")
def _horner(coef, row, z, size):
    """sum_k coef[row, k] z^k for k < ``size``, a compile-time constant (fully unrolled)."""
    h = coef[row, size - 1]
    for k in range(size - 2, -1, -1):
        h = h * z + coef[row, k]
    return h


@njit(cache=True, nogil=True, inline="always")
def _horner_dyn(c, z):
    """sum_k c[k] z^k (run-time length)."""
    h = 0.0
    for j in range(c.shape[0] - 1, -1, -1):
        h = h * z + c[j]
    return h


@njit(cache=True, nogil=True, error_model="numpy")
def _radial(form, x2, eps, isig2, coef):
    """(eps g(x), s) of a pair from x^2 = r^2/sigma^2, s = -phi'(r)/r (vectorised forms).

    FORM_LJ: with y = x^2 and z = y^-3, g = c0 + z (c3 + z c6) and
    g'(x)/x = 2 dg/dy = y^-1 z (d4 + z d7) (coefficients cn[0, 3, 6], dn[4, 7]).
    FORM_LJ_ODD: with x, u = 1/x and z = u^6, g = c0 + z (c6 + z c12) + p1 x + p2 x^2 and
    g'(x) = u z (d7 + z d13) + d0 + q1 x (cn[0, 6, 12], cp[0, 1], dn[0, 7, 13], dp[0]; g has no
    power above x^2, so dp[1] = 0).
    """
    if form == FORM_LJ:
        iy = 1.0 / x2
        z = iy * iy * iy
        g = coef[0, 0] + z * (coef[0, 3] + z * coef[0, 6])
        big = iy * z * (coef[2, 4] + z * coef[2, 7])
        s = -eps * big * isig2  # big = g'(x)/x
    elif form == FORM_LJ_ODD:
        # (the x and x^2 terms as products with y and x2, not nested Horner: with the nested
        # form LLVM left this loop scalar)
        y = ieee_sqrt(x2)
        iy = 1.0 / y
        iy2 = iy * iy
        z = iy2 * iy2 * iy2
        g = coef[0, 0] + z * (coef[0, 6] + z * coef[0, 12]) + y * coef[1, 0] + x2 * coef[1, 1]
        big = iy * z * (coef[2, 7] + z * coef[2, 13]) + coef[2, 0] + y * coef[3, 0]
        s = -eps * big * iy * isig2  # big = g'(x)
    elif form == FORM_EVEN:
        iy = 1.0 / x2
        g = _horner(coef, 0, iy, EVEN_NEG) + x2 * _horner(coef, 1, x2, POS)
        big = _horner(coef, 2, iy, EVEN_NEG + 1) + x2 * _horner(coef, 3, x2, POS)
        s = -eps * big * isig2  # big = g'(x)/x
    else:
        y = ieee_sqrt(x2)
        iy = 1.0 / y
        g = _horner(coef, 0, iy, ODD_NEG) + y * _horner(coef, 1, y, POS)
        big = _horner(coef, 2, iy, ODD_NEG + 1) + y * _horner(coef, 3, y, POS)
        s = -eps * big * iy * isig2  # big = g'(x)
    return eps * g, s
