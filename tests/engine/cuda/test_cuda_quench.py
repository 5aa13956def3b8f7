"""Batched FIRE 2.0 on the CUDA simulator against the single-system FIRE 2.0 of pelkit."""

from __future__ import annotations

import numpy as np
from cuda_helpers import ka_short, ka_systems, stacked

from pelkit.engine.calculator import Calculator
from pelkit.engine.cuda.quench import fire2_quench
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.quench import quench


def test_batched_fire2_reaches_the_single_system_minimum():
    """From the same starts (pre-relaxed to max force 1e-4 to keep the simulator run short),
    each replica ends in the minimum the CPU FIRE 2.0 finds: energies to 1e-10 and
    ``same_minimum``; iteration counts agree (same algorithm, same order of operations)."""
    model = ka_short()
    starts = [quench(model, s, method="fire2", fmax=1e-4).system
              for s in ka_systems(model, 24, 0.85, (1, 2))]
    pos, box, sp, _, _ = stacked(model, starts)
    res = fire2_quench(model, pos, box, sp, fmax=1e-10, threads=8, chunk=200)
    assert res.converged.all() and np.all(res.max_force < 1e-10)
    assert res.stop_reason == ["converged", "converged"]
    for r, s in enumerate(starts):
        ref = quench(model, s, method="fire2", fmax=1e-10)
        assert ref.minimize.converged
        assert abs(res.energies[r] - ref.energy) < 1e-10
        gpu_min = s.with_positions(res.positions[r])
        assert same_minimum(gpu_min, res.energies[r], ref.system, ref.energy)
        assert abs(int(res.iterations[r]) - ref.minimize.iterations) <= 5
        # the reported numbers are those of the returned positions
        ev = Calculator(model, gpu_min).evaluate()
        assert abs(ev.energy - res.energies[r]) < 1e-10
        assert abs(np.sqrt((ev.forces**2).sum(axis=1)).max() - res.max_force[r]) < 1e-12


def test_iteration_limit_is_reported_honestly():
    """A replica stopped by max_iterations is not converged and says so; a replica that
    already satisfies fmax stops at iteration 0."""
    model = ka_short()
    systems = ka_systems(model, 24, 0.85, (3,))
    done = quench(model, systems[0], method="fire2", fmax=1e-6).system
    pos, box, sp, _, _ = stacked(model, [systems[0], done])
    res = fire2_quench(model, pos, box, sp, fmax=1e-6, max_iterations=5, threads=8, chunk=2)
    assert res.stop_reason == ["max_iterations", "converged"]
    np.testing.assert_array_equal(res.converged, [False, True])
    np.testing.assert_array_equal(res.iterations, [5, 0])
    assert res.max_force[0] >= 1e-6
    np.testing.assert_array_equal(res.positions[1], pos[1])
