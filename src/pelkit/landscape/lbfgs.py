"""Limited-memory BFGS with a noise-tolerant backtracking line search and a FIRE 2.0 fallback
(docs/physics/landscape.md).

Direction: the two-loop recursion (Nocedal, Math. Comp. 35, 773 (1980)) with memory 10, in
mass-weighted coordinates q = sqrt(m) x (so the initial inverse Hessian is gamma M^-1 and the first
step follows the mass-weighted steepest descent of docs/physics/landscape.md); gamma = s.y / y.y
from
the newest pair. The direction is scaled so that no block moves more than ``max_step``.

Line search: start at alpha = 1 and accept alpha when, with phi(alpha) = U(x + alpha d) and
phi'(alpha) = g(x + alpha d).d,
  (a) phi(alpha) - phi(0) <= c1 alpha phi'(0)                        (Armijo), or
  (b) phi(alpha) - phi(0) <= eps_U and phi'(alpha) <= (2 delta - 1) phi'(0)
      (the "approximate Wolfe" decrease test of Hager & Zhang, SIAM J. Optim. 16, 170 (2005)),
with c1 = 1e-4, delta = 0.1 and eps_U = ``energy_noise`` |U|. Near a minimum the energy change
drops below round-off (|U| 1e-16) and (a) alone is noise; (b) then decides on the slope, which is
computed from gradients and stays accurate. Otherwise alpha shrinks to the secant zero of phi',
alpha phi'(0) / (phi'(0) - phi'(alpha)), safeguarded to [0.1, 0.5] alpha.

Stall and fallback: when the line search fails (10 trials), the memory is cleared and the step
retried along -M^-1 g; if that fails too, L-BFGS has stalled and FIRE 2.0 continues from the
current point. The result then says method "lbfgs+fire2" and a stop_reason starting with
"fallback:fire2". Convergence is only ever max_i |F_i| < fmax at the returned positions.

The objective must not keep a reference to the x it is given; its gradient is copied where kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pelkit.deprecation import options_with_legacy
from pelkit.landscape.fire import fire2
from pelkit.landscape.objective import (
    Callback,
    MinimizeResult,
    Objective,
    check_gradient,
    check_int,
    check_positive,
    finish,
    prepare_start,
    stop_check,
)

ARMIJO_C1 = 1e-4
"""Sufficient-decrease constant c1 of the Armijo test."""

WOLFE_DELTA = 0.1
"""delta of the approximate-Wolfe decrease test phi'(alpha) <= (2 delta - 1) phi'(0)."""

ENERGY_NOISE = 1e-12
"""Default relative energy noise eps_U / |U| tolerated by the approximate decrease test."""


@dataclass(frozen=True)
class LBFGSOptions:
    """Memory and line search of :func:`lbfgs`, validated on construction.

    Attributes:
        memory: number of stored (s, y) pairs (>= 1).
        energy_noise: eps_U / |U| tolerated by the approximate decrease test (>= 0).
        initial_scale: inverse-Hessian scale before the first (s, y) pair, sigma^2 / eps.
        max_line_search: trial steps per line search (>= 1).
    """

    memory: int = 10
    energy_noise: float = ENERGY_NOISE
    initial_scale: float = 0.01
    max_line_search: int = 10

    def __post_init__(self) -> None:
        check_int("memory", self.memory, minimum=1)
        check_positive("energy_noise", self.energy_noise, allow_zero=True)
        check_positive("initial_scale", self.initial_scale)
        check_int("max_line_search", self.max_line_search, minimum=1)


@njit(cache=True, nogil=True, fastmath=False)
def lbfgs_direction(
    g: NDArray[np.float64],
    S: NDArray[np.float64],
    Y: NDArray[np.float64],
    rho: NDArray[np.float64],
    head: int,
    count: int,
    gamma: float,
    isqrt_m: NDArray[np.float64],
    block: int,
    max_step: float,
    coef: NDArray[np.float64],
    d: NDArray[np.float64],
) -> float:
    """L-BFGS direction d = -M^-1/2 H_q M^-1/2 g, capped per block; returns the slope g.d.

    Two-loop recursion (Nocedal 1980; Nocedal & Wright Algorithm 7.4) in q = sqrt(m) x, with
    H_q^0 = gamma I, then d is scaled by min(1, max_step / max_i |d_i|).

    Args:
        g: gradient dU/dx (n,), eps/sigma.
        S, Y: (memory, n) ring buffers of s_q = sqrt(m) (x_{k+1} - x_k) and
            y_q = (g_{k+1} - g_k) / sqrt(m); the newest pair is row head - 1 (mod memory) and
            the ``count`` newest rows are used.
        rho: (memory,) 1 / (s_q . y_q).
        gamma: H_q^0 scale, sigma^2/eps (times m).
        isqrt_m: (n,) 1/sqrt(m), or an empty array for unit masses.
        block: coordinates per particle; max_step: block cap, sigma.
        coef: (memory,) work array; d: (n,) output direction, sigma.
    """
    m = S.shape[0]
    n = g.shape[0]
    mass = isqrt_m.shape[0] == n
    for j in range(n):
        d[j] = g[j]
    if mass:
        for j in range(n):
            d[j] *= isqrt_m[j]
    for k in range(count):
        i = (head - 1 - k) % m
        a = rho[i] * np.dot(S[i], d)
        coef[i] = a
        yi = Y[i]
        for j in range(n):
            d[j] -= a * yi[j]
    for j in range(n):
        d[j] *= -gamma
    for k in range(count - 1, -1, -1):
        i = (head - 1 - k) % m
        c = -coef[i] - rho[i] * np.dot(Y[i], d)
        si = S[i]
        for j in range(n):
            d[j] += c * si[j]
    if mass:
        for j in range(n):
            d[j] *= isqrt_m[j]
    big = 0.0
    for b in range(0, n, block):
        t = 0.0
        for j in range(b, b + block):
            t += d[j] * d[j]
        if t > big:
            big = t
    if big > max_step * max_step:
        f = max_step / np.sqrt(big)
        for j in range(n):
            d[j] *= f
    return np.dot(g, d)


@njit(cache=True, nogil=True, fastmath=False)
def lbfgs_pair(
    x: NDArray[np.float64],
    x_new: NDArray[np.float64],
    g: NDArray[np.float64],
    g_new: NDArray[np.float64],
    isqrt_m: NDArray[np.float64],
    s: NDArray[np.float64],
    y: NDArray[np.float64],
) -> tuple[float, float, float]:
    """s_q = sqrt(m) (x_new - x), y_q = (g_new - g) / sqrt(m) into s, y (n,); (s.y, y.y, s.s).

    ``isqrt_m`` is 1/sqrt(m) (n,), or empty for unit masses.
    """
    n = x.shape[0]
    if isqrt_m.shape[0] == n:
        for j in range(n):
            s[j] = (x_new[j] - x[j]) / isqrt_m[j]
            y[j] = (g_new[j] - g[j]) * isqrt_m[j]
    else:
        for j in range(n):
            s[j] = x_new[j] - x[j]
            y[j] = g_new[j] - g[j]
    return np.dot(s, y), np.dot(y, y), np.dot(s, s)


def sufficient_decrease(
    delta_energy: float,
    alpha: float,
    slope0: float,
    slope: float,
    noise: float,
) -> bool:
    """Armijo test or, within the energy noise, the approximate-Wolfe slope test.

    Args:
        delta_energy: phi(alpha) - phi(0), eps.
        alpha: step multiplier (dimensionless).
        slope0: phi'(0) = g(x).d < 0, eps.
        slope: phi'(alpha) = g(x + alpha d).d, eps.
        noise: energy noise eps_U >= 0, eps.

    Returns:
        True if phi(alpha) - phi(0) <= c1 alpha phi'(0), or if phi(alpha) - phi(0) <= eps_U and
        phi'(alpha) <= (2 delta - 1) phi'(0) (Hager & Zhang 2005, eq 4.1).
    """
    if delta_energy <= ARMIJO_C1 * alpha * slope0:
        return True
    return delta_energy <= noise and slope <= (2.0 * WOLFE_DELTA - 1.0) * slope0


def lbfgs(
    objective: Objective,
    x0: NDArray[np.float64],
    *,
    fmax: float = 1e-10,
    block: int = 3,
    masses: NDArray[np.float64] | None = None,
    max_iterations: int = 100_000,
    max_step: float = 0.1,
    dt: float | None = None,
    callback: Callback | None = None,
    options: LBFGSOptions | None = None,
    **legacy: Any,
) -> MinimizeResult:
    """Minimize with L-BFGS (memory 10, backtracking, block step cap); fall back to FIRE 2.0.

    Args:
        objective: x (n,) -> (U in eps, dU/dx (n,) in eps/sigma). The gradient must be the
            gradient of the energy (not usable for NEB forces).
        x0: start (n,) in sigma (not modified).
        fmax: force tolerance on max_i |F_i| in eps/sigma.
        block: coordinates per particle.
        masses: (n,) per-coordinate masses, or None for 1.
        max_iterations: maximum number of iterations (L-BFGS and fallback FIRE 2.0 together).
        max_step: largest displacement of one block per iteration, sigma.
        dt: initial time step of the fallback FIRE 2.0 (default 0.01 tau).
        callback: ``callback(iteration, x, energy, gradient)``; truthy return stops.
        options: memory and line search (:class:`LBFGSOptions`; default ``LBFGSOptions()``).
        legacy: the fields of :class:`LBFGSOptions` given as keywords (deprecated; they
            override ``options`` and warn).

    Returns:
        :class:`MinimizeResult`, method "lbfgs" or "lbfgs+fire2". history: "resets" (memory
        cleared after a failed line search), "lbfgs_iterations", "line_search_evaluations",
        and after a fallback "fallback_iteration" and "fire2_iterations".
    """
    x, inv_m = prepare_start(
        x0, block=block, masses=masses, fmax=fmax, max_iterations=max_iterations
    )
    opts = options_with_legacy(LBFGSOptions, options, legacy, "pelkit.landscape.lbfgs.lbfgs")
    memory, max_line_search = int(opts.memory), int(opts.max_line_search)
    initial_scale, energy_noise = float(opts.initial_scale), float(opts.energy_noise)
    max_step = check_positive("max_step", max_step)
    n = x.size
    wm = np.empty(0) if inv_m is None else np.sqrt(inv_m)  # 1/sqrt(m), empty for unit masses

    energy, g = objective(x)
    energy = float(energy)
    g = check_gradient(g, n).copy()
    evaluations = 1
    S = np.zeros((memory, n))  # s_q pairs, ring buffer
    Y = np.zeros((memory, n))  # y_q pairs
    rho = np.zeros(memory)
    coef = np.zeros(memory)
    count = head = 0  # number of stored pairs, index of the next slot
    gamma = initial_scale
    d = np.empty(n)
    xt = np.empty(n)
    g_new = np.empty(n)
    resets = failures_in_row = ls_evals = 0
    stop = "max_iterations"
    it = 0
    while True:
        stop_now, gg = stop_check(it, x, energy, g, fmax, block, callback, max_iterations)
        if stop_now is not None:
            stop = stop_now
            break
        it += 1
        # ---- direction d = -H g (two-loop recursion in q = sqrt(m) x), block-capped
        slope0 = lbfgs_direction(g, S, Y, rho, head, count, gamma, wm, block, max_step, coef, d)
        if not slope0 < 0.0:  # not a descent direction: restart along -M^-1 g
            count = head = 0
            resets += 1
            slope0 = lbfgs_direction(g, S, Y, rho, 0, 0, gamma, wm, block, max_step, coef, d)
        # ---- backtracking line search on x + alpha d
        accepted, e1, g1, trials = backtracking_search(
            objective, x, d, energy, slope0, energy_noise * abs(energy), max_line_search, xt,
            np.dot,
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
        # ---- update: s = xt - x, y = g1 - g (mass-weighted: s_q = sqrt(m) s, y_q = y/sqrt(m))
        np.copyto(g_new, g1)
        sy, yy, ss = lbfgs_pair(x, xt, g, g_new, wm, S[head], Y[head])
        if sy > 1e-10 * math.sqrt(ss * yy) and yy > 0.0:
            rho[head] = 1.0 / sy
            gamma = sy / yy
            head = (head + 1) % memory
            count = min(count + 1, memory)
        x, xt = xt, x
        g, g_new = g_new, g
        energy = e1
    history = {"resets": resets, "lbfgs_iterations": it, "line_search_evaluations": ls_evals}
    return finish_or_fall_back(
        objective, x, energy, g, stop, it, evaluations, "lbfgs", history,
        fmax=fmax, block=block, masses=masses, max_iterations=max_iterations, dt=dt,
        max_step=max_step, callback=callback,
    )


def backtracking_search(
    objective: Objective,
    x: NDArray[np.float64],
    d: NDArray[np.float64],
    energy: float,
    slope0: float,
    noise: float,
    max_line_search: int,
    xt: NDArray[np.float64],
    dot: Callable[[NDArray[np.float64], NDArray[np.float64]], float],
) -> tuple[bool, float, Any, int]:
    """Backtracking line search on xt = x + alpha d from alpha = 1 (the L-BFGS step).

    A trial is accepted by :func:`sufficient_decrease` (Armijo, or the approximate Wolfe test
    within ``noise`` of the energy). A rejected one shrinks alpha to the minimum of the cubic
    through the slopes, clamped to [0.1, 0.5] alpha, when the slope rose; to alpha / 2 when it
    did not; to alpha / 10 after a non-finite energy or slope.

    Args:
        objective: x (n,) -> (U, dU/dx (n,)); x, d (n,); energy U(x); slope0 = g(x).d < 0;
        noise: energy resolution (eps); max_line_search: trials at most;
        xt: (n,) buffer that receives the last trial point;
        dot: the dot product to use for g.d (the caller's, so slopes round as its own).

    Returns:
        (accepted, U(xt), dU/dx(xt), number of trials = objective evaluations).
    """
    alpha = 1.0
    e1, g1 = energy, None
    for trial in range(1, max_line_search + 1):
        np.multiply(d, alpha, out=xt)
        xt += x
        e1, g1 = objective(xt)
        e1 = float(e1)
        slope = float(dot(g1, d))
        if math.isfinite(e1) and math.isfinite(slope):
            if sufficient_decrease(e1 - energy, alpha, slope0, slope, noise):
                return True, e1, g1, trial
            if slope > slope0:
                alpha = min(max(alpha * slope0 / (slope0 - slope), 0.1 * alpha), 0.5 * alpha)
            else:
                alpha *= 0.5
        else:
            alpha *= 0.1
    return False, e1, g1, max_line_search


def finish_or_fall_back(
    objective: Objective,
    x: NDArray[np.float64],
    energy: float,
    g: NDArray[np.float64],
    stop: str,
    iterations: int,
    evaluations: int,
    method: str,
    history: dict,
    **fire_kwargs,
) -> MinimizeResult:
    """End of an L-BFGS or CG run: the honest result, or FIRE 2.0 from ``x`` if it "stalled".

    ``fire_kwargs`` are fmax, block, masses, max_iterations, dt, max_step and callback.
    """
    if stop != "stalled":
        return finish(
            x, energy, g, iterations=iterations, evaluations=evaluations, stop_reason=stop,
            method=method, fmax=fire_kwargs["fmax"], block=fire_kwargs["block"], history=history,
        )
    return continue_with_fire2(
        objective,
        x,
        done_iterations=iterations,
        done_evaluations=evaluations,
        first_method=method,
        why=f"{method} line search failed twice in a row at iteration {iterations}",
        history=history,
        **fire_kwargs,
    )


def continue_with_fire2(
    objective: Objective,
    x: NDArray[np.float64],
    *,
    done_iterations: int,
    done_evaluations: int,
    first_method: str,
    why: str,
    history: dict,
    callback: Callback | None = None,
    **fire_kwargs: Any,
) -> MinimizeResult:
    """Continue a stalled minimization with FIRE 2.0 from x (n,); report both stages honestly.

    Returns a :class:`MinimizeResult` with method "<first_method>+fire2", iterations and
    evaluations summed over both stages, and stop_reason
    "fallback:fire2 (<why>); fire2: <FIRE 2.0 stop reason>". ``fire_kwargs`` are the
    FIRE 2.0 settings of the whole run (fmax, block, masses, max_iterations, dt, max_step);
    ``max_iterations`` counts both stages.
    """
    if callback is None:
        shifted = None
    else:

        def shifted(i: int, xx: NDArray[np.float64], e: float, gg: NDArray[np.float64]):
            return callback(done_iterations + i, xx, e, gg)

    budget = max(fire_kwargs.pop("max_iterations") - done_iterations, 0)
    res = fire2(objective, x, max_iterations=budget, callback=shifted, **fire_kwargs)
    history = dict(history)
    history.update(
        fallback_iteration=done_iterations,
        fire2_iterations=res.iterations,
        fire2_history=res.history,
    )
    res.iterations += done_iterations
    res.evaluations += done_evaluations
    res.method = f"{first_method}+fire2"
    res.stop_reason = f"fallback:fire2 ({why}); fire2: {res.stop_reason}"
    res.history = history
    return res
