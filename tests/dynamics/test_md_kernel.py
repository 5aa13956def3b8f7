"""The compiled MD chunk (``integrators.run_chunk``) against a plain NumPy velocity Verlet.

The reference integrates with ``Calculator.energy_forces`` (its own Verlet list, rebuilt on its
own schedule) and NumPy arithmetic written independently of the kernel: kick v += (dt/2) F/m,
drift x += dt v, wrap into [0, L) with image counts, kick. Kob-Andersen liquid at T = 0.8,
dt = 0.005 (SCIENCE.md section 1a).

* N = 155 and 1000 (small-box list path: rows in ascending j): positions, velocities and images
  after 300 / 150 NVE steps equal the reference bit for bit. Both sum each particle's pair
  forces in ascending partner order, and pairs listed beyond the cutoff add exact zeros, so the
  lists' different rebuild times do not matter.
* Nose-Hoover chain: the same with the reference calling the kernel's chain half-step.
* N = 3000 (cell-list path, rows in cell order): equal to 1e-9 after 100 steps (summation
  order differs).
* unwrapped positions x + n L equal an integration that never wraps, to 1e-11.
* a neighbour-list row overflow in the middle of a step (list arrays made one lane wide on
  purpose) is widened and the step finished: the trajectory equals the uninterrupted one bit for
  bit.
* after a run, the MD's own list holds every pair within its cutoff (brute force).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system, relax_overlaps
from pelkit.dynamics.integrators import nhc_half_step
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.engine.pair import LANES
from pelkit.models import get_model
from pelkit.system import Box, System

DT = 0.005
KA = get_model("ka")


def wrap(x: np.ndarray, images: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wrap into [0, L) coordinate by coordinate, counting images (NumPy)."""
    x = x.copy()
    images = images.copy()
    for a in range(3):
        length = box[a]
        col = x[:, a]
        hi = col >= length
        lo = col < 0.0
        shift = np.floor(col / length)
        col = np.where(hi | lo, col - shift * length, col)
        images[:, a] += np.where(hi | lo, shift.astype(np.int64), 0)
        again = lo & (col >= length)
        col = np.where(again, col - length, col)
        images[:, a] += again
        x[:, a] = col
    return x, images


def reference(system: System, vel: np.ndarray, steps: int, nhc: MDSimulation | None = None):
    """(positions, velocities, images, unwrapped-without-wrapping) after ``steps`` steps."""
    calc = Calculator(KA, system)
    box = system.box.lengths
    pos = system.positions.copy()
    images = system.images.copy()
    vel = vel.copy()
    unwrapped = pos + images * box
    masses = system.masses
    w = (0.5 * DT) / masses[:, None]
    _, f = calc.energy_forces(pos)
    for _ in range(steps):
        if nhc is not None:
            nhc_half_step(vel, masses, nhc.dof, nhc.temperature, nhc.q, nhc.xi, nhc.vxi, DT)
        vel = vel + w * f
        unwrapped = unwrapped + DT * vel
        pos, images = wrap(pos + DT * vel, images, box)
        _, f = calc.energy_forces(pos)
        vel = vel + w * f
        if nhc is not None:
            nhc_half_step(vel, masses, nhc.dof, nhc.temperature, nhc.q, nhc.xi, nhc.vxi, DT)
    return pos, vel, images, unwrapped


@pytest.fixture(scope="module")
def liquids() -> dict[int, System]:
    out = {n: kob_andersen_system(n, seed=21) for n in (155, 1000)}
    # N = 3000: random KA relaxed (kob_andersen_system would take longer)
    rng = np.random.default_rng(5)
    side = (3000 / 1.2) ** (1 / 3)
    raw = System(positions=rng.random((3000, 3)) * side, box=Box.cubic(side),
                 species=(rng.random(3000) < 0.2).astype(np.int64))
    calc = Calculator(KA, raw, check_overlap=False)
    out[3000] = raw.with_positions(relax_overlaps(calc, raw.positions))
    return out


@pytest.mark.parametrize(("n", "steps"), [(155, 300), (1000, 150)])
def test_nve_equals_numpy_velocity_verlet_bitwise(liquids, n: int, steps: int) -> None:
    sim = MDSimulation(KA, liquids[n], 0.8, thermostat="nve", dt=DT, seed=4)
    start = sim.snapshot()
    sim.advance(steps)
    pos, vel, images, unwrapped = reference(start, start.velocities, steps)
    assert sim.calc.verlet.builds >= 5  # the run crossed several list rebuilds
    assert np.array_equal(sim.pos, pos)
    assert np.array_equal(sim.vel, vel)
    assert np.array_equal(sim.images, images)
    assert np.abs(images).max() >= 1  # some particles crossed the box
    np.testing.assert_allclose(sim.pos + sim.images * start.box.lengths, unwrapped,
                               rtol=0, atol=1e-11)


def test_nose_hoover_equals_reference_bitwise(liquids) -> None:
    sim = MDSimulation(KA, liquids[155], 0.8, thermostat="nose-hoover", dt=DT, seed=4)
    start = sim.snapshot()
    chain = MDSimulation(KA, start, 0.8, thermostat="nose-hoover", dt=DT, seed=4)
    sim.advance(200)
    pos, vel, images, _ = reference(start, start.velocities, 200, nhc=chain)
    assert np.array_equal(sim.pos, pos)
    assert np.array_equal(sim.vel, vel)
    assert np.array_equal(sim.images, images)
    assert np.array_equal(sim.vxi, chain.vxi)


def test_cell_path_md_matches_reference(liquids) -> None:
    system = liquids[3000]
    sim = MDSimulation(KA, system, 0.8, thermostat="nve", dt=DT, seed=2)
    box = system.box.lengths
    assert np.all(box // (sim.calc.r_cut_max + sim.calc.verlet.skin) >= 4)
    start = sim.snapshot()
    sim.advance(100)
    pos, vel, images, _ = reference(start, start.velocities, 100)
    np.testing.assert_array_equal(sim.images, images)
    np.testing.assert_allclose(sim.pos, pos, rtol=0, atol=1e-9)
    np.testing.assert_allclose(sim.vel, vel, rtol=0, atol=1e-9)


def test_row_overflow_mid_chunk_resumes_exactly(liquids) -> None:
    """The list arrays of one run are made one lane wide and its reference positions are moved,
    so its first step rebuilds the list, overflows, and is finished after the list is widened."""
    plain = MDSimulation(KA, liquids[155], 0.8, thermostat="nve", dt=DT, seed=8)
    tight = MDSimulation(KA, liquids[155], 0.8, thermostat="nve", dt=DT, seed=8)
    vl = tight.calc.verlet
    vl.neighbors = np.ascontiguousarray(vl.neighbors[:, :LANES])
    vl.width = LANES
    vl.reference += 1.0
    plain.advance(300)
    tight.advance(300)
    assert tight.calc.verlet.neighbors.shape[1] > 8 * LANES  # overflowed and was widened
    assert np.array_equal(tight.pos, plain.pos)
    assert np.array_equal(tight.vel, plain.vel)
    assert np.array_equal(tight.images, plain.images)


def test_md_list_holds_every_pair_within_cutoff(liquids) -> None:
    system = liquids[1000]
    sim = MDSimulation(KA, system, 0.8, thermostat="bussi", dt=DT, seed=3)
    sim.advance(237)
    vl = sim.calc.verlet
    n = system.n_particles
    i, j = np.triu_indices(n, k=1)
    d = sim.pos[i] - sim.pos[j]
    d -= vl.box * np.round(d / vl.box)
    r = np.sqrt(np.einsum("ij,ij->i", d, d))
    sig = KA.sigma[system.species[i], system.species[j]]
    within = np.sort(i[r < 2.5 * sig] * n + j[r < 2.5 * sig])
    pairs = vl.pairs()
    listed = pairs[:, 0] * n + pairs[:, 1]
    assert np.setdiff1d(within, listed).size == 0
