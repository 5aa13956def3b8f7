"""Quenches, same-or-distinct minima (SCIENCE.md section 2.2) and transition counting."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.io.h5md import read_trajectory
from pelkit.landscape.inherent import (
    MinimaRegistry,
    count_transitions,
    displacement,
    quench_trajectory,
    same_minimum,
)
from pelkit.landscape.quench import quench
from pelkit.models import get_model


@pytest.fixture(scope="module")
def minimum():
    model = get_model("ka")
    res = quench(model, kob_andersen_system(155, seed=11), method="lbfgs", fmax=1e-10)
    assert res.minimize.converged
    return model, res


def test_quench_is_honest(minimum) -> None:
    model, res = minimum
    _, forces = Calculator(model, res.system).energy_forces()
    fmax_now = np.sqrt((forces**2).sum(axis=1)).max()
    assert fmax_now == pytest.approx(res.minimize.max_force, rel=1e-6)
    assert fmax_now < 1e-10
    assert res.energy_per_particle == pytest.approx(res.energy / 155)
    # quenching a minimum again leaves it in place
    again = quench(model, res.system, method="fire2", fmax=1e-10)
    assert same_minimum(res.system, res.energy, again.system, again.energy)


def test_same_minimum_rules(minimum) -> None:
    _, res = minimum
    a, e = res.system, res.energy
    shifted = a.with_positions(a.positions + np.array([0.3, -0.2, 4.0]))  # rigid drift + wrap
    assert same_minimum(a, e, shifted, e)
    assert np.abs(displacement(a, shifted)).max() < 1e-12
    moved = a.positions.copy()
    moved[7] += [0.02, 0.0, 0.0]
    assert not same_minimum(a, e, a.with_positions(moved), e)  # 0.02 > dr = 0.005
    assert not same_minimum(a, e, a, e + 1e-6)  # energy differs by more than dE = 1e-7


def test_permutation_matching(minimum) -> None:
    _, res = minimum
    a = res.system
    perm = np.arange(a.n_particles)
    a_idx = np.flatnonzero(a.species == 0)
    perm[a_idx[:2]] = a_idx[[1, 0]]  # swap two A particles
    b = a.copy()
    b.positions = a.positions[perm]
    assert not same_minimum(a, res.energy, b, res.energy)
    assert same_minimum(a, res.energy, b, res.energy, match_permutations=True)


def test_registry_and_transitions(minimum) -> None:
    _, res = minimum
    reg = MinimaRegistry()
    other = res.system.with_positions(res.system.positions + 0.05)  # a rigid shift: same
    assert reg.identify(res.system, res.energy) == 0
    assert reg.identify(other, res.energy) == 0
    moved = res.system.positions.copy()
    moved[3] += 0.1
    assert reg.identify(res.system.with_positions(moved), res.energy - 0.5) == 1
    assert reg.identify(res.system, res.energy) == 0
    assert reg.n_distinct == 2
    assert reg.transitions() == {(0, 1): 2}
    assert count_transitions([0, 0, 1, 2, 1, 1, 0]) == {(0, 1): 2, (1, 2): 2}


def test_quench_trajectory(tmp_path) -> None:
    model = get_model("ka")
    sim = MDSimulation(model, kob_andersen_system(155, seed=5), temperature=1.0, seed=2)
    sim.run(400)
    traj_path = tmp_path / "t.h5"
    sim.run(600, trajectory=traj_path, stride=100)
    traj = read_trajectory(traj_path)
    series = quench_trajectory(model, traj, every=2, fmax=1e-8)
    assert series.e_is.shape == (len(range(0, traj.n_frames, 2)),)
    assert np.all(series.converged)
    assert np.all(series.e_is < -7.0)
    assert series.labels.max() + 1 == series.registry.n_distinct
