"""The exponential preconditioner of Packwood et al. for quasi-Newton minimisation of particles.

Packwood, Kermode, Mones, Bernstein, Woolley, Gould, Ortner & Csanyi, "A universal
preconditioner for simulating condensed phase materials", J. Chem. Phys. 144, 164109 (2016),
eq 10: a sparse symmetric N x N matrix P built from the pair distances r_ij < r_cut,

    P_ij = -mu exp(-A (r_ij / r_nn - 1))              (i != j, r_ij < r_cut; 0 otherwise)
    P_ii = -sum_{j != i} P_ij + mu c_stab,

applied to each Cartesian component alike (the 3N x 3N matrix is P (x) I_3). P is a weighted
graph Laplacian plus mu c_stab I, hence symmetric positive definite for c_stab > 0. It models
the long-wavelength (elastic) part of the Hessian, so P^-1 as the initial inverse Hessian of
L-BFGS removes the conditioning that grows with system size.

Parameters (defaults of the paper): A = 3, r_cut = 2 r_nn, c_stab = 0.1, r_nn the mean
nearest-neighbour distance at the start. mu (eps / sigma^2) is fitted to the curvature along a
long-wavelength displacement v_i,a = h sin(2 pi r_i,a / L_a) (periodic in the box):

    mu = (v . H v) / (v . P_1 v),

with H the Hessian at the start (an exact Hessian-vector product, no finite difference) and P_1
the matrix with mu = 1 and c_stab = 0. The matrix is rebuilt when a particle has moved more than
``rebuild_fraction`` r_nn in any Cartesian component since the last build (0.5, as in the paper's
reference implementation).

Applying P^-1 (``solver``):
  * "direct": a sparse LU factorisation (SuperLU, minimum-degree ordering of P + P^T), exact,
    three right-hand sides (x, y, z) per solve. Its fill-in grows fast: at KA density 1.2 and
    N = 10^3 the factors hold ~5e5 entries (a solve costs ~4 force evaluations), at N = 10^4
    ~2e7 (15 s to factorise, a solve ~10 force evaluations).
  * "amg": one V-cycle of smoothed-aggregation algebraic multigrid (pyamg; Vanek, Mandel &
    Brezina, Computing 56, 179 (1996)) with symmetric Gauss-Seidel smoothing, a fixed symmetric
    positive-definite approximation of P^-1 (spectrally equivalent to it) at the cost of a few
    products with P. Needs the optional ``pyamg`` package.
  * "auto": "direct" up to N = :data:`DIRECT_MAX` (measured a little faster there), above it
    "amg" when pyamg imports (it comes with pelkit's ``modes`` extra), otherwise "direct".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

EXP_A = 3.0
"""Decay constant A of P_ij = -mu exp(-A (r_ij / r_nn - 1)) (Packwood et al. 2016)."""

EXP_R_CUT_FACTOR = 2.0
"""r_cut / r_nn."""

EXP_C_STAB = 0.1
"""Diagonal stabilisation c_stab (P_ii gets + mu c_stab)."""

DIRECT_MAX = 2000
"""Largest N for which solver "auto" factorises P (SuperLU) rather than using a V-cycle."""

REBUILD_FRACTION = 0.5
"""Rebuild P when max |x - x_build| > REBUILD_FRACTION r_nn."""


def _tree_points(positions: FloatArray, lengths: FloatArray | None) -> FloatArray:
    """Positions wrapped into [0, L) (cKDTree with ``boxsize`` needs them there)."""
    if lengths is None:
        return np.ascontiguousarray(positions)
    w = positions - lengths * np.floor(positions / lengths)
    return np.where(w >= lengths, 0.0, w)


def pair_distances(
    positions: FloatArray, lengths: FloatArray | None, r_cut: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
    """(i, j, r_ij) for every pair i < j with r_ij < r_cut (minimum image when ``lengths``).

    positions (N, 3) in sigma; lengths (3,) the periodic box sides, or None for open boundaries.
    """
    pts = _tree_points(positions, lengths)
    tree = cKDTree(pts, boxsize=lengths)
    pairs = tree.query_pairs(r_cut, output_type="ndarray")
    i = np.ascontiguousarray(pairs[:, 0], dtype=np.int64)
    j = np.ascontiguousarray(pairs[:, 1], dtype=np.int64)
    d = pts[i] - pts[j]
    if lengths is not None:
        d -= lengths * np.round(d / lengths)
    return i, j, np.sqrt((d * d).sum(axis=1))


def mean_nearest_neighbour_distance(positions: FloatArray, lengths: FloatArray | None) -> float:
    """r_nn = (1/N) sum_i min_j r_ij (sigma)."""
    pts = _tree_points(positions, lengths)
    dist, _ = cKDTree(pts, boxsize=lengths).query(pts, k=2)
    return float(dist[:, 1].mean())


def exp_precon_matrix(
    positions: FloatArray,
    lengths: FloatArray | None,
    r_nn: float,
    mu: float,
    A: float = EXP_A,
    r_cut: float | None = None,
    c_stab: float = EXP_C_STAB,
) -> sp.csc_matrix:
    """P (N, N) of the module docstring (CSC), eps/sigma^2."""
    n = positions.shape[0]
    r_cut = EXP_R_CUT_FACTOR * r_nn if r_cut is None else r_cut
    i, j, r = pair_distances(positions, lengths, r_cut)
    c = mu * np.exp(-A * (r / r_nn - 1.0))
    diag = np.bincount(i, c, minlength=n) + np.bincount(j, c, minlength=n) + mu * c_stab
    idx = np.arange(n)
    rows = np.concatenate([i, j, idx])
    cols = np.concatenate([j, i, idx])
    vals = np.concatenate([-c, -c, diag])
    return sp.csc_matrix((vals, (rows, cols)), shape=(n, n))


def long_wave_displacement(positions: FloatArray, lengths: FloatArray | None,
                           amplitude: float) -> FloatArray:
    """v (N, 3), v_i,a = amplitude sin(2 pi r_i,a / L_a) (L_a the extent for open boundaries)."""
    if lengths is None:
        span = positions.max(axis=0) - positions.min(axis=0)
        span = np.where(span > 0, span, 1.0)
        return amplitude * np.sin(2.0 * np.pi * (positions - positions.min(axis=0)) / span)
    return amplitude * np.sin(2.0 * np.pi * positions / lengths)


@dataclass
class ExpPreconditioner:
    """P of the module docstring, kept factorised and rebuilt when the particles moved.

    Attributes:
        lengths: (3,) periodic box sides (sigma) or None (open boundaries).
        r_nn: nearest-neighbour distance (sigma); mu: energy scale (eps/sigma^2).
        A, r_cut (sigma), c_stab: the matrix parameters; rebuild_fraction: rebuild threshold
            as a fraction of r_nn.
        builds: how many times P was built and factorised.
    """

    lengths: FloatArray | None
    r_nn: float
    mu: float
    A: float = EXP_A
    r_cut: float = 0.0
    c_stab: float = EXP_C_STAB
    rebuild_fraction: float = REBUILD_FRACTION
    solver: str = "auto"
    builds: int = 0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.mu) and self.mu > 0):
            raise InputError(f"the preconditioner's mu must be positive, got {self.mu}")
        if not (np.isfinite(self.r_nn) and self.r_nn > 0):
            raise InputError(f"the nearest-neighbour distance must be positive, got {self.r_nn}")
        if not self.c_stab > 0:
            raise InputError(f"c_stab must be positive (P positive definite), got {self.c_stab}")
        if self.r_cut <= 0:
            self.r_cut = EXP_R_CUT_FACTOR * self.r_nn
        if self.solver not in ("auto", "direct", "amg"):
            raise InputError(f"unknown solver {self.solver!r}; choose auto, direct or amg")
        if self.solver != "direct":
            try:
                import pyamg  # noqa: F401
            except ImportError:
                if self.solver == "amg":
                    raise InputError("solver 'amg' needs pyamg (pip install pyamg)") from None
                self.solver = "direct"
            else:
                self.solver = "amg"
        self._ref: FloatArray | None = None
        self._lu = None
        self.matrix: sp.csc_matrix | None = None

    @classmethod
    def for_calculator(
        cls,
        calc,  # noqa: ANN001 - pelkit.engine.calculator.Calculator (no import cycle)
        positions: FloatArray,
        A: float = EXP_A,
        r_cut_factor: float = EXP_R_CUT_FACTOR,
        c_stab: float = EXP_C_STAB,
        mu: float | None = None,
        solver: str = "auto",
    ) -> ExpPreconditioner:
        """The preconditioner of ``calc``'s system at ``positions`` (N, 3): r_nn measured there,
        mu fitted from the exact curvature along the long-wave displacement (module docstring)
        unless given."""
        pos = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
        lengths = np.asarray(calc.box, dtype=np.float64) if calc.periodic else None
        r_nn = mean_nearest_neighbour_distance(pos, lengths)
        r_cut = r_cut_factor * r_nn
        if mu is None:
            v = long_wave_displacement(pos, lengths, 1e-2 * r_nn)
            hv = calc.hessian_vector(v.reshape(-1), pos)
            p1 = exp_precon_matrix(pos, lengths, r_nn, 1.0, A, r_cut, c_stab=0.0)
            num = float(hv @ v.reshape(-1))
            den = float(np.sum((p1 @ v) * v))
            mu = num / den if den > 0 else float("nan")
            if not (np.isfinite(mu) and mu > 0):
                # negative long-wave curvature (not met at liquid densities): its magnitude
                mu = float(abs(num) / den) if den > 0 and num != 0 else 1.0
        if solver == "auto" and pos.shape[0] <= DIRECT_MAX:
            solver = "direct"
        return cls(lengths, r_nn, float(mu), A, r_cut, c_stab, solver=solver)

    def update(self, x: FloatArray) -> bool:
        """Build and factorise P at x (3N,) if needed; True when it was (re)built."""
        pos = x.reshape(-1, 3)
        if self._ref is not None and float(np.abs(pos - self._ref).max()) <= (
            self.rebuild_fraction * self.r_nn
        ):
            return False
        self.matrix = exp_precon_matrix(pos, self.lengths, self.r_nn, self.mu, self.A,
                                        self.r_cut, self.c_stab)
        if self.solver == "amg":
            import pyamg

            ml = pyamg.smoothed_aggregation_solver(self.matrix.tocsr(), symmetry="symmetric",
                                                   max_coarse=300)
            self._lu = _VCycle(ml.aspreconditioner(cycle="V"))
        else:
            self._lu = spla.splu(self.matrix, permc_spec="MMD_AT_PLUS_A")
        self._ref = pos.copy()
        self.builds += 1
        return True

    def solve(self, r: FloatArray) -> FloatArray:
        """z (3N,) with (P (x) I_3) z = r (3N,) (solver "direct"; one V-cycle for "amg")."""
        if self._lu is None:
            raise RuntimeError("ExpPreconditioner.solve before update")
        return self._lu.solve(r.reshape(-1, 3)).reshape(-1)


class _VCycle:
    """``solve(b)`` for b (N, k): one multigrid V-cycle per column."""

    def __init__(self, op) -> None:  # noqa: ANN001 - a scipy LinearOperator
        self.op = op

    def solve(self, b: FloatArray) -> FloatArray:
        out = np.empty_like(b)
        for k in range(b.shape[1]):
            out[:, k] = self.op @ np.ascontiguousarray(b[:, k])
        return out
