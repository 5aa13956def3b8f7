"""Nonlinear conjugate gradient, Polak-Ribiere+ with restarts, and a FIRE 2.0 fallback
(docs/physics/landscape.md).

Preconditioned by M^-1 (mass-weighted coordinates q = sqrt(m) x), with z = M^-1 g:

    d_0 = -z_0,  d_{k+1} = -z_{k+1} + beta_k d_k,
    beta_k = max(0, z_{k+1}.(g_{k+1} - g_k) / z_k.g_k)          (PR+, Gilbert & Nocedal 1992)

Restart (beta = 0) every n iterations, when |g_{k+1}.z_k| >= 0.2 g_{k+1}.z_{k+1} (Powell 1977)
and whenever d is not a descent direction.

Line search: a bracketing search on the slope phi'(alpha) = g(x + alpha d).d with secant steps,
accepting alpha when
  (i) the decrease test of :func:`pelkit.landscape.lbfgs.sufficient_decrease` holds (Armijo,
      or within the energy noise the approximate-Wolfe slope test of Hager & Zhang 2005), and
  (ii) |phi'(alpha)| <= sigma |phi'(0)| with sigma = 0.1 (strong Wolfe curvature),
or when the step reaches the block cap ``max_step`` while still descending. The first trial is
alpha_{k-1} phi'_{k-1}(0) / phi'_k(0) (Nocedal & Wright eq 3.60), 1 at a restart from scratch.
A failed search restarts along -z; a second failure in a row is a stall, and FIRE 2.0 continues
(method "cg+fire2", stop_reason "fallback:fire2 (...)").

The objective must not keep a reference to the x it is given; its gradient is copied where kept.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from pelkit.landscape.lbfgs import ENERGY_NOISE, finish_or_fall_back, sufficient_decrease
from pelkit.landscape.objective import (
    Callback,
    MinimizeResult,
    Objective,
    check_gradient,
    check_int,
    check_positive,
    max_block_norm,
    prepare_start,
    stop_check,
)

WOLFE_SIGMA = 0.1
"""Strong-Wolfe curvature constant sigma for the CG line search."""

POWELL_RESTART = 0.2
"""Restart when |g_{k+1}.z_k| >= POWELL_RESTART g_{k+1}.z_{k+1}."""


def cg(
    objective: Objective,
    x0: NDArray[np.float64],
    *,
    fmax: float = 1e-10,
    block: int = 3,
    masses: NDArray[np.float64] | None = None,
    max_iterations: int = 100_000,
    max_step: float = 0.1,
    energy_noise: float = ENERGY_NOISE,
    initial_scale: float = 0.01,
    max_line_search: int = 20,
    dt: float | None = None,
    callback: Callback | None = None,
) -> MinimizeResult:
    """Minimize with Polak-Ribiere+ conjugate gradient; fall back to FIRE 2.0 on a stall.

    Args:
        objective: x (n,) -> (U in eps, dU/dx (n,) in eps/sigma); the gradient must be the
            gradient of the energy.
        x0: start (n,) in sigma (not modified).
        fmax: force tolerance on max_i |F_i| in eps/sigma.
        block: coordinates per particle.
        masses: (n,) per-coordinate masses, or None for 1.
        max_iterations: maximum number of iterations (CG and fallback FIRE 2.0 together).
        max_step: largest displacement of one block per iteration, sigma.
        energy_noise: eps_U / |U| of the approximate decrease test.
        initial_scale: sigma^2/eps; the first direction is -initial_scale M^-1 g.
        max_line_search: trial steps per line search.
        dt: initial time step of the fallback FIRE 2.0 (default 0.01 tau).
        callback: ``callback(iteration, x, energy, gradient)``; truthy return stops.

    Returns:
        :class:`MinimizeResult`, method "cg" or "cg+fire2". history: "restarts",
        "line_search_evaluations", "cg_iterations", and after a fallback "fallback_iteration"
        and "fire2_iterations".
    """
    x, inv_m = prepare_start(
        x0, block=block, masses=masses, fmax=fmax, max_iterations=max_iterations
    )
    max_line_search = check_int("max_line_search", max_line_search, minimum=1)
    max_step = check_positive("max_step", max_step)
    initial_scale = check_positive("initial_scale", initial_scale)
    energy_noise = check_positive("energy_noise", energy_noise, allow_zero=True)
    n = x.size
    energy, g = objective(x)
    energy = float(energy)
    g = check_gradient(g, n).copy()
    evaluations = 1
    z = g.copy() if inv_m is None else g * inv_m
    d = -initial_scale * z
    xt = np.empty(n)
    g_new = np.empty(n)
    g_lo = np.empty(n)
    x_lo = np.empty(n)
    z_new = np.empty(n)
    gz = float(g @ z)
    alpha_prev = slope_prev = None  # previous accepted alpha and phi'(0), for the first trial
    since_restart = 0
    restarts = ls_evals = failures_in_row = 0
    stop = "max_iterations"
    it = 0
    while True:
        stop_now, gg = stop_check(it, x, energy, g, fmax, block, callback, max_iterations)
        if stop_now is not None:
            stop = stop_now
            break
        it += 1
        slope0 = float(g @ d)
        if not slope0 < 0.0:
            np.multiply(z, -initial_scale, out=d)
            slope0 = float(g @ d)
            alpha_prev = None
            since_restart = 0
            restarts += 1
        # ---- line search along d
        dmax = max_block_norm(d, block)
        alpha_cap = max_step / dmax if dmax > 0 else math.inf
        if alpha_prev is None:
            alpha = 1.0
        else:
            alpha = alpha_prev * slope_prev / slope0
        alpha = min(alpha, alpha_cap)
        noise = energy_noise * abs(energy)
        lo, e_lo, s_lo = 0.0, energy, slope0
        hi = s_hi = None
        accepted = False
        for _ in range(max_line_search):
            np.multiply(d, alpha, out=xt)
            xt += x
            e1, g1 = objective(xt)
            e1 = float(e1)
            evaluations += 1
            ls_evals += 1
            slope = float(g1 @ d)
            finite = math.isfinite(e1) and math.isfinite(slope)
            if not finite or not sufficient_decrease(e1 - energy, alpha, slope0, slope, noise):
                hi, s_hi = alpha, (slope if finite else None)
            elif abs(slope) <= -WOLFE_SIGMA * slope0:
                accepted = True
                break
            elif slope > 0.0:
                hi, s_hi = alpha, slope
            else:  # still descending steeply: new lower end
                lo, e_lo, s_lo = alpha, e1, slope
                np.copyto(g_lo, g1)
                np.copyto(x_lo, xt)
                if alpha >= alpha_cap * (1.0 - 1e-12):
                    accepted = True
                    break
            # next trial
            if hi is None:
                alpha = min(4.0 * alpha, alpha_cap)
            else:
                width = hi - lo
                if s_hi is not None and s_hi > s_lo:
                    trial = lo - s_lo * width / (s_hi - s_lo)
                else:
                    trial = lo + 0.5 * width
                alpha = min(max(trial, lo + 0.1 * width), hi - 0.1 * width)
        if accepted:
            np.copyto(g_new, g1)
        elif lo > 0.0:  # no strong-Wolfe point found, but a descending step with decrease
            accepted = True
            alpha, e1 = lo, e_lo
            np.copyto(xt, x_lo)
            np.copyto(g_new, g_lo)
        if not accepted:
            failures_in_row += 1
            if failures_in_row >= 2 and since_restart == 0:
                stop = "stalled"
                break
            np.multiply(z, -initial_scale, out=d)
            alpha_prev = None
            since_restart = 0
            restarts += 1
            continue
        failures_in_row = 0
        alpha_prev, slope_prev = alpha, slope0
        x, xt = xt, x
        energy = e1
        # ---- PR+ update
        if inv_m is None:
            np.copyto(z_new, g_new)
        else:
            np.multiply(g_new, inv_m, out=z_new)
        gz_new = float(g_new @ z_new)
        since_restart += 1
        if since_restart >= n or abs(float(g_new @ z)) >= POWELL_RESTART * gz_new:
            beta = 0.0
        else:
            beta = max(0.0, (gz_new - float(z_new @ g)) / gz)
        if beta == 0.0:
            since_restart = 0
            restarts += 1
        d *= beta
        d -= z_new
        g, g_new = g_new, g
        z, z_new = z_new, z
        gz = gz_new
    history = {"restarts": restarts, "cg_iterations": it, "line_search_evaluations": ls_evals}
    return finish_or_fall_back(
        objective, x, energy, g, stop, it, evaluations, "cg", history,
        fmax=fmax, block=block, masses=masses, max_iterations=max_iterations, dt=dt,
        max_step=max_step, callback=callback,
    )
