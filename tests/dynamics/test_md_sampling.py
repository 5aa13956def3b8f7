"""Energies only on the sampled steps (``MDSimulation.sample_every = k``): the steps in between
call the force-only kernel, whose forces are those of the full kernel bit for bit.

* NVE at N = 155 and 1000, Nose-Hoover at N = 155: positions, velocities, images (and the
  chain variables) after a few hundred steps in one compiled chunk with ``sample_every`` = 7
  equal those of the same run with energies on every step, bit for bit.
* The sums of U and W returned by ``advance`` over the sampled steps equal the energies of an
  every-step run read one step at a time at those steps (the same kernel, the same values);
  ``run``'s mean potential energy is their average, and the energy at the end of a chunk is
  always computed.
* A blow-up on a step without energy (dt far too large) is still caught and reported.
* A run continued from a saved state (energies every 7th step) equals the uninterrupted one.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import MDBlowUp, MDSimulation
from pelkit.errors import InputError
from pelkit.models import get_model

KA = get_model("ka")
DT = 0.005


def sampled(sim: MDSimulation, every: int) -> MDSimulation:
    """``sim`` with energies on every ``every``-th step."""
    sim.sample_every = every
    return sim


@pytest.fixture(scope="module")
def liquids() -> dict:
    return {n: kob_andersen_system(n, seed=13) for n in (155, 1000)}


@pytest.mark.parametrize(("n", "thermostat", "steps"),
                         [(155, "nve", 400), (1000, "nve", 250), (155, "nose-hoover", 300)])
def test_force_only_steps_leave_the_trajectory_bitwise(liquids, n, thermostat, steps) -> None:
    every = MDSimulation(KA, liquids[n], 0.8, thermostat=thermostat, dt=DT, seed=3)
    sparse = sampled(MDSimulation(KA, liquids[n], 0.8, thermostat=thermostat, dt=DT, seed=3), 7)
    every.advance(steps)
    sparse.advance(steps)
    assert every.calc.verlet.builds >= 5  # several list rebuilds inside the chunk
    assert np.abs(every.images).max() >= 1  # particles crossed the box
    for name in ("pos", "vel", "images", "forces", "xi", "vxi"):
        assert np.array_equal(getattr(every, name), getattr(sparse, name)), name
    # the last step of a chunk always has its energy
    assert sparse.energy == every.energy
    assert sparse.virial == every.virial


def test_sampled_sums_are_the_energies_of_those_steps(liquids) -> None:
    one = MDSimulation(KA, liquids[155], 0.8, thermostat="nve", dt=DT, seed=5)
    sparse = sampled(MDSimulation(KA, liquids[155], 0.8, thermostat="nve", dt=DT, seed=5), 10)
    u = w = 0.0
    for _ in range(95):
        one.advance(1)
        if one.step % 10 == 0:
            u += one.energy
            w += one.virial
    sums = sparse.advance(95)
    assert sparse.samples(0, 95) == 9
    assert sums[1] == u  # the same values added in the same order
    assert sums[2] == w
    res = sparse.run(100, log_every=50)  # steps 95 .. 195: samples 100, 110, .., 190
    assert sparse.samples(95, 195) == 10
    assert res.mean_potential_energy_per_particle != pytest.approx(sparse.energy / 155,
                                                                   rel=1e-12)
    assert np.isfinite(res.mean_pressure)


def test_mean_energy_over_samples_matches_every_step_mean(liquids) -> None:
    a = MDSimulation(KA, liquids[155], 0.8, thermostat="nose-hoover", dt=DT, seed=8)
    b = sampled(MDSimulation(KA, liquids[155], 0.8, thermostat="nose-hoover", dt=DT, seed=8), 5)
    ra = a.run(300, log_every=100)
    rb = b.run(300, log_every=100)
    assert rb.mean_temperature == ra.mean_temperature  # T is summed on every step
    # a subsample of the same trajectory: close, not equal
    assert rb.mean_potential_energy_per_particle == pytest.approx(
        ra.mean_potential_energy_per_particle, abs=0.02)
    assert rb.mean_potential_energy_per_particle != ra.mean_potential_energy_per_particle


def test_blow_up_on_a_force_only_step_is_caught(liquids) -> None:
    sim = sampled(MDSimulation(KA, liquids[155], 0.8, thermostat="nve", dt=0.1, seed=1), 1000)
    with pytest.raises(MDBlowUp, match=r"step \d+"):
        sim.advance(500)
    assert sim.step < 500


def test_sample_every_must_be_positive(liquids) -> None:
    with pytest.raises(InputError, match="sample_every"):
        MDSimulation(KA, liquids[155], 0.8).sample_every = 0


def test_restart_with_sampling_is_exact(liquids) -> None:
    """N = 1000 with energies every 7th step: 120 steps in one go equal 50 steps, a saved
    state restored into a new simulation, and 70 more, bit for bit."""
    def sim() -> MDSimulation:
        return sampled(MDSimulation(KA, liquids[1000], 0.8, thermostat="nose-hoover", dt=DT,
                                    seed=6), 7)

    whole = sim()
    whole.advance(120)
    first = sim()
    first.advance(50)
    second = sim()
    second.restore(first.state())
    second.advance(70)
    for name in ("pos", "vel", "images", "forces", "xi", "vxi"):
        assert np.array_equal(getattr(whole, name), getattr(second, name)), name
    assert second.energy == whole.energy
