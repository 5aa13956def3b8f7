"""The 1-D tunnelling solver against independent references (SCIENCE.md 4.5 "Tests").

* harmonic well: levels (n + 1/2) hbar~ omega, splitting hbar~ omega (analytic);
* symmetric quartic double well V = a (x^2 - b^2)^2: diagonalisation in a 200-function
  harmonic-oscillator basis (matrix elements from the exact ladder-operator x matrix);
* the full path pipeline (Hermite profile from images + harmonic continuation) on a potential
  that is quartic between the minima and exactly harmonic outside: sinc-DVR (Colbert & Miller,
  JCP 96, 1982 (1992)), a spectral method independent of the finite differences;
* a high-barrier asymmetric TLS: E_t = (Delta_0^2 + Delta^2)^{1/2}, with Delta_0 the splitting of
  the symmetric well and Delta the difference of the ground levels of the two separated wells.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.landscape.doublewell import path_profile
from pelkit.landscape.tunneling import converged_levels, extended_potential, tunnel_splitting


def ho_basis_levels(a: float, b: float, hbar: float, n_basis: int = 200, omega: float = 2.0):
    """Lowest levels of p^2/2 + a (x^2 - b^2)^2 in a harmonic-oscillator basis.

    x = (hbar / 2 omega)^{1/2} (a + a^dagger); p^2/2 = hbar omega (n + 1/2) - omega^2 x^2 / 2.
    x^2 and x^4 are built in a basis 4 functions larger, so the kept block is exact.
    """
    nb = n_basis + 4
    x = np.diag(np.sqrt(hbar / (2.0 * omega)) * np.sqrt(np.arange(1, nb)), 1)
    x = x + x.T
    x2 = x @ x
    x4 = x2 @ x2
    n = np.arange(nb)
    h = np.diag(hbar * omega * (n + 0.5)) - 0.5 * omega**2 * x2
    h += a * (x4 - 2.0 * b * b * x2 + b**4 * np.eye(nb))
    return np.linalg.eigvalsh(h[:n_basis, :n_basis])[:4]


def sinc_dvr_levels(potential, lo: float, hi: float, hbar: float, n: int = 500):
    """Colbert-Miller sinc-DVR on a uniform grid: T_ii = (hbar^2/2dx^2) pi^2/3,
    T_ij = (hbar^2/2dx^2) 2 (-1)^(i-j) / (i-j)^2."""
    x = np.linspace(lo, hi, n)
    dx = x[1] - x[0]
    d = np.subtract.outer(np.arange(n), np.arange(n))
    safe = np.where(d == 0, 1, d)
    t = np.where(d == 0, np.pi**2 / 3.0, 2.0 * (-1.0) ** d / safe**2) * hbar**2 / (2 * dx * dx)
    return np.linalg.eigvalsh(t + np.diag(potential(x)))[:4]


def quartic_path(n_images: int = 41, a: float = 1.0, b: float = 1.0, tilt: float = 0.0):
    roots = np.sort(np.roots([4 * a, 0.0, -4 * a * b * b, tilt]).real)
    x = np.linspace(roots[0], roots[2], n_images)
    v = a * (x * x - b * b) ** 2 + tilt * x
    dv = 4 * a * x * (x * x - b * b) + tilt
    return x, v, dv, roots


@pytest.mark.parametrize(("omega", "hbar"), [(1.0, 0.1), (3.0, 0.03)])
def test_harmonic_well(omega, hbar):
    length = np.sqrt(hbar / omega)
    res = converged_levels(
        lambda x: 0.5 * omega**2 * x**2, -10 * length, 10 * length, hbar, h0=length / 4,
        n_levels=4,
    )
    assert res.converged
    np.testing.assert_allclose(res.levels, (np.arange(4) + 0.5) * hbar * omega, rtol=1e-4)
    assert res.splitting == pytest.approx(hbar * omega, rel=1e-4)


@pytest.mark.parametrize("hbar", [0.3, 0.2, 0.15])
def test_symmetric_quartic_against_oscillator_basis(hbar):
    """E_t to 1e-4 relative (the halving stops at a 1e-4 change; the error is ~1/3 of it)."""
    ref = ho_basis_levels(1.0, 1.0, hbar)
    # the basis is converged: 150 functions give the same levels
    np.testing.assert_allclose(ho_basis_levels(1.0, 1.0, hbar, 150), ref, rtol=1e-9)
    res = converged_levels(lambda x: (x * x - 1.0) ** 2, -3.0, 3.0, hbar, h0=0.05)
    assert res.converged
    assert res.splitting == pytest.approx(ref[1] - ref[0], rel=1e-4)
    np.testing.assert_allclose(res.levels, ref, rtol=1e-4)


@pytest.mark.parametrize("hbar", [0.3, 0.2])
def test_path_pipeline_against_sinc_dvr(hbar):
    """Images between the minima of a (x^2 - b^2)^2 -> Hermite profile -> continuation with the
    exact omega_A = omega_B = (8 a b^2)^{1/2}; the reference potential is quartic inside and
    exactly harmonic outside, solved by sinc-DVR."""
    a, b = 1.0, 1.0
    w2 = 8.0 * a * b * b

    def reference_potential(x):
        ax = np.abs(x)
        return np.where(ax <= b, a * (x * x - b * b) ** 2, 0.5 * w2 * (ax - b) ** 2)

    ref = sinc_dvr_levels(reference_potential, -4.0, 4.0, hbar)
    assert np.allclose(sinc_dvr_levels(reference_potential, -4.0, 4.0, hbar, 300), ref,
                       rtol=1e-7)
    x, v, dv, _ = quartic_path(41, a, b)
    res = tunnel_splitting(path_profile(x - x[0], v, dv), hbar, omega_a=np.sqrt(w2),
                           omega_b=np.sqrt(w2))
    assert res.converged
    assert res.splitting == pytest.approx(ref[1] - ref[0], rel=1e-4)
    np.testing.assert_allclose(res.levels, ref, rtol=1e-4)
    # omega from the profile curvature instead of the exact one: still close (0.04 % here)
    approx = tunnel_splitting(path_profile(x - x[0], v, dv), hbar)
    assert approx.omega_source == "profile"
    assert approx.splitting == pytest.approx(ref[1] - ref[0], rel=2e-3)


@pytest.mark.parametrize("tilt", [5e-6, 1e-5, 3e-5])
def test_asymmetric_tls_splitting(tilt):
    """High barrier (V_0 / hbar~ omega ~ 2.4, E_t ~ 1e-5): E_t = (Delta_0^2 + Delta^2)^{1/2}."""
    hbar = 0.15
    x, v, dv, _ = quartic_path(41)
    delta0 = tunnel_splitting(path_profile(x - x[0], v, dv), hbar).splitting

    x, v, dv, roots = quartic_path(41, tilt=tilt)
    profile = path_profile(x - x[0], v, dv)
    res = tunnel_splitting(profile, hbar)
    assert res.converged
    # ground levels of the two wells separated by a wall at the barrier top
    pot = extended_potential(profile, res.omega_a, res.omega_b, res.energy_reference)
    top = roots[1] - x[0]
    left = converged_levels(pot, res.domain[0], top, hbar, h0=4 * res.h, n_levels=2)
    right = converged_levels(pot, top, res.domain[1], hbar, h0=4 * res.h, n_levels=2)
    delta = right.levels[0] - left.levels[0]
    assert delta == pytest.approx(2 * tilt, rel=0.1)  # ~ the tilt of the minima, 2 c b
    assert res.splitting == pytest.approx(np.hypot(delta0, delta), rel=2e-3)
    assert res.splitting > 1.3 * delta0  # the asymmetry matters in these cases
