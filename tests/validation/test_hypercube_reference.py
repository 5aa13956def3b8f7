"""Stillinger's hypercube model against the reference numbers of SCIENCE.md §7 (seed 001).

Every [RECOMP]/[SEED] value of §7 is checked to the printed digits; the equilibrium maxima are
also checked against a brute-force 2-D maximisation of the printed (non-separated) formulas, and
the master-equation spectrum against its exact factorisation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import gammaln

from pelkit.theory import fokker_planck as fp
from pelkit.theory import hypercube as hc
from pelkit.theory import hypercube_master as hm

BETA_M = 0.773150

# (beta, branch) -> (x, y, phi, w), SCIENCE.md §7 table [RECOMP]
TABLE = {
    ("melt", "liquid"): (-0.026125, -0.887048, -1.584961, 0.215545),
    ("melt", "crystal"): (-0.955830, 0.042657, -1.744215, 0.092417),
    (0.2, "liquid"): (-0.056104, -0.323845, -0.559844, 0.637992),
    (0.5, "liquid"): (-0.028507, -0.733087, -1.298588, 0.392025),
    (0.5, "crystal"): (-0.869709, 0.108115, -1.545428, 0.213139),
    (1.0, "liquid"): (-0.020027, -0.944001, -1.687769, 0.125836),
    (1.0, "crystal"): (-0.981924, 0.017896, -1.798168, 0.045512),
}


def _naive_f(xy: np.ndarray, beta: float) -> float:
    """w - beta*phi straight from the printed formulas 001-4.10 and 4.11 (no separation)."""
    x, y = xy
    terms = [1 + x + y, 1 + x - y, 1 - x + y, 1 - x - y]
    if min(terms) <= 0:
        return -np.inf
    w = math.log(2) - 0.25 * sum(t * math.log(t) for t in terms)
    phi = x + y - (x - y + 0.2) ** 2 + 0.38 * (x - y + 0.2) ** 3
    return w - beta * phi


def test_vertex_energies_seed():
    # 001-4.12 and 4.15 [SEED]
    assert float(hc.phi(-1.0, 0.0)) == pytest.approx(-1.83456, abs=5e-12)
    assert float(hc.phi(0.0, -1.0)) == pytest.approx(-1.78336, abs=5e-12)


def test_crystal_onset():
    on = hc.crystal_onset()
    assert round(on.beta, 6) == 0.336429
    assert round(on.temperature, 5) == 2.97239
    assert round(on.x, 5) == -0.66014
    assert round(on.y, 5) == 0.07328
    # a genuine saddle-node: h' = h'' = 0 there
    assert abs(float(hc.h_d_prime(on.d, on.beta))) < 1e-12
    assert abs(float(hc.h_d_second(on.d, on.beta))) < 1e-10
    # no crystal maximum just below, one just above
    assert hc.branch_point(on.beta - 1e-4, "crystal") is None
    assert hc.branch_point(on.beta + 1e-4, "crystal") is not None


def test_melting_point():
    m = hc.melting_point()
    assert round(m.beta, 6) == BETA_M
    assert round(m.temperature, 6) == 1.293410
    assert round(m.free_energy, 6) == 1.440957
    assert m.liquid.free_energy == pytest.approx(m.crystal.free_energy, abs=1e-12)
    assert round(m.d_saddle, 6) == -0.292564
    assert round(m.barrier, 6) == 0.313898


@pytest.mark.parametrize("key", sorted(TABLE, key=str))
def test_branch_table(key):
    beta = hc.melting_point().beta if key[0] == "melt" else key[0]
    p = hc.branch_point(beta, key[1])
    assert p is not None
    x, y, phi, w = TABLE[key]
    assert (round(p.x, 6), round(p.y, 6), round(p.phi, 6), round(p.w, 6)) == (x, y, phi, w)


def test_fig4_coexistence_relation():
    # SCIENCE.md §9a: dw = beta_m dphi (0.12313 = 0.77315 x 0.15925)
    m = hc.melting_point()
    dphi = m.liquid.phi - m.crystal.phi
    dw = m.liquid.w - m.crystal.w
    assert round(dphi, 5) == 0.15925
    assert round(dw, 5) == 0.12313
    assert dw == pytest.approx(m.beta * dphi, abs=1e-12)


@pytest.mark.parametrize("beta", [0.1, 0.2, 0.5, 1.0, 2.0])
def test_s_star_against_brute_force_2d(beta):
    """Global maximum of the printed w - beta*phi by grid search + Nelder-Mead in (x, y)."""
    g = np.linspace(-1, 1, 401)
    X, Y = np.meshgrid(g, g, indexing="ij")
    inside = np.abs(X) + np.abs(Y) < 1 - 1e-9
    F = np.full(X.shape, -np.inf)
    xi, yi = X[inside], Y[inside]
    terms = [1 + xi + yi, 1 + xi - yi, 1 - xi + yi, 1 - xi - yi]
    w = math.log(2) - 0.25 * sum(t * np.log(t) for t in terms)
    F[inside] = w - beta * (xi + yi - (xi - yi + 0.2) ** 2 + 0.38 * (xi - yi + 0.2) ** 3)
    i = np.unravel_index(np.argmax(F), F.shape)
    res = minimize(
        lambda v: -_naive_f(v, beta),
        [X[i], Y[i]],
        method="Nelder-Mead",
        options={"xatol": 1e-11, "fatol": 1e-15, "maxiter": 20000},
    )
    x, y = res.x
    assert x + y == pytest.approx(-math.tanh(2 * beta), abs=1e-7)
    eq = hc.equilibrium_point(beta)
    assert (x, y) == (pytest.approx(eq.x, abs=1e-7), pytest.approx(eq.y, abs=1e-7))
    assert -res.fun == pytest.approx(eq.free_energy, abs=1e-12)


def test_metastable_crystal_against_local_maximisation():
    beta = 0.5
    res = minimize(
        lambda v: -_naive_f(v, beta),
        [-0.85, 0.1],
        method="Nelder-Mead",
        options={"xatol": 1e-11, "fatol": 1e-15, "maxiter": 20000},
    )
    p = hc.branch_point(beta, "crystal")
    assert res.x[0] == pytest.approx(p.x, abs=1e-7)
    assert res.x[1] == pytest.approx(p.y, abs=1e-7)


def test_ou_rates_reference():
    r = hc.ou_rates(0.2, "liquid")
    assert round(r.rate_d, 5) == 1.35621
    assert round(r.rate_s, 5) == 2.16214
    assert round(2 * math.cosh(2 * 0.5), 5) == 3.08616
    assert round(hc.ou_rates(0.5, "liquid").rate_d, 5) == 2.90701
    assert round(hc.ou_rates(0.5, "crystal").rate_d, 5) == 7.96913
    assert round(hc.barrier_top_rate(0.5), 5) == 2.30015
    # the same rates from eig(M H) in (x, y) with the corrected mobility (5.8, 5.10 [CORR])
    for beta, br in [(0.2, "liquid"), (0.5, "liquid"), (0.5, "crystal")]:
        o = hc.ou_rates(beta, br)
        xy = hc.ou_rates_xy(hc.branch_point(beta, br))
        assert np.allclose(xy, sorted([o.rate_d, o.rate_s]), rtol=1e-12)


def test_gaussian_equilibrium_covariance():
    """D Cov(x, y) of the exact lattice Q_eq -> H^{-1}, H = [[2E11, E12], [E12, 2E22]] (5.7-5.8)."""
    beta, D = 0.2, 4000
    h = D // 2
    k = np.arange(h + 1)
    u = 4.0 * k / D - 1.0
    lw = gammaln(h + 1) - gammaln(k + 1) - gammaln(h - k + 1)
    moments = {}
    for name, energy in (("s", u), ("d", hc.phi_d(u))):
        a = lw - beta * D * energy
        p = np.exp(a - a.max())
        p /= p.sum()
        mu = float(p @ u)
        moments[name] = (mu, float(p @ (u - mu) ** 2))
    vs, vd = moments["s"][1], moments["d"][1]
    cov = np.array([[vs + vd, vs - vd], [vs - vd, vs + vd]]) / 4.0
    pt = hc.branch_point(beta, "liquid")
    e11, e12, e22 = hc.gaussian_coefficients(pt)
    H = np.array([[2 * e11, e12], [e12, 2 * e22]])
    assert np.allclose(D * cov, np.linalg.inv(H), rtol=0, atol=3e-3)
    assert moments["s"][0] == pytest.approx(pt.s, abs=1e-9)
    assert moments["d"][0] == pytest.approx(pt.d, abs=2e-3)


# ----------------------------------------------------------------------------------------------
# Exact master equation
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta,D", [(0.2, 40), (0.5, 40), (0.773150, 20)])
def test_spectrum_factorises(beta, D):
    """Full lattice spectrum (dense) == sorted {lambda_s + lambda_d} of the two chains."""
    S = hm.symmetrised_generator(beta, D).toarray()
    full = np.linalg.eigvalsh(S)
    ds, os_ = hm.chain_tridiagonal(beta, D, "s")
    dd, od = hm.chain_tridiagonal(beta, D, "d")
    ls = np.linalg.eigvalsh(np.diag(ds) + np.diag(os_, 1) + np.diag(os_, -1))
    ld = np.linalg.eigvalsh(np.diag(dd) + np.diag(od, 1) + np.diag(od, -1))
    combo = np.sort((ls[:, None] + ld[None, :]).ravel())
    assert np.allclose(full, combo, atol=1e-10 * full.max())


@pytest.mark.parametrize("beta", [0.2, 0.5])
def test_s_chain_free_spins(beta):
    D = 60
    ds, os_ = hm.chain_tridiagonal(beta, D, "s")
    ls = np.linalg.eigvalsh(np.diag(ds) + np.diag(os_, 1) + np.diag(os_, -1))
    assert np.allclose(ls, np.arange(D // 2 + 1) * 2 * math.cosh(2 * beta), atol=1e-11)


def test_slowest_rates_beta_02():
    assert round(hm.lowest_rates(0.2, 40, 3)[1], 5) == 0.96622
    assert round(hm.lowest_rates(0.2, 100, 3)[1], 5) == 1.15855
    assert round(hm.factorised_rates(0.2, 400, 3)[1], 5) == 1.31256
    assert round(hm.chain_rates(0.2, 4000, "d", 2)[1], 5) == 1.35202
    # O(1/D) approach to the OU rate 1.35621
    errs = [1.356209509932169 - hm.factorised_rates(0.2, D, 2)[1] for D in (100, 400, 4000)]
    assert errs[0] > errs[1] > errs[2] > 0
    assert errs[1] * 400 == pytest.approx(errs[2] * 4000, rel=0.1)


def test_slowest_rates_beta_05():
    r40 = hm.lowest_rates(0.5, 40, 3)
    assert float(f"{r40[1]:.3g}") == 8.07e-3
    assert float(f"{hm.lowest_rates(0.5, 100, 3)[1]:.3g}") == 2.33e-5
    # D = 400: the hop is below machine precision (relative to the rate scale)
    assert abs(hm.chain_rates(0.5, 400, "d", 2)[1]) < 1e-12
    # D = 20000 d-chain: zero, the unresolved hop, then barrier-top and liquid-well rates
    d = hm.chain_rates(0.5, 20000, "d", 4)
    assert abs(d[1]) < 1e-9
    assert round(d[2], 5) == 2.29995
    assert round(d[3], 5) == 2.90623


def test_stationary_state_and_detailed_balance():
    for beta, D in [(0.2, 40), (0.5, 100), (BETA_M, 40)]:
        assert hm.stationary_residual(beta, D) < 1e-12
        assert hm.detailed_balance_log_error(beta, D) < 1e-12


def test_stationary_peak_on_crystal_vertex_at_melting():
    # SCIENCE.md §7: finite D shifts the peak; at beta_m with D = 40 it sits on the crystal vertex
    pk = hm.stationary_peak(hc.melting_point().beta, 40)
    assert (pk["x"], pk["y"]) == (-1.0, 0.0)


# ----------------------------------------------------------------------------------------------
# Fokker-Planck with the corrected mobility
# ----------------------------------------------------------------------------------------------


def test_fokker_planck_approaches_master_and_ou():
    ou = hc.ou_rates(0.2, "liquid").rate_d
    Ds = [40, 400, 4000]
    fp_r = [fp.fp_lowest_rates(0.2, D, 2)[1] for D in Ds]
    me_r = [hm.factorised_rates(0.2, D, 2)[1] for D in Ds]
    gaps = [abs(a - b) for a, b in zip(fp_r, me_r, strict=True)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-3
    assert abs(fp_r[2] - ou) < 5e-3
    assert abs(fp.fp_lowest_rates(0.2, 20000, 2)[1] - ou) < 2e-3
    # the s-direction rate approaches 2 cosh(2 beta)
    assert fp.fp_chain_lowest(0.2, 4000, "s", 2)[1] == pytest.approx(2 * math.cosh(0.4), rel=1e-3)


def test_fokker_planck_rates_are_order_one():
    """Corrected mobility: rates independent of D (the printed D^-2 would scale them as 1/D)."""
    # beta = 0.5, d-chain: [0, hop ~ 0, barrier top, liquid well]
    r = np.array([fp.fp_chain_lowest(0.5, D, "d", 4)[2:] for D in (1000, 4000)])
    assert np.allclose(r[0], r[1], rtol=0.01)
    assert np.allclose(r[1], [2.30015, 2.90701], rtol=0.01)
