"""Inverse-power soft spheres v(r) = eps (sigma_ij / r)^n (Buchenau 1992, eq 9;
docs/physics/models.md).

Additive diameters sigma_ij = (sigma_i + sigma_j)/2 (monodisperse, binary or polydisperse: the
particle diameters carry the size information). Default cutoff 2.5 sigma_ij with the ``smooth``
scheme; for n = 6 the tail is long (v(2.5 sigma) = 0.0041 eps), so the cutoff is part of the model.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.models.base import PairPotential


def soft_spheres(
    n: float = 12.0, epsilon: float = 1.0, x_cut: float = 2.5, scheme: str = "smooth"
) -> PairPotential:
    """Soft spheres eps (sigma_ij/r)^n with additive diameters."""
    if not n > 0:
        raise InputError(f"soft-sphere exponent must be positive, got {n}")
    return PairPotential(
        name=f"soft-sphere-{n:g}",
        terms=np.array([[1.0, -float(n), 0.0]]),
        x_cut=x_cut,
        scheme=scheme,
        mixing="additive",
        epsilon=np.array([[epsilon]]),
        overlap_x=0.3,
        description=f"soft spheres (sigma/r)^{n:g}, cutoff {x_cut} sigma_ij, scheme {scheme}",
    )


def binary_diameters(
    n_particles: int, fraction_a: float = 0.5, ratio: float = 1.2, seed: int | None = None
) -> NDArray[np.float64]:
    """Diameters of a binary mixture: N_A = round(fraction_a N) of 1, the rest ``ratio``.

    Recommended (docs/physics/models.md): 50:50, sigma_B / sigma_A = 1.2. With ``seed`` the
    labels are
    randomly permuted, otherwise A particles come first.
    """
    n_a = int(round(fraction_a * n_particles))
    d = np.concatenate([np.ones(n_a), np.full(n_particles - n_a, float(ratio))])
    if seed is not None:
        d = np.random.default_rng(seed).permutation(d)
    return d
