"""The exponential preconditioner (Packwood et al., J. Chem. Phys. 144, 164109 (2016)) and the
preconditioned L-BFGS (issue 14 item 4): the matrix against a naive all-pairs construction,
symmetric positive definite; mu against the dense Hessian; the preconditioned L-BFGS reaches the
minimum of the plain L-BFGS and of FIRE 2.0 from the same starts, with honest flags."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.dynamics.batched_md import BatchedMD
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.precon import (
    ExpPreconditioner,
    exp_precon_matrix,
    long_wave_displacement,
    mean_nearest_neighbour_distance,
)
from pelkit.landscape.precon_lbfgs import precon_lbfgs
from pelkit.landscape.quench import QuenchResult, quench
from pelkit.models import get_model


@pytest.fixture(scope="module")
def ka():
    return get_model("ka-smooth")  # smooth at the cutoff: isolated minima


@pytest.fixture(scope="module")
def starts(ka):
    md = BatchedMD(ka, [kob_andersen_system(180, seed=s) for s in (31, 32)], 0.8, seeds=5)
    md.advance(500)
    return md.systems()


@pytest.fixture(scope="module")
def near_minima(ka, starts):
    """Minima (Python L-BFGS) displaced by 0.01 sigma per coordinate: one basin."""
    rng = np.random.default_rng(8)
    out = []
    for s in starts:
        m = quench(ka, s, method="lbfgs", fmax=1e-10, compiled=False).system
        out.append(m.with_positions(m.positions + rng.normal(0.0, 0.01, m.positions.shape)))
    return out


def naive_matrix(pos, lengths, r_nn, mu, A, r_cut, c_stab):
    """P by the formula, all pairs, minimum image, one entry at a time."""
    n = len(pos)
    p = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            d = pos[i] - pos[j]
            d -= lengths * np.round(d / lengths)
            r = np.sqrt(d @ d)
            if r < r_cut:
                p[i, j] = -mu * np.exp(-A * (r / r_nn - 1.0))
    for i in range(n):
        p[i, i] = -p[i].sum() + mu * c_stab
    return p


def test_matrix_matches_the_formula_and_is_spd(starts):
    s = starts[0]
    lengths = s.box.lengths
    pos = s.positions + 3.0 * lengths  # unwrapped input: the matrix must not depend on it
    r_nn = mean_nearest_neighbour_distance(pos, lengths)
    # r_nn against brute force
    d = s.positions[:, None, :] - s.positions[None, :, :]
    d -= lengths * np.round(d / lengths)
    r = np.sqrt((d**2).sum(-1)) + np.diag(np.full(len(pos), np.inf))
    assert r_nn == pytest.approx(r.min(axis=1).mean(), rel=1e-12)
    mu, A, c_stab = 7.3, 3.0, 0.1
    r_cut = 2.0 * r_nn
    p = exp_precon_matrix(pos, lengths, r_nn, mu, A, r_cut, c_stab).toarray()
    ref = naive_matrix(s.positions, lengths, r_nn, mu, A, r_cut, c_stab)
    np.testing.assert_allclose(p, ref, rtol=1e-12, atol=1e-12 * mu)
    assert np.array_equal(p, p.T)
    eig = np.linalg.eigvalsh(p)
    assert eig.min() > 0.0
    # the smallest eigenvalue is the stabilisation (the translation of a graph Laplacian)
    assert eig.min() == pytest.approx(mu * c_stab, rel=1e-9)


def test_mu_is_the_long_wave_curvature(ka, starts):
    s = starts[1]
    calc = Calculator(ka, s)
    pre = ExpPreconditioner.for_calculator(calc, s.positions, solver="direct")
    v = long_wave_displacement(s.positions, s.box.lengths, 1e-2 * pre.r_nn).reshape(-1)
    h = calc.hessian(s.positions)  # dense Hessian, another code path than hessian_vector
    p1 = naive_matrix(s.positions, s.box.lengths, pre.r_nn, 1.0, 3.0, pre.r_cut, 0.0)
    p1_3n = np.kron(p1, np.eye(3))
    assert pre.mu == pytest.approx((v @ h @ v) / (v @ p1_3n @ v), rel=1e-10)
    assert pre.mu > 0


def test_solve_inverts_the_matrix(ka, starts):
    s = starts[0]
    calc = Calculator(ka, s)
    pre = ExpPreconditioner.for_calculator(calc, s.positions, solver="direct")
    assert pre.update(s.positions.reshape(-1)) is True
    assert pre.update(s.positions.reshape(-1) + 0.01) is False  # moved < r_nn / 2: kept
    rhs = np.random.default_rng(1).normal(size=3 * s.n_particles)
    z = pre.solve(rhs)
    p3 = np.kron(pre.matrix.toarray(), np.eye(3))
    np.testing.assert_allclose(p3 @ z, rhs, rtol=0, atol=1e-10 * np.abs(rhs).max())


def _check_honest(ka, res):
    ev = Calculator(ka, res.system).evaluate()  # independent recomputation
    fmax_true = float(np.sqrt((ev.forces**2).sum(axis=1)).max())
    assert res.minimize.max_force == pytest.approx(fmax_true, rel=1e-6, abs=1e-13)
    assert ev.energy == pytest.approx(res.energy, rel=1e-12)
    assert res.minimize.converged == (fmax_true < res.minimize.fmax)


@pytest.fixture(scope="module")
def reference_minima(ka, near_minima):
    """(plain compiled L-BFGS, FIRE 2.0) minima from each near-minimum start."""
    out = []
    for start in near_minima:
        plain = quench(ka, start, fmax=1e-10)
        fire = quench(ka, start, method="fire2", fmax=1e-10)
        assert plain.minimize.converged and fire.minimize.converged
        out.append((plain, fire))
    return out


@pytest.mark.parametrize("solver", ["direct", "amg"])
def test_preconditioned_lbfgs_reaches_the_plain_lbfgs_and_fire2_minima(
    ka, near_minima, reference_minima, solver
):
    if solver == "amg":
        pytest.importorskip("pyamg", reason="solver 'amg' needs pyamg (pip install pyamg)")
    for start, others in zip(near_minima, reference_minima, strict=True):
        calc = Calculator(ka, start)
        pre = ExpPreconditioner.for_calculator(calc, start.positions, solver=solver)
        assert pre.solver == solver
        m = precon_lbfgs(calc.objective, start.positions.reshape(-1).copy(), pre, fmax=1e-10)
        assert m.method == "lbfgs-precon" and m.converged
        res = QuenchResult(minimize=m, system=start.with_positions(m.positions.reshape(-1, 3)))
        _check_honest(ka, res)
        for other in others:
            assert same_minimum(res.system, res.energy, other.system, other.energy)
            assert res.energy == pytest.approx(other.energy, rel=1e-10)
        # through quench(): the same algorithm with the automatic solver
        via_quench = quench(ka, start, fmax=1e-10, preconditioner="exp")
        assert via_quench.minimize.converged
        assert via_quench.energy == pytest.approx(res.energy, rel=1e-10)


def test_preconditioned_lbfgs_from_the_liquid_is_honest(ka, starts):
    res = quench(ka, starts[0], fmax=1e-10, preconditioner="exp")
    assert res.minimize.converged
    _check_honest(ka, res)
    assert res.minimize.history["precon_builds"] >= 1
    short = quench(ka, starts[0], fmax=1e-10, preconditioner="exp", max_iterations=5)
    assert not short.minimize.converged
    assert short.minimize.stop_reason == "max_iterations" and short.minimize.iterations == 5
    _check_honest(ka, short)


def test_bad_preconditioner_input(ka, starts):
    with pytest.raises(InputError, match="unknown preconditioner"):
        quench(ka, starts[0], preconditioner="jacobi")
    with pytest.raises(InputError, match="needs method 'lbfgs'"):
        quench(ka, starts[0], method="fire2", preconditioner="exp")
    with pytest.raises(InputError, match="solver"):
        ExpPreconditioner(None, 1.0, 1.0, solver="cholmod")
    with pytest.raises(InputError, match="mu"):
        ExpPreconditioner(None, 1.0, -1.0)
