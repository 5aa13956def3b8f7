"""Swap Monte Carlo: energy bookkeeping, conservation, statistics, seeding and input errors.

The independent reference for energies is :class:`pelkit.engine.calculator.Calculator` (half
Verlet list and the MD force kernel), never the MC kernels themselves.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system, random_system, swap_system
from pelkit.dynamics.hybrid import run_hybrid
from pelkit.dynamics.swap_kernels import N_STATS
from pelkit.dynamics.swap_mc import SwapMCOptions, SwapMonteCarlo, run_swap_mc
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.models.ka import kob_andersen
from pelkit.models.soft_sphere import soft_spheres
from pelkit.models.swap import swap_model
from pelkit.system import Box, System


@pytest.fixture(scope="module")
def model():
    return swap_model()


@pytest.fixture(scope="module")
def system(model):
    return swap_system(100, seed=7, model=model)


def _bookkeeping(model, system, temperature, chunks=6, sweeps=5, **kwargs):
    """Run chunks of sweeps; after each, the running energy must equal the Calculator's."""
    mc = SwapMonteCarlo(model, system, temperature, **kwargs)
    n = system.n_particles
    errors = []
    rng = np.random.default_rng(3)
    for _ in range(chunks):
        energies = np.zeros(sweeps)
        stats = np.zeros((sweeps, N_STATS), dtype=np.int64)
        mc.sweep(sweeps, int(rng.integers(2**31 - 1)), energies, stats)
        reference = Calculator(model, mc.snapshot()).energy()
        errors.append(abs(mc.energy - reference))
        assert energies[-1] == mc.energy
        assert stats[:, 0].sum() + stats[:, 2].sum() == n * sweeps
    return mc, max(errors)


def test_energy_bookkeeping_swap_model(model, system):
    mc, err = _bookkeeping(model, system, 0.3, p_swap=0.3)
    assert err < 1e-10 * system.n_particles
    assert mc.relists > 0  # the local list updates were exercised


def test_energy_bookkeeping_stressed_list(model, system):
    """Large steps at high T and the smallest skin: many local relists, energy still exact."""
    mc, err = _bookkeeping(model, system, 2.0, p_swap=0.5, delta_max=0.3, skin=0.01)
    assert mc.skin == pytest.approx(np.sqrt(3.0) * 0.3, rel=1e-6)
    assert mc.relists > 100
    assert err < 1e-10 * system.n_particles


def test_large_n_cut_table_is_a_bound(model, system, monkeypatch):
    """The O(N K) cutoff table used for large N bounds the exact O(N^2) one from above."""
    import pelkit.dynamics.swap_mc as smc

    exact = SwapMonteCarlo(model, system, 0.3)
    monkeypatch.setattr(smc, "EXACT_CUT_TABLE_MAX_N", 10)
    excess = []
    for candidates in (9, 33):
        monkeypatch.setattr(smc, "CUT_TABLE_CANDIDATES", candidates)
        approx = SwapMonteCarlo(model, system, 0.3)
        assert np.all(approx.rc2_key >= exact.rc2_key)
        assert approx.r_cut_max >= exact.r_cut_max
        excess.append(float(np.mean(approx.rc2_key / exact.rc2_key)) - 1.0)
    assert excess[1] < 0.5 * excess[0]  # the bound tightens with more candidates
    _, err = _bookkeeping(model, system, 0.3, chunks=2, p_swap=0.5)
    assert err < 1e-10 * system.n_particles
    # the exact table is tight: the largest entry is the largest pair cutoff
    d = system.diameters
    sig = model.pair_scales(0, 0, d[:, None], d[None, :])[1]
    assert np.sqrt(exact.rc2_key.max()) == pytest.approx(model.x_cut * sig.max(), rel=1e-9)


def test_energy_bookkeeping_additive_generic_terms():
    """Additive mixing and a radial function with odd powers and an exponential term."""
    pot = PairPotential(
        name="yukawa-soft",
        terms=np.array([[1.0, -12.0, 0.0], [0.5, -1.0, 2.0]]),
        x_cut=1.6,
        scheme="shift",
        mixing="additive",
        overlap_x=0.4,
    )
    diam = np.random.default_rng(1).uniform(0.8, 1.2, 64)
    sys_ = random_system(pot, 64, 1.0, diameters=diam, seed=2)
    _, err = _bookkeeping(pot, sys_, 0.5, p_swap=0.4)
    assert err < 1e-10 * 64


def test_energy_bookkeeping_soft_spheres_smooth():
    pot = soft_spheres(12, x_cut=1.5)
    diam = np.where(np.arange(80) % 2 == 0, 1.0, 1.2)
    sys_ = random_system(pot, 80, 1.0, diameters=diam, seed=4)
    _, err = _bookkeeping(pot, sys_, 0.5, p_swap=0.2)
    assert err < 1e-10 * 80


def test_species_model_displacements_only():
    pot = kob_andersen()
    sys_ = kob_andersen_system(155, seed=1, model=pot)
    _, err = _bookkeeping(pot, sys_, 1.0, chunks=3, p_swap=0.0)
    assert err < 1e-10 * 155
    with pytest.raises(InputError, match="diameters"):
        SwapMonteCarlo(pot, sys_, 1.0, p_swap=0.2)


def test_run_result_and_conservation(model, system):
    result, final = run_swap_mc(model, system, 0.2, 40, seed=5,
                                options=SwapMCOptions(p_swap=0.3, snapshot_every=10))
    n = system.n_particles
    # multiset of diameters conserved exactly, and swaps really happened
    assert np.array_equal(np.sort(final.diameters), np.sort(system.diameters))
    assert np.any(final.diameters != system.diameters)
    assert np.array_equal(result.snapshot_diameters[-1], final.diameters)
    # bookkeeping recorded by the run itself (Calculator at the end)
    assert result.energy_check["max_running_error"] < 1e-9
    assert result.energy_check["calculator_difference"] < 1e-9
    assert result.final_energy_per_particle == pytest.approx(
        Calculator(model, final).energy() / n, abs=1e-12
    )
    # every sweep is N attempts; p_swap respected within 5 binomial standard deviations
    c = result.counts
    total = n * result.sweeps
    assert c["displacement_attempted"] + c["swap_attempted"] == total
    sd = np.sqrt(total * 0.3 * 0.7)
    assert abs(c["swap_attempted"] - 0.3 * total) < 5 * sd
    acc = result.acceptance
    assert 0.0 < acc["displacement"] < 1.0 and 0.0 < acc["swap"] < 1.0
    assert acc["swap_restricted_fraction"] == 0.0
    # snapshots: first = input, last = output (unwrapped, images tracked), sweeps 0, 10, ...
    assert np.array_equal(result.snapshot_sweeps, [0, 10, 20, 30, 40])
    assert np.allclose(result.snapshots[0], system.unwrapped_positions())
    assert np.allclose(result.snapshots[-1], final.unwrapped_positions())
    assert np.allclose(final.box.wrap(final.unwrapped_positions())[0], final.positions)
    steps = np.abs(np.diff(result.snapshots, axis=0))
    assert steps.max() < 0.5 * final.box.lengths[0]
    summary = result.summary()
    assert summary["seed"] == 5 and summary["sweeps"] == 40


def test_swap_only_and_displacement_only(model, system):
    res, final = run_swap_mc(model, system, 0.2, 10, seed=1, options=SwapMCOptions(p_swap=1.0))
    assert np.array_equal(final.positions, system.positions)  # positions never move
    assert res.counts["displacement_attempted"] == 0
    assert res.acceptance["displacement"] is None
    res, final = run_swap_mc(model, system, 0.2, 10, seed=1, options=SwapMCOptions(p_swap=0.0))
    assert np.array_equal(final.diameters, system.diameters)
    assert res.counts["swap_attempted"] == 0


def test_swap_bound(model, system):
    gaps = np.diff(np.sort(system.diameters))
    tiny = 0.5 * gaps[gaps > 0].min()
    res, final = run_swap_mc(model, system, 0.2, 10, seed=2,
                             options=SwapMCOptions(p_swap=1.0, swap_bound=tiny))
    c = res.counts
    assert c["swap_restricted"] == c["swap_attempted"] > 0
    assert c["swap_accepted"] == 0
    assert np.array_equal(final.diameters, system.diameters)
    res, _ = run_swap_mc(model, system, 0.2, 10, seed=2,
                         options=SwapMCOptions(p_swap=1.0, swap_bound=0.1))
    frac = res.acceptance["swap_restricted_fraction"]
    assert 0.0 < frac < 1.0
    # acceptance among allowed pairs is higher than with all pairs (similar sizes swap easily)
    res_all, _ = run_swap_mc(model, system, 0.2, 10, seed=2, options=SwapMCOptions(p_swap=1.0))
    allowed = res.counts["swap_accepted"] / (c["swap_attempted"] - res.counts["swap_restricted"])
    assert allowed > res_all.acceptance["swap"]


def test_seeded_reproducibility(model, system):
    a, fa = run_swap_mc(model, system, 0.2, 15, seed=42)
    b, fb = run_swap_mc(model, system, 0.2, 15, seed=42)
    c, fc = run_swap_mc(model, system, 0.2, 15, seed=43)
    assert np.array_equal(a.energy_per_particle, b.energy_per_particle)
    assert np.array_equal(fa.positions, fb.positions)
    assert np.array_equal(fa.diameters, fb.diameters)
    assert not np.array_equal(fa.positions, fc.positions)
    g, fg = run_swap_mc(model, system, 0.2, 5, seed=np.random.default_rng(9))
    h, fh = run_swap_mc(model, system, 0.2, 5, seed=g.seed)
    assert np.array_equal(fg.positions, fh.positions)


def test_tuning_phase(model, system):
    res, _ = run_swap_mc(
        model, system, 0.1, 20, seed=3,
        options=SwapMCOptions(delta_max=0.4, tune_sweeps=60, tune_block=10)
    )
    assert res.tuning["sweeps"] == 60
    assert res.delta_max == res.tuning["final_delta_max"] < 0.4
    assert 0.25 < res.acceptance["displacement"] < 0.6


def test_bad_input(model, system):
    with pytest.raises(InputError):
        run_swap_mc(model, system, 0.0, 5)
    with pytest.raises(InputError):
        run_swap_mc(model, system, 0.2, -1)
    with pytest.raises(InputError):
        run_swap_mc(model, system, 0.2, 5, options=SwapMCOptions(p_swap=1.5))
    with pytest.raises(InputError):
        run_swap_mc(model, system, 0.2, 5, options=SwapMCOptions(delta_max=0.0))
    with pytest.raises(InputError, match="half the box"):
        run_swap_mc(model, system, 0.2, 5, options=SwapMCOptions(delta_max=10.0))
    with pytest.raises(InputError):
        run_swap_mc(model, system, 0.2, 5, options=SwapMCOptions(swap_bound=-1.0))
    with pytest.raises(InputError):
        run_swap_mc(model, system, 0.2, 5, seed=-3)
    no_diam = System(positions=system.positions, box=system.box)
    with pytest.raises(InputError, match="diameters"):
        run_swap_mc(model, no_diam, 0.2, 5)
    overlap = system.copy()
    overlap.positions[1] = overlap.positions[0] + 0.01
    with pytest.raises(InputError, match="overlap"):
        run_swap_mc(model, overlap, 0.2, 5)
    small = System(
        positions=np.random.default_rng(0).random((10, 3)) * 2.0, box=Box.cubic(2.5),
        diameters=np.ones(10),
    )
    with pytest.raises(InputError):
        run_swap_mc(model, small, 0.2, 5)


def test_hybrid(model, system):
    res, final = run_hybrid(model, system, 0.3, cycles=4, md_steps_per_cycle=20,
                            sweeps_per_cycle=3, seed=8)
    n = system.n_particles
    assert res.energy_per_particle.shape == (4,)
    assert res.snapshots.shape == (5, n, 3)
    assert np.allclose(res.snapshots[-1], final.unwrapped_positions())
    assert np.array_equal(np.sort(final.diameters), np.sort(system.diameters))
    assert final.velocities is not None and final.velocities.shape == (n, 3)
    assert res.final_energy_per_particle[-1] == pytest.approx(
        Calculator(model, final).energy() / n, abs=1e-10
    )
    assert np.all(res.swap_attempted > 0) and np.all(res.md_mean_temperature > 0)
    again, final2 = run_hybrid(model, system, 0.3, cycles=4, md_steps_per_cycle=20,
                               sweeps_per_cycle=3, seed=8)
    assert np.array_equal(final.positions, final2.positions)
    red, _ = run_hybrid(model, system, 0.3, cycles=2, md_steps_per_cycle=10,
                        sweeps_per_cycle=2, seed=8, velocities="redraw")
    assert red.velocities == "redraw"
    with pytest.raises(InputError):
        run_hybrid(model, system, 0.3, 2, 10, 2, velocities="zero")
    with pytest.raises(InputError):
        run_hybrid(model, system, 0.3, 2, 10, 2, thermostat="nve")


def test_hybrid_old_location_is_a_deprecated_alias() -> None:
    from pelkit.dynamics import swap_mc

    with pytest.warns(DeprecationWarning, match="pelkit.dynamics.hybrid"):
        assert swap_mc.run_hybrid is run_hybrid
