"""The Chebyshev-filtered Lanczos (``lowest_modes(method="filtered-lanczos")``) against dense
``eigh`` (issue 14 item 1).

References, independent of the solver: ``scipy.linalg.eigh`` of the full dense mass-weighted
Hessian, the translations removed by their exact null vectors (KA inherent structure, and a
perturbed configuration with negative eigenvalues); the filter polynomial applied in the dense
eigenbasis; the largest absolute row sum of the assembled matrix (Gershgorin); the exactly known
spectrum of a periodic cubic spring lattice (degenerate multiplets: lambda = 2 - 2 cos(2 pi j/L)
summed over axes).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

import pelkit.modes.normal as normal
from pelkit.build import kob_andersen_system
from pelkit.engine.calculator import Calculator
from pelkit.engine.hessian_operator import PairBlockHessian
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.filtered_lanczos import (
    LARGE_DOF,
    FilterAssumptionError,
    FilterOperator,
    FilterPlan,
    default_degree,
    filtered_lowest,
    gershgorin_upper,
)
from pelkit.modes.normal import (
    ModeConvergenceError,
    auto_method,
    lowest_modes,
    mass_weighted_hessian,
    translation_basis,
)
from pelkit.modes.solver_options import ModeSolverOptions

K = 12


def _reference(calc, masses):
    hm = mass_weighted_hessian(calc.hessian(), masses)
    lam_all, vec_all = sla.eigh(hm)
    t = translation_basis(masses)
    keep = np.sum((t.T @ vec_all) ** 2, axis=0) < 0.5
    assert np.count_nonzero(~keep) == 3
    return lam_all[keep], vec_all[:, keep]


@pytest.fixture(scope="module", params=["minimum", "perturbed"])
def ka_case(request):
    """KA N = 200 (unequal masses): an inherent structure, or the same structure displaced by
    0.08 sigma at random (not a minimum: several negative eigenvalues)."""
    model = get_model("ka-smooth")
    start = kob_andersen_system(200, seed=7, model=model)
    start.masses = np.random.default_rng(7).uniform(0.5, 2.0, size=200)
    system = quench(model, start, method="lbfgs", fmax=1e-11).system
    if request.param == "perturbed":
        system.positions = system.positions + np.random.default_rng(8).normal(
            scale=0.08, size=system.positions.shape)
    calc = Calculator(model, system)
    lam, vec = _reference(calc, system.masses)
    if request.param == "perturbed":
        assert np.count_nonzero(lam < 0) >= 2
    return request.param, calc, system.masses, lam, vec


def test_large_system_degree_matches_dense_eigh(ka_case):
    """The degree used from 3N = 10^5 on (default_degree) gives the same modes as dense eigh."""
    _, calc, masses, lam_all, vec_all = ka_case
    degree = default_degree(LARGE_DOF)
    assert degree != default_degree(LARGE_DOF - 1)
    assert default_degree(3 * masses.size) == 10
    modes = lowest_modes(calc.hessian_operator(), masses, K, method="filtered-lanczos",
                         options=ModeSolverOptions(filter_degree=degree))
    assert modes.info["degree"] == degree
    assert np.max(np.abs(modes.eigenvalues - lam_all[:K]) / np.abs(lam_all[:K])) < 1e-10
    assert np.max(sla.subspace_angles(modes.eigenvectors, vec_all[:, :K])) < 1e-8


@pytest.mark.parametrize("form", ["operator", "sparse", "dense"])
def test_filtered_lanczos_matches_dense_eigh(ka_case, form):
    case, calc, masses, lam_all, vec_all = ka_case
    h = {"dense": calc.hessian, "sparse": lambda: calc.hessian(sparse=True),
         "operator": calc.hessian_operator}[form]()
    modes = lowest_modes(h, masses, K, method="filtered-lanczos")
    assert modes.info["method"] == "filtered-lanczos"
    assert "filter_fallback" not in modes.info
    lam_ref, vec_ref = lam_all[:K], vec_all[:, :K]
    scale = np.max(np.abs(lam_all))
    assert modes.info["max_residual"] < 1e-10 * scale
    assert np.max(np.abs(modes.eigenvalues - lam_ref) / np.abs(lam_ref)) < 1e-10
    assert np.max(sla.subspace_angles(modes.eigenvectors, vec_ref)) < 1e-8
    t = translation_basis(masses)
    assert np.max(np.abs(t.T @ modes.eigenvectors)) < 1e-12
    assert np.allclose(modes.eigenvectors.T @ modes.eigenvectors, np.eye(K), atol=1e-10)
    if case == "perturbed":  # the negative modes come first (most amplified by the filter)
        assert modes.eigenvalues[0] < 0
    # the filter's assumptions held: every kept Ritz value below the cut, b above lambda_max
    assert modes.info["upper"] >= lam_all[-1]
    assert modes.eigenvalues[-1] < modes.info["cut"]


def test_compiled_filter_equals_polynomial_in_eigenbasis(ka_case):
    """P p(H^M) P x from the compiled recurrence = V diag(p(lambda)) V^T x (p in closed form)."""
    _, calc, masses, lam_all, vec_all = ka_case
    hm = mass_weighted_hessian(calc.hessian_operator(), masses)
    op = FilterOperator(hm, masses, translation_basis(masses))
    plan = FilterPlan(degree=9, cut=0.2 * lam_all[-1], upper=1.02 * lam_all[-1],
                      lower=lam_all[0] - 1.0)
    x = np.random.default_rng(2).normal(size=3 * masses.size)
    ref = vec_all @ (plan.value(lam_all) * (vec_all.T @ x))
    got = op.apply(x, plan)
    assert np.max(np.abs(got - ref)) < 1e-10 * np.max(np.abs(ref))  # rounding over d steps
    assert op.n_products == 9


def test_gershgorin_bound_from_pair_blocks(ka_case):
    _, calc, masses, lam_all, _ = ka_case
    hm_op = mass_weighted_hessian(calc.hessian_operator(), masses)
    hm = mass_weighted_hessian(calc.hessian(), masses)
    bound = gershgorin_upper(hm_op)
    assert bound == pytest.approx(np.max(np.sum(np.abs(hm), axis=1)), rel=1e-12)
    assert bound >= lam_all[-1]


def test_cut_too_low_is_detected_and_raised(ka_case):
    """A cut below lambda_{k+g} breaks the filter's assumption: detected (Ritz value above the
    cut or no convergence), the cut is raised, and the result is still right."""
    _, calc, masses, lam_all, vec_all = ka_case
    hm = mass_weighted_hessian(calc.hessian_operator(), masses)
    lam, vec, info = filtered_lowest(hm, masses, K, cut=float(lam_all[2]))
    assert len(info["attempts"]) >= 2
    assert info["attempts"][0]["cut"] == lam_all[2]
    assert np.max(np.abs(lam - lam_all[:K]) / np.abs(lam_all[:K])) < 1e-10
    assert np.max(sla.subspace_angles(vec, vec_all[:, :K])) < 1e-8


def test_residual_check_fires_on_a_bad_solve(ka_case, monkeypatch):
    """lowest_modes recomputes |H^M e - lambda e| itself: corrupted vectors raise."""
    _, calc, masses, _, _ = ka_case
    real = normal.filtered_lowest

    def corrupted(*args, **kwargs):
        lam, vec, info = real(*args, **kwargs)
        return lam, vec + 1e-6 * np.random.default_rng(0).normal(size=vec.shape), info

    monkeypatch.setattr(normal, "filtered_lowest", corrupted)
    with pytest.raises(ModeConvergenceError, match="largest residual"):
        lowest_modes(calc.hessian_operator(), masses, K, method="filtered-lanczos")


def test_failed_filter_falls_back_to_lanczos(ka_case, monkeypatch):
    _, calc, masses, lam_all, _ = ka_case

    def failing(*args, **kwargs):
        raise FilterAssumptionError("forced")

    monkeypatch.setattr(normal, "filtered_lowest", failing)
    modes = lowest_modes(calc.hessian_operator(), masses, K, method="filtered-lanczos")
    assert modes.info["method"] == "lanczos-SA"
    assert modes.info["filter_fallback"] == "forced"
    assert np.max(np.abs(modes.eigenvalues - lam_all[:K]) / np.abs(lam_all[:K])) < 1e-10
    # and a fallback that cannot converge either is reported, not hidden
    with pytest.raises(ModeConvergenceError, match="did not converge"):
        lowest_modes(calc.hessian_operator(), masses, K, method="filtered-lanczos",
                     options=ModeSolverOptions(maxiter=2))


def _cubic_lattice(side: int, rng=None) -> PairBlockHessian:
    """Periodic simple-cubic lattice of unit isotropic springs (K = I): H = Laplacian (x) I_3."""
    idx = np.arange(side**3).reshape(side, side, side)
    pi = np.concatenate([idx.ravel()] * 3)
    pj = np.concatenate([np.roll(idx, -1, axis=a).ravel() for a in range(3)])
    stiff = np.ones(pi.size) if rng is None else 1.0 + 1e-3 * rng.normal(size=pi.size)
    return PairBlockHessian(side**3, pi, pj, np.eye(3)[None, :, :] * stiff[:, None, None])


@pytest.mark.parametrize("k", [10, 18])
def test_degenerate_multiplet_at_the_boundary(k):
    """Plane waves of a cubic lattice: lambda = 2 is 18-fold degenerate (6 wave vectors x 3
    polarisations).  k = 10 splits the multiplet: the 10 returned vectors are an orthonormal
    part of that eigenspace; k = 18 takes all of it.  (A single-vector Krylov method sees one
    direction per distinct eigenvalue in exact arithmetic; the further copies come from rounding
    and ARPACK's restarts.  The plain Lanczos with its default basis returned 17 copies and
    lambda = 4 for k = 18 here; the filtered one, with its guard vectors, all 18.)"""
    side = 4
    op = _cubic_lattice(side)
    masses = np.ones(side**3)
    modes = lowest_modes(op, masses, k, method="filtered-lanczos")
    assert modes.info["method"] == "filtered-lanczos"
    assert np.allclose(modes.eigenvalues, 2.0, rtol=0, atol=1e-10)
    lam_all, vec_all = sla.eigh(op.to_csr().toarray())
    space = vec_all[:, np.abs(lam_all - 2.0) < 1e-8]
    assert space.shape[1] == 18
    inside = np.linalg.norm(space.T @ modes.eigenvectors, axis=0)
    assert np.allclose(inside, 1.0, atol=1e-10)
    assert np.max(np.abs(translation_basis(masses).T @ modes.eigenvectors)) < 1e-12


def test_split_multiplet_matches_eigh():
    """Weakly disordered springs (1e-3) split the multiplets into close triplets, as the plane
    waves of a glass: eigenvalues to 1e-10 and the 12-dimensional space (a complete set of
    triplets) to 1e-8."""
    op = _cubic_lattice(4, np.random.default_rng(0))
    masses = np.ones(64)
    lam_all, vec_all = sla.eigh(op.to_csr().toarray())
    modes = lowest_modes(op, masses, 12, method="filtered-lanczos")
    assert modes.info["method"] == "filtered-lanczos"
    assert np.max(np.abs(modes.eigenvalues - lam_all[3:15]) / lam_all[3:15]) < 1e-10
    assert np.max(sla.subspace_angles(modes.eigenvectors, vec_all[:, 3:15])) < 1e-8


def test_auto_prefers_filtered_lanczos_for_the_operator(ka_case):
    _, calc, masses, _, _ = ka_case
    op = calc.hessian_operator(mass_weighted=True)
    n3 = 3 * masses.size
    assert auto_method(op, n3, 20, "cholmod") == "filtered-lanczos"
    assert auto_method(op, 30000, 20, "superlu") == "filtered-lanczos"
    assert auto_method(calc.hessian(mass_weighted=True), n3, 20) == "shift-invert"


def test_filter_degree_option_is_checked():
    with pytest.raises(Exception, match="filter_degree"):
        ModeSolverOptions(filter_degree=0)
