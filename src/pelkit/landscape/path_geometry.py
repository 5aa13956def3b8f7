"""Geometry of a band of configurations: masses, minimum image, arc length, tangents, interpolation.

A band is ``images`` (M, n): M configurations R_0 .. R_{M-1} of n = N * block flat coordinates
(block = 3 for particles, 2 for a 2-D test surface). Everything is measured in the mass-weighted
metric q = M^{1/2} R (Cartesian for equal masses), in which the reaction path is the steepest
descent path (Fukui, Acc. Chem. Res. 14, 363 (1981)):

* ``masses`` are per coordinate (n,) or per particle (N,) (expanded over the block), in m;
* ``box`` holds the periodic lengths (block,) in sigma or is None; displacements between images
  use the minimum image d - L round(d / L) per particle;
* arc length xi_0 = 0, xi_{k+1} = xi_k + |M^{1/2} minimum_image(R_{k+1} - R_k)|, sqrt(m) sigma;
* the linear band R_k = A + (k / (M - 1)) r_AB with r_AB = minimum_image(B - A), optionally with
  the mass-weighted mean displacement removed (no rigid drift along the band);
* the improved tangent of Henkelman & Jonsson, J. Chem. Phys. 113, 9978 (2000): tau_i =
  q_{i+1} - q_i if V_{i+1} > V_i > V_{i-1}, q_i - q_{i-1} if V_{i+1} < V_i < V_{i-1}; otherwise
  the energy-weighted mix with dV_max = max(|V_{i+1} - V_i|, |V_{i-1} - V_i|) and dV_min the
  min: (q_{i+1} - q_i) dV_max + (q_i - q_{i-1}) dV_min if V_{i+1} > V_{i-1}, else
  (q_{i+1} - q_i) dV_min + (q_i - q_{i-1}) dV_max; normalised.

See ``docs/physics/landscape.md`` (nudged elastic band; double wells and path quantities).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]


def coordinate_masses(masses: ArrayLike | None, n: int, block: int) -> FloatArray:
    """Masses per flat coordinate (n,) from None (all 1), per-particle (n/block,) or (n,) input."""
    if block < 1 or n % block != 0:
        raise InputError(f"{n} coordinates cannot be split into blocks of {block}")
    if masses is None:
        return np.ones(n)
    m = np.asarray(masses, dtype=np.float64).ravel()
    if m.size == n // block and m.size != n:
        m = np.repeat(m, block)
    elif m.size == n // block:  # block == 1
        pass
    elif m.size != n:
        raise InputError(
            f"masses have {m.size} entries, expected {n // block} (per particle) or {n}"
        )
    if not np.all(np.isfinite(m)) or np.any(m <= 0.0):
        raise InputError("masses must be finite and positive")
    return m


def check_box(box: ArrayLike | None, block: int) -> FloatArray | None:
    """Validate periodic box lengths (block,) in sigma; None means no periodicity."""
    if box is None:
        return None
    lengths = np.asarray(box, dtype=np.float64).ravel()
    if lengths.size != block:
        raise InputError(f"box must have {block} lengths (one per coordinate of a block)")
    if not np.all(np.isfinite(lengths)) or np.any(lengths <= 0.0):
        raise InputError("box lengths must be finite and positive")
    return lengths


def minimum_image(d: ArrayLike, box: FloatArray | None, block: int) -> FloatArray:
    """Minimum-image displacement d - L round(d / L) per block; d has shape (..., n)."""
    d = np.asarray(d, dtype=np.float64)
    if box is None:
        return d.copy()
    shaped = d.reshape(*d.shape[:-1], -1, block)
    shaped = shaped - box * np.round(shaped / box)
    return shaped.reshape(d.shape)


def remove_drift(d: FloatArray, m: FloatArray, block: int) -> FloatArray:
    """Subtract the mass-weighted mean displacement sum_j m_j d_j / sum_j m_j per axis.

    ``d`` and ``m`` are flat (n,) per-coordinate arrays; returns a new (n,) array.
    """
    dd = d.reshape(-1, block)
    mm = m.reshape(-1, block)
    mean = np.sum(mm * dd, axis=0) / np.sum(mm, axis=0)
    return (dd - mean).ravel()


def arc_length(
    images: ArrayLike,
    masses: ArrayLike | None = None,
    box: ArrayLike | None = None,
    block: int = 3,
) -> FloatArray:
    """Mass-weighted arc length along a band.

    Args:
        images: (M, n) configurations R_0 .. R_{M-1} in sigma.
        masses: per coordinate (n,) or per particle (n/block,) masses in m; None = all 1.
        box: periodic lengths (block,) in sigma, or None.
        block: coordinates per particle.

    Returns:
        xi (M,) in sqrt(m) sigma with xi_0 = 0 and
        xi_{k+1} = xi_k + |M^{1/2} minimum_image(R_{k+1} - R_k)|.
    """
    R = np.asarray(images, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] < 2:
        raise InputError(f"images must have shape (M, n) with M >= 2, got {R.shape}")
    m = coordinate_masses(masses, R.shape[1], block)
    lengths = check_box(box, block)
    steps = minimum_image(np.diff(R, axis=0), lengths, block) * np.sqrt(m)
    return np.concatenate(([0.0], np.cumsum(np.linalg.norm(steps, axis=1))))


def interpolate_band(
    x_a: ArrayLike,
    x_b: ArrayLike,
    n_images: int,
    *,
    box: ArrayLike | None = None,
    block: int = 3,
    masses: ArrayLike | None = None,
    remove_mean: bool = False,
) -> FloatArray:
    """Linear band R_k = A + (k / (M - 1)) r_AB, k = 0..M-1, as (M, n) in sigma.

    r_AB = minimum_image(B - A) per particle (plain B - A without a box); with ``remove_mean``
    the mass-weighted mean displacement is subtracted first (no rigid drift along the band).
    """
    a = np.asarray(x_a, dtype=np.float64).ravel()
    b = np.asarray(x_b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise InputError(f"A and B have different sizes ({a.size} and {b.size})")
    if n_images < 3:
        raise InputError(f"a band needs at least 3 images (end points included), got {n_images}")
    m = coordinate_masses(masses, a.size, block)
    d = minimum_image(b - a, check_box(box, block), block)
    if remove_mean:
        d = remove_drift(d, m, block)
    s = np.linspace(0.0, 1.0, n_images)[:, None]
    band = a[None, :] + s * d[None, :]
    if box is None and not remove_mean:
        band[-1] = b  # exactly B (a + (b - a) can differ from b in the last bit)
    return band


def improved_tangents(
    images: FloatArray,
    energies: FloatArray,
    sqrt_m: FloatArray,
    box: FloatArray | None,
    block: int,
) -> tuple[FloatArray, FloatArray]:
    """Unit tangents tau^_q (M, n) of Henkelman & Jonsson (2000) in the mass-weighted metric.

    Interior images use the improved tangent (module docstring; where V_{i-1} = V_i = V_{i+1}
    the bisector of the two unit segments); the end points use the one-sided differences
    q_1 - q_0 and q_{M-1} - q_{M-2}. ``energies`` (M,) in epsilon, ``sqrt_m`` (n,). Also returns
    the mass-weighted segment vectors dq (M - 1, n), dq_k = M^{1/2} minimum_image(R_{k+1} - R_k).
    """
    dq = minimum_image(np.diff(images, axis=0), box, block) * sqrt_m
    M = images.shape[0]
    tau = np.empty_like(images)
    tau[0] = dq[0]
    tau[-1] = dq[-1]
    for i in range(1, M - 1):
        fwd, bwd = dq[i], dq[i - 1]
        v_prev, v, v_next = energies[i - 1], energies[i], energies[i + 1]
        if v_next > v > v_prev:
            t = fwd
        elif v_next < v < v_prev:
            t = bwd
        else:
            d_next, d_prev = abs(v_next - v), abs(v_prev - v)
            d_max, d_min = max(d_next, d_prev), min(d_next, d_prev)
            if d_max == 0.0:  # flat: equal energies, use the bisector of the two segments
                t = fwd / np.linalg.norm(fwd) + bwd / np.linalg.norm(bwd)
            elif v_next > v_prev:
                t = fwd * d_max + bwd * d_min
            else:
                t = fwd * d_min + bwd * d_max
        tau[i] = t
    norms = np.linalg.norm(tau, axis=1)
    if np.any(norms == 0.0):
        raise InputError("two neighbouring images coincide: the band tangent is undefined")
    return tau / norms[:, None], dq
