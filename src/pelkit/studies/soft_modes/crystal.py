"""Buchenau's crystal-like frequency omega_c: the lowest peak of the crystal's density of states.

Lattice dynamics of a monatomic Bravais crystal (bcc or fcc, unit masses) with a pair potential
phi(r) (Born and Huang, Dynamical Theory of Crystal Lattices, 1954):

    D(k) = sum_{R != 0} [phi''(R) R^ R^ + (phi'(R)/R) (I - R^ R^)] (1 - cos k.R),

(3, 3) per wave vector k; its eigenvalues are omega^2 of the three branches. The density of
states is sampled with k uniform in the cube [0, 4 pi/a)^3 (a the conventional cubic lattice
constant), a primitive cell of a simple-cubic sublattice of the reciprocal lattice of both bcc
and fcc, hence an exact tiling of k space. omega_c is the first maximum of the smoothed
histogram of omega (Buchenau, Philos. Mag. B 65, 303 (1992): "the lowest maximum of the
vibrational density of states of the corresponding crystal").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.models.base import PairPotential

FloatArray = NDArray[np.float64]

BASES = {
    "bcc": np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]),
    "fcc": np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]),
}


def lattice_constant(lattice: str, density: float) -> float:
    """Conventional cubic lattice constant a = (m / rho)^{1/3}, m atoms per cube."""
    if lattice not in BASES:
        raise InputError(f"lattice must be one of {', '.join(BASES)}, got {lattice!r}")
    return float((len(BASES[lattice]) / density) ** (1.0 / 3.0))


def lattice_vectors(lattice: str, a: float, r_max: float) -> FloatArray:
    """(n, 3) all lattice vectors R != 0 with |R| < r_max."""
    m = int(np.ceil(r_max / a)) + 1
    grid = np.array([[i, j, k] for i in range(-m, m + 1) for j in range(-m, m + 1)
                     for k in range(-m, m + 1)], dtype=float)
    pts = ((grid[:, None, :] + BASES[lattice][None]) * a).reshape(-1, 3)
    r = np.linalg.norm(pts, axis=1)
    return pts[(r > 1e-12) & (r < r_max)]


def dynamical_matrices(model: PairPotential, lattice: str, density: float,
                       k: FloatArray) -> FloatArray:
    """(n_k, 3, 3) D(k) of the monatomic crystal (unit masses, diameter 1)."""
    a = lattice_constant(lattice, density)
    vecs = lattice_vectors(lattice, a, model.x_cut * 1.0 + 1e-9)
    r = np.linalg.norm(vecs, axis=1)
    d1 = model.phi(r, order=1)
    d2 = model.phi(r, order=2)
    u = vecs / r[:, None]
    uu = u[:, :, None] * u[:, None, :]
    blocks = d2[:, None, None] * uu + (d1 / r)[:, None, None] * (np.eye(3)[None] - uu)
    phase = 1.0 - np.cos(np.asarray(k, dtype=float) @ vecs.T)  # (n_k, n_R)
    return np.einsum("kr,rab->kab", phase, blocks)


def crystal_frequencies(model: PairPotential, lattice: str, density: float,
                        n_k: int = 50_000, seed: int = 0) -> FloatArray:
    """(3 n_k,) omega of all branches at n_k random wave vectors (uniform over k space)."""
    a = lattice_constant(lattice, density)
    k = np.random.default_rng(seed).random((n_k, 3)) * (4.0 * np.pi / a)
    lam = np.linalg.eigvalsh(dynamical_matrices(model, lattice, density, k)).ravel()
    if np.any(lam < -1e-8 * np.abs(lam).max()):
        raise InputError(f"the {lattice} crystal is mechanically unstable at density {density:g}")
    return np.sqrt(np.clip(lam, 0.0, None))


def first_peak(omega: FloatArray, bins: int = 60, window: int = 3,
               min_height: float = 0.3) -> float:
    """omega at the first maximum of the 3-bin smoothed histogram that is the largest value
    within ``window`` bins on either side and reaches ``min_height`` of the highest bin (the
    window keeps sampling noise from making spurious maxima)."""
    counts, edges = np.histogram(np.asarray(omega, dtype=float), bins=bins)
    smooth = np.convolve(counts, np.ones(3) / 3.0, mode="same")
    top = smooth.max()
    for i in range(smooth.size):
        lo, hi = max(0, i - window), min(smooth.size, i + window + 1)
        if smooth[i] == smooth[lo:hi].max() and smooth[i] >= min_height * top and 0 < i:
            return float(0.5 * (edges[i] + edges[i + 1]))
    k = int(np.argmax(smooth))
    return float(0.5 * (edges[k] + edges[k + 1]))
