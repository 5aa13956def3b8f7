"""Normal modes of the mass-weighted Hessian: eigenpairs, translational zero modes, lowest-k modes.

Conventions (docs/physics/modes.md, "Hessian and frequencies" and "Zero modes"):

* H is the Cartesian Hessian, (3N, 3N), in epsilon/sigma^2, with the component of particle i along
  axis a at index 3 i + a.  The mass-weighted Hessian is H^M = M^-1/2 H M^-1/2 (Khomenko, Reichman
  and Zamponi 2021, eq 3),
  in epsilon/(sigma^2 m).
* Eigenpairs H^M e_k = lambda_k e_k with |e_k| = 1 (mass-weighted unit vectors) and
  lambda_k = omega_k^2; imaginary frequencies are reported as omega_k = -sqrt(|lambda_k|).
  Modes are sorted by lambda, ascending.
* Under periodic boundaries the 3 translations t_a = (sqrt(m_1) e_a, ..., sqrt(m_N) e_a)/sqrt(sum m)
  are exact zero modes; they are identified by their overlap with span{t_a}, never by a small
  |lambda| (docs/physics/modes.md), and the code fails loudly (:class:`ZeroModeError`) if the number
  of zero modes is not 3.

The Hessian is an input: a dense ndarray, a ``scipy.sparse`` matrix, or a
``scipy.sparse.linalg.LinearOperator`` (for the last, only matrix-vector products are used).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit
from numpy.typing import ArrayLike, NDArray

from pelkit.blas_threads import limit_blas_threads
from pelkit.deprecation import options_with_legacy
from pelkit.engine.hessian_operator import PairBlockHessian
from pelkit.errors import InputError
from pelkit.modes.data import LAMBDA_TOL, Modes, check_masses  # noqa: F401 - re-exported
from pelkit.modes.filtered_lanczos import FilterAssumptionError, axis_sums, filtered_lowest
from pelkit.modes.lobpcg import lobpcg_lowest
from pelkit.modes.shift_invert import choose_shift, factor_if_positive_definite, fill_permutation
from pelkit.modes.solver_options import ModeSolverOptions
from pelkit.modes.sparse_factor import have_cholmod

FloatArray = NDArray[np.float64]
HessianLike = Any  # np.ndarray | scipy.sparse matrix/array | scipy.sparse.linalg.LinearOperator

#: squared projection on span{t_a} above which an eigenvector is a translation
# (docs/physics/modes.md)
TRANSLATION_OVERLAP = 0.99


class ZeroModeError(InputError):
    """The Hessian does not have exactly the 3 translational zero modes of a periodic system."""


class ModeConvergenceError(RuntimeError):
    """An iterative eigensolver stopped before its residuals met the tolerance."""


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _is_operator(hessian: HessianLike) -> bool:
    return isinstance(hessian, spla.LinearOperator)


def mass_weighted_hessian(hessian: HessianLike, masses: ArrayLike) -> HessianLike:
    """H^M = M^-1/2 H M^-1/2 (docs/physics/modes.md) in the same representation as ``hessian``.

    Args:
        hessian: Cartesian Hessian (3N, 3N) in epsilon/sigma^2: dense array, scipy.sparse matrix
            or LinearOperator.
        masses: (N,) particle masses in m.

    Returns:
        dense (3N, 3N) ndarray, CSR matrix, or LinearOperator, in epsilon/(sigma^2 m).

    Raises:
        InputError: wrong shape, non-finite entries, or a non-symmetric matrix.
    """
    m = check_masses(masses)
    n = 3 * m.size
    if getattr(hessian, "shape", None) != (n, n):
        raise InputError(
            f"Hessian has shape {getattr(hessian, 'shape', None)}, expected ({n}, {n}) for "
            f"{m.size} particles"
        )
    w = np.repeat(1.0 / np.sqrt(m), 3)
    if isinstance(hessian, PairBlockHessian):
        return hessian.with_scale(hessian.scale * w)
    if _is_operator(hessian):
        op = hessian

        def matvec(x: FloatArray) -> FloatArray:
            x = np.asarray(x, dtype=np.float64).reshape(-1)
            return w * np.asarray(op.matvec(w * x), dtype=np.float64).reshape(-1)

        return spla.LinearOperator((n, n), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    if sp.issparse(hessian):
        h = sp.csr_matrix(hessian, dtype=np.float64)
        if not np.all(np.isfinite(h.data)):
            raise InputError("Hessian contains NaN or infinite values")
        asym = abs(h - h.T).max() if h.nnz else 0.0
        scale = abs(h).max() if h.nnz else 0.0
        if asym > 1e-9 * max(scale, 1e-300):
            raise InputError(f"Hessian is not symmetric (max |H - H^T| = {asym:.3g})")
        d = sp.diags(w)
        return sp.csr_matrix(d @ h @ d)
    try:
        h = np.asarray(hessian, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Hessian must be numeric: {exc}") from None
    if not np.all(np.isfinite(h)):
        raise InputError("Hessian contains NaN or infinite values")
    scale = float(np.max(np.abs(h))) if h.size else 0.0
    if float(np.max(np.abs(h - h.T))) > 1e-9 * max(scale, 1e-300):
        raise InputError("Hessian is not symmetric")
    hm = h * np.outer(w, w)
    return 0.5 * (hm + hm.T)


def _matvec(op: HessianLike, x: FloatArray) -> FloatArray:
    """op @ x for a dense, sparse or LinearOperator op and x of shape (n,) or (n, k)."""
    if _is_operator(op):
        if x.ndim == 1:
            return np.asarray(op.matvec(x), dtype=np.float64).reshape(-1)
        return np.column_stack([np.asarray(op.matvec(c)).reshape(-1) for c in x.T])
    return np.asarray(op @ x, dtype=np.float64)


def _norm_estimate(op: HessianLike, seed: int = 12345) -> float:
    """An upper bound (dense/sparse: max absolute row sum) or estimate (operator) of ||op||_2."""
    if _is_operator(op):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=op.shape[0])
        est = 0.0
        for _ in range(30):
            x /= np.linalg.norm(x)
            y = _matvec(op, x)
            est = float(np.linalg.norm(y))
            if est == 0.0:
                break
            x = y
        return est
    if sp.issparse(op):
        return float(np.max(np.asarray(abs(op).sum(axis=1)).ravel()))
    return float(np.max(np.sum(np.abs(op), axis=1)))


# --------------------------------------------------------------------------------------------
# translations and their orthogonal complement
# --------------------------------------------------------------------------------------------


def translation_basis(masses: ArrayLike) -> FloatArray:
    """The 3 orthonormal mass-weighted translation vectors t_a (docs/physics/modes.md).

    t_a = (sqrt(m_1) e_a, ..., sqrt(m_N) e_a) / sqrt(sum_i m_i), a = x, y, z.

    Args:
        masses: (N,) particle masses.

    Returns:
        (3N, 3) array whose columns are t_x, t_y, t_z (orthonormal).
    """
    m = check_masses(masses)
    s = np.sqrt(m) / np.sqrt(m.sum())
    t = np.zeros((m.size, 3, 3))
    for a in range(3):
        t[:, a, a] = s
    return t.reshape(3 * m.size, 3)


@njit(cache=True, nogil=True)
def _reflect_vector(w: FloatArray, x: FloatArray) -> FloatArray:
    """((I_N - 2 w w^T) (x) I_3) x for x (3N,) (see :class:`TranslationComplement`)."""
    n = w.shape[0]
    c0, c1, c2 = axis_sums(w, x)
    out = np.empty(3 * n)
    for i in range(n):
        f = 2.0 * w[i]
        out[3 * i] = x[3 * i] - f * c0
        out[3 * i + 1] = x[3 * i + 1] - f * c1
        out[3 * i + 2] = x[3 * i + 2] - f * c2
    return out


class TranslationComplement:
    """Orthonormal basis Q (3N, 3N-3) of the complement of span{t_a}, applied implicitly.

    Q = W[:, 3:] with the Householder reflection W = (I_N - 2 w w^T) (x) I_3,
    w = (s + e_1)/|s + e_1|, s = sqrt(m)/|sqrt(m)|.  W maps the unit particle-0 block e_1 (x) e_a
    onto -t_a, so the last 3N-3 columns of W span the complement of the translations.  Applying
    W costs O(N); no (3N, 3N) matrix is formed except by :meth:`restrict_dense`.
    """

    def __init__(self, masses: ArrayLike) -> None:
        m = check_masses(masses)
        self.n_particles = m.size
        s = np.sqrt(m) / np.sqrt(m.sum())
        w = s.copy()
        w[0] += 1.0
        self.w = w / np.linalg.norm(w)

    def _reflect(self, x: FloatArray) -> FloatArray:
        """W x for x of shape (3N,) or (3N, k)."""
        if x.ndim == 1:  # the Lanczos inner loop: one compiled pass each way
            return _reflect_vector(self.w, np.ascontiguousarray(x, dtype=np.float64))
        shape = x.shape
        xr = x.reshape(self.n_particles, 3, -1)
        c = np.einsum("i,iak->ak", self.w, xr)
        return (xr - 2.0 * self.w[:, None, None] * c[None, :, :]).reshape(shape)

    def expand(self, y: FloatArray) -> FloatArray:
        """Q y: (3N-3,) or (3N-3, k) coefficients -> (3N,) or (3N, k) vectors orthogonal to t_a."""
        z = np.zeros((3 * self.n_particles,) + y.shape[1:])
        z[3:] = y
        return self._reflect(z)

    def reduce(self, x: FloatArray) -> FloatArray:
        """Q^T x: (3N,) or (3N, k) -> (3N-3,) or (3N-3, k)."""
        return self._reflect(np.asarray(x, dtype=np.float64))[3:]

    def restrict_dense(self, a: FloatArray) -> FloatArray:
        """Q^T A Q for a dense symmetric (3N, 3N) A, returned as (3N-3, 3N-3)."""
        b = self._reflect(a)  # W A
        b = self._reflect(b.T).T  # W A W
        b = b[3:, 3:]
        return 0.5 * (b + b.T)

    def restrict_operator(self, op: HessianLike) -> spla.LinearOperator:
        """Q^T A Q as a LinearOperator of size 3N-3 (A dense, sparse or LinearOperator)."""
        n = 3 * self.n_particles - 3

        def matvec(y: FloatArray) -> FloatArray:
            y = np.asarray(y, dtype=np.float64).reshape(-1)
            return self.reduce(_matvec(op, self.expand(y)))

        return spla.LinearOperator((n, n), matvec=matvec, rmatvec=matvec, dtype=np.float64)


def project_out_translations(vectors: FloatArray, masses: ArrayLike) -> FloatArray:
    """(I - T T^T) x for mass-weighted vectors x of shape (3N,) or (3N, k)."""
    t = translation_basis(masses)
    return vectors - t @ (t.T @ vectors)


def _fix_signs(vectors: FloatArray) -> FloatArray:
    """Make the largest-magnitude component of every column positive (deterministic signs)."""
    idx = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[idx, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def _check_translation_invariance(
    hm: HessianLike, masses: FloatArray, scale: float, translation_tol: float
) -> float:
    """Relative residual max_a |H^M t_a| / ||H^M||; raise :class:`ZeroModeError` if too large."""
    t = translation_basis(masses)
    res = float(np.max(np.linalg.norm(_matvec(hm, t), axis=0))) / max(scale, 1e-300)
    if res > translation_tol:
        raise ZeroModeError(
            "the Hessian has 0 translational zero modes, expected 3: max |H^M t_a| / ||H^M|| = "
            f"{res:.3g} > {translation_tol:.1g} (is the system periodic and the Hessian complete?)"
        )
    return res


# --------------------------------------------------------------------------------------------
# the Modes container
# --------------------------------------------------------------------------------------------


def _dense(hm: HessianLike) -> FloatArray:
    if _is_operator(hm):
        return _matvec(hm, np.eye(hm.shape[0]))
    if sp.issparse(hm):
        return np.asarray(hm.toarray(), dtype=np.float64)
    return hm


def all_modes(
    hessian: HessianLike,
    masses: ArrayLike,
    drop_translations: bool = True,
    method: Literal["projection", "overlap"] = "projection",
    zero_tol: float = 1e-10,
    translation_tol: float = 1e-8,
) -> Modes:
    """All eigenpairs of H^M by dense ``eigh`` (docs/physics/modes.md).

    Zero modes (docs/physics/modes.md (recommended)):

    * ``method="projection"`` (default): check that the translations are exact null vectors,
      max_a |H^M t_a| <= translation_tol ||H^M||, then diagonalise Q^T H^M Q with Q an orthonormal
      basis of the complement of span{t_a} (:class:`TranslationComplement`).  Exact even when other
      eigenvalues lie near 0 (INM at finite T).
    * ``method="overlap"``: diagonalise H^M and take as translations the eigenvectors whose squared
      projection on span{t_a} exceeds 0.99.

    In both, any further eigenvalue with |lambda| <= zero_tol ||H^M|| is an extra zero mode (a free
    particle, a floppy network).  The number of zero modes must be exactly 3, else
    :class:`ZeroModeError` is raised.

    Args:
        hessian: Cartesian Hessian (3N, 3N), epsilon/sigma^2 (dense, sparse or LinearOperator; the
            last two are densified).
        masses: (N,) masses.
        drop_translations: return the 3N - 3 non-zero modes (default) or all 3N modes (with the
            translations; ``method="projection"`` then appends t_a as eigenvectors with lambda 0).
        method: "projection" or "overlap", see above.
        zero_tol: relative threshold for extra zero modes (None-like 0 disables the check).
        translation_tol: relative residual allowed for H^M t_a = 0.

    Returns:
        :class:`Modes` sorted by lambda; ``n_zero_modes`` = 3; ``info`` records the method,
        ``translation_residual`` and, for "overlap", ``translation_overlaps``.

    Raises:
        ZeroModeError: the Hessian does not have exactly 3 zero modes.
        InputError: bad shapes or values.
    """
    m = check_masses(masses)
    hm = _dense(mass_weighted_hessian(hessian, m))
    scale = _norm_estimate(hm)
    if scale == 0.0:
        raise ZeroModeError(f"the Hessian is zero: all {hm.shape[0]} modes are zero modes")
    info: dict[str, Any] = {"method": method, "zero_tol": zero_tol}
    t = translation_basis(m)
    if method == "projection":
        info["translation_residual"] = _check_translation_invariance(
            hm, m, scale, translation_tol
        )
        comp = TranslationComplement(m)
        lam, y = sla.eigh(comp.restrict_dense(hm))
        vec = comp.expand(y)
        n_trans = 3
    elif method == "overlap":
        # an almost-rigid translation with a small stiffness (a tethered particle) also has an
        # overlap > 0.99: the translations must be exact null vectors as well
        residual = _check_translation_invariance(hm, m, scale, translation_tol)
        lam_all, vec_all = sla.eigh(hm)
        overlaps = np.sum((t.T @ vec_all) ** 2, axis=0)
        is_trans = overlaps > TRANSLATION_OVERLAP
        n_trans = int(np.count_nonzero(is_trans))
        info["translation_overlaps"] = overlaps[is_trans].tolist()
        info["translation_residual"] = residual
        if n_trans != 3:
            raise ZeroModeError(
                f"found {n_trans} eigenvectors with squared translation overlap > "
                f"{TRANSLATION_OVERLAP}, expected 3 (degenerate or missing zero modes: a free "
                "particle, a floppy network or a non-periodic Hessian)"
            )
        lam, vec = lam_all[~is_trans], vec_all[:, ~is_trans]
    else:
        raise InputError(f"method must be 'projection' or 'overlap', got {method!r}")
    n_extra = int(np.count_nonzero(np.abs(lam) <= zero_tol * scale)) if zero_tol > 0 else 0
    if n_extra:
        raise ZeroModeError(
            f"found {n_trans + n_extra} zero modes, expected 3: {n_extra} non-translational "
            f"eigenvalue(s) with |lambda| <= {zero_tol:.1g} ||H^M|| (a free particle or a floppy "
            "network?)"
        )
    vec = _fix_signs(vec)
    if not drop_translations:
        lam = np.concatenate([np.zeros(3), lam])
        vec = np.concatenate([t, vec], axis=1)
        order = np.argsort(lam, kind="stable")
        lam, vec = lam[order], vec[:, order]
    info["includes_translations"] = not drop_translations
    return Modes(lam, vec, m, 3, info)


# --------------------------------------------------------------------------------------------
# lowest k modes (method choice; shift-invert helpers in pelkit.modes.shift_invert)
# --------------------------------------------------------------------------------------------


#: largest sparse problem (3N) that "auto" always hands to shift-invert (CHOLMOD or SuperLU);
#: above it, without CHOLMOD, the fill-in of SuperLU on a periodic 3-D Hessian grows too fast
#: (3N = 6591: ~5 s and 1.4e7 factor entries; 3N = 31944: ~300 s and 1.9e8), and Lanczos
#: without inversion is faster (benchmarks/results_modes.md, KA N = 1000: Lanczos 0.6 s,
#: shift-invert 1.2 s; N = 10^4: Lanczos 23 s, shift-invert 228 s)
DIRECT_MAX = 1500

#: largest problem (3N) that "auto" may hand to the CHOLMOD shift-invert path (cvxopt installed):
#: the factor's fill (dense separators of a periodic 3-D system with ~80 neighbours a particle)
#: grows as N^(4/3) in memory (KA N = 10^4: 2.4 GB peak) and N^2 in time
CHOLMOD_MAX = 30000


def cholmod_min_k(n3: int) -> float:
    """Smallest k for which "auto" prefers CHOLMOD shift-invert to Lanczos at size n3 = 3N.

    Lanczos costs grow faster than linearly in k (the basis is 3k vectors, reorthogonalised at
    every step), the factorisation is paid once and each further mode costs ~2 triangular
    solves.  Measured on KA inherent structures, one thread (benchmarks/RESULTS.md): at N = 1000
    Lanczos 0.37 s vs 0.48 s for k = 20, 0.82 vs 0.75 s for k = 60, 3.1 vs 1.5 s for k = 150;
    at N = 3000, k = 20: 1.7 vs 2.9 s; at N = 10^4, k = 20: ~10 s vs ~30 s.  Crossover
    k ~ 50 (N/1000)^0.4.
    """
    return 50.0 * (n3 / 3000.0) ** 0.4


#: residuals |H^M e - lambda e| of the returned unit eigenvectors above RESIDUAL_RTOL ||H^M||
#: (or tol ||H^M|| when larger) raise :class:`ModeConvergenceError` (ARPACK paths)
RESIDUAL_RTOL = 1e-10

METHODS = ("auto", "shift-invert", "lanczos", "lobpcg", "filtered-lanczos")


#: largest k for which "auto" gives the pair-block operator to the filtered Lanczos even when
#: CHOLMOD could factorise it: KA inherent structures, one thread, the filtered Lanczos was the
#: fastest at every k measured (N = 1000: k = 5-60 1.5-1.7x faster than Lanczos, k = 100-250
#: 1.2-2.3x than CHOLMOD shift-invert; N = 3000, k = 20-150; N = 10^4 and 10^5, k = 20;
#: benchmarks/RESULTS.md);
#: beyond it the old rule (CHOLMOD from cholmod_min_k) stands, unmeasured against the filter
FILTER_MAX_K = 250


def auto_method(hm: HessianLike, n3: int, k: int, factorization: str = "auto") -> str:
    """What ``lowest_modes(method="auto")`` runs for k modes of a mass-weighted Hessian of size
    n3 = 3N.

    dense -> "shift-invert" (dense Cholesky); sparse with 3N <= DIRECT_MAX -> "shift-invert"
    (CHOLMOD or SuperLU); pair-block operator with k <= FILTER_MAX_K -> "filtered-lanczos";
    sparse or pair-block operator with CHOLMOD installed (or ``factorization="cholmod"``),
    3N <= CHOLMOD_MAX and k >= cholmod_min_k(3N) -> "shift-invert"; otherwise "lanczos"
    ("filtered-lanczos" for the pair-block operator).
    """
    if not _is_operator(hm) and not sp.issparse(hm):
        return "shift-invert"
    pairs = isinstance(hm, PairBlockHessian)
    can_assemble = sp.issparse(hm) or pairs
    cholmod = factorization == "cholmod" or (factorization == "auto" and have_cholmod())
    if sp.issparse(hm) and n3 <= DIRECT_MAX:
        return "shift-invert"  # small: either factorisation is cheap
    if pairs and k <= FILTER_MAX_K:
        return "filtered-lanczos"
    if can_assemble and cholmod and n3 <= CHOLMOD_MAX and k >= cholmod_min_k(n3):
        return "shift-invert"
    return "filtered-lanczos" if pairs else "lanczos"


def _residual_norms(hm: HessianLike, lam: FloatArray, vec: FloatArray) -> FloatArray:
    """|H^M e_k - lambda_k e_k| for the columns e_k of vec (3N, k)."""
    if sp.issparse(hm):
        hv = sp.bsr_matrix(hm, blocksize=(3, 3)) @ vec
    elif _is_operator(hm) and not isinstance(hm, PairBlockHessian):
        hv = _matvec(hm, vec)
    else:
        hv = hm @ vec
    return np.linalg.norm(hv - vec * lam[None, :], axis=0)


def lowest_modes(
    hessian: HessianLike,
    masses: ArrayLike,
    k: int,
    sigma: float | None = None,
    method: Literal["auto", "shift-invert", "lanczos", "lobpcg", "filtered-lanczos"] = "auto",
    *,
    seed: int = 0,
    zero_tol: float = 1e-10,
    translation_tol: float = 1e-8,
    options: ModeSolverOptions | None = None,
    **legacy: Any,
) -> Modes:
    """The k lowest non-zero modes of H^M (docs/physics/modes.md), translations projected out.

    ``method="shift-invert"`` (dense or sparse matrices, and the pair-block operator, which is
    then assembled): ARPACK eigsh on OPinv = P (H^M - sigma I)^-1 P with P = I - T T^T, so the
    translations (eigenvalue 0 of P..P) are never returned.  The shift is always *below* the
    spectrum so that H^M - sigma I is positive definite and the k largest 1/(lambda - sigma) are
    the k lowest lambda:

    * minima (all lambda >= 0): sigma = -1e-6 ||H^M||;
    * INM / saddles (negative lambda): sigma below a Lanczos estimate of the lowest eigenvalue,
      lowered until a Cholesky factorisation proves H^M - sigma I positive definite; the
      Gershgorin bound is the last resort.

    Sparse factorisations (``factorization``, :mod:`pelkit.modes.sparse_factor`): "cholmod"
    (supernodal sparse Cholesky of CHOLMOD from the optional package cvxopt, ``pelkit[modes]``),
    "superlu" (SciPy, always there; column-by-column, so its time grows much faster with N), or
    "auto" (CHOLMOD when installed).  A user-given ``sigma`` must also lie below the spectrum
    (checked by the same factorisation).

    ``method="lanczos"``: ARPACK Lanczos for the smallest algebraic eigenvalues (``which="SA"``) of
    Q^T H^M Q, the Hessian restricted to the complement of the translations
    (:class:`TranslationComplement`).  Needs only products H v; works unchanged for INM (the most
    negative modes come first).

    ``method="filtered-lanczos"``: ARPACK Lanczos on p(H^M), a Chebyshev polynomial filter that
    amplifies the low end, then Rayleigh-Ritz with H^M (:mod:`pelkit.modes.filtered_lanczos`;
    Fang and Saad, SIAM J. Sci. Comput. 34, A2220 (2012)): d times fewer reorthogonalisations
    than plain Lanczos, with the filter compiled over the pair blocks; degree
    ``options.filter_degree``.  If the filter's bounds fail (checked) it falls back to
    "lanczos" (``info["filter_fallback"]``).

    ``method="lobpcg"``: preconditioned block iteration (:mod:`pelkit.modes.lobpcg`) with the
    translations as exact constraints; ``preconditioner`` "auto", "amg" (optional pyamg),
    "jacobi" or "none".  Converged when every residual |H^M e - lambda e| <= ``tol`` (default
    1e-12 ||H^M||), else :class:`ModeConvergenceError`.

    ``method="auto"`` (:func:`auto_method`): shift-invert for dense matrices and for sparse ones
    with 3N <= DIRECT_MAX; the filtered Lanczos for the pair-block operator with k <=
    FILTER_MAX_K (the fastest at every N and k measured, 10^3 to 10^4); for larger sparse
    matrices and k, when cvxopt is installed, CHOLMOD shift-invert if 3N <= CHOLMOD_MAX and
    k >= :func:`cholmod_min_k` (the factorisation is paid once, each mode costs a few solves),
    else Lanczos (filtered for the operator); without cvxopt Lanczos; other
    LinearOperators always Lanczos.  LOBPCG is never chosen automatically: on KA inherent
    structures it needs more Hessian products than Lanczos with either preconditioner
    (benchmarks/RESULTS.md).  Sparse matrices are multiplied in 3x3 block (BSR) form; the
    matrix-free :class:`pelkit.engine.hessian_operator.PairBlockHessian`
    (``Calculator.hessian_operator``) needs about a quarter of the CSR memory, has the fastest
    products, and is what large systems should pass.

    Lanczos, filtered Lanczos and LOBPCG run with one BLAS thread (level-1/2 work on 3N-vectors:
    at N = 10^4 a 2-thread OpenBLAS pool gained nothing idle and doubled the wall time beside a
    busy process, benchmarks/RESULTS.md); results then do not depend on the pool size.

    Honest convergence: for every path the residuals |H^M e - lambda e| of the returned unit
    vectors are recomputed (``info["max_residual"]``); above max(tol, RESIDUAL_RTOL) ||H^M||
    (LOBPCG: its own ``tol``) :class:`ModeConvergenceError` is raised.

    Extra zero modes (|lambda| <= zero_tol ||H^M||) raise :class:`ZeroModeError` when they fall
    among the k modes returned (always the case at a minimum).

    Args:
        hessian: Cartesian Hessian (3N, 3N), epsilon/sigma^2: dense, scipy.sparse or
            LinearOperator.
        masses: (N,) masses.
        k: number of modes, 1 <= k <= 3N - 3 (near 3N - 3 the dense path is used).
        sigma: optional shift in epsilon/(sigma^2 m), below the lowest eigenvalue (shift-invert).
        method: "auto", "shift-invert", "lanczos" or "lobpcg", see above.
        seed: seed of the Lanczos start vector (reproducible results).
        zero_tol, translation_tol: as in :func:`all_modes`.
        options: :class:`~pelkit.modes.solver_options.ModeSolverOptions` (tol, maxiter, ncv,
            preconditioner, factorization; see above). The same names as keywords still work
            for one release, with a DeprecationWarning.

    Returns:
        :class:`Modes` with k modes, ascending; ``info`` records method, shift and factorisation
        (LOBPCG: the preconditioner and iterations) and the largest residual ``max_residual``.

    Raises:
        InputError: bad k, method or factorization; shift-invert on a general LinearOperator;
            a user sigma not below the spectrum; "cholmod" without cvxopt.
        ModeConvergenceError: residuals above the tolerance (see above).
        ZeroModeError: not exactly 3 zero modes.
    """
    opts = options_with_legacy(ModeSolverOptions, options, legacy, "lowest_modes")
    tol, maxiter, ncv = opts.tol, opts.maxiter, opts.ncv
    preconditioner, factorization = opts.preconditioner, opts.factorization
    m = check_masses(masses)
    n = 3 * m.size
    if not isinstance(k, int | np.integer) or k < 1 or k > n - 3:
        raise InputError(f"k must be an integer in [1, {n - 3}], got {k!r}")
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if factorization == "cholmod" and not have_cholmod():
        raise InputError("factorization 'cholmod' needs cvxopt: pip install 'pelkit[modes]'")
    assemblable = not _is_operator(hessian) or isinstance(hessian, PairBlockHessian)
    if method == "shift-invert" and not assemblable:
        raise InputError(
            "shift-invert needs a matrix (dense or sparse) or the pair-block Hessian operator, "
            "not a general LinearOperator"
        )
    hm = mass_weighted_hessian(hessian, m)
    if method == "auto":
        if sigma is not None and assemblable:
            method = "shift-invert"
        else:
            method = auto_method(hm, n, int(k), factorization)  # type: ignore[assignment]
    perm = None
    if method == "shift-invert" and isinstance(hm, PairBlockHessian):
        perm = fill_permutation(hm)
        hm = hm.to_csr()  # assembled for the factorisation (symmetric by construction)
    scale = _norm_estimate(hm)
    if scale == 0.0:
        raise ZeroModeError(f"the Hessian is zero: all {n} modes are zero modes")
    residual = _check_translation_invariance(hm, m, scale, translation_tol)
    if k > n - 3 - 6:
        full = all_modes(hessian, m, zero_tol=zero_tol, translation_tol=translation_tol)
        info = {"method": "dense-fallback", "translation_residual": residual}
        return Modes(full.eigenvalues[:k], full.eigenvectors[:, :k], m, 3, info)
    comp = TranslationComplement(m)
    rng = np.random.default_rng(seed)
    info: dict[str, Any] = {"translation_residual": residual, "seed": seed}
    if method == "filtered-lanczos":
        try:
            with limit_blas_threads(1):
                lam, vec, f_info = filtered_lowest(
                    hm, m, int(k), degree=opts.filter_degree, seed=seed, tol=tol,
                    maxiter=maxiter, ncv=ncv,
                )
            info.update(f_info, method="filtered-lanczos")
        except FilterAssumptionError as exc:
            info["filter_fallback"] = str(exc)
            method = "lanczos"
    if method == "lobpcg":
        with limit_blas_threads(1):
            lam, vec, lob_info = lobpcg_lowest(
                hm, translation_basis(m), int(k), scale, preconditioner=preconditioner,
                tol=tol, seed=seed, maxiter=maxiter,
            )
        info.update(lob_info)
        if lob_info["max_residual"] > lob_info["tol"]:
            raise ModeConvergenceError(
                f"LOBPCG did not converge in {lob_info['iterations']} iterations: largest "
                f"residual {lob_info['max_residual']:.3g} > tol {lob_info['tol']:.3g} "
                "(use method='lanczos')"
            )
    elif method == "lanczos":
        if sp.issparse(hm):
            hm = sp.bsr_matrix(hm, blocksize=(3, 3))  # 3x3 blocks: fewer index loads
        op = comp.restrict_operator(hm)
        v0 = rng.normal(size=n - 3)
        ncv_l = ncv if ncv is not None else min(n - 3, max(3 * k, 60))
        try:
            with limit_blas_threads(1):
                lam, y = spla.eigsh(op, k=k, which="SA", v0=v0, tol=tol, maxiter=maxiter,
                                    ncv=ncv_l)
        except spla.ArpackNoConvergence as exc:
            raise ModeConvergenceError(
                f"Lanczos did not converge: {len(exc.eigenvalues)} of {k} modes converged ({exc})"
            ) from None
        vec = comp.expand(y)
        info.update(method="lanczos-SA", ncv=ncv_l)
    elif method == "shift-invert":
        if sigma is None:
            sigma, solve, how = choose_shift(hm, comp, scale, seed, factorization, perm)
        else:
            sigma = float(sigma)
            solve = factor_if_positive_definite(hm, sigma, factorization, perm)
            how = "user"
            if solve is None:
                raise InputError(
                    f"sigma = {sigma:.6g} is not below the lowest eigenvalue of H^M; "
                    "lowest_modes needs a shift below the spectrum (use sigma=None)"
                )
        t = translation_basis(m)

        def opinv(x: FloatArray) -> FloatArray:
            x = np.asarray(x, dtype=np.float64).reshape(-1)
            x = x - t @ (t.T @ x)
            y = solve(x)
            return y - t @ (t.T @ y)

        op_inv = spla.LinearOperator((n, n), matvec=opinv, rmatvec=opinv, dtype=np.float64)
        a_op = spla.aslinearoperator(hm)
        v0 = project_out_translations(rng.normal(size=n), m)
        try:
            lam, vec = spla.eigsh(
                a_op, k=k, sigma=sigma, OPinv=op_inv, which="LM", v0=v0, tol=tol,
                maxiter=maxiter, ncv=ncv,
            )
        except spla.ArpackNoConvergence as exc:
            raise ModeConvergenceError(
                f"shift-invert Lanczos did not converge: {len(exc.eigenvalues)} of {k} modes "
                f"converged ({exc})"
            ) from None
        if not sp.issparse(hm):
            backend = "dense-cholesky"
        elif factorization == "auto":
            backend = "cholmod" if have_cholmod() else "superlu"
        else:
            backend = factorization
        info.update(method="shift-invert", sigma=sigma, shift_choice=how, factorization=backend)
    order = np.argsort(lam, kind="stable")
    lam, vec = lam[order], vec[:, order]
    vec = project_out_translations(vec, m)
    vec /= np.linalg.norm(vec, axis=0)
    if method != "lobpcg":  # LOBPCG checked its own (recomputed) residuals above
        res_tol = max(tol, RESIDUAL_RTOL) * scale
        info["max_residual"] = float(np.max(_residual_norms(hm, lam, vec)))
        if info["max_residual"] > res_tol:
            raise ModeConvergenceError(
                f"{info['method']}: largest residual |H^M e - lambda e| = "
                f"{info['max_residual']:.3g} > {res_tol:.3g} after ARPACK reported convergence"
            )
    if zero_tol > 0:
        n_extra = int(np.count_nonzero(np.abs(lam) <= zero_tol * scale))
        if n_extra:
            raise ZeroModeError(
                f"found {3 + n_extra} zero modes, expected 3: {n_extra} non-translational "
                f"eigenvalue(s) with |lambda| <= {zero_tol:.1g} ||H^M|| (a free particle or a "
                "floppy network?)"
            )
    return Modes(lam, _fix_signs(vec), m, 3, info)
