"""The default single-system quench (L-BFGS compiled end to end) against the Python L-BFGS and
FIRE 2.0 from the same starts (issue 14 item 4)."""

from __future__ import annotations

import numpy as np
import pytest

import pelkit.landscape.batched_quench as bq
from pelkit.build import kob_andersen_system
from pelkit.dynamics.batched_md import BatchedMD
from pelkit.engine.calculator import Calculator
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.quench import quench
from pelkit.models import get_model


@pytest.fixture(scope="module")
def ka():
    return get_model("ka-smooth")  # smooth at the cutoff: isolated minima


@pytest.fixture(scope="module")
def starts(ka):
    md = BatchedMD(ka, [kob_andersen_system(155, seed=s) for s in range(20, 24)], 0.8, seeds=9)
    md.advance(600)
    return md.systems()


@pytest.fixture(scope="module")
def near_minima(ka, starts):
    """Minima (Python L-BFGS) displaced by 0.01 sigma per coordinate: one basin, unambiguous."""
    rng = np.random.default_rng(4)
    out = []
    for s in starts:
        m = quench(ka, s, method="lbfgs", fmax=1e-10, compiled=False).system
        out.append(m.with_positions(m.positions + rng.normal(0.0, 0.01, m.positions.shape)))
    return out


def _check_honest(ka, res):
    ev = Calculator(ka, res.system).evaluate()  # independent recomputation
    fmax_true = float(np.sqrt((ev.forces**2).sum(axis=1)).max())
    assert res.minimize.max_force == pytest.approx(fmax_true, rel=1e-6, abs=1e-13)
    assert ev.energy == pytest.approx(res.energy, rel=1e-12)
    assert res.minimize.converged == (fmax_true < res.minimize.fmax)


def test_compiled_lbfgs_reaches_the_python_lbfgs_and_fire2_minima(ka, near_minima):
    for start in near_minima:
        fast = quench(ka, start, fmax=1e-10)  # the default: compiled L-BFGS
        assert fast.minimize.history.get("compiled") is True
        assert fast.minimize.method == "lbfgs" and fast.minimize.converged
        _check_honest(ka, fast)
        slow = quench(ka, start, method="lbfgs", fmax=1e-10, compiled=False)
        fire = quench(ka, start, method="fire2", fmax=1e-10)
        assert slow.minimize.converged and fire.minimize.converged
        assert same_minimum(fast.system, fast.energy, slow.system, slow.energy)
        assert same_minimum(fast.system, fast.energy, fire.system, fire.energy)
        # the same algorithm up to summation order: about the same number of iterations
        it_f, it_s = fast.minimize.iterations, slow.minimize.iterations
        assert abs(it_f - it_s) <= 0.2 * it_s + 5


def test_compiled_lbfgs_from_hot_starts_gives_honest_minima(ka, starts):
    for start in starts:
        fast = quench(ka, start, fmax=1e-10)
        assert fast.minimize.converged
        _check_honest(ka, fast)
        assert fast.energy < Calculator(ka, start).energy()


def test_compiled_quench_reports_an_unfinished_run(ka, starts):
    res = quench(ka, starts[0], fmax=1e-10, max_iterations=5)
    assert not res.minimize.converged
    assert res.minimize.stop_reason == "max_iterations"
    ev = Calculator(ka, res.system).evaluate()
    assert np.sqrt((ev.forces**2).sum(axis=1)).max() >= 1e-10


def test_a_stalled_compiled_run_is_finished_by_the_python_lbfgs(ka, starts, monkeypatch):
    def stalls(method, pos, *args):  # the compiled L-BFGS "stalls" at its start
        stats = args[-1]
        stats[:, 0] = 0
        stats[:, 1] = 1
        stats[:, 2] = 3  # STALLED

    monkeypatch.setattr(bq, "batched_minimize", stalls)
    res = quench(ka, starts[1], fmax=1e-9)
    assert res.minimize.converged
    assert res.minimize.method == "lbfgs+single-lbfgs"
