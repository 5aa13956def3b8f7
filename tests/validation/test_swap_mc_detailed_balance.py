"""Swap MC samples the Boltzmann distribution: checks against exact enumeration and quadrature.

1. Swaps only: four particles with four distinct diameters at fixed positions. The chain visits
   the 24 permutations of the diameters; their frequencies must match exp(-U/T)/Z with U from
   :class:`pelkit.engine.calculator.Calculator` for each permutation (chi-square test, fixed
   seed; bins with expected count < 5 pooled). A wrong temperature must be rejected (power).
2. Displacements only: two particles of the swap model (sigma_ij = 1, r_c = 1.25) in a periodic
   box of side 2.6. The minimum-image distance r, conditioned on r < L/2 (a ball inside the
   Wigner-Seitz cell), has density r^2 exp(-phi(r)/T) / Z; bin probabilities by quadrature.

Samples are thinned (every 3 sweeps of 4 swaps; every 2 sweeps of 2 displacements); the lag-1
autocorrelation of the binned state is then below 0.05, so the chi-square test applies.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, stats

from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc
from pelkit.engine.calculator import Calculator
from pelkit.models.swap import swap_model
from pelkit.system import Box, System

P_MIN = 1e-3  # a correct sampler fails this with probability 1e-3 (fixed seeds: deterministic)


def pooled_chisquare(observed: np.ndarray, expected: np.ndarray) -> float:
    """p-value of the chi-square test, bins with expected count < 5 pooled into one."""
    expected = expected * observed.sum() / expected.sum()
    big = expected >= 5.0
    obs = observed[big]
    exp = expected[big]
    if np.any(~big) and expected[~big].sum() > 0:
        obs = np.append(obs, observed[~big].sum())
        exp = np.append(exp, expected[~big].sum())
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.fixture(scope="module")
def model():
    return swap_model()


def test_swap_moves_sample_permutation_boltzmann_weights(model):
    diam = np.array([0.8, 1.0, 1.2, 1.45])
    pos = np.array([[1.0, 1.0, 1.0], [2.05, 1.1, 1.0], [1.5, 1.95, 1.1], [1.6, 1.4, 2.1]])
    box = Box.cubic(5.0)
    temperature = 1.0
    perms = list(itertools.permutations(range(4)))
    energies = np.array(
        [Calculator(model, System(positions=pos, box=box, diameters=diam[list(p)])).energy()
         for p in perms]
    )
    assert np.ptp(energies) > 5.0  # the weights really differ
    start = System(positions=pos, box=box, diameters=diam)
    result, _ = run_swap_mc(model, start, temperature, 150_000, seed=0,
                            options=SwapMCOptions(p_swap=1.0, snapshot_every=3))
    lookup = {tuple(diam[list(p)]): i for i, p in enumerate(perms)}
    states = np.array([lookup[tuple(d)] for d in result.snapshot_diameters[1:]])
    observed = np.bincount(states, minlength=len(perms)).astype(float)
    top = states == np.argmax(observed)
    x = top - top.mean()
    assert abs(np.dot(x[:-1], x[1:]) / np.dot(x, x)) < 0.05  # thinned samples ~ independent

    def boltzmann(t):
        w = np.exp(-(energies - energies.min()) / t)
        return w / w.sum()

    p_value = pooled_chisquare(observed, boltzmann(temperature))
    assert p_value > P_MIN
    assert pooled_chisquare(observed, boltzmann(1.25 * temperature)) < 1e-6
    # the most probable permutations are sampled at their exact frequency to ~1 %
    w = boltzmann(temperature)
    main = w > 0.1
    assert np.allclose(observed[main] / observed.sum(), w[main], rtol=0.03)


def test_displacements_sample_pair_distance_boltzmann(model):
    side = 2.6
    temperature = 1.0
    start = System(
        positions=np.array([[0.5, 0.5, 0.5], [1.6, 0.6, 0.5]]), box=Box.cubic(side),
        diameters=np.ones(2),
    )

    def density(r, t):
        return r * r * np.exp(-float(model.phi(r, 1.0, 1.0)) / t)

    def bin_probabilities(t):
        edges = np.linspace(0.7, 1.3, 13)
        z = integrate.quad(density, 0.5, side / 2, args=(t,), points=[1.25], limit=200)[0]
        probs = [integrate.quad(density, a, b, args=(t,), limit=200)[0] / z
                 for a, b in zip(edges[:-1], edges[1:], strict=True)]
        return edges, np.array(probs)

    edges, probs = bin_probabilities(temperature)
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)  # no weight below r = 0.7
    result, _ = run_swap_mc(model, start, temperature, 200_000, seed=0,
                            options=SwapMCOptions(p_swap=0.0, delta_max=0.4, snapshot_every=2))
    d = result.snapshots[1:, 0] - result.snapshots[1:, 1]
    d -= side * np.round(d / side)
    r = np.linalg.norm(d, axis=1)
    r = r[r < side / 2]
    assert r.size > 30_000
    observed, _ = np.histogram(r, edges)
    assert pooled_chisquare(observed.astype(float), probs) > P_MIN
    _, wrong = bin_probabilities(1.5 * temperature)
    assert pooled_chisquare(observed.astype(float), wrong) < 1e-6
