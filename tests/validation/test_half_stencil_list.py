"""The forward half-stencil neighbour list against a naive O(N^2) Kob-Andersen reference.

Large boxes build the Verlet list from cells of side >= (r_c + skin)/2 with a forward half
stencil (:mod:`pelkit.engine.neighbors`): a pair sits in the row of the particle whose cell comes
first, not of the smaller index. Checked here on a perturbed simple-cubic KA crystal at
rho = 1.2 (no overlaps), a cubic box (12^3 particles) and a non-cubic one (10 x 12 x 14), both
on the cell path:

* the oriented list holds every pair within r_c,ab + skin exactly once (no self pairs);
* U, W and the forces equal a reference written here with NumPy over all N(N-1)/2 pairs
  (minimum image, Kob & Andersen, Phys. Rev. E 51, 4626 (1995) parameters, LJ shifted to zero at
  2.5 sigma_ab): energy and virial to 1e-12 relative, forces to 1e-11 of their largest value;
* the Hessian (sparse and matrix-free) over the cell-path list: H v against central differences
  of the naive forces;
* 30 NVE steps of the compiled MD, whose list is rebuilt on the cell path, follow velocity
  Verlet written here with the naive forces (unwrapped positions and velocities to 1e-10).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.engine.neighbors import FORWARD_MIN_CELLS
from pelkit.models import get_model
from pelkit.system import Box, System

KA = get_model("ka")
EPS = np.array([[1.0, 1.5], [1.5, 0.5]])
SIG = np.array([[1.0, 0.8], [0.8, 0.88]])
X_CUT = 2.5


def crystal(shape: tuple[int, int, int], seed: int) -> System:
    """A simple-cubic lattice at rho = 1.2, 20 % B at random, displaced by up to 0.05 sigma."""
    a = 1.2 ** (-1 / 3)
    idx = np.stack(np.meshgrid(*(np.arange(k) for k in shape), indexing="ij"), -1).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    n = idx.shape[0]
    pos = (idx + 0.5) * a + rng.uniform(-0.05, 0.05, size=(n, 3))
    species = np.zeros(n, dtype=np.int64)
    species[rng.choice(n, size=n // 5, replace=False)] = 1
    return System(positions=pos, box=Box(np.array(shape) * a), species=species,
                  species_names=("A", "B"))


def naive_ka(system: System) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(U, W, forces (N, 3), sorted keys i N + j of pairs with r < r_c,ab + 0.3) over all
    pairs: phi = 4 eps ((s/r)^12 - (s/r)^6) - phi(r_c), W = -(1/3) sum r phi'(r)."""
    pos = system.positions
    n = pos.shape[0]
    box = system.box.lengths
    i, j = np.triu_indices(n, k=1)
    d = pos[i] - pos[j]
    d -= box * np.round(d / box)
    r2 = np.einsum("ij,ij->i", d, d)
    a, b = system.species[i], system.species[j]
    eps, sig = EPS[a, b], SIG[a, b]
    listed = np.sort(i[r2 < (X_CUT * sig + 0.3) ** 2] * n + j[r2 < (X_CUT * sig + 0.3) ** 2])
    inside = r2 < (X_CUT * sig) ** 2
    d, r2, eps, sig, i, j = d[inside], r2[inside], eps[inside], sig[inside], i[inside], j[inside]
    sr6 = (sig**2 / r2) ** 3
    shift = 4.0 * (X_CUT**-12 - X_CUT**-6)
    energy = float(np.sum(4.0 * eps * (sr6 * sr6 - sr6) - eps * shift))
    s = 24.0 * eps * (2.0 * sr6 * sr6 - sr6) / r2  # -phi'(r)/r
    virial = float(np.sum(s * r2)) / 3.0
    forces = np.zeros((n, 3))
    np.add.at(forces, i, s[:, None] * d)
    np.add.at(forces, j, -s[:, None] * d)
    return energy, virial, forces, listed


@pytest.mark.parametrize("shape", [(12, 12, 12), (10, 12, 14)])
def test_cell_path_list_and_forces_match_naive_reference(shape) -> None:
    system = crystal(shape, seed=sum(shape))
    calc = Calculator(KA, system)
    vl = calc.verlet
    cells = vl.box // (0.5 * vl.list_radius)
    assert np.all(cells >= 5) and np.prod(cells) > FORWARD_MIN_CELLS  # the cell path
    n = system.n_particles
    energy, virial, forces, listed = naive_ka(system)

    oriented = vl.pairs(oriented=True)
    assert np.all(oriented[:, 0] != oriented[:, 1])
    assert np.any(oriented[:, 0] > oriented[:, 1])  # rows are not "j > i" on this path
    keys = np.sort(vl.pairs()[:, 0] * n + vl.pairs()[:, 1])
    assert np.all(np.diff(keys) > 0), "a pair is listed twice"
    np.testing.assert_array_equal(keys, listed)

    ev = calc.evaluate(system.positions)
    assert ev.energy == pytest.approx(energy, rel=1e-12)
    assert ev.virial == pytest.approx(virial, rel=1e-12)
    np.testing.assert_allclose(ev.forces, forces, rtol=0, atol=1e-11 * np.abs(forces).max())


def test_md_on_the_cell_path_follows_naive_velocity_verlet() -> None:
    """30 NVE steps of the compiled MD (list rebuilt on the cell path) against velocity Verlet
    written here with the naive forces: unwrapped positions and velocities agree to 1e-10."""
    system = crystal((12, 12, 12), seed=3)
    sim = MDSimulation(KA, system, 0.8, thermostat="nve", dt=0.005, seed=5)
    start = sim.snapshot()
    builds = sim.calc.verlet.builds
    sim.advance(30)
    assert sim.calc.verlet.builds > builds  # rebuilt on the way
    pos = start.unwrapped_positions()
    vel = start.velocities.copy()
    ref = start.copy()
    _, _, forces, _ = naive_ka(ref)
    for _ in range(30):
        vel = vel + 0.0025 * forces
        pos = pos + 0.005 * vel
        ref.positions = pos
        _, _, forces, _ = naive_ka(ref)
        vel = vel + 0.0025 * forces
    end = sim.snapshot()
    np.testing.assert_allclose(end.unwrapped_positions(), pos, rtol=0, atol=1e-10)
    np.testing.assert_allclose(end.velocities, vel, rtol=0, atol=1e-10)


def test_hessian_on_the_cell_path_matches_naive_force_differences() -> None:
    """The pair-block Hessian (sparse and operator) built over the cell-path list: H v equals
    central differences of the naive forces, -(F(x + h v) - F(x - h v)) / 2h, to 1e-6."""
    system = crystal((10, 12, 14), seed=7)
    calc = Calculator(KA, system)
    v = np.random.default_rng(1).standard_normal(3 * system.n_particles)
    h = 1e-5
    plus, minus = system.copy(), system.copy()
    plus.positions = system.positions + h * v.reshape(-1, 3)
    minus.positions = system.positions - h * v.reshape(-1, 3)
    fd = -(naive_ka(plus)[2] - naive_ka(minus)[2]).ravel() / (2 * h)
    scale = np.abs(fd).max()
    np.testing.assert_allclose(calc.hessian(sparse=True) @ v, fd, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(calc.hessian_operator() @ v, fd, rtol=0, atol=1e-6 * scale)
