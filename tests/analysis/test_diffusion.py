"""Unit tests of pelkit.analysis.diffusion."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.analysis.diffusion import (
    find_t_msd,
    fit_diffusion,
    local_log_slope,
    per_trajectory_diffusion,
    seed004_local_diffusion,
    two_pass_local_diffusion,
)
from pelkit.errors import InputError


def test_fit_recovers_linear_msd_and_flags_diffusive():
    t = np.geomspace(0.01, 1000, 80)
    msd = 6 * 0.01 * t + 0.05
    fit = fit_diffusion(t, msd)
    assert fit.D == pytest.approx(0.01, rel=1e-12)
    assert fit.intercept == pytest.approx(0.05, rel=1e-9)
    # default window starts where MSD first reaches 1 sigma^2
    assert fit.t_min == t[np.flatnonzero(msd >= 1.0)[0]]
    assert fit.msd_min >= 1.0
    assert fit.diffusive and fit.notes == []
    assert 0.95 < fit.loglog_slope <= 1.0
    assert fit.local_slope_max <= 1.0 + 1e-9
    assert fit.error_method == "ols"
    assert fit.D_err < 1e-12


def test_ballistic_and_caged_curves_are_not_diffusive():
    t = np.geomspace(0.01, 10, 40)
    ball = fit_diffusion(t, 4 * t**2)
    assert not ball.diffusive
    assert ball.loglog_slope == pytest.approx(2.0, abs=1e-9)
    caged = fit_diffusion(t, 0.1 + 0.001 * t)
    assert not caged.diffusive
    assert any("fewer than 3 lags" in n for n in caged.notes)
    assert caged.loglog_slope < 0.2


def test_explicit_window_and_too_few_points():
    t = np.linspace(0.1, 10, 100)
    msd = 0.6 * t
    fit = fit_diffusion(t, msd, t_min=2.0, t_max=5.0)
    assert fit.t_min >= 2.0 and fit.t_max <= 5.0
    assert fit.D == pytest.approx(0.1)
    with pytest.raises(InputError):
        fit_diffusion(t, msd, t_min=5.0, t_max=5.05)
    with pytest.raises(InputError):
        fit_diffusion(t, msd, t_min=6.0, t_max=5.0)
    with pytest.raises(InputError):
        fit_diffusion(t, msd[:-1])
    with pytest.raises(InputError):
        fit_diffusion(t, msd, msd_blocks=np.ones((1, t.size)))


def test_local_log_slope_of_power_law():
    t = np.geomspace(1, 100, 30)
    np.testing.assert_allclose(local_log_slope(t, 3 * t**1.5), 1.5, rtol=1e-10)


def test_find_t_msd_interpolates_power_law_exactly():
    t = np.geomspace(1, 1e4, 25)
    msd = 1e-3 * t**0.8
    expected = (1.0 / 1e-3) ** (1 / 0.8)
    assert find_t_msd(t, msd) == pytest.approx(expected, rel=1e-12)
    lin = find_t_msd(t, msd, interpolation="linear")
    assert lin == pytest.approx(expected, rel=0.05) and lin != pytest.approx(expected, rel=1e-6)
    assert find_t_msd(np.array([0.0, 2.0]), np.array([0.0, 2.0])) == pytest.approx(1.0)


def test_find_t_msd_errors():
    t = np.linspace(1, 10, 10)
    with pytest.raises(InputError, match="never reaches 1"):
        find_t_msd(t, 0.05 * t)
    with pytest.raises(InputError, match="shortest lag"):
        find_t_msd(t, 2 + t)
    with pytest.raises(InputError):
        find_t_msd(t, t, interpolation="cubic")


def test_per_trajectory_recipe_on_exact_lines():
    t = np.linspace(0.0, 10.0, 101)
    slopes = np.array([0.6, 1.2, -0.06, 0.0])
    M = slopes[:, None] * t[None, :] + np.array([0.1, 0.2, 0.5, 0.3])[:, None]
    res = per_trajectory_diffusion(t, M, t_ref=8.05)
    np.testing.assert_allclose(res.slope, slopes, atol=1e-12)
    np.testing.assert_allclose(res.D_slope, slopes / 6, atol=1e-12)
    # MSD_i(t_ref) interpolated between lags 8.0 and 8.1 (exact for a line)
    np.testing.assert_allclose(res.D_endpoint, (slopes * 8.05 + M[:, 0]) / (6 * 8.05))
    assert res.valid.tolist() == [True, True, False, False]
    assert res.n_invalid == 2
    # window [0.5, 1] x 8.05 holds lags 4.1 ... 8.0
    assert res.n_points == 40
    with pytest.raises(InputError):
        per_trajectory_diffusion(t, M, t_ref=20.0)
    with pytest.raises(InputError):
        per_trajectory_diffusion(t, M, t_ref=0.15)


def _walks(rng, D_list, n, n_frames, dt):
    out = []
    for D in D_list:
        steps = rng.normal(scale=np.sqrt(2 * D * dt), size=(n_frames - 1, n, 3))
        out.append(np.concatenate([np.zeros((1, n, 3)), np.cumsum(steps, axis=0)]))
    return np.array(out)


def test_seed004_two_pass_on_random_walks():
    rng = np.random.default_rng(7)
    D_list = np.array([0.02, 0.05, 0.1, 0.13])
    dt = 0.1
    trajs = _walks(rng, D_list, 60, 150, dt)
    # species 0 = "A" (first 48), 1 = "B": the B particles move 10x faster and must be ignored
    trajs[:, :, 48:, :] *= np.sqrt(10.0)
    species = np.array([0] * 48 + [1] * 12)
    times = dt * np.arange(150)
    res = two_pass_local_diffusion(trajs, times, species, select=0)
    # averaged A MSD = 6 <D> t -> t_MSD=1 = 1 / (6 <D>), within sampling error
    assert res.t_msd1 == pytest.approx(1 / (6 * D_list.mean()), rel=0.1)
    assert res.lag_times[-1] >= res.t_msd1
    assert res.diffusion.t_ref == pytest.approx(res.t_msd1)
    assert res.diffusion.n_invalid == 0
    np.testing.assert_allclose(res.diffusion.D_slope, D_list, rtol=0.3)
    np.testing.assert_allclose(res.diffusion.D_endpoint, D_list, rtol=0.2)
    # ranking of mobilities is recovered
    assert np.all(np.diff(res.diffusion.D_endpoint) > 0)


def test_seed004_two_pass_fails_clearly_when_msd_stays_below_one():
    rng = np.random.default_rng(1)
    trajs = _walks(rng, [1e-4, 2e-4], 10, 50, 0.1)
    with pytest.raises(InputError, match="never reaches"):
        two_pass_local_diffusion(trajs, 0.1 * np.arange(50))


def test_old_name_seed004_local_diffusion_warns_and_gives_the_same_result():
    rng = np.random.default_rng(2)
    trajs = _walks(rng, [0.05, 0.1], 20, 80, 0.1)
    times = 0.1 * np.arange(80)
    new = two_pass_local_diffusion(trajs, times)
    with pytest.warns(DeprecationWarning, match="two_pass_local_diffusion"):
        old = seed004_local_diffusion(trajs, times)
    assert old.t_msd1 == new.t_msd1
    np.testing.assert_array_equal(old.diffusion.D_slope, new.diffusion.D_slope)
