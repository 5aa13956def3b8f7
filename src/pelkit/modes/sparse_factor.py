"""Sparse factorisations of A = H^M - sigma I for shift-invert eigensolvers.

A shift sigma below the spectrum makes A symmetric positive definite, so it has a Cholesky
factorisation P A P^T = L L^T; a failed factorisation (a non-positive pivot) proves that sigma is
*not* below the spectrum (Sylvester's law of inertia), which is how :mod:`pelkit.modes.normal`
checks a shift.

Backends, best first:

* ``"cholmod"``: the supernodal sparse Cholesky of CHOLMOD (Chen, Davis, Hager & Rajamanickam,
  ACM Trans. Math. Softw. 35, 22 (2008)) as shipped in the optional package ``cvxopt``
  (``cvxopt.cholmod``, extra ``modes``); the dense supernodes are factored with BLAS-3, which is
  what makes it fast on a glass Hessian (~80 neighbours a particle, so the separators of a
  periodic 3-D system become large dense blocks).  Fill-reducing ordering: CHOLMOD's AMD, or a
  caller-given permutation.
* ``"superlu"``: SciPy's SuperLU in symmetric mode without off-diagonal pivoting
  (``diag_pivot_thresh=0``) and a minimum-degree ordering of A + A^T; with a symmetric permutation
  the U diagonal is the D of an L D L^T, so all pivots > 0 <=> positive definite.  Always
  available, but it factors column by column (no supernodes) and its fill and time grow much
  faster (benchmarks/RESULTS.md).

Both give a solver x = A^-1 b for b of shape (n,) or (n, m).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BACKENDS = ("auto", "cholmod", "superlu")


def have_cholmod() -> bool:
    """True when CHOLMOD is importable (optional package ``cvxopt``, ``pelkit[modes]``)."""
    return importlib.util.find_spec("cvxopt") is not None


@dataclass
class SparseFactor:
    """A factorisation of a symmetric positive-definite A (n, n).

    Attributes:
        solve: x = A^-1 b for b (n,) or (n, m), float64.
        backend: "cholmod" or "superlu".
        factor_entries: stored entries of the factor (L, or L + U for SuperLU) when known, else -1.
    """

    solve: Callable[[FloatArray], FloatArray]
    backend: str
    factor_entries: int = -1


def _cholmod_factor(a: sp.csc_matrix, perm: NDArray[np.int64] | None) -> SparseFactor | None:
    from cvxopt import cholmod, matrix, spmatrix  # optional dependency, checked by the caller

    n = a.shape[0]
    low = sp.tril(a, format="csc")
    low.sum_duplicates()
    cols = np.repeat(np.arange(n, dtype=np.int64), np.diff(low.indptr))
    a_cvx = spmatrix(low.data, low.indices.astype(np.int64), cols, (n, n))
    saved = dict(cholmod.options)
    cholmod.options["supernodal"] = 2  # always supernodal (BLAS-3 on the dense separators)
    cholmod.options["postorder"] = True
    try:
        if perm is None:
            f = cholmod.symbolic(a_cvx, uplo="L")
        else:
            p = matrix(np.asarray(perm, dtype=np.int64).astype(int).tolist(), tc="i")
            f = cholmod.symbolic(a_cvx, p=p, uplo="L")
        try:
            cholmod.numeric(a_cvx, f)
        except ArithmeticError:  # a non-positive pivot: A is not positive definite
            return None
    finally:
        cholmod.options.clear()
        cholmod.options.update(saved)

    def solve(b: FloatArray) -> FloatArray:
        b = np.asarray(b, dtype=np.float64)
        x = matrix(np.asfortranarray(b.reshape(n, -1)))
        cholmod.solve(f, x)
        return np.asarray(x).reshape(b.shape)

    return SparseFactor(solve, "cholmod")


def _superlu_factor(a: sp.csc_matrix) -> SparseFactor | None:
    try:
        lu = spla.splu(
            a,
            permc_spec="MMD_AT_PLUS_A",
            diag_pivot_thresh=0.0,
            options={"SymmetricMode": True},
        )
    except RuntimeError:  # exactly singular
        return None
    if not np.array_equal(lu.perm_r, lu.perm_c):
        return None
    if not np.all(lu.U.diagonal() > 0.0):
        return None
    return SparseFactor(lu.solve, "superlu", int(lu.L.nnz + lu.U.nnz))


def dissection_order(
    positions: FloatArray, box: FloatArray, width: float, leaf_size: int = 96
) -> NDArray[np.int64]:
    """Geometric nested-dissection order of the particles of a periodic box (separators last).

    The Hessian couples only particles closer than the cutoff ``width``, so a slab of thickness
    ``width`` across a region separates the particles on its two sides (George, SIAM J. Numer.
    Anal. 10, 345 (1973): eliminating the separator last confines the fill to the separator's
    dense block).  A dimension that is still periodic needs two slabs (at 0 and L/2), after which
    it is open; an open dimension is cut by one slab at the median coordinate.  The longest
    dimension of each region is cut, recursively, until regions hold <= ``leaf_size`` particles.
    The order is valid for any input (a poor separator only costs fill), so the cutoff need not be
    exact.

    Args:
        positions: (N, 3) positions, sigma; box: (3,) orthorhombic box lengths, sigma.
        width: slab thickness, sigma (the largest pair cutoff).
        leaf_size: largest region left undivided.

    Returns:
        (N,) int64 permutation: particle ``order[k]`` is eliminated k-th.
    """
    box = np.asarray(box, dtype=np.float64)
    pos = np.mod(np.asarray(positions, dtype=np.float64), box)
    out: list[NDArray[np.int64]] = []

    def split(idx: NDArray[np.int64], periodic: tuple[bool, bool, bool]) -> None:
        if idx.size <= leaf_size:
            out.append(idx)
            return
        p = pos[idx]
        lo, hi = p.min(axis=0), p.max(axis=0)
        extent = np.where(periodic, box, hi - lo)
        d = int(np.argmax(extent))
        x = p[:, d]
        if periodic[d]:
            if box[d] < 4.0 * width:  # too thin to cut twice: treat as open
                periodic = tuple(False if a == d else periodic[a] for a in range(3))  # type: ignore
                split(idx, periodic)
                return
            half = 0.5 * box[d]
            sep = (x < width) | ((x >= half) & (x < half + width))
            left = (x >= width) & (x < half)
        else:
            if extent[d] < 3.0 * width:  # no room for two sides: a leaf
                out.append(idx)
                return
            cut = float(np.median(x)) - 0.5 * width
            sep = (x >= cut) & (x < cut + width)
            left = x < cut
        right = ~(sep | left)
        opened = tuple(False if a == d else periodic[a] for a in range(3))
        split(idx[left], opened)  # type: ignore[arg-type]
        split(idx[right], opened)  # type: ignore[arg-type]
        out.append(idx[sep])

    split(np.arange(pos.shape[0], dtype=np.int64), (True, True, True))
    return np.concatenate(out)


def factor_positive_definite(
    a: sp.spmatrix, backend: str = "auto", perm: NDArray[np.int64] | None = None
) -> SparseFactor | None:
    """Factor a sparse symmetric A (n, n) if it is positive definite, else return None.

    Args:
        a: sparse symmetric matrix (both triangles stored).
        backend: "auto" (CHOLMOD when cvxopt is installed, else SuperLU), "cholmod" or "superlu".
        perm: optional fill-reducing permutation (n,) for CHOLMOD (row perm[k] is eliminated
            k-th); default CHOLMOD's own ordering.  Ignored by SuperLU.

    Returns:
        a :class:`SparseFactor`, or None when A is not positive definite.

    Raises:
        ValueError: unknown backend, or "cholmod" without cvxopt.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "auto":
        backend = "cholmod" if have_cholmod() else "superlu"
    if backend == "cholmod" and not have_cholmod():
        raise ValueError("the CHOLMOD backend needs cvxopt: pip install 'pelkit[modes]'")
    a = sp.csc_matrix(a, dtype=np.float64)
    a.sort_indices()
    if backend == "cholmod":
        return _cholmod_factor(a, perm)
    return _superlu_factor(a)
