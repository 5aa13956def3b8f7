"""FIRE (Bitzek et al., PRL 97, 170201 (2006)) and FIRE 2.0 (Guenole et al., CMS 175, 109584
(2020)) on the flat objective protocol (docs/physics/landscape.md).

Both use only the gradient for their dynamics (no energy line search), so they also relax a
nudged elastic band, whose "gradient" is minus the NEB force (docs/physics/landscape.md).

Dynamics (x (n,) in sigma, v (n,) in sigma/tau, F = -dU/dx (n,) in eps/sigma, m (n,) in m):
semi-implicit Euler v <- v + dt F/m, x <- x + dt v, with each block's displacement per step capped
at ``max_step`` (the whole step is scaled down, keeping its direction). The velocity mixing is done
in the kinetic-energy metric, v <- (1 - alpha) v + alpha (|v|_M / |F|_{1/M}) F/m with
|v|_M^2 = sum m v^2 and |F|_{1/M}^2 = sum F^2/m, which is the textbook v <- (1 - alpha) v +
alpha |v| F^ in mass-weighted coordinates q = sqrt(m) x (and exactly the textbook form for unit
masses). So FIRE with masses m follows FIRE with unit masses on q, step cap and stopping test
(both Cartesian) aside.

Convergence: max_i |F_i| < fmax on the per-block norm, tested on the gradient at the returned
positions (every iteration ends with an evaluation at the new positions).

The objective must not keep a reference to the x it is given (the buffer is updated in place);
the returned gradient is only read, never modified.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from pelkit.landscape.objective import (
    Callback,
    MinimizeResult,
    Objective,
    cap_displacement,
    check_gradient,
    check_positive,
    finish,
    prepare_start,
    stop_check,
)

DT_MD = 0.01
"""Default MD time step Delta t_MD in tau (docs/physics/landscape.md (recommended))."""

FIRE_PARAMS = {"n_min": 5, "f_inc": 1.1, "f_dec": 0.5, "alpha_start": 0.1, "f_alpha": 0.99}
"""Bitzek et al. 2006 parameters (docs/physics/landscape.md); dt_max = 10 dt."""

FIRE2_PARAMS = {
    "n_delay": 20,
    "f_inc": 1.1,
    "f_dec": 0.5,
    "alpha_start": 0.25,
    "f_alpha": 0.99,
    "max_uphill": 2000,
}
"""Guenole et al. 2020 parameters (docs/physics/landscape.md); dt_max = 10 dt, dt_min = 0.02 dt,
initial delay on; stop as "stuck" after ``max_uphill`` consecutive P <= 0."""


def _check_step(dt: float | None, max_step: float) -> float:
    check_positive("max_step", max_step)
    return DT_MD if dt is None else check_positive("dt", dt)


def _first_evaluation(
    objective: Objective, x: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64]]:
    energy, gradient = objective(x)
    return float(energy), check_gradient(gradient, x.size)


def fire2(
    objective: Objective,
    x0: NDArray[np.float64],
    *,
    fmax: float = 1e-10,
    block: int = 3,
    masses: NDArray[np.float64] | None = None,
    max_iterations: int = 100_000,
    dt: float | None = None,
    max_step: float = 0.1,
    callback: Callback | None = None,
) -> MinimizeResult:
    """FIRE 2.0 minimization (Guenole et al. 2020, Algorithm 2; docs/physics/landscape.md).

    Each iteration, with P = F.v:
      1. P > 0: after more than N_delay such steps since the last P <= 0, dt <- min(f_inc dt,
         dt_max) and alpha <- f_alpha alpha.
      2. P <= 0: unless within the first N_delay iterations, alpha <- alpha_start and
         dt <- f_dec dt if that stays >= dt_min; then x <- x - dt v / 2 and v <- 0.
      3. v <- v + dt F/m; if P > 0, v <- (1 - alpha) v + alpha |v_old| F^ (kinetic metric,
         |v_old| before the update); x <- x + dt v (block displacement capped at ``max_step``).

    Args:
        objective: x (n,) -> (U in eps, dU/dx (n,) in eps/sigma); only the gradient drives
            the dynamics, the energy is just reported.
        x0: start (n,) in sigma (not modified).
        fmax: force tolerance on max_i |F_i| in eps/sigma.
        block: coordinates per particle.
        masses: (n,) per-coordinate masses, or None for 1.
        max_iterations: maximum number of FIRE steps.
        dt: initial (= MD) time step in tau, default 0.01; dt_max = 10 dt, dt_min = 0.02 dt.
        max_step: largest displacement of one block per step, sigma.
        callback: ``callback(iteration, x, energy, gradient)``; truthy return stops.

    Returns:
        :class:`MinimizeResult` with method "fire2"; stop_reason "converged", "max_iterations",
        "stuck" (2000 consecutive P <= 0), "callback" or "non-finite energy or gradient".
        history: final dt and alpha, number of P <= 0 events ("uphill").
    """
    x, inv_m = prepare_start(
        x0, block=block, masses=masses, fmax=fmax, max_iterations=max_iterations
    )
    dt = _check_step(dt, max_step)
    p = FIRE2_PARAMS
    n_delay, f_inc, f_dec = p["n_delay"], p["f_inc"], p["f_dec"]
    alpha_start, f_alpha, max_uphill = p["alpha_start"], p["f_alpha"], p["max_uphill"]
    dt_max, dt_min = 10.0 * dt, 0.02 * dt
    mass = None if inv_m is None else 1.0 / inv_m

    energy, g = _first_evaluation(objective, x)
    evaluations = 1
    v = np.zeros_like(x)
    dx = np.empty_like(x)
    acc = np.empty_like(x) if inv_m is not None else None
    alpha = alpha_start
    n_pos = n_neg = uphill = 0
    stop = "max_iterations"
    it = 0
    while True:
        stop_now, gg = stop_check(it, x, energy, g, fmax, block, callback, max_iterations)
        if stop_now is not None:
            stop = stop_now
            break
        it += 1
        # a = g/m (minus the acceleration); ff = |F|^2 in the 1/M metric
        if inv_m is None:
            a = g
            ff = gg
        else:
            np.multiply(g, inv_m, out=acc)
            a = acc
            ff = float(a @ g)
        power = -float(g @ v)
        if power > 0.0:
            n_pos += 1
            n_neg = 0
            if n_pos > n_delay:
                dt = min(dt * f_inc, dt_max)
                alpha *= f_alpha
            if mass is None:
                vv = float(v @ v)
            else:
                np.multiply(v, mass, out=dx)
                vv = float(dx @ v)
            # semi-implicit Euler then mixing, folded: v <- (1-alpha)(v - dt a) - alpha |v_old| a^
            np.multiply(a, dt, out=dx)
            v -= dx
            v *= 1.0 - alpha
            np.multiply(a, alpha * math.sqrt(vv / ff), out=dx)
            v -= dx
        else:
            n_pos = 0
            n_neg += 1
            uphill += 1
            if n_neg >= max_uphill:
                stop = "stuck"
                it -= 1
                break
            if it > n_delay:
                alpha = alpha_start
                if dt * f_dec >= dt_min:
                    dt *= f_dec
            np.multiply(v, -0.5 * dt, out=dx)
            cap_displacement(dx, max_step, block)
            x += dx
            v[:] = 0.0
            np.multiply(a, -dt, out=v)
        np.multiply(v, dt, out=dx)
        cap_displacement(dx, max_step, block)
        x += dx
        energy, g = objective(x)
        energy = float(energy)
        evaluations += 1
    return finish(
        x,
        energy,
        g,
        iterations=it,
        evaluations=evaluations,
        stop_reason=stop,
        method="fire2",
        fmax=fmax,
        block=block,
        history={"dt": dt, "alpha": alpha, "uphill": uphill},
    )


def fire(
    objective: Objective,
    x0: NDArray[np.float64],
    *,
    fmax: float = 1e-10,
    block: int = 3,
    masses: NDArray[np.float64] | None = None,
    max_iterations: int = 100_000,
    dt: float | None = None,
    max_step: float = 0.1,
    callback: Callback | None = None,
) -> MinimizeResult:
    """Original FIRE (Bitzek et al. 2006; docs/physics/landscape.md).

    Each iteration, with P = F.v after the previous MD step:
      - P > 0: v <- (1 - alpha) v + alpha |v| F^ (kinetic metric); after more than N_min such
        steps in a row, dt <- min(f_inc dt, dt_max) and alpha <- f_alpha alpha.
      - P <= 0: v <- 0, dt <- f_dec dt, alpha <- alpha_start.
      - MD step (semi-implicit Euler): v <- v + dt F/m, x <- x + dt v (block displacement capped
        at ``max_step``).
    N_min = 5, f_inc = 1.1, f_dec = 0.5, alpha_start = 0.1, f_alpha = 0.99, dt_max = 10 dt.

    Arguments and result as :func:`fire2` (method "fire"; no "stuck" stop).
    """
    x, inv_m = prepare_start(
        x0, block=block, masses=masses, fmax=fmax, max_iterations=max_iterations
    )
    dt = _check_step(dt, max_step)
    p = FIRE_PARAMS
    n_min, f_inc, f_dec = p["n_min"], p["f_inc"], p["f_dec"]
    alpha_start, f_alpha = p["alpha_start"], p["f_alpha"]
    dt_max = 10.0 * dt
    mass = None if inv_m is None else 1.0 / inv_m

    energy, g = _first_evaluation(objective, x)
    evaluations = 1
    v = np.zeros_like(x)
    dx = np.empty_like(x)
    acc = np.empty_like(x) if inv_m is not None else None
    alpha = alpha_start
    n_pos = uphill = 0
    stop = "max_iterations"
    it = 0
    while True:
        stop_now, gg = stop_check(it, x, energy, g, fmax, block, callback, max_iterations)
        if stop_now is not None:
            stop = stop_now
            break
        it += 1
        if inv_m is None:
            a = g
            ff = gg
        else:
            np.multiply(g, inv_m, out=acc)
            a = acc
            ff = float(a @ g)
        power = -float(g @ v)
        if power > 0.0:
            if mass is None:
                vv = float(v @ v)
            else:
                np.multiply(v, mass, out=dx)
                vv = float(dx @ v)
            v *= 1.0 - alpha
            np.multiply(a, alpha * math.sqrt(vv / ff), out=dx)
            v -= dx
            n_pos += 1
            if n_pos > n_min:
                dt = min(dt * f_inc, dt_max)
                alpha *= f_alpha
        else:
            v[:] = 0.0
            dt *= f_dec
            alpha = alpha_start
            n_pos = 0
            uphill += 1
        np.multiply(a, dt, out=dx)
        v -= dx
        np.multiply(v, dt, out=dx)
        cap_displacement(dx, max_step, block)
        x += dx
        energy, g = objective(x)
        energy = float(energy)
        evaluations += 1
    return finish(
        x,
        energy,
        g,
        iterations=it,
        evaluations=evaluations,
        stop_reason=stop,
        method="fire",
        fmax=fmax,
        block=block,
        history={"dt": dt, "alpha": alpha, "uphill": uphill},
    )
