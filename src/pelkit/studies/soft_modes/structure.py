"""Crystallinity check of a glass: the global bond-orientational order Q_l.

Steinhardt, Nelson and Ronchetti, Phys. Rev. B 28, 784 (1983):

    Q_lm = (1/N_b) sum_bonds Y_lm(theta_b, phi_b),
    Q_l  = [4 pi/(2l+1) sum_m |Q_lm|^2]^{1/2},

over all N_b bonds r_ij < ``r_bond`` (minimum image). Q_6 = 0.5745 for a perfect fcc crystal with
its 12 nearest neighbours, 0.6285 for bcc with 8 (0.5107 with 14); a disordered packing gives
Q_6 ~ N_b^{-1/2} (a few hundredths). A quenched soft-sphere "glass" with Q_6 well above that has
crystallised and is flagged by the study.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import sph_harm_y

from pelkit.errors import InputError


def global_q(positions: ArrayLike, box_lengths: ArrayLike, r_bond: float, l: int = 6) -> float:  # noqa: E741
    """Global Q_l of the bonds shorter than ``r_bond`` (NaN when there is no bond).

    Args:
        positions: (N, 3) positions, sigma.
        box_lengths: (3,) periodic box sides, sigma.
        r_bond: bond length cut (first minimum of g(r)), sigma.
        l: the order (6 detects fcc/hcp/bcc order).
    """
    pos = np.asarray(positions, dtype=np.float64)
    box = np.asarray(box_lengths, dtype=np.float64).reshape(3)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise InputError("positions must have shape (N, 3)")
    if not r_bond > 0:
        raise InputError("r_bond must be positive")
    i, j = np.triu_indices(pos.shape[0], k=1)
    d = pos[j] - pos[i]
    d -= box * np.round(d / box)
    r = np.sqrt(np.einsum("ij,ij->i", d, d))
    keep = r < r_bond
    if not np.any(keep):
        return float("nan")
    d, r = d[keep], r[keep]
    theta = np.arccos(np.clip(d[:, 2] / r, -1.0, 1.0))
    phi = np.arctan2(d[:, 1], d[:, 0])
    total = 0.0
    for m in range(-l, l + 1):
        qlm = np.mean(sph_harm_y(l, m, theta, phi))
        total += float(np.abs(qlm) ** 2)
    return float(np.sqrt(4.0 * np.pi / (2 * l + 1) * total))
