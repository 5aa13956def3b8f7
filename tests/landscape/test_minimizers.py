"""Unit tests of the minimizers on the flat objective protocol (SCIENCE.md section 2.3)."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.landscape.cg import cg
from pelkit.landscape.fire import fire, fire2
from pelkit.landscape.lbfgs import lbfgs
from pelkit.landscape.minimize import METHODS, minimize
from pelkit.landscape.objective import max_block_norm
from pelkit.landscape.sd_flow import SDFlowOptions, sd_flow

LJ7_MIN = -16.505384  # pentagonal bipyramid (Cambridge Cluster Database)
LJ13_MIN = -44.326801  # icosahedron


# ----------------------------------------------------------------------------- test objectives
def lj_cluster(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Non-periodic LJ cluster, eps = sigma = 1: U = sum_{i<j} 4 (r^-12 - r^-6), dU/dx (3N,)."""
    r = x.reshape(-1, 3)
    d = r[:, None, :] - r[None, :, :]
    r2 = np.einsum("ijk,ijk->ij", d, d)
    np.fill_diagonal(r2, 1.0)
    ir6 = r2**-3
    pair = 4.0 * (ir6 * ir6 - ir6)
    np.fill_diagonal(pair, 0.0)
    w = (48.0 * ir6 * ir6 - 24.0 * ir6) / r2  # -(dphi/dr)/r
    np.fill_diagonal(w, 0.0)
    grad = -(w[:, :, None] * d).sum(axis=1)
    return 0.5 * float(pair.sum()), grad.reshape(-1)


def lj13_start(rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    """Icosahedron (centre + 12 vertices at 1.1 sigma) plus Gaussian noise, (39,)."""
    phi = (1.0 + 5.0**0.5) / 2.0
    v = []
    for a in (-1.0, 1.0):
        for b in (-1.0, 1.0):
            v += [(0.0, a, b * phi), (a, b * phi, 0.0), (b * phi, 0.0, a)]
    v = np.array(v) / np.linalg.norm(v[0]) * 1.1
    return np.vstack([np.zeros(3), v]).ravel() + rng.normal(0.0, noise, 39)


def lj7_start(rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    """Pentagonal bipyramid (ring radius 0.955, apexes at +-0.59) plus noise, (21,)."""
    ang = 2.0 * np.pi * np.arange(5) / 5.0
    ring = np.column_stack([0.955 * np.cos(ang), 0.955 * np.sin(ang), np.zeros(5)])
    pts = np.vstack([ring, [[0.0, 0.0, 0.59], [0.0, 0.0, -0.59]]])
    return pts.ravel() + rng.normal(0.0, noise, 21)


def quadratic(n: int = 12, cond: float = 1e3, seed: int = 0):
    """U = 3 + (x - x*)^T A (x - x*) / 2 with eigenvalues geomspace(0.5, 0.5 cond)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.geomspace(0.5, 0.5 * cond, n)) @ q.T
    x_star = rng.normal(size=n)

    def objective(x):
        dx = x - x_star
        g = a @ dx
        return 3.0 + 0.5 * float(dx @ g), g

    return objective, a, x_star, x_star + rng.normal(0.0, 0.5, n)


def rosenbrock(p: np.ndarray) -> tuple[float, np.ndarray]:
    """U = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1)."""
    x, y = p
    e = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
    return float(e), np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


def assert_honest(res, objective, block):
    """The result's energy, max_force and converged flag match a fresh evaluation."""
    e, g = objective(res.positions)
    assert res.max_force == pytest.approx(max_block_norm(g, block), rel=1e-12, abs=1e-300)
    assert res.converged == (res.max_force < res.fmax)
    if np.isfinite(e):
        assert res.energy == pytest.approx(e, rel=1e-14, abs=1e-14)


# ----------------------------------------------------------------------------- every method
@pytest.mark.parametrize("method", METHODS)
def test_ill_conditioned_quadratic(method):
    objective, a, x_star, x0 = quadratic()
    res = minimize(objective, x0, method=method, fmax=1e-10, block=3)
    assert res.converged and res.stop_reason == "converged"
    assert res.max_force < 1e-10
    # |x - x*| <= |A^-1| |g| <= sqrt(4 blocks) fmax / lambda_min
    assert np.max(np.abs(res.positions - x_star)) < 4e-10
    assert res.energy == pytest.approx(3.0, abs=1e-15)
    assert_honest(res, objective, 3)
    assert res.method == method
    assert res.evaluations >= res.iterations


@pytest.mark.parametrize("method", METHODS)
def test_rosenbrock(method):
    res = minimize(rosenbrock, np.array([-1.2, 1.0]), method=method, block=2, fmax=1e-10)
    assert res.converged, res.stop_reason
    np.testing.assert_allclose(res.positions, [1.0, 1.0], atol=1e-9)
    assert res.energy < 1e-18
    assert_honest(res, rosenbrock, 2)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("start", "e_min"), [(lj7_start, LJ7_MIN), (lj13_start, LJ13_MIN)], ids=["LJ7", "LJ13"]
)
def test_lj_cluster_global_minimum(method, start, e_min):
    x0 = start(np.random.default_rng(7))
    res = minimize(lj_cluster, x0, method=method, fmax=1e-10)
    assert res.converged and res.max_force < 1e-10
    assert res.energy == pytest.approx(e_min, abs=1e-6)
    assert_honest(res, lj_cluster, 3)
    np.testing.assert_array_equal(x0, start(np.random.default_rng(7)))  # start not modified


def test_methods_reach_the_same_lj13_configuration():
    x0 = lj13_start(np.random.default_rng(3))
    ref = minimize(lj_cluster, x0, method="sd").positions
    for method in METHODS:
        pos = minimize(lj_cluster, x0, method=method).positions
        # same minimum up to a rigid translation/rotation, which the fast minimizers may add:
        # compare the sorted pair distances
        def dists(p):
            r = p.reshape(-1, 3)
            return np.sort(np.linalg.norm(r[:, None] - r[None], axis=-1).ravel())

        np.testing.assert_allclose(dists(pos), dists(ref), atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_honest_non_convergence(method):
    x0 = lj13_start(np.random.default_rng(1), noise=0.1)
    res = minimize(lj_cluster, x0, method=method, max_iterations=3)
    assert not res.converged
    assert res.stop_reason == "max_iterations"
    assert res.iterations == 3
    assert res.max_force > 1e-10
    assert_honest(res, lj_cluster, 3)


@pytest.mark.parametrize("method", METHODS)
def test_zero_iterations_returns_start(method):
    x0 = lj13_start(np.random.default_rng(1))
    res = minimize(lj_cluster, x0, method=method, max_iterations=0)
    np.testing.assert_array_equal(res.positions, x0)
    assert res.iterations == 0 and res.evaluations == 1 and not res.converged


@pytest.mark.parametrize("method", METHODS)
def test_callback_stops(method):
    seen = []

    def cb(it, x, e, g):
        seen.append((it, e, max_block_norm(g)))
        return it >= 4

    res = minimize(lj_cluster, lj13_start(np.random.default_rng(2)), method=method, callback=cb)
    assert res.stop_reason == "callback" and res.iterations == 4 and not res.converged
    assert [s[0] for s in seen] == [0, 1, 2, 3, 4]
    assert seen[-1][2] == pytest.approx(res.max_force)


def test_converged_start_takes_no_step():
    res0 = minimize(lj_cluster, lj13_start(np.random.default_rng(4)), method="lbfgs")
    for method in METHODS:
        res = minimize(lj_cluster, res0.positions, method=method)
        assert res.converged and res.iterations == 0 and res.evaluations == 1


@pytest.mark.parametrize("method", METHODS)
def test_objective_reusing_its_gradient_buffer(method):
    """An engine may return one gradient array at every call; minimizers copy what they keep."""
    buf = np.empty(39)

    def reusing(x):
        e, g = lj_cluster(x)
        buf[:] = g
        return e, buf

    x0 = lj13_start(np.random.default_rng(12))
    res = minimize(reusing, x0, method=method)
    ref = minimize(lj_cluster, x0, method=method)
    assert res.converged and res.iterations == ref.iterations
    np.testing.assert_array_equal(res.positions, ref.positions)


# ----------------------------------------------------------------------------- fallback
def drifting(objective, drift: float):
    """Energy + drift * (number of calls): a line search on it fails once real decreases are
    smaller than ``drift``; the gradient is exact."""
    calls = [0]

    def wrapped(x):
        calls[0] += 1
        e, g = objective(x)
        return e + drift * calls[0], g

    return wrapped


@pytest.mark.parametrize(("func", "name"), [(lbfgs, "lbfgs"), (cg, "cg")])
def test_stall_falls_back_to_fire2(func, name):
    x0 = lj13_start(np.random.default_rng(5))
    res = func(drifting(lj_cluster, 1e-6), x0, fmax=1e-10)
    assert res.method == f"{name}+fire2"
    assert res.stop_reason.startswith("fallback:fire2")
    assert "line search failed" in res.stop_reason and res.stop_reason.endswith("converged")
    assert res.converged and res.max_force < 1e-10
    assert lj_cluster(res.positions)[0] == pytest.approx(LJ13_MIN, abs=1e-6)
    h = res.history
    assert h["fallback_iteration"] + h["fire2_iterations"] == res.iterations
    assert 0 < h["fallback_iteration"] < res.iterations


def test_lbfgs_tolerates_roundoff_energy_noise():
    """Energy noise of 1e-16 relative: the slope test keeps L-BFGS going; if it falls back it
    says so. Either way the force criterion is met at the true minimum."""
    rng = np.random.default_rng(6)

    def noisy(x):
        e, g = lj_cluster(x)
        return e * (1.0 + 1e-16 * rng.standard_normal()), g

    res = lbfgs(noisy, lj13_start(np.random.default_rng(6)), fmax=1e-10)
    assert res.converged and res.max_force < 1e-10
    assert lj_cluster(res.positions)[0] == pytest.approx(LJ13_MIN, abs=1e-6)
    assert res.method in ("lbfgs", "lbfgs+fire2")
    assert (res.method == "lbfgs+fire2") == res.stop_reason.startswith("fallback:fire2")


def test_fallback_respects_iteration_budget():
    res = lbfgs(drifting(lj_cluster, 1e-2), lj13_start(np.random.default_rng(5)), max_iterations=40)
    assert res.iterations <= 40
    assert not res.converged and res.stop_reason.endswith("max_iterations")


# ----------------------------------------------------------------------------- masses
def test_fire_with_masses_is_fire_on_mass_weighted_coordinates():
    """FIRE/FIRE2 with masses m on x == unit-mass FIRE on q = sqrt(m) x (step cap off)."""
    rng = np.random.default_rng(8)
    x0 = lj13_start(rng)
    m = np.repeat(rng.uniform(0.5, 3.0, 13), 3)
    sq = np.sqrt(m)

    def in_q(q):
        e, g = lj_cluster(q / sq)
        return e, g / sq

    for func in (fire, fire2):
        kw = {"fmax": 1e-300, "max_iterations": 120, "max_step": 1e3}
        res_m = func(lj_cluster, x0, masses=m, **kw)
        res_q = func(in_q, x0 * sq, **kw)
        res_1 = func(lj_cluster, x0, **kw)
        np.testing.assert_allclose(res_m.positions, res_q.positions / sq, rtol=0, atol=1e-10)
        assert res_m.energy == pytest.approx(res_q.energy, abs=1e-10)
        assert np.max(np.abs(res_m.positions - res_1.positions)) > 1e-3  # masses matter


@pytest.mark.parametrize("method", METHODS)
def test_masses_same_minimum(method):
    rng = np.random.default_rng(9)
    x0 = lj13_start(rng)
    m = np.repeat(rng.uniform(0.5, 3.0, 13), 3)
    res = minimize(lj_cluster, x0, method=method, masses=m)
    assert res.converged and res.energy == pytest.approx(LJ13_MIN, abs=1e-6)
    assert_honest(res, lj_cluster, 3)


def test_sd_flow_with_masses_descends_and_depends_on_masses():
    """Along a gradient flow dU/ds = -|grad U|^2_{M^-1} <= 0: U falls monotonically; the path
    with masses differs from the unit-mass path but ends at the same minimum (exact paths are
    checked against exp(-M^-1 A s) x0 in tests/validation/test_minimizer_agreement.py)."""
    objective, a, x_star, x0 = quadratic(n=6, cond=50.0, seed=2)
    m = np.repeat([1.0, 4.0], 3)
    res = sd_flow(objective, x0, masses=m, record_path=True)
    unit = sd_flow(objective, x0, record_path=True)
    for r in (res, unit):
        assert r.converged and np.max(np.abs(r.positions - x_star)) < 1e-9
        energies = np.array([objective(p)[0] for p in r.history["path"]])
        assert np.all(np.diff(energies) <= 1e-15)
        assert r.history["path_s"][-1] == pytest.approx(r.history["s"])
        np.testing.assert_array_equal(r.history["path"][-1], r.positions)
    s_probe = 0.3
    p_m = res.history["path"][np.searchsorted(res.history["path_s"], s_probe)]
    p_1 = unit.history["path"][np.searchsorted(unit.history["path_s"], s_probe)]
    assert np.max(np.abs(p_m - p_1)) > 1e-2


# ----------------------------------------------------------------------------- NEB-style use
@pytest.mark.parametrize("func", [fire2, fire])
def test_fire_converges_on_force_that_is_not_a_gradient(func):
    """Gradient-only dynamics: the 'gradient' (A + B)(x - x*) with B antisymmetric is not the
    gradient of anything, and the returned energy is meaningless (it rises with every call)."""
    rng = np.random.default_rng(10)
    _, a, x_star, x0 = quadratic(n=9, cond=100.0, seed=10)
    b = rng.normal(size=(9, 9))
    b = 0.1 * (b - b.T)  # mildly non-conservative, like projected NEB forces
    calls = [0]

    def neb_like(x):
        calls[0] += 1
        return float(calls[0]), (a + b) @ (x - x_star)

    res = func(neb_like, x0, fmax=1e-10, block=3)
    assert res.converged and res.stop_reason == "converged"
    assert np.max(np.abs(res.positions - x_star)) < 1e-9
    assert res.energy == float(calls[0])  # the energy of the returned point, not a minimum


def test_fire2_stuck_is_reported():
    """A force that flips sign at every call opposes the velocity at every step (P <= 0):
    after 2000 such steps in a row FIRE 2.0 stops as "stuck"."""
    calls = [0]

    def flipping(x):
        calls[0] += 1
        return 0.0, np.array([1.0, 0.0, 0.0]) * (-1.0) ** calls[0]

    res = fire2(flipping, np.zeros(3))
    assert res.stop_reason == "stuck" and not res.converged
    assert res.history["uphill"] == 2000


def test_non_finite_energy_is_reported():
    calls = [0]

    def bad(x):
        calls[0] += 1
        e, g = lj_cluster(x)
        return (np.nan if calls[0] > 5 else e), g

    for method in METHODS:
        calls[0] = 0
        res = minimize(bad, lj13_start(np.random.default_rng(1)), method=method)
        assert not res.converged and np.isnan(res.energy)
        assert res.stop_reason.startswith("non-finite") or "non-finite" in res.stop_reason


# ----------------------------------------------------------------------------- input errors
def test_input_errors():
    x0 = lj13_start(np.random.default_rng(0))
    with pytest.raises(InputError, match="unknown minimizer"):
        minimize(lj_cluster, x0, method="newton")
    with pytest.raises(InputError, match="multiple of block"):
        minimize(lj_cluster, x0[:-1])
    with pytest.raises(InputError, match="NaN"):
        minimize(lj_cluster, np.full(39, np.nan))
    with pytest.raises(InputError, match="masses"):
        minimize(lj_cluster, x0, masses=np.ones(5))
    with pytest.raises(InputError, match="masses"):
        minimize(lj_cluster, x0, masses=-np.ones(39))
    with pytest.raises(InputError, match="fmax"):
        minimize(lj_cluster, x0, fmax=0.0)
    with pytest.raises(InputError, match="max_iterations"):
        minimize(lj_cluster, x0, max_iterations=-1)
    with pytest.raises(InputError, match="dt"):
        minimize(lj_cluster, x0, dt=-0.1)
    with pytest.raises(InputError, match="max_step"):
        minimize(lj_cluster, x0, method="lbfgs", max_step=0.0)
    with pytest.raises(InputError, match="gradient of shape"):
        minimize(lambda x: (0.0, np.zeros(3)), x0)
    with pytest.raises(InputError, match="ode_method"):
        sd_flow(lj_cluster, x0, options=SDFlowOptions(ode_method="RK45"))
