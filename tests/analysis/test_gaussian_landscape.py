"""Unit tests of the Gaussian-landscape / local-diffusivity analysis (seed 004)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from pelkit.analysis.gaussian_landscape import (
    GaussianLandscape,
    fit_gaussian,
    fit_mean_energy,
    per_trajectory_mean_energy,
    sigma2_from_width,
)
from pelkit.analysis.landscape_diffusion import (
    DiffusivityModel,
    data_D_moments,
    landscape_D,
    model_D_moments,
    semi_empirical_D,
)
from pelkit.analysis.local_diffusivity import (
    collapse,
    derived_from_coefficients,
    f_of_e,
    fit_collapse,
    landscape_from_coefficients,
    per_trajectory_sc,
    polynomial_start,
)
from pelkit.analysis.relations import (
    D_INF_KA_PUBLISHED,
    fit_arrhenius,
    fit_D_vs_fu,
    fit_line,
    fit_S_vs_ln_fu,
)
from pelkit.errors import InputError

LAN = GaussianLandscape.from_totals(0.78, -1140.0, 18.0, 155)


def test_per_particle_conventions():
    assert LAN.e0 == pytest.approx(-1140 / 155)
    assert LAN.E0 == pytest.approx(-1140)
    assert LAN.sigma2_int == pytest.approx(18 / 155)
    assert LAN.sigma_e == pytest.approx(math.sqrt(18) / 155)
    assert LAN.s_c(LAN.e0) == pytest.approx(0.78)
    assert LAN.s_c(LAN.e_K) == pytest.approx(0.0, abs=1e-12)
    assert LAN.s_c(LAN.e_upper) == pytest.approx(0.0, abs=1e-12)
    e = np.linspace(-7.7, -7.4, 7)
    np.testing.assert_allclose(LAN.S_conf_total(155 * e), 155 * LAN.s_c(e), rtol=1e-12)
    d = LAN.as_dict()
    assert d["e_K"] == LAN.e_K and d["T_K"] == LAN.T_K


def test_equilibrium_distribution_is_boltzmann_weighted_omega():
    # P(e, T) ~ exp(N s_c(e) - N e / T): mean e0 - sigma_int^2/T and variance sigma^2/N^2
    T = 0.5
    m0 = float(LAN.mean_e(T))

    def w(e):
        return math.exp(155 * (LAN.s_c(e) - LAN.s_c(m0)) - 155 * (e - m0) / T)

    lo, hi = m0 - 0.5, m0 + 0.5
    Z = quad(w, lo, hi, points=[m0], epsabs=0, epsrel=1e-12)[0]
    mean = quad(lambda e: e * w(e), lo, hi, points=[m0], epsabs=0, epsrel=1e-12)[0] / Z
    var = quad(lambda e: (e - mean) ** 2 * w(e), lo, hi, points=[m0], epsrel=1e-12)[0] / Z
    assert mean == pytest.approx(m0, abs=1e-10)
    assert var == pytest.approx(LAN.sigma_e**2, rel=1e-8)
    # and pdf is that normalised Gaussian
    assert quad(lambda e: LAN.pdf(e, T), lo, hi, points=[m0])[0] == pytest.approx(1.0)
    assert LAN.pdf(m0, T) == pytest.approx(w(m0) / Z, rel=1e-8)


def test_landscape_rejects_bad_parameters():
    with pytest.raises(InputError):
        GaussianLandscape(0.5, -7.0, -1.0, 100)
    with pytest.raises(InputError):
        GaussianLandscape(float("nan"), -7.0, 1.0, 100)
    with pytest.raises(InputError):
        _ = GaussianLandscape(-0.1, -7.0, 1.0, 100).T_K


def test_fit_gaussian_of_seeded_sample():
    rng = np.random.default_rng(0)
    x = rng.normal(-7.6, 0.027, size=20000)
    g = fit_gaussian(x, bins=40)
    assert abs(g.mean + 7.6) < 4 * g.mean_err
    assert abs(g.var - 0.027**2) < 4 * g.var_err
    assert abs(g.skewness) < 0.1 and abs(g.excess_kurtosis) < 0.2
    assert g.centres.shape == g.density.shape == (40,)
    widths = np.diff(g.centres).mean()
    assert np.sum(g.density) * widths == pytest.approx(1.0)
    # a skewed sample is reported as skewed
    assert fit_gaussian(rng.exponential(size=5000)).skewness > 1.5
    with pytest.raises(InputError):
        fit_gaussian([1.0, 2.0])


def test_fit_mean_energy_recovers_e0_and_sigma2():
    T = np.array([0.446, 0.47, 0.5, 0.55, 0.6, 0.65])
    fit = fit_mean_energy(T, LAN.mean_e(T), n_particles=155)
    assert fit.e0 == pytest.approx(LAN.e0, abs=1e-12)
    assert fit.sigma2_int == pytest.approx(LAN.sigma2_int, rel=1e-10)
    assert fit.sigma2 == pytest.approx(18.0, rel=1e-10)
    rng = np.random.default_rng(1)
    err = np.full(T.size, 2e-3)
    noisy = fit_mean_energy(T, LAN.mean_e(T) + rng.normal(0, 2e-3, T.size), err, 155)
    assert noisy.weighted
    assert abs(noisy.e0 - LAN.e0) < 4 * noisy.e0_err
    assert abs(noisy.sigma2 - 18.0) < 4 * noisy.sigma2_err
    with pytest.raises(InputError):
        fit_mean_energy([0.5, 0.5], [-7.6, -7.6])
    np.testing.assert_allclose(sigma2_from_width([LAN.sigma_e**2], 155), [18.0])


def test_per_trajectory_mean_energy_window():
    t = np.arange(0.0, 20.0, 1.0)
    e = np.vstack([t, -t])
    np.testing.assert_allclose(per_trajectory_mean_energy(t, e, 4.0), [2.0, -2.0])
    np.testing.assert_allclose(per_trajectory_mean_energy(t, e, 2.0, t_start=10.0), [11.0, -11.0])
    with pytest.raises(InputError):
        per_trajectory_mean_energy(t, e, 1.0, t_start=50.0)
    with pytest.raises(InputError):
        per_trajectory_mean_energy(t, e[:, :5], 1.0)


def test_collapse_excludes_flagged_trajectories():
    D = np.array([0.01, -0.001, 0.0, 0.155, np.nan])
    e = np.array([-7.6, -7.7, -7.65, -7.5, -7.55])
    c = collapse(0.5, D, e, D_inf=0.155)
    assert c.n_excluded == 3
    assert c.valid.tolist() == [True, False, False, True, False]
    np.testing.assert_allclose(c.y, [0.5 * math.log(0.01 / 0.155), 0.0])
    np.testing.assert_allclose(c.e, [-7.6, -7.5])
    with pytest.raises(InputError):
        collapse(0.5, D, e[:2])


def test_polynomial_start_formula():
    a = np.array([0.4, 2.0, -7.3])
    e = np.linspace(-7.7, -7.45, 30)
    y = -1.0 / (a[0] - a[1] * (e - a[2]) ** 2)  # y = -f with 1/f = a0 - a1 (e - a2)^2
    start, c = polynomial_start(e, y)
    np.testing.assert_allclose(start, a, rtol=1e-9)
    # c are the coefficients of 1/f in powers of e: c2 = -a1, c1 = 2 a1 a2, c0 = a0 - a1 a2^2
    np.testing.assert_allclose(c, [a[0] - a[1] * a[2] ** 2, 2 * a[1] * a[2], -a[1]], rtol=1e-9)
    # points with y >= 0 (D_i >= D_inf, f <= 0) do not enter the start
    start2, _ = polynomial_start(np.append(e, -7.5), np.append(y, 0.3))
    np.testing.assert_allclose(start2, a, rtol=1e-9)
    with pytest.raises(InputError):
        polynomial_start(e[:2], -np.ones(2))


def test_f_and_model_domain():
    mod = DiffusivityModel.from_landscape(LAN, 1.85, 0.155)
    e = np.array([LAN.e_K - 0.01, LAN.e_K, -7.6, LAN.e_upper + 0.01])
    f = mod.f(e)
    assert math.isinf(f[0]) and math.isinf(f[1]) and math.isinf(f[3])
    assert f[2] == pytest.approx(1.85 / LAN.s_c(-7.6))
    np.testing.assert_allclose(f_of_e(e, mod.a), f)
    D = mod.D(e, 0.5)
    assert D[0] == 0.0 and D[1] == 0.0 and D[3] == 0.0
    assert D[2] == pytest.approx(0.155 * math.exp(-f[2] / 0.5))
    np.testing.assert_allclose(mod.D(-7.6, np.array([0.5, 1.0])), 0.155 * np.exp(-f[2] / [0.5, 1]))
    assert DiffusivityModel.from_coefficients(mod.a, 0.155) == mod
    with pytest.raises(InputError):
        DiffusivityModel(0.4, -1.0, -7.3, 0.155)


def test_landscape_roundtrip_and_derived():
    mod = DiffusivityModel.from_landscape(LAN, 1.85, 0.155)
    lan2, B = landscape_from_coefficients(mod.a, 18.0, 155)
    assert B == pytest.approx(1.85)
    assert lan2.alpha == pytest.approx(0.78) and lan2.E0 == pytest.approx(-1140)
    bad = derived_from_coefficients([0.4, -1.0, -7.3], 18.0, 155, strict=False)
    assert math.isnan(bad["B"]) and bad["E0"] == pytest.approx(-7.3 * 155)
    with pytest.raises(InputError):
        derived_from_coefficients([0.4, -1.0, -7.3], 18.0, 155)
    y = np.array([-2.0, -4.0])
    np.testing.assert_allclose(per_trajectory_sc(y, 1.85), [1.85 / 2, 1.85 / 4])


def test_fit_collapse_bootstrap_is_reproducible_and_seeded():
    rng = np.random.default_rng(8)
    mod = DiffusivityModel.from_landscape(LAN, 1.85, 0.155)
    T = np.repeat([0.5, 0.6], 60)
    e = rng.normal(LAN.mean_e(T), LAN.sigma_e)
    y = -mod.f(e) + rng.normal(0, 0.05, T.size)
    f1 = fit_collapse(e, y, T=T, n_boot=30, seed=5)
    f2 = fit_collapse(e, y, T=T, n_boot=30, seed=5)
    f3 = fit_collapse(e, y, T=T, n_boot=30, seed=6)
    np.testing.assert_array_equal(f1.boot_samples, f2.boot_samples)
    assert not np.array_equal(f1.boot_samples, f3.boot_samples)
    assert f1.boot_samples.shape == (30, 3)
    assert np.all(f1.ci_low <= f1.a) and np.all(f1.a <= f1.ci_high)
    g = fit_collapse(e, y, n_boot=0)
    assert not g.stratified and g.boot_samples.shape == (0, 3) and np.all(np.isnan(g.ci_low))
    with pytest.raises(InputError):
        fit_collapse(e, y, level=1.5)


def test_landscape_D_limits():
    mod = DiffusivityModel.from_landscape(LAN, 1.85, 0.155)
    m = -7.58
    # a very narrow P gives D(m, T)
    assert landscape_D(mod, 0.5, m, 1e-6) == pytest.approx(float(mod.D(m, 0.5)), rel=1e-4)
    # P entirely below e_K gives 0
    assert landscape_D(mod, 0.5, LAN.e_K - 1.0, 0.01) == 0.0
    # semi-empirical mean of D over given energies
    e = np.array([-7.62, -7.58, -7.55])
    assert semi_empirical_D(mod, e, 0.5) == pytest.approx(np.mean(mod.D(e, 0.5)))
    # Jensen: <D><1/D> >= 1, -> 1 for a narrow distribution
    mom = model_D_moments(mod, 0.5, m, 1e-5, cut_sigma=3.0)
    assert mom.product == pytest.approx(1.0, abs=1e-5)
    assert model_D_moments(mod, 0.5, m, LAN.sigma_e).product > 1.0
    with pytest.raises(InputError):
        landscape_D(mod, -0.5, m, 0.01)


def test_data_D_moments():
    mom = data_D_moments([0.1, 0.1, 0.1, -0.01])
    assert mom.product == pytest.approx(1.0) and mom.n == 3 and mom.n_excluded == 1
    D = np.array([0.01, 0.1, 1.0])
    mom = data_D_moments(D, n_boot=200, seed=3)
    assert mom.mean_D == pytest.approx(0.37)
    assert mom.mean_inv_D == pytest.approx(37.0)
    assert mom.product == pytest.approx(0.37 * 37.0)
    assert mom.product_err > 0 and mom.seed == 3
    with pytest.raises(InputError):
        data_D_moments([0.0, -1.0])


def test_arrhenius_fit():
    T = np.array([1.0, 1.5, 2.0, 3.0])
    D = 0.155 * np.exp(-0.8 / T)
    fit = fit_arrhenius(T, D)
    assert fit.D_inf == pytest.approx(0.155, rel=1e-12)
    assert fit.E_a == pytest.approx(0.8, rel=1e-12)
    w = fit_arrhenius(T, D * np.array([1.01, 0.99, 1.0, 1.02]), D_err=0.02 * D)
    assert w.line.weighted and abs(w.D_inf - 0.155) < 4 * w.D_inf_err
    assert D_INF_KA_PUBLISHED == 0.155
    with pytest.raises(InputError):
        fit_arrhenius(T, -D)


def test_inm_link_fits():
    f = np.array([0.01, 0.02, 0.04, 0.08])
    res = fit_D_vs_fu(f, 0.5 * f)
    assert res.k == pytest.approx(0.5) and res.exponent == pytest.approx(1.0)
    assert res.k_err == pytest.approx(0.0, abs=1e-14)
    sq = fit_D_vs_fu(f, f**2)
    assert sq.exponent == pytest.approx(2.0)
    s = fit_S_vs_ln_fu(f, 3.0 + 2.0 * np.log(f))
    assert s.intercept == pytest.approx(3.0) and s.slope == pytest.approx(2.0) and s.r2 == 1.0
    with pytest.raises(InputError):
        fit_S_vs_ln_fu([0.0, 0.1], [1.0, 2.0])
    line = fit_line([0, 1, 2, 3], [1, 3.1, 4.9, 7.0])
    assert line.slope == pytest.approx(1.98) and line.n == 4
