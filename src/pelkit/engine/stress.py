"""Virial tensor and stress of a pair potential (the tensor form of the scalar virial).

For pairs i < j with r_ij = r_i - r_j, r = |r_ij| and the pair force on i
f_ij = -phi'(r) r_ij / r, the virial tensor is

    W_ab = sum_{i<j} r_ij,a f_ij,b          (eps; symmetric, trace W_aa = 3 W)

where W is the scalar virial of :mod:`pelkit.engine.pair`. The potential part of the stress
(the derivative of U with respect to a homogeneous strain, per volume) is

    sigma_ab = (1/V) dU/d eps_ab = -W_ab / V          (eps/sigma^3)

so that -trace(sigma)/3 = W/V is the virial pressure (positive under compression); this is the
sign convention of ASE's ``get_stress`` and of the continuum-mechanics Cauchy stress (Allen and
Tildesley, *Computer Simulation of Liquids*, 2nd ed., Oxford University Press 2017, section 2.7).
The kinetic part -sum_i m_i v_ia v_ib / V is not included.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pelkit.engine.radial import pair_scale, radial_g01

__all__ = ["virial_tensor"]


@njit(cache=True, nogil=True)
def virial_tensor(
    pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut
):
    """W_ab = sum_{i<j} r_ij,a f_ij,b, shape (3, 3) in eps, over a half Verlet list.

    Arguments are those of :func:`pelkit.engine.pair.energy_forces_virial` without ``forces``;
    ``terms`` is the term table with the cutoff scheme (``PairPotential.kernel_terms``).
    """
    w = np.zeros((3, 3))
    d = np.empty(3)
    n = pos.shape[0]
    for i in range(n):
        for m in range(counts[i]):
            j = nbr[i, m]
            for a in range(3):
                da = pos[i, a] - pos[j, a]
                d[a] = da - box[a] * np.floor(da / box[a] + 0.5)
            r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
            eps, sig = pair_scale(i, j, mixing, species, diameters, eps_t, sig_t, nonadd)
            x = np.sqrt(r2) / sig
            if x >= x_cut:
                continue
            _, g1 = radial_g01(x, terms)
            s = -eps * g1 / (sig * sig * x)  # -phi'(r)/r
            for a in range(3):
                for b in range(3):
                    w[a, b] += s * d[a] * d[b]
    return w
