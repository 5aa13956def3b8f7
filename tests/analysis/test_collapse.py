"""Generic collapse estimates (pelkit.analysis.collapse) on synthetic data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from pelkit.analysis.collapse import (
    Estimate,
    bootstrap_estimate,
    fit_constrained_collapse,
    pooled_estimate,
    solve_constrained_collapse,
)


def test_bootstrap_estimate_of_gaussian_samples_matches_the_normal_quantiles():
    rng = np.random.default_rng(3)
    mu, sigma = 2.0, 0.5
    samples = rng.normal(mu, sigma, 200_000)
    est = bootstrap_estimate(1.9, samples, level=0.9)
    assert est.value == 1.9  # the value is passed through, not the sample mean
    assert est.error == pytest.approx(sigma, rel=0.01)
    z = norm.ppf(0.95)
    assert est.low == pytest.approx(mu - z * sigma, abs=0.01)
    assert est.high == pytest.approx(mu + z * sigma, abs=0.01)


def test_bootstrap_estimate_is_robust_to_a_heavy_tail_and_drops_non_finite_samples():
    rng = np.random.default_rng(4)
    x = rng.normal(0.0, 1.0, 50_000)
    x[:500] = 1e6  # 1 % wild replicates (e.g. B ~ 1/a1 with a1 near 0)
    x[500:600] = np.nan
    est = bootstrap_estimate(0.0, x)
    assert est.error == pytest.approx(1.0, rel=0.05)  # a standard deviation would be ~1e5
    assert np.std(x[np.isfinite(x)]) > 1e4


def test_bootstrap_estimate_without_samples_uses_the_fallback_error():
    est = bootstrap_estimate(3.0, [np.nan, 1.0], fallback_error=0.2)
    assert est == Estimate(3.0, 0.2)
    assert math.isnan(est.low) and math.isnan(est.high)
    d = est.as_dict()
    assert (d["value"], d["error"]) == (3.0, 0.2) and math.isnan(d["low"])
    assert list(d) == ["value", "error", "low", "high"]


def test_pooled_estimate_inverse_variance_mean_with_formal_error():
    # by hand: w = 1, 1/4 -> mean = (1 + 2/4) / 1.25 = 1.2, formal = 1/sqrt(1.25);
    # scatter = std([1, 2], ddof=1)/sqrt(2) = 0.5 < formal
    est = pooled_estimate([1.0, 2.0, np.nan], [1.0, 2.0, 1.0])
    assert est.value == pytest.approx(1.2)
    assert est.error == pytest.approx(1 / math.sqrt(1.25))


def test_pooled_estimate_scatter_wins_when_estimates_disagree():
    # errors 0.01 but values 1 and 3: scatter = sqrt(2)/sqrt(2) = 1 >> formal 0.00707
    est = pooled_estimate([1.0, 3.0], [0.01, 0.01])
    assert est.value == pytest.approx(2.0)
    assert est.error == pytest.approx(1.0)


def test_pooled_estimate_without_usable_errors_is_the_plain_mean():
    est = pooled_estimate([1.0, 2.0, 6.0], [np.nan, 1.0, 1.0])
    assert est.value == pytest.approx(3.0)
    assert est.error == pytest.approx(np.std([1, 2, 6], ddof=1) / math.sqrt(3))
    assert math.isnan(pooled_estimate([np.nan], [1.0]).value)
    single = pooled_estimate([5.0], [np.nan])
    assert single.value == 5.0 and math.isnan(single.error)


B_TRUE, ALPHA_TRUE, E0, S2I = 0.6, 0.8, -7.35, 0.1


def _y(e):
    return -B_TRUE / (ALPHA_TRUE - (e - E0) ** 2 / (2 * S2I))


def test_solve_constrained_collapse_recovers_exact_parameters():
    e = np.linspace(-7.75, -7.45, 25)
    B, alpha = solve_constrained_collapse(e, _y(e), E0, S2I)
    assert B == pytest.approx(B_TRUE, rel=1e-9)
    assert alpha == pytest.approx(ALPHA_TRUE, rel=1e-9)


def _noisy(rng, noise=0.01):
    T = np.repeat([0.45, 0.5, 0.55], 40)
    centre = {0.45: -7.62, 0.5: -7.56, 0.55: -7.5}
    e = np.array([rng.normal(centre[t], 0.05) for t in T])
    return e, _y(e) + rng.normal(0.0, noise, e.size), T


def test_fit_constrained_collapse_recovers_known_landscape_within_its_errors():
    e, y, T = _noisy(np.random.default_rng(11))
    fit = fit_constrained_collapse(e, y, T, E0, S2I, n_boot=120, seed=5)
    assert fit is not None
    assert fit.boot.shape[1] == 4 and fit.boot.shape[0] == 120
    errB = bootstrap_estimate(fit.B, fit.boot[:, 0]).error
    errA = bootstrap_estimate(fit.alpha, fit.boot[:, 1]).error
    assert 0 < errB < 0.2 and 0 < errA < 0.3
    assert abs(fit.B - B_TRUE) < 4 * errB
    assert abs(fit.alpha - ALPHA_TRUE) < 4 * errA
    # the free-fit coefficients implied: a0 = alpha/B, a1 = 1/(2 s2i B), a2 = e0
    a = fit.coefficients
    assert a == pytest.approx([fit.alpha / fit.B, 1 / (2 * S2I * fit.B), E0])
    # residual rms of f = -y is the noise level
    assert fit.rms == pytest.approx(0.01, rel=0.3)
    # reproducible from the seed
    again = fit_constrained_collapse(e, y, T, E0, S2I, n_boot=120, seed=5)
    np.testing.assert_array_equal(again.boot, fit.boot)


def test_fit_constrained_collapse_draws_the_landscape_from_its_covariance():
    e, y, T = _noisy(np.random.default_rng(12), noise=0.001)
    cov = np.diag([0.02**2, 0.01**2])
    fit = fit_constrained_collapse(e, y, T, E0, S2I, landscape_cov=cov, n_boot=200, seed=1)
    assert np.std(fit.boot[:, 2]) == pytest.approx(0.02, rel=0.25)
    assert np.std(fit.boot[:, 3]) == pytest.approx(0.01, rel=0.25)
    fixed = fit_constrained_collapse(e, y, T, E0, S2I, n_boot=50, seed=1)
    assert np.all(fixed.boot[:, 2] == E0) and np.all(fixed.boot[:, 3] == S2I)


def test_fit_constrained_collapse_needs_three_negative_points_and_positive_variance():
    e = np.array([-7.5, -7.6, -7.7, -7.4])
    y = np.array([-1.0, -1.2, 0.3, 0.1])  # only two points with y < 0
    assert fit_constrained_collapse(e, y, np.full(4, 0.5), E0, S2I) is None
    assert fit_constrained_collapse(e, _y(e), np.full(4, 0.5), E0, -0.1) is None
