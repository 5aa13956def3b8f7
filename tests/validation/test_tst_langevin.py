"""Harmonic TST rate against a direct count of transitions in Langevin dynamics (2-D).

Surface V(x, y) = (x^2 - 1)^2 + x y / 4 + y^2 (unit masses): two minima near (-1, 0) and
(1, 0), a saddle near (0, 0), barrier about 1 eps. The saddle is located here by HEF and both
minima by quenches; the rate comes from :func:`pelkit.landscape.rates.harmonic_rate` with the
Hessian eigenvalues of :class:`pelkit.landscape.surface.Surface`.

Independent check: many walkers integrated with the BAOAB Langevin scheme (Leimkuhler &
Matthews, Appl. Math. Res. Express 2013, 34) written below, at T = 0.2 and friction gamma;
transitions are counted between the stable regions x < -0.6 and x > 0.6 (the side last
visited defines the state), k = (number of A -> B transitions) / (time spent in A). Langevin
dynamics crosses less often than TST: the Kramers-Grote-Hynes transmission factor
kappa = (sqrt(gamma^2/4 + omega_b^2) - gamma/2) / omega_b (Kramers, Physica 7, 284 (1940);
Grote & Hynes, J. Chem. Phys. 73, 2715 (1980)), omega_b^2 the unstable eigenvalue, converts one
into the other; the classical TST rate without the harmonic approximation, from quadrature,
k = sqrt(T / 2 pi) int exp(-V/T) dy over the dividing surface / int_A exp(-V/T), measures the
harmonic approximation itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.landscape.minimize import minimize
from pelkit.landscape.rates import harmonic_rate
from pelkit.landscape.saddle import hef
from pelkit.landscape.surface import Surface

T = 0.2
GAMMA = 1.0


def energy_gradient(p):
    x, y = p[..., 0], p[..., 1]
    e = (x * x - 1.0) ** 2 + 0.25 * x * y + y * y
    g = np.stack([4.0 * x * (x * x - 1.0) + 0.25 * y, 0.25 * x + 2.0 * y], axis=-1)
    return e, g


def scalar(p):
    e, g = energy_gradient(np.asarray(p))
    return float(e), g


def test_tst_rate_matches_langevin_transition_count():
    surf = Surface(scalar, n=2, block=2)
    minima = [minimize(scalar, [s, 0.0], method="lbfgs", fmax=1e-12, block=2) for s in (-1, 1)]
    ts = hef(surf, [0.05, 0.0], [1.0, 0.0], fmax=1e-12)
    assert ts.is_transition_state
    lam_a = surf.eigenvalues(minima[0].positions)
    lam_s = surf.eigenvalues(ts.positions)
    assert lam_s[0] < 0 < lam_s[1] and np.all(lam_a > 0)
    k_htst = harmonic_rate(minima[0].energy, float(np.sum(np.log(lam_a))), ts.energy,
                           float(np.log(lam_s[1])), T)
    omega_b = math.sqrt(-lam_s[0])
    kappa = (math.sqrt(GAMMA**2 / 4 + omega_b**2) - GAMMA / 2) / omega_b

    # classical TST by quadrature (dividing surface x = x_s, the saddle's x)
    ys = np.linspace(-3, 3, 2001)
    xs = np.linspace(-2.5, ts.positions[0], 2001)
    xx, yy = np.meshgrid(xs, ys, indexing="ij")
    well = np.trapezoid(np.trapezoid(np.exp(-energy_gradient(np.stack([xx, yy], -1))[0] / T),
                                     ys, axis=1), xs)
    surf_int = np.trapezoid(np.exp(-energy_gradient(np.stack(
        [np.full_like(ys, ts.positions[0]), ys], -1))[0] / T), ys)
    k_tst = math.sqrt(T / (2 * math.pi)) * surf_int / well
    assert k_tst == pytest.approx(k_htst, rel=0.15)  # the harmonic approximation at dE/T ~ 5

    # Langevin (BAOAB), many independent walkers started in A
    rng = np.random.default_rng(2024)
    walkers, dt, steps = 2000, 0.02, 8000
    pos = np.tile(minima[0].positions, (walkers, 1)) + 0.05 * rng.standard_normal((walkers, 2))
    vel = math.sqrt(T) * rng.standard_normal((walkers, 2))
    c = math.exp(-GAMMA * dt)
    noise = math.sqrt((1 - c * c) * T)
    state = np.zeros(walkers, dtype=np.int8)  # 0 = last in A, 1 = last in B
    time_in_a = 0.0
    crossings = 0
    _, g = energy_gradient(pos)
    for _ in range(steps):
        vel -= 0.5 * dt * g
        pos += 0.5 * dt * vel
        vel = c * vel + noise * rng.standard_normal((walkers, 2))
        pos += 0.5 * dt * vel
        _, g = energy_gradient(pos)
        vel -= 0.5 * dt * g
        time_in_a += dt * np.count_nonzero(state == 0)
        to_b = (state == 0) & (pos[:, 0] > 0.6)
        crossings += int(np.count_nonzero(to_b))
        state[to_b] = 1
        state[(state == 1) & (pos[:, 0] < -0.6)] = 0
    k_md = crossings / time_in_a
    assert crossings > 400  # statistical error below 5 %
    assert k_md == pytest.approx(kappa * k_tst, rel=0.12)
    assert k_md == pytest.approx(kappa * k_htst, rel=0.2)
