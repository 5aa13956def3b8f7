"""Batched quench (landscape/batched_quench.py) against the single-system quench()."""

from __future__ import annotations

import numpy as np
import pytest

import pelkit.landscape.batched_quench as bq
from pelkit.build import kob_andersen_system
from pelkit.dynamics.batched_md import BatchedMD
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.batched_quench import quench_batch
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.quench import quench
from pelkit.models import get_model


@pytest.fixture(scope="module")
def ka():
    return get_model("ka")


@pytest.fixture(scope="module")
def hot(ka):
    md = BatchedMD(ka, [kob_andersen_system(155, seed=s) for s in range(6)], 0.8, seeds=5)
    md.advance(1500)
    return md.systems()


def test_fire2_batch_reaches_the_single_system_minima(ka, hot):
    res = quench_batch(ka, hot, method="fire2", fmax=1e-10)
    assert res.converged.all()
    minima = res.systems()
    for r, start in enumerate(hot):
        single = quench(ka, start, method="fire2", fmax=1e-10)
        assert same_minimum(minima[r], res.energies[r], single.system, single.energy)
        assert abs(res.iterations[r] - single.minimize.iterations) <= 0.05 * res.iterations[r]


def test_lbfgs_batch_minima_are_true_minima(ka, hot):
    res = quench_batch(ka, hot, method="lbfgs", fmax=1e-10, threads=2)
    assert res.converged.all() and np.all(res.max_force < 1e-10)
    agree = 0
    for r, minimum in enumerate(res.systems()):
        ev = Calculator(ka, minimum).evaluate()  # independent recomputation
        assert ev.energy == pytest.approx(res.energies[r], rel=1e-12)
        assert np.sqrt((ev.forces**2).sum(axis=1)).max() < 1e-10
        single = quench(ka, hot[r], method="lbfgs", fmax=1e-10, compiled=False)
        agree += same_minimum(minimum, res.energies[r], single.system, single.energy)
    # the same algorithm up to summation order: almost always the same basin
    assert agree >= len(hot) - 1


def test_convergence_is_reported_honestly(ka, hot):
    res = quench_batch(ka, hot[:2], method="lbfgs", fmax=1e-6, max_iterations=5)
    assert not res.converged.any()
    assert np.all(res.max_force >= 1e-6)
    assert res.stop_reason == ["max_iterations"] * 2
    assert res.method == ["lbfgs"] * 2  # a spent budget is not topped up


def test_stragglers_finish_on_the_single_system_lbfgs(ka, hot, monkeypatch):
    def stalls(method, pos, *args):  # every replica "stalls" at its start
        stats = args[-1]
        stats[:, 0] = 0
        stats[:, 1] = 1
        stats[:, 2] = 3  # STALLED

    monkeypatch.setattr(bq, "batched_minimize", stalls)
    res = quench_batch(ka, hot[:2], method="lbfgs", fmax=1e-8)
    assert res.converged.all()
    assert res.method == ["lbfgs+single-lbfgs"] * 2


def test_bad_arguments(ka, hot):
    with pytest.raises(InputError, match="method"):
        quench_batch(ka, hot, method="cg")
    with pytest.raises(InputError, match="fmax"):
        quench_batch(ka, hot, fmax=-1.0)
