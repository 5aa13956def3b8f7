"""Tests of pelkit.modes.localization (SCIENCE.md section 3.2)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.modes.localization import (
    double_well_participation,
    participation_number,
    participation_ratio,
    quasi_localized,
)
from pelkit.modes.normal import Modes


def _lattice(n: int) -> np.ndarray:
    return np.array(list(itertools.product(range(n), repeat=3)), dtype=np.float64)


@pytest.mark.parametrize("polarisation", [0, 1])
def test_plane_wave_has_pr_two_thirds(polarisation):
    # standing wave cos(k.r) on a 5^3 simple-cubic lattice: sum cos^4 / (sum cos^2)^2 = 3/(2N)
    n = 5
    r = _lattice(n)
    k = 2 * np.pi / n * np.array([1.0, 0.0, 0.0])
    e = np.zeros((r.shape[0], 3))
    e[:, polarisation] = np.cos(r @ k + 0.3)
    assert participation_ratio(e.reshape(-1)) == pytest.approx(2.0 / 3.0, abs=1e-12)
    assert participation_number(e.reshape(-1)) == pytest.approx(2.0 / 3.0 * r.shape[0], rel=1e-12)


def test_plane_wave_on_random_positions_is_close_to_two_thirds():
    rng = np.random.default_rng(4)
    r = rng.uniform(0, 10.0, size=(4000, 3))
    e = np.zeros_like(r)
    e[:, 2] = np.cos(2 * np.pi / 10.0 * 3 * r[:, 0])
    assert participation_ratio(e.reshape(-1)) == pytest.approx(2.0 / 3.0, abs=0.02)


def test_one_particle_and_uniform_vectors():
    n = 17
    one = np.zeros(3 * n)
    one[3 * 5 : 3 * 5 + 3] = [0.3, -0.1, 2.0]
    assert participation_number(one) == pytest.approx(1.0)
    assert participation_ratio(one) == pytest.approx(1.0 / n)
    uniform = np.tile([1.0, 2.0, -1.0], n)
    assert participation_ratio(uniform) == pytest.approx(1.0)
    # normalisation is done internally: scale invariance
    v = np.random.default_rng(0).normal(size=3 * n)
    assert participation_number(7.5 * v) == pytest.approx(participation_number(v))


def test_two_particles_equal_weight():
    v = np.zeros(30)
    v[0] = 1.0
    v[10] = -1.0  # particle 3, y component
    assert participation_number(v) == pytest.approx(2.0)


def test_axis_convention_rows_and_columns():
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(4, 24))  # 4 vectors as rows
    rows = participation_number(vecs)
    cols = participation_number(vecs.T, axis=0)
    single = [participation_number(v) for v in vecs]
    assert rows.shape == (4,)
    assert np.allclose(rows, single)
    assert np.allclose(cols, single)
    assert np.allclose(participation_ratio(vecs), rows / 8)


def test_masses_convert_cartesian_to_mass_weighted():
    rng = np.random.default_rng(2)
    m = rng.uniform(0.5, 3.0, size=10)
    u = rng.normal(size=30)
    e = u * np.repeat(np.sqrt(m), 3)
    assert participation_number(u, m) == pytest.approx(participation_number(e))
    # a displacement of one heavy particle and one light one with equal Cartesian amplitude
    u2 = np.zeros(6)
    u2[0], u2[3] = 1.0, 1.0
    m2 = np.array([1.0, 4.0])  # weights 1 and 4 -> N_k = 25/17
    assert participation_number(u2, m2) == pytest.approx(25.0 / 17.0)
    assert participation_number(u2) == pytest.approx(2.0)
    with pytest.raises(InputError, match="masses"):
        participation_number(u, m[:5])


def test_double_well_participation():
    d = np.zeros((20, 3))
    d[:4] = [[0.1, 0.0, 0.0], [0.0, -0.1, 0.0], [0.0, 0.0, 0.1], [0.06, 0.08, 0.0]]
    assert double_well_participation(d) == pytest.approx(4.0)
    assert double_well_participation(d.reshape(-1)) == pytest.approx(4.0)
    rng = np.random.default_rng(3)
    r = rng.normal(size=60)
    w = np.sum(r.reshape(-1, 3) ** 2, axis=1)
    assert double_well_participation(r) == pytest.approx(w.sum() ** 2 / np.sum(w**2))


def test_bad_vectors():
    with pytest.raises(InputError, match="zero vector"):
        participation_number(np.zeros(9))
    with pytest.raises(InputError, match="multiple of 3"):
        participation_number(np.ones(10))
    with pytest.raises(InputError, match="NaN"):
        participation_ratio(np.array([1.0, np.nan, 0.0]))


def _fake_modes(omegas, localised, n=20):
    """Modes with given frequencies; localised ones on 1 particle, others evenly on 15 of n."""
    k = len(omegas)
    vec = np.zeros((3 * n, k))
    for j, loc in enumerate(localised):
        if loc:
            vec[3 * j, j] = 1.0
        else:
            vec[j % 3 : 45 : 3, j] = 1.0 / np.sqrt(15)
    return Modes(np.array(omegas) ** 2, vec, np.ones(n))


def test_quasi_localized_low_frequency_rule():
    omegas = [0.5, 0.7, 0.9, 1.0, 1.2, 3.0, 4.0]
    localised = [True, False, True, False, True, False, True]
    sel = quasi_localized(_fake_modes(omegas, localised))
    # first extended mode at omega 0.7: only the localised mode below it is a QLM
    assert sel.omega_extended == pytest.approx(0.7)
    assert sel.indices.tolist() == [0]
    assert sel.participation_ratio[0] == pytest.approx(1 / 20)
    assert "PR < 0.1" in sel.rule
    assert sel.participation_ratio[1] == pytest.approx(0.75)
    # stricter extended threshold: no mode reaches PR >= 0.8, so all localised modes are "low"
    sel2 = quasi_localized(_fake_modes(omegas, localised), extended_pr=0.8)
    assert sel2.omega_extended == float("inf")
    assert sel2.indices.tolist() == [0, 2, 4, 6]
    d = sel.as_dict()
    assert d["pr_max"] == 0.1 and d["extended_pr"] == 0.3
    with pytest.raises(InputError):
        quasi_localized(_fake_modes(omegas, localised), pr_max=0.0)
