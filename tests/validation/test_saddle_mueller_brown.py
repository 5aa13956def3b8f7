"""Saddle searches on the Mueller-Brown surface against the published stationary points.

Mueller & Brown, Theor. Chim. Acta 53, 75 (1979), Table 1: minima MA (-0.558, 1.442)
E = -146.700, MB (0.623, 0.028) E = -108.167, MC (-0.050, 0.467) E = -80.768; saddles
S1 (-0.822, 0.624) E = -40.665 and S2 (0.212, 0.293) E = -72.249 (three decimals printed).
Hybrid eigenvector-following and the dimer, started from every minimum along both normal modes
in both senses, must find both saddles and nothing else that they call a transition state, and
every transition state must have exactly one negative Hessian eigenvalue (checked here from the
analytic Hessian, independently of the code's own index check).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.landscape.saddle import SaddleOptions, dimer, hef, soft_modes
from pelkit.landscape.surface import Surface

A = np.array([-200.0, -100.0, -170.0, 15.0])
a = np.array([-1.0, -1.0, -6.5, 0.7])
b = np.array([0.0, 0.0, 11.0, 0.6])
c = np.array([-10.0, -10.0, -6.5, 0.7])
X0 = np.array([1.0, 0.0, -0.5, -1.0])
Y0 = np.array([0.0, 0.5, 1.5, 1.0])

MINIMA = {"MA": ((-0.558, 1.442), -146.700), "MB": ((0.623, 0.028), -108.167),
          "MC": ((-0.050, 0.467), -80.768)}
SADDLES = {"S1": ((-0.822, 0.624), -40.665), "S2": ((0.212, 0.293), -72.249)}


def energy_gradient(p):
    dx, dy = p[0] - X0, p[1] - Y0
    e = A * np.exp(a * dx * dx + b * dx * dy + c * dy * dy)
    gx = 2 * a * dx + b * dy
    gy = b * dx + 2 * c * dy
    return float(e.sum()), np.array([np.sum(e * gx), np.sum(e * gy)])


def hessian(p):
    dx, dy = p[0] - X0, p[1] - Y0
    e = A * np.exp(a * dx * dx + b * dx * dy + c * dy * dy)
    gx = 2 * a * dx + b * dy
    gy = b * dx + 2 * c * dy
    hxy = np.sum(e * (gx * gy + b))
    return np.array([[np.sum(e * (gx * gx + 2 * a)), hxy], [hxy, np.sum(e * (gy * gy + 2 * c))]])


def newton(p0):
    p = np.array(p0, dtype=float)
    for _ in range(50):
        p -= np.linalg.solve(hessian(p), energy_gradient(p)[1])
    return p


@pytest.fixture(scope="module")
def minima():
    return {k: newton(v[0]) for k, v in MINIMA.items()}


@pytest.mark.parametrize(("method", "exact_hvp"), [("hef", True), ("hef", False), ("dimer", False)])
def test_every_saddle_found_with_one_negative_curvature(minima, method, exact_hvp):
    found = {}
    for name, pmin in minima.items():
        assert energy_gradient(pmin)[0] == pytest.approx(MINIMA[name][1], abs=2e-3)
        surf = Surface(energy_gradient, n=2, block=2,
                       hvp=(lambda x, v: hessian(x) @ v) if exact_hvp else None)
        _, vecs = soft_modes(surf, pmin, 2)
        for k in range(2):
            for sign in (1.0, -1.0):
                v = sign * vecs[:, k]
                x0 = pmin + 0.02 * v
                run = hef if method == "hef" else dimer
                res = run(surf, x0, v, fmax=1e-8, max_iterations=600,
                          options=SaddleOptions(max_step=0.01, max_energy_rise=150.0))
                if not res.is_transition_state:
                    assert not res.converged or res.n_negative != 1
                    continue
                lam = np.linalg.eigvalsh(hessian(res.positions))
                assert lam[0] < 0 < lam[1]
                assert np.linalg.norm(energy_gradient(res.positions)[1]) < 1e-7
                label = min(SADDLES, key=lambda s: np.linalg.norm(res.positions - SADDLES[s][0]))
                pos, e_ref = SADDLES[label]
                np.testing.assert_allclose(res.positions, pos, atol=1.5e-3)
                assert res.energy == pytest.approx(e_ref, abs=2e-3)
                found[label] = res
    assert set(found) == {"S1", "S2"}


def test_hef_converges_from_neb_like_start(minima):
    surf = Surface(energy_gradient, n=2, block=2)
    res = hef(surf, [0.1, 0.35], [1.0, -0.3], fmax=1e-10)
    assert res.is_transition_state
    np.testing.assert_allclose(res.positions, newton(SADDLES["S2"][0]), atol=1e-9)
    assert res.eigenvalue < 0
