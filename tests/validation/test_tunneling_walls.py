"""Tunnel splitting with the landscape beyond the path ends against exact quartic double wells.

V(x) = B ((x / a)^2 - 1)^2 + c x, the minima near x = -+a. Exact levels come from a
diagonalisation in a harmonic-oscillator basis written here (independent of the finite-difference
solver): with X_{n,n+1} = (hbar / (2 w0))^{1/2} (n + 1)^{1/2}, H = hbar w0 (n + 1/2) - w0^2 X^2 / 2
+ V(X), V(X) from matrix powers built in a larger basis and truncated; the basis size is doubled
until E_1 - E_0 agrees to 1e-7 relative. The energies scale with B and the splitting depends on
hbar~ / (a B^{1/2}) only, which the seed-003 double wells span from about 0.1 (NiP-like hbar~) to
0.6 (argon-like hbar~, low barriers); the cases below cover that range with splittings from
1e-7 to 0.1 of hbar~ omega.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from pelkit.landscape.doublewell import path_profile
from pelkit.landscape.path_extension import EndContinuation, line_continuation
from pelkit.landscape.tunneling import tunnel_splitting


def quartic(b, a, c):
    def v(x):
        x = np.asarray(x, dtype=float)
        return b * ((x / a) ** 2 - 1.0) ** 2 + c * x

    def dv(x):
        x = np.asarray(x, dtype=float)
        return 4.0 * b * ((x / a) ** 2 - 1.0) * x / a**2 + c

    return v, dv


def basis_splitting(b, a, c, hbar, n_basis):
    w0 = np.sqrt(8.0 * b) / a
    big = n_basis + 8
    off = np.sqrt(hbar / (2.0 * w0)) * np.sqrt(np.arange(1, big))
    X = np.diag(off, 1) + np.diag(off, -1)
    X2 = X @ X
    V = b * (X2 @ X2 / a**4 - 2.0 * X2 / a**2 + np.eye(big)) + c * X
    H = np.diag(hbar * w0 * (np.arange(big) + 0.5)) - 0.5 * w0**2 * X2 + V
    H = H[:n_basis, :n_basis]
    levels = np.linalg.eigvalsh(0.5 * (H + H.T))[:2]
    return float(levels[1] - levels[0])


def exact_splitting(b, a, c, hbar):
    n, prev = 100, None
    while True:
        split = basis_splitting(b, a, c, hbar, n)
        if prev is not None and abs(split - prev) <= 1e-7 * abs(split):
            return split
        prev, n = split, 2 * n
        assert n <= 800, "basis did not converge"


def path_splitting(b, a, c, hbar, landscape, n_images=41):
    v, dv = quartic(b, a, c)
    xa = brentq(dv, -1.5 * a, -0.5 * a)
    xb = brentq(dv, 0.5 * a, 1.5 * a)
    x = np.linspace(xa, xb, n_images)
    profile = path_profile(x - xa, v(x), dv(x))
    w = [np.sqrt(4.0 * b * (3.0 * (p / a) ** 2 - 1.0) / a**2) for p in (xa, xb)]
    cont = None
    if landscape:
        def energy_gradient(p):
            return float(v(p[0])), np.array([float(dv(p[0]))])

        cont = tuple(
            line_continuation(energy_gradient, [xe], [sign], [1.0], omega=we,
                              length=8.0 * np.sqrt(hbar / we))
            for xe, sign, we in ((xa, -1.0, w[0]), (xb, 1.0, w[1]))
        )
    return tunnel_splitting(profile, hbar, omega_a=w[0], omega_b=w[1], continuation=cont)


def test_reference_reproduces_the_issue_numbers():
    """(x^2 - 1)^2 at hbar~ = 0.3: exact 8.96e-3; the harmonic walls gave 7.37e-3."""
    assert exact_splitting(1.0, 1.0, 0.0, 0.3) == pytest.approx(8.96e-3, rel=1e-3)
    walled = path_splitting(1.0, 1.0, 0.0, 0.3, landscape=False)
    assert walled.walls == "harmonic"
    assert walled.splitting == pytest.approx(7.37e-3, rel=2e-3)


@pytest.mark.parametrize(
    ("b", "a", "c", "hbar"),
    [
        (1.0, 1.0, 0.0, 0.3),  # the issue's case, hbar_eff = 0.3
        (1.0, 1.0, 0.0, 0.15),  # hbar_eff = 0.15
        (0.02, 0.4, 0.0, 0.0296),  # argon-like hbar~ on a low glass barrier, hbar_eff = 0.52
        (1.0, 1.0, 0.0, 0.12),  # deep tunnelling, E_t / (hbar~ omega) ~ 1e-7
        (1.0, 1.0, 0.01, 0.3),  # asymmetric
    ],
)
def test_landscape_walls_match_the_exact_quartic(b, a, c, hbar):
    exact = exact_splitting(b, a, c, hbar)
    res = path_splitting(b, a, c, hbar, landscape=True)
    assert res.walls == "landscape"
    if res.converged:
        assert res.splitting == pytest.approx(exact, rel=2e-3)
    else:  # below the float64 resolution of the grid solver: the extrapolated value
        assert res.stop_reason == "resolution"
        assert res.splitting_extrapolated == pytest.approx(exact, rel=2e-2)


def test_continuation_clips_a_potential_that_turns_down():
    c = EndContinuation.from_samples([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.5, 2.0],
                                     [0.0, 1.0, -1.0, 1.0], omega=1.0)
    assert not c.monotonic
    np.testing.assert_allclose(c.energy, [0.0, 1.0, 1.0, 2.0])
    assert np.all(np.diff(c(np.linspace(0.0, 5.0, 200))) >= -1e-12)


def test_relaxed_continuation_is_the_constrained_minimum_and_below_the_line():
    """Beyond A = (-1, 0.3) of V = (x^2 - 1)^2 + 2 (y - 0.3 x^2)^2 along the outward tangent
    of its curved valley: each relaxed point is the minimum of V on its line perpendicular to
    u (checked by a scalar minimisation written here), and V_relaxed <= V_line."""
    from scipy.optimize import minimize_scalar

    from pelkit.landscape.path_extension import relaxed_continuation

    def valley(p):
        x, y = p
        w = y - 0.3 * x * x
        return (x * x - 1.0) ** 2 + 2.0 * w * w, np.array([4 * x * (x * x - 1) - 2.4 * x * w,
                                                           4.0 * w])

    a = np.array([-1.0, 0.3])
    u = np.array([-1.0, 0.6]) / np.hypot(1.0, 0.6)
    perp = np.array([0.6, 1.0]) / np.hypot(1.0, 0.6)
    kw = dict(length=0.5, omega=3.0, n_points=9)
    line = line_continuation(valley, a, u, np.ones(2), **kw)
    relaxed = relaxed_continuation(valley, a, u, np.ones(2), block=2, fmax=1e-10, **kw)
    t = line.t
    ref = [minimize_scalar(lambda s, tk=tk: valley(a + tk * u + s * perp)[0],
                           bracket=(-0.2, 0.2), tol=1e-12).fun for tk in t]
    np.testing.assert_allclose(relaxed.energy, ref, atol=1e-10)
    assert np.all(relaxed.energy <= line.energy + 1e-12)
    assert relaxed.energy[-1] < line.energy[-1]
    assert np.all(relaxed.t >= t - 1e-12)  # arc length of the relaxed chain >= t
