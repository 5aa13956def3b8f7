"""CI-NEB against independently located saddle points (SCIENCE.md 4.3, 4.4).

* Mueller-Brown surface (Mueller & Brown, Theor. Chim. Acta 53, 75 (1979)): the two saddles are
  located here by Newton's method on grad V = 0 with the analytic Hessian, from nearby guesses;
  the CI-NEB climbing image must land on them (position and energy).
* the A -> B band of Mueller-Brown passes the intermediate minimum: the double-well test must
  report it, quenching from the reported image must give that minimum, and the two sub-pairs
  must be simple double wells (the recursion of SCIENCE.md 4.4).
* a symmetric 2-D double well with a curved valley, V = (x^2 - 1)^2 + 2 (y - 0.3 x^2)^2:
  analytic saddle (0, 0) with V = 1, minima (+-1, 0.3); omega_tan^2 from the Hessian along r_tan
  and the profile curvature V''(0) both approach the softest Hessian eigenvalue at A as the
  band is refined (the path leaves a minimum along its softest mode; seed 003 Fig 4).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from pelkit.landscape.neb import neb

MB_A = np.array([-200.0, -100.0, -170.0, 15.0])
MB_a = np.array([-1.0, -1.0, -6.5, 0.7])
MB_b = np.array([0.0, 0.0, 11.0, 0.6])
MB_c = np.array([-10.0, -10.0, -6.5, 0.7])
MB_X = np.array([1.0, 0.0, -0.5, -1.0])
MB_Y = np.array([0.0, 0.5, 1.5, 1.0])


def mueller_brown(p):
    """Energy and gradient of the Mueller-Brown surface at p = (x, y)."""
    dx, dy = p[0] - MB_X, p[1] - MB_Y
    e = MB_A * np.exp(MB_a * dx * dx + MB_b * dx * dy + MB_c * dy * dy)
    gx = 2 * MB_a * dx + MB_b * dy
    gy = MB_b * dx + 2 * MB_c * dy
    return float(e.sum()), np.array([np.sum(e * gx), np.sum(e * gy)])


def mueller_brown_hessian(p):
    dx, dy = p[0] - MB_X, p[1] - MB_Y
    e = MB_A * np.exp(MB_a * dx * dx + MB_b * dx * dy + MB_c * dy * dy)
    gx = 2 * MB_a * dx + MB_b * dy
    gy = MB_b * dx + 2 * MB_c * dy
    hxx = np.sum(e * (gx * gx + 2 * MB_a))
    hxy = np.sum(e * (gx * gy + MB_b))
    hyy = np.sum(e * (gy * gy + 2 * MB_c))
    return np.array([[hxx, hxy], [hxy, hyy]])


def newton_stationary_point(p0):
    p = np.array(p0, dtype=float)
    for _ in range(100):
        step = np.linalg.solve(mueller_brown_hessian(p), mueller_brown(p)[1])
        p -= step
        if np.linalg.norm(step) < 1e-15:
            break
    assert np.linalg.norm(mueller_brown(p)[1]) < 1e-9
    return p


def quench(p0):
    res = minimize(lambda p: mueller_brown(p)[0], p0, jac=lambda p: mueller_brown(p)[1],
                   method="BFGS", options={"gtol": 1e-11})
    return res.x


@pytest.fixture(scope="module")
def mb_points():
    minima = [quench(g) for g in ((-0.55, 1.44), (0.62, 0.03), (-0.05, 0.47))]
    saddles = [newton_stationary_point(g) for g in ((-0.82, 0.62), (0.21, 0.29))]
    for s in saddles:  # first-order saddles: one negative Hessian eigenvalue
        lam = np.linalg.eigvalsh(mueller_brown_hessian(s))
        assert lam[0] < 0 < lam[1]
    return minima, saddles


@pytest.mark.parametrize(
    ("pair", "saddle", "masses"),
    [((0, 2), 0, None), ((2, 1), 1, None), ((0, 2), 0, [1.0, 4.0])],
)
def test_mueller_brown_saddles(mb_points, pair, saddle, masses):
    minima, saddles = mb_points
    res = neb(mueller_brown, minima[pair[0]], minima[pair[1]], n_images=9, block=2,
              spring_constant=10.0, dt=1e-3, masses=masses)
    assert res.converged and res.max_force < 1e-6
    s = res.images[res.climbing_index]
    np.testing.assert_allclose(s, saddles[saddle], atol=1e-7)
    e_ref = mueller_brown(saddles[saddle])[0]
    assert res.energies[res.climbing_index] == pytest.approx(e_ref, abs=1e-9)
    analysis = res.analyse()
    assert analysis.is_double_well
    assert analysis.e_s == pytest.approx(e_ref, abs=1e-9)
    e_a, e_b = mueller_brown(minima[pair[0]])[0], mueller_brown(minima[pair[1]])[0]
    assert analysis.barrier == pytest.approx(e_ref - min(e_a, e_b), abs=1e-9)
    assert analysis.asymmetry == pytest.approx(abs(e_a - e_b), abs=1e-12)


def test_mueller_brown_band_through_intermediate_minimum(mb_points):
    minima, saddles = mb_points
    res = neb(mueller_brown, minima[0], minima[1], n_images=9, block=2, spring_constant=10.0,
              dt=1e-3)
    assert res.converged
    # the climbing image sits on the higher of the two saddles
    np.testing.assert_allclose(res.images[res.climbing_index], saddles[0], atol=1e-7)
    analysis = res.analyse()
    assert not analysis.is_double_well
    assert len(analysis.shape.interior_minima) == 1
    k = analysis.shape.interior_minima[0].image
    np.testing.assert_allclose(quench(res.images[k]), minima[2], atol=1e-6)
    # recursion: both sub-pairs are simple double wells
    for a, b in ((0, 2), (2, 1)):
        sub = neb(mueller_brown, minima[a], minima[b], n_images=7, block=2,
                  spring_constant=10.0, dt=1e-3)
        assert sub.converged and sub.analyse().is_double_well


def valley(p):
    x, y = p
    u = y - 0.3 * x * x
    e = (x * x - 1.0) ** 2 + 2.0 * u * u
    return e, np.array([4 * x * (x * x - 1.0) - 2.4 * x * u, 4.0 * u])


def test_symmetric_double_well_saddle_and_tangent_frequency():
    a, b = np.array([-1.0, 0.3]), np.array([1.0, 0.3])
    hess_a = np.array([[9.44, 2.4], [2.4, 4.0]])  # analytic Hessian at A
    softest = np.linalg.eigvalsh(hess_a)[0]
    errors = []
    for n_images in (21, 41):
        res = neb(valley, a, b, n_images=n_images, block=2, spring_constant=5.0, dt=0.01)
        assert res.converged
        np.testing.assert_allclose(res.images[res.climbing_index], [0.0, 0.0], atol=1e-7)
        assert res.energies[res.climbing_index] == pytest.approx(1.0, abs=1e-12)
        an = res.analyse(hessian_a=hess_a)
        assert an.is_double_well and an.barrier == pytest.approx(1.0, abs=1e-12)
        assert an.asymmetry == 0.0
        errors.append(abs(an.omega_a_hessian**2 - softest) / softest)
        assert an.omega_a_profile**2 == pytest.approx(softest, rel=0.03)
    assert errors[1] < errors[0]
    assert errors[1] < 0.02
