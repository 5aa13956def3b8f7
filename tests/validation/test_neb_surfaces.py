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

from pelkit.landscape.doublewell import EndCurvatures
from pelkit.landscape.neb import NEBOptions, neb
from pelkit.landscape.paths import analyse_band

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
              masses=masses, options=NEBOptions(spring_constant=10.0, dt=1e-3))
    assert res.converged and res.max_force < 1e-6
    s = res.images[res.climbing_index]
    np.testing.assert_allclose(s, saddles[saddle], atol=1e-7)
    e_ref = mueller_brown(saddles[saddle])[0]
    assert res.energies[res.climbing_index] == pytest.approx(e_ref, abs=1e-9)
    analysis = analyse_band(res)
    assert analysis.is_double_well
    assert analysis.e_s == pytest.approx(e_ref, abs=1e-9)
    e_a, e_b = mueller_brown(minima[pair[0]])[0], mueller_brown(minima[pair[1]])[0]
    assert analysis.barrier == pytest.approx(e_ref - min(e_a, e_b), abs=1e-9)
    assert analysis.asymmetry == pytest.approx(abs(e_a - e_b), abs=1e-12)


def test_mueller_brown_band_through_intermediate_minimum(mb_points):
    minima, saddles = mb_points
    res = neb(mueller_brown, minima[0], minima[1], n_images=9, block=2,
              options=NEBOptions(spring_constant=10.0, dt=1e-3))
    assert res.converged
    # the climbing image sits on the higher of the two saddles
    np.testing.assert_allclose(res.images[res.climbing_index], saddles[0], atol=1e-7)
    analysis = analyse_band(res)
    assert not analysis.is_double_well
    assert len(analysis.shape.interior_minima) == 1
    k = analysis.shape.interior_minima[0].image
    np.testing.assert_allclose(quench(res.images[k]), minima[2], atol=1e-6)
    # recursion: both sub-pairs are simple double wells
    for a, b in ((0, 2), (2, 1)):
        sub = neb(mueller_brown, minima[a], minima[b], n_images=7, block=2,
                  options=NEBOptions(spring_constant=10.0, dt=1e-3))
        assert sub.converged and analyse_band(sub).is_double_well


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
        res = neb(valley, a, b, n_images=n_images, block=2,
                  options=NEBOptions(spring_constant=5.0, dt=0.01))
        assert res.converged
        np.testing.assert_allclose(res.images[res.climbing_index], [0.0, 0.0], atol=1e-7)
        assert res.energies[res.climbing_index] == pytest.approx(1.0, abs=1e-12)
        an = analyse_band(res, ends=EndCurvatures(hessian_a=hess_a))
        assert an.is_double_well and an.barrier == pytest.approx(1.0, abs=1e-12)
        assert an.asymmetry == 0.0
        errors.append(abs(an.omega_a_hessian**2 - softest) / softest)
        assert an.omega_a_profile**2 == pytest.approx(softest, rel=0.03)
    assert errors[1] < errors[0]
    assert errors[1] < 0.02


# ------------------------------------------------------- global L-BFGS against FIRE 2.0 (issue 14)


def _same_band(r1, r2, atol):
    np.testing.assert_allclose(r1.images, r2.images, atol=atol)
    assert r1.climbing_index == r2.climbing_index
    assert r1.energies[r1.climbing_index] == pytest.approx(r2.energies[r2.climbing_index],
                                                          abs=1e-9)


@pytest.mark.parametrize("pair", [(0, 2), (2, 1)])
def test_lbfgs_and_fire2_find_the_same_mueller_brown_path(mb_points, pair):
    """On Mueller-Brown the L-BFGS band may stall (stiff, strongly curved valleys) and hand over
    to FIRE 2.0; either way the converged band is the one FIRE 2.0 finds alone."""
    minima, saddles = mb_points
    runs = [neb(mueller_brown, minima[pair[0]], minima[pair[1]], n_images=9, block=2,
                options=NEBOptions(spring_constant=10.0, dt=1e-3, method=m))
            for m in ("fire2", "lbfgs")]
    assert all(r.converged and r.max_force < 1e-6 for r in runs)
    assert runs[0].method == "fire2" and runs[1].method == "lbfgs"
    _same_band(*runs, atol=1e-6)
    np.testing.assert_allclose(runs[1].images[runs[1].climbing_index],
                               saddles[pair == (2, 1)], atol=1e-7)


def test_lbfgs_and_fire2_agree_on_the_valley_with_fewer_force_calls():
    a, b = np.array([-1.0, 0.3]), np.array([1.0, 0.3])
    fire = neb(valley, a, b, n_images=21, block=2,
               options=NEBOptions(spring_constant=5.0, method="fire2"))
    fast = neb(valley, a, b, n_images=21, block=2,
               options=NEBOptions(spring_constant=5.0, method="lbfgs"))
    assert fire.converged and fast.converged and not fast.history["fallback"]
    _same_band(fire, fast, atol=1e-6)
    np.testing.assert_allclose(fast.images[fast.climbing_index], [0.0, 0.0], atol=1e-7)
    assert fast.evaluations < fire.evaluations / 3


def test_idpp_keeps_a_rotating_dimer_bond_length():
    """Two particles at distance 1 turning by 90 degrees about their centre: the straight line
    shortens the bond to 1/sqrt(2) halfway; the IDPP band keeps every image's bond near 1
    (d^k = 1 for all k; Smidstrup et al. 2014)."""
    from pelkit.landscape.idpp import idpp_band
    from pelkit.landscape.neb import interpolate_band

    a = np.array([-0.5, 0.0, 0.0, 0.5, 0.0, 0.0])
    b = np.array([0.0, -0.5, 0.0, 0.0, 0.5, 0.0])
    straight = interpolate_band(a, b, 9)
    bond = np.linalg.norm(straight[:, :3] - straight[:, 3:], axis=1)
    assert bond.min() == pytest.approx(np.sqrt(0.5))
    res = idpp_band(straight, fmax=1e-6, max_iterations=2000)
    assert res.converged
    bond = np.linalg.norm(res.images[:, :3] - res.images[:, 3:], axis=1)
    np.testing.assert_allclose(bond, 1.0, atol=1e-3)
    np.testing.assert_array_equal(res.images[0], a)
    np.testing.assert_array_equal(res.images[-1], b)


@pytest.fixture(scope="module")
def glass_pair():
    """Two neighbouring minima of an N = 80 swap glass: a quenched random packing, pushed along
    its softest mode and quenched again (as the NEB benchmark makes its pairs)."""
    from pelkit.build import swap_system
    from pelkit.engine.calculator import Calculator
    from pelkit.landscape.inherent import same_minimum
    from pelkit.landscape.quench import quench as quench_system
    from pelkit.models import get_model
    from pelkit.modes.normal import all_modes

    model = get_model("swap")
    qa = quench_system(model, swap_system(80, seed=11), method="lbfgs", fmax=1e-10)
    calc = Calculator(model, qa.system)
    modes = all_modes(calc.hessian(), qa.system.masses)
    for k in range(5):
        u = modes.displacements()[:, k].reshape(-1, 3)
        u /= np.linalg.norm(u, axis=1).max()
        for amp in (0.3, 0.5):
            for sign in (1.0, -1.0):
                pushed = qa.system.with_positions(qa.system.positions + sign * amp * u)
                qb = quench_system(model, pushed, method="lbfgs", fmax=1e-10, calculator=calc)
                if qb.minimize.converged and not same_minimum(qa.system, qa.energy, qb.system,
                                                              qb.energy):
                    return model, qa.system, qb.system
    pytest.fail("no neighbouring minimum found")


def test_lbfgs_and_fire2_find_the_same_glass_double_well(glass_pair):
    from pelkit.landscape.paths import BandEnergy

    model, a, b = glass_pair
    runs = []
    for method in ("fire2", "lbfgs"):
        runs.append(neb(BandEnergy(model, a, 12), a.positions.ravel(), b.positions.ravel(),
                        n_images=10, box=a.box.lengths, masses=a.masses,
                        options=NEBOptions(method=method, max_iterations=40_000)))
    fire, fast = runs
    assert fire.converged and fast.converged
    an_f, an_l = analyse_band(fire), analyse_band(fast)
    assert an_l.barrier == pytest.approx(an_f.barrier, abs=1e-8)
    assert an_l.asymmetry == pytest.approx(an_f.asymmetry, abs=1e-10)
    _same_band(fire, fast, atol=1e-4)
    assert fast.evaluations < fire.evaluations / 3


def kinked_valley(p):
    """A double well in x with a kink |y| across the path: the perpendicular force jumps from
    -1/2 to +1/2 at y = 0, so no band converges to 1e-6 there (a stand-in for bands that
    resolve a rough, nearly flat stretch of a glass landscape)."""
    x, y = p
    v = (x**2 - 1.0) ** 2 + 0.5 * abs(y + 0.3 * x)
    g = np.array([4.0 * x * (x**2 - 1.0) + 0.15 * np.sign(y + 0.3 * x),
                  0.5 * np.sign(y + 0.3 * x)])
    return v, g


def test_fallback_never_returns_a_worse_band_than_the_stalled_lbfgs():
    """Neither optimiser can converge on the kinked valley: L-BFGS stalls, FIRE 2.0 takes over
    and runs out of iterations; the band returned is the better of the two, re-checked."""
    a, b = np.array([-1.0, 0.31]), np.array([1.0, -0.29])
    res = neb(kinked_valley, a, b, n_images=9, block=2,
              options=NEBOptions(max_iterations=1500, method="lbfgs"))
    assert not res.converged and res.history["fallback"]
    lbfgs_stage, fire_stage = res.history["stages"][-2:]
    assert lbfgs_stage["method"] == "band-lbfgs" and lbfgs_stage["stop_reason"] == "stuck"
    assert fire_stage["method"] == "fire2" and fire_stage["stop_reason"] == "max_iterations"
    best = min(lbfgs_stage["max_force"], fire_stage["max_force"])
    assert res.max_force == pytest.approx(best, rel=1e-12)
    # here FIRE 2.0 ends further from convergence (0.53 against 0.51): the stalled band is kept
    assert fire_stage["max_force"] > lbfgs_stage["max_force"]
    assert res.history["fallback_kept"] == "lbfgs"


@pytest.mark.parametrize("masses", [None, [1.0, 4.0]])
def test_transverse_curvature_equals_the_analytic_perpendicular_curvature(mb_points, masses):
    """In 2-D the transverse space of the band is one direction: kappa_i = n^T H^M n with
    n = (-tau_y, tau_x), H^M = M^{-1/2} H M^{-1/2}, written out without any projection."""
    from pelkit.landscape.band_curvature import transverse_curvatures

    minima, _ = mb_points
    res = neb(mueller_brown, minima[0], minima[2], n_images=9, block=2, masses=masses,
              options=NEBOptions(spring_constant=10.0, dt=1e-3))
    kappa = transverse_curvatures(res, mueller_brown_hessian)
    m = np.ones(2) if masses is None else np.asarray(masses)
    for i in range(1, res.n_images - 1):
        h = mueller_brown_hessian(res.images[i]) / np.sqrt(np.outer(m, m))
        t = res.tangents[i]
        nrm = np.array([-t[1], t[0]])
        assert kappa[i - 1, 0] == pytest.approx(nrm @ h @ nrm, rel=1e-10, abs=1e-9)
    # the Mueller-Brown path from minimum 0 to the intermediate minimum runs in a valley
    assert np.all(kappa > 0.0)


def test_transverse_curvature_sees_a_ridge_and_leaves_out_zero_modes():
    """One particle in 3-D on V = x^2/2 + c y^2/2 + z^4 (flat in z at z = 0): a band along x
    has transverse curvatures c (the y direction) and 0 (z); leaving z out gives c alone, and
    c < 0 (a ridge along the band) is reported as negative."""
    from pelkit.landscape.band_curvature import transverse_curvatures

    for c in (0.7, -0.4):
        def hessian(x, c=c):
            return np.diag([1.0, c, 12.0 * x[2] ** 2])

        def energy(x, c=c):
            return (0.5 * x[0] ** 2 + 0.5 * c * x[1] ** 2 + x[2] ** 4,
                    np.array([x[0], c * x[1], 4.0 * x[2] ** 3]))

        res = neb(energy, [-1.0, 0.0, 0.0], [1.0, 0.0, 0.0], n_images=5, block=3,
                  options=NEBOptions(climb=False, max_iterations=10))
        both = transverse_curvatures(res, hessian, n_lowest=2)
        np.testing.assert_allclose(both, np.tile(sorted([0.0, c]), (3, 1)), atol=1e-12)
        no_z = transverse_curvatures(res, hessian,
                                     zero_modes=lambda x: np.array([[0.0], [0.0], [1.0]]))
        np.testing.assert_allclose(no_z[:, 0], c, atol=1e-12)


def test_fallback_patience_stops_a_fire_fallback_that_makes_no_progress():
    """On the kinked valley FIRE 2.0 cannot halve its force after an L-BFGS stall. Without a
    patience the first (loose) stage's fallback uses the whole budget; with a patience of 200
    iterations each fallback stops as "stuck" after 200 iterations, the climbing stage is
    reached within the same budget, and the band is reported unconverged with its force
    re-checked on the returned band."""
    a, b = np.array([-1.0, 0.31]), np.array([1.0, -0.29])
    full = neb(kinked_valley, a, b, n_images=9, block=2,
               options=NEBOptions(max_iterations=1500, method="lbfgs"))
    short = neb(kinked_valley, a, b, n_images=9, block=2,
                options=NEBOptions(max_iterations=1500, method="lbfgs", fallback_patience=200))
    assert [s["climbing"] for s in full.history["stages"]] == [False, False]
    assert full.history["stages"][-1]["stop_reason"] == "max_iterations"
    assert not short.converged and short.history["fallback"] and short.climbing
    fire_stages = [s for s in short.history["stages"] if s["method"] == "fire2"]
    assert [s["climbing"] for s in fire_stages] == [False, True]
    assert all(s["stop_reason"] == "stuck" and s["iterations"] == 200 for s in fire_stages)
    assert short.iterations < 1500
    # honest: the reported force is that of the returned band
    from pelkit.landscape.neb import neb_forces
    from pelkit.landscape.objective import max_block_norm

    evaluated = [kinked_valley(p) for p in short.images]
    forces, _ = neb_forces(short.images, np.array([e for e, _ in evaluated]),
                           np.array([g for _, g in evaluated]), spring_constant=1.0,
                           sqrt_m=np.ones(2), box=None, block=2,
                           climbing_index=short.climbing_index)
    assert max_block_norm(forces.ravel(), 2) == pytest.approx(short.max_force, rel=1e-12)
