"""The steepest-descent map itself: integrate m_j dr_j/ds = -grad_j Phi to a minimum
(Stillinger 1984, eq 2.1; docs/physics/landscape.md).

In mass-weighted coordinates q = sqrt(m) x the flow is plain gradient descent dq/ds = -grad_q Phi;
the configurations that drain to one minimum form its basin, and the minimum is the inherent
structure. Fast minimizers (FIRE, L-BFGS, CG) do not follow this path and can end in a neighbouring
basin; this integrator is the strict reference (slow: use it on small systems).

Integration: a stiff-capable adaptive solver from scipy (LSODA by default: Adams while the flow is
non-stiff, BDF once it is stiff; or "BDF", "Radau"), stepped one step at a time. Each accepted
step is followed by an evaluation at the new point, which decides convergence
(max_i |F_i| < fmax) on the returned positions. The state of the solver is the displacement
u = x - x_base from a base point; when the force has fallen 100-fold since the last rebase, the
base moves to the current point and the absolute tolerance is tightened to follow the force
(atol <- min(atol, 1e-3 max_i |F_i| / 1 eps sigma^-2)), so relative and absolute errors stay
well below the distance to the minimum and the flow reaches any fmax down to round-off.
The Jacobian of the right-hand side, -M^-1 H, is taken from ``hessian`` when given, otherwise
the solver estimates it by finite differences (n extra evaluations per Jacobian).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import BDF, LSODA, Radau

from pelkit.deprecation import options_with_legacy
from pelkit.errors import InputError
from pelkit.landscape.objective import (
    Callback,
    MinimizeResult,
    Objective,
    check_gradient,
    check_positive,
    finish,
    max_block_norm,
    prepare_start,
    stop_check,
)

ODE_METHODS = {"LSODA": LSODA, "BDF": BDF, "Radau": Radau}
"""Stiff-capable scipy integrators accepted by :func:`sd_flow`."""

REBASE_FACTOR = 1e-2
"""Rebase (and tighten atol) when the max force has fallen by this factor since the last rebase."""

ATOL_PER_FORCE = 1e-3
"""After a rebase atol <= ATOL_PER_FORCE * max_i |F_i| (sigma per eps/sigma)."""


@dataclass(frozen=True)
class SDFlowOptions:
    """Integrator of :func:`sd_flow`, validated on construction.

    Attributes:
        rtol: relative tolerance of the integrator (on the displacement from the base point).
        atol: initial absolute tolerance, sigma (tightened as the force falls, module doc).
        ode_method: "LSODA" (default), "BDF" or "Radau" (scipy.integrate).
    """

    rtol: float = 1e-8
    atol: float = 1e-10
    ode_method: str = "LSODA"

    def __post_init__(self) -> None:
        if self.ode_method not in ODE_METHODS:
            raise InputError(
                f"ode_method must be one of {sorted(ODE_METHODS)}, got {self.ode_method!r}."
            )
        check_positive("rtol", self.rtol)
        check_positive("atol", self.atol)


def sd_flow(
    objective: Objective,
    x0: NDArray[np.float64],
    *,
    fmax: float = 1e-10,
    block: int = 3,
    masses: NDArray[np.float64] | None = None,
    max_iterations: int = 100_000,
    hessian: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
    dt: float | None = None,
    record_path: bool = False,
    callback: Callback | None = None,
    options: SDFlowOptions | None = None,
    **legacy: Any,
) -> MinimizeResult:
    """Follow the mass-weighted steepest-descent flow m dx/ds = -dU/dx until max_i |F_i| < fmax.

    Args:
        objective: x (n,) -> (U in eps, dU/dx (n,) in eps/sigma).
        x0: start (n,) in sigma (not modified).
        fmax: force tolerance on max_i |F_i| in eps/sigma.
        block: coordinates per particle.
        masses: (n,) per-coordinate masses m, or None for 1; the flow is dx/ds = -g/m.
        max_iterations: maximum number of accepted integrator steps.
        hessian: optional x (n,) -> d^2U/dx^2 (n, n) (dense or scipy sparse), eps/sigma^2.
        dt: optional first step in the flow parameter s (m sigma^2/eps = tau^2).
        record_path: keep the path: history["path_s"] (k,) and history["path"] (k, n) at every
            accepted step (s = 0 and x0 first).
        callback: ``callback(iteration, x, energy, gradient)``; truthy return stops.
        options: integrator tolerances and method (:class:`SDFlowOptions`; default
            ``SDFlowOptions()``).
        legacy: the fields of :class:`SDFlowOptions` given as keywords (deprecated; they
            override ``options`` and warn).

    Returns:
        :class:`MinimizeResult` with method "sd"; stop_reason "converged", "max_iterations",
        "callback", "non-finite energy or gradient" or "ode solver failed: ...".
        history: "s" (flow parameter reached, tau^2), "rebases", "ode_method", and the path
        if asked.
    """
    x, inv_m = prepare_start(
        x0, block=block, masses=masses, fmax=fmax, max_iterations=max_iterations
    )
    opts = options_with_legacy(SDFlowOptions, options, legacy, "pelkit.landscape.sd_flow.sd_flow")
    rtol, atol, ode_method = float(opts.rtol), float(opts.atol), opts.ode_method
    if dt is not None:
        dt = check_positive("dt", dt)
    n = x.size
    solver_cls = ODE_METHODS[ode_method]
    counter = {"evaluations": 0}

    def rhs(_s: float, u: NDArray[np.float64]) -> NDArray[np.float64]:
        counter["evaluations"] += 1
        _, grad = objective(base + u)
        out = -np.asarray(grad, dtype=np.float64)
        if inv_m is not None:
            out *= inv_m
        return out

    jac = None
    if hessian is not None:

        def jac(_s: float, u: NDArray[np.float64]):
            h = hessian(base + u)
            if inv_m is not None:
                if hasattr(h, "multiply"):  # scipy sparse: scale rows
                    return -(h.multiply(inv_m[:, None])).tocsr()
                return -(inv_m[:, None] * np.asarray(h))
            return -h

    base = x.copy()
    energy, g = objective(base)
    energy = float(energy)
    g = check_gradient(g, n)
    counter["evaluations"] += 1
    s_total = 0.0
    path_s: list[float] = [0.0]
    path_x: list[NDArray[np.float64]] = [base.copy()]
    f_base = max_block_norm(g, block)
    atol_now = float(atol)
    solver = None
    first_step = dt
    rebases = 0
    stop = "max_iterations"
    it = 0
    while True:
        stop_now, gg = stop_check(it, x, energy, g, fmax, block, callback, max_iterations)
        if stop_now is not None:
            stop = stop_now
            break
        f_now = max_block_norm(g, block)
        if solver is None or f_now < REBASE_FACTOR * f_base:
            if solver is not None:
                s_total += float(solver.t)
                first_step = solver.step_size
                base = x.copy()
                rebases += 1
                atol_now = min(atol_now, ATOL_PER_FORCE * f_now)
            f_base = f_now
            solver = solver_cls(
                rhs,
                0.0,
                np.zeros(n),
                np.inf,
                rtol=rtol,
                atol=atol_now,
                jac=jac,
                first_step=first_step,
            )
        message = solver.step()
        if solver.status == "failed":
            stop = f"ode solver failed: {message}"
            break
        it += 1
        x = base + solver.y
        energy, g = objective(x)
        energy = float(energy)
        counter["evaluations"] += 1
        if record_path:
            path_s.append(s_total + float(solver.t))
            path_x.append(x.copy())
    if solver is not None:
        s_total += float(solver.t)
    history: dict = {"s": s_total, "rebases": rebases, "ode_method": ode_method}
    if record_path:
        history["path_s"] = np.array(path_s)
        history["path"] = np.array(path_x)
    return finish(
        x,
        energy,
        g,
        iterations=it,
        evaluations=counter["evaluations"],
        stop_reason=stop,
        method="sd",
        fmax=fmax,
        block=block,
        history=history,
    )
