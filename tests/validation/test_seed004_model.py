"""Seed 004 landscape/diffusivity model against SCIENCE.md section 5.4-5.5 [RECOMP] numbers,
brute-force sums, and synthetic-data recovery of the collapse fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.analysis.gaussian_landscape import GaussianLandscape
from pelkit.analysis.landscape_diffusion import (
    DiffusivityModel,
    landscape_D,
    model_check_table,
    model_D_moments,
)
from pelkit.analysis.local_diffusivity import (
    coefficients_from_landscape,
    collapse,
    derived_from_coefficients,
    fit_collapse,
)

# seed 004 [SEED] parameters
B, ALPHA, E0, SIGMA2, N, D_INF = 1.85, 0.78, -1140.0, 18.0, 155, 0.155
TEMPS = [0.446, 0.47, 0.50, 0.55, 0.60, 0.65]

# SCIENCE.md section 5.5 model-check table [RECOMP]:
# T, <e_IS>, s_c(<e>), f(<e>), D(T) eq 5, <D><1/D> cut 3 sigma_e, cut 4 sigma_e
TABLE = [
    (0.446, -7.61522, 0.48810, 3.7902, 4.291e-5, 5.57, 27.8),
    (0.47, -7.60192, 0.51715, 3.5773, 9.278e-5, 2.67, 3.68),
    (0.50, -7.58710, 0.54774, 3.3775, 2.012e-4, 1.75, 1.89),
    (0.55, -7.56598, 0.58805, 3.1460, 5.304e-4, 1.31, 1.34),
    (0.60, -7.54839, 0.61871, 2.9901, 1.077e-3, 1.16, 1.17),
    (0.65, -7.53350, 0.64257, 2.8791, 1.850e-3, 1.10, 1.10),
]


def landscape():
    return GaussianLandscape.from_totals(ALPHA, E0, SIGMA2, N)


def model():
    return DiffusivityModel.from_landscape(landscape(), B, D_INF)


def agrees_to_printed_decimals(value, printed, decimals):
    return abs(value - printed) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


def agrees_to_printed_sig_figs(value, printed, sig):
    scale = 10.0 ** (math.floor(math.log10(abs(printed))) - sig + 1)
    return abs(value - printed) <= 0.5 * scale * (1 + 1e-9)


def test_corrected_eq4_coefficients_and_kauzmann_point():
    a = coefficients_from_landscape(landscape(), B)
    assert agrees_to_printed_decimals(a[0], 0.421622, 6)
    assert agrees_to_printed_decimals(a[1], 2.327327, 6)
    assert agrees_to_printed_decimals(a[2], -7.354839, 6)
    lan = landscape()
    assert agrees_to_printed_decimals(lan.e_K, -7.78047, 5)
    assert agrees_to_printed_decimals(lan.T_K, 0.27284, 5)
    assert agrees_to_printed_decimals(lan.sigma2_int, 0.11613, 5)
    assert agrees_to_printed_decimals(lan.sigma_e, 0.02737, 5)
    # the model's own pole equals the landscape's e_K; T_K is where s_c(<e>(T)) = 0
    assert model().e_K == pytest.approx(lan.e_K, abs=1e-12)
    assert lan.s_c(lan.mean_e(lan.T_K)) == pytest.approx(0.0, abs=1e-12)
    # and the inversion returns the seed's parameters
    d = derived_from_coefficients(a, SIGMA2, N)
    assert d["B"] == pytest.approx(B, rel=1e-12)
    assert d["alpha"] == pytest.approx(ALPHA, rel=1e-12)
    assert d["E0"] == pytest.approx(E0, rel=1e-12)
    assert d["e_K"] == pytest.approx(lan.e_K, abs=1e-12)


def test_model_check_table_to_printed_digits():
    rows = model_check_table(landscape(), B, D_INF, TEMPS, cuts=(3.0, 4.0))
    for row, ref in zip(rows, TABLE, strict=True):
        T, mean_e, sc, f, d5, p3, p4 = ref
        assert row["T"] == T
        assert agrees_to_printed_decimals(row["mean_e"], mean_e, 5), row
        assert agrees_to_printed_decimals(row["s_c"], sc, 5), row
        assert agrees_to_printed_decimals(row["f"], f, 4), row
        assert agrees_to_printed_sig_figs(row["D_eq5"], d5, 4), row
        assert agrees_to_printed_sig_figs(row["DinvD_cut3"], p3, 3), row
        assert agrees_to_printed_sig_figs(row["DinvD_cut4"], p4, 3), row
    # the model spans a factor ~43 in D over the range (SCIENCE.md section 5.5)
    assert rows[-1]["D_eq5"] / rows[0]["D_eq5"] == pytest.approx(43, abs=0.5)


def _riemann(fun, lo, hi, n=2_000_001):
    e = np.linspace(lo, hi, n)
    mid = 0.5 * (e[1:] + e[:-1])
    return float(np.sum(fun(mid)) * (e[1] - e[0]))


@pytest.mark.parametrize("T", [0.446, 0.55, 0.65])
def test_eq5_quadrature_against_brute_force_sum(T):
    lan, mod = landscape(), model()
    m, s = float(lan.mean_e(T)), lan.sigma_e

    def integrand(e):
        return mod.D(e, T) * lan.pdf(e, T, mean=m)

    # brute force over a range wider than the quadrature's, with D = 0 below e_K built in
    brute = _riemann(integrand, m - 20 * s, m + 20 * s)
    assert landscape_D(mod, T, m, s) == pytest.approx(brute, rel=1e-7)


@pytest.mark.parametrize("T,k", [(0.446, 3.0), (0.446, 4.0), (0.50, 4.0)])
def test_D_moments_against_brute_force_sum(T, k):
    lan, mod = landscape(), model()
    m, s = float(lan.mean_e(T)), lan.sigma_e
    lo, hi = m - k * s, m + 12 * s
    Z = _riemann(lambda e: lan.pdf(e, T, mean=m), lo, hi)
    mD = _riemann(lambda e: mod.D(e, T) * lan.pdf(e, T, mean=m), lo, hi) / Z
    mI = _riemann(lambda e: lan.pdf(e, T, mean=m) / mod.D(e, T), lo, hi) / Z
    mom = model_D_moments(mod, T, m, s, cut_sigma=k)
    assert mom.mean_D == pytest.approx(mD, rel=1e-7)
    assert mom.mean_inv_D == pytest.approx(mI, rel=1e-7)
    assert mom.cut_sigma == k and mom.e_cut == pytest.approx(lo)


def test_inverse_D_diverges_without_cut():
    lan, mod = landscape(), model()
    m = float(lan.mean_e(0.5))
    mom = model_D_moments(mod, 0.5, m, lan.sigma_e, cut_sigma=None)
    assert math.isinf(mom.mean_inv_D) and math.isinf(mom.product)
    # a cut below e_K keeps the divergence
    deep = (m - lan.e_K) / lan.sigma_e + 1.0
    assert math.isinf(model_D_moments(mod, 0.5, m, lan.sigma_e, cut_sigma=deep).product)
    # the product grows with the cut depth (low-T values depend strongly on it)
    p = [model_D_moments(mod, 0.446, float(lan.mean_e(0.446)), lan.sigma_e, cut_sigma=k).product
         for k in (2.0, 3.0, 4.0, 5.0)]
    assert np.all(np.diff(p) > 0)


def test_printed_eq4_with_total_entropy_gives_nearly_constant_D():
    # [CORR] SCIENCE.md section 5.4: with f = B / S_conf(total), D(T) stays within 0.146-0.151
    lan = landscape()
    a_total_per_particle = DiffusivityModel(ALPHA * N / B, N**2 / (2 * SIGMA2 * B), lan.e0, D_INF)
    d = [landscape_D(a_total_per_particle, T, float(lan.mean_e(T)), lan.sigma_e) for T in TEMPS]
    assert 0.146 <= min(d) and max(d) <= 0.151
    assert max(d) / min(d) < 1.05


def _synthetic(seed, noise, n_per_T):
    rng = np.random.default_rng(seed)
    lan, mod = landscape(), model()
    T = np.repeat(TEMPS, n_per_T)
    e = rng.normal(lan.mean_e(T), lan.sigma_e)
    D = mod.D(e, T) * np.exp(rng.normal(0.0, noise, T.size))
    return collapse(T, D, e, D_INF)


def test_fit_recovers_known_coefficients_and_bootstrap_covers_truth():
    truth = model().a
    data = _synthetic(seed=3, noise=0.3, n_per_T=300)
    assert data.n_excluded == 0
    fit = fit_collapse(data.e, data.y, T=data.T, n_boot=200, seed=17)
    assert fit.converged and fit.n_boot_failed == 0 and fit.stratified and fit.seed == 17
    assert np.all(fit.ci_low <= truth) and np.all(truth <= fit.ci_high)
    assert np.all(np.abs(fit.a - truth) < 3 * fit.boot_std)
    # bootstrap and fit-covariance errors agree for this well-behaved problem
    np.testing.assert_allclose(fit.boot_std, fit.a_err, rtol=0.3)
    derived = fit.derived(SIGMA2, N)
    assert derived["B"]["low"] <= B <= derived["B"]["high"]
    assert derived["alpha"]["low"] <= ALPHA <= derived["alpha"]["high"]
    assert derived["e_K"]["low"] <= landscape().e_K <= derived["e_K"]["high"]


def test_fit_is_exact_for_noise_free_data():
    truth = model().a
    data = _synthetic(seed=4, noise=0.0, n_per_T=50)
    fit = fit_collapse(data.e, data.y, n_boot=0)
    # the polynomial start is already exact: 1/f is exactly quadratic in e
    np.testing.assert_allclose(fit.a_start, truth, rtol=1e-7)
    np.testing.assert_allclose(fit.a, truth, rtol=1e-9)
    assert fit.rms < 1e-10
