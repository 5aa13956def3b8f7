"""Cubic non-linear modes by the Gartner-Lerner iteration (Khomenko, Reichman and Zamponi 2021, eqs
5-6; docs/physics/modes.md).

Along a unit direction pi, dU(s) ~ (1/2) kappa s^2 + (1/6) tau s^3 with kappa = H:pi pi and
tau = U:pi pi pi.  The cubic barrier (2/3) kappa^3 / tau^2 is stationary where

    H pi = (kappa / tau) U:pi pi                     (Khomenko, Reichman and Zamponi 2021, eq 5;
                                                     its printed form is garbled; Gartner & Lerner
                                                     2016; docs/physics/modes.md)

and the fixed point is found by iterating

    pi^{n+1} = H^+ (U:pi^n pi^n) / |H^+ (U:pi^n pi^n)|      (Khomenko, Reichman and Zamponi 2021,
    eq 6; Gartner & Lerner,
                                                           SciPost Phys. 1, 016 (2016))

with H^+ the pseudo-inverse on the complement of the translations.

The plain iteration can fall into a 2-cycle (two directions mapped onto each other, the step
never shrinking).  It is a preconditioned gradient step on the barrier: with f = kappa^3/tau^2,
grad f = (6 kappa^2/tau^2) r, r = H pi - (kappa/tau) U:pi pi, and the full update is
pi + d with d = (kappa/tau) H^+(U:pi pi) - pi = -H^+ r, a descent direction of f wherever H is
positive definite on the complement (at a minimum).  The default ``method="line-search"`` takes
pi + alpha d with the largest alpha in {1, 1/2, 1/4, ...} that satisfies the Armijo condition
f(pi + alpha d) <= f(pi) + c alpha grad f . d (c = 1e-4).  kappa is quadratic and tau cubic
in alpha, so f along the line follows from U:pi pi, U:d d, H pi and H d exactly, and the change
of f is evaluated from the differences (log1p/expm1), accurate even for steps near the
tolerance.  alpha = 1 reproduces the plain iteration, so converging runs are unchanged; the
stopping test always uses the undamped update (the fixed-point residual of eq 6).
``method="plain"`` is the unsafeguarded Khomenko, Reichman and Zamponi (2021) iteration.
kappa^3/tau^2 is invariant
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
    """Cubic barrier (2/3) kappa^3 / tau^2 (docs/physics/modes.md); inf if tau = 0."""
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
        residual: |H pi - (kappa/tau) U:pi pi| (Khomenko, Reichman and Zamponi 2021, eq 5),
        epsilon/sigma^2.
        relative_residual: residual / |H pi|.
        solver: the H^+ method used.
        tol, max_iter: the stopping settings.
        history: (iterations,) the step of every iteration.
        krylov_failures: inner Krylov solves that did not reach their tolerance.
        method: "line-search" (Armijo-damped iteration) or "plain" (Khomenko, Reichman and Zamponi
        2021, eq 6).
        damped_iterations: iterations that took a step alpha < 1 (line search only).
        unsafeguarded_steps: iterations whose update was not a descent direction of
            kappa^3/tau^2 (H not positive definite along it), taken as plain steps.
        alphas: (iterations,) the step length alpha taken at every iteration (1 = plain).
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
    method: str = "line-search"
    damped_iterations: int = 0
    unsafeguarded_steps: int = 0
    alphas: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)

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
            "method": self.method,
            "damped_iterations": self.damped_iterations,
            "unsafeguarded_steps": self.unsafeguarded_steps,
        }


def directional_coefficients(
    hessian: HessianLike, third_order_vv: ThirdOrderFn, pi: ArrayLike
) -> tuple[float, float, FloatArray, FloatArray]:
    """kappa = H:pi pi, tau = U:pi pi pi, H pi and U:pi pi for a Cartesian direction pi (3N,).

    pi is used as given (not normalised); see docs/physics/models.md.
    """
    p = np.asarray(pi, dtype=np.float64).reshape(-1)
    hp = _matvec(hessian, p).reshape(-1)
    upp = np.asarray(third_order_vv(p), dtype=np.float64).reshape(-1)
    if upp.shape != p.shape:
        raise InputError(f"third_order_vv returned shape {upp.shape}, expected {p.shape}")
    return float(p @ hp), float(p @ upp), hp, upp


#: Armijo constant and the largest number of step halvings of the line search.
ARMIJO_C = 1e-4
MAX_HALVINGS = 40


def _third(third_order_vv: ThirdOrderFn, v: FloatArray) -> FloatArray:
    g = np.asarray(third_order_vv(v), dtype=np.float64).reshape(-1)
    if g.shape != v.shape or not np.all(np.isfinite(g)):
        raise InputError("third_order_vv must return a finite (3N,) vector")
    return g


def barrier_change_along_line(
    kappa_coeffs: tuple[float, float, float], tau_coeffs: tuple[float, float, float, float],
    alpha: float,
) -> float:
    """f(alpha) - f(0) for f = kappa^3/tau^2 on the line pi + alpha d, without cancellation.

    kappa(alpha) = k0 + k1 alpha + k2 alpha^2 and tau(alpha) = t0 + t1 alpha + t2 alpha^2 +
    t3 alpha^3 (k1 = 2 pi.Hd, k2 = d.Hd, t1 = 3 d.U:pi pi, t2 = 3 pi.U:dd, t3 = d.U:dd); the
    change is f(0) expm1(3 log(kappa(alpha)/k0) - 2 log|tau(alpha)/t0|) with log1p of the
    relative changes, so it keeps full relative accuracy for small steps.  Units of f:
    epsilon (times 3/2; the barrier is (2/3) f).  Returns +inf where tau(alpha) = 0.
    """
    k0, k1, k2 = kappa_coeffs
    t0, t1, t2, t3 = tau_coeffs
    dk = (k1 + k2 * alpha) * alpha / k0
    dt = ((t3 * alpha + t2) * alpha + t1) * alpha / t0
    f0 = k0**3 / t0**2
    if dt == -1.0:
        return float("inf")
    if dk > -1.0:
        log_t = np.log1p(dt) if dt > -1.0 else np.log(-(1.0 + dt))
        return float(f0 * np.expm1(3.0 * np.log1p(dk) - 2.0 * log_t))
    return float((k0 * (1.0 + dk)) ** 3 / (t0 * (1.0 + dt)) ** 2 - f0)


def cubic_nonlinear_mode(
    hessian: HessianLike,
    third_order_vv: ThirdOrderFn,
    start: ArrayLike,
    tol: float = 1e-8,
    max_iter: int = 1000,
    solver: Literal["auto", "cg", "minres"] = "auto",
    method: Literal["line-search", "plain"] = "line-search",
) -> NonlinearModeResult:
    """Cubic non-linear mode from ``start`` by the Gartner-Lerner iteration (docs/physics/modes.md).

    The update direction is that of pi^{n+1} = H^+(U:pi^n pi^n) / |H^+(U:pi^n pi^n)| from
    pi^0 = P start / |P start| (Khomenko, Reichman and Zamponi 2021, eq 6).  With
    ``method="line-search"`` (default) the step
    towards it is damped by an Armijo backtracking on kappa^3/tau^2 (module docstring), which
    removes the 2-cycles the plain iteration can fall into; full steps are taken whenever they
    decrease the barrier enough, so runs the plain iteration converges are unchanged.  The run
    stops when the undamped update moves pi by min(|pi^{n+1} - pi^n|, |pi^{n+1} + pi^n|) < tol
    (recommended 1e-8), or after ``max_iter`` (recommended 1000) iterations (then ``converged`` is
    False).
    Seed starts: r_AB/|r_AB| (upper bound on the achievable overlap) or the softest QLM of
    minimum A (converted to Cartesian, e/sqrt(m)).

    Args:
        hessian: Cartesian Hessian at a minimum (3N, 3N), epsilon/sigma^2 (dense, sparse or
            LinearOperator).
        third_order_vv: v (3N,) -> U:vv (3N,), epsilon/sigma^3, Cartesian.
        start: (3N,) or (N, 3) Cartesian start direction.
        tol: stopping tolerance.
        max_iter: iteration limit.
        solver: H^+ method, see :class:`ProjectedSolver`.
        method: "line-search" (Armijo-damped) or "plain" (the paper's undamped iteration).

    Returns:
        :class:`NonlinearModeResult` with the fixed-point residual |H pi - (kappa/tau) U:pi pi|
        and the cubic barrier.
    """
    if method not in ("line-search", "plain"):
        raise InputError(f"unknown method {method!r}: use 'line-search' or 'plain'")
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
    history: list[float] = []
    alphas: list[float] = []
    converged = False
    step = float("inf")
    unsafe = 0
    for _ in range(max_iter):
        g = _third(third_order_vv, pi)
        y = ps.solve(g)
        ny = float(np.linalg.norm(y))
        if ny == 0.0:
            raise InputError("U:pi pi vanishes on the complement of the translations")
        new = y / ny
        step = min(float(np.linalg.norm(new - pi)), float(np.linalg.norm(new + pi)))
        history.append(step)
        if step < tol or method == "plain":
            pi = new
            alphas.append(1.0)
            if step < tol:
                converged = True
                break
            continue
        alpha, pi_next = _line_search_step(ps, third_order_vv, pi, g, y)
        if alpha is None:  # not a descent direction: take the plain step
            unsafe += 1
            alpha, pi_next = 1.0, new
        alphas.append(alpha)
        pi = pi_next
    if pi @ p0 < 0:
        pi = -pi
    kappa, tau, hp, upp = directional_coefficients(ps.h, third_order_vv, pi)
    if tau != 0.0:
        residual = float(np.linalg.norm(hp - (kappa / tau) * upp))
    else:
        residual = float(np.linalg.norm(hp))
    nhp = float(np.linalg.norm(hp))
    alpha_arr = np.array(alphas)
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
        method=method,
        damped_iterations=int(np.count_nonzero(alpha_arr < 1.0)),
        unsafeguarded_steps=unsafe,
        alphas=alpha_arr,
    )


def _line_search_step(
    ps: ProjectedSolver, third_order_vv: ThirdOrderFn, pi: FloatArray, g: FloatArray,
    y: FloatArray,
) -> tuple[float | None, FloatArray]:
    """One Armijo-damped step pi -> (pi + alpha d)/|pi + alpha d|, d = (kappa/tau) y - pi.

    pi (3N,) unit, g = U:pi pi, y = H^+ g.  Returns (alpha, new pi), or (None, pi) when d is
    not a descent direction of kappa^3/tau^2 (tau = 0, or H not positive definite along it).
    When no alpha down to 2^-MAX_HALVINGS satisfies the Armijo condition (rounding level), the
    smallest is taken.
    """
    hp = _matvec(ps.h, pi).reshape(-1)
    kappa, tau = float(pi @ hp), float(pi @ g)
    if tau == 0.0 or kappa == 0.0:
        return None, pi
    d = (kappa / tau) * y - pi
    slope = 6.0 * kappa**2 / tau**2 * float((hp - (kappa / tau) * g) @ d)
    if not (np.isfinite(slope) and slope < 0.0):
        return None, pi
    hd = _matvec(ps.h, d).reshape(-1)
    gdd = _third(third_order_vv, d)
    kc = (kappa, 2.0 * float(pi @ hd), float(d @ hd))
    tc = (tau, 3.0 * float(d @ g), 3.0 * float(pi @ gdd), float(d @ gdd))
    alpha = 1.0
    for _ in range(MAX_HALVINGS):
        if barrier_change_along_line(kc, tc, alpha) <= ARMIJO_C * alpha * slope:
            break
        alpha *= 0.5
    p = pi + alpha * d
    return alpha, p / float(np.linalg.norm(p))


@dataclass(frozen=True)
class LineDoubleWell:
    """Double-well test of U(R0 + s pi) along a straight line (docs/physics/modes.md).

    Attributes:
        is_double_well: two local minima of the profile with a local maximum between them.
        barrier: lowest such maximum minus the higher of its two minima, epsilon (NaN if none).
        n_minima, n_maxima: interior extrema kept by :func:`~pelkit.modes.inm.analyse_profile`.
        max_displacement: largest particle displacement of the window, sigma.
        n_points: points of the profile.
    """

    is_double_well: bool
    barrier: float
    n_minima: int
    n_maxima: int
    max_displacement: float
    n_points: int


def line_double_well(
    energy: Callable[[FloatArray], float],
    x0: ArrayLike,
    direction: ArrayLike,
    masses: ArrayLike,
    n_points: int = 201,
    max_displacement: float = 0.5,
) -> LineDoubleWell:
    """Is there a double well along the straight line R0 + s pi (no relaxation)?

    The profile is :func:`~pelkit.modes.inm.mode_profile` (window max_i |s pi_i| =
    ``max_displacement`` sigma, ``n_points`` points) and its extrema come from
    :func:`~pelkit.modes.inm.analyse_profile`.  At a minimum s = 0 is itself a minimum, so the
    INM rule (minima on both sides of a concave region) does not apply; here a double well is
    any pair of neighbouring minima with a maximum between them.  Khomenko, Reichman and Zamponi
    (2021) finds no double well
    along about 95 % of its non-linear modes.

    Args:
        energy: U(flat positions (3N,)) in epsilon.
        x0: (3N,) configuration (normally the minimum where pi was computed), sigma.
        direction: (3N,) Cartesian direction pi.
        masses: (N,) masses (only set the mass-weighted amplitude scale of the profile).
        n_points, max_displacement: profile settings.
    """
    from pelkit.modes.inm import analyse_profile, mode_profile

    prof = mode_profile(energy, x0, direction, masses, n_points=n_points,
                        max_displacement=max_displacement)
    ana = analyse_profile(prof)
    mins = ana.minima[np.argsort(ana.minima[:, 0])]
    barrier = float("nan")
    for (s1, u1), (s2, u2) in zip(mins[:-1], mins[1:], strict=True):
        between = ana.maxima[(ana.maxima[:, 0] > s1) & (ana.maxima[:, 0] < s2)]
        if between.size:
            b = float(between[:, 1].min() - max(u1, u2))
            barrier = b if np.isnan(barrier) else min(barrier, b)
    return LineDoubleWell(
        is_double_well=bool(np.isfinite(barrier)), barrier=barrier,
        n_minima=int(ana.minima.shape[0]), n_maxima=int(ana.maxima.shape[0]),
        max_displacement=float(prof.max_displacement), n_points=int(n_points),
    )
