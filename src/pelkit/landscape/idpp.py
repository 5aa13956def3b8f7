"""Initial NEB path by the image-dependent pair potential (IDPP).

Smidstrup, Pedersen, Stokbro & Jonsson, J. Chem. Phys. 140, 214106 (2014): instead of the
straight line between A and B, which can push particles through each other, each image k of
M (k = 0..M-1, s_k = k / (M - 1)) gets its own objective

    S_k(R) = sum_{i<j} w(d_ij) (d_ij - d_ij^k)^2,   w(d) = d^-4,
    d_ij^k = d_ij^A + s_k (d_ij^B - d_ij^A),

with d_ij the minimum-image pair distance in image k, and d_ij^A, d_ij^B the distances in the
end points: a band whose pair distances interpolate those of A and B. The band is relaxed on
these objectives as a nudged elastic band (improved tangent, springs, no climbing image) by
:func:`pelkit.landscape.band_lbfgs.band_lbfgs`, starting from the straight line, to a loose
tolerance. The pairs kept are those with d^A or d^B below ``cutoff`` (w(3 sigma) is 1 % of
w(1 sigma)). S has units sigma^-2 and its force sigma^-3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.landscape.band_lbfgs import band_lbfgs
from pelkit.landscape.objective import max_block_norm
from pelkit.landscape.path_geometry import check_box, coordinate_masses

FloatArray = NDArray[np.float64]


def _pair_vectors(x: FloatArray, i: NDArray[np.intp], j: NDArray[np.intp],
                  box: FloatArray | None, block: int) -> FloatArray:
    p = x.reshape(-1, block)
    r = p[i] - p[j]
    if box is not None:
        r -= box * np.round(r / box)
    return r


@dataclass
class IDPPPairs:
    """The pairs of the IDPP objective and their end-point distances.

    Attributes:
        i, j: (P,) particle indices; d_a, d_b: (P,) distances in A and B, sigma.
        box: periodic lengths (block,) or None; block: coordinates per particle.
    """

    i: NDArray[np.intp]
    j: NDArray[np.intp]
    d_a: FloatArray
    d_b: FloatArray
    box: FloatArray | None
    block: int

    def energy_gradient(self, x: FloatArray, s: float) -> tuple[float, FloatArray]:
        """S_k and dS_k/dx (n,) for the image at fraction ``s`` of the path."""
        r = _pair_vectors(x, self.i, self.j, self.box, self.block)
        d = np.sqrt(np.einsum("ij,ij->i", r, r))
        target = self.d_a + s * (self.d_b - self.d_a)
        dev = d - target
        w = d**-4
        e = float(np.sum(w * dev * dev))
        de_dd = w * (2.0 * dev - 4.0 * dev * dev / d)
        fr = (de_dd / d)[:, None] * r
        g = np.zeros((x.size // self.block, self.block))
        np.add.at(g, self.i, fr)
        np.add.at(g, self.j, -fr)
        return e, g.ravel()


def idpp_pairs(x_a: FloatArray, x_b: FloatArray, *, box: FloatArray | None, block: int,
               cutoff: float) -> IDPPPairs:
    """Pairs with d^A or d^B below ``cutoff`` (sigma); refuses overlapping particles."""
    n_particles = x_a.size // block
    if n_particles < 2:
        raise InputError("the IDPP path needs at least two particles")
    i, j = np.triu_indices(n_particles, k=1)
    d_a = np.linalg.norm(_pair_vectors(x_a, i, j, box, block), axis=1)
    d_b = np.linalg.norm(_pair_vectors(x_b, i, j, box, block), axis=1)
    keep = np.minimum(d_a, d_b) < cutoff
    if np.any(d_a[keep] <= 0.0) or np.any(d_b[keep] <= 0.0):
        raise InputError("two particles coincide in an end point: no IDPP path")
    return IDPPPairs(i[keep], j[keep], d_a[keep], d_b[keep], box, block)


@dataclass
class IDPPResult:
    """The IDPP band (M, n), the largest per-particle IDPP-NEB force (sigma^-3) and the
    iterations spent; ``converged`` when that force fell below the requested tolerance."""

    images: FloatArray
    max_force: float
    iterations: int
    converged: bool


def idpp_band(
    straight: ArrayLike,
    *,
    box: ArrayLike | None = None,
    block: int = 3,
    masses: ArrayLike | None = None,
    cutoff: float = 3.0,
    spring_constant: float = 1.0,
    fmax: float = 1e-2,
    max_iterations: int = 1000,
) -> IDPPResult:
    """Relax a straight band (M, n) (end points = A and A + r_AB) on the IDPP objectives.

    Returns :class:`IDPPResult`; the end points are unchanged and the images stay unwrapped
    relative to A. A loose, unconverged relaxation is still a valid starting band (the NEB
    that follows judges convergence); ``converged`` says which it was.
    """
    from pelkit.landscape.neb import neb_forces  # neb imports this module lazily too

    images = np.array(straight, dtype=np.float64)
    M, n = images.shape
    lengths = check_box(box, block)
    m = coordinate_masses(masses, n, block)
    sqrt_m = np.sqrt(m)
    pairs = idpp_pairs(images[0], images[-1], box=lengths, block=block, cutoff=cutoff)
    fractions = np.linspace(0.0, 1.0, M)
    energies = np.zeros(M)
    gradients = np.zeros((M, n))

    def band(x: FloatArray) -> tuple[float, FloatArray]:
        images[1:-1] = x.reshape(M - 2, n)
        for k in range(1, M - 1):
            energies[k], gradients[k] = pairs.energy_gradient(images[k], fractions[k])
        forces, _ = neb_forces(images, energies, gradients, spring_constant=spring_constant,
                               sqrt_m=sqrt_m, box=lengths, block=block, climbing_index=None)
        return float(energies.sum()), -forces.ravel()

    res = band_lbfgs(band, images[1:-1].ravel(), fmax=fmax, block=block,
                     masses=None if np.all(m == 1.0) else np.tile(m, M - 2),
                     max_iterations=max_iterations, max_step=0.05, stall_iterations=100)
    images[1:-1] = res.positions.reshape(M - 2, n)
    _, minus_f = band(res.positions)
    fnorm = max_block_norm(minus_f, block)
    return IDPPResult(images=images, max_force=fnorm, iterations=res.iterations,
                      converged=bool(fnorm < fmax))
