"""Equilibrium diagnostics: block averaging, the two-halves drift test, F_s and the verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.dynamics.equilibration import (
    NotEquilibratedError,
    blocking_standard_error,
    default_wavenumber,
    equilibration_verdict,
    halves_test,
    relaxation_time,
    self_intermediate_scattering,
)
from pelkit.errors import InputError


def brownian(n_frames, n_particles, step, seed):
    """Unwrapped positions of independent Gaussian random walks, (M, N, 3)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, step, (n_frames - 1, n_particles, 3))
    start = rng.random((1, n_particles, 3)) * 10.0
    return np.concatenate([start, start + np.cumsum(steps, axis=0)])


def test_blocking_error_white_and_correlated_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, 4096)
    assert blocking_standard_error(x) == pytest.approx(1.0 / 64.0, rel=0.25)
    # AR(1) with a = 0.9: SE of the mean = sqrt((1 + a)/(1 - a)) / sqrt(n) (unit variance)
    a = 0.9
    y = np.empty(16384)
    y[0] = 0.0
    noise = rng.normal(0.0, math.sqrt(1 - a * a), y.size)
    for t in range(1, y.size):
        y[t] = a * y[t - 1] + noise[t]
    exact = math.sqrt((1 + a) / (1 - a)) / math.sqrt(y.size)
    assert blocking_standard_error(y) == pytest.approx(exact, rel=0.35)
    assert math.isnan(blocking_standard_error(np.ones(3)))


def test_halves_test_detects_drift_only():
    rng = np.random.default_rng(1)
    stationary = rng.normal(0.0, 1.0, 2000)
    assert halves_test(stationary)["passed"]
    drifting = stationary + np.linspace(0.0, 1.0, 2000)
    out = halves_test(drifting)
    assert not out["passed"] and out["z"] > 3
    relaxing = stationary * 0.05 + np.exp(-np.arange(2000) / 300.0)
    assert not halves_test(relaxing)["passed"]
    assert halves_test(np.zeros(100))["passed"]  # no fluctuation, no drift
    short = halves_test(np.arange(10.0))
    assert not short["passed"] and short["too_short"]


def test_fs_gaussian_analytic():
    """Gaussian displacements of variance s^2 per component per frame: at lag m
    F_s = exp(-k^2 <dr^2> / 6) = exp(-k^2 m s^2 / 2)."""
    k, s = 7.0, 0.08
    snaps = brownian(12, 3000, s, seed=2)
    lags, fs, origins = self_intermediate_scattering(snaps, k, remove_com=False)
    assert lags.tolist() == list(range(12)) and origins[0] == 12 and origins[-1] == 1
    exact = np.exp(-(k**2) * lags * s**2 / 2.0)
    assert fs[0] == 1.0
    assert np.allclose(fs[:6], exact[:6], atol=0.01)
    # centre-of-mass removal changes nothing measurable for 3000 independent walkers
    _, fs_com, _ = self_intermediate_scattering(snaps, k, remove_com=True)
    assert np.allclose(fs_com[:6], exact[:6], atol=0.01)
    # and removes a rigid drift of the whole system exactly
    drifted = snaps + np.arange(12)[:, None, None] * np.array([0.3, -0.2, 0.1])
    _, fs_drift, _ = self_intermediate_scattering(drifted, k, remove_com=True)
    assert np.allclose(fs_drift, fs_com, atol=1e-12)
    # batching over origins (bounded memory) changes nothing
    import pelkit.dynamics.equilibration as eq

    saved = eq.FS_CHUNK_ELEMENTS
    try:
        eq.FS_CHUNK_ELEMENTS = 5000  # one origin per batch
        _, fs_batched, _ = self_intermediate_scattering(snaps, k, remove_com=False)
    finally:
        eq.FS_CHUNK_ELEMENTS = saved
    assert np.allclose(fs_batched, fs, rtol=0, atol=1e-12)
    tau = relaxation_time(lags, exact)
    assert tau == pytest.approx(2.0 / (k * s) ** 2, rel=0.05)  # exp(-k^2 t s^2/2) = 1/e


def test_verdict_true_for_stationary_decorrelated_run():
    rng = np.random.default_rng(3)
    energies = -5.0 + 0.01 * rng.normal(size=400)
    acc = rng.binomial(100, 0.12, size=400)
    att = np.full(400, 100)
    snaps = brownian(41, 300, 0.3, seed=4)
    verdict = equilibration_verdict(
        energies, snaps, np.arange(41) * 10.0, k=7.0, swap_accepted=acc, swap_attempted=att
    )
    assert verdict.equilibrated, verdict.reasons
    assert all(r.startswith("ok") for r in verdict.reasons)
    verdict.require()
    summary = verdict.summary()
    assert summary["checks"]["fs_decay"]["fs_at_test_lag"] < 0.1


def test_verdict_refuses_drift_undecayed_fs_and_unstable_acceptance():
    rng = np.random.default_rng(5)
    stationary = -5.0 + 0.01 * rng.normal(size=400)
    frozen = brownian(41, 300, 0.001, seed=6)  # a glass: F_s stays near 1
    moving = brownian(41, 300, 0.3, seed=6)
    times = np.arange(41) * 10.0
    v = equilibration_verdict(stationary - np.linspace(0, 0.05, 400), moving, times, k=7.0)
    assert not v.equilibrated
    assert v.reasons[0].startswith("FAIL energy drift")
    v = equilibration_verdict(stationary, frozen, times, k=7.0)
    assert not v.equilibrated
    assert v.reasons[0].startswith("FAIL F_s decay")
    assert v.checks["fs_decay"]["fs_at_test_lag"] > 0.9
    assert math.isnan(v.checks["fs_decay"]["tau_alpha"])
    with pytest.raises(NotEquilibratedError, match="F_s"):
        v.require()
    att = np.full(400, 100)
    acc = np.concatenate([rng.binomial(100, 0.2, 200), rng.binomial(100, 0.1, 200)])
    v = equilibration_verdict(stationary, moving, times, 7.0, swap_accepted=acc,
                              swap_attempted=att)
    assert not v.equilibrated and v.reasons[0].startswith("FAIL swap acceptance")
    # too little data is never called equilibrated
    v = equilibration_verdict(stationary[:10], moving[:2], times[:2], k=7.0)
    assert not v.equilibrated and len([r for r in v.reasons if r.startswith("FAIL")]) == 2


def test_swap_mc_run_verdicts():
    """A relaxing swap-MC run from a random packing is refused; the no-swap case is reported."""
    from pelkit.build import swap_system
    from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc
    from pelkit.models.swap import swap_model

    model = swap_model()
    res, _ = run_swap_mc(model, swap_system(100, seed=1, model=model), 0.1, 120, seed=1)
    v = res.diagnose()
    assert not v.equilibrated
    assert v.checks["energy_drift"]["difference"] < 0
    assert v.settings["k"] == pytest.approx(7.0, rel=0.01)
    res0, _ = run_swap_mc(model, swap_system(100, seed=1, model=model), 0.1, 40, seed=1,
                          options=SwapMCOptions(p_swap=0.0))
    assert not res0.diagnose().checks["swap_acceptance"]["applicable"]


def test_default_wavenumber_and_errors():
    assert default_wavenumber(1.0, 1.0) == pytest.approx(7.0)
    assert default_wavenumber(None, 1.2) == pytest.approx(7.25)
    # length scaling: doubling all lengths halves k
    assert default_wavenumber(2.0, 1.0 / 8.0) == pytest.approx(3.5)
    with pytest.raises(InputError):
        default_wavenumber(1.0, -1.0)
    with pytest.raises(InputError):
        self_intermediate_scattering(np.zeros((3, 4)), 7.0)
    with pytest.raises(InputError):
        equilibration_verdict(np.zeros(40), np.zeros((3, 2, 3)), [0, 1, 3], k=7.0)
    with pytest.raises(InputError):
        equilibration_verdict(np.zeros(40), np.zeros((3, 2, 3)), [0, 1, 2], k=7.0,
                              fs_threshold=2.0)
