"""Tests of pelkit.modes.inm: f_u, INM DOS, profiles, DW / shoulder, quartic fit."""

from __future__ import annotations

import numpy as np
import pytest
from toy_systems import perturbed, soft_sphere_glass

from pelkit.errors import InputError
from pelkit.modes.inm import (
    DOUBLE_WELL,
    SHOULDER,
    ModeProfile,
    analyse_profile,
    classify_unstable_mode,
    double_well_fraction,
    inm_density_of_states,
    mode_profile,
    quartic_fit,
    unstable_fraction,
)
from pelkit.modes.localization import participation_number
from pelkit.modes.normal import all_modes, lowest_modes


@pytest.fixture(scope="module")
def inm():
    toy, x = soft_sphere_glass()
    xp = perturbed(x, 0.04, 1)
    return toy, xp, all_modes(toy.hessian(xp), np.ones(toy.n))


def _profile(f, s_max=1.5, n=301) -> ModeProfile:
    s = np.linspace(-s_max, s_max, n)
    s[n // 2] = 0.0
    return ModeProfile(s, f(s), np.zeros(3), s_max, s_max)


# ------------------------------------------------------------------------------ f_u and DOS


def test_unstable_fraction_counts_negative_eigenvalues(inm):
    toy, _, modes = inm
    lam = modes.eigenvalues
    n_neg = np.count_nonzero(lam < -1e-8)
    assert n_neg > 0
    assert unstable_fraction(modes) == pytest.approx(n_neg / (3 * toy.n - 3))
    # a looser tolerance can only lower f_u
    assert unstable_fraction(modes, lambda_tol=abs(lam[0]) * 2) == 0.0


def test_unstable_fraction_needs_all_modes(inm):
    toy, xp, _ = inm
    part = lowest_modes(toy.hessian(xp), np.ones(toy.n), 5)
    with pytest.raises(InputError, match="3N - 3"):
        unstable_fraction(part)


@pytest.mark.parametrize("variable", ["omega", "lambda"])
def test_inm_dos_has_imaginary_weight_f_u_below_zero(inm, variable):
    _, _, modes = inm
    dens, edges = inm_density_of_states(modes, bins=40, variable=variable)
    width = np.diff(edges)
    assert np.sum(dens * width) == pytest.approx(1.0)
    assert np.any(np.isclose(edges, 0.0, atol=1e-12))
    below = np.sum((dens * width)[edges[1:] <= 1e-12])
    assert below == pytest.approx(np.count_nonzero(modes.eigenvalues < 0) / modes.n_modes)
    assert below > 0


# ------------------------------------------------------------------------------ profiles


def test_mode_profile_window_and_curvature(inm):
    toy, xp, modes = inm
    m = np.ones(toy.n)
    k = 0  # most unstable mode
    prof = mode_profile(toy.energy, xp, modes.displacements()[:, k] * 3.7, m)
    assert prof.s.size == 201 and prof.s[100] == 0.0
    assert prof.energies[100] == pytest.approx(toy.energy(xp))
    assert prof.max_displacement == pytest.approx(0.5)
    disp = np.linalg.norm((prof.s_max * prof.direction).reshape(-1, 3), axis=1)
    assert disp.max() == pytest.approx(0.5)
    # direction is rescaled to unit mass-weighted norm, so U''(0) = lambda_k
    small = mode_profile(toy.energy, xp, modes.displacements()[:, k], m, s_max=1e-3, n_points=5)
    h = small.s[3] - small.s[2]
    curv = (small.energies[1] - 2 * small.energies[2] + small.energies[3]) / h**2
    assert curv == pytest.approx(modes.eigenvalues[k], rel=1e-4)
    with pytest.raises(InputError, match="odd"):
        mode_profile(toy.energy, xp, modes.displacements()[:, k], m, n_points=200)


def test_analytic_double_well_and_tilted_shoulder():
    dw = _profile(lambda s: s**4 / 4 - s**2 / 2)
    assert classify_unstable_mode(dw) == DOUBLE_WELL
    res = analyse_profile(dw)
    assert np.allclose(np.sort(res.minima[:, 0]), [-1.0, 1.0], atol=1e-4)
    assert np.allclose(res.minima[:, 1], -0.25, atol=1e-6)
    assert res.maxima[0, 0] == pytest.approx(0.0, abs=1e-8)
    # concave region of s^4/4 - s^2/2 is |s| < 1/sqrt(3)
    assert res.concave[0] == pytest.approx(-1 / np.sqrt(3), abs=0.011)
    assert res.concave[1] == pytest.approx(1 / np.sqrt(3), abs=0.011)
    # weak tilt: still two minima on both sides of the concave region
    tilt_dw = _profile(lambda s: s**4 / 4 - s**2 / 2 + 0.2 * s)
    res = analyse_profile(tilt_dw)
    assert res.label == DOUBLE_WELL
    roots = np.sort(np.roots([1.0, 0.0, -1.0, 0.2]).real)
    assert np.allclose(np.sort(res.minima[:, 0]), roots[[0, 2]], atol=1e-4)
    # strong tilt (b > 2/(3 sqrt 3)): one minimum, s = 0 on the shoulder
    shoulder = _profile(lambda s: s**4 / 4 - s**2 / 2 + 0.5 * s)
    res = analyse_profile(shoulder)
    assert res.label == SHOULDER
    assert res.minima.shape[0] == 1 and res.maxima.shape[0] == 0


def test_window_too_small_and_pure_maximum_are_shoulders():
    assert classify_unstable_mode(_profile(lambda s: s**4 / 4 - s**2 / 2, s_max=0.8)) == SHOULDER
    assert classify_unstable_mode(_profile(lambda s: -(s**2))) == SHOULDER


def test_shallow_extrema_are_ignored():
    rng = np.random.default_rng(0)
    s = np.linspace(-1.5, 1.5, 301)
    s[150] = 0.0
    # minimum at s = -4/3, maximum at 0, then a plateau for s > 0.5 (a shoulder)
    sc = np.minimum(s, 0.5)
    base = -(sc**2) - 0.5 * sc**3
    wiggle = 1e-12 * rng.normal(size=s.size)
    noisy = ModeProfile(s, base + wiggle, np.zeros(3), 1.5, 1.5)
    clean = ModeProfile(s, base, np.zeros(3), 1.5, 1.5)
    # the wiggles on the plateau create many discrete extrema, all below 1e-10 max(1, |U|)
    slope = np.sign(np.diff(noisy.energies))
    assert np.count_nonzero(slope[1:] * slope[:-1] < 0) > 20
    res_noisy, res_clean = analyse_profile(noisy), analyse_profile(clean)
    assert res_noisy.minima.shape == res_clean.minima.shape == (1, 2)
    assert res_noisy.maxima.shape == res_clean.maxima.shape == (1, 2)
    assert res_noisy.minima[0, 0] == pytest.approx(-4 / 3, abs=1e-3)
    assert res_noisy.label == res_clean.label == SHOULDER
    # a real but tiny double well (depth 1e-6) is kept
    tiny = ModeProfile(s, 1e-6 * (s**4 / 4 - s**2 / 2), np.zeros(3), 1.5, 1.5)
    assert classify_unstable_mode(tiny) == DOUBLE_WELL
    # the same well with depth 1e-12 is below the threshold and ignored
    flat = ModeProfile(s, 1e-12 * (s**4 / 4 - s**2 / 2), np.zeros(3), 1.5, 1.5)
    assert classify_unstable_mode(flat) == SHOULDER


def test_profile_through_energy_callable_unequal_masses():
    # U depends only on q = e . M^1/2 (x - x0): the profile along d = e/sqrt(m) is f(q = s)
    rng = np.random.default_rng(2)
    m = np.array([1.0, 4.0, 2.0])
    e = rng.normal(size=9)
    e /= np.linalg.norm(e)
    x0 = rng.normal(size=9)
    w = np.repeat(np.sqrt(m), 3)

    def f(q):
        return q**4 - 0.3 * q**2 + 0.01 * q

    def energy(x):
        return float(f(e @ (w * (x - x0))))

    prof = mode_profile(energy, x0, 5.0 * e / w, m, s_max=0.8, n_points=161)
    assert np.allclose(prof.energies, f(prof.s), atol=1e-14)
    assert classify_unstable_mode(prof) == DOUBLE_WELL


def test_double_well_fraction_on_inm(inm):
    toy, xp, modes = inm
    res = double_well_fraction(toy.energy, xp, modes)
    n_nz = 3 * toy.n - 3
    assert res.f_u == pytest.approx(unstable_fraction(modes))
    assert len(res.labels) == res.unstable.size == modes.n_negative
    assert res.f_dw == pytest.approx(res.n_double_well / n_nz)
    assert 0 <= res.f_dw <= res.f_u
    assert set(res.labels) <= {DOUBLE_WELL, SHOULDER}
    assert res.settings["max_displacement"] == 0.5
    # spot check one label against an explicit profile
    k = int(res.unstable[-1])
    prof = mode_profile(toy.energy, xp, modes.displacements()[:, k], modes.masses)
    assert classify_unstable_mode(prof) == res.labels[-1]


# ------------------------------------------------------------------------------ quartic fit


def _synthetic_mode_energy(m, e, x0, lam, g3, g4, kperp=5.0, quartic=None):
    """U = lam/2 q^2 + g3 q^3 + g4 q^4 + kperp/2 |p_perp|^2 (+ extra(x - x0)), p = M^1/2 (x-x0)."""
    w = np.repeat(np.sqrt(m), 3)

    def energy(x):
        p = w * (x - x0)
        q = e @ p
        perp = p - q * e
        u = 0.5 * lam * q**2 + g3 * q**3 + g4 * q**4 + 0.5 * kperp * perp @ perp
        if quartic is not None:
            u += quartic(x - x0)
        return float(u)

    return energy


def test_quartic_fit_recovers_known_coefficients():
    rng = np.random.default_rng(5)
    n = 6
    m = rng.uniform(0.5, 2.0, size=n)
    e = rng.normal(size=3 * n)
    e /= np.linalg.norm(e)
    x0 = rng.uniform(0, 3, size=3 * n)
    lam, g3, g4 = 0.8, -0.3, 2.5
    energy = _synthetic_mode_energy(m, e, x0, lam, g3, g4)
    fit = quartic_fit(energy, x0, 2.0 * e, m, eigenvalue=lam, omega_c=3.0)
    assert fit.c1 == pytest.approx(0.0, abs=1e-9)
    assert fit.c2 == pytest.approx(lam / 2, rel=1e-8)
    assert fit.c3 == pytest.approx(g3, rel=1e-6)
    assert fit.c4 == pytest.approx(g4, rel=1e-6)
    assert fit.c4_half_window == pytest.approx(g4, rel=1e-5)
    assert fit.c4_relative_change < 1e-5
    assert fit.c2_over_half_lambda == pytest.approx(1.0, rel=1e-8)
    assert fit.c4_positive
    assert fit.n_points == 41
    d = e / np.repeat(np.sqrt(m), 3)
    assert fit.amplitude_max * np.max(np.linalg.norm(d.reshape(-1, 3), axis=1)) == pytest.approx(
        0.1
    )
    # Buchenau's mode form (seed 002 eqs 4-5): eps_k = N_k M a^2 omega_c^2 / 2, eta_k = w_k^2/w_c^2
    assert fit.epsilon_k == pytest.approx(fit.n_k_m_a2 * 3.0**2 / 2)
    assert fit.eta_k == pytest.approx(lam / 3.0**2, rel=1e-8)
    # V_k(x) = eps_k (eta_k x^2 + x^4) with x = A / (N_k M a^2)^1/2 reproduces c2 A^2 + c4 A^4
    amp = 0.07
    xk = amp / np.sqrt(fit.n_k_m_a2)
    assert fit.epsilon_k * (fit.eta_k * xk**2 + xk**4) == pytest.approx(
        fit.c2 * amp**2 + fit.c4 * amp**4, rel=1e-8
    )


def test_quartic_fit_single_atom_model_prediction():
    # energy with exactly Buchenau's single-atom quartic term sum_i (M a^2 w_c^2/2)(|u_i|/a)^4
    rng = np.random.default_rng(6)
    n, a, wc, mass = 5, 0.4, 2.0, 1.7
    m = np.full(n, mass)
    e = rng.normal(size=3 * n)
    e /= np.linalg.norm(e)
    x0 = np.zeros(3 * n)

    def v4(u):
        ui = np.linalg.norm(u.reshape(-1, 3), axis=1)
        return float(np.sum(mass * a**2 * wc**2 / 2 * (ui / a) ** 4))

    energy = _synthetic_mode_energy(m, e, x0, 0.5, 0.0, 0.0, quartic=v4)
    fit = quartic_fit(energy, x0, e, m, omega_c=wc, a=a)
    nk = participation_number(e)
    assert fit.participation_number == pytest.approx(nk)
    assert fit.c4_predicted == pytest.approx(wc**2 / (2 * mass * a**2 * nk))
    assert fit.c4_ratio == pytest.approx(1.0, rel=1e-6)


def test_quartic_fit_flags_non_positive_c4():
    rng = np.random.default_rng(7)
    m = np.ones(4)
    e = rng.normal(size=12)
    e /= np.linalg.norm(e)
    energy = _synthetic_mode_energy(m, e, np.zeros(12), 1.0, 0.0, -0.7)
    fit = quartic_fit(energy, np.zeros(12), e, m, omega_c=1.0)
    assert not fit.c4_positive
    assert fit.c4 == pytest.approx(-0.7, rel=1e-6)
    assert fit.epsilon_k is None and fit.n_k_m_a2 is None
    with pytest.raises(InputError, match="omega_c"):
        quartic_fit(energy, np.zeros(12), e, m, a=0.3)


def test_quartic_fit_at_toy_minimum():
    toy, x = soft_sphere_glass()
    modes = lowest_modes(toy.hessian(x), np.ones(toy.n), 1)
    fit = quartic_fit(toy.energy, x, modes.eigenvectors[:, 0], modes.masses,
                      eigenvalue=modes.eigenvalues[0])
    assert fit.c1_relative < 0.02
    assert fit.c2_over_half_lambda == pytest.approx(1.0, abs=0.03)
    assert fit.rms_residual < 1e-2 * abs(fit.c2) * fit.amplitude_max**2
