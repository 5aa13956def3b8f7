"""Lowest modes of H^M by a Chebyshev-filtered Lanczos iteration (``method="filtered-lanczos"``).

Plain Lanczos on H^M (:func:`pelkit.modes.normal.lowest_modes`, ``method="lanczos"``) needs a
basis of ~3k vectors, reorthogonalised at every step, and thousands of steps for the dense low
end of a glass spectrum (KA N = 10^4, k = 20: ~3600 products, ~40 % of the time in ARPACK's
reorthogonalisation).  The filtered Lanczos of Fang and Saad (SIAM J. Sci. Comput. 34, A2220
(2012)) runs Lanczos on p(H^M) instead, with p a Chebyshev polynomial of degree d that is small
(|p| <= p(a)) on [a, b] and grows steeply below the cut a:

    p(lambda) = T_d(L(lambda)) / T_d(L(a_0)),   L(lambda) = (2 lambda - a - b) / (b - a),

with b >= lambda_max and a_0 < a a lower estimate of lambda_1 (the normalisation keeps the
numbers of order one; the scaled three-term recurrence of Zhou, Saad, Tiago and Chelikowsky,
J. Comput. Phys. 219, 172 (2006)).  p is monotone decreasing on (-inf, a], so as long as at
least k eigenvalues lie below a, the k largest eigenvalues of p(H^M) belong to the k lowest of
H^M, and Lanczos (ARPACK ``which="LA"``) finds them with a small basis and d times fewer
reorthogonalisations.  A Rayleigh-Ritz step with H^M itself on the returned basis gives the
eigenpairs, whose residuals |H^M e - lambda e| are recomputed by the caller.

Translations: every filter application starts and ends with the projection P = I - T T^T on the
complement of the mass-weighted translations T (:func:`pelkit.modes.normal.translation_basis`),
so the Krylov space never contains them (P p(H) P has them as eigenvalue 0, among the unwanted).

Choices made here (measurements: benchmarks/RESULTS.md, "session modes-filter"):

* bounds: a short Lanczos run (40 steps, full reorthogonalisation) on P H^M P gives Ritz values
  theta_1 <= ... ; b = min(1.01 (theta_max + |residual of the top Ritz pair|), the Gershgorin
  bound from the pair blocks, :func:`gershgorin_upper`); a_0 = theta_1 - its residual.
* the cut: a = 2x an estimate of lambda_{k+g} (g = max(3, k/4) guard modes) from the probe's
  Gauss quadrature (:func:`estimate_cut`), at most theta_{k+g} of the probe (Cauchy
  interlacing: theta_j >= lambda_j, so at least k + g eigenvalues lie below that).  A cut far
  above lambda_{k+g} only costs a little (1.4x-5x: the same time); one at lambda_{k+g} costs 2x.
* the degree d = 10 (:data:`DEFAULT_DEGREE`; 20 from 3N = 10^5 on, :func:`default_degree`): the
  products grow with d, ARPACK's work per step (~3-4 products' worth) shrinks as 1/d.
* negative eigenvalues (saddles, instantaneous normal modes) lie below the cut and are the most
  amplified: they come first, as for the plain Lanczos.
* degenerate multiplets (plane waves): ARPACK computes k + g pairs of p(H^M) and the
  Rayleigh-Ritz step keeps the k lowest, so a multiplet that straddles the k-th mode lies in the
  computed subspace unless it has more than g further members; the k returned vectors are then an
  (arbitrary but accurate) part of it, as with dense ``eigh``.  Exactly degenerate copies are
  found through rounding and restarts, as in any single-vector Lanczos (tested on an 18-fold
  multiplet of a cubic lattice).
* checks: all k + g Ritz values of H^M must lie below the cut and ARPACK must converge within
  MAX_RESTARTS; otherwise the cut is raised (after a Ritz value above it, b is also set to the
  Gershgorin bound) and the run repeated, at most three attempts, then
  :class:`FilterAssumptionError` (the caller, :func:`pelkit.modes.normal.lowest_modes`, falls
  back to the plain Lanczos).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit
from numpy.typing import NDArray

from pelkit.engine.hessian import _sym_range_one
from pelkit.engine.hessian_operator import PairBlockHessian

FloatArray = NDArray[np.float64]

#: relative safety margin on the upper spectral bound b
UPPER_MARGIN = 1.01


class FilterAssumptionError(RuntimeError):
    """The Chebyshev filter's bounds did not hold (a Ritz value of H^M above the cut)."""


@dataclass(frozen=True)
class FilterPlan:
    """The filter p(lambda) = T_d(L(lambda)) / T_d(L(a_0)) (module docstring).

    Attributes:
        degree: d.
        cut: a, eps/(sigma^2 m); p is largest below it.
        upper: b >= lambda_max.
        lower: a_0 < a, a lower estimate of lambda_1 (normalisation only).
    """

    degree: int
    cut: float
    upper: float
    lower: float

    def value(self, lam: FloatArray) -> FloatArray:
        """p(lambda) for an array of eigenvalues (for diagnostics and tests)."""
        e = 0.5 * (self.upper - self.cut)
        c = 0.5 * (self.upper + self.cut)

        def cheb(x: FloatArray) -> FloatArray:
            x = np.asarray(x, dtype=np.float64)
            out = np.empty_like(x)
            inside = np.abs(x) <= 1.0
            out[inside] = np.cos(self.degree * np.arccos(x[inside]))
            ax = np.abs(x[~inside])
            out[~inside] = np.sign(x[~inside]) ** self.degree * np.cosh(
                self.degree * np.arccosh(ax))
            return out

        return cheb((np.asarray(lam) - c) / e) / cheb(np.array([(self.lower - c) / e]))[0]


# --------------------------------------------------------------------------------------------
# compiled filter over the pair blocks
# --------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def axis_sums(w, x):
    """(sum_i w_i x_{3i}, sum_i w_i x_{3i+1}, sum_i w_i x_{3i+2}) for w (N,), x (3N,): the
    components of x along the three vectors w (x) e_a."""
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    for i in range(w.shape[0]):
        c0 += w[i] * x[3 * i]
        c1 += w[i] * x[3 * i + 1]
        c2 += w[i] * x[3 * i + 2]
    return c0, c1, c2


@njit(cache=True, nogil=True)
def _project(s, x):
    """x <- x - sum_a t_a (t_a . x) in place; t_a has s_i at (3 i + a), s (N,) unit norm."""
    n = s.shape[0]
    c0, c1, c2 = axis_sums(s, x)
    for i in range(n):
        x[3 * i] -= s[i] * c0
        x[3 * i + 1] -= s[i] * c1
        x[3 * i + 2] -= s[i] * c2


@njit(cache=True, nogil=True)
def _shifted_product(pi, pj, sym, scale, y, c, xs, acc, out, f, g, prev):
    """out = f (S H S - c) y - g prev, with work arrays xs, acc (3N,)."""
    n3 = y.shape[0]
    for r in range(n3):
        xs[r] = scale[r] * y[r]
        acc[r] = 0.0
    _sym_range_one(pi, pj, sym, xs, acc, 0, pi.shape[0])
    for r in range(n3):
        out[r] = f * (scale[r] * acc[r] - c * y[r]) - g * prev[r]


@njit(cache=True, nogil=True)
def chebyshev_filter_pairs(pi, pj, sym, scale, s, x, degree, cut, upper, lower):
    """P p(S H S) P x for the pair-block Hessian, p as in :class:`FilterPlan` (degree >= 1).

    Scaled three-term recurrence (Zhou, Saad, Tiago and Chelikowsky 2006): with
    e = (b - a)/2, c = (b + a)/2, sigma_1 = e/(a_0 - c):
    y_1 = (sigma_1/e)(H - c) y_0, y_{j+1} = (2 sigma_{j+1}/e)(H - c) y_j - sigma_j sigma_{j+1}
    y_{j-1}, sigma_{j+1} = 1/(2/sigma_1 - sigma_j).

    Args:
        pi, pj: (M,) pair indices; sym: (M, 6) block entries; scale: (3N,) diagonal S;
        s: (N,) unit translation weights sqrt(m_i)/sqrt(sum m) in the same numbering;
        x: (3N,) input (not modified); degree, cut, upper, lower: d, a, b, a_0.

    Returns:
        (3N,) filtered vector, orthogonal to the translations.
    """
    n3 = x.shape[0]
    e = 0.5 * (upper - cut)
    c = 0.5 * (upper + cut)
    sigma1 = e / (lower - c)
    tau = 2.0 / sigma1
    y0 = x.copy()
    _project(s, y0)
    y1 = np.empty(n3)
    y2 = np.empty(n3)
    xs = np.empty(n3)
    acc = np.empty(n3)
    _shifted_product(pi, pj, sym, scale, y0, c, xs, acc, y1, sigma1 / e, 0.0, y0)
    sigma = sigma1
    for _ in range(1, degree):
        sigma_new = 1.0 / (tau - sigma)
        _shifted_product(pi, pj, sym, scale, y1, c, xs, acc, y2, 2.0 * sigma_new / e,
                         sigma * sigma_new, y0)
        y0, y1, y2 = y1, y2, y0
        sigma = sigma_new
    _project(s, y1)
    return y1


def _generic_filter(product, t: FloatArray, x: FloatArray, plan: FilterPlan) -> FloatArray:
    """:func:`chebyshev_filter_pairs` for any product callable (dense, sparse, operator),
    t (3N, 3) orthonormal translations."""
    e = 0.5 * (plan.upper - plan.cut)
    c = 0.5 * (plan.upper + plan.cut)
    sigma1 = e / (plan.lower - c)
    tau = 2.0 / sigma1
    y0 = x - t @ (t.T @ x)
    y1 = (sigma1 / e) * (product(y0) - c * y0)
    sigma = sigma1
    for _ in range(1, plan.degree):
        sigma_new = 1.0 / (tau - sigma)
        y2 = (2.0 * sigma_new / e) * (product(y1) - c * y1) - (sigma * sigma_new) * y0
        y0, y1 = y1, y2
        sigma = sigma_new
    return y1 - t @ (t.T @ y1)


class FilterOperator:
    """x -> P p(H^M) P x for a mass-weighted Hessian (pair blocks compiled, else generic).

    ``n_products`` counts the products with H^M (degree per application).  A
    :class:`PairBlockHessian` with ``threads`` > 1 runs the recurrence in Python around its
    threaded product instead of the compiled serial one.
    """

    def __init__(self, hm: Any, masses: FloatArray, t: FloatArray) -> None:
        self.hm = hm
        self.t = t
        self.n_products = 0
        self.pairs = isinstance(hm, PairBlockHessian)
        s = np.sqrt(masses) / np.sqrt(masses.sum())
        if self.pairs and hm._coords is not None:
            self.s_internal = np.ascontiguousarray(s[hm.order])
        else:
            self.s_internal = np.ascontiguousarray(s)
        if sp.issparse(hm):
            self.mat = sp.bsr_matrix(hm, blocksize=(3, 3))
        else:
            self.mat = hm

    def product(self, x: FloatArray) -> FloatArray:
        """H^M x for x (3N,) or (3N, b)."""
        if self.pairs:
            return self.mat @ x if x.ndim == 2 else self.mat.matvec(x)
        if isinstance(self.mat, spla.LinearOperator):
            if x.ndim == 1:
                return np.asarray(self.mat.matvec(x), dtype=np.float64).reshape(-1)
            return np.column_stack([np.asarray(self.mat.matvec(c)).reshape(-1) for c in x.T])
        return np.asarray(self.mat @ x, dtype=np.float64)

    def apply(self, x: FloatArray, plan: FilterPlan) -> FloatArray:
        """P p(H^M) P x for x (3N,)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        self.n_products += plan.degree
        if not self.pairs or self.hm.threads > 1:  # threaded pair product: its own kernel
            return _generic_filter(self.product, self.t, x, plan)
        hm = self.hm
        coords = hm._coords
        xi = np.ascontiguousarray(x if coords is None else x[coords])
        yi = chebyshev_filter_pairs(hm._pi, hm._pj, hm._sym, hm._scale, self.s_internal, xi,
                                    plan.degree, plan.cut, plan.upper, plan.lower)
        if coords is None:
            return yi
        y = np.empty_like(yi)
        y[coords] = yi
        return y


# --------------------------------------------------------------------------------------------
# spectral bounds
# --------------------------------------------------------------------------------------------


def gershgorin_upper(hm: Any) -> float:
    """max_r sum_c |A_rc|: an upper bound of the spectrum of A = H^M (dense, sparse, or the
    pair-block operator, where the row sums come from the blocks without assembling)."""
    if isinstance(hm, PairBlockHessian):
        n = hm.shape[0] // 3
        blocks = hm._blocks  # (M, 3, 3)
        pi = hm._pi.astype(np.int64)
        pj = hm._pj.astype(np.int64)
        if hm.order is not None:
            pi, pj = hm.order[pi], hm.order[pj]
        sc = hm.scale.reshape(n, 3)
        diag = np.zeros((n, 3, 3))
        for a in range(3):
            for b in range(3):
                diag[:, a, b] = (np.bincount(pi, blocks[:, a, b], n)
                                 + np.bincount(pj, blocks[:, a, b], n))
        rows = np.einsum("iab,ib->ia", np.abs(diag), sc) * sc
        absk = np.abs(blocks)
        rows += sc * np.stack([np.bincount(pi, np.einsum("mab,mb->ma", absk, sc[pj])[:, a], n)
                               for a in range(3)], axis=1)
        rows += sc * np.stack([np.bincount(pj, np.einsum("mab,mb->ma", absk, sc[pi])[:, a], n)
                               for a in range(3)], axis=1)
        return float(rows.max())
    if sp.issparse(hm):
        return float(np.max(np.asarray(abs(hm).sum(axis=1)).ravel()))
    if isinstance(hm, spla.LinearOperator):
        return float("inf")
    return float(np.max(np.sum(np.abs(hm), axis=1)))


def probe_spectrum(
    op: FilterOperator, steps: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Ritz values theta (ascending), their residual norms |beta_m s_m| and Gauss quadrature
    weights s_1^2 (the spectral measure of the start vector) after ``steps`` Lanczos steps (full
    reorthogonalisation) on P H^M P from a random start orthogonal to the translations."""
    n = op.t.shape[0]
    t = op.t
    v = rng.normal(size=n)
    v -= t @ (t.T @ v)
    v /= np.linalg.norm(v)
    basis = np.empty((steps, n))
    alpha = np.zeros(steps)
    beta = np.zeros(steps)
    m = steps
    for j in range(steps):
        basis[j] = v
        w = op.product(v)
        op.n_products += 1
        w -= t @ (t.T @ w)
        alpha[j] = v @ w
        q = basis[: j + 1]
        w -= q.T @ (q @ w)
        w -= q.T @ (q @ w)
        beta[j] = np.linalg.norm(w)
        if beta[j] <= 1e-12 * abs(alpha[j]) + 1e-300:  # invariant subspace
            m = j + 1
            break
        v = w / beta[j]
    tri = np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
    theta, s = np.linalg.eigh(tri)
    return theta, np.abs(beta[m - 1] * s[-1, :]), s[0, :] ** 2


# --------------------------------------------------------------------------------------------
# the solver
# --------------------------------------------------------------------------------------------


#: default filter degree d.  Measured on KA inherent structures, k = 20, one thread
#: (benchmarks/RESULTS.md, "session modes-filter"): total products grow with d (N = 10^4:
#: 3685, 4075, 4955 for d = 10, 20, 40) while ARPACK's work per step (reorthogonalisation
#: against ~2k vectors, about 3-4 products' worth) is divided by d; d = 6-15 within noise at
#: N = 10^3, 10 best at 10^4.
DEFAULT_DEGREE = 10

#: from this many degrees of freedom 3N on, the default degree is LARGE_DEGREE: at N = 10^5
#: (3N = 3 10^5) ARPACK's reorthogonalisation against ~2k vectors of 3N streams from memory
#: and costs more per step, so fewer, longer filter applications pay.  Measured on the KA
#: inherent structure of N = 10^5, k = 20, one thread, idle machine (2026-12-07): solve CPU
#: d = 10: ~142 s, d = 20: 119 s, d = 30: 118 s (7905-8225 products); at N = 10^4 d = 10/15/20
#: took 4.8/4.9/5.0 s and at N = 10^3 0.20/0.22/0.25 s (benchmarks/RESULTS.md).
LARGE_DOF = 100_000
LARGE_DEGREE = 20


def default_degree(n_dof: int) -> int:
    """The measured default filter degree for a Hessian of n_dof = 3N rows."""
    return LARGE_DEGREE if n_dof >= LARGE_DOF else DEFAULT_DEGREE


#: the cut a is placed at CUT_FACTOR times the estimate of lambda_{k+g} (measured: 1.5x-5x
#: equally fast at N = 10^3; a cut at lambda_{k+g} itself needs 2.3x the products, because the
#: wanted eigenvalues next to the cut are barely amplified)
CUT_FACTOR = 2.0

#: ARPACK restarts allowed on p(H^M) before the cut is raised (a converging run takes ~10-20)
MAX_RESTARTS = 60


def estimate_cut(theta: FloatArray, weights: FloatArray, n_dof: int, nev: int) -> float:
    """A cut a above lambda_nev from the probe's Gauss quadrature (stochastic Lanczos quadrature,
    Ubaru, Chen and Saad, SIAM J. Matrix Anal. Appl. 38, 1075 (2017)).

    The spectral measure of a random unit start vector has weight ~1/n_dof per eigenvalue, so
    c_j = n_dof sum_{i <= j} w_i estimates the number of eigenvalues below the midpoint
    m_j = (theta_j + theta_{j+1})/2 (a Gauss node carries the mass around it).  From the first
    node with c_j >= 4 nev the count is extrapolated down to nev with the Debye law
    n(lambda) ~ (lambda - lambda_0)^(3/2) of a 3-D solid's low end (lambda_0 = min(0,
    theta_1)), and a = lambda_0 + CUT_FACTOR (estimate - lambda_0), at most theta_nev (Cauchy
    interlacing: theta_nev >= lambda_nev, so at least nev eigenvalues lie below it).  KA inherent
    structures, k + g = 25: estimate 8.8 at N = 10^3 (lambda_25 = 6.6), 1.54 at N = 10^4
    (lambda_25 = 1.45).  Efficiency only: the filter checks afterwards that all nev Ritz values
    lie below a, and raises the cut when they do not.
    """
    if theta.size < 2:  # the probe broke down at once: no spectrum seen
        return float(theta[-1])
    count = n_dof * np.cumsum(weights)
    j = min(int(np.searchsorted(count, 4.0 * nev)), theta.size - 2)
    base = min(0.0, float(theta[0]))
    mid = 0.5 * (theta[j] + theta[j + 1])
    est = base + (mid - base) * min(1.0, nev / max(count[j], 1e-300)) ** (2.0 / 3.0)
    return float(min(base + CUT_FACTOR * (est - base), theta[min(nev, theta.size) - 1]))


def _raised_cut(cut: float, ritz_max: float, lower: float, upper: float) -> float:
    """The next cut after a failed attempt: twice as far above a_0, above the largest Ritz value,
    at most 95 % of the way to b (a cut already there cannot be raised: the loop then ends)."""
    new = max(lower + 2.0 * (cut - lower), ritz_max + 0.5 * (ritz_max - lower))
    return min(new, lower + 0.95 * (upper - lower)) if cut < lower + 0.95 * (upper - lower) \
        else upper


def filtered_lowest(
    hm: Any,
    masses: FloatArray,
    k: int,
    *,
    degree: int | None = None,
    guard: int | None = None,
    probe: int | None = None,
    seed: int = 0,
    tol: float = 0.0,
    maxiter: int | None = None,
    ncv: int | None = None,
    cut: float | None = None,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """The k lowest eigenpairs of H^M in the complement of the translations (module docstring).

    Args:
        hm: mass-weighted Hessian (3N, 3N): :class:`PairBlockHessian` (compiled filter), dense,
            scipy.sparse or LinearOperator.
        masses: (N,) masses (for the translations).
        k: number of modes.
        degree: filter degree d (None: DEFAULT_DEGREE).
        guard: extra Ritz pairs g computed beyond k (None: max(3, k // 4)).
        probe: steps of the bound-estimating Lanczos run (None: 40).
        seed: random start vectors.
        tol, maxiter, ncv: ARPACK's, for the Lanczos on p(H^M) (ncv None: 2 (k + g) + 1;
            maxiter None: MAX_RESTARTS; when exceeded the cut is doubled and the run repeated).
        cut: the cut a, eps/(sigma^2 m) (None: :func:`estimate_cut`).

    Returns:
        (lam (k,), vec (3N, k) orthonormal, info) with the filter plan, the products used
        (``n_products``, probe included) and the ARPACK operator applications.

    Raises:
        FilterAssumptionError: in three attempts, Ritz values above the cut (bounds wrong) or
            ARPACK not converged on p(H^M).
    """
    masses = np.asarray(masses, dtype=np.float64)
    n = 3 * masses.size
    s = np.sqrt(masses) / np.sqrt(masses.sum())
    t = np.zeros((masses.size, 3, 3))
    for a in range(3):
        t[:, a, a] = s
    t = t.reshape(n, 3)
    op = FilterOperator(hm, masses, t)
    rng = np.random.default_rng(seed)
    g = max(3, k // 4) if guard is None else int(guard)
    nev = min(k + g, n - 4)
    steps = min(n - 3, 40 if probe is None else int(probe))
    theta, res, weights = probe_spectrum(op, steps, rng)
    n_probe = op.n_products
    gersh = gershgorin_upper(hm)
    upper = min((theta[-1] + res[-1]) * UPPER_MARGIN, gersh)
    lower = float(theta[0] - res[0])
    if cut is None:
        # (a probe that broke down early, as on a lattice with few distinct eigenvalues, may
        # place it above b: keep it inside the spectrum; a high cut costs only efficiency)
        cut = min(estimate_cut(theta, weights, n - 3, nev), lower + 0.9 * (upper - lower))
    d = default_degree(n) if degree is None else int(degree)
    ncv_f = min(n - 3, 2 * nev + 1 if ncv is None else int(ncv))
    info: dict[str, Any] = {"probe_steps": steps, "guard": g, "gershgorin": gersh,
                            "attempts": []}
    mu = np.array([np.inf])
    for _ in range(3):
        if not lower < cut < upper:
            raise FilterAssumptionError(
                f"filter bounds out of order: a_0 = {lower:.6g}, a = {cut:.6g}, b = {upper:.6g}")
        plan = FilterPlan(d, cut, upper, lower)
        filt = spla.LinearOperator((n, n), matvec=lambda x, p=plan: op.apply(x, p),
                                   dtype=np.float64)
        v0 = rng.normal(size=n)
        v0 -= t @ (t.T @ v0)
        before = op.n_products
        try:
            _, basis = spla.eigsh(filt, k=nev, which="LA", v0=v0, tol=tol,
                                  maxiter=MAX_RESTARTS if maxiter is None else maxiter,
                                  ncv=ncv_f)
        except spla.ArpackNoConvergence:
            # most likely fewer than nev eigenvalues below the cut (the top of p(H^M) is then a
            # cluster near p(a)): raise the cut
            info["attempts"].append({"cut": cut, "upper": upper, "converged": False,
                                     "applications": (op.n_products - before) // d})
            cut = _raised_cut(cut, cut, lower, upper)
            continue
        applications = (op.n_products - before) // d
        basis -= t @ (t.T @ basis)
        basis, _ = np.linalg.qr(basis)
        hb = op.product(basis)
        op.n_products += nev
        gram = basis.T @ hb
        mu, y = np.linalg.eigh(0.5 * (gram + gram.T))
        info["attempts"].append({"cut": cut, "upper": upper, "applications": applications,
                                 "converged": True, "ritz_max": float(mu[-1])})
        if mu[-1] < cut:
            info.update(degree=d, cut=cut, upper=upper, lower=lower, n_probe=n_probe,
                        n_products=op.n_products, applications=applications)
            return mu[:k], basis @ y[:, :k], info
        # a Ritz value at or above the cut: fewer than nev eigenvalues below a, or b below
        # lambda_max; retry with the rigorous upper bound and a higher cut
        if np.isfinite(gersh):
            upper = max(upper, gersh * UPPER_MARGIN)
        else:
            upper *= 2.0
        cut = _raised_cut(cut, float(mu[-1]), lower, upper)
    raise FilterAssumptionError(
        f"no filter cut worked in three attempts (last Ritz maximum {mu[-1]:.6g}, cut "
        f"{cut:.6g}; ARPACK converged: {[a['converged'] for a in info['attempts']]})")
