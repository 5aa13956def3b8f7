"""Every lowest-modes solver against dense ``eigh`` on KA inherent structures (issue 14 item 1).

Reference: ``scipy.linalg.eigh`` of the full dense mass-weighted Hessian (translations included),
from which the 3 translational zero modes are removed by their exact null vectors.  Each solver
(ARPACK shift-invert, ARPACK Lanczos on CSR/BSR and on the matrix-free pair-block operator, LOBPCG
with block-Jacobi and, when pyamg is installed, AMG preconditioning) must give the k lowest
non-zero eigenvalues to 1e-10 relative and the k-dimensional eigenspace to 1e-8 in the largest
principal angle (``scipy.linalg.subspace_angles``), with eigenvectors exactly orthogonal to the
translations.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from pelkit.build import kob_andersen_system
from pelkit.engine.calculator import Calculator
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.lobpcg import have_pyamg
from pelkit.modes.normal import (
    ModeConvergenceError,
    auto_method,
    lowest_modes,
    mass_weighted_hessian,
    translation_basis,
)
from pelkit.modes.solver_options import ModeSolverOptions
from pelkit.modes.sparse_factor import dissection_order, factor_positive_definite, have_cholmod

K = 12


@pytest.fixture(scope="module", params=[(180, 3, False), (240, 4, True)], ids=["N180", "N240m"])
def ka_minimum(request):
    """A ka-smooth inherent structure (max force < 1e-11); the second with unequal masses."""
    n, seed, unequal = request.param
    model = get_model("ka-smooth")
    start = kob_andersen_system(n, seed=seed, model=model)
    if unequal:
        start.masses = np.random.default_rng(seed).uniform(0.5, 2.0, size=n)
    res = quench(model, start, method="lbfgs", fmax=1e-11)
    assert res.minimize.converged
    calc = Calculator(model, res.system)
    h = calc.hessian()
    masses = res.system.masses
    hm = mass_weighted_hessian(h, masses)
    lam_all, vec_all = sla.eigh(hm)
    t = translation_basis(masses)
    overlap = np.sum((t.T @ vec_all) ** 2, axis=0)
    keep = overlap < 0.5
    assert np.count_nonzero(~keep) == 3
    assert np.all(np.abs(lam_all[~keep]) < 1e-10 * np.abs(lam_all).max())
    return calc, masses, lam_all[keep][:K], vec_all[:, keep][:, :K]


SOLVERS = [
    ("dense", "shift-invert", {}),
    ("sparse", "shift-invert", {}),
    ("sparse", "lanczos", {}),
    ("operator", "lanczos", {}),
    ("operator", "auto", {}),
    ("operator", "lobpcg", {"preconditioner": "jacobi"}),
    ("sparse", "lobpcg", {"preconditioner": "amg"}),
    ("sparse", "shift-invert", {"factorization": "superlu"}),
    ("sparse", "shift-invert", {"factorization": "cholmod"}),
    ("operator", "shift-invert", {"factorization": "cholmod"}),
]


@pytest.mark.parametrize(("form", "method", "kw"), SOLVERS,
                         ids=[f"{f}-{m}-{'-'.join(kw.values())}" for f, m, kw in SOLVERS])
def test_solver_matches_dense_eigh(ka_minimum, form, method, kw):
    if kw.get("preconditioner") == "amg" and not have_pyamg():
        pytest.skip("pyamg not installed (pip install 'pelkit[modes]')")
    if kw.get("factorization") == "cholmod" and not have_cholmod():
        pytest.skip("cvxopt (CHOLMOD) not installed (pip install 'pelkit[modes]')")
    calc, masses, lam_ref, vec_ref = ka_minimum
    h = {
        "dense": calc.hessian,
        "sparse": lambda: calc.hessian(sparse=True),
        "operator": calc.hessian_operator,
    }[form]()
    modes = lowest_modes(h, masses, K, method=method, options=ModeSolverOptions(**kw))
    assert modes.info["max_residual"] < 1e-10 * np.max(np.abs(lam_ref))
    assert np.max(np.abs(modes.eigenvalues - lam_ref) / lam_ref) < 1e-10
    assert np.max(sla.subspace_angles(modes.eigenvectors, vec_ref)) < 1e-8
    t = translation_basis(masses)
    assert np.max(np.abs(t.T @ modes.eigenvectors)) < 1e-12
    assert np.allclose(modes.eigenvectors.T @ modes.eigenvectors, np.eye(K), atol=1e-10)


def test_pair_block_operator_equals_assembled_hessian(ka_minimum):
    calc, masses, _, _ = ka_minimum
    x = np.random.default_rng(0).normal(size=(3 * masses.size, 3))
    for mw in (False, True):
        h = calc.hessian(mass_weighted=mw)
        op = calc.hessian_operator(mass_weighted=mw)
        assert np.max(np.abs(op @ x - h @ x)) < 1e-12 * np.max(np.abs(h))
        assert np.max(np.abs(op @ x[:, 0] - h @ x[:, 0])) < 1e-12 * np.max(np.abs(h))
    d = calc.hessian_operator(mass_weighted=True).diagonal_blocks()
    hm = calc.hessian(mass_weighted=True)
    i = 7
    assert np.allclose(d[i], hm[3 * i:3 * i + 3, 3 * i:3 * i + 3], rtol=1e-13, atol=1e-12)
    # assembled CSR, with and without the internal cell order
    from pelkit.engine.hessian import pair_blocks
    from pelkit.engine.hessian_operator import PairBlockHessian

    h = calc.hessian(sparse=True, mass_weighted=True)
    plain = PairBlockHessian(masses.size, *pair_blocks(*calc._args(calc.system.positions)),
                             scale=calc.hessian_operator(mass_weighted=True).scale)
    for op in (calc.hessian_operator(mass_weighted=True), plain):
        assert abs(op.to_csr() - h).max() < 1e-13 * abs(h).max()
        assert np.max(np.abs(op @ x - h @ x)) < 1e-12 * abs(h).max()


def test_lobpcg_reports_non_convergence(ka_minimum):
    calc, masses, _, _ = ka_minimum
    with pytest.raises(ModeConvergenceError, match="did not converge"):
        lowest_modes(calc.hessian_operator(), masses, K, method="lobpcg",
                     options=ModeSolverOptions(maxiter=5))


def test_lanczos_reports_non_convergence(ka_minimum):
    calc, masses, _, _ = ka_minimum
    with pytest.raises(ModeConvergenceError, match="did not converge"):
        lowest_modes(calc.hessian_operator(), masses, K, method="lanczos",
                     options=ModeSolverOptions(maxiter=2))


def test_auto_choice_by_form_size_and_k(ka_minimum):
    calc, masses, _, _ = ka_minimum
    n3 = 3 * masses.size
    op = calc.hessian_operator(mass_weighted=True)
    h = calc.hessian(sparse=True, mass_weighted=True)
    assert auto_method(calc.hessian(mass_weighted=True), n3, 5) == "shift-invert"
    assert auto_method(op, n3, 5, "superlu") == "filtered-lanczos"  # SuperLU never on an op.
    assert auto_method(op, n3, 5, "cholmod") == "filtered-lanczos"  # few modes: filtered
    assert auto_method(op, n3, 200, "cholmod") == "filtered-lanczos"  # <= FILTER_MAX_K
    assert auto_method(op, n3, 300, "cholmod") == "shift-invert"  # many modes: factorise
    assert auto_method(op, 10**7, 10**4, "cholmod") == "filtered-lanczos"  # too large
    assert auto_method(h, n3, 5, "superlu") == "shift-invert"  # 3N <= DIRECT_MAX
    assert auto_method(h, n3, 5, "cholmod") == "shift-invert"
    assert auto_method(h, 10**5, 5, "superlu") == "lanczos"
    assert auto_method(h, 10**4, 5, "cholmod") == "lanczos"
    assert auto_method(h, 10**4, 500, "cholmod") == "shift-invert"
    modes = lowest_modes(calc.hessian_operator(), masses, 300)
    expected = "shift-invert" if have_cholmod() else "filtered-lanczos"
    assert modes.info["method"] == expected


def test_cholmod_proves_positive_definiteness(ka_minimum):
    """Cholesky of H^M - sigma I succeeds below the spectrum and fails above lambda_1 (with a
    nested-dissection ordering too), and its solve is exact."""
    if not have_cholmod():
        pytest.skip("cvxopt (CHOLMOD) not installed (pip install 'pelkit[modes]')")
    calc, masses, lam_ref, _ = ka_minimum
    hm = calc.hessian(sparse=True, mass_weighted=True)
    eye = np.eye(hm.shape[0])
    order = dissection_order(calc.system.positions, calc.box, 2.5, leaf_size=16)
    perm = (3 * order[:, None] + np.arange(3)).reshape(-1)
    for p in (None, perm):
        f = factor_positive_definite(hm + 1e-3 * eye, "cholmod", p)
        b = np.random.default_rng(1).normal(size=(hm.shape[0], 2))
        x = f.solve(b)
        assert np.max(np.abs(hm @ x + 1e-3 * x - b)) < 1e-9 * np.max(np.abs(b))
        # above the 3 zero modes and lambda_1: 4 negative eigenvalues, not positive definite
        assert factor_positive_definite(hm - 1.01 * lam_ref[0] * eye, "cholmod", p) is None
        assert factor_positive_definite(hm - 1.01 * lam_ref[0] * eye, "superlu") is None


def test_dissection_separates_periodic_box():
    """The last block of the order is a slab pair that no pair closer than the width crosses."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(3)
    box = np.array([22.0, 20.0, 18.0])
    pos = rng.uniform(0.0, 1.0, size=(4000, 3)) * box
    width = 2.5
    order = dissection_order(pos, box, width, leaf_size=64)
    assert np.array_equal(np.sort(order), np.arange(4000))
    x = pos[:, 0]  # the longest side is cut first: slabs [0, w) and [L/2, L/2 + w)
    sep = (x < width) | ((x >= 11.0) & (x < 11.0 + width))
    n_sep = int(np.count_nonzero(sep))
    assert set(order[-n_sep:].tolist()) == set(np.flatnonzero(sep).tolist())
    left = (x >= width) & (x < 11.0)
    pairs = cKDTree(pos, boxsize=box).query_pairs(width, output_type="ndarray")
    crossing = left[pairs[:, 0]] & ~sep[pairs[:, 1]] & ~left[pairs[:, 1]]
    crossing |= left[pairs[:, 1]] & ~sep[pairs[:, 0]] & ~left[pairs[:, 0]]
    assert len(pairs) > 10000 and not np.any(crossing)


def test_symmetric_storage_products_equal_block_kernel(ka_minimum):
    """The 6-entry (serial, one and several vectors) and the pair-split threaded products equal
    the (M, 3, 3) block kernel to rounding."""
    from pelkit.engine.hessian import blocks_matmat, sym_blocks_matmat, sym_blocks_matmat_threads

    calc, masses, _, _ = ka_minimum
    op = calc.hessian_operator(mass_weighted=True)
    blocks = op._blocks
    assert np.array_equal(blocks, np.swapaxes(blocks, 1, 2))
    for cols in (1, 4):
        x = np.random.default_rng(2).normal(size=(op.shape[0], cols))
        ref, out = np.empty_like(x), np.empty_like(x)
        blocks_matmat(op._pi.astype(np.int64), op._pj.astype(np.int64), blocks, op._scale, x, ref)
        sym_blocks_matmat(op._pi, op._pj, op._sym, op._scale, x, out)
        assert np.max(np.abs(out - ref)) < 1e-13 * np.max(np.abs(ref))
        for threads in (1, 3):
            sym_blocks_matmat_threads(op._pi, op._pj, op._sym, op._scale, x, out, threads)
            assert np.max(np.abs(out - ref)) < 1e-12 * np.max(np.abs(ref))


def test_without_cvxopt_auto_falls_back_and_cholmod_is_refused(ka_minimum, monkeypatch):
    """With CHOLMOD reported missing: auto picks the filtered Lanczos for the operator even for
    many modes (SuperLU shift-invert for a small sparse matrix) and an explicit "cholmod" is a
    clear InputError."""
    import pelkit.modes.normal as normal
    from pelkit.errors import InputError

    calc, masses, lam_ref, _ = ka_minimum
    monkeypatch.setattr(normal, "have_cholmod", lambda: False)
    n3 = 3 * masses.size
    op = calc.hessian_operator(mass_weighted=True)
    assert normal.auto_method(op, n3, 300) == "filtered-lanczos"
    with pytest.raises(InputError, match="needs cvxopt"):
        lowest_modes(calc.hessian(sparse=True), masses, K,
                     options=ModeSolverOptions(factorization="cholmod"))
    modes = lowest_modes(calc.hessian(sparse=True), masses, K,
                          options=ModeSolverOptions(factorization="superlu"))
    assert modes.info["factorization"] == "superlu"
    assert np.max(np.abs(modes.eigenvalues - lam_ref) / lam_ref) < 1e-10
