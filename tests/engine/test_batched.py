"""Replica-batched evaluation (engine/batched.py) against the single-system Calculator."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from pelkit.build import kob_andersen_system, swap_system
from pelkit.engine.batched import BatchedCalculator, ReplicaBatch, list_width, numba_threads
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.models import get_model
from pelkit.models.base import PairPotential
from pelkit.system import Box


def _scaled(system, factor):
    """The same configuration in a box scaled by ``factor`` (another density)."""
    return system.__class__(
        positions=system.positions * factor, box=Box(system.box.lengths * factor),
        species=system.species, species_names=system.species_names,
        diameters=system.diameters, masses=system.masses,
    )


def _check_against_single(model, systems):
    batch = ReplicaBatch.from_systems(model, systems)
    ev = BatchedCalculator(model, batch, threads=2).evaluate()
    for r, s in enumerate(systems):
        ref = Calculator(model, s).evaluate()
        assert ev.energies[r] == pytest.approx(ref.energy, rel=1e-12, abs=1e-12)
        assert ev.virials[r] == pytest.approx(ref.virial, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(ev.forces[r], ref.forces, rtol=1e-12, atol=1e-12)


def test_ka_replicas_with_per_replica_boxes_equal_single_system():
    base = [kob_andersen_system(155, seed=s) for s in range(3)]
    systems = [base[0], _scaled(base[1], 1.03), _scaled(base[2], 1.08)]
    _check_against_single(get_model("ka"), systems)


def test_swap_replicas_with_own_diameters_equal_single_system():
    systems = [swap_system(200, seed=s) for s in range(3)]
    assert not np.array_equal(systems[0].diameters, systems[1].diameters)
    _check_against_single(get_model("swap"), systems)


def test_general_form_model_uses_scalar_kernel_and_agrees():
    # a Yukawa-like term (exp) has no vectorised variant: the scalar kernel runs per replica
    model = PairPotential(name="yuk", terms=np.array([[4.0, -12.0, 0.0], [-1.0, -1.0, 0.5]]),
                          x_cut=2.5, scheme="shift")
    systems = [kob_andersen_system(155, seed=s) for s in range(2)]
    for s in systems:
        s.species = np.zeros(s.n_particles, dtype=np.int64)
        s.species_names = ("A",)
    _check_against_single(model, systems)


def test_list_overflow_is_widened_transparently():
    model = get_model("ka")
    systems = [kob_andersen_system(155, seed=s) for s in range(2)]
    batch = ReplicaBatch.from_systems(model, systems)
    calc = BatchedCalculator(model, batch)
    calc.lists.neighbors = np.zeros((2, 155, 8), dtype=np.int64)  # far too narrow
    moved = batch.positions + 0.2  # beyond skin/2: every list is rebuilt
    ev = calc.evaluate(moved)
    for r, s in enumerate(systems):
        ref = Calculator(model, s).evaluate(moved[r])
        assert ev.energies[r] == pytest.approx(ref.energy, rel=1e-12)
    assert calc.lists.neighbors.shape[2] > 8


def test_rebuilds_are_per_replica():
    model = get_model("ka")
    batch = ReplicaBatch.from_systems(model, [kob_andersen_system(155, seed=s) for s in (1, 2)])
    calc = BatchedCalculator(model, batch)
    builds = calc.lists.builds.copy()
    pos = batch.positions.copy()
    pos[1] += 0.2  # replica 1 moves beyond skin/2, replica 0 does not
    calc.evaluate(pos)
    assert calc.lists.builds[0] == builds[0]
    assert calc.lists.builds[1] == builds[1] + 1


def test_bad_batches_are_one_clear_error():
    model = get_model("ka")
    with pytest.raises(InputError, match="same size"):
        ReplicaBatch.from_systems(model, [kob_andersen_system(155, seed=1),
                                          kob_andersen_system(200, seed=1)])
    with pytest.raises(InputError, match="at least one"):
        ReplicaBatch.from_systems(model, [])
    batch = ReplicaBatch.from_systems(model, [kob_andersen_system(155, seed=1)])
    calc = BatchedCalculator(model, batch)
    bad = batch.positions.copy()
    bad[0, 3, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        calc.evaluate(bad)
    with pytest.raises(InputError, match="shape"):
        calc.evaluate(bad[:, :10])
    with pytest.raises(InputError, match="threads"):
        BatchedCalculator(model, batch, threads=0)


def test_list_width_has_headroom_and_whole_lanes():
    w = list_width(np.array([[10, 40]]), 16)
    assert w >= 1.5 * 40 + 16 and w % 8 == 0


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                    reason="needs NUMBA_NUM_THREADS >= 2 to tell a thread count from another")
def test_threads_apply_to_the_calls_and_do_not_leak_to_the_process():
    """``threads=1`` is in force inside the calculator's calls (and BatchedMD's and
    quench_batch's compiled loops) and the process's own count is restored after each."""
    from pelkit.dynamics.batched_md import BatchedMD
    from pelkit.landscape.batched_quench import quench_batch

    model = get_model("ka")
    systems = [kob_andersen_system(155, seed=s) for s in range(2)]
    before = numba.get_num_threads()
    assert before >= 2
    with numba_threads(1) as used:
        assert used == 1 and numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    seen = []
    real = numba.set_num_threads
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(numba, "set_num_threads", lambda n: (seen.append(n), real(n))[1])
        calc = BatchedCalculator(model, ReplicaBatch.from_systems(model, systems), threads=1)
        assert calc.threads == 1 and numba.get_num_threads() == before
        one = calc.evaluate()
        assert numba.get_num_threads() == before
        BatchedMD(model, systems, 1.0, thermostat="nve", threads=1).advance(5)
        assert numba.get_num_threads() == before
        quench_batch(model, systems, method="fire2", fmax=1e-3, threads=1)
        assert numba.get_num_threads() == before
    assert seen and set(seen[0::2]) == {1} and set(seen[1::2]) == {before}  # set, restore
    both = BatchedCalculator(model, ReplicaBatch.from_systems(model, systems)).evaluate()
    assert calc.threads == 1 and np.array_equal(one.energies, both.energies)
    with pytest.raises(InputError, match="threads"):
        BatchedCalculator(model, ReplicaBatch.from_systems(model, systems), threads=0)
