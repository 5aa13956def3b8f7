"""Preconditioned L-BFGS: the initial inverse Hessian of the two-loop recursion is P^-1.

Nocedal & Wright, Numerical Optimization (2006), Algorithm 7.4 with H_k^0 = P^-1, P a symmetric
positive-definite preconditioner such as the exponential one of Packwood et al., J. Chem. Phys.
144, 164109 (2016) (:mod:`pelkit.landscape.precon`); P may change between iterations (it is
rebuilt when the particles moved far), the stored (s, y) pairs are kept. No gamma scaling: P
carries its own energy scale mu. Coordinates are Cartesian (masses do not enter: the minimum
does not depend on them).

Everything else is :func:`pelkit.landscape.lbfgs.lbfgs`: direction rows capped at ``max_step``,
the backtracking line search with the Armijo / approximate-Wolfe acceptance, memory cleared after
a failed line search, FIRE 2.0 fallback after two failures in a row with an empty memory, and
convergence only ever max_i |F_i| < fmax at the returned positions.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pelkit.landscape.lbfgs import ENERGY_NOISE, backtracking_search, finish_or_fall_back
from pelkit.landscape.objective import (
    Callback,
    MinimizeResult,
    Objective,
    check_gradient,
    check_int,
    check_positive,
    prepare_start,
    stop_check,
)

FloatArray = NDArray[np.float64]


class Preconditioner(Protocol):
    """What :func:`precon_lbfgs` needs: ``update(x)`` rebuilds at x (3N,) when needed (returns
    whether it did), ``solve(r)`` returns P^-1 r (3N,)."""

    def update(self, x: FloatArray) -> bool: ...

    def solve(self, r: FloatArray) -> FloatArray: ...


@njit(cache=True, nogil=True)
def _dot(a, b):
    s = 0.0
    for k in range(a.shape[0]):
        s += a[k] * b[k]
    return s


@njit(cache=True, nogil=True)
def first_loop(g, S, Y, rho, head, count, coef, q):
    """q = g, then q -= a_i y_i with a_i = rho_i s_i.q, newest pair first (coef[i] = a_i)."""
    mem = S.shape[0]
    for k in range(q.shape[0]):
        q[k] = g[k]
    for k in range(count):
        i = (head - 1 - k) % mem
        a = rho[i] * _dot(S[i], q)
        coef[i] = a
        yi = Y[i]
        for m in range(q.shape[0]):
            q[m] -= a * yi[m]


@njit(cache=True, nogil=True)
def second_loop(z, S, Y, rho, head, count, coef, block, max_step, g):
    """z += (a_i - rho_i y_i.z) s_i, oldest pair first; d = -z capped per block (in place);
    returns the slope g.d."""
    mem = S.shape[0]
    n = z.shape[0]
    for k in range(count - 1, -1, -1):
        i = (head - 1 - k) % mem
        c = coef[i] - rho[i] * _dot(Y[i], z)
        si = S[i]
        for m in range(n):
            z[m] += c * si[m]
    big = 0.0
    for b in range(0, n, block):
        t = 0.0
        for m in range(b, b + block):
            t += z[m] * z[m]
        if t > big:
            big = t
    f = -1.0
    if big > max_step * max_step:
        f = -max_step / np.sqrt(big)
    for m in range(n):
        z[m] *= f
    return _dot(g, z)


def precon_lbfgs(
    objective: Objective,
    x0: FloatArray,
    preconditioner: Preconditioner,
    *,
    fmax: float = 1e-10,
    block: int = 3,
    max_iterations: int = 100_000,
    max_step: float = 0.1,
    memory: int = 10,
    energy_noise: float = ENERGY_NOISE,
    max_line_search: int = 10,
    callback: Callback | None = None,
) -> MinimizeResult:
    """Minimize with L-BFGS preconditioned by ``preconditioner`` (module docstring).

    Args:
        objective: x (n,) -> (U in eps, dU/dx (n,) in eps/sigma).
        x0: start (n,) in sigma (not modified).
        preconditioner: see :class:`Preconditioner`; P in eps/sigma^2.
        fmax: tolerance on max_i |F_i| (eps/sigma); block: coordinates per particle.
        max_iterations, max_step (sigma per particle per iteration), memory, energy_noise,
        max_line_search, callback: as for :func:`pelkit.landscape.lbfgs.lbfgs`.

    Returns:
        :class:`MinimizeResult`, method "lbfgs-precon" (or "lbfgs-precon+fire2" after a stall);
        history: "resets", "precon_builds", "line_search_evaluations".
    """
    x, _ = prepare_start(x0, block=block, masses=None, fmax=fmax, max_iterations=max_iterations)
    memory = check_int("memory", memory, minimum=1)
    max_line_search = check_int("max_line_search", max_line_search, minimum=1)
    max_step = check_positive("max_step", max_step)
    energy_noise = check_positive("energy_noise", energy_noise, allow_zero=True)
    n = x.size
    energy, g = objective(x)
    energy = float(energy)
    g = check_gradient(g, n).copy()
    evaluations = 1
    S = np.zeros((memory, n))
    Y = np.zeros((memory, n))
    rho = np.zeros(memory)
    coef = np.zeros(memory)
    q = np.empty(n)
    count = head = 0
    resets = failures_in_row = ls_evals = builds = 0
    stop = "max_iterations"
    it = 0
    while True:
        stop_now, _ = stop_check(it, x, energy, g, fmax, block, callback, max_iterations)
        if stop_now is not None:
            stop = stop_now
            break
        it += 1
        builds += preconditioner.update(x)
        first_loop(g, S, Y, rho, head, count, coef, q)
        d = np.ascontiguousarray(preconditioner.solve(q), dtype=np.float64)
        slope0 = second_loop(d, S, Y, rho, head, count, coef, block, max_step, g)
        if not slope0 < 0.0:  # not a descent direction: restart along -P^-1 g
            count = head = 0
            resets += 1
            d = np.ascontiguousarray(preconditioner.solve(g), dtype=np.float64)
            slope0 = second_loop(d, S, Y, rho, head, 0, coef, block, max_step, g)
        xt = np.empty(n)
        accepted, e1, g1, trials = backtracking_search(
            objective, x, d, energy, slope0, energy_noise * abs(energy), max_line_search, xt,
            _dot,
        )
        evaluations += trials
        ls_evals += trials
        if not accepted:
            failures_in_row += 1
            if count == 0 and failures_in_row >= 2:
                stop = "stalled"
                break
            count = head = 0
            resets += 1
            continue
        failures_in_row = 0
        g1 = np.array(g1, dtype=np.float64)
        s = xt - x
        y = g1 - g
        sy, yy, ss = _dot(s, y), _dot(y, y), _dot(s, s)
        if sy > 1e-10 * math.sqrt(ss * yy) and yy > 0.0:
            S[head] = s
            Y[head] = y
            rho[head] = 1.0 / sy
            head = (head + 1) % memory
            count = min(count + 1, memory)
        x, g, energy = xt, g1, e1
    history = {"resets": resets, "precon_builds": builds, "lbfgs_iterations": it,
               "line_search_evaluations": ls_evals}
    return finish_or_fall_back(
        objective, x, energy, g, stop, it, evaluations, "lbfgs-precon", history,
        fmax=fmax, block=block, masses=None, max_iterations=max_iterations, dt=None,
        max_step=max_step, callback=callback,
    )
