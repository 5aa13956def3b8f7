"""MSD against independent references: a naive double loop, ballistic motion, a random walk."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.analysis.diffusion import fit_diffusion
from pelkit.analysis.msd import compute_msd, log_spaced_lags, msd_blocks


def naive_msd(pos, species, lags, stride=1, n_origin_frames=None):
    """Plain double loop over lags and origins; per-species mean over particles, then origins."""
    n_frames = pos.shape[0]
    n_origin_frames = n_frames if n_origin_frames is None else n_origin_frames
    labels = np.unique(species)
    out = np.zeros((labels.size, len(lags)))
    counts = np.zeros(len(lags), dtype=int)
    for j, lag in enumerate(lags):
        per_origin = []
        for k in range(0, n_origin_frames, stride):
            if k + lag >= n_frames:
                break
            d2 = np.sum((pos[k + lag] - pos[k]) ** 2, axis=1)
            per_origin.append([d2[species == s].mean() for s in labels])
        counts[j] = len(per_origin)
        out[:, j] = np.mean(per_origin, axis=0)
    return out, counts


def test_fast_msd_equals_naive_loop_exactly_on_dyadic_data():
    # positions are small multiples of 1/8: every sum of squares is exact in float64, so the
    # summation order cannot matter; with species sizes 4 and 2 (powers of two) both routes end
    # in one correctly rounded division of the same exact number, so they agree bit for bit
    rng = np.random.default_rng(11)
    pos = rng.integers(-64, 64, size=(37, 6, 3)).astype(np.float64) / 8.0
    species = np.array([0, 1, 0, 0, 1, 0])
    times = np.arange(37) * 0.5
    res = compute_msd(pos, times, species, lags="linear")
    ref, counts = naive_msd(pos, species, res.lag_frames)
    assert res.lag_frames.tolist() == list(range(1, 37))
    np.testing.assert_array_equal(res.n_origins, counts)
    np.testing.assert_array_equal(res.msd, ref)


@pytest.mark.parametrize("stride,origin_max_time", [(1, None), (3, None), (2, 4.0)])
def test_fast_msd_matches_naive_loop_random_floats(stride, origin_max_time):
    rng = np.random.default_rng(5)
    pos = np.cumsum(rng.normal(size=(60, 9, 3)), axis=0)
    species = rng.integers(0, 3, size=9)
    species[:3] = [0, 1, 2]
    times = 10.0 + 0.25 * np.arange(60)
    res = compute_msd(
        pos, times, species, lags="log", n_lags=15, origin_stride=stride,
        origin_max_time=origin_max_time,
    )
    n_origin_frames = None if origin_max_time is None else int(origin_max_time / 0.25) + 1
    ref, counts = naive_msd(pos, species, res.lag_frames, stride, n_origin_frames)
    np.testing.assert_array_equal(res.n_origins, counts)
    np.testing.assert_allclose(res.msd, ref, rtol=1e-12, atol=0)
    np.testing.assert_allclose(res.lag_times, 0.25 * res.lag_frames, rtol=1e-12)


def test_ballistic_particles_give_v_squared_t_squared():
    rng = np.random.default_rng(2)
    n = 20
    v = rng.normal(size=(n, 3))
    r0 = rng.uniform(0, 5, size=(n, 3))
    t = 0.1 * np.arange(200)
    pos = r0[None] + t[:, None, None] * v[None]
    species = np.where(np.arange(n) < 12, "A", "B")
    res = compute_msd(pos, t, species, lags="log", n_lags=30)
    for label, sel in (("A", species == "A"), ("B", species == "B")):
        v2 = np.mean(np.sum(v[sel] ** 2, axis=1))
        np.testing.assert_allclose(res.of(label), v2 * res.lag_times**2, rtol=1e-10)


def test_random_walk_msd_is_6Dt_within_statistical_error():
    rng = np.random.default_rng(2024)
    D, dt, n_frames, n = 0.05, 0.1, 1000, 800
    steps = rng.normal(scale=np.sqrt(2 * D * dt), size=(n_frames - 1, n, 3))
    pos = np.concatenate([np.zeros((1, n, 3)), np.cumsum(steps, axis=0)])
    t = dt * np.arange(n_frames)
    res = compute_msd(pos, t, lags=log_spaced_lags(100, 20))
    expected = 6 * D * res.lag_times
    # |dr|^2 / (2 D t) is chi^2 with 3 dof (relative std sqrt(6)/3); independent samples are at
    # least n * floor(F / lag) (non-overlapping origins)
    rel_err = np.sqrt(6) / 3 / np.sqrt(n * (n_frames // res.lag_frames))
    dev = np.abs(res.msd[0] / expected - 1.0)
    assert np.all(dev < 4 * rel_err), (dev / rel_err).max()

    fit = fit_diffusion(res.lag_times, res.msd[0], t_min=1.0, msd_threshold=0.3)
    assert fit.diffusive
    assert abs(fit.loglog_slope - 1.0) < 0.02
    assert abs(fit.D - D) < 0.02 * D


def test_block_error_covers_random_walk_D():
    rng = np.random.default_rng(99)
    D, dt, n_frames, n = 0.2, 0.05, 1600, 100
    steps = rng.normal(scale=np.sqrt(2 * D * dt), size=(n_frames - 1, n, 3))
    pos = np.concatenate([np.zeros((1, n, 3)), np.cumsum(steps, axis=0)])
    t = dt * np.arange(n_frames)
    blocks = msd_blocks(pos, t, n_blocks=8, lags="log", n_lags=25)
    mean_curve = blocks.msd[:, 0, :].mean(axis=0)
    fit = fit_diffusion(blocks.lag_times, mean_curve, t_min=2.0, msd_blocks=blocks.msd[:, 0, :])
    assert fit.error_method == "blocks"
    assert fit.D_err > 0
    assert abs(fit.D - D) < 3.5 * fit.D_err
    assert fit.D_err < 0.05 * D
