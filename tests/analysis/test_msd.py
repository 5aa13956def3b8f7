"""Unit tests of pelkit.analysis.msd."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.analysis.msd import (
    compute_msd,
    linear_lags,
    log_spaced_lags,
    msd_blocks,
    per_trajectory_msd,
    unwrap_by_continuity,
    unwrap_with_images,
)
from pelkit.errors import InputError


def _walk(seed, n_frames=80, n=10, scale=0.3):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(scale=scale, size=(n_frames, n, 3)), axis=0)


def test_log_and_linear_lags():
    lags = log_spaced_lags(1000, 30)
    assert lags[0] == 1 and lags[-1] == 1000
    assert np.all(np.diff(lags) > 0)
    assert lags.size <= 30
    ratios = lags[-10:][1:] / lags[-10:][:-1]
    np.testing.assert_allclose(ratios, 1000 ** (1 / 29), rtol=0.02)
    np.testing.assert_array_equal(linear_lags(10, 3), [3, 6, 9])
    with pytest.raises(InputError):
        log_spaced_lags(0)
    with pytest.raises(InputError):
        linear_lags(2, 3)


def test_species_are_separated_and_counted():
    pos = _walk(0, n=8)
    pos[:, 5:] *= 3.0  # species 2 moves 3x further: MSD 9x larger
    species = np.array([1, 1, 1, 1, 1, 2, 2, 2])
    t = np.arange(80.0)
    res = compute_msd(pos, t, species, lags="linear")
    assert res.species.tolist() == [1, 2]
    assert res.n_particles.tolist() == [5, 3]
    assert res.msd.shape == (2, 79)
    # separately computed per species
    only2 = compute_msd(pos[:, 5:], t, lags="linear")
    np.testing.assert_allclose(res.of(2), only2.msd[0], rtol=1e-13)
    np.testing.assert_array_equal(res.n_origins, 80 - res.lag_frames)
    with pytest.raises(InputError):
        res.of(7)


def test_origin_window_and_max_lag():
    pos = _walk(1, n_frames=100)
    t = 0.5 * np.arange(100)
    res = compute_msd(pos, t, lags="linear", origin_max_time=10.0, max_lag_time=20.0)
    assert res.lag_times[-1] == pytest.approx(20.0)
    # origins t0 in [0, 10] -> 21 frames, all valid for lags <= 40 frames
    assert np.all(res.n_origins == 21)
    manual = np.mean(
        [np.mean(np.sum((pos[k + 40] - pos[k]) ** 2, axis=1)) for k in range(21)]
    )
    assert res.msd[0, -1] == pytest.approx(manual, rel=1e-13)


def test_bad_input_is_rejected():
    pos = _walk(2, n_frames=20)
    t = np.arange(20.0)
    with pytest.raises(InputError, match="equally spaced"):
        compute_msd(pos, t**1.1)
    with pytest.raises(InputError, match="increasing"):
        compute_msd(pos, -t)
    with pytest.raises(InputError, match="shape"):
        compute_msd(pos[:, :, :2], t)
    with pytest.raises(InputError, match="shape"):
        compute_msd(pos, t[:-1])
    bad = pos.copy()
    bad[3, 2, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        compute_msd(bad, t)
    with pytest.raises(InputError):
        compute_msd(pos, t, lags=np.array([1, 25]))
    with pytest.raises(InputError):
        compute_msd(pos, t, lags=np.array([3, 2]))
    with pytest.raises(InputError):
        compute_msd(pos, t, lags="cubic")
    with pytest.raises(InputError):
        compute_msd(pos, t, species=np.zeros(3))


def test_blocks_match_separate_analyses():
    pos = _walk(3, n_frames=90)
    t = 0.1 * np.arange(90)
    species = np.array([0] * 6 + [1] * 4)
    blocks = msd_blocks(pos, t, species, n_blocks=3, lags="linear")
    assert blocks.msd.shape == (3, 2, 29)
    assert blocks.block_frames == 30
    for b in range(3):
        one = compute_msd(pos[30 * b : 30 * (b + 1)], t[:30], species, lags="linear")
        np.testing.assert_allclose(blocks.msd[b], one.msd, rtol=1e-13)
        np.testing.assert_array_equal(blocks.n_origins[b], one.n_origins)


def test_per_trajectory_msd_matches_single_runs():
    trajs = np.array([_walk(s, n_frames=60) for s in range(3)])
    t = 2.0 * np.arange(60)
    species = np.array(["A"] * 7 + ["B"] * 3)
    lags, M, n_orig = per_trajectory_msd(
        trajs, t, species, select="A", origin_max_time=40.0, max_lag_time=40.0
    )
    assert M.shape == (3, 20)
    np.testing.assert_allclose(lags, 2.0 * np.arange(1, 21))
    assert np.all(n_orig == 21)
    for j in range(3):
        one = compute_msd(
            trajs[j], t, species, lags="linear", origin_max_time=40.0, max_lag_time=40.0
        )
        np.testing.assert_allclose(M[j], one.of("A"), rtol=1e-13)
    with pytest.raises(InputError):
        per_trajectory_msd(trajs, t, species, select="C")
    with pytest.raises(InputError):
        per_trajectory_msd([trajs[0], trajs[1][:, :5]], t)


def test_unwrapping():
    L = np.array([3.0, 4.0, 5.0])
    r = _walk(4, n_frames=200, scale=0.2) + 1.0
    images = np.floor(r / L).astype(np.int64)
    wrapped = r - images * L
    np.testing.assert_allclose(unwrap_with_images(wrapped, images, L), r, atol=1e-12)
    cont = unwrap_by_continuity(wrapped, L)
    np.testing.assert_allclose(cont - cont[0], r - r[0], atol=1e-10)
    with pytest.raises(InputError):
        unwrap_with_images(wrapped, images[:, :3], L)
