"""The Hessian as a matrix-free operator built from its pair blocks (no assembled matrix).

For pair potentials H = sum_{pairs ij} (e_i - e_j)(e_i - e_j)^T (x) K_ij with the 3x3 blocks
K = phi'' n n^T + (phi'/r)(I - n n^T) (:mod:`pelkit.engine.hessian`).  Storing the M interacting
pairs once (indices and K, 88 bytes a pair) takes about a quarter of the memory of the CSR matrix
(each pair gives four 3x3 blocks there, 12 bytes an entry), and a product reads each block once
for any number of vectors.  Used by :func:`pelkit.modes.normal.lowest_modes` for large systems,
where the CSR assembly (COO triplets, then CSR) would dominate the peak memory.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from pelkit.engine.hessian import blocks_matmat

FloatArray = NDArray[np.float64]


class PairBlockHessian(spla.LinearOperator):
    """H (or H^M = M^-1/2 H M^-1/2) of shape (3N, 3N) as a symmetric LinearOperator.

    Args:
        n_particles: N.
        pi, pj: (M,) int64 indices of the interacting pairs (each pair once).
        blocks: (M, 3, 3) pair blocks K_ij in eps/sigma^2.
        scale: (3N,) diagonal S of S H S (1/sqrt(m) per coordinate for H^M), or None for H.

    ``n_products`` counts the vectors multiplied so far (benchmarks report it).
    """

    def __init__(
        self,
        n_particles: int,
        pi: NDArray[np.int64],
        pj: NDArray[np.int64],
        blocks: FloatArray,
        scale: FloatArray | None = None,
    ) -> None:
        n3 = 3 * int(n_particles)
        super().__init__(dtype=np.dtype(np.float64), shape=(n3, n3))
        self.pi = np.ascontiguousarray(pi, dtype=np.int64)
        self.pj = np.ascontiguousarray(pj, dtype=np.int64)
        self.blocks = np.ascontiguousarray(blocks, dtype=np.float64)
        self.scale = (
            np.ones(n3) if scale is None else np.ascontiguousarray(scale, dtype=np.float64)
        )
        self.n_products = 0

    @property
    def n_pairs(self) -> int:
        """Number of stored pair blocks M."""
        return int(self.pi.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the pair data, bytes."""
        return int(self.pi.nbytes + self.pj.nbytes + self.blocks.nbytes + self.scale.nbytes)

    def _matmat(self, x: FloatArray) -> FloatArray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty_like(x)
        blocks_matmat(self.pi, self.pj, self.blocks, self.scale, x, out)
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
        np.add.at(d, self.pi, self.blocks)
        np.add.at(d, self.pj, self.blocks)
        s = self.scale.reshape(n, 3)
        return d * s[:, :, None] * s[:, None, :]
