"""Transverse curvature of a relaxed band: does the band run along a valley or along a ridge?

For interior image i of a band (:class:`pelkit.landscape.neb.NEBResult`) with unit tangent
tau^_i in the mass-weighted metric q = M^{1/2} R, the transverse Hessian is

    K_i = P_i H^M_i P_i,   H^M_i = M^{-1/2} H(R_i) M^{-1/2},   P_i = I - tau^_i tau^_i^T,

restricted to the complement of tau^_i (and of any given zero modes, e.g. the rigid
translations of a periodic particle system). Its lowest eigenvalue kappa_i (epsilon / (m
sigma^2)) is the smallest curvature of the energy across the path at that image. On a minimum
energy path that lies in a valley every kappa_i > 0. A negative kappa_i means the path runs
along a ridge there: the steepest-descent path from the saddle can follow a ridge downhill
beyond a valley-ridge inflection point (Valtazanos & Ruedenberg, Theor. Chim. Acta 69, 281
(1986)), and the nudged-elastic-band stationary band is then held in place only by the
coupling of the perpendicular force to the image positions through the tangent. That coupling
is not symmetric, so the Jacobian of the NEB force is not the negative of a symmetric matrix
and its symmetric part can be indefinite: quasi-Newton band optimisers, which model it by a
symmetric matrix (:mod:`pelkit.landscape.band_lbfgs`), then take steps that raise the force,
while damped dynamics (FIRE 2.0) converge slowly. :func:`transverse_curvatures` measures
kappa_i so that a stalled band can be recognised.

The eigenvalues come from a dense symmetric eigen-decomposition of the (n, n) matrix with the
tangent and the zero modes shifted out of the low end of the spectrum (K_i + s (tau tau^T +
Z Z^T), s above the largest eigenvalue of H^M_i); n is limited to :data:`DENSE_MAX`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.landscape.neb import NEBResult

FloatArray = NDArray[np.float64]

DENSE_MAX = 6000
"""Largest number of coordinates n for the dense eigen-decomposition."""


def transverse_curvatures(
    result: NEBResult,
    hessian: Callable[[FloatArray], ArrayLike],
    *,
    zero_modes: Callable[[FloatArray], ArrayLike] | None = None,
    n_lowest: int = 1,
) -> FloatArray:
    """Lowest eigenvalues of the transverse mass-weighted Hessian at each interior image.

    Args:
        result: a relaxed band (its images (M, n), unit tangents (M, n) in q and masses (n,)).
        hessian: R (n,) -> d^2V/dR dR (n, n) in epsilon / sigma^2 (dense array or anything
            ``np.asarray`` turns into one, e.g. ``scipy.sparse`` via ``.toarray()`` first).
        zero_modes: R (n,) -> (n, r) directions in q to leave out (e.g. the rigid
            translations of a periodic system, :func:`pelkit.landscape.surface.rigid_body_modes`
            with the masses); None: none.
        n_lowest: how many of the lowest eigenvalues to return per image.

    Returns:
        kappa (M - 2, n_lowest) in epsilon / (m sigma^2), ascending per image (module docstring).
    """
    images = np.asarray(result.images, dtype=np.float64)
    M, n = images.shape
    if n > DENSE_MAX:
        raise InputError(f"transverse_curvatures is dense: at most {DENSE_MAX} coordinates, "
                         f"got {n}")
    n_keep = n - 1
    if n_lowest < 1 or n_lowest > n_keep:
        raise InputError(f"n_lowest must be between 1 and {n_keep}, got {n_lowest}")
    inv_sqrt_m = 1.0 / np.sqrt(np.asarray(result.masses, dtype=np.float64))
    out = np.empty((M - 2, n_lowest))
    for i in range(1, M - 1):
        h = np.asarray(hessian(images[i].copy()), dtype=np.float64)
        if h.shape != (n, n):
            raise InputError(f"the Hessian function returned shape {h.shape}, not {(n, n)}")
        hm = inv_sqrt_m[:, None] * h * inv_sqrt_m[None, :]
        hm = 0.5 * (hm + hm.T)
        tau = result.tangents[i] / np.linalg.norm(result.tangents[i])
        remove = [tau[:, None]]
        if zero_modes is not None:
            z = np.asarray(zero_modes(images[i].copy()), dtype=np.float64).reshape(n, -1)
            remove.append(z)
        basis, _ = np.linalg.qr(np.hstack(remove))
        if basis.shape[1] > n - n_lowest:
            raise InputError("too many zero modes for the requested number of eigenvalues")
        p = np.eye(n) - basis @ basis.T
        k = p @ hm @ p
        shift = 1.0 + 2.0 * float(np.abs(hm).sum(axis=1).max())  # above the spectrum of H^M
        w = np.linalg.eigvalsh(k + shift * (basis @ basis.T))
        out[i - 1] = w[:n_lowest]
    return out
