"""``quench(reorder=True)``: particles renumbered by cell inside, the same minimum returned in
the caller's numbering (issue 14 item 5)."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.engine.calculator import Calculator
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.quench import quench
from pelkit.models import get_model


@pytest.fixture(scope="module")
def ka():
    return get_model("ka-smooth")


@pytest.fixture(scope="module")
def start(ka):
    """A minimum displaced by 0.01 sigma (one basin), shifted so that some particles carry
    non-zero images."""
    s = quench(ka, kob_andersen_system(180, seed=41), fmax=1e-10).system
    rng = np.random.default_rng(2)
    return s.with_positions(s.positions + rng.normal(0.0, 0.01, s.positions.shape) + 0.7)


@pytest.mark.parametrize("options", [{}, {"compiled": False}, {"preconditioner": "exp"}])
def test_reordered_quench_returns_the_same_minimum_in_user_order(ka, start, options):
    plain = quench(ka, start, fmax=1e-10, reorder=False, **options)
    seen = []
    kw = dict(options)
    if options.get("compiled") is False:
        kw["callback"] = lambda i, x, e, g: seen.append(x.copy()) and False
    fast = quench(ka, start, fmax=1e-10, reorder=True, **kw)
    assert fast.minimize.history["reordered"] is True
    assert plain.minimize.converged and fast.minimize.converged
    assert same_minimum(plain.system, plain.energy, fast.system, fast.energy)
    assert fast.energy == pytest.approx(plain.energy, rel=1e-10)
    assert np.array_equal(fast.system.species, start.species)
    # images follow the particles: unwrapped positions moved by far less than a box side
    moved = (fast.system.positions + fast.system.images * start.box.lengths) - (
        start.positions + start.images * start.box.lengths)
    assert np.abs(moved).max() < 0.5
    ev = Calculator(ka, fast.system).evaluate()  # independent recomputation, user order
    assert ev.energy == pytest.approx(fast.energy, rel=1e-12)
    assert fast.minimize.max_force == pytest.approx(
        float(np.sqrt((ev.forces**2).sum(axis=1)).max()), rel=1e-6, abs=1e-13)
    if seen:  # the callback saw the caller's numbering
        np.testing.assert_allclose(seen[0], start.positions.reshape(-1), atol=1e-12)
