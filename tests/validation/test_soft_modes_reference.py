"""The soft-modes study against independent computations written here.

* density of states and participation of one glass against a direct eigendecomposition of a
  Hessian built by central finite differences of the forces (numpy ``eigh``, translations
  dropped by hand, N_k = 1 / sum_i |e_i|^4 written out);
* the implied eps_m of the quartic analysis lies on the stability line: the theory module's
  independent residual of Buchenau's eq 20 vanishes there;
* the crystallinity check: Q_6 of perfect fcc and bcc lattices (fcc 0.57452; bcc 0.62854 on 8
  and 0.51069 on 14 neighbours; Steinhardt,
  Nelson and Ronchetti, Phys. Rev. B 28, 784 (1983)) and a random gas (small).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.engine.calculator import Calculator
from pelkit.studies.soft_modes.analysis import implied_beta_eps_m, vdos
from pelkit.studies.soft_modes.config import load_config
from pelkit.studies.soft_modes.structure import global_q
from pelkit.studies.soft_modes.tasks import glass_task, make_model
from pelkit.system import Box, System
from pelkit.theory.soft_potential import soft_mode_stability_residual


@pytest.fixture(scope="module")
def glass():
    cfg = load_config("smoke", sizes=[128], glasses_per_size=1, n_quartic=2)
    return cfg, glass_task(cfg.model_dump(), 128, 0, 1234)


def _fd_hessian(calc: Calculator, pos: np.ndarray, h: float = 1e-5) -> np.ndarray:
    x0 = pos.reshape(-1)
    n3 = x0.size
    hess = np.zeros((n3, n3))
    for k in range(n3):
        xp, xm = x0.copy(), x0.copy()
        xp[k] += h
        xm[k] -= h
        fp = calc.energy_forces(xp.reshape(-1, 3))[1].reshape(-1)
        fm = calc.energy_forces(xm.reshape(-1, 3))[1].reshape(-1)
        hess[:, k] = -(fp - fm) / (2.0 * h)
    return 0.5 * (hess + hess.T)


def test_dos_and_participation_match_direct_eigendecomposition(glass) -> None:
    cfg, res = glass
    n = 128
    system = System(positions=res["positions"], box=Box(res["box"]), diameters=res["diameters"])
    calc = Calculator(make_model(cfg), system)
    hess = _fd_hessian(calc, system.positions)  # unit masses: H^M = H
    lam, vec = np.linalg.eigh(hess)
    # the three translations: the eigenvalues closest to zero (a stable glass has no other)
    drop = np.argsort(np.abs(lam))[:3]
    keep = np.setdiff1d(np.arange(lam.size), drop)
    lam, vec = lam[keep], vec[:, keep]
    assert np.all(lam > 0)
    np.testing.assert_allclose(res["eigenvalues"], lam, rtol=1e-6, atol=1e-6)
    w = (vec.reshape(n, 3, -1) ** 2).sum(axis=1)  # |e_i|^2, (N, 3N - 3)
    nk = 1.0 / (w**2).sum(axis=0)
    gaps = np.diff(lam)
    single = np.ones(lam.size, dtype=bool)  # modes without a near-degenerate neighbour
    single[:-1] &= gaps > 1e-4
    single[1:] &= gaps > 1e-4
    assert np.count_nonzero(single) > 0.8 * lam.size
    np.testing.assert_allclose(res["participation_number"][single], nk[single], rtol=1e-5)
    # density of states on a common grid: numpy histogram of nu = omega / 2 pi, normalised
    omega = np.sqrt(res["eigenvalues"])
    edges = np.linspace(0.0, np.sqrt(lam.max()) / (2 * np.pi) * 1.01, 25)
    counts, _ = np.histogram(np.sqrt(lam) / (2 * np.pi), bins=edges)
    np.testing.assert_allclose(vdos(omega, edges), counts / (lam.size * np.diff(edges)))
    ext = nk / n >= cfg.extended_pr
    counts_ext, _ = np.histogram(np.sqrt(lam)[ext] / (2 * np.pi), bins=edges)
    sel = (res["participation_number"] / n >= cfg.extended_pr).astype(float)
    np.testing.assert_allclose(vdos(omega, edges, sel), counts_ext / (lam.size * np.diff(edges)))


def test_quartic_fit_matches_eigenvalues(glass) -> None:
    _, res = glass
    # c2 differs from lambda/2 by the higher orders (A^6, ...) on the 0.1 sigma window
    np.testing.assert_allclose(res["quartic_c2"], 0.5 * res["quartic_lambda"], rtol=2e-2)
    assert np.all(res["quartic_c4"] > 0)


def test_implied_eps_m_lies_on_the_stability_line() -> None:
    c2 = np.array([0.02, 0.1, 0.3, -0.05])
    c4 = np.array([0.5, 0.8, 0.3, 1.2])
    omega_c, T = 5.0, 0.5
    q = implied_beta_eps_m(c2, c4, omega_c, T)
    for k in range(c2.size):
        a = q["beta_eps_m"][k]
        assert np.isfinite(a) and a > 0
        ratio = q["beta_eps_k"][k] / a
        assert abs(float(soft_mode_stability_residual([q["eta_k"][k]], [ratio], a)[0])) < 1e-9
    np.testing.assert_allclose(q["eta_k"], 2 * c2 / omega_c**2)
    np.testing.assert_allclose(q["eps_k"], omega_c**4 / (4 * c4))


def _lattice(basis: np.ndarray, cells: int, a: float = 1.0) -> np.ndarray:
    grid = np.array([[i, j, k] for i in range(cells) for j in range(cells) for k in range(cells)])
    return ((grid[:, None, :] + basis[None, :, :]) * a).reshape(-1, 3)


def test_q6_of_lattices_and_gas() -> None:
    fcc = _lattice(np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]), 4)
    bcc = _lattice(np.array([[0, 0, 0], [0.5, 0.5, 0.5]]), 5)
    assert global_q(fcc, [4.0] * 3, 0.8) == pytest.approx(0.57452, abs=1e-4)
    assert global_q(bcc, [5.0] * 3, 0.9) == pytest.approx(0.62854, abs=1e-4)  # 8 neighbours
    assert global_q(bcc, [5.0] * 3, 1.05) == pytest.approx(0.51069, abs=1e-4)  # 8 + 6
    gas = np.random.default_rng(0).random((400, 3)) * 7.0
    assert global_q(gas, [7.0] * 3, 1.2) < 0.1
