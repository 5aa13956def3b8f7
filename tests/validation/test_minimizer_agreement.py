"""The steepest-descent map against exact flows, and the fast minimizers against the map
(seed 001 eq 2.1; SCIENCE.md sections 2.1 and 2.3).

- The SD flow m dx/ds = -A (x - x*) of a quadratic is x(s) = x* + exp(-M^-1 A s)(x0 - x*).
- On a separable double well sum_i (x_i^2 - 1)^2 the flow keeps the sign of every coordinate, so
  the basin of a start is the sign pattern of its coordinates.
- On the Mueller-Brown surface and for random LJ7 clusters the SD flow is the reference basin
  map; the fraction of starts on which FIRE, FIRE 2.0, L-BFGS and CG end in the same minimum is
  printed (pytest -s) and must stay high.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from pelkit.landscape.minimize import METHODS, minimize
from pelkit.landscape.sd_flow import sd_flow

FAST = tuple(m for m in METHODS if m != "sd")


def lj_cluster(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Non-periodic LJ cluster, eps = sigma = 1: U = sum_{i<j} 4 (r^-12 - r^-6), dU/dx (3N,)."""
    r = x.reshape(-1, 3)
    d = r[:, None, :] - r[None, :, :]
    r2 = np.einsum("ijk,ijk->ij", d, d)
    np.fill_diagonal(r2, 1.0)
    ir6 = r2**-3
    pair = 4.0 * (ir6 * ir6 - ir6)
    np.fill_diagonal(pair, 0.0)
    w = (48.0 * ir6 * ir6 - 24.0 * ir6) / r2
    np.fill_diagonal(w, 0.0)
    return 0.5 * float(pair.sum()), -(w[:, :, None] * d).sum(axis=1).reshape(-1)


# Mueller & Brown, Theor. Chim. Acta 53, 75 (1979), energies scaled by 1/100.
_MB_A = np.array([-200.0, -100.0, -170.0, 15.0]) / 100.0
_MB_a = np.array([-1.0, -1.0, -6.5, 0.7])
_MB_b = np.array([0.0, 0.0, 11.0, 0.6])
_MB_c = np.array([-10.0, -10.0, -6.5, 0.7])
_MB_X = np.array([1.0, 0.0, -0.5, -1.0])
_MB_Y = np.array([0.0, 0.5, 1.5, 1.0])
MB_MINIMA = np.array([[-0.558224, 1.441726], [0.623499, 0.028038], [-0.050011, 0.466694]])
MB_ENERGIES = np.array([-146.699515, -108.166724, -80.767818]) / 100.0


def mueller_brown(p: np.ndarray) -> tuple[float, np.ndarray]:
    dx = p[0] - _MB_X
    dy = p[1] - _MB_Y
    t = _MB_A * np.exp(_MB_a * dx * dx + _MB_b * dx * dy + _MB_c * dy * dy)
    grad = np.array(
        [np.sum(t * (2 * _MB_a * dx + _MB_b * dy)), np.sum(t * (_MB_b * dx + 2 * _MB_c * dy))]
    )
    return float(t.sum()), grad


def double_well(x: np.ndarray) -> tuple[float, np.ndarray]:
    """sum_i (x_i^2 - 1)^2, minima at x_i = +-1."""
    return float(np.sum((x * x - 1.0) ** 2)), 4.0 * x * (x * x - 1.0)


# ----------------------------------------------------------------------------- exact flows
@pytest.mark.parametrize("with_masses", [False, True])
@pytest.mark.parametrize("with_hessian", [False, True])
def test_sd_flow_is_the_analytic_quadratic_flow(with_masses, with_hessian):
    rng = np.random.default_rng(3)
    n = 6
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.geomspace(0.5, 200.0, n)) @ q.T
    x_star = rng.normal(size=n)
    x0 = x_star + rng.normal(size=n)
    m = np.repeat([1.0, 3.0], 3) if with_masses else np.ones(n)

    def objective(x):
        dx = x - x_star
        g = a @ dx
        return 0.5 * float(dx @ g), g

    res = sd_flow(
        objective,
        x0,
        masses=m if with_masses else None,
        record_path=True,
        hessian=(lambda x: a) if with_hessian else None,
    )
    assert res.converged and res.max_force < 1e-10
    s, path = res.history["path_s"], res.history["path"]
    assert len(s) == res.iterations + 1 and s[0] == 0.0 and np.all(np.diff(s) > 0)
    # exp(-M^-1 A s) = M^-1/2 V exp(-L s) V^T M^1/2 with M^-1/2 A M^-1/2 = V L V^T
    lam, v = np.linalg.eigh(a / np.sqrt(np.outer(m, m)))
    c = v.T @ (np.sqrt(m) * (x0 - x_star))
    exact = x_star + (np.exp(-np.outer(s, lam)) * c) @ v.T / np.sqrt(m)
    s_check = s[len(s) // 3]
    exact_check = x_star + expm(-(a / m[:, None]) * s_check) @ (x0 - x_star)
    np.testing.assert_allclose(exact[len(s) // 3], exact_check, atol=1e-12)
    err = np.max(np.abs(path - exact))
    print(f"SD flow vs exp(-M^-1 A s) x0 (masses={with_masses}, hessian={with_hessian}): "
          f"max |x - x_exact| = {err:.2e} over {len(s)} steps")
    assert err < 1e-6
    np.testing.assert_allclose(res.positions, x_star, atol=1e-9)


@pytest.mark.parametrize("with_masses", [False, True])
def test_sd_flow_basins_of_a_separable_double_well(with_masses):
    rng = np.random.default_rng(4)
    starts = rng.uniform(-1.6, 1.6, size=(60, 2))
    starts = starts[np.all(np.abs(starts) > 0.02, axis=1)]
    m = np.array([1.0, 5.0]) if with_masses else None
    for x0 in starts:
        res = sd_flow(double_well, x0, block=2, masses=m)
        assert res.converged
        np.testing.assert_allclose(res.positions, np.sign(x0), atol=1e-10)


# ----------------------------------------------------------------------------- basin agreement
def _agreement(labels: dict[str, np.ndarray], title: str) -> dict[str, float]:
    ref = labels["sd"]
    frac = {m: float(np.mean(labels[m] == ref)) for m in labels}
    pair = {
        f"{a}/{b}": float(np.mean(labels[a] == labels[b]))
        for i, a in enumerate(FAST)
        for b in FAST[i + 1 :]
    }
    print(f"\n{title}: agreement with the SD map " + ", ".join(f"{m} {frac[m]:.3f}" for m in FAST))
    print(f"{title}: pairwise agreement " + ", ".join(f"{k} {v:.3f}" for k, v in pair.items()))
    return frac


def test_mueller_brown_basins_agree_with_sd_map():
    rng = np.random.default_rng(5)
    starts = np.column_stack([rng.uniform(-1.2, 1.0, 40), rng.uniform(-0.3, 1.8, 40)])
    labels = {}
    for method in METHODS:
        lab = []
        for x0 in starts:
            res = minimize(mueller_brown, x0, method=method, block=2, fmax=1e-8)
            assert res.converged, (method, res.stop_reason)
            dist = np.linalg.norm(MB_MINIMA - res.positions, axis=1)
            k = int(np.argmin(dist))
            assert dist[k] < 2e-6, (method, res.positions)  # a known minimum
            assert res.energy == pytest.approx(MB_ENERGIES[k], abs=1e-7)
            lab.append(k)
        labels[method] = np.array(lab)
    assert len(set(labels["sd"])) == 3  # every basin is sampled
    frac = _agreement(labels, "Mueller-Brown, 40 starts")
    for method in FAST:
        assert frac[method] >= 0.85, (method, frac[method])


def _lj7_random_start(rng: np.random.Generator) -> np.ndarray:
    pts: list[np.ndarray] = []
    while len(pts) < 7:
        p = rng.uniform(-1.1, 1.1, 3)
        if np.linalg.norm(p) > 1.1:
            continue
        if pts and np.min(np.linalg.norm(np.array(pts) - p, axis=1)) < 0.9:
            continue
        pts.append(p)
    return np.array(pts).ravel()


def test_lj7_basins_agree_with_sd_map():
    """Minima are told apart by energy (the four LJ7 minima differ by > 0.05 eps)."""
    rng = np.random.default_rng(11)
    starts = [_lj7_random_start(rng) for _ in range(16)]
    energies = {}
    for method in METHODS:
        es = []
        for x0 in starts:
            res = minimize(lj_cluster, x0, method=method, fmax=1e-10)
            assert res.converged and res.max_force < 1e-10, (method, res.stop_reason)
            es.append(res.energy)
        energies[method] = np.array(es)
    levels = np.unique(np.round(np.concatenate(list(energies.values())), 6))
    assert np.all(np.diff(levels) > 0.05)  # distinct minima only, no near-duplicates
    assert levels[0] == pytest.approx(-16.505384, abs=1e-6)
    labels = {m: np.searchsorted(levels, np.round(e, 6)) for m, e in energies.items()}
    assert len(set(labels["sd"])) >= 3
    frac = _agreement(labels, f"LJ7, {len(starts)} random starts ({len(levels)} minima)")
    for method in FAST:
        assert frac[method] >= 0.75, (method, frac[method])
