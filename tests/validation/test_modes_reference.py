"""pelkit.modes against independent values: Bloch spectrum of a spring lattice, the generalized
eigenproblem H v = lambda M v, an analytically solvable cubic model, and barrier stationarity.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "modes"))

from toy_systems import (  # noqa: E402
    perturbed,
    sc_lattice_spectrum,
    soft_sphere_glass,
    spring_network,
)

from pelkit.modes.inm import unstable_fraction  # noqa: E402
from pelkit.modes.nonlinear import cubic_barrier, cubic_nonlinear_mode  # noqa: E402
from pelkit.modes.normal import (  # noqa: E402
    TranslationComplement,
    all_modes,
    lowest_modes,
    translation_basis,
)


def test_spring_lattice_matches_bloch_spectrum():
    # SC lattice, 4^3 sites, NN springs k1 = 1 and NNN springs k2 = 0.5, all masses 2
    cells, k1, k2, mass = 4, 1.0, 0.5, 2.0
    toy, x = spring_network(cells=cells, k1=k1, k2=k2)
    m = np.full(toy.n, mass)
    ref = sc_lattice_spectrum(cells, k1, k2, mass)
    assert np.allclose(ref[:3], 0.0, atol=1e-12)  # q = 0 acoustic modes = translations
    modes = all_modes(toy.hessian(x), m)
    assert np.allclose(modes.eigenvalues, ref[3:], atol=1e-11)
    low = lowest_modes(sp.csr_matrix(toy.hessian(x)), m, 9)
    assert np.allclose(low.eigenvalues, ref[3:12], atol=1e-10)
    # by hand: at q = (pi/2, 0, 0) D(q) = diag(2 k1 + 4 k2, 2 k2, 2 k2) (1 - cos q), so the
    # transverse branch gives lambda = 2 k2 / m = 0.5, 12-fold (6 q-vectors x 2 polarisations)
    assert np.allclose(modes.eigenvalues[:12], 2 * k2 / mass, atol=1e-12)
    assert modes.eigenvalues[12] > 2 * k2 / mass + 0.1


def test_unequal_masses_match_generalized_eigenproblem():
    toy, x = soft_sphere_glass()
    m = np.random.default_rng(11).uniform(0.5, 2.0, size=toy.n)
    hess = toy.hessian(x)
    mdiag = np.repeat(m, 3)
    lam_g, v_g = sla.eigh(hess, np.diag(mdiag))  # H v = lambda M v, v^T M v = 1
    order = np.argsort(np.abs(lam_g))
    zero = order[:3]
    keep = np.sort(order[3:])
    assert np.max(np.abs(lam_g[zero])) < 1e-9
    modes = all_modes(hess, m)
    assert np.allclose(modes.eigenvalues, lam_g[keep], rtol=1e-10, atol=1e-9)
    u = modes.displacements()  # Cartesian u = e / sqrt(m) must equal v up to sign
    v = v_g[:, keep]
    signs = np.sign(np.sum(u * v, axis=0))
    assert np.max(np.abs(u - v * signs)) < 1e-8
    low = lowest_modes(sp.csr_matrix(hess), m, 8)
    assert np.allclose(low.eigenvalues, lam_g[keep][:8], rtol=1e-10)


def test_unstable_fraction_matches_direct_count():
    toy, x = soft_sphere_glass()
    hess = toy.hessian(perturbed(x, 0.04, 8))
    lam = np.linalg.eigvalsh(hess)  # equal masses: H^M = H; translations at |lambda| ~ 1e-13
    direct = np.count_nonzero(lam < -1e-8) / (3 * toy.n - 3)
    assert direct > 0
    assert unstable_fraction(all_modes(hess, np.ones(toy.n))) == pytest.approx(direct)


def _decoupled_cubic_model(n: int, seed: int):
    """H = E diag(lam) E^T and U:vv = E (tau * (E^T v)^2) on the complement of translations."""
    rng = np.random.default_rng(seed)
    comp = TranslationComplement(np.ones(n))
    q, _ = np.linalg.qr(rng.normal(size=(3 * n - 3, 3 * n - 3)))
    e = comp.expand(q)  # orthonormal, orthogonal to the uniform translations
    lam = rng.uniform(1.0, 5.0, size=3 * n - 3)
    tau = rng.uniform(0.5, 2.0, size=3 * n - 3) * rng.choice([-1.0, 1.0], size=3 * n - 3)
    hess = e @ np.diag(lam) @ e.T

    def uvv(v):
        return e @ (tau * (e.T @ v) ** 2)

    return hess, uvv, e, lam, tau


def test_nonlinear_modes_of_decoupled_cubic_model():
    # U = sum_j lam_j q_j^2 / 2 + tau_j q_j^3 / 6: every e_j solves H pi = (kappa/tau) U:pi pi
    # with kappa = lam_j, tau = tau_j, and attracts the iteration (pi_j' ~ tau_j pi_j^2 / lam_j)
    hess, uvv, e, lam, tau = _decoupled_cubic_model(8, seed=3)
    rng = np.random.default_rng(4)
    for j in (0, 5, 17):
        start = e[:, j] + 0.05 * rng.normal(size=e.shape[0])
        res = cubic_nonlinear_mode(hess, uvv, start)
        assert res.converged and res.iterations < 20
        assert np.max(np.abs(res.mode - e[:, j])) < 1e-10
        assert res.kappa == pytest.approx(lam[j], rel=1e-10)
        assert res.tau == pytest.approx(tau[j], rel=1e-10)
        assert res.barrier == pytest.approx(2.0 / 3.0 * lam[j] ** 3 / tau[j] ** 2, rel=1e-10)
        assert res.residual < 1e-9


def test_nonlinear_mode_makes_cubic_barrier_stationary():
    # B(pi) = (2/3) kappa^3 / tau^2 is scale invariant; at a non-linear mode its derivative along
    # every direction vanishes (seed 003 eq 5 is the stationarity condition)
    toy, x = soft_sphere_glass()
    modes = all_modes(toy.hessian(x), np.ones(toy.n))

    def barrier(p):
        return cubic_barrier(p @ toy.hvp(x, p), p @ toy.third_order_vv(x, p))

    res = cubic_nonlinear_mode(
        toy.hessian(x), lambda v: toy.third_order_vv(x, v), modes.displacements()[:, 0]
    )
    assert res.converged
    rng = np.random.default_rng(9)
    t = translation_basis(np.ones(toy.n))
    h = 1e-5
    start = modes.displacements()[:, 0] / np.linalg.norm(modes.displacements()[:, 0])
    slopes_mode, slopes_start = [], []
    for _ in range(5):
        d = rng.normal(size=res.mode.size)
        d -= t @ (t.T @ d)
        d /= np.linalg.norm(d)
        for p, out in ((res.mode, slopes_mode), (start, slopes_start)):
            out.append(abs(barrier(p + h * d) - barrier(p - h * d)) / (2 * h) / barrier(p))
    assert max(slopes_mode) < 1e-5
    assert max(slopes_start) > 1e-2
