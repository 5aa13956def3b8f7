"""Polydisperse non-additive swap model of Khomenko, Reichman and Zamponi (2021)
(docs/physics/models.md).

v(r) = eps [(sigma_ij/r)^12 + c0 + c2 x^2 + c4 x^4], x = r/sigma_ij < x_c = 1.25, zero beyond;
c0 = -28/x_c^12, c2 = 48/x_c^14, c4 = -21/x_c^16 make v, v', v'' vanish at x_c.
sigma_ij = (sigma_i + sigma_j)/2 (1 - 0.2 |sigma_i - sigma_j|). Density 1, eps = m = 1.
Diameters from P(sigma) = A / sigma^3 on [sigma_min, sigma_max], sigma_min/sigma_max = 0.449,
per-particle mean 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.models.base import PairPotential

SWAP_X_CUT = 1.25
SWAP_C0 = -28.0 / SWAP_X_CUT**12
SWAP_C2 = 48.0 / SWAP_X_CUT**14
SWAP_C4 = -21.0 / SWAP_X_CUT**16
SWAP_NONADDITIVITY = 0.2
SWAP_RATIO = 0.449
SWAP_DENSITY = 1.0


def swap_model(epsilon: float = 1.0, nonadditivity: float = SWAP_NONADDITIVITY) -> PairPotential:
    """The Khomenko, Reichman and Zamponi (2021) swap potential (its polynomial is its own smooth
    cutoff: scheme "none")."""
    terms = np.array(
        [[1.0, -12.0, 0.0], [SWAP_C0, 0.0, 0.0], [SWAP_C2, 2.0, 0.0], [SWAP_C4, 4.0, 0.0]]
    )
    return PairPotential(
        name="swap",
        terms=terms,
        x_cut=SWAP_X_CUT,
        scheme="none",
        mixing="nonadditive",
        epsilon=np.array([[epsilon]]),
        nonadditivity=nonadditivity,
        overlap_x=0.5,
        description="Khomenko, Reichman and Zamponi (2021) polydisperse non-additive swap model, "
                    "smooth cutoff 1.25 sigma_ij",
    )


def swap_diameter_bounds(ratio: float = SWAP_RATIO) -> tuple[float, float, float]:
    """(sigma_min, sigma_max, A) of P(sigma) = A/sigma^3 with per-particle mean 1.

    sigma_max = (1 + r)/(2 r), sigma_min = (1 + r)/2, A = 2/(sigma_min^-2 - sigma_max^-2).
    """
    if not 0 < ratio < 1:
        raise InputError(f"diameter ratio must lie in (0, 1), got {ratio}")
    smax = (1.0 + ratio) / (2.0 * ratio)
    smin = (1.0 + ratio) / 2.0
    amp = 2.0 / (smin**-2 - smax**-2)
    return smin, smax, amp


def swap_diameters(
    n_particles: int,
    seed: int | np.random.Generator | None = 0,
    stratified: bool = True,
    ratio: float = SWAP_RATIO,
) -> NDArray[np.float64]:
    """Diameters (N,) drawn from P(sigma) ~ sigma^-3 by the inverse CDF.

    sigma(u) = (sigma_min^-2 - 2u/A)^-1/2. Stratified u_i = (i - 1/2)/N randomly permuted over
    particles (recommended), or independent uniform draws with ``stratified=False``.
    """
    if n_particles < 1:
        raise InputError("need at least one particle")
    rng = np.random.default_rng(seed)
    smin, _, amp = swap_diameter_bounds(ratio)
    if stratified:
        u = (np.arange(n_particles) + 0.5) / n_particles
        u = rng.permutation(u)
    else:
        u = rng.random(n_particles)
    return (smin**-2 - 2.0 * u / amp) ** -0.5
