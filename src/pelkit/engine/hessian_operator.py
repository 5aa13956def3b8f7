"""The Hessian as a matrix-free operator built from its pair blocks (no assembled matrix).

For pair potentials H = sum_{pairs ij} (e_i - e_j)(e_i - e_j)^T (x) K_ij with the 3x3 blocks
K = phi'' n n^T + (phi'/r)(I - n n^T) (:mod:`pelkit.engine.hessian`).  Storing the M interacting
pairs once (indices and K, 56 bytes a pair) takes about a quarter of the memory of the CSR matrix
(each pair gives two off-diagonal 3x3 blocks there, 12 bytes an entry), and a product reads
each block once for any number of vectors.  Each symmetric K is kept as its 6 upper-triangle
entries with 4-byte pair indices, which halves the memory traffic of a product (KA N = 10^4:
1.3 ms instead of 2.5 ms a vector).  Given the positions, the particles are numbered internally
in cell order (:func:`pelkit.engine.neighbors.cell_order`) so that the gathers x_j hit nearby
memory (at N = 10^5 a product on randomly numbered particles took 2.3x as long).  Used by
:func:`pelkit.modes.normal.lowest_modes` for large systems, where the CSR assembly (COO triplets,
then CSR) would dominate the peak memory.
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from pelkit.engine.hessian import (
    blocks_from_symmetric,
    coo_from_blocks,
    sym_blocks_matmat,
    sym_blocks_matmat_threads,
    symmetric_entries,
)

FloatArray = NDArray[np.float64]


class PairBlockHessian(spla.LinearOperator):
    """H (or H^M = M^-1/2 H M^-1/2) of shape (3N, 3N) as a symmetric LinearOperator.

    Args:
        n_particles: N.
        pi, pj: (M,) int64 indices of the interacting pairs (each pair once).
        blocks: (M, 3, 3) pair blocks K_ij in eps/sigma^2.
        scale: (3N,) diagonal S of S H S (1/sqrt(m) per coordinate for H^M), or None for H.
        order: optional (N,) permutation (new index k = old particle order[k]) in which the
            product runs internally; inputs and outputs stay in the caller's numbering.
        geometry: optional (positions (N, 3), box lengths (3,), largest pair cutoff), all in
            sigma: lets sparse factorisations use a geometric nested-dissection ordering
            (:func:`pelkit.modes.sparse_factor.dissection_order`).

    ``n_products`` counts the vectors multiplied so far (benchmarks report it).  Setting the
    attribute ``threads`` > 1 (default 1) splits products over that many Numba threads, each on
    its share of the pairs; opt-in because on a loaded 2-core machine two threads made a
    Lanczos run 15x slower in CPU time (spinning workers), and the gain on an idle machine was not
    measured.
    """

    def __init__(
        self,
        n_particles: int,
        pi: NDArray[np.int64],
        pj: NDArray[np.int64],
        blocks: FloatArray,
        scale: FloatArray | None = None,
        order: NDArray[np.int64] | None = None,
        geometry: tuple[FloatArray, FloatArray, float] | None = None,
    ) -> None:
        n = int(n_particles)
        n3 = 3 * n
        super().__init__(dtype=np.dtype(np.float64), shape=(n3, n3))
        pi = np.ascontiguousarray(pi, dtype=np.int64)
        pj = np.ascontiguousarray(pj, dtype=np.int64)
        blocks = np.asarray(blocks, dtype=np.float64)
        self.order = None if order is None else np.ascontiguousarray(order, dtype=np.int64)
        if self.order is not None:  # store the pairs once, in the internal numbering
            rank = np.empty(n, dtype=np.int64)
            rank[self.order] = np.arange(n)
            ii = rank[pi]
            sort = np.argsort(ii, kind="stable")  # pairs by internal i
            pi, pj, blocks = ii[sort], rank[pj[sort]], blocks[sort]
            self._coords: NDArray[np.int64] | None = (
                3 * self.order[:, None] + np.arange(3)
            ).reshape(-1)
        else:
            self._coords = None
        index = np.int32 if n < 2**31 // 3 else np.int64  # 4-byte indices: less traffic
        self._pi, self._pj = pi.astype(index), pj.astype(index)
        self._sym = symmetric_entries(blocks)  # (M, 6): K is symmetric
        self.n_products = 0
        self.threads = 1
        self.geometry = geometry
        self._set_scale(scale)

    def _set_scale(self, scale: FloatArray | None) -> None:
        n3 = self.shape[0]
        self.scale = np.ones(n3) if scale is None else np.ascontiguousarray(scale, dtype=np.float64)
        self._scale = self.scale if self._coords is None else self.scale[self._coords]

    @property
    def _blocks(self) -> FloatArray:
        """(M, 3, 3) pair blocks, rebuilt from the stored symmetric entries."""
        return blocks_from_symmetric(self._sym)

    @property
    def n_pairs(self) -> int:
        """Number of stored pair blocks M."""
        return int(self._pi.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the pair data, bytes."""
        return int(self._pi.nbytes + self._pj.nbytes + self._sym.nbytes + self.scale.nbytes)

    def with_scale(self, scale: FloatArray) -> PairBlockHessian:
        """The same pairs (shared, not copied) with another diagonal scale S (3N,)."""
        new = copy.copy(self)
        new.n_products = 0
        new._set_scale(scale)
        return new

    def _product(self, x: FloatArray, out: FloatArray) -> None:
        threads = self.threads
        if threads > 1 and self._pi.shape[0] >= 20000 * threads:  # worth the buffers
            sym_blocks_matmat_threads(self._pi, self._pj, self._sym, self._scale, x, out, threads)
        else:
            sym_blocks_matmat(self._pi, self._pj, self._sym, self._scale, x, out)

    def _matmat(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        if self._coords is not None:
            xi = np.ascontiguousarray(x[self._coords])
            oi = np.empty_like(xi)
            self._product(xi, oi)
            out = np.empty_like(xi)
            out[self._coords] = oi
        else:
            xi = np.ascontiguousarray(x)
            out = np.empty_like(xi)
            self._product(xi, out)
        self.n_products += x.shape[1]
        return out

    def _matvec(self, x: FloatArray) -> FloatArray:
        return self._matmat(np.asarray(x, dtype=np.float64).reshape(-1, 1)).reshape(-1)

    def _rmatvec(self, x: FloatArray) -> FloatArray:
        return self._matvec(x)

    def _adjoint(self) -> PairBlockHessian:
        return self

    def diagonal_blocks(self) -> FloatArray:
        """(N, 3, 3) diagonal blocks of S H S: sum_j K_ij, scaled (a block-Jacobi preconditioner
        can invert them)."""
        n = self.shape[0] // 3
        d = np.zeros((n, 3, 3))
        np.add.at(d, self._pi, self._blocks)
        np.add.at(d, self._pj, self._blocks)
        if self.order is not None:
            user = np.empty_like(d)
            user[self.order] = d
            d = user
        s = self.scale.reshape(n, 3)
        return d * s[:, :, None] * s[:, None, :]

    def to_csr(self) -> sp.csr_matrix:
        """The assembled S H S (3N, 3N) as CSR in the caller's numbering (symmetric by
        construction; for sparse factorisations)."""
        n = self.shape[0] // 3
        pi, pj = self._pi, self._pj
        if self.order is not None:
            pi, pj = self.order[pi], self.order[pj]
        rows, cols, vals = coo_from_blocks(n, pi, pj, self._blocks)
        vals *= self.scale[rows] * self.scale[cols]
        return sp.csr_matrix((vals, (rows, cols)), shape=self.shape)
