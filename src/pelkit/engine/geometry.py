"""Periodic geometry shared by every kernel: the minimum-image convention in an orthorhombic box.

Two conventions are in use, each in one helper so that every kernel computes it identically:

* :func:`minimum_image` d - L floor(d/L + 1/2) with a precomputed 1/L (pair loops, list builds
  and Monte Carlo moves: a multiplication instead of a division in the hot loops, and a form
  LLVM vectorises);
* :func:`nearest_image` d - L round(d/L) (round half to even; the displacement of a particle
  since its neighbour list was built, and the Hessian pair vector).

Both return a separation of length at most L/2 along each axis (Allen & Tildesley, *Computer
Simulation of Liquids*, Oxford University Press, 1987, section 1.5.2). They differ only for
|d| = L/2 exactly; a caller that must reproduce earlier results bit for bit keeps its
convention. Lengths in sigma.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def minimum_image(d, length, inv_length):
    """d - L floor(d/L + 1/2) for one component d (sigma), with inv_length = 1/L."""
    return d - length * np.floor(d * inv_length + 0.5)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def minimum_image_r2(dx, dy, dz, lx, ly, lz, ilx, ily, ilz):
    """Squared minimum-image length of (dx, dy, dz) in a box (lx, ly, lz), il = 1/l (sigma^2)."""
    dx = minimum_image(dx, lx, ilx)
    dy = minimum_image(dy, ly, ily)
    dz = minimum_image(dz, lz, ilz)
    return dx * dx + dy * dy + dz * dz


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def nearest_image(d, length):
    """d - L round(d/L) for one component d (sigma); round half to even."""
    return d - length * np.round(d / length)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def box_sides(box):
    """(lx, ly, lz, 1/lx, 1/ly, 1/lz) of the box lengths ``box`` (3,) (sigma, 1/sigma)."""
    lx = box[0]
    ly = box[1]
    lz = box[2]
    return lx, ly, lz, 1.0 / lx, 1.0 / ly, 1.0 / lz
