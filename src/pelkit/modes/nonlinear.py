"""Cubic non-linear modes by the Gartner-Lerner iteration (seed 003 eqs 5-6; SCIENCE.md 3.5).

Along a unit direction pi, dU(s) ~ (1/2) kappa s^2 + (1/6) tau s^3 with kappa = H:pi pi and
tau = U:pi pi pi.  The cubic barrier (2/3) kappa^3 / tau^2 is stationary where

    H pi = (kappa / tau) U:pi pi                     (seed 003 eq 5 as corrected in SCIENCE.md)

and the fixed point is found by iterating

    pi^{n+1} = H^+ (U:pi^n pi^n) / |H^+ (U:pi^n pi^n)|      (seed 003 eq 6; Gartner & Lerner,
                                                           SciPost Phys. 1, 016 (2016))

with H^+ the pseudo-inverse on the complement of the translations.  kappa^3/tau^2 is invariant
under pi -> c pi, so the stationary directions do not depend on the metric: the iteration runs in
plain Cartesian coordinates (H the Cartesian Hessian, epsilon/sigma^2; U:vv the Cartesian
third-order contraction, epsilon/sigma^3), exact for unequal masses too.  A mass-weighted start e
should be converted to Cartesian first (pi0 = e / sqrt(m)).

H^+ is never formed: the right-hand side is projected on the complement of the uniform Cartesian
translations and H y = b is solved by

* dense H: Cholesky (LU if H is indefinite) of Q^T H Q, Q the Householder basis of the complement;
* sparse H: sparse LU of H with one particle's three rows/columns removed ("grounding": the
  particle with the stiffest diagonal block is pinned; for a translation-invariant H with exactly
  3 zero modes this solves H y = b exactly for b orthogonal to the translations, because the
  pinned particle's equations follow from the others by the zero block-row sums), then the
  translation component is projected out;
* LinearOperator: conjugate gradients (or MINRES) on the projected operator P H P.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.modes.normal import (
    HessianLike,
    TranslationComplement,
    _check_translation_invariance,
    _is_operator,
    _matvec,
    _norm_estimate,
    mass_weighted_hessian,
    translation_basis,
)

FloatArray = NDArray[np.float64]
ThirdOrderFn = Callable[[FloatArray], FloatArray]


def cubic_barrier(kappa: float, tau: float) -> float:
    """Cubic barrier (2/3) kappa^3 / tau^2 (SCIENCE.md section 3.5); inf if tau = 0."""
    return float("inf") if tau == 0.0 else (2.0 / 3.0) * kappa**3 / tau**2


class ProjectedSolver:
    """y = H^+ b: solve H y = P b on the complement of the translations (Cartesian metric).

    Args:
        hessian: Cartesian Hessian (3N, 3N), dense / sparse / LinearOperator, translation
            invariant with exactly 3 zero modes.
        method: "auto" (dense: Cholesky, else LU; sparse: grounded sparse LU; operator: CG),
            "cg" or "minres" (Krylov on P H P, any representation).
        rtol: relative tolerance of the Krylov solvers.
    """

    def __init__(
        self,
        hessian: HessianLike,
        method: Literal["auto", "cg", "minres"] = "auto",
        rtol: float = 1e-12,
    ) -> None:
        n3 = getattr(hessian, "shape", (0, 0))[0]
        if n3 % 3 != 0 or n3 < 6:
            raise InputError(f"Hessian shape {getattr(hessian, 'shape', None)} is not (3N, 3N)")
        ones = np.ones(n3 // 3)
        self.h = mass_weighted_hessian(hessian, ones)  # validation; equal masses -> unchanged
        self.n3 = n3
        self.t = translation_basis(ones)
        self.scale = _norm_estimate(self.h)
        if self.scale == 0.0:
            raise InputError("the Hessian is zero")
        _check_translation_invariance(self.h, ones, self.scale, 1e-8)
        self.rtol = rtol
        self.krylov_failures = 0
        if method == "auto":
            if _is_operator(self.h):
                method = "cg"
            elif sp.issparse(self.h):
                method = "grounded-lu"
            else:
                method = "dense"
        self.method = method
        if method == "dense":
            self.comp = TranslationComplement(ones)
            g = self.comp.restrict_dense(np.asarray(self.h))
            try:
                self._cho = sla.cho_factor(g, check_finite=False)
                self._lu = None
                self.method = "dense-cholesky"
            except sla.LinAlgError:
                self._cho = None
                self._lu = sla.lu_factor(g, check_finite=False)
                self.method = "dense-lu"
        elif method == "grounded-lu":
            h = sp.csr_matrix(self.h)
            # pin the particle with the stiffest diagonal block (a free particle pins nothing)
            trace = h.diagonal().reshape(-1, 3).sum(axis=1)
            self._pinned = int(np.argmax(trace))
            keep = np.ones(n3, dtype=bool)
            keep[3 * self._pinned : 3 * self._pinned + 3] = False
            self._keep = keep
            try:
                self._splu = spla.splu(sp.csc_matrix(h[keep][:, keep]))
            except RuntimeError as exc:
                raise InputError(
                    f"the Hessian with one particle pinned is singular ({exc}): more than the 3 "
                    "translational zero modes?"
                ) from None
        elif method not in ("cg", "minres"):
            raise InputError(f"unknown solver {method!r}: use 'auto', 'cg' or 'minres'")
        if self.method in ("dense-cholesky", "dense-lu", "grounded-lu"):
            self._check_nonsingular()

    def _check_nonsingular(self) -> None:
        """One test solve: a (numerically) singular H on the complement gives a large residual."""
        b = self.project(np.random.default_rng(2024).normal(size=self.n3))
        y = self.solve(b)
        res = float(np.linalg.norm(_matvec(self.h, y).reshape(-1) - b)) / float(np.linalg.norm(b))
        if not np.isfinite(res) or res > 1e-6:
            raise InputError(
                f"the Hessian is singular on the complement of the translations (test-solve "
                f"residual {res:.3g}): more than the 3 translational zero modes?"
            )

    def project(self, x: FloatArray) -> FloatArray:
        """Remove the uniform-translation component: (I - T T^T) x."""
        return x - self.t @ (self.t.T @ x)

    def solve(self, b: FloatArray) -> FloatArray:
        """H^+ b (3N,), orthogonal to the translations."""
        b = self.project(np.asarray(b, dtype=np.float64).reshape(-1))
        if self.method.startswith("dense"):
            r = self.comp.reduce(b)
            if self._cho is not None:
                y = sla.cho_solve(self._cho, r, check_finite=False)
            else:
                y = sla.lu_solve(self._lu, r, check_finite=False)
            return self.comp.expand(y)
        if self.method == "grounded-lu":
            y = np.zeros(self.n3)
            y[self._keep] = self._splu.solve(b[self._keep])
            return self.project(y)
        op = spla.LinearOperator(
            (self.n3, self.n3),
            matvec=lambda x: self.project(_matvec(self.h, self.project(np.ravel(x)))),
            dtype=np.float64,
        )
        solver = spla.cg if self.method == "cg" else spla.minres
        y, info = solver(op, b, rtol=self.rtol, maxiter=20 * self.n3)
        if info != 0:
            self.krylov_failures += 1
        return self.project(y)


@dataclass(frozen=True)
class NonlinearModeResult:
    """Outcome of :func:`cubic_nonlinear_mode`.

    Attributes:
        mode: (3N,) Cartesian unit vector pi (translations removed), oriented with pi . pi0 >= 0.
        converged: the stopping test was met within ``max_iter`` iterations.
        iterations: iterations done.
        step: last min(|pi^{n+1} - pi^n|, |pi^{n+1} + pi^n|).
        kappa: H:pi pi, epsilon/sigma^2.
        tau: U:pi pi pi, epsilon/sigma^3.
        barrier: (2/3) kappa^3/tau^2, epsilon.
        residual: |H pi - (kappa/tau) U:pi pi| (seed 003 eq 5), epsilon/sigma^2.
        relative_residual: residual / |H pi|.
        solver: the H^+ method used.
        tol, max_iter: the stopping settings.
        history: (iterations,) the step of every iteration.
        krylov_failures: inner Krylov solves that did not reach their tolerance.
    """

    mode: FloatArray
    converged: bool
    iterations: int
    step: float
    kappa: float
    tau: float
    barrier: float
    residual: float
    relative_residual: float
    solver: str
    tol: float
    max_iter: int
    history: FloatArray = field(repr=False)
    krylov_failures: int = 0

    def as_dict(self) -> dict:
        """JSON-ready summary (without the vector)."""
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "step": self.step,
            "kappa": self.kappa,
            "tau": self.tau,
            "barrier": self.barrier,
            "residual": self.residual,
            "relative_residual": self.relative_residual,
            "solver": self.solver,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "krylov_failures": self.krylov_failures,
        }


def directional_coefficients(
    hessian: HessianLike, third_order_vv: ThirdOrderFn, pi: ArrayLike
) -> tuple[float, float, FloatArray, FloatArray]:
    """kappa = H:pi pi, tau = U:pi pi pi, H pi and U:pi pi for a Cartesian direction pi (3N,).

    pi is used as given (not normalised).  SCIENCE.md section 1d.
    """
    p = np.asarray(pi, dtype=np.float64).reshape(-1)
    hp = _matvec(hessian, p).reshape(-1)
    upp = np.asarray(third_order_vv(p), dtype=np.float64).reshape(-1)
    if upp.shape != p.shape:
        raise InputError(f"third_order_vv returned shape {upp.shape}, expected {p.shape}")
    return float(p @ hp), float(p @ upp), hp, upp


def cubic_nonlinear_mode(
    hessian: HessianLike,
    third_order_vv: ThirdOrderFn,
    start: ArrayLike,
    tol: float = 1e-8,
    max_iter: int = 1000,
    solver: Literal["auto", "cg", "minres"] = "auto",
) -> NonlinearModeResult:
    """Cubic non-linear mode from ``start`` by the Gartner-Lerner iteration (SCIENCE.md 3.5).

    pi^{n+1} = H^+(U:pi^n pi^n) / |H^+(U:pi^n pi^n)| from pi^0 = P start / |P start|, stopping when
    min(|pi^{n+1} - pi^n|, |pi^{n+1} + pi^n|) < tol ([REC] 1e-8) or after ``max_iter`` ([REC]
    1000) iterations (then ``converged`` is False).  Seed starts: r_AB/|r_AB| (upper bound on the
    achievable overlap) or the softest QLM of minimum A (converted to Cartesian, e/sqrt(m)).

    Args:
        hessian: Cartesian Hessian at a minimum (3N, 3N), epsilon/sigma^2 (dense, sparse or
            LinearOperator).
        third_order_vv: v (3N,) -> U:vv (3N,), epsilon/sigma^3, Cartesian.
        start: (3N,) or (N, 3) Cartesian start direction.
        tol: stopping tolerance.
        max_iter: iteration limit.
        solver: H^+ method, see :class:`ProjectedSolver`.

    Returns:
        :class:`NonlinearModeResult` with the fixed-point residual |H pi - (kappa/tau) U:pi pi|
        and the cubic barrier.
    """
    ps = ProjectedSolver(hessian, method=solver)
    p0 = np.asarray(start, dtype=np.float64).reshape(-1)
    if p0.size != ps.n3:
        raise InputError(f"start has {p0.size} components, expected {ps.n3}")
    if not np.all(np.isfinite(p0)):
        raise InputError("start contains NaN or infinite values")
    p0 = ps.project(p0)
    n0 = float(np.linalg.norm(p0))
    if n0 == 0.0:
        raise InputError("start has no component outside the translations")
    p0 = p0 / n0
    if tol <= 0 or max_iter < 1:
        raise InputError("tol must be positive and max_iter at least 1")
    pi = p0
    history = []
    converged = False
    step = float("inf")
    for _ in range(max_iter):
        g = np.asarray(third_order_vv(pi), dtype=np.float64).reshape(-1)
        if g.shape != pi.shape or not np.all(np.isfinite(g)):
            raise InputError("third_order_vv must return a finite (3N,) vector")
        y = ps.solve(g)
        ny = float(np.linalg.norm(y))
        if ny == 0.0:
            raise InputError("U:pi pi vanishes on the complement of the translations")
        new = y / ny
        step = min(float(np.linalg.norm(new - pi)), float(np.linalg.norm(new + pi)))
        history.append(step)
        pi = new
        if step < tol:
            converged = True
            break
    if pi @ p0 < 0:
        pi = -pi
    kappa, tau, hp, upp = directional_coefficients(ps.h, third_order_vv, pi)
    if tau != 0.0:
        residual = float(np.linalg.norm(hp - (kappa / tau) * upp))
    else:
        residual = float(np.linalg.norm(hp))
    nhp = float(np.linalg.norm(hp))
    return NonlinearModeResult(
        mode=pi,
        converged=converged,
        iterations=len(history),
        step=step,
        kappa=kappa,
        tau=tau,
        barrier=cubic_barrier(kappa, tau),
        residual=residual,
        relative_residual=residual / nhp if nhp > 0 else float("inf"),
        solver=ps.method,
        tol=tol,
        max_iter=max_iter,
        history=np.array(history),
        krylov_failures=ps.krylov_failures,
    )
