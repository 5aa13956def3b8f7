"""Master equation on networks of minima against analytic results (SCIENCE.md §2.4, 001 §III)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pelkit.theory import hypercube as hc
from pelkit.theory import hypercube_master as hm
from pelkit.theory.master_equation import (
    MasterEquation,
    NetworkWarning,
    network_from_arrays,
    network_from_dict,
)


def _random_network(rng: np.random.Generator, n: int = 12, scale: float = 50.0):
    energies = rng.normal(0.0, scale, n)
    pairs = [(i, i + 1) for i in range(n - 1)]  # a chain keeps it connected
    pairs += [tuple(rng.choice(n, 2, replace=False)) for _ in range(n)]
    pairs = np.array(pairs)
    top = np.maximum(energies[pairs[:, 0]], energies[pairs[:, 1]])
    saddles = top + rng.exponential(scale / 5, len(pairs))
    prefs = rng.uniform(0.5, 5.0, len(pairs))
    return energies, pairs, saddles, prefs


def test_detailed_balance_to_round_off():
    rng = np.random.default_rng(1)
    e, pairs, es, pf = _random_network(rng)
    me = MasterEquation(network_from_arrays(e, pairs, es, pf), temperature=20.0)
    # |ln K M| ~ beta E ~ 10: round-off level is ~1e-15
    assert me.detailed_balance_error() < 1e-13
    assert me.stationary_residual() < 1e-13


def test_two_state_exact():
    ea, eb, es, nu, T = -1.0, -0.3, 0.7, 2.5, 0.4
    net = network_from_dict(
        {
            "minima": [{"id": "a", "energy": ea}, {"id": "b", "energy": eb}],
            "transition_states": [{"between": ["a", "b"], "energy": es, "prefactor": nu}],
        }
    )
    me = MasterEquation(net, T)
    k12 = nu * math.exp(-(es - ea) / T)
    k21 = nu * math.exp(-(es - eb) / T)
    K = me.K.toarray()
    assert K[1, 0] == pytest.approx(-k12, rel=1e-14)
    assert K[0, 1] == pytest.approx(-k21, rel=1e-14)
    rates = me.relaxation_rates()
    assert abs(rates[0]) < 1e-14
    assert rates[1] == pytest.approx(k12 + k21, rel=1e-13)
    pa_eq = k21 / (k12 + k21)
    assert me.equilibrium()[0] == pytest.approx(pa_eq, rel=1e-14)
    t = np.array([0.0, 0.1, 1.0, 7.0, 50.0])
    pt = me.evolve(np.array([1.0, 0.0]), t)
    exact_a = pa_eq + (1.0 - pa_eq) * np.exp(-(k12 + k21) * t)
    assert np.allclose(pt[:, 0], exact_a, rtol=1e-12, atol=1e-15)
    assert np.allclose(pt.sum(axis=1), 1.0, atol=1e-14)


def test_two_state_vineyard():
    """Harmonic prefactors: k_{a->b} = prod w_a / (2 pi prod' w_s) exp(-beta (E_s - E_a))."""
    wa, wb, ws = [1.0, 2.0, 3.0], [0.5, 4.0, 2.5], [1.5, 2.0]
    T = 0.3
    net = network_from_dict(
        {
            "minima": [
                {"id": 0, "energy": 0.0, "frequencies": wa},
                {"id": 1, "energy": 0.2, "frequencies": wb},
            ],
            "transition_states": [
                # the imaginary mode stored as a negative number is dropped
                {"between": [0, 1], "energy": 0.9, "frequencies": [-0.7, *ws]}
            ],
        }
    )
    me = MasterEquation(net, T)
    assert me.model == "harmonic"
    kab = np.prod(wa) / (2 * math.pi * np.prod(ws)) * math.exp(-0.9 / T)
    kba = np.prod(wb) / (2 * math.pi * np.prod(ws)) * math.exp(-0.7 / T)
    K = me.K.toarray()
    assert -K[1, 0] == pytest.approx(kab, rel=1e-13)
    assert -K[0, 1] == pytest.approx(kba, rel=1e-13)
    # equilibrium ∝ exp(-beta E) / prod w (classical harmonic basin weight)
    m = np.array([1 / np.prod(wa), math.exp(-0.2 / T) / np.prod(wb)])
    assert np.allclose(me.equilibrium(), m / m.sum(), rtol=1e-13)
    assert me.detailed_balance_error() < 1e-14


def test_equilibrium_boltzmann_for_symmetric_prefactors():
    rng = np.random.default_rng(7)
    e, pairs, es, pf = _random_network(rng, n=9, scale=1.0)
    T = 0.37
    me = MasterEquation(network_from_arrays(e, pairs, es, pf), temperature=T)
    boltz = np.exp(-(e - e.min()) / T)
    boltz /= boltz.sum()
    assert np.allclose(me.equilibrium(), boltz, rtol=1e-13)
    assert np.max(np.abs(me.K @ boltz)) < 1e-14 * np.max(me.escape_rates)
    # long-time limit of expm(-K t) from a single minimum
    slow = me.relaxation_rates()[1]
    p_late = me.evolve(me.start_vector(), [60.0 / slow])[0]
    assert np.allclose(p_late, boltz, rtol=1e-10, atol=1e-15)


def test_spectrum_against_nonsymmetric_eigenvalues():
    rng = np.random.default_rng(3)
    e, pairs, es, pf = _random_network(rng, n=10, scale=0.5)
    me = MasterEquation(network_from_arrays(e, pairs, es, pf), temperature=0.8)
    direct = np.sort(np.linalg.eigvals(me.K.toarray()).real)
    assert np.allclose(me.relaxation_rates(), direct, atol=1e-12 * direct.max())
    lam, a = me.spectrum()
    K = me.K.toarray()
    for k in range(me.n):
        assert np.allclose(K @ a[:, k], lam[k] * a[:, k], atol=1e-11 * np.abs(a[:, k]).max())


@pytest.mark.parametrize("beta", [0.2, 0.5])
def test_lumped_hypercube_spectrum_is_subset_of_full_network(beta):
    """001-3.11: the lumped (n, n1) eigenvalues are a subset of the full 2^D network's.

    The full D = 6 hypercube as a network: vertex energies D phi(x, y), one saddle per edge at
    (E_a + E_b)/2 with prefactor B = 1, which reproduces L = B exp(beta (Phi_j - Phi_i)/2) (5.2).
    """
    D = 6
    verts = np.array(list(itertools.product([-1, 1], repeat=D)))
    n = (verts > 0).sum(axis=1)
    n1 = (verts[:, : D // 2] > 0).sum(axis=1)
    x = 2.0 * n / D - 1.0
    y = (4.0 * n1 - 2.0 * n) / D
    energy = D * hc.phi(x, y)
    pairs = [
        (i, j)
        for i in range(len(verts))
        for j in range(i + 1, len(verts))
        if np.sum(verts[i] != verts[j]) == 1
    ]
    pairs = np.array(pairs)
    saddle = 0.5 * (energy[pairs[:, 0]] + energy[pairs[:, 1]])
    with pytest.warns(NetworkWarning, match="below a minimum"):
        net = network_from_arrays(energy, pairs, saddle)
    me = MasterEquation(net, temperature=1.0 / beta)
    full = me.relaxation_rates()
    lumped = np.linalg.eigvalsh(hm.symmetrised_generator(beta, D).toarray())
    for lam in lumped:
        assert np.min(np.abs(full - lam)) < 1e-10 * full.max()
    # and the lumped equilibrium is the full one summed over each class (Q = W P, 001-5.5)
    q = np.exp(hm.log_stationary(beta, D))
    lat = hm.lattice(D)
    p_full = me.equilibrium()
    for k in range(lat.size):
        sel = (n == lat.n[k]) & (n1 == lat.n1[k])
        assert p_full[sel].sum() == pytest.approx(q[k], rel=1e-12)
