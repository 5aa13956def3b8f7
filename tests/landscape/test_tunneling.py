"""Unit tests of pelkit.landscape.tunneling: units, FD solver pieces (path files: tests/io)."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.landscape.doublewell import path_profile
from pelkit.landscape.tunneling import (
    PRESETS,
    classify_active,
    converged_levels,
    extended_potential,
    grid_levels,
    hbar_tilde_from_si,
    kelvin_in_epsilon,
    tunnel_splitting,
    unit_system,
)

K_B = 1.380649e-23
AMU = 1.66053906660e-27


def quartic_path(n_images: int = 41, a: float = 1.0, b: float = 1.0, tilt: float = 0.0):
    """Images of V(x) = a (x^2 - b^2)^2 + tilt x between its two minima (exact V, dV)."""
    roots = np.sort(np.roots([4 * a, 0.0, -4 * a * b * b, tilt]).real)
    x = np.linspace(roots[0], roots[2], n_images)
    v = a * (x * x - b * b) ** 2 + tilt * x
    dv = 4 * a * x * (x * x - b * b) + tilt
    return x - x[0], v, dv


# ---------------------------------------------------------------------------------------- units


def test_argon_lj_mapping_matches_science_md():
    """SCIENCE.md 4.6: argon's LJ values give hbar~ = 0.0296 and 1 K = 0.0083 epsilon."""
    eps = 120.0 * K_B
    hbar = hbar_tilde_from_si(eps, 3.4e-10, 39.95 * AMU)
    assert hbar == pytest.approx(0.0296, abs=5e-5)
    assert kelvin_in_epsilon(1.0, eps) == pytest.approx(1.0 / 120.0, rel=1e-12)
    units = unit_system("custom", epsilon_j=eps, sigma_m=3.4e-10, mass_kg=39.95 * AMU,
                        t_q_kelvin=1.0)
    assert units.hbar_tilde == pytest.approx(hbar, rel=1e-14)
    assert units.threshold == pytest.approx(0.0083, abs=5e-5)


def test_presets_carry_the_paper_thresholds_and_need_hbar():
    assert PRESETS["argon-khomenko2021"].threshold == 0.0015
    assert PRESETS["nip-khomenko2021"].threshold == 0.0002
    u = unit_system("argon-khomenko2021", hbar_tilde=0.05)
    assert (u.hbar_tilde, u.threshold, u.name) == (0.05, 0.0015, "argon-khomenko2021")
    assert unit_system("nip-khomenko2021", hbar_tilde=0.01).threshold == 0.0002
    with pytest.raises(InputError, match="hbar"):
        unit_system("argon-khomenko2021")
    with pytest.raises(InputError, match="fixes the threshold"):
        unit_system("nip-khomenko2021", hbar_tilde=0.1, threshold=0.1)


@pytest.mark.parametrize(("old", "new"), [("argon-seed003", "argon-khomenko2021"),
                                          ("nip-seed003", "nip-khomenko2021")])
def test_former_preset_names_still_resolve_with_a_warning(old, new):
    with pytest.warns(DeprecationWarning, match=new):
        u = unit_system(old, hbar_tilde=0.05)
    assert (u.name, u.threshold) == (old, PRESETS[new].threshold)
    with pytest.raises(InputError, match="choose one of") as err:
        unit_system("argon")
    assert old not in str(err.value) and new in str(err.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "argon"},
        {"name": "custom"},
        {"name": "custom", "epsilon_j": 1e-21, "sigma_m": 3e-10},
        {"name": "custom", "hbar_tilde": 0.1, "epsilon_j": 1e-21, "sigma_m": 3e-10,
         "mass_kg": 1e-25},
        {"name": "custom", "hbar_tilde": 0.1, "t_q_kelvin": 1.0},
        {"name": "custom", "hbar_tilde": -0.1},
        {"name": "custom", "hbar_tilde": 0.1, "threshold": 0.0},
    ],
)
def test_bad_unit_input(kwargs):
    name = kwargs.pop("name")
    with pytest.raises(InputError):
        unit_system(name, **kwargs)


def test_active_classification_is_at_or_below():
    np.testing.assert_array_equal(
        classify_active([1e-4, 2e-4, 3e-4], 2e-4), [True, True, False]
    )
    assert classify_active(0.0016, 0.0015) is False
    u = unit_system("custom", hbar_tilde=0.1)
    assert u.threshold is None and u.is_active(1.0) is None


# ---------------------------------------------------------------------------------------- solver


def test_grid_levels_is_the_stated_tridiagonal_matrix():
    """Diagonal hbar^2/h^2 + V_j, off-diagonal -hbar^2/(2 h^2): compare a dense eigvalsh."""
    hbar, n, lo, hi = 0.3, 60, -2.0, 2.5

    def v(x):
        return 0.7 * x**4 - x**2 + 0.2 * x

    levels, h = grid_levels(v, lo, hi, hbar, n, 5)
    assert h == pytest.approx((hi - lo) / (n + 1))
    x = lo + h * np.arange(1, n + 1)
    dense = np.diag(hbar**2 / h**2 + v(x))
    dense += np.diag(np.full(n - 1, -0.5 * hbar**2 / h**2), 1)
    dense += np.diag(np.full(n - 1, -0.5 * hbar**2 / h**2), -1)
    np.testing.assert_allclose(levels, np.linalg.eigvalsh(dense)[:5], rtol=0, atol=1e-12)


def test_halving_reports_h_and_change():
    res = converged_levels(lambda x: 0.5 * 4.0 * x**2, -4.0, 4.0, 0.2, h0=0.2, rtol=1e-4)
    assert res.converged and res.stop_reason == "converged"
    assert res.relative_change < 1e-4
    hs = [h for h, _ in res.history]
    np.testing.assert_allclose(np.array(hs[:-1]) / np.array(hs[1:]), 2.0, rtol=1e-12)
    assert res.h == hs[-1]
    # the recorded change is the last step of the history
    e1, e2 = res.history[-2][1], res.history[-1][1]
    assert res.relative_change == pytest.approx(abs(e2 - e1) / e2, rel=1e-12)
    # second-order convergence: successive differences shrink by ~4
    d = np.abs(np.diff([s for _, s in res.history]))
    assert np.all(np.abs(d[:-1] / d[1:] - 4.0) < 0.25)


def test_tiny_splitting_stops_on_resolution_and_says_so():
    """A very deep double well: E_t ~ 1e-16 is below float64 resolution -> not converged."""
    res = converged_levels(lambda x: (x * x - 1.0) ** 2, -2.5, 2.5, 0.05, h0=0.01)
    assert not res.converged
    assert res.stop_reason == "resolution"


def test_extended_potential_is_harmonic_outside_and_c1():
    xi, v, dv = quartic_path(21, tilt=0.05)
    prof = path_profile(xi, v, dv)
    wa, wb = 2.5, 3.0
    pot = extended_potential(prof, wa, wb, reference=v.min())
    xb = xi[-1]
    np.testing.assert_allclose(pot(np.array([-0.3])), v[0] - v.min() + 0.5 * wa**2 * 0.09)
    np.testing.assert_allclose(pot(np.array([xb + 0.2])), v[-1] - v.min() + 0.5 * wb**2 * 0.04)
    np.testing.assert_allclose(pot(xi[3:6]), v[3:6] - v.min(), atol=1e-14)
    eps = 1e-7
    for x0 in (0.0, xb):  # continuity of V and V' at the joins (slopes vanish at minima)
        left, mid, right = pot(np.array([x0 - eps, x0, x0 + eps]))
        assert abs(right - left) < 1e-9
        assert abs((right - mid) / eps - (mid - left) / eps) < 1e-5


def test_tunnel_splitting_rejects_non_minimum_end():
    xi = np.linspace(0.0, 2.0, 11)
    v = -((xi - 1.0) ** 2)  # a maximum in the middle, ends are not minima of V(xi)
    prof = path_profile(xi, v, -2.0 * (xi - 1.0))
    with pytest.raises(InputError, match="not a minimum"):
        tunnel_splitting(prof, 0.1)
    with pytest.raises(InputError, match="8 harmonic lengths"):
        tunnel_splitting(path_profile(*quartic_path()), 0.1, n_lengths=4.0)


def test_levels_are_measured_from_lower_well():
    xi, v, dv = quartic_path(41, tilt=0.1)
    v = v + 123.0  # absolute energies (total energies of a glass are large)
    res = tunnel_splitting(path_profile(xi, v, dv), 0.25)
    assert res.energy_reference == pytest.approx(v.min())
    assert 0.0 < res.levels[0] < 1.0
    assert res.splitting == pytest.approx(res.levels[1] - res.levels[0])
    assert res.converged and res.relative_change < 1e-4
