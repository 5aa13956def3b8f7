"""Unit tests of the hypercube model, its lattice master equation and Fokker-Planck operator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.theory import fokker_planck as fp
from pelkit.theory import hypercube as hc
from pelkit.theory import hypercube_master as hm

# ---------------------------------------------------------------------------------------------
# Equilibrium functions
# ---------------------------------------------------------------------------------------------


def test_w_matches_printed_four_term_formula():
    rng = np.random.default_rng(0)
    s = rng.uniform(-0.99, 0.99, 50)
    d = rng.uniform(-0.99, 0.99, 50)
    x, y = (s + d) / 2, (s - d) / 2
    terms = [1 + x + y, 1 + x - y, 1 - x + y, 1 - x - y]
    w4 = math.log(2) - 0.25 * sum(t * np.log(t) for t in terms)
    assert np.allclose(hc.w(x, y), w4, atol=1e-14)
    assert float(hc.w(0.0, 0.0)) == pytest.approx(math.log(2))
    # vertices of the square: a single configuration, w = 0
    for vx, vy in [(1, 0), (-1, 0), (0, 1), (0, -1)]:
        assert float(hc.w(vx, vy)) == pytest.approx(0.0, abs=1e-15)


def test_domain_is_rotated_square():
    # [CORR] of 001-4.8: |x| + |y| <= 1, not |x + y| <= 1
    with pytest.raises(InputError):
        hc.w(0.8, -0.8)  # |x + y| = 0 but |x| + |y| = 1.6
    with pytest.raises(InputError):
        hc.phi(float("nan"), 0.0)
    assert np.isfinite(hc.phi(0.5, -0.5))


def test_separable_form():
    rng = np.random.default_rng(1)
    x = rng.uniform(-0.5, 0.5, 20)
    y = rng.uniform(-0.45, 0.45, 20)
    s, d = x + y, x - y
    direct = x + y - (x - y + 0.2) ** 2 + 0.38 * (x - y + 0.2) ** 3
    assert np.allclose(hc.phi(x, y), s + hc.phi_d(d), atol=1e-15)
    assert np.allclose(hc.phi(x, y), direct, atol=1e-15)
    beta = 0.7
    f = hc.free_energy(x, y, beta)
    split = math.log(2) + (-0.25 * hc.g(s) - beta * s) + hc.h_d(d, beta)
    assert np.allclose(f, split, atol=1e-14)


def test_h_derivatives_by_finite_differences():
    beta = 0.6
    d = np.linspace(-0.95, 0.95, 9)
    eps = 1e-6
    fd1 = (hc.h_d(d + eps, beta) - hc.h_d(d - eps, beta)) / (2 * eps)
    fd2 = (hc.h_d_prime(d + eps, beta) - hc.h_d_prime(d - eps, beta)) / (2 * eps)
    assert np.allclose(hc.h_d_prime(d, beta), fd1, atol=1e-7)
    assert np.allclose(hc.h_d_second(d, beta), fd2, atol=1e-6)


def test_gaussian_coefficients_match_hessian_of_f():
    p = hc.branch_point(0.5, "liquid")
    e11, e12, e22 = hc.gaussian_coefficients(p)
    h = 1e-4

    def f(a, b):
        return float(hc.free_energy(p.x + a, p.y + b, 0.5))

    fxx = (f(h, 0) - 2 * f(0, 0) + f(-h, 0)) / h**2
    fyy = (f(0, h) - 2 * f(0, 0) + f(0, -h)) / h**2
    fxy = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h**2)
    assert e11 == pytest.approx(-fxx / 2, rel=1e-5)
    assert e22 == pytest.approx(-fyy / 2, rel=1e-5)
    assert e12 == pytest.approx(-fxy, rel=1e-5)


def test_branch_existence_and_signs():
    assert hc.branch_point(0.2, "crystal") is None
    liq = hc.branch_point(0.2, "liquid")
    assert liq.d > 0 and liq.h2 < 0
    cry = hc.branch_point(2.0, "crystal")
    assert cry.d < 0 and cry.h2 < 0
    with pytest.raises(InputError):
        hc.branch_point(0.5, "glass")
    with pytest.raises(InputError):
        hc.branch_point(-1.0, "liquid")
    # the stable branch changes at beta_m
    bm = hc.melting_point().beta
    assert hc.equilibrium_point(bm * 0.99).branch == "liquid"
    assert hc.equilibrium_point(bm * 1.01).branch == "crystal"


def test_low_temperature_limits():
    # T -> 0: the liquid goes to the amorphous vertex (0, -1), the crystal to (-1, 0); w -> 0
    liq = hc.branch_point(40.0, "liquid")
    cry = hc.branch_point(40.0, "crystal")
    assert (liq.x, liq.y) == (pytest.approx(0.0, abs=1e-6), pytest.approx(-1.0, abs=1e-6))
    assert (cry.x, cry.y) == (pytest.approx(-1.0, abs=1e-12), pytest.approx(0.0, abs=1e-12))
    assert liq.phi == pytest.approx(-1.78336, abs=1e-5)
    assert cry.phi == pytest.approx(-1.83456, abs=1e-12)
    assert 0 <= cry.w < 1e-10 and 0 <= liq.w < 1e-4


def test_continuation_agrees_with_pointwise():
    betas = np.geomspace(0.05, 3.0, 60)
    for br in hc.BRANCHES:
        cont = hc.continue_branch(betas, br)
        for b, p in zip(betas, cont, strict=True):
            q = hc.branch_point(b, br)
            assert (p is None) == (q is None)
            if p is not None:
                assert p.d == pytest.approx(q.d, abs=1e-12)
    with pytest.raises(InputError):
        hc.continue_branch(np.array([0.5, 0.4]), "liquid")


def test_branch_table_structure():
    tab = hc.branch_table(n=50)
    nb = tab["beta"].size
    assert nb >= 50
    for key in ("liquid_x", "crystal_phi", "liquid_w", "crystal_stable"):
        assert tab[key].shape == (nb,)
    below = tab["beta"] < tab["beta_onset"]
    assert np.all(np.isnan(tab["crystal_x"][below]))
    assert np.all(~np.isnan(tab["liquid_x"]))
    away = ~np.isclose(tab["beta"], tab["beta_melt"], rtol=1e-9)  # tie at beta_m itself
    assert np.all(tab["liquid_stable"][away] == (tab["beta"] < tab["beta_melt"])[away])
    assert np.all(tab["crystal_stable"][away] == (tab["beta"] > tab["beta_melt"])[away])
    # s = -tanh(2 beta) on both branches
    ok = ~np.isnan(tab["crystal_s"])
    assert np.allclose(tab["crystal_s"][ok], -np.tanh(2 * tab["beta"][ok]), atol=1e-15)


def test_ou_spectrum():
    o = hc.ou_rates(0.2)
    spec = o.spectrum(2)
    assert spec[0] == 0.0
    assert spec[1] == pytest.approx(o.rate_d)
    assert spec.size == 9
    assert hc.ou_rates(0.2, "crystal") is None


# ---------------------------------------------------------------------------------------------
# Lattice master equation
# ---------------------------------------------------------------------------------------------


def test_lattice_geometry():
    lat = hm.lattice(8)
    assert lat.size == 25
    assert np.all(np.abs(lat.x) + np.abs(lat.y) <= 1 + 1e-15)
    assert np.allclose(lat.s, lat.x + lat.y) and np.allclose(lat.d, lat.x - lat.y)
    # sum of W over all classes = 2^D vertices
    assert np.exp(lat.log_w).sum() == pytest.approx(2.0**8)
    assert lat.index(lat.n[7], lat.n1[7]) == 7
    with pytest.raises(InputError):
        lat.index(8, 0)


def test_generator_conserves_probability_and_edge_counts():
    D, beta = 10, 0.4
    G = hm.generator(beta, D)
    assert np.allclose(np.asarray(G.sum(axis=0)).ravel(), 0.0, atol=1e-12)
    # at beta = 0 limit (tiny beta) each vertex has D edges: total escape rate ~ D B
    G0 = hm.generator(1e-12, D)
    assert np.allclose(-G0.diagonal(), D, rtol=1e-9)


def test_symmetrised_generator_is_similar():
    D, beta = 12, 0.5
    G = hm.generator(beta, D).toarray()
    S = hm.symmetrised_generator(beta, D).toarray()
    assert np.allclose(S, S.T, atol=1e-13)
    q = np.exp(hm.log_stationary(beta, D))
    Sd = np.diag(q**-0.5) @ (-G) @ np.diag(q**0.5)
    assert np.allclose(S, Sd, atol=1e-9 * np.abs(S).max())


def test_sparse_and_dense_lowest_rates_agree():
    D, beta = 46, 0.3  # 576 states: the sparse path
    sparse = hm.lowest_rates(beta, D, 5)
    dense = np.linalg.eigvalsh(hm.symmetrised_generator(beta, D).toarray())[:5]
    assert np.allclose(sparse, dense, atol=1e-10)
    assert np.allclose(hm.factorised_rates(beta, D, 5), dense, atol=1e-10)


def test_bad_lattice_input():
    with pytest.raises(InputError):
        hm.generator(0.5, 7)
    with pytest.raises(InputError):
        hm.generator(0.0, 8)
    with pytest.raises(InputError):
        hm.chain_rates(0.5, 8, "q")


# ---------------------------------------------------------------------------------------------
# Fokker-Planck operator
# ---------------------------------------------------------------------------------------------


def test_fp_detailed_balance_exact():
    for chain in ("s", "d"):
        k_up, k_dn, log_pi, _ = fp.fp_chain_rates_matrix(0.5, 300.0, chain, 200)
        lhs = np.log(k_up) + log_pi[:-1]
        rhs = np.log(k_dn) + log_pi[1:]
        ok = np.isfinite(lhs) & np.isfinite(rhs)
        assert np.max(np.abs(lhs[ok] - rhs[ok])) < 1e-9
        assert fp.fp_stationary_residual(0.5, 300.0, chain, 200) < 1e-12


def test_fp_two_dimensional_operator_factorises():
    S, lp = fp.fp_generator_2d(0.2, 100.0, 24, 30)
    assert S.shape == (720, 720)
    assert np.exp(lp).sum() == pytest.approx(1.0)
    full = np.linalg.eigvalsh(S.toarray())[:6]
    ls = fp.fp_chain_lowest(0.2, 100.0, "s", 6, 24)
    ld = fp.fp_chain_lowest(0.2, 100.0, "d", 6, 30)
    combo = np.sort((ls[:, None] + ld[None, :]).ravel())[:6]
    assert np.allclose(full, combo, atol=1e-9)
    sparse = fp.fp_lowest_rates_2d(0.2, 100.0, 6, 24, 30)
    assert np.allclose(sparse, full, atol=1e-8)


def test_fp_pure_diffusion_limit():
    """beta -> 0, large D: the s-chain FP approaches the free-spin rate 2B (mobility [CORR])."""
    r = fp.fp_chain_lowest(1e-9, 4000.0, "s", 3)
    assert r[1] == pytest.approx(2.0, rel=2e-3)
    assert r[2] == pytest.approx(4.0, rel=4e-3)


def test_fp_bad_input():
    with pytest.raises(InputError):
        fp.fp_chain_lowest(0.5, -1.0, "d")
    with pytest.raises(InputError):
        fp.fp_chain_lowest(0.5, 100.0, "d", 3, 2)


def test_rate_comparison_structure():
    c = fp.rate_comparison(0.5, [20, 100], k=3)
    assert c["master"].shape == (2, 3) and c["fokker_planck"].shape == (2, 3)
    assert set(c["ou"]) == {"liquid", "crystal"}
    assert c["barrier_top"] == pytest.approx(2.30015, abs=1e-5)


def test_stationary_peak_matches_lattice_argmax():
    for beta, D in [(0.2, 30), (0.9, 24)]:
        lq = hm.log_stationary(beta, D)
        lat = hm.lattice(D)
        i = int(np.argmax(lq))
        pk = hm.stationary_peak(beta, D)
        assert (pk["n"], pk["n1"]) == (lat.n[i], lat.n1[i])
        assert pk["probability"] == pytest.approx(math.exp(lq[i]), rel=1e-12)
