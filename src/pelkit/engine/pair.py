"""Numba kernels for pair energies, forces and the virial (docs/physics/models.md).

All kernels loop over a half Verlet list (see :mod:`pelkit.engine.neighbors`) and use minimum
image. Conventions: r_ij = r_i - r_j, n = r_ij/r, F_i = -sum_j phi'(r_ij) n_ij,
virial W = -(1/3) sum_{i<j} r_ij phi'(r_ij), pressure P = rho T + W/V (no tail correction).

The force kernel (:func:`energy_forces_virial`, the hot loop of MD and minimisation) is written
so that LLVM vectorises its pair loop (AVX2 / AVX-512 lanes) without ``fastmath``: every float64
operation stays IEEE and in program order. For each row i of the list, blocks of up to
:data:`BLOCK` neighbours are processed in two loops:

1. a lane loop (vectorised): r_j (a gather), minimum image, pair scales, the polynomial g and
   g', and the cutoff as a mask (a select, not a branch); it writes the pair forces
   s_ij r_ij into scratch rows and adds eps g and s r^2 to per-lane energy and virial sums;
2. a scalar loop that adds the pair forces to particle i in list order and subtracts them from
   the partners j (the j of one row are distinct, but the compiler cannot know it).

What makes LLVM vectorise: the scratch lives on the kernel's stack (:func:`stack_buffer`), so
it provably does not alias the argument arrays; list rows are padded with valid indices to a
multiple of :data:`LANES` (:mod:`pelkit.engine.neighbors`), so the lane loop reads the row
contiguously and masks the padding lanes; a division cannot raise (``error_model="numpy"``);
the species-pair parameters come from a select between the two table entries of the row when
there are at most two species (a gather per parameter otherwise); each combination of g form
(:func:`pelkit.engine.pair_forms.force_plan`: Lennard-Jones family, the family plus x and x^2,
even powers, odd powers) and mixing rule is a separately compiled variant (eight of them,
:func:`forces_core`), so no loop-invariant branch is left in the vector loop; square roots use
the LLVM intrinsic (:func:`pelkit.engine.pair_forms.ieee_sqrt`), since Numba's ``np.sqrt``
calls libm and keeps a loop scalar. The helpers (:func:`_core`, :func:`_lanes`, :func:`_radial`,
:func:`_horner`) are ordinary jitted functions that LLVM inlines into each variant, where
``form``, ``kind`` and the Horner lengths become constants (Numba-level ``inline="always"``
gave the same machine code at twice the compile time).

Results: for the even and odd forms (Horner) the forces are summed in list order and are
bit-identical to the scalar reference kernel :func:`forces_terms` over the same list; the
Lennard-Jones forms evaluate g and g' from z = (sigma/r)^6 in fewer operations and agree with
Horner to rounding (~1e-15 relative). Energy and virial are summed per lane and the lanes added
at the end, so they differ from a sequential sum by rounding only. Measured speed-up of the
force evaluation over the former scalar kernel: about 3.5-4x for KA at N = 155 and 1000
(``benchmarks/bench_md_kernel.py``, ``benchmarks/results_md_kernel.md``).
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from pelkit.engine.geometry import box_sides, minimum_image
from pelkit.engine.pair_forms import (  # noqa: F401 - the plan's names are part of this API
    EVEN_NEG,
    FORM_EVEN,
    FORM_GENERAL,
    FORM_LJ,
    FORM_LJ_ODD,
    FORM_ODD,
    ODD_NEG,
    POS,
    _horner_dyn,
    _power_plan,
    _radial,
    force_plan,
    species_tables,
    vector_form,
)
from pelkit.engine.radial import pair_scale, radial_g01

BLOCK = 256  # neighbours per block of the lane loop (stack scratch length)
LANES = 8  # list rows are padded to a multiple of this; lane loops run over whole lanes
SCRATCH_ROWS = 5  # scratch rows: pair force x, y, z; per-lane energy and virial sums
SCRATCH_SIZE = SCRATCH_ROWS * BLOCK
# how a kernel variant finds eps_ij and sigma_ij: from the diameters (additive or non-additive
# rule), by a gather from the species-pair table, or (at most two species) by a select
DIAMETERS, SPECIES, TWO_SPECIES = 0, 1, 2


@intrinsic
def _stack_f64(typingctx, size):
    """Pointer to ``size`` float64 on the stack of the calling kernel (``size`` a literal)."""
    if not isinstance(size, types.IntegerLiteral):
        return None
    count = size.literal_value

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(types.float64)
        return cgutils.alloca_once(builder, ty, size=context.get_constant(types.intp, count))

    return types.CPointer(types.float64)(size), codegen


@njit(cache=True, nogil=True, inline="always")
def stack_buffer():
    """A (SCRATCH_ROWS, BLOCK) float64 scratch array on the caller's stack (uninitialised).

    Call it once per kernel, outside loops. LLVM knows that stack memory does not alias the
    kernel's array arguments, which is what lets it vectorise loops that gather from those
    arrays and store into the scratch.
    """
    return carray(_stack_f64(SCRATCH_SIZE), (SCRATCH_ROWS, BLOCK))


@njit(cache=True, nogil=True, error_model="numpy")
def _lanes(form, kind, energies, i, b0, nb, nbr, pos, xi, yi, zi, row_sp, di, species,
           diameters, k_na, eps0, xc2, box, tab, coef, scr):
    """Lane loop over the neighbours b0 .. b0+nb-1 of row i (vectorised; module doc).

    Writes the pair forces s r_ij into scr[0:3, m] (zero outside the cutoff and in the padding
    lanes) and, with ``energies`` (a constant of each variant), adds eps g and s r^2 to the lane
    sums scr[3, m] and scr[4, m]; without it the energy and virial are not computed and the
    pair forces come out of the same operations, bit for bit. ``kind`` selects
    how (eps_ij, sigma_ij) are found (DIAMETERS, SPECIES, TWO_SPECIES; ``tab`` from
    :func:`species_tables`); with diameters, sigma_ij = (d_i + d_j)/2 (1 - k_na |d_i - d_j|)
    (k_na = 0 for the additive rule: the factor is then exactly 1).
    """
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
    if kind == TWO_SPECIES:
        # at most two species: the partner's table entry by a select, not a gather
        other = row_sp + 1 if tab.shape[1] > 1 else row_sp
        e0 = tab[0, row_sp]
        e1 = tab[0, other]
        s0 = tab[1, row_sp]
        s1 = tab[1, other]
        c0 = tab[2, row_sp]
        c1 = tab[2, other]
    nv = (nb + LANES - 1) & -LANES  # a multiple of LANES (a power of 2), visibly to LLVM
    blk = nbr[i, b0 : b0 + nv]  # padded row: the entries past the count are valid indices
    for m in range(nv):
        valid = m < nb
        j = blk[m]
        dx = xi - pos[j, 0]
        dy = yi - pos[j, 1]
        dz = zi - pos[j, 2]
        dx = minimum_image(dx, lx, ilx)
        dy = minimum_image(dy, ly, ily)
        dz = minimum_image(dz, lz, ilz)
        r2 = dx * dx + dy * dy + dz * dz
        if kind == TWO_SPECIES:
            b1 = species[j] != 0
            eps = e1 if b1 else e0
            isig2 = s1 if b1 else s0
            x2 = r2 * isig2
            inside = valid & (r2 < (c1 if b1 else c0))
        elif kind == SPECIES:
            k = row_sp + species[j]
            eps = tab[0, k]
            isig2 = tab[1, k]
            x2 = r2 * isig2
            inside = valid & (r2 < tab[2, k])
        else:
            dj = diameters[j]
            sig = 0.5 * (di + dj) * (1.0 - k_na * abs(di - dj))
            isig2 = 1.0 / (sig * sig)
            eps = eps0
            x2 = r2 * isig2
            inside = valid & (x2 < xc2)
        e, s = _radial(form, x2, eps, isig2, coef)
        s = s if inside else 0.0
        if energies:
            scr[3, m] += e if inside else 0.0
            scr[4, m] += s * r2
        scr[0, m] = s * dx
        scr[1, m] = s * dy
        scr[2, m] = s * dz


@njit(cache=True, nogil=True, error_model="numpy")
def _core(form, kind, energies, pos, box, nbr, counts, mixing, species, diameters, eps_t,
          nonadd, x_cut, tab, coef, forces):
    """Row loop of the vectorised kernel: returns (U, W) and overwrites ``forces``.

    ``form``, ``kind`` and ``energies`` are constants in each compiled variant below, so the
    vector loop of a variant holds one code path only. Without ``energies`` the forces are
    the same to the last bit and (U, W) is returned as (NaN, NaN).
    """
    n = pos.shape[0]
    n_sp = eps_t.shape[0]
    forces[:, :] = 0.0
    eps0 = eps_t[0, 0]
    xc2 = x_cut * x_cut
    k_na = nonadd if mixing == 2 else 0.0
    scr = stack_buffer()
    scr[3, :] = 0.0
    scr[4, :] = 0.0
    for i in range(n):
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        row_sp = species[i] * n_sp
        di = diameters[i]
        cnt = counts[i]
        fxi = 0.0
        fyi = 0.0
        fzi = 0.0
        for b0 in range(0, cnt, BLOCK):
            nb = min(BLOCK, cnt - b0)
            _lanes(form, kind, energies, i, b0, nb, nbr, pos, xi, yi, zi, row_sp, di, species,
                   diameters, k_na, eps0, xc2, box, tab, coef, scr)
            for m in range(nb):
                j = nbr[i, b0 + m]
                fx = scr[0, m]
                fy = scr[1, m]
                fz = scr[2, m]
                fxi += fx
                fyi += fy
                fzi += fz
                forces[j, 0] -= fx
                forces[j, 1] -= fy
                forces[j, 2] -= fz
        forces[i, 0] += fxi
        forces[i, 1] += fyi
        forces[i, 2] += fzi
    if not energies:
        return np.nan, np.nan
    energy = 0.0
    virial = 0.0
    for m in range(BLOCK):
        energy += scr[3, m]
        virial += scr[4, m]
    return energy, virial / 3.0


# the compiled variants: (form, kind) constant in each (error_model="numpy": a zero distance
# gives inf/NaN instead of raising, since a division that may raise cannot be vectorised)
@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_lj(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                    tab, coef, forces):
    return _core(FORM_LJ, TWO_SPECIES, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_even(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                      tab, coef, forces):
    return _core(FORM_EVEN, TWO_SPECIES, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                     tab, coef, forces):
    return _core(FORM_ODD, TWO_SPECIES, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_lj_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                        tab, coef, forces):
    return _core(FORM_LJ_ODD, TWO_SPECIES, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _species_lj(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                tab, coef, forces):
    return _core(FORM_LJ, SPECIES, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _diameters_even(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                    tab, coef, forces):
    return _core(FORM_EVEN, DIAMETERS, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _diameters_lj_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                      tab, coef, forces):
    return _core(FORM_LJ_ODD, DIAMETERS, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _diameters_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                   tab, coef, forces):
    return _core(FORM_ODD, DIAMETERS, True, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


# force-only variants (``energies`` False): the same force arithmetic, no energy or virial

@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_lj_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                      tab, coef, forces):
    return _core(FORM_LJ, TWO_SPECIES, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_even_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                        tab, coef, forces):
    return _core(FORM_EVEN, TWO_SPECIES, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                       tab, coef, forces):
    return _core(FORM_ODD, TWO_SPECIES, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _two_species_lj_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                          x_cut, tab, coef, forces):
    return _core(FORM_LJ_ODD, TWO_SPECIES, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _species_lj_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                  tab, coef, forces):
    return _core(FORM_LJ, SPECIES, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _diameters_even_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                      tab, coef, forces):
    return _core(FORM_EVEN, DIAMETERS, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _diameters_lj_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                        x_cut, tab, coef, forces):
    return _core(FORM_LJ_ODD, DIAMETERS, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True, error_model="numpy")
def _diameters_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                     tab, coef, forces):
    return _core(FORM_ODD, DIAMETERS, False, pos, box, nbr, counts, mixing, species,
                 diameters, eps_t, nonadd, x_cut, tab, coef, forces)


@njit(cache=True, nogil=True)
def forces_only_core(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                     form, tab, coef, forces):
    """:func:`forces_core` without the energy and virial: the forces (N, 3, overwritten) are
    bit-identical to those of :func:`forces_core` over the same list (the same operations in
    the same order; only the lane sums of eps g and s r^2 are left out: 8 % of the kernel's
    time for KA at N = 1000, one thread). Returns (NaN, NaN) in place of (U, W). For MD steps
    whose energy nobody reads (:func:`pelkit.dynamics.integrators.run_chunk`)."""
    if mixing == 0 and eps_t.shape[0] <= 2:
        if form == FORM_LJ:
            return _two_species_lj_f(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                     nonadd, x_cut, tab, coef, forces)
        if form == FORM_EVEN:
            return _two_species_even_f(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                       nonadd, x_cut, tab, coef, forces)
        if form == FORM_LJ_ODD:
            return _two_species_lj_odd_f(pos, box, nbr, counts, mixing, species, diameters,
                                         eps_t, nonadd, x_cut, tab, coef, forces)
        return _two_species_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                  nonadd, x_cut, tab, coef, forces)
    if mixing == 0:
        return _species_lj_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                             x_cut, tab, coef, forces)
    if form == FORM_LJ_ODD:
        return _diameters_lj_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                   nonadd, x_cut, tab, coef, forces)
    if form == FORM_ODD:
        return _diameters_odd_f(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                nonadd, x_cut, tab, coef, forces)
    return _diameters_even_f(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                             x_cut, tab, coef, forces)


@njit(cache=True, nogil=True)
def forces_core(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut, form,
                tab, coef, forces):
    """Vectorised U (eps), W (eps) and forces (N, 3, overwritten; eps/sigma) of a polynomial g.

    ``form`` and ``coef`` from :func:`force_plan`, ``tab`` from :func:`species_tables`; use
    :func:`vector_form` to know whether a model has a vectorised variant (eight are compiled:
    at most two species with any form, more species with the Lennard-Jones form (table
    gathers), diameters with the even, odd or LJ-plus-x,x^2 form (the Lennard-Jones form runs as
    even)).
    The list rows must be padded as
    :func:`pelkit.engine.neighbors.build_half_list` pads them (entries up to the next multiple
    of LANES hold valid particle indices).
    """
    if mixing == 0 and eps_t.shape[0] <= 2:
        if form == FORM_LJ:
            return _two_species_lj(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                                   x_cut, tab, coef, forces)
        if form == FORM_EVEN:
            return _two_species_even(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                     nonadd, x_cut, tab, coef, forces)
        if form == FORM_LJ_ODD:
            return _two_species_lj_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                       nonadd, x_cut, tab, coef, forces)
        return _two_species_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                                x_cut, tab, coef, forces)
    if mixing == 0:
        return _species_lj(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                           x_cut, tab, coef, forces)
    if form == FORM_LJ_ODD:
        return _diameters_lj_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t,
                                 nonadd, x_cut, tab, coef, forces)
    if form == FORM_ODD:
        return _diameters_odd(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                              x_cut, tab, coef, forces)
    return _diameters_even(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                           x_cut, tab, coef, forces)


@njit(cache=True, nogil=True)
def forces_terms(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut, forces
):
    """Scalar U, W and forces (N, 3, overwritten) for any g: returns (U, W).

    Used for g with pow/exp terms; a polynomial g is evaluated by Horner, in the same
    arithmetic as the vectorised kernel, which makes this the reference that kernel is tested
    against (the forces agree bit for bit over the same list).
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
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
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
            dx = minimum_image(dx, lx, ilx)
            dy = minimum_image(dy, ly, ily)
            dz = minimum_image(dz, lz, ilz)
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
                g = _horner_dyn(cn, iy) + y * _horner_dyn(cp, y)
                big = _horner_dyn(dn, iy) + y * _horner_dyn(dp, y)
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
def energy_forces_virial(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut, forces
):
    """Total energy U (eps), virial W (eps) and forces (N, 3) written into ``forces`` (eps/sigma).

    This is the hot loop of MD and minimisation. A polynomial g (integer powers x^-12 .. x^4
    when all are even, x^-12 .. x^2 otherwise: LJ, KA, soft spheres, the swap model, any cutoff
    scheme) goes to the vectorised :func:`forces_core`; when every power is even it works on
    r^2 only (no square root, no pow). Other g use the scalar :func:`forces_terms`.
    ``nbr``/``counts`` is a padded half list from :mod:`pelkit.engine.neighbors`. The result
    equals :func:`pair_energies` and the Hessian kernels' conventions.
    """
    form, coef = force_plan(terms)
    form = vector_form(form, mixing, eps_t.shape[0])
    if form == FORM_GENERAL:
        return forces_terms(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                            nonadd, terms, x_cut, forces)
    tab = species_tables(eps_t, sig_t, x_cut)
    return forces_core(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd, x_cut,
                       form, tab, coef, forces)


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
