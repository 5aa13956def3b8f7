"""Nudged elastic band with an adaptive number of images.

A coarse band converges in few force calls but resolves the profile V(xi) poorly near the
saddle and at the ends. :func:`neb_adaptive` starts with ``n_images`` images, converges the
CI-NEB (:func:`pelkit.landscape.neb.neb`), and while the largest energy step between
neighbouring images exceeds ``resolution`` times the barrier (E_S - min(E_A, E_B)) it resamples
the converged band at about twice as many images, equally spaced in mass-weighted arc length
along the piecewise-linear band, capped at ``max_images``, and converges again from there. The
converged coarse band is a good start, so each refinement costs far fewer iterations than
starting the fine band from the straight line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.landscape.neb import DEFAULT_N_IMAGES, EnergyGradient, NEBResult, neb
from pelkit.landscape.path_geometry import check_box, coordinate_masses, minimum_image

FloatArray = NDArray[np.float64]


def resample_band(images: FloatArray, n_new: int, *, masses: ArrayLike | None = None,
                  box: ArrayLike | None = None, block: int = 3) -> FloatArray:
    """``n_new`` images equally spaced in mass-weighted arc length along the piecewise-linear
    band ``images`` (M, n) (minimum-image segments; end points kept exactly). Returns
    (n_new, n) in sigma, unwrapped relative to images[0]."""
    images = np.asarray(images, dtype=np.float64)
    M, n = images.shape
    if n_new < 3:
        raise InputError(f"a band needs at least 3 images, got {n_new}")
    lengths = check_box(box, block)
    sqrt_m = np.sqrt(coordinate_masses(masses, n, block))
    seg = minimum_image(np.diff(images, axis=0), lengths, block)
    seg_len = np.linalg.norm(seg * sqrt_m, axis=1)
    xi = np.concatenate(([0.0], np.cumsum(seg_len)))
    targets = np.linspace(0.0, xi[-1], n_new)
    out = np.empty((n_new, n))
    out[0], out[-1] = images[0], images[0] + seg.sum(axis=0)
    for k in range(1, n_new - 1):
        j = min(int(np.searchsorted(xi, targets[k], side="right")) - 1, M - 2)
        frac = (targets[k] - xi[j]) / seg_len[j] if seg_len[j] > 0 else 0.0
        out[k] = images[0] + seg[:j].sum(axis=0) + frac * seg[j]
    return out


def neb_adaptive(
    energy_gradient: EnergyGradient,
    x_a: ArrayLike,
    x_b: ArrayLike,
    *,
    n_images: int = DEFAULT_N_IMAGES,
    max_images: int = 4 * DEFAULT_N_IMAGES,
    resolution: float = 0.1,
    **kwargs: Any,
) -> NEBResult:
    """CI-NEB refined until neighbouring images differ by at most ``resolution`` x barrier.

    Args:
        energy_gradient, x_a, x_b: as for :func:`pelkit.landscape.neb.neb`.
        n_images: images of the first band (end points included).
        max_images: largest band.
        resolution: largest |V_{k+1} - V_k| allowed, as a fraction of the barrier.
        **kwargs: passed to :func:`~pelkit.landscape.neb.neb` (not ``initial_images``).

    Returns:
        The last band's :class:`NEBResult` with ``iterations`` and ``evaluations`` summed over
        all bands and ``history["refinements"]``: per band (images, iterations, evaluations,
        converged, largest energy step / barrier). ``converged`` is that of the last band.
    """
    if "initial_images" in kwargs:
        raise InputError("neb_adaptive builds its own bands; initial_images is not accepted")
    if not (0.0 < resolution < 1.0):
        raise InputError(f"resolution must be in (0, 1), got {resolution}")
    if max_images < n_images:
        raise InputError(f"max_images ({max_images}) is below n_images ({n_images})")
    refinements: list[dict[str, Any]] = []
    iterations = evaluations = 0
    band = None
    while True:
        res = neb(energy_gradient, x_a, x_b, n_images=n_images, initial_images=band, **kwargs)
        iterations += res.iterations
        evaluations += res.evaluations
        barrier = float(res.energies.max() - min(res.energies[0], res.energies[-1]))
        step = float(np.abs(np.diff(res.energies)).max())
        ratio = step / barrier if barrier > 0.0 else 0.0
        refinements.append({"images": res.n_images, "iterations": res.iterations,
                            "evaluations": res.evaluations, "converged": res.converged,
                            "energy_step_over_barrier": ratio})
        if not res.converged or ratio <= resolution or res.n_images >= max_images:
            break
        n_images = min(2 * res.n_images - 1, max_images)
        band = resample_band(res.images, n_images, masses=res.masses, box=res.box,
                             block=res.block)
    res.iterations = iterations
    res.evaluations = evaluations
    res.history["refinements"] = refinements
    return res
