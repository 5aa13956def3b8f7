"""Shift-invert support for :func:`pelkit.modes.normal.lowest_modes`: a shift sigma strictly below
the spectrum of H^M, proven by a Cholesky factorisation of H^M - sigma I, and the solver it gives.

H^M - sigma I is positive definite exactly when sigma lies below the lowest eigenvalue, so a
successful Cholesky (dense: LAPACK; sparse: :mod:`pelkit.modes.sparse_factor`, CHOLMOD or
SuperLU) both proves the shift and provides (H^M - sigma I)^-1 for the ARPACK shift-invert mode
(Ericsson & Ruhe, Math. Comp. 35, 1251 (1980)).  The fill-reducing order of the pair-block
operator is the geometric nested dissection of :func:`pelkit.modes.sparse_factor.dissection_order`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from pelkit.engine.hessian_operator import PairBlockHessian
from pelkit.modes.sparse_factor import dissection_order, factor_positive_definite

if TYPE_CHECKING:  # only for annotations: normal.py imports this module
    from pelkit.modes.normal import TranslationComplement

FloatArray = NDArray[np.float64]
HessianLike = Any  # np.ndarray | scipy.sparse matrix/array | scipy.sparse.linalg.LinearOperator

#: smallest N for which the geometric nested dissection replaces CHOLMOD's AMD ordering (KA
#: N = 10^4: factor 18 s instead of 34 s; N = 1000: no gain, the box is only ~4 cutoffs wide)
DISSECTION_MIN_PARTICLES = 3000

def _gershgorin_lower(hm: HessianLike) -> float:
    """min_i (A_ii - sum_{j != i} |A_ij|): a lower bound of the spectrum of a symmetric A."""
    if sp.issparse(hm):
        diag = hm.diagonal()
        off = np.asarray(abs(hm).sum(axis=1)).ravel() - np.abs(diag)
    else:
        diag = np.diag(hm)
        off = np.sum(np.abs(hm), axis=1) - np.abs(diag)
    return float(np.min(diag - off))


def factor_if_positive_definite(
    hm: HessianLike, sigma: float, backend: str = "auto", perm: NDArray[np.int64] | None = None
):
    """A solver for (H^M - sigma I) y = b if that matrix is positive definite, else None.

    Dense: Cholesky.  Sparse: :func:`pelkit.modes.sparse_factor.factor_positive_definite`
    (CHOLMOD supernodal Cholesky when cvxopt is installed, else SuperLU in symmetric mode;
    ``backend`` "auto", "cholmod" or "superlu"); a failed factorisation proves the matrix is not
    positive definite (Sylvester's law of inertia).
    """
    n = hm.shape[0]
    if sp.issparse(hm):
        a = hm - sigma * sp.identity(n, format="csr")
        factor = factor_positive_definite(a, backend, perm)
        return None if factor is None else factor.solve
    try:
        c = sla.cho_factor(hm - sigma * np.eye(n), lower=False, check_finite=False)
    except sla.LinAlgError:
        return None
    return lambda b: sla.cho_solve(c, b, check_finite=False)


def _lowest_estimate(hm: HessianLike, comp: TranslationComplement, seed: int) -> float | None:
    """A rough Lanczos estimate of the lowest non-translational eigenvalue of H^M."""
    op = comp.restrict_operator(hm)
    v0 = np.random.default_rng(seed).normal(size=op.shape[0])
    try:
        val = spla.eigsh(
            op, k=1, which="SA", tol=1e-3, v0=v0, maxiter=500, return_eigenvectors=False
        )
        return float(val[0])
    except spla.ArpackNoConvergence as exc:
        if len(exc.eigenvalues):
            return float(np.min(exc.eigenvalues))
        return None


def choose_shift(
    hm: HessianLike,
    comp: TranslationComplement,
    scale: float,
    seed: int,
    backend: str = "auto",
    perm: NDArray[np.int64] | None = None,
):
    """Automatic shift sigma strictly below the spectrum of H^M and the factorisation there.

    1. sigma = -1e-6 ||H^M||: below the spectrum of any minimum (lambda >= 0; the translations at
       0 are projected out later).  Accept if H^M - sigma I is positive definite.
    2. Otherwise (INM, saddles): estimate the lowest eigenvalue theta by a loose Lanczos run and try
       sigma = theta - g with g = max(0.05 |theta|, 1e-6 ||H^M||), doubling g until H^M - sigma I
       is positive definite, never going below the Gershgorin bound (which is always valid).
    """
    delta = 1e-6 * scale
    sigma = -delta
    solve = factor_if_positive_definite(hm, sigma, backend, perm)
    if solve is not None:
        return sigma, solve, "minimum"
    lower = _gershgorin_lower(hm) - delta
    theta = _lowest_estimate(hm, comp, seed)
    if theta is not None:
        gap = max(0.05 * abs(theta), delta)
        for _ in range(60):
            sigma = theta - gap
            if sigma <= lower:
                break
            solve = factor_if_positive_definite(hm, sigma, backend, perm)
            if solve is not None:
                return sigma, solve, "below-lanczos-estimate"
            gap *= 2.0
    sigma = lower
    solve = factor_if_positive_definite(hm, sigma, backend, perm)
    if solve is None:
        raise RuntimeError("no positive-definite shift found below the Gershgorin bound")
    return sigma, solve, "gershgorin"


def fill_permutation(hm: PairBlockHessian) -> NDArray[np.int64] | None:
    """Geometric nested-dissection order of the coordinates (3N,) for CHOLMOD, or None (CHOLMOD's
    own AMD) for small boxes (under DISSECTION_MIN_PARTICLES) or without positions."""
    if hm.geometry is None or hm.shape[0] < 3 * DISSECTION_MIN_PARTICLES:
        return None
    positions, box, width = hm.geometry
    order = dissection_order(positions, box, width)
    return (3 * order[:, None] + np.arange(3)).reshape(-1)


