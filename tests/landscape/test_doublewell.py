"""Unit tests of pelkit.landscape.doublewell: arc length, profile, DW test, fields, omega_tan."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.landscape.doublewell import (
    EndCurvatures,
    analyse_path,
    arc_length,
    best_mode_overlap,
    classify_profile,
    omega_tan_squared,
    path_fields,
    path_profile,
    signed_frequency,
)


def test_arc_length_mass_weighted_minimum_image():
    box = np.array([4.0, 4.0, 4.0])
    a = np.array([[3.9, 0.0, 0.0], [1.0, 1.0, 1.0]])
    b = np.array([[0.1, 0.0, 0.0], [1.0, 1.3, 1.0]])  # particle 0 crosses the boundary: +0.2
    masses = np.array([2.0, 0.5])
    xi = arc_length(np.stack([a.ravel(), b.ravel()]), masses, box, 3)
    assert xi[0] == 0.0
    assert xi[1] == pytest.approx(np.sqrt(2.0 * 0.2**2 + 0.5 * 0.3**2), rel=1e-12)
    # per-coordinate masses give the same; no box gives the long way round
    np.testing.assert_allclose(arc_length(np.stack([a.ravel(), b.ravel()]),
                                          np.repeat(masses, 3), box, 3), xi)
    no_box = arc_length(np.stack([a.ravel(), b.ravel()]), masses, None, 3)
    assert no_box[1] == pytest.approx(np.sqrt(2.0 * 3.8**2 + 0.5 * 0.3**2))


def test_hermite_profile_is_exact_for_cubics_and_gives_curvature():
    def v(x):
        return 0.5 * 3.0 * x**2 - 0.7 * x**3

    def dv(x):
        return 3.0 * x - 2.1 * x**2

    xi = np.array([0.0, 0.3, 0.45, 1.0, 1.7])
    prof = path_profile(xi, v(xi), dv(xi))
    assert prof.method == "hermite"
    xs = np.linspace(0, 1.7, 57)
    np.testing.assert_allclose(prof(xs), v(xs), atol=1e-13)
    assert prof.curvature_start() == pytest.approx(3.0, rel=1e-12)
    assert prof.curvature_end() == pytest.approx(3.0 - 4.2 * 1.7, rel=1e-12)


def test_spline_fallback_has_zero_end_slopes():
    xi = np.linspace(0.0, 2.0, 9)
    v = (xi * (2.0 - xi)) ** 2
    prof = path_profile(xi, v)
    assert prof.method == "spline"
    assert prof(np.array([0.0, 2.0]), 1) == pytest.approx([0.0, 0.0], abs=1e-12)
    np.testing.assert_allclose(prof(xi), v, atol=1e-14)


def test_profile_input_errors():
    with pytest.raises(InputError):
        path_profile([0.0, 1.0, 1.0], [0.0, 1.0, 0.0])
    with pytest.raises(InputError):
        path_profile([0.0, 1.0, 2.0], [0.0, np.nan, 0.0])
    with pytest.raises(InputError):
        path_profile([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], [0.0, 1.0])


def symmetric_dw(n=21, bump=0.0, bump_at=1.8, tilt=0.0):
    """V(xi) = (xi (2 - xi))^2 + tilt xi on [0, 2] plus an optional narrow Gaussian bump."""
    xi = np.linspace(0.0, 2.0, n)
    w = 0.02
    g = bump * np.exp(-((xi - bump_at) ** 2) / (2 * w * w))
    v = (xi * (2 - xi)) ** 2 + tilt * xi + g
    dv = 2 * xi * (2 - xi) * (2 - 2 * xi) + tilt - g * (xi - bump_at) / w**2
    return xi, v, dv


def test_simple_double_well():
    xi, v, dv = symmetric_dw()
    shape = classify_profile(path_profile(xi, v, dv))
    assert shape.is_double_well and shape.reason == ""
    assert [e.kind for e in shape.extrema] == ["min", "max", "min"]
    assert shape.extrema[1].xi == pytest.approx(1.0, abs=1e-12)
    assert shape.extrema[1].energy == pytest.approx(1.0, abs=1e-12)
    assert shape.interior_minima == []


def test_interior_minimum_is_reported_with_an_image():
    xi = np.linspace(0.0, 3.0, 31)
    # minima at 0, 1.5 (raised by 0.1) and 3 along the path
    v = 1.0 - np.cos(2 * np.pi * xi / 1.5) + 0.1 * np.sin(np.pi * xi / 3) ** 2
    dv = 2 * np.pi / 1.5 * np.sin(2 * np.pi * xi / 1.5) + 0.1 * np.pi / 3 * np.sin(
        2 * np.pi * xi / 3
    )
    shape = classify_profile(path_profile(xi, v, dv))
    assert not shape.is_double_well
    assert len(shape.interior_minima) == 1 and len(shape.interior_maxima) == 2
    m = shape.interior_minima[0]
    assert m.xi == pytest.approx(1.5, abs=0.01)
    assert m.image == 15  # xi_15 = 1.5
    assert "quench" in shape.reason


def wiggly_profile(depth: float, start_slope: float = 0.0):
    """A double well with a min/max pair of energy difference ``depth`` on B's side.

    All slopes are zero (so V' also vanishes at the monotonic images, where it does not change
    sign: those are not extrema), except ``start_slope`` at A.
    """
    xi = np.arange(9.0)
    v = np.array([0.0, 0.5, 1.0, 0.5, 0.2, 0.2 - 2 * depth, 0.2 - depth, 0.1, 0.0])
    dv = np.zeros(9)
    dv[0] = start_slope
    return path_profile(xi, v, dv)


def test_wiggles_below_tolerance_are_ignored():
    profile = wiggly_profile(1e-9)
    assert classify_profile(profile, 1e-8).is_double_well
    strict = classify_profile(profile, 1e-10)
    assert not strict.is_double_well
    assert len(strict.interior_minima) == 1 and strict.interior_minima[0].image == 5
    assert not classify_profile(wiggly_profile(1e-6)).is_double_well
    # a slightly negative slope at A (a not-quite-converged end) makes a ~1e-13 dip: ignored
    assert classify_profile(wiggly_profile(0.0, start_slope=-1e-6)).is_double_well
    assert not classify_profile(wiggly_profile(0.0, start_slope=-1e-6), 0.0).is_double_well


def test_fields_minimum_image_and_drift():
    box = np.array([5.0, 5.0, 5.0])
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 5, (4, 3))
    d = rng.normal(scale=0.1, size=(4, 3))
    drift = np.array([0.3, -0.2, 0.1])
    images = np.stack([a, a + 0.1 * d + drift, a + 0.5 * d, (a + d + drift) % box])
    masses = np.array([1.0, 2.0, 3.0, 4.0])
    f = path_fields(images.reshape(4, -1), 2, masses, box, 3)
    mm = masses[:, None]
    for field_ in (f.r_ab, f.r_as, f.r_tan):
        np.testing.assert_allclose(np.sum(mm * field_, axis=0), 0.0, atol=1e-12)
    mean = np.sum(mm * d, axis=0) / masses.sum()
    np.testing.assert_allclose(f.r_ab, d - mean, atol=1e-12)
    np.testing.assert_allclose(f.r_as, 0.5 * (d - mean), atol=1e-12)
    np.testing.assert_allclose(f.r_tan, 0.1 * (d - mean), atol=1e-12)
    raw = path_fields(images.reshape(4, -1), 2, masses, box, 3, remove_mean=False)
    np.testing.assert_allclose(raw.r_ab, d + drift, atol=1e-12)


def test_omega_tan_hessian_and_hvp_agree_and_use_masses():
    rng = np.random.default_rng(1)
    q = rng.normal(size=(6, 6))
    hess = q @ q.T
    masses = np.array([1.0, 4.0])
    r = rng.normal(size=6)
    w_h = omega_tan_squared(r, masses, hessian=hess)
    w_v = omega_tan_squared(r, masses, hvp=lambda u: hess @ u)
    assert w_h == pytest.approx(w_v, rel=1e-13)
    # reference: rhat^T (M^-1/2 H M^-1/2) rhat with rhat the mass-weighted unit r
    m = np.repeat(masses, 3)
    hm = hess / np.sqrt(np.outer(m, m))
    rhat = np.sqrt(m) * r / np.linalg.norm(np.sqrt(m) * r)
    assert w_h == pytest.approx(rhat @ hm @ rhat, rel=1e-13)
    with pytest.raises(InputError):
        omega_tan_squared(r, masses)
    assert signed_frequency(-4.0) == -2.0 and signed_frequency(9.0) == 3.0


def test_best_mode_overlap():
    rng = np.random.default_rng(2)
    e, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    lam = np.arange(1.0, 7.0)
    masses = np.array([1.0, 2.0])
    field_ = (0.9 * e[:, 3] + 0.1 * e[:, 1]) / np.sqrt(np.repeat(masses, 3))
    k, c, w = best_mode_overlap(field_, e, lam, masses)
    assert k == 3
    assert c == pytest.approx(0.9 / np.hypot(0.9, 0.1), rel=1e-12)
    assert w == pytest.approx(2.0)


def test_analyse_path_quantities_on_2d_quadratic_band():
    """A straight band through V(x, y) = (x^2 - 1)^2 + x^3/2 + y^2 (minima at -1, 1, saddle at
    0): analytic quantities."""
    x = np.linspace(-1.0, 1.0, 41)
    images = np.stack([x, np.zeros_like(x)], axis=1)
    v = (x * x - 1.0) ** 2 + 0.5 * x**3 - 1.5 * x  # V' = 4x(x^2-1) + 1.5 (x^2 - 1)
    dvdx = 4 * x * (x * x - 1.0) + 1.5 * (x * x - 1.0)
    hess_a = np.diag([8.0 - 3.0, 2.0])  # V'' = 12 x^2 - 4 + 3 x
    hess_b = np.diag([8.0 + 3.0, 2.0])
    res = analyse_path(images, v, dv_dxi=dvdx, block=2,
                       ends=EndCurvatures(hessian_a=hess_a, hessian_b=hess_b))
    assert res.is_double_well
    # without a climbing index the highest image is taken as the saddle
    assert res.saddle_index == int(np.argmax(v)) and res.e_s == pytest.approx(v.max())
    assert res.e_a == pytest.approx(1.0) and res.e_b == pytest.approx(-1.0)
    assert res.barrier == pytest.approx(v.max() + 1.0)
    assert res.barrier_a == pytest.approx(v.max() - 1.0)
    assert res.barrier_b == pytest.approx(v.max() + 1.0)
    assert res.asymmetry == pytest.approx(2.0)
    assert res.d_ab == pytest.approx(2.0) and res.xi_b == pytest.approx(2.0)
    assert res.omega_a_hessian == pytest.approx(np.sqrt(5.0))
    assert res.omega_b_hessian == pytest.approx(np.sqrt(11.0))
    # profile curvature at the ends (Hermite: exact up to the quartic term, h = 0.05)
    assert res.omega_a_profile == pytest.approx(np.sqrt(5.0), rel=5e-3)
    assert res.omega_b_profile == pytest.approx(np.sqrt(11.0), rel=5e-3)
    np.testing.assert_allclose(res.fields.r_tan.ravel(), [0.05, 0.0])
    summary = res.summary()
    assert summary["is_double_well"] and summary["barrier"] == res.barrier
