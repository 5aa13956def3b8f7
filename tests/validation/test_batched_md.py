"""Batched replicas (dynamics/batched_md.py) against independent single-system runs and
statistical mechanics (issue 9, "Check it independently").

* Every replica of a CPU batch equals an independent ``MDSimulation`` with the same seed, bit
  for bit, for all four thermostats (the batch runs the same compiled chunk per replica, with
  per-thread random streams seeded per replica) — stronger than the 1e-12 asked for.
* Canonical ensemble on a batch: 8 independent replicas of KA N = 155 at T = 1.0; the mean
  kinetic temperature is T (BAOAB up to its known -(dt omega_E/2)^2 bias) and the kinetic-energy
  variance is the canonical dof T^2 / 2, with errors from the scatter between replicas
  (independent samples).
* A replica that blows up is named with its step; the others finish their steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system, swap_system
from pelkit.dynamics.batched_md import BatchedMD, replica_seeds
from pelkit.dynamics.md import MDSimulation
from pelkit.errors import InputError
from pelkit.models import get_model

THERMOSTATS = ("nve", "nose-hoover", "bussi", "langevin")


@pytest.fixture(scope="module")
def ka():
    return get_model("ka")


@pytest.fixture(scope="module")
def liquids(ka):
    """Four KA liquids at T = 1.0 with velocities."""
    md = BatchedMD(ka, [kob_andersen_system(155, seed=s) for s in range(4)], 1.0,
                   thermostat="bussi", seeds=[1, 2, 3, 4])
    md.advance(1000)
    return md.systems()


@pytest.mark.parametrize("thermostat", THERMOSTATS)
def test_every_replica_equals_its_single_system_run(ka, liquids, thermostat):
    seeds = [21, 22, 23, 24]
    md = BatchedMD(ka, liquids, 1.0, thermostat=thermostat, seeds=seeds, threads=2)
    md.advance(600)
    md.advance(400)  # two chunks, as the single runs below
    for r, start in enumerate(liquids):
        sim = MDSimulation(ka, start, 1.0, thermostat=thermostat, seed=seeds[r])
        sim.advance(600)
        sim.advance(400)
        assert md.energy[r] == pytest.approx(sim.energy, rel=1e-12)
        np.testing.assert_array_equal(md.batch.positions[r], sim.pos)
        np.testing.assert_array_equal(md.batch.velocities[r], sim.vel)
        np.testing.assert_array_equal(md.batch.images[r], sim.images)
    assert int(md.step.min()) == 1000


def test_drawn_velocities_follow_the_replica_seed(ka):
    systems = [kob_andersen_system(155, seed=s) for s in (5, 6)]
    md = BatchedMD(ka, systems, 0.9, seeds=[7, 8])
    for r, s in enumerate(systems):
        sim = MDSimulation(ka, s, 0.9, seed=[7, 8][r])
        np.testing.assert_array_equal(md.batch.velocities[r], sim.vel)
    assert replica_seeds(3, 2) == replica_seeds(3, 2) != replica_seeds(4, 2)


def test_diameter_model_replicas_equal_single_runs():
    model = get_model("swap")
    systems = [swap_system(200, seed=s) for s in range(2)]
    md = BatchedMD(model, systems, 0.5, thermostat="langevin", seeds=[3, 4])
    md.advance(300)
    for r, s in enumerate(systems):
        sim = MDSimulation(model, s, 0.5, thermostat="langevin", seed=[3, 4][r])
        sim.advance(300)
        np.testing.assert_array_equal(md.batch.positions[r], sim.pos)


@pytest.mark.parametrize("thermostat", ("nose-hoover", "bussi", "langevin"))
def test_canonical_kinetic_energy_on_a_batch(ka, thermostat):
    systems = [kob_andersen_system(155, seed=40 + s) for s in range(8)]
    md = BatchedMD(ka, systems, 1.0, thermostat=thermostat, seeds=100)
    md.advance(1500)
    res = md.run(3000, log_every=5)
    temps = res.log["temperature"]  # (M, n_log)
    kin = res.log["kinetic_energy_per_particle"] * 155
    per_mean = temps.mean(axis=1)
    per_var = kin.var(axis=1)
    m = per_mean.size
    expected_var = md.dof / 2.0
    bias = (0.005 / 2) ** 2 * 626.0 if thermostat == "langevin" else 0.0
    t_mean, t_err = per_mean.mean(), per_mean.std(ddof=1) / np.sqrt(m)
    assert abs(t_mean - (1.0 - bias)) < 4 * t_err + 2e-3
    v_mean, v_err = per_var.mean(), per_var.std(ddof=1) / np.sqrt(m)
    assert abs(v_mean - expected_var) < 4 * v_err + 0.05 * expected_var
    assert not res.failures
    assert res.log["msd"].shape == (8, temps.shape[1], 2)
    assert np.all(res.log["msd"][:, -1] > res.log["msd"][:, 1])


def test_nve_batch_conserves_energy(ka, liquids):
    md = BatchedMD(ka, liquids, 1.0, thermostat="nve", seeds=1)
    res = md.run(2000, log_every=20)
    # the shifted KA potential's force jump at the cutoff gives a small random walk of E
    assert np.all(np.abs(res.conserved_drift_per_particle) < 3e-3)
    spread_e = res.log["conserved_energy_per_particle"].std(axis=1)
    spread_u = res.log["potential_energy_per_particle"].std(axis=1)
    assert np.all(spread_e < 0.1 * spread_u)


def test_a_blown_up_replica_is_named_and_the_others_go_on(ka, liquids):
    starts = [s.copy() for s in liquids[:3]]
    starts[1].velocities = starts[1].velocities * 400.0  # far too hot for dt = 0.005
    md = BatchedMD(ka, starts, 1.0, thermostat="nve", seeds=1)
    res = md.run(500, log_every=100)
    assert [f.replica for f in res.failures] == [1]
    assert 0 < res.failures[0].step < 500
    assert "replica 1 blew up at step" in res.failures[0].message()
    assert md.step[0] == md.step[2] == 500
    assert res.summary()["failed_replicas"] == [1]


def test_bad_arguments_are_one_clear_error(ka, liquids):
    with pytest.raises(InputError, match="thermostat"):
        BatchedMD(ka, liquids, 1.0, thermostat="berendsen")
    with pytest.raises(InputError, match="device"):
        BatchedMD(ka, liquids, 1.0, device="tpu")
    with pytest.raises(InputError, match="seeds"):
        BatchedMD(ka, liquids, 1.0, seeds=[1, 2])
    with pytest.raises(InputError, match="positive temperature"):
        BatchedMD(ka, liquids, [1.0, 0.0, 1.0, 1.0])
