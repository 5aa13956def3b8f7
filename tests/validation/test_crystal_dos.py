"""Crystal lattice dynamics (soft-modes omega_c) against the Hessian of a periodic supercell.

The eigenvalues of D(k) at the wave vectors commensurate with an L = 5a supercell are the
eigenvalues of that supercell's dense Hessian (built by the engine, diagonalised by numpy here):
k = (2 pi / L) n with n in {0..9}^3 covers the cube [0, 4 pi / a)^3, i.e. each of the supercell's
N allowed k exactly 4 times (bcc: N = 250 primitive cells, 1000 = 4 x 250).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.engine.calculator import Calculator
from pelkit.models.soft_sphere import soft_spheres
from pelkit.studies.soft_modes.crystal import (
    BASES,
    crystal_frequencies,
    dynamical_matrices,
    first_peak,
    lattice_constant,
)
from pelkit.system import Box, System


@pytest.mark.parametrize("lattice,n_exp,cells,density", [("bcc", 6.0, 5, 1.0),
                                                         ("fcc", 12.0, 4, 1.0)])
def test_dispersion_matches_supercell_hessian(lattice, n_exp, cells, density) -> None:
    model = soft_spheres(n_exp)
    a = lattice_constant(lattice, density)
    grid = np.array([[i, j, k] for i in range(cells) for j in range(cells) for k in range(cells)])
    pos = ((grid[:, None, :] + BASES[lattice][None]) * a).reshape(-1, 3)
    system = System(positions=pos, box=Box(np.full(3, cells * a)), diameters=np.ones(len(pos)))
    lam_cell = np.linalg.eigvalsh(Calculator(model, system).hessian())
    n_side = 4 * cells if lattice == "fcc" else 2 * cells  # 4 pi / a in units of 2 pi / L
    nvec = np.array([[i, j, k] for i in range(n_side) for j in range(n_side)
                     for k in range(n_side)], dtype=float)
    k = nvec * 2.0 * np.pi / (cells * a)
    lam_k = np.linalg.eigvalsh(dynamical_matrices(model, lattice, density, k)).ravel()
    copies = lam_k.size // lam_cell.size
    assert copies * lam_cell.size == lam_k.size
    np.testing.assert_allclose(np.sort(lam_k), np.sort(np.repeat(lam_cell, copies)),
                               atol=1e-8 * lam_cell.max())


def test_first_peak_is_a_robust_low_maximum() -> None:
    peaks = [first_peak(crystal_frequencies(soft_spheres(6.0), "bcc", 1.0, seed=s))
             for s in range(3)]
    omega = crystal_frequencies(soft_spheres(6.0), "bcc", 1.0, seed=9)
    assert max(peaks) - min(peaks) < 0.1  # k sampling does not move it
    assert 0.0 < peaks[0] < 0.5 * omega.max()
    counts, edges = np.histogram(omega, bins=60)
    k = int(np.searchsorted(edges, peaks[0])) - 1
    assert counts[k] >= 0.3 * counts.max()
    assert counts[k] > counts[min(k + 3, counts.size - 1)]  # a maximum, not a shoulder
