"""Unit tests of Buchenau's soft-potential model (seed 002; SCIENCE.md section 8)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants
from scipy.special import gamma

from pelkit.errors import InputError
from pelkit.theory.soft_potential import (
    BETA_EPS0_OVER_BETA_EPS_M_SQ,
    BUCHENAU_GLASSES,
    beta_eps0,
    crossover_from_t_star,
    eps_k_over_eps_m_at,
    eps_m_over_kT_from_eps0,
    harmonic_roots,
    implied_crossover_inputs,
    mean_u2,
    mode_soft_potential_parameters,
    participation_number,
    participation_ratio,
    soft_mode_stability_residual,
    soft_potential_report,
    stability_curve,
    stability_q,
)


@pytest.mark.parametrize("a", [1.0, 1.5, 3.0, 5.0, 40.0])
def test_harmonic_roots_solve_the_quadratic(a: float) -> None:
    eta2, eta1 = harmonic_roots(a)
    assert eta2 <= eta1
    for eta in (eta2, eta1):
        assert 4.0 * a * eta * (1.0 - eta) == pytest.approx(1.0, rel=1e-13)
    assert eta2 + eta1 == pytest.approx(1.0, rel=1e-14)


def test_harmonic_roots_bad_input() -> None:
    with pytest.raises(InputError):
        harmonic_roots(0.5)
    with pytest.raises(InputError):
        harmonic_roots(-1.0)
    with pytest.raises(InputError):
        harmonic_roots(float("nan"))


def test_pure_quartic_constant() -> None:
    assert BETA_EPS0_OVER_BETA_EPS_M_SQ == pytest.approx(4 * (gamma(0.25) / gamma(0.75)) ** 2)
    assert beta_eps0(3.0) == pytest.approx(9.0 * BETA_EPS0_OVER_BETA_EPS_M_SQ)
    # eq 20 at eta_k = 0 is solved by beta eps_0: eps_k <x^2> = 2 eps_m
    a = 4.0
    be = beta_eps0(a)
    assert be * mean_u2(0.0) / math.sqrt(be) == pytest.approx(2.0 * a, rel=1e-13)


def test_mean_u2_limits() -> None:
    assert mean_u2(0.0) == pytest.approx(gamma(0.75) / gamma(0.25), rel=1e-14)
    # harmonic limit with the first quartic correction: s^2 - 12 s^6, s^2 = 1/(2 eta')
    for ep in (200.0, 1e3, 1e4):
        s2 = 1.0 / (2.0 * ep)
        assert mean_u2(ep) == pytest.approx(s2 - 12.0 * s2**3, rel=100 * s2**3)
    # deep double well: -eta'/2 minus a small fluctuation correction
    for ep in (-100.0, -1e3):
        assert mean_u2(ep) == pytest.approx(-ep / 2.0, rel=2.0 / ep**2 + 1e-12)
    arr = mean_u2(np.array([[0.0, 1.0], [2.0, -1.0]]))
    assert arr.shape == (2, 2)
    with pytest.raises(InputError):
        mean_u2(float("inf"))


def test_stability_q_branches() -> None:
    a = 3.0
    ep = np.array([-5.0, 0.0, 2.0, 50.0])
    qp = stability_q(ep, a, "+")
    qm = stability_q(ep, a, "-")
    assert np.all(qp > 0)
    assert np.isnan(qm[0]) and np.isnan(qm[1]) and np.all(qm[2:] > 0)
    # both roots satisfy m q^2 - 2 a q + 2 a eta' = 0 (eq 24 rearranged)
    m = mean_u2(ep)
    for q, e, mm in zip(np.r_[qp, qm[2:]], np.r_[ep, ep[2:]], np.r_[m, m[2:]], strict=True):
        assert mm * q * q - 2 * a * q + 2 * a * e == pytest.approx(0.0, abs=1e-11 * a * q)
    with pytest.raises(InputError):
        stability_q(ep, a, "x")


@pytest.mark.parametrize("a", [3.0, 5.0])
def test_stability_curve_shape(a: float) -> None:
    c = stability_curve(a, n_points=121)
    eta2, eta1 = harmonic_roots(a)
    assert c.eta_2 == eta2 and c.eta_1 == eta1 and c.eta_prime_join is None
    assert np.all(np.diff(c.plus.eta_k) > 0) and np.all(np.diff(c.minus.eta_k) < 0)
    assert np.all(c.plus.eta_k < eta2) and np.all(c.plus.eps_k_over_eps_m > 4.0)
    assert np.all(np.diff(c.plus.eps_k_over_eps_m) > 0)
    assert np.all((c.minus.eta_k > eta1) & (c.minus.eta_k < 1.0))
    assert c.plus.eta_k[-1] == pytest.approx(eta2, rel=1e-3)
    assert c.minus.eta_k[-1] == pytest.approx(eta1, rel=1e-3)
    res = soft_mode_stability_residual
    assert np.max(np.abs(res(c.plus.eta_k, c.plus.eps_k_over_eps_m, a))) < 1e-12
    assert np.max(np.abs(res(c.minus.eta_k, c.minus.eps_k_over_eps_m, a))) < 1e-10


def test_stability_curve_below_one_joins() -> None:
    c = stability_curve(0.6, n_points=81)
    assert c.eta_2 is None and c.eta_1 is None and c.eta_prime_join is not None
    assert c.plus.eta_k[-1] == pytest.approx(c.minus.eta_k[-1], rel=1e-12)
    assert c.plus.eps_k_over_eps_m[-1] == pytest.approx(c.minus.eps_k_over_eps_m[-1], rel=1e-12)
    assert np.all(np.isfinite(c.plus.eps_k_over_eps_m))
    # at the join the discriminant vanishes: 2 <u^2> eta' = a
    assert 2 * mean_u2(c.eta_prime_join) * c.eta_prime_join == pytest.approx(0.6, rel=1e-12)
    with pytest.raises(InputError):
        stability_curve(2.0, n_points=2)


def test_eps_k_over_eps_m_at() -> None:
    a = 3.0
    p0 = eps_k_over_eps_m_at(0.0, a)
    assert p0["eps_k_over_eps_m"] == pytest.approx(4 * a / mean_u2(0.0) ** 2, rel=1e-13)
    assert p0["eps_k_over_eps_m"] == pytest.approx(beta_eps0(a) / a, rel=1e-13)
    pm = eps_k_over_eps_m_at(0.95, a, "-")
    residual = soft_mode_stability_residual(0.95, pm["eps_k_over_eps_m"], a)
    assert residual == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(InputError):
        eps_k_over_eps_m_at(0.2, a, "+")  # above eta_2 = 0.0918
    with pytest.raises(InputError):
        eps_k_over_eps_m_at(0.5, a, "-")  # below eta_1 = 0.908
    with pytest.raises(InputError):
        eps_k_over_eps_m_at(1.2, a, "-")


def test_participation_reexports_and_mode_parameters() -> None:
    n = 5
    single = np.zeros(3 * n)
    single[4] = 1.0
    uniform = np.ones(3 * n) / math.sqrt(3 * n)
    vecs = np.vstack([single, uniform])
    weights = np.sum(vecs.reshape(2, n, 3) ** 2, axis=2)
    np.testing.assert_allclose(participation_number(vecs), 1.0 / np.sum(weights**2, axis=1))
    np.testing.assert_allclose(participation_ratio(vecs), [1.0 / n, 1.0])
    out = mode_soft_potential_parameters([-0.5, 4.0], vecs, omega_c=2.0, a=0.3, mass=1.5)
    np.testing.assert_allclose(out["eta_k"], [-0.125, 1.0])
    np.testing.assert_allclose(out["N_k"], [1.0, n])
    np.testing.assert_allclose(out["eps_k"], np.array([1.0, n]) * 1.5 * 0.09 * 4.0 / 2.0)
    with pytest.raises(InputError):
        mode_soft_potential_parameters([1.0], vecs, omega_c=2.0, a=0.3)


def test_crossover_closed_forms_satisfy_eqs_6_and_7() -> None:
    out = crossover_from_t_star(2.0, 3.0, mass_u=20.0)
    hbar = constants.hbar
    w = 1.6 * constants.k * 2.0
    omega_c = 2 * math.pi * 3e12
    eps0 = out["eps0_eV"] * constants.electron_volt
    ns_m_a2 = out["Ns_M_a2_kg_m2"]
    assert eps0 == pytest.approx(ns_m_a2 * omega_c**2 / 2.0, rel=1e-12)  # eq 6
    w7 = (hbar**2 / (2 * ns_m_a2)) ** (2 / 3) * eps0 ** (1 / 3)  # eq 7
    assert w7 == pytest.approx(w, rel=1e-12)
    assert out["W_eV"] * constants.electron_volt == pytest.approx(w, rel=1e-12)
    assert out["Ns_a2_A2"] == pytest.approx(ns_m_a2 / (20.0 * constants.atomic_mass) * 1e20)
    assert crossover_from_t_star(2.0, 3.0)["Ns_a2_A2"] is None
    back = implied_crossover_inputs(out["Ns_a2_A2"], out["eps0_eV"], 20.0)
    assert back["nu_c_THz"] == pytest.approx(3.0, rel=1e-12)
    assert back["t_star_K"] == pytest.approx(2.0, rel=1e-12)
    with pytest.raises(InputError):
        crossover_from_t_star(-1.0, 3.0)
    with pytest.raises(InputError):
        crossover_from_t_star(1.0, 3.0, mass_u=0.0)


def test_eps_m_over_kt_roundtrip() -> None:
    t = 500.0
    kt_ev = constants.k * t / constants.electron_volt
    eps0 = beta_eps0(4.2) * kt_ev
    assert eps_m_over_kT_from_eps0(eps0, t) == pytest.approx(4.2, rel=1e-13)
    assert set(BUCHENAU_GLASSES) == {"silica", "selenium", "b2o3"}


def test_soft_potential_report() -> None:
    res, curve = soft_potential_report(3.0, n_points=61)
    assert res["eta_2"] == pytest.approx(0.0917517, abs=5e-8)
    assert [row["eta_k"] for row in res["plus_branch_table"]][:2] == [-1.0, -0.5]
    assert len(res["plus_branch_table"]) == 8
    assert res["curve"]["plus"]["eta_k"] is curve.plus.eta_k
    low, _ = soft_potential_report(0.5, n_points=61)
    assert low["eta_1"] is None and low["eta_2"] is None and "no real roots" in low["note"]
