"""Tests of pelkit.modes.normal: Modes, translations, all_modes, lowest_modes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from toy_systems import perturbed, soft_sphere_glass, spring_network

from pelkit.errors import InputError
from pelkit.modes.localization import participation_number
from pelkit.modes.normal import (
    Modes,
    TranslationComplement,
    ZeroModeError,
    all_modes,
    lowest_modes,
    mass_weighted_hessian,
    translation_basis,
)


@pytest.fixture(scope="module")
def glass():
    return soft_sphere_glass()


def _unequal_masses(n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 2.0, size=n)


# ------------------------------------------------------------------------------ toy system checks


def test_toy_forces_and_hessian_match_finite_differences(glass):
    toy, x = glass
    xp = perturbed(x, 0.03, 11)
    rng = np.random.default_rng(0)
    h = 1e-6
    g = toy.gradient(xp)
    for idx in rng.choice(xp.size, size=8, replace=False):
        e = np.zeros_like(xp)
        e[idx] = h
        fd = (toy.energy(xp + e) - toy.energy(xp - e)) / (2 * h)
        assert fd == pytest.approx(g[idx], rel=1e-6, abs=1e-6)
    hess = toy.hessian(xp)
    v = rng.normal(size=xp.size)
    fd_hv = (toy.gradient(xp + h * v) - toy.gradient(xp - h * v)) / (2 * h)
    assert np.max(np.abs(fd_hv - hess @ v)) < 1e-5 * np.max(np.abs(hess @ v))
    assert np.allclose(toy.hvp(xp, v), hess @ v, rtol=1e-12, atol=1e-10)
    assert np.allclose(hess, hess.T)


def test_toy_glass_is_a_converged_minimum(glass):
    toy, x = glass
    assert np.max(np.linalg.norm(toy.gradient(x).reshape(-1, 3), axis=1)) < 1e-10
    modes = all_modes(toy.hessian(x), np.ones(toy.n))
    assert modes.eigenvalues[0] > 0.1  # a minimum, not a saddle


# ------------------------------------------------------------------------------ translations


def test_translation_basis_is_orthonormal_and_mass_weighted():
    m = np.array([1.0, 2.0, 0.5, 3.0])
    t = translation_basis(m)
    assert t.shape == (12, 3)
    assert np.allclose(t.T @ t, np.eye(3), atol=1e-15)
    # t_x = (sqrt(m_1), 0, 0, sqrt(m_2), 0, 0, ...) / sqrt(sum m)
    assert np.allclose(t[0::3, 0], np.sqrt(m / m.sum()))
    assert np.allclose(t[1::3, 0], 0.0)


def test_translation_complement_is_orthonormal_basis_of_complement():
    m = _unequal_masses(5)
    comp = TranslationComplement(m)
    q = comp.expand(np.eye(12))
    assert q.shape == (15, 12)
    assert np.allclose(q.T @ q, np.eye(12), atol=1e-13)
    assert np.allclose(translation_basis(m).T @ q, 0.0, atol=1e-13)
    a = np.random.default_rng(1).normal(size=(15, 15))
    a = a + a.T
    assert np.allclose(comp.restrict_dense(a), q.T @ a @ q, atol=1e-12)
    x = np.random.default_rng(2).normal(size=15)
    assert np.allclose(comp.reduce(x), q.T @ x, atol=1e-13)


# ------------------------------------------------------------------------------ all_modes


@pytest.mark.parametrize("method", ["projection", "overlap"])
def test_all_modes_drops_three_translations(glass, method):
    toy, x = glass
    m = _unequal_masses(toy.n)
    hess = toy.hessian(x)
    modes = all_modes(hess, m, method=method)
    n3 = 3 * toy.n
    assert modes.n_zero_modes == 3
    assert modes.n_modes == n3 - 3
    assert modes.is_complete
    assert np.all(np.diff(modes.eigenvalues) >= 0)
    e = modes.eigenvectors
    hm = mass_weighted_hessian(hess, m)
    assert np.allclose(e.T @ e, np.eye(n3 - 3), atol=1e-11)
    assert np.max(np.abs(hm @ e - e * modes.eigenvalues)) < 1e-10 * modes.eigenvalues[-1]
    assert np.max(np.abs(translation_basis(m).T @ e)) < 1e-10


def test_projection_and_overlap_methods_agree(glass):
    toy, x = glass
    hess = toy.hessian(perturbed(x, 0.03, 5))  # INM: some negative eigenvalues
    a = all_modes(hess, np.ones(toy.n), method="projection")
    b = all_modes(hess, np.ones(toy.n), method="overlap")
    assert a.n_negative > 0
    assert np.allclose(a.eigenvalues, b.eigenvalues, atol=1e-9)
    assert "translation_overlaps" in b.info
    assert min(b.info["translation_overlaps"]) > 0.99


def test_all_modes_keep_translations(glass):
    toy, x = glass
    m = _unequal_masses(toy.n)
    hess = toy.hessian(x)
    modes = all_modes(hess, m, drop_translations=False)
    assert modes.n_modes == 3 * toy.n
    ref = np.linalg.eigvalsh(mass_weighted_hessian(hess, m))
    assert np.allclose(modes.eigenvalues, ref, atol=1e-9)
    assert np.count_nonzero(modes.eigenvalues == 0.0) == 3


def test_free_particle_fails_loudly():
    toy, x = spring_network(cells=3, jitter=0.1, seed=1, free_particle=4)
    hess = toy.hessian(x)
    for method in ("projection", "overlap"):
        with pytest.raises(ZeroModeError, match="zero modes|overlap"):
            all_modes(hess, np.ones(toy.n), method=method)
    with pytest.raises(ZeroModeError, match="6 zero modes"):
        all_modes(hess, np.ones(toy.n))
    with pytest.raises(ZeroModeError):
        lowest_modes(sp.csr_matrix(hess), np.ones(toy.n), 5)
    # the intact network is fine: exactly three zero modes
    toy2, x2 = spring_network(cells=3, jitter=0.1, seed=1)
    assert all_modes(toy2.hessian(x2), np.ones(toy2.n)).n_zero_modes == 3


def test_missing_translations_fail_loudly():
    toy, x = spring_network(cells=3, jitter=0.1, seed=1, tether=2.0)
    hess = toy.hessian(x)
    with pytest.raises(ZeroModeError, match="0 translational zero modes"):
        all_modes(hess, np.ones(toy.n))
    with pytest.raises(ZeroModeError, match="0 translational zero modes"):
        all_modes(hess, np.ones(toy.n), method="overlap")
    with pytest.raises(ZeroModeError):
        lowest_modes(hess, np.ones(toy.n), 4)


def test_bad_hessian_inputs():
    m = np.ones(4)
    with pytest.raises(InputError, match="shape"):
        all_modes(np.eye(9), m)
    bad = np.eye(12)
    bad[0, 1] = 1.0
    with pytest.raises(InputError, match="symmetric"):
        all_modes(bad, m)
    nan = np.eye(12)
    nan[2, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        all_modes(nan, m)
    with pytest.raises(InputError, match="masses"):
        all_modes(np.eye(12), np.array([1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(InputError, match="k must be"):
        lowest_modes(np.eye(12), m, 0)
    with pytest.raises(InputError, match="method"):
        lowest_modes(np.eye(12), m, 1, method="arnoldi")
    with pytest.raises(InputError, match="LinearOperator"):
        lowest_modes(spla.aslinearoperator(np.eye(12)), m, 1, method="shift-invert")


# ------------------------------------------------------------------------------ lowest_modes


def _compare(low: Modes, ref: Modes, k: int, rtol: float = 1e-9):
    scale = max(1.0, float(np.max(np.abs(ref.eigenvalues))))
    assert np.allclose(low.eigenvalues, ref.eigenvalues[:k], atol=rtol * scale)
    # non-degenerate spectrum: same vectors (signs are fixed deterministically)
    assert np.max(np.abs(low.eigenvectors - ref.eigenvectors[:, :k])) < 1e-7


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator", "sparse-lanczos"])
def test_lowest_modes_at_minimum_equal_dense(glass, kind):
    toy, x = glass
    m = _unequal_masses(toy.n)
    hess = toy.hessian(x)
    ref = all_modes(hess, m)
    method = "lanczos" if kind == "sparse-lanczos" else "auto"
    if kind == "dense":
        h_in = hess
    elif kind.startswith("sparse"):
        h_in = sp.csr_matrix(hess)
    else:
        h_in = spla.LinearOperator(hess.shape, matvec=lambda v: toy.hvp(x, v), dtype=float)
    low = lowest_modes(h_in, m, 12, method=method)
    assert low.n_modes == 12
    _compare(low, ref, 12)
    if kind in ("dense", "sparse"):
        assert low.info["method"] == "shift-invert"
        assert low.info["shift_choice"] == "minimum"
        assert low.info["sigma"] < 0
    else:
        assert low.info["method"] == "lanczos-SA"


@pytest.mark.parametrize("kind", ["dense", "sparse", "lanczos"])
def test_lowest_modes_inm_negative_eigenvalues_equal_dense(glass, kind):
    toy, x = glass
    hess = toy.hessian(perturbed(x, 0.04, 3))
    m = np.ones(toy.n)
    ref = all_modes(hess, m)
    assert ref.n_negative >= 8
    h_in = hess if kind == "dense" else sp.csr_matrix(hess)
    low = lowest_modes(h_in, m, 10, method="lanczos" if kind == "lanczos" else "auto")
    _compare(low, ref, 10)
    if kind != "lanczos":
        assert low.info["shift_choice"] in ("below-lanczos-estimate", "gershgorin")
        assert low.info["sigma"] < ref.eigenvalues[0]


def test_lowest_modes_user_sigma(glass):
    toy, x = glass
    hess = sp.csr_matrix(toy.hessian(x))
    m = np.ones(toy.n)
    ref = all_modes(hess, m)
    low = lowest_modes(hess, m, 6, sigma=-1.0)
    _compare(low, ref, 6)
    with pytest.raises(InputError, match="not below the lowest eigenvalue"):
        lowest_modes(hess, m, 6, sigma=0.5 * (ref.eigenvalues[0] + ref.eigenvalues[1]))


def test_lowest_modes_all_modes_fallback():
    toy, x = spring_network(cells=3, jitter=0.1, seed=2)
    m = np.ones(toy.n)
    ref = all_modes(toy.hessian(x), m)
    low = lowest_modes(toy.hessian(x), m, 3 * toy.n - 3)
    assert low.info["method"] == "dense-fallback"
    assert np.allclose(low.eigenvalues, ref.eigenvalues)


# ------------------------------------------------------------------------------ Modes properties


def test_modes_properties(glass):
    toy, x = glass
    m = _unequal_masses(toy.n)
    modes = all_modes(toy.hessian(perturbed(x, 0.03, 9)), m)
    lam, omega = modes.eigenvalues, modes.frequencies
    neg = lam < 0
    assert np.all(omega[neg] < 0) and np.all(omega[~neg] >= 0)
    assert np.allclose(omega**2, np.abs(lam))
    assert modes.n_negative == np.count_nonzero(lam < -1e-8)
    assert modes.fraction_imaginary == pytest.approx(modes.n_negative / (3 * toy.n - 3))
    u = modes.displacements()
    assert np.allclose(u * np.repeat(np.sqrt(m), 3)[:, None], modes.eigenvectors)
    # participation of the Cartesian displacement with masses = that of the mass-weighted vector
    assert np.allclose(participation_number(u.T, m), modes.participation_number)
    assert np.allclose(modes.participation_ratio, modes.participation_number / toy.n)
    for variable in ("omega", "lambda"):
        dens, edges = modes.density_of_states(bins=30, variable=variable)
        assert np.sum(dens * np.diff(edges)) == pytest.approx(1.0)
    sub = modes.select([0, 5])
    assert sub.n_modes == 2 and not sub.is_complete
    assert np.allclose(sub.eigenvectors[:, 1], modes.eigenvectors[:, 5])
    with pytest.raises(InputError):
        Modes(np.zeros(3), np.zeros((5, 3)), np.ones(2))
