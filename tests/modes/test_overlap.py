"""Tests of pelkit.modes.overlap (seed 003 eqs 7-8; SCIENCE.md section 3.6)."""

from __future__ import annotations

import numpy as np
import pytest
from toy_systems import soft_sphere_glass

from pelkit.errors import InputError
from pelkit.modes.normal import all_modes
from pelkit.modes.overlap import mode_overlaps, overlap_a, overlap_c


def test_self_overlap_is_one_and_orthogonal_is_zero():
    rng = np.random.default_rng(0)
    r = rng.normal(size=30)
    assert overlap_c(r, r) == pytest.approx(1.0)
    assert overlap_a(r, r) == pytest.approx(1.0)
    assert overlap_c(r, -3.0 * r) == pytest.approx(1.0)  # |.| and normalisation
    v = rng.normal(size=30)
    v -= (v @ r) / (r @ r) * r
    assert overlap_c(r, v) == pytest.approx(0.0, abs=1e-14)
    # disjoint particles: both c and a vanish
    r2 = np.zeros(30)
    r2[:6] = 1.0
    v2 = np.zeros(30)
    v2[6:12] = 1.0
    assert overlap_c(r2, v2) == 0.0
    assert overlap_a(r2, v2) == 0.0


def test_a_ignores_polarisation():
    rng = np.random.default_rng(1)
    r = rng.normal(size=(10, 3))
    # rotate every particle's displacement by 90 degrees about z: c = 0 for in-plane fields
    r[:, 2] = 0.0
    v = np.column_stack([-r[:, 1], r[:, 0], np.zeros(10)])
    assert overlap_c(r, v) == pytest.approx(0.0, abs=1e-14)
    assert overlap_a(r, v) == pytest.approx(1.0)


def test_a_is_at_least_c_and_both_in_unit_interval():
    rng = np.random.default_rng(2)
    for _ in range(20):
        r, v = rng.normal(size=(2, 24))
        c, a = overlap_c(r, v), overlap_a(r, v)
        assert 0.0 <= c <= a <= 1.0 + 1e-15


def test_reference_formulas():
    rng = np.random.default_rng(3)
    r, v = rng.normal(size=(2, 15))
    c_ref = abs(r @ v) / np.sqrt((r @ r) * (v @ v))
    ri = np.linalg.norm(r.reshape(5, 3), axis=1)
    vi = np.linalg.norm(v.reshape(5, 3), axis=1)
    a_ref = ri @ vi / np.sqrt((ri @ ri) * (vi @ vi))
    assert overlap_c(r, v) == pytest.approx(c_ref)
    assert overlap_a(r, v) == pytest.approx(a_ref)
    many = rng.normal(size=(4, 15))
    assert np.allclose(overlap_c(r, many), [overlap_c(r, w) for w in many])
    assert np.allclose(overlap_a(r, many), [overlap_a(r, w) for w in many])


def test_mass_weighting():
    rng = np.random.default_rng(4)
    r, v = rng.normal(size=(2, 12))
    assert overlap_c(r, v, np.ones(4)) == pytest.approx(overlap_c(r, v))
    m = np.array([1.0, 2.0, 3.0, 0.5])
    w = np.repeat(np.sqrt(m), 3)
    assert overlap_c(r, v, m) == pytest.approx(overlap_c(w * r, w * v))
    assert overlap_a(r, v, m) == pytest.approx(overlap_a(w * r, w * v))
    with pytest.raises(InputError, match="masses"):
        overlap_c(r, v, np.ones(3))


def test_mode_overlaps_pick_out_a_mode_for_unequal_masses():
    toy, x = soft_sphere_glass()
    m = np.random.default_rng(5).uniform(0.5, 2.0, size=toy.n)
    modes = all_modes(toy.hessian(x), m)
    u = modes.displacements()[:, 7]  # Cartesian field of mode 7
    c = mode_overlaps(u, modes, "c")
    assert c[7] == pytest.approx(1.0)
    assert np.max(np.delete(c, 7)) < 1e-10
    # Cartesian (unweighted) overlap of u with e_7 is not 1 for unequal masses
    assert overlap_c(u, modes.eigenvectors[:, 7]) < 0.999
    a = mode_overlaps(u, modes, "a")
    assert a[7] == pytest.approx(1.0)
    # completeness of the 3N - 3 modes for a random field without centre-of-mass drift
    r = np.random.default_rng(6).normal(size=(toy.n, 3))
    r -= (m[:, None] * r).sum(axis=0) / m.sum()
    assert np.sum(mode_overlaps(r, modes, "c") ** 2) == pytest.approx(1.0)


def test_bad_overlap_input():
    with pytest.raises(InputError, match="zero vector"):
        overlap_c(np.zeros(6), np.ones(6))
    with pytest.raises(InputError, match="shape"):
        overlap_c(np.ones(6), np.ones(9))
