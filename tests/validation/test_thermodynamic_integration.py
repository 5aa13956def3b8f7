"""Thermodynamic integration against closed forms.

* ideal gas: Sackur-Tetrode written here from the partition function
  Z = prod_a V^{N_a} / (N_a! Lambda^{3 N_a}) (Stirling), and zero excess along both paths;
* a fluid with a polynomial equation of state Z - 1 = B2 rho + B3 rho^2 and an isochore
  u(beta) = a + b beta, whose beta f_ex and s_ex are integrated here by hand;
* a harmonic crystal simulated by MD (fcc soft spheres n = 12 at T << T_m): the isochore
  integral of the measured u(T), anchored at the lowest T by the harmonic free energy, must give
  the harmonic entropy from the crystal's Hessian eigenvalues (numpy ``eigh`` here) at the other
  temperatures.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.analysis.thermodynamic_integration import (
    anharmonic_fit,
    gauss_legendre_densities,
    harmonic_entropy,
    ideal_gas_entropy,
    integrate_isochore,
    integrate_isotherm,
)
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.models.soft_sphere import soft_spheres
from pelkit.system import Box, System


def test_ideal_gas_sackur_tetrode() -> None:
    # S/k = ln Z + beta E, Z = prod_a (V/Lambda^3)^{N_a}/N_a!, E = 3NT/2,
    # Stirling: ln n! ~ n ln n - n
    N, V, T, m, hbar = 10_000, 8000.0, 1.7, 1.3, 0.7
    counts = np.array([8000, 2000])
    lam = math.sqrt(2 * math.pi * hbar**2 / (m * T))
    ln_z = sum(n_a * math.log(V / lam**3) - (n_a * math.log(n_a) - n_a) for n_a in counts)
    s_exact = (ln_z + 1.5 * N) / N
    s = ideal_gas_entropy(N / V, T, counts / N, mass=m, hbar=hbar)
    assert float(s) == pytest.approx(s_exact, rel=1e-12)
    rho, _ = gauss_legendre_densities(1.2, 6)
    assert integrate_isotherm(rho, np.zeros(6), 1.2).beta_f_ex == 0.0
    chore = integrate_isochore([5.0, 2.0, 1.0], [0.0, 0.0, 0.0], 0.0, 5.0)
    np.testing.assert_allclose(chore.s_ex, 0.0, atol=1e-15)


def test_polynomial_equation_of_state() -> None:
    b2, b3, rho_max = -1.7, 2.4, 1.2
    rho, _ = gauss_legendre_densities(rho_max, 5)
    res = integrate_isotherm(rho, b2 * rho + b3 * rho**2, rho_max, errors=np.full(5, 0.01))
    assert res.beta_f_ex == pytest.approx(b2 * rho_max + b3 * rho_max**2 / 2, rel=1e-12)
    assert res.error == pytest.approx(0.01 * np.sqrt(np.sum(res.weights**2)))
    a, b, t0 = -3.0, -1.5, 5.0
    T = 1.0 / np.linspace(1 / t0, 2.0, 9)
    beta = 1.0 / T
    u = a + b * beta
    chore = integrate_isochore(T, u, 0.25, t0)
    beta_f = 0.25 + a * (beta - 1 / t0) + b * (beta**2 - 1 / t0**2) / 2
    np.testing.assert_allclose(chore.beta_f_ex, beta_f, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(chore.s_ex, beta * u - beta_f, rtol=1e-10, atol=1e-12)
    # the harmonic term c T is integrated analytically: u = a + c T + b beta is exact again
    c = 1.4
    shifted = integrate_isochore(T, u + c * T, 0.25, t0, harmonic=c)
    np.testing.assert_allclose(shifted.beta_f_ex, beta_f + c * np.log(beta * t0), rtol=1e-10)


def test_harmonic_entropy_formula_and_anharmonic_fit() -> None:
    lam = np.array([0.5, 2.0, 3.0, 7.5])
    expected = sum(1 - math.log(0.9 * math.sqrt(x) / 0.3) for x in lam) / 2
    assert float(harmonic_entropy(lam, 0.3, 2, hbar=0.9)) == pytest.approx(expected, rel=1e-13)
    T = np.array([0.5, 0.6, 0.7, 0.8])
    fit = anharmonic_fit(T, 0.03 * T**2 - 0.01 * T**3)
    assert (fit.c2, fit.c3) == pytest.approx((0.03, -0.01), rel=1e-10)
    # s_anh = int_0^T (1/T') de/dT' dT' by quadrature
    grid = np.linspace(1e-9, 0.7, 20001)
    integrand = (2 * 0.03 * grid - 3 * 0.01 * grid**2) / grid
    quad = np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(grid))
    assert float(fit.entropy(0.7)) == pytest.approx(quad, rel=1e-6)


def _fcc(cells: int, density: float) -> System:
    a = (4.0 / density) ** (1.0 / 3.0)
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    grid = np.array([[i, j, k] for i in range(cells) for j in range(cells) for k in range(cells)])
    pos = ((grid[:, None, :] + basis[None]) * a).reshape(-1, 3)
    return System(positions=pos, box=Box(np.full(3, cells * a)), diameters=np.ones(len(pos)))


def test_harmonic_crystal_by_md() -> None:
    model = soft_spheres(12.0)
    crystal = _fcc(3, 0.7)  # N = 108, L = 5.37 > 2 r_c; (rho (eps/T)^{1/4} >= 2: deep solid)
    n = crystal.n_particles
    calc = Calculator(model, crystal)
    u0 = calc.energy() / n
    lam = np.linalg.eigvalsh(calc.hessian())[3:]  # unit masses; drop the 3 translations
    assert lam[0] > 1e-3
    temps = np.array([0.005, 0.01, 0.02])

    def beta_f_pot(T: float) -> float:
        # configurational part of the harmonic free energy per particle (COM term dropped)
        return u0 / T - 0.5 * float(np.sum(np.log(2 * np.pi * T / lam))) / n

    u = []
    for k, T in enumerate(temps):
        sim = MDSimulation(model, crystal, T, thermostat="langevin", gamma=2.0, seed=10 + k)
        sim.run(800)
        u.append(sim.run(6000).mean_potential_energy_per_particle)
    u = np.asarray(u)
    dof = (3 * n - 3) / n
    # a harmonic solid: u = u0 + (3N - 3) T / (2N) (anharmonicity and sampling: a few per cent)
    np.testing.assert_allclose(u - u0, 0.5 * dof * temps, rtol=0.04)
    chore = integrate_isochore(temps, u, beta_f_pot(temps[0]), float(temps[0]), harmonic=0.5 * dof)
    # free energy: the integral of the measured u against the closed form, in k_B T per particle.
    # Measured here: u - u0 is 1-2.5 % below the harmonic value (anharmonicity and the time
    # step), which integrates to ~0.015 over the range; its T-dependent part is 1.5 ln 4 = 2.1.
    beta_f = np.array([beta_f_pot(T) for T in temps])
    np.testing.assert_allclose(chore.beta_f_ex, beta_f, atol=0.03)
    # entropy s = beta (u - f): the closed form uses the harmonic u, so the measured anharmonic
    # excess (u - u_harm)/T (up to 2.5 % of 1.5, i.e. ~0.04) enters on top of the 0.015 above
    s_harm = np.array([(u0 + 0.5 * dof * T) / T - beta_f_pot(T) for T in temps])
    np.testing.assert_allclose(chore.s_ex, s_harm, atol=0.08)
    assert chore.s_ex[-1] - chore.s_ex[0] == pytest.approx(
        0.5 * dof * math.log(temps[-1] / temps[0]), abs=0.08)


def test_low_density_isotherm_matches_second_virial_coefficient() -> None:
    """The study's isotherm task at rho = 0.03, T = 5 measures (Z - 1)/rho = B2 + B3 rho + ...;
    B2 of the KA mixture (shifted cutoff) is computed here by quadrature,
    B2 = -2 pi sum_ab x_a x_b int (exp(-phi_ab/T) - 1) r^2 dr = 0.536. Tolerance: 3 standard
    errors plus 0.05 for B3 rho (B3 ~ 1 sigma^6 for LJ at T = 5)."""
    from scipy import integrate

    from pelkit.models import get_model
    from pelkit.studies.ka_entropy.config import load_config
    from pelkit.studies.ka_entropy.tasks import state_task

    model, T, rho = get_model("ka"), 5.0, 0.03
    b2 = 0.0
    x = (0.8, 0.2)
    for a in range(2):
        for b in range(2):
            eps, sig = model.epsilon[a, b], model.sigma[a, b]

            def mayer(r, eps=eps, sig=sig):
                return (np.exp(-model.phi(r, eps, sig) / T) - 1.0) * r * r

            val, _ = integrate.quad(mayer, 1e-6, 2.5 * sig, limit=200, points=[sig])
            b2 += x[a] * x[b] * (-2.0 * np.pi * val)
    assert b2 == pytest.approx(0.536, abs=0.002)
    cfg = load_config("smoke", production_time=40.0)
    res = state_task(cfg.model_dump(), "isotherm", rho, T, 0, 2024)
    z = np.asarray(res["zm1_blocks"]) / rho
    mean, err = z.mean(), z.std(ddof=1) / np.sqrt(z.size)
    assert abs(mean - b2) < 3.0 * err + 0.05
