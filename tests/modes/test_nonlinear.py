"""Tests of pelkit.modes.nonlinear: cubic non-linear modes (seed 003 eqs 5-6; SCIENCE.md 3.5)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from toy_systems import perturbed, soft_sphere_glass, spring_network

from pelkit.errors import InputError
from pelkit.modes.nonlinear import (
    ProjectedSolver,
    barrier_change_along_line,
    cubic_barrier,
    cubic_nonlinear_mode,
    directional_coefficients,
)
from pelkit.modes.normal import all_modes, translation_basis


@pytest.fixture(scope="module")
def glass():
    toy, x = soft_sphere_glass()
    modes = all_modes(toy.hessian(x), np.ones(toy.n))
    return toy, x, modes


def test_third_order_contraction_matches_finite_differences(glass):
    toy, x, _ = glass
    xp = perturbed(x, 0.03, 2)
    rng = np.random.default_rng(0)
    v = rng.normal(size=xp.size)
    v /= np.linalg.norm(v)
    uvv = toy.third_order_vv(xp, v)
    h = 1e-4
    fd = (toy.gradient(xp + h * v) - 2 * toy.gradient(xp) + toy.gradient(xp - h * v)) / h**2
    assert np.max(np.abs(fd - uvv)) < 1e-5 * np.max(np.abs(uvv))
    # against differences of H v along v
    fd2 = (toy.hvp(xp + h * v, v) - toy.hvp(xp - h * v, v)) / (2 * h)
    assert np.max(np.abs(fd2 - uvv)) < 1e-5 * np.max(np.abs(uvv))
    # sum over particles vanishes (translation invariance)
    assert np.allclose(uvv.reshape(-1, 3).sum(axis=0), 0.0, atol=1e-9)


def test_projected_solver_solves_on_complement(glass):
    toy, x, _ = glass
    hess = toy.hessian(x)
    t = translation_basis(np.ones(toy.n))
    b = np.random.default_rng(1).normal(size=hess.shape[0])
    pb = b - t @ (t.T @ b)
    sols = []
    for h_in, method in (
        (hess, "auto"),
        (sp.csr_matrix(hess), "auto"),
        (spla.aslinearoperator(hess), "auto"),
        (hess, "minres"),
    ):
        ps = ProjectedSolver(h_in, method=method)
        y = ps.solve(b)
        assert np.allclose(hess @ y, pb, atol=1e-8 * np.linalg.norm(pb))
        assert np.allclose(t.T @ y, 0.0, atol=1e-12)
        sols.append(y)
    assert all(np.allclose(sols[0], s, atol=1e-8) for s in sols[1:])
    assert ProjectedSolver(hess).method == "dense-cholesky"
    assert ProjectedSolver(sp.csr_matrix(hess)).method == "grounded-lu"


def test_fixed_point_satisfies_seed_eq5(glass):
    toy, x, modes = glass
    hess = toy.hessian(x)

    def uvv(v):
        return toy.third_order_vv(x, v)

    start = modes.displacements()[:, 0]
    res = cubic_nonlinear_mode(hess, uvv, start)
    assert res.converged
    assert res.iterations < 1000 and res.step < 1e-8
    pi = res.mode
    assert np.linalg.norm(pi) == pytest.approx(1.0)
    assert np.allclose(translation_basis(np.ones(toy.n)).T @ pi, 0.0, atol=1e-12)
    # substitute into H pi = (kappa/tau) U:pi pi with independently computed pieces
    hp = toy.hvp(x, pi)
    upp = toy.third_order_vv(x, pi)
    kappa, tau = pi @ hp, pi @ upp
    assert res.kappa == pytest.approx(kappa)
    assert res.tau == pytest.approx(tau)
    resid = np.linalg.norm(hp - kappa / tau * upp)
    assert resid / np.linalg.norm(hp) < 1e-6
    assert res.relative_residual < 1e-6
    assert res.barrier == pytest.approx(2.0 / 3.0 * kappa**3 / tau**2)
    # the start (softest linear mode) is not itself a fixed point
    e0 = start / np.linalg.norm(start)
    _, _, hp0, upp0 = directional_coefficients(hess, uvv, e0)
    k0, t0 = e0 @ hp0, e0 @ upp0
    assert np.linalg.norm(hp0 - k0 / t0 * upp0) / np.linalg.norm(hp0) > 1e-2
    # the non-linear mode has a lower cubic barrier than the linear start direction
    assert res.barrier < cubic_barrier(k0, t0)
    assert pi @ start > 0  # oriented like the start


def test_solvers_give_the_same_mode(glass):
    toy, x, modes = glass
    hess = toy.hessian(x)

    def uvv(v):
        return toy.third_order_vv(x, v)

    start = modes.displacements()[:, 4]
    dense = cubic_nonlinear_mode(hess, uvv, start)
    sparse = cubic_nonlinear_mode(sp.csr_matrix(hess), uvv, start)
    krylov = cubic_nonlinear_mode(spla.aslinearoperator(hess), uvv, start)
    assert dense.solver == "dense-cholesky"
    assert sparse.solver == "grounded-lu"
    assert krylov.solver == "cg" and krylov.krylov_failures == 0
    for r in (sparse, krylov):
        assert r.converged
        assert np.max(np.abs(r.mode - dense.mode)) < 1e-7
        assert r.barrier == pytest.approx(dense.barrier, rel=1e-8)


def test_non_convergence_is_reported(glass):
    toy, x, modes = glass
    res = cubic_nonlinear_mode(
        toy.hessian(x), lambda v: toy.third_order_vv(x, v), modes.displacements()[:, 0],
        max_iter=2,
    )
    assert not res.converged
    assert res.iterations == 2 and res.history.shape == (2,)
    assert res.step > 1e-8
    assert res.as_dict()["converged"] is False


def test_spring_network_mode_and_bad_input():
    toy, x = spring_network(cells=3, jitter=0.15, seed=4)
    hess = toy.hessian(x)

    def uvv(v):
        return toy.third_order_vv(x, v)

    start = np.random.default_rng(0).normal(size=hess.shape[0])
    res = cubic_nonlinear_mode(hess, uvv, start, max_iter=1000)
    assert res.converged
    assert res.relative_residual < 1e-6
    with pytest.raises(InputError, match="components"):
        cubic_nonlinear_mode(hess, uvv, start[:-3])
    with pytest.raises(InputError, match="translations"):
        cubic_nonlinear_mode(hess, uvv, np.tile([1.0, 0.0, 0.0], toy.n))
    for particle in (0, 5):
        free, xf = spring_network(cells=3, jitter=0.15, seed=4, free_particle=particle)
        for h_in in (free.hessian(xf), sp.csr_matrix(free.hessian(xf))):
            with pytest.raises(InputError, match="singular|zero modes"):
                ProjectedSolver(h_in)


def test_barrier_change_along_line_matches_direct_evaluation(glass):
    toy, x, modes = glass
    rng = np.random.default_rng(5)
    pi = modes.displacements()[:, 2]
    pi = pi / np.linalg.norm(pi)
    d = rng.normal(size=pi.size)

    def f(p):
        return (p @ toy.hvp(x, p)) ** 3 / (p @ toy.third_order_vv(x, p)) ** 2

    hp, hd = toy.hvp(x, pi), toy.hvp(x, d)
    g, gdd = toy.third_order_vv(x, pi), toy.third_order_vv(x, d)
    kc = (pi @ hp, 2 * pi @ hd, d @ hd)
    tc = (pi @ g, 3 * d @ g, 3 * pi @ gdd, d @ gdd)
    for alpha in (1.0, 0.3, -0.2, 1e-3):
        direct = f(pi + alpha * d) - f(pi)
        assert barrier_change_along_line(kc, tc, alpha) == pytest.approx(direct, rel=1e-8)
    # tiny steps: the difference form keeps its accuracy (first order: alpha grad f . d)
    grad = 6 * kc[0] ** 2 / tc[0] ** 2 * (hp - kc[0] / tc[0] * g)
    small = barrier_change_along_line(kc, tc, 1e-9)
    assert small == pytest.approx(1e-9 * grad @ d, rel=1e-6)


def test_line_search_leaves_converging_runs_unchanged(glass):
    toy, x, modes = glass
    hess = toy.hessian(x)

    def uvv(v):
        return toy.third_order_vv(x, v)

    start = modes.displacements()[:, 1]  # the plain iteration converges without any damping
    ls = cubic_nonlinear_mode(hess, uvv, start)
    plain = cubic_nonlinear_mode(hess, uvv, start, method="plain")
    assert ls.converged and plain.converged and plain.method == "plain"
    assert ls.damped_iterations == 0 and np.all(ls.alphas == 1.0)
    assert ls.iterations == plain.iterations
    assert np.max(np.abs(ls.mode - plain.mode)) < 1e-12
    assert ls.as_dict()["method"] == "line-search"
    with pytest.raises(InputError, match="method"):
        cubic_nonlinear_mode(hess, uvv, start, method="newton")
