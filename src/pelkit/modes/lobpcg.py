"""Lowest eigenpairs of the mass-weighted Hessian by preconditioned block iteration (LOBPCG).

LOBPCG (Knyazev, SIAM J. Sci. Comput. 23, 517 (2001)) minimises the block Rayleigh quotient of
H^M over span{X, T^-1 R, P} (R the residuals, P the previous step), with the iterates kept
orthogonal to the three mass-weighted translations t_a by the constraint Y = [t_x t_y t_z]
(``scipy.sparse.linalg.lobpcg``'s ``Y``): the translations are removed exactly, never by a small
eigenvalue.  Only products H^M V for a block V are needed, so the Hessian can be a CSR/BSR matrix
or the matrix-free :class:`pelkit.engine.hessian_operator.PairBlockHessian`.

Preconditioner T ~ (H^M - sigma I)^-1 with sigma < 0 (so that H^M - sigma I is positive definite
on the whole space, translations included):

* ``"amg"``: one V-cycle of smoothed-aggregation algebraic multigrid (Vanek, Mandel & Brezina,
  Computing 56, 179 (1996)) from the optional package ``pyamg`` (extra ``modes``), on 3x3 blocks,
  with the translations as near-null space;
* ``"jacobi"``: the inverse 3x3 diagonal blocks of H^M - sigma I (block Jacobi);
* ``"none"``.

Measured on KA inherent structures (benchmarks/RESULTS.md), the disordered Hessian with its
~60-neighbour stencil is a hard case for aggregation AMG: LOBPCG needs 80-170 iterations of a
block of k + 8 vectors, more products than ARPACK's Lanczos, so ``lowest_modes(method="auto")``
does not choose it; it is offered for operators where Lanczos converges slowly and a good
preconditioner exists.
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from pelkit.engine.hessian_operator import PairBlockHessian
from pelkit.errors import InputError

FloatArray = NDArray[np.float64]
PRECONDITIONERS = ("auto", "amg", "jacobi", "none")


def have_pyamg() -> bool:
    """True when the optional package ``pyamg`` is importable."""
    return importlib.util.find_spec("pyamg") is not None


def _diagonal_blocks(hm: Any) -> FloatArray | None:
    """(N, 3, 3) diagonal blocks of H^M, or None when the operator cannot give them."""
    if isinstance(hm, PairBlockHessian):
        return hm.diagonal_blocks()
    if sp.issparse(hm):
        b = sp.bsr_matrix(hm, blocksize=(3, 3))
        n = b.shape[0] // 3
        d = np.zeros((n, 3, 3))
        for i in range(n):
            for p in range(b.indptr[i], b.indptr[i + 1]):
                if b.indices[p] == i:
                    d[i] = b.data[p]
        return d
    if isinstance(hm, np.ndarray):
        n = hm.shape[0] // 3
        idx = np.arange(n)
        return hm.reshape(n, 3, n, 3)[idx, :, idx, :]
    return None


def block_jacobi(hm: Any, sigma: float) -> spla.LinearOperator | None:
    """x -> (D - sigma I)^-1 x with D the 3x3 diagonal blocks of H^M; None if D is unknown."""
    d = _diagonal_blocks(hm)
    if d is None:
        return None
    inv = np.linalg.inv(d - sigma * np.eye(3)[None, :, :])
    n3 = hm.shape[0]

    def apply(x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        shape = x.shape
        xr = x.reshape(n3 // 3, 3, -1)
        return np.einsum("iab,ibk->iak", inv, xr).reshape(shape)

    return spla.LinearOperator((n3, n3), matvec=apply, matmat=apply, dtype=np.float64)


def amg_preconditioner(hm: Any, sigma: float, translations: FloatArray) -> spla.LinearOperator:
    """One smoothed-aggregation V-cycle for H^M - sigma I (needs pyamg and a sparse H^M)."""
    import pyamg  # optional dependency, checked by the caller

    a = sp.bsr_matrix(hm - sigma * sp.identity(hm.shape[0], format="csr"), blocksize=(3, 3))
    ml = pyamg.smoothed_aggregation_solver(
        a,
        B=translations,
        symmetry="hermitian",
        strength=("symmetric", {"theta": 0.25}),
        max_coarse=300,
    )
    return ml.aspreconditioner(cycle="V")


def lobpcg_lowest(
    hm: Any,
    translations: FloatArray,
    k: int,
    scale: float,
    *,
    preconditioner: str = "auto",
    tol: float = 0.0,
    seed: int = 0,
    maxiter: int | None = None,
    extra: int | None = None,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """The k lowest eigenpairs of H^M orthogonal to the translations, by LOBPCG.

    Args:
        hm: mass-weighted Hessian (3N, 3N), epsilon/(sigma^2 m): dense, sparse or operator.
        translations: (3N, 3) orthonormal t_a (the constraint subspace).
        k: number of eigenpairs wanted.
        scale: ||H^M|| estimate (sets the shift and the tolerance).
        preconditioner: one of ``PRECONDITIONERS`` ("auto": AMG for sparse matrices when pyamg
            is installed, else block Jacobi when the diagonal blocks are known, else none).
        tol: residual tolerance on ||H^M x - lambda x|| for unit x (0: 1e-12 ||H^M||).
        seed: seed of the random start block.
        maxiter: iteration limit (default 1000).
        extra: block size minus k (default max(8, k // 2)): guard vectors that speed up
            convergence of the k-th pair.

    Returns:
        (lambda (k,), vectors (3N, k), info); info has the preconditioner, iterations and the
        largest final residual norm ``max_residual`` (recomputed from H^M x - lambda x).

    Raises:
        InputError: unknown preconditioner, or "amg" without pyamg or without a sparse matrix.
    """
    if preconditioner not in PRECONDITIONERS:
        raise InputError(
            f"preconditioner must be one of {', '.join(PRECONDITIONERS)}, got {preconditioner!r}"
        )
    n = hm.shape[0]
    sigma = -1e-3 * scale  # below the spectrum of a minimum: H^M - sigma I positive definite
    if preconditioner == "auto":
        preconditioner = "amg" if (sp.issparse(hm) and have_pyamg()) else "jacobi"
    if preconditioner == "amg":
        if not have_pyamg():
            raise InputError("preconditioner 'amg' needs pyamg: pip install 'pelkit[modes]'")
        if not sp.issparse(hm):
            raise InputError("preconditioner 'amg' needs a sparse matrix Hessian")
        prec = amg_preconditioner(hm, sigma, translations)
    elif preconditioner == "jacobi":
        prec = block_jacobi(hm, sigma)
        if prec is None:
            preconditioner = "none"
    else:
        prec = None
    if isinstance(hm, np.ndarray) or sp.issparse(hm):
        a_op: Any = sp.bsr_matrix(hm, blocksize=(3, 3)) if sp.issparse(hm) else hm
    else:
        a_op = hm
    extra = max(8, k // 2) if extra is None else int(extra)
    block = min(k + extra, n - 3)
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(n, block))
    x0 -= translations @ (translations.T @ x0)
    tol_abs = tol if tol > 0 else 1e-12 * scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        lam, vec, hist = spla.lobpcg(
            a_op,
            x0,
            M=prec,
            Y=translations,
            tol=tol_abs,
            largest=False,
            maxiter=maxiter or 1000,
            retResidualNormsHistory=True,
        )
    order = np.argsort(lam, kind="stable")[:k]
    lam, vec = np.asarray(lam[order]), np.asarray(vec[:, order])
    res = a_op @ vec - vec * lam[None, :]
    info = {
        "method": "lobpcg",
        "preconditioner": preconditioner,
        "iterations": len(hist),
        "block_size": block,
        "max_residual": float(np.max(np.linalg.norm(res, axis=0))),
        "tol": tol_abs,
    }
    return lam, vec, info
