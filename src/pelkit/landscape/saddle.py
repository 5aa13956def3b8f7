"""Transition-state (first-order saddle) searches: hybrid eigenvector-following and the dimer.

Both methods follow the lowest-curvature direction v of the Hessian uphill and minimise in the
complement of v, on a :class:`pelkit.landscape.surface.Surface` (Cartesian coordinates x (n,),
energies in eps, lengths in sigma):

* **Hybrid eigenvector-following** (HEF; Munro & Wales, Phys. Rev. B 59, 3969 (1999); Kumeda,
  Wales & Munro, Chem. Phys. Lett. 341, 185 (2001)). Each cycle (1) finds the lowest eigenpair
  (lambda, v) of P H P, P removing the zero modes, by Lanczos iteration with Rayleigh-Ritz on
  Hessian-vector products only (:func:`lowest_eigenpair`, warm-started from the last v);
  (2) takes the eigenvector-following step uphill along v,
  h = 2 F / (|lambda| (1 + sqrt(1 + 4 F^2 / lambda^2))), F = g.v (Cerjan & Miller,
  J. Chem. Phys. 75, 2800 (1981); Banerjee et al., J. Phys. Chem. 89, 52 (1985)), or a fixed
  step of ``max_step`` uphill while lambda >= 0; (3) minimises the energy in the complement of
  v (and of the zero modes) by a few L-BFGS steps (Nocedal, Math. Comp. 35, 773 (1980)) with an
  energy line search, which is valid there because the coordinate along v is held; the first
  step (and any restart) is steepest descent with the Newton length |g|/(u.H u).
* **Dimer** (Henkelman & Jonsson, J. Chem. Phys. 111, 7010 (1999), with the forward
  difference of Olsen et al., J. Chem. Phys. 121, 9776 (2004)). Two images x and x + delta v;
  the dimer is rotated to the lowest-curvature direction by Rayleigh-Ritz in the span of v and
  the successive rotational forces, from gradient differences only (no Hessian), and x is
  translated so as to invert the force along v, then relaxed across v as in HEF (see
  :func:`dimer`).

A result is a transition state only if it is converged (max per-particle force below ``fmax``,
re-checked from the final gradient) **and** the Hessian with the zero modes removed has exactly
one eigenvalue below -``lambda_tol`` (:meth:`SaddleResult.is_transition_state`); both are
checked and reported, like the minimizers' ``converged``.

Starting points (:func:`start_from_mode`, :func:`start_from_direction`): a minimum displaced
along one of its soft normal modes or along a random direction; or an NEB climbing image with
the band tangent as the first guess for v.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray

from pelkit.deprecation import options_with_legacy
from pelkit.errors import InputError
from pelkit.landscape.objective import max_block_norm
from pelkit.landscape.surface import Surface

FloatArray = NDArray[np.float64]

SADDLE_METHODS = ("hef", "dimer")


@dataclass
class EigenPair:
    """Lowest eigenpair found by :func:`lowest_eigenpair` (Cartesian, eps/sigma^2)."""

    value: float
    vector: FloatArray
    residual: float
    products: int


def _project(v: FloatArray, z: FloatArray) -> FloatArray:
    """(I - Z Z^T) v as a new array (never ``v`` itself)."""
    return v - z @ (z.T @ v) if z.shape[1] else v.copy()


def lowest_eigenpair(
    surface: Surface,
    x: FloatArray,
    v0: FloatArray | None = None,
    *,
    zero: FloatArray | None = None,
    tol: float = 1e-3,
    krylov: int = 20,
    restarts: int = 10,
    seed: int = 0,
) -> EigenPair:
    """Lowest eigenpair of P H P at x by restarted Lanczos with Rayleigh-Ritz (H v products only).

    From the start vector v0 (random if None) a Krylov basis V of up to ``krylov`` vectors is
    built by Lanczos with full reorthogonalisation (also against the zero modes ``zero`` (n, k));
    after each new vector the tridiagonal T = V^T H V is diagonalised and the lowest Ritz pair
    (theta, u = V y) is accepted when its residual |H u - theta u| = beta_m |y_m| is below
    ``tol`` max(|theta|, 1e-8). Otherwise Lanczos restarts from u (at most ``restarts`` times).
    """
    n = surface.n
    z = surface.zero_basis(x) if zero is None else zero
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(n) if v0 is None else np.array(v0, dtype=np.float64).reshape(-1)
    v = _project(v, z)
    if float(np.linalg.norm(v)) < 1e-12:
        v = _project(rng.standard_normal(n), z)
    v /= np.linalg.norm(v)
    products = 0
    theta, u, res = 0.0, v, math.inf
    for _ in range(restarts + 1):
        basis = np.zeros((krylov, n))
        alpha = np.zeros(krylov)
        beta = np.zeros(krylov)
        basis[0] = v
        m = 0
        for j in range(krylov):
            w = _project(surface.hessian_vector(x, basis[j]), z)
            products += 1
            alpha[j] = float(w @ basis[j])
            for _r in range(2):  # full reorthogonalisation, twice is enough
                w -= basis[: j + 1].T @ (basis[: j + 1] @ w)
                w = _project(w, z)
            beta[j] = float(np.linalg.norm(w))
            m = j + 1
            t = np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
            vals, vecs = np.linalg.eigh(t)
            theta = float(vals[0])
            y = vecs[:, 0]
            res = abs(beta[j] * y[-1])
            if res <= tol * max(abs(theta), 1e-8) or beta[j] < 1e-14 * max(1.0, abs(theta)):
                break
            if j + 1 < krylov:
                basis[j + 1] = w / beta[j]
        u = basis[:m].T @ y
        u /= np.linalg.norm(u)
        if res <= tol * max(abs(theta), 1e-8) or beta[m - 1] < 1e-14 * max(1.0, abs(theta)):
            break
        v = u
    return EigenPair(theta, u, float(res), products)


@dataclass
class SaddleResult:
    """Outcome of a saddle search (module doc).

    Attributes:
        positions: (n,) final coordinates, sigma.
        energy: U there, eps.
        max_force: largest per-particle force norm, recomputed from the final gradient.
        eigenvalue: lowest Cartesian curvature found along ``eigenvector`` (eps/sigma^2).
        eigenvector: (n,) unit vector of that curvature (the unstable mode at a saddle).
        converged: max_force < fmax.
        n_negative: Hessian index (eigenvalues below -lambda_tol, zero modes removed), or -1 if
            not computed; for more than ``DENSE_MAX`` coordinates 2 means "at least 2".
        lowest_eigenvalues: the lowest eigenvalues from the index check (eps/sigma^2).
        iterations: outer cycles.
        gradient_calls, hvp_calls: evaluations used (a finite-difference product counts as two
            gradient calls, an exact one as one Hessian-vector product).
        stop_reason: "converged", "max_iterations", "non-finite", ...
        method: "hef" or "dimer".
        fmax, lambda_tol: the tolerances.
    """

    positions: FloatArray
    energy: float
    max_force: float
    eigenvalue: float
    eigenvector: FloatArray
    converged: bool
    n_negative: int
    lowest_eigenvalues: FloatArray
    iterations: int
    gradient_calls: int
    hvp_calls: int
    stop_reason: str
    method: str
    fmax: float
    lambda_tol: float
    history: dict[str, Any] = field(default_factory=dict)

    @property
    def is_transition_state(self) -> bool:
        """Converged with exactly one negative Hessian eigenvalue (zero modes removed)."""
        return bool(self.converged and self.n_negative == 1)

    @property
    def force_calls(self) -> int:
        """Gradient calls plus Hessian-vector products (each costs about one force call)."""
        return self.gradient_calls + self.hvp_calls

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "energy": self.energy,
            "max_force": self.max_force,
            "fmax": self.fmax,
            "converged": self.converged,
            "n_negative": self.n_negative,
            "is_transition_state": self.is_transition_state,
            "eigenvalue": self.eigenvalue,
            "lowest_eigenvalues": self.lowest_eigenvalues,
            "iterations": self.iterations,
            "gradient_calls": self.gradient_calls,
            "hvp_calls": self.hvp_calls,
            "force_calls": self.force_calls,
            "stop_reason": self.stop_reason,
            "method": self.method,
        }


@dataclass(frozen=True)
class SaddleOptions:
    """Tuning shared by :func:`hef` and :func:`dimer`, validated on construction.

    Attributes:
        max_step: largest per-particle displacement of one uphill or relaxation step, sigma.
        sub_steps: most L-BFGS steps in the complement of the unstable direction per cycle.
        memory: L-BFGS memory of that relaxation (kept while the direction turns by less than
            ~25 degrees per cycle).
        lambda_tol: eigenvalues below -lambda_tol (eps/sigma^2) count as negative (index and
            convergence).
        max_energy_rise: give up ("energy rise") when U exceeds the start's U by more than
            this (eps); None = no limit. Mode following from a minimum can climb a wall
            forever; this bounds the cost of such a start.
        check_index: compute the Hessian index of the result (dense up to DENSE_MAX
            coordinates).
    """

    max_step: float = 0.1
    sub_steps: int = 10
    memory: int = 5
    lambda_tol: float = 1e-8
    max_energy_rise: float | None = None
    check_index: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_step) and self.max_step > 0):
            raise InputError(f"max_step must be positive, got {self.max_step}")
        if int(self.sub_steps) != self.sub_steps or self.sub_steps < 0:
            raise InputError(f"sub_steps must be a non-negative integer, got {self.sub_steps}")
        if int(self.memory) != self.memory or self.memory < 1:
            raise InputError(f"memory must be a positive integer, got {self.memory}")
        if not (math.isfinite(self.lambda_tol) and self.lambda_tol >= 0):
            raise InputError(f"lambda_tol must be non-negative, got {self.lambda_tol}")
        rise = self.max_energy_rise
        if rise is not None and not (math.isfinite(rise) and rise >= 0):
            raise InputError(f"max_energy_rise must be non-negative or None, got {rise}")


def _check_common(surface: Surface, x0: ArrayLike, fmax: float, max_iterations: int):
    x = np.array(x0, dtype=np.float64).reshape(-1)
    if x.shape != (surface.n,):
        raise InputError(f"the start has {x.size} coordinates, expected {surface.n}")
    if not np.all(np.isfinite(x)):
        raise InputError("the start contains NaN or infinite values")
    if not (math.isfinite(fmax) and fmax > 0):
        raise InputError(f"fmax must be positive, got {fmax}")
    if int(max_iterations) < 1:
        raise InputError(f"max_iterations must be >= 1, got {max_iterations}")
    return x


def _finish(
    surface: Surface, x: FloatArray, v: FloatArray, lam: float, *, iterations: int,
    stop_reason: str, method: str, fmax: float, lambda_tol: float, check_index: bool,
    calls0: tuple[int, int], history: dict[str, Any],
) -> SaddleResult:
    e, g = surface.gradient(x)
    max_force = max_block_norm(g, surface.block)
    converged = bool(math.isfinite(e) and max_force < fmax)
    if stop_reason == "converged" and not converged:
        stop_reason = "not converged"
    n_neg, low = -1, np.zeros(0)
    if check_index and math.isfinite(e):
        n_neg, low = surface.count_negative(x, lambda_tol)
    return SaddleResult(
        positions=x, energy=e, max_force=max_force, eigenvalue=float(lam), eigenvector=v,
        converged=converged, n_negative=n_neg, lowest_eigenvalues=low,
        iterations=iterations, gradient_calls=surface.gradient_calls - calls0[0],
        hvp_calls=surface.hvp_calls - calls0[1], stop_reason=stop_reason, method=method,
        fmax=float(fmax), lambda_tol=float(lambda_tol), history=history,
    )


def _cap(step: FloatArray, max_step: float, block: int) -> FloatArray:
    big = max_block_norm(step, block)
    return step * (max_step / big) if big > max_step else step


def _lbfgs_direction(g: FloatArray, s_list: list, y_list: list) -> FloatArray:
    """-H_k g by the two-loop recursion over the pairs (s, y) (oldest first)."""
    q = g.copy()
    alphas = []
    for s, y in reversed(list(zip(s_list, y_list, strict=True))):
        rho = 1.0 / float(y @ s)
        a = rho * float(s @ q)
        alphas.append((rho, a))
        q -= a * y
    if s_list:
        s, y = s_list[-1], y_list[-1]
        q *= float(s @ y) / float(y @ y)
    else:
        q *= 1e-3 / max(1e-12, float(np.max(np.abs(g))))  # a small first step, capped anyway
    for (s, y), (rho, a) in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
        b = rho * float(y @ q)
        q += (a - b) * s
    return -q


def _uphill_step(surface, x: FloatArray, g: FloatArray, z, v: FloatArray,  # noqa: ANN001
                 lam: float, max_step: float, block: int) -> tuple[FloatArray, float, FloatArray]:
    """The uphill move along the unstable direction ``v`` (curvature ``lam``) shared by HEF and
    the dimer: the Newton step on the two-level model h = 2 f / (|lam| (1 + sqrt(1 + 4 f^2 /
    lam^2))) when lam < 0, with f = g.v the gradient along v (zero modes projected out), else a
    full ``max_step`` along v with the sign of f; capped per particle. Returns (x, energy, g)."""
    f_par = float(_project(g, z) @ v)
    if lam < 0:
        h = 2.0 * f_par / (abs(lam) * (1.0 + math.sqrt(1.0 + 4.0 * f_par * f_par / lam**2)))
    else:
        h = max_step / max(max_block_norm(v, block), 1e-300) * (1.0 if f_par >= 0 else -1.0)
    x = x + _cap(h * v, max_step, block)
    e, g = surface.gradient(x)
    return x, e, g


def _relax_complement(
    surface: Surface, x: FloatArray, e: float, g: FloatArray, v: FloatArray, z: FloatArray,
    lam: float, *, fmax: float, max_step: float, sub_steps: int, memory: int,
    s_list: list, y_list: list, curvature,  # noqa: ANN001 - (x, g, u) -> u.H u
) -> tuple[FloatArray, float, FloatArray]:
    """A few L-BFGS steps minimising U in the complement of v and of the zero modes z, with an
    energy line search (valid there: the coordinate along v is held). The memory lists are
    updated in place. Stops when the complement force is below fmax / 2 or, past the inflection
    (lam < 0), below half the force along v. Returns the new (x, U, gradient)."""
    block = surface.block
    gp = _project(g, z)
    gp -= float(gp @ v) * v
    for _k in range(sub_steps):
        f_par_now = abs(float(_project(g, z) @ v))
        gpn = max_block_norm(gp, block)
        if gpn < 0.5 * fmax or (lam < 0 and gpn < 0.5 * f_par_now):
            break
        d = np.zeros_like(gp)
        if s_list:
            d = _lbfgs_direction(gp, s_list, y_list)
            d = _project(d, z)
            d -= float(d @ v) * v
        if not s_list or float(d @ gp) >= 0:
            # steepest descent with the Newton length from the curvature along it
            s_list.clear()
            y_list.clear()
            u = -gp / float(np.linalg.norm(gp))
            curv = curvature(x, g, u)
            d = u * (float(np.linalg.norm(gp)) / curv if curv > 0 else max_step)
        d = _cap(d, max_step, block)
        accepted = False
        for _ls in range(20):
            x_new = x + d
            e_new, g_new = surface.gradient(x_new)
            if e_new <= e + 1e-12 * abs(e) or float(g_new @ d) <= 0.0:
                accepted = True
                break
            d = 0.5 * d
        if not accepted:
            break
        gp_new = _project(g_new, z)
        gp_new -= float(gp_new @ v) * v
        s, y = x_new - x, gp_new - gp
        if float(s @ y) > 1e-300:
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        x, e, g, gp = x_new, e_new, g_new, gp_new
    return x, e, g


def hef(
    surface: Surface,
    x0: ArrayLike,
    v0: ArrayLike | None = None,
    *,
    fmax: float = 1e-7,
    max_iterations: int = 1000,
    eig_tol: float = 1e-2,
    seed: int = 0,
    options: SaddleOptions | None = None,
    **legacy: Any,
) -> SaddleResult:
    """Hybrid eigenvector-following from x0 (n,) with first guess v0 (n,) of the unstable mode.

    Args:
        surface: the potential energy surface.
        x0: start, sigma (a displaced minimum, an NEB climbing image, ...).
        v0: first guess of the lowest-curvature direction (random if None).
        fmax: convergence on the largest per-particle force norm, eps/sigma.
        max_iterations: eigenvector-following cycles.
        eig_tol: relative residual accepted for the Lanczos eigenpair.
        seed: seed of the random start vector when v0 is None.
        options: step sizes, relaxation, index test and energy-rise limit
            (:class:`SaddleOptions`; default ``SaddleOptions()``).
        legacy: the fields of :class:`SaddleOptions` given as keywords (deprecated; they
            override ``options`` and warn).

    Returns:
        :class:`SaddleResult` with honest ``converged`` and ``n_negative``.
    """
    opts = options_with_legacy(SaddleOptions, options, legacy, "pelkit.landscape.saddle.hef")
    max_step, sub_steps, memory = opts.max_step, opts.sub_steps, opts.memory
    lambda_tol, max_energy_rise, check_index = (opts.lambda_tol, opts.max_energy_rise,
                                                opts.check_index)
    x = _check_common(surface, x0, fmax, max_iterations)
    calls0 = (surface.gradient_calls, surface.hvp_calls)
    block = surface.block
    v = None if v0 is None else np.asarray(v0, dtype=np.float64).reshape(-1)
    e, g = surface.gradient(x)
    e_start = e
    lam = math.nan
    stop = "max_iterations"
    it = 0
    history: dict[str, Any] = {"lanczos_products": 0}
    s_list: list[FloatArray] = []
    y_list: list[FloatArray] = []
    v_old = np.zeros(surface.n)
    for it in range(1, max_iterations + 1):
        if not (math.isfinite(e) and np.all(np.isfinite(g))):
            stop = "non-finite energy or gradient"
            break
        if max_energy_rise is not None and e - e_start > max_energy_rise:
            stop = "energy rise"
            break
        z = surface.zero_basis(x)
        pair = lowest_eigenpair(surface, x, v, zero=z, tol=eig_tol, seed=seed + it)
        history["lanczos_products"] += pair.products
        lam, v = pair.value, pair.vector
        if lam < 0 and max_block_norm(g, block) < fmax:
            stop = "converged"
            break
        x, e, g = _uphill_step(surface, x, g, z, v, lam, max_step, block)
        # minimise in the complement of v and of the zero modes
        if abs(float(v @ v_old)) < 0.9:
            s_list.clear()
            y_list.clear()
        v_old = v
        x, e, g = _relax_complement(
            surface, x, e, g, v, z, lam, fmax=fmax, max_step=max_step, sub_steps=sub_steps,
            memory=memory, s_list=s_list, y_list=y_list,
            curvature=lambda xc, gc, u: float(u @ surface.hessian_vector(xc, u)),
        )
    else:
        it = max_iterations
    if v is None:  # stopped before the first eigenpair (non-finite start)
        v = np.zeros(surface.n)
    return _finish(
        surface, x, v, lam, iterations=it, stop_reason=stop, method="hef", fmax=fmax,
        lambda_tol=lambda_tol, check_index=check_index, calls0=calls0, history=history,
    )


def dimer(
    surface: Surface,
    x0: ArrayLike,
    v0: ArrayLike | None = None,
    *,
    fmax: float = 1e-7,
    max_iterations: int = 2000,
    delta: float = 1e-4,
    rotations: int = 20,
    rotation_tol: float = 1e-2,
    seed: int = 0,
    options: SaddleOptions | None = None,
    **legacy: Any,
) -> SaddleResult:
    """The dimer method from x0 (n,) with first orientation v0 (module doc); gradients only.

    Each iteration rotates the dimer (x, x + delta v) towards the lowest-curvature direction by
    Rayleigh-Ritz in the span of v and of the rotational forces met so far in this iteration
    (each orthogonalised against the earlier ones: a subspace rotation, which converges like
    Lanczos where successive two-dimensional rotations crawl), using forward differences
    H u ~ (g(x + delta u) - g(x)) / delta; then translates x: the step that reverses the force
    along v (the eigenvector-following length of :func:`hef` while the curvature lambda < 0,
    ``max_step`` uphill while lambda >= 0), followed by the same L-BFGS relaxation in the
    complement of v as :func:`hef` (its first Newton length from a finite-difference
    curvature). No Hessian-vector product of the surface is used, only gradients.

    Args:
        surface: the potential energy surface (its ``hvp`` is not used).
        x0, v0: start and first orientation (random if None).
        fmax: convergence on the largest per-particle force norm, eps/sigma.
        max_iterations: translation steps.
        delta: dimer length (sigma) of the finite differences.
        rotations: most rotation directions (gradient differences) per translation step.
        rotation_tol: stop rotating when the dimer turns by less than this angle (rad).
        seed, options, legacy: as in :func:`hef` (``options.max_step`` caps one translation).
    """
    opts = options_with_legacy(SaddleOptions, options, legacy, "pelkit.landscape.saddle.dimer")
    max_step, sub_steps, memory = opts.max_step, opts.sub_steps, opts.memory
    lambda_tol, max_energy_rise, check_index = (opts.lambda_tol, opts.max_energy_rise,
                                                opts.check_index)
    x = _check_common(surface, x0, fmax, max_iterations)
    calls0 = (surface.gradient_calls, surface.hvp_calls)
    block = surface.block
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(surface.n) if v0 is None else np.array(v0, dtype=np.float64)
    u = u.reshape(-1)

    def directional(xc: FloatArray, gc: FloatArray, d: FloatArray) -> FloatArray:
        _, g1 = surface.gradient(xc + delta * d)
        return (g1 - gc) / delta

    e, g = surface.gradient(x)
    e_start = e
    lam = math.nan
    stop = "max_iterations"
    s_list: list[FloatArray] = []
    y_list: list[FloatArray] = []
    u_old = np.zeros(surface.n)
    it = 0
    for it in range(1, max_iterations + 1):  # noqa: B007 - it is reported after the loop
        if not (math.isfinite(e) and np.all(np.isfinite(g))):
            stop = "non-finite energy or gradient"
            break
        if max_energy_rise is not None and e - e_start > max_energy_rise:
            stop = "energy rise"
            break
        z = surface.zero_basis(x)
        u = _project(u, z)
        u /= np.linalg.norm(u)
        hu = _project(directional(x, g, u), z)
        lam = float(u @ hu)
        basis, images = [u], [hu]
        for _ in range(rotations):
            w = hu - lam * u  # the rotational force direction
            for b in basis:  # orthogonal to every direction tried so far
                w -= float(b @ w) * b
            wn = float(np.linalg.norm(w))
            if wn < 1e-12:
                break
            w /= wn
            basis.append(w)
            images.append(_project(directional(x, g, w), z))
            v_mat, hv_mat = np.array(basis), np.array(images)
            t = v_mat @ hv_mat.T
            vals, vecs = np.linalg.eigh(0.5 * (t + t.T))
            c = vecs[:, 0]
            u_new = c @ v_mat
            norm = float(np.linalg.norm(u_new))
            angle = math.acos(min(1.0, abs(float(u_new @ u)) / norm))
            u, hu, lam = u_new / norm, (c @ hv_mat) / norm, float(vals[0])
            if angle < rotation_tol:
                break
        if lam < 0 and max_block_norm(g, block) < fmax:
            stop = "converged"
            break
        x, e, g = _uphill_step(surface, x, g, z, u, lam, max_step, block)
        if abs(float(u @ u_old)) < 0.9:
            s_list.clear()
            y_list.clear()
        u_old = u
        x, e, g = _relax_complement(
            surface, x, e, g, u, z, lam, fmax=fmax, max_step=max_step, sub_steps=sub_steps,
            memory=memory, s_list=s_list, y_list=y_list,
            curvature=lambda xc, gc, d: float(d @ directional(xc, gc, d)),
        )
    else:
        it = max_iterations
    return _finish(
        surface, x, u, lam, iterations=it, stop_reason=stop, method="dimer", fmax=fmax,
        lambda_tol=lambda_tol, check_index=check_index, calls0=calls0, history={},
    )


def find_saddle(
    surface: Surface, x0: ArrayLike, v0: ArrayLike | None = None, method: str = "hef",
    **kwargs: Any,
) -> SaddleResult:
    """Run :func:`hef` or :func:`dimer` (``method`` in :data:`SADDLE_METHODS`)."""
    if method == "hef":
        return hef(surface, x0, v0, **kwargs)
    if method == "dimer":
        return dimer(surface, x0, v0, **kwargs)
    raise InputError(f"unknown saddle method {method!r}; choose one of {', '.join(SADDLE_METHODS)}")


# ------------------------------------------------------------------------------ starting points
def soft_modes(
    surface: Surface, x: ArrayLike, k: int, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """The k lowest Cartesian Hessian eigenpairs at x with zero modes removed.

    Returns (values (k,) eps/sigma^2, vectors (n, k)). Dense for up to DENSE_MAX coordinates,
    ARPACK Lanczos on Hessian-vector products above.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    z = surface.zero_basis(x)
    if k < 1 or k > surface.n - z.shape[1]:
        raise InputError(f"mode index must be between 1 and {surface.n - z.shape[1]}, got {k}")
    if surface.n <= 1500:
        h = surface.hessian(x)
        if z.shape[1]:
            p = np.eye(surface.n) - z @ z.T
            h = p @ h @ p + 1e6 * max(1.0, float(np.abs(h).max())) * (z @ z.T)
        vals, vecs = np.linalg.eigh(h)
        return vals[:k], vecs[:, :k]

    op = surface.projected_operator(x, seed)
    rng = np.random.default_rng(seed)
    vals, vecs = spla.eigsh(op, k=k, which="SA", v0=rng.standard_normal(surface.n), tol=1e-8)
    order = np.argsort(vals)
    return vals[order], vecs[:, order]


def start_from_mode(
    surface: Surface, x_min: ArrayLike, mode: int = 1, step: float = 0.05, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """(x0, v0): the minimum displaced by ``step`` (largest particle displacement, sigma) along
    its ``mode``-th softest non-zero mode (1 = softest), and that mode as first guess."""
    _, vecs = soft_modes(surface, x_min, mode, seed)
    v = vecs[:, mode - 1]
    v = v / np.linalg.norm(v)
    x = np.asarray(x_min, dtype=np.float64).reshape(-1)
    return x + step * v / max_block_norm(v, surface.block), v


def start_from_direction(
    surface: Surface, x_min: ArrayLike, step: float = 0.05, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """(x0, v0): the minimum displaced by ``step`` (largest particle displacement, sigma) along a
    random direction (zero modes removed) drawn with ``seed``."""
    x = np.asarray(x_min, dtype=np.float64).reshape(-1)
    rng = np.random.default_rng(seed)
    v = _project(rng.standard_normal(surface.n), surface.zero_basis(x))
    v /= np.linalg.norm(v)
    return x + step * v / max_block_norm(v, surface.block), v
