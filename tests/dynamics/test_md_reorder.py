"""Cell renumbering inside MDSimulation (issue 14 item 3) against the unrenumbered run."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import REORDER_MIN, MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.models import get_model


@pytest.fixture(scope="module")
def ka():
    return get_model("ka")


@pytest.fixture(scope="module")
def start(ka):
    return kob_andersen_system(300, seed=3, model=ka)


@pytest.mark.parametrize("thermostat", ["nve", "nose-hoover"])
def test_renumbered_run_matches_plain_run(ka, start, thermostat):
    plain = MDSimulation(ka, start, 0.8, thermostat=thermostat, seed=2, reorder=False)
    moved = MDSimulation(ka, start, 0.8, thermostat=thermostat, seed=2, reorder=True,
                         reorder_every=40)
    assert not np.array_equal(moved.order, np.arange(300))  # really renumbered
    r_plain = plain.run(200, log_every=20)
    r_moved = moved.run(200, log_every=20)
    # energies to rounding (the sums only change order), every logged step
    for key in ("potential_energy_per_particle", "conserved_energy_per_particle",
                "temperature", "pressure"):
        np.testing.assert_allclose(r_moved.log[key], r_plain.log[key], rtol=1e-9, atol=1e-12)
    # trajectories within the (tiny, after 1 tau) chaotic growth of rounding differences
    a, b = plain.snapshot(), moved.snapshot()
    np.testing.assert_allclose(b.unwrapped_positions(), a.unwrapped_positions(), atol=1e-8)
    np.testing.assert_allclose(b.velocities, a.velocities, atol=1e-8)
    assert np.array_equal(b.species, start.species)
    assert np.array_equal(b.images, a.images)
    # the snapshot is a consistent state: its energy is the simulation's
    assert Calculator(ka, b).energy() == pytest.approx(moved.energy, rel=1e-12)
    assert moved.system.n_particles == 300 and np.array_equal(moved.system.species, start.species)


def test_reorder_default_follows_system_size(ka, start):
    assert MDSimulation(ka, start, 0.8).reorder is (start.n_particles >= REORDER_MIN)
    with pytest.raises(ValueError, match="reorder_every"):
        MDSimulation(ka, start, 0.8, reorder=True, reorder_every=0)
