"""Cubic non-linear modes where the plain seed-003 iteration (eq 6) falls into a 2-cycle.

The reference 2-cycle is produced by an independent few-line implementation of the plain
iteration (dense least-squares solve, no pelkit code); the line-search iteration must converge
from the same start to a direction where kappa^3/tau^2 is stationary, checked by central finite
differences of the barrier computed from the toy system's own H v and U:vv.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "modes"))

from toy_systems import soft_sphere_glass  # noqa: E402

from pelkit.modes.nonlinear import cubic_nonlinear_mode  # noqa: E402
from pelkit.modes.normal import all_modes  # noqa: E402

#: start = this linear mode of the toy glass; the plain iteration 2-cycles from it
CYCLING_START = 3


@pytest.fixture(scope="module")
def setup():
    toy, x = soft_sphere_glass()
    hess = toy.hessian(x)
    modes = all_modes(hess, np.ones(toy.n))
    return toy, x, hess, modes.displacements()[:, CYCLING_START]


def _translations(n: int) -> np.ndarray:
    t = np.zeros((3 * n, 3))
    for a in range(3):
        t[a::3, a] = 1.0 / np.sqrt(n)
    return t


def _barrier(toy, x, p):
    return (p @ toy.hvp(x, p)) ** 3 / (p @ toy.third_order_vv(x, p)) ** 2


def test_plain_iteration_two_cycles_independently(setup):
    toy, x, hess, start = setup
    t = _translations(toy.n)
    pi = start - t @ (t.T @ start)
    pi /= np.linalg.norm(pi)
    seq = []
    for _ in range(202):
        b = toy.third_order_vv(x, pi)
        y = np.linalg.lstsq(hess, b - t @ (t.T @ b), rcond=1e-12)[0]
        y -= t @ (t.T @ y)
        pi = y / np.linalg.norm(y)
        seq.append(pi)

    def dist(a, b):
        return min(np.linalg.norm(a - b), np.linalg.norm(a + b))

    assert dist(seq[-1], seq[-3]) < 1e-8  # period 2 ...
    assert dist(seq[-1], seq[-2]) > 0.5  # ... not a fixed point
    assert _barrier(toy, x, seq[-1]) != pytest.approx(_barrier(toy, x, seq[-2]), rel=1e-3)
    # pelkit's plain method sees the same cycle and says it did not converge
    plain = cubic_nonlinear_mode(hess, lambda v: toy.third_order_vv(x, v), start,
                                 max_iter=200, method="plain")
    assert not plain.converged
    assert plain.history[-1] == pytest.approx(dist(seq[-1], seq[-2]), rel=1e-6)


def test_line_search_converges_to_a_stationary_barrier(setup):
    toy, x, hess, start = setup
    res = cubic_nonlinear_mode(hess, lambda v: toy.third_order_vv(x, v), start)
    assert res.converged and res.method == "line-search"
    assert res.damped_iterations > 0 and res.unsafeguarded_steps == 0
    assert res.iterations < 300
    pi = res.mode
    # the barrier went down from the start
    assert _barrier(toy, x, pi) < _barrier(toy, x, start / np.linalg.norm(start))
    # stationary: finite-difference derivative of f = kappa^3/tau^2 along tangent directions
    t = _translations(toy.n)
    rng = np.random.default_rng(21)
    h = 1e-5
    f0 = _barrier(toy, x, pi)
    slopes = []
    for _ in range(6):
        d = rng.normal(size=pi.size)
        d -= t @ (t.T @ d) + pi * (pi @ d)
        d /= np.linalg.norm(d)
        fd = (_barrier(toy, x, pi + h * d) - _barrier(toy, x, pi - h * d)) / (2 * h)
        slopes.append(abs(fd) / f0)
    assert max(slopes) < 1e-5
    # and a local minimum along those lines (second difference positive)
    d = rng.normal(size=pi.size)
    d -= t @ (t.T @ d) + pi * (pi @ d)
    d /= np.linalg.norm(d)
    h2 = 1e-3
    assert _barrier(toy, x, pi + h2 * d) + _barrier(toy, x, pi - h2 * d) > 2 * f0
