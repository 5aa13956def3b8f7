"""Numba kernel for the third-order contraction U:vv (docs/physics/models.md, "Forces, Hessian,
third derivatives"; the cubic coefficient of non-linear modes, Gartner & Lerner, SciPost Phys.
1, 016, 2016).

For one pair, T_abc = A n_a n_b n_c + B (n_a d_bc + n_b d_ac + n_c d_ab) with
A = phi''' - 3 phi''/r + 3 phi'/r^2 and B = phi''/r - phi'/r^2; then with u = v_i - v_j
    t_ij = A (n.u)^2 n + B [(u.u) n + 2 (n.u) u],   (U:vv)_i += t_ij,  (U:vv)_j -= t_ij.
The cubic coefficient along v is tau = U:vvv = v . (U:vv).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pelkit.engine.hessian import _pair_geometry
from pelkit.engine.radial import pair_scale, radial_g0123


@njit(cache=True, nogil=True)
def third_order_vv(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut, v
):
    """U:vv (3N,) for a flat vector v (3N,)."""
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
            _, g1, g2, g3 = radial_g0123(r / sig, terms)
            d1 = eps * g1 / sig
            d2 = eps * g2 / (sig * sig)
            d3 = eps * g3 / (sig * sig * sig)
            coef_a = d3 - 3.0 * d2 / r + 3.0 * d1 / r2
            coef_b = d2 / r - d1 / r2
            nx = dx / r
            ny = dy / r
            nz = dz / r
            ux = v[3 * i] - v[3 * j]
            uy = v[3 * i + 1] - v[3 * j + 1]
            uz = v[3 * i + 2] - v[3 * j + 2]
            nu = nx * ux + ny * uy + nz * uz
            uu = ux * ux + uy * uy + uz * uz
            s = coef_a * nu * nu + coef_b * uu
            w = 2.0 * coef_b * nu
            tx = s * nx + w * ux
            ty = s * ny + w * uy
            tz = s * nz + w * uz
            out[3 * i] += tx
            out[3 * i + 1] += ty
            out[3 * i + 2] += tz
            out[3 * j] -= tx
            out[3 * j + 1] -= ty
            out[3 * j + 2] -= tz
    return out
