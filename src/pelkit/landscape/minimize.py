"""One entry point to every minimizer on the flat objective protocol (docs/physics/landscape.md).

    res = minimize(calc.objective, x0, method="fire2", fmax=1e-10)
    res.converged  # max_i |F_i| < fmax at res.positions, re-checked; energy changes never count

Methods (``METHODS``):
    "fire2"  FIRE 2.0, Guenole et al. 2020 (default; gradient-only, NEB-safe)
    "fire"   FIRE, Bitzek et al. 2006 (gradient-only, NEB-safe)
    "lbfgs"  L-BFGS, memory 10, noise-tolerant backtracking; FIRE 2.0 fallback ("lbfgs+fire2")
    "cg"     Polak-Ribiere+ conjugate gradient; FIRE 2.0 fallback ("cg+fire2")
    "sd"     the steepest-descent flow m dx/ds = -grad U itself (Stillinger 1984, eq 2.1), stiff ODE
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.landscape.cg import cg
from pelkit.landscape.fire import fire, fire2
from pelkit.landscape.lbfgs import lbfgs
from pelkit.landscape.objective import Callback, MinimizeResult, Objective
from pelkit.landscape.sd_flow import sd_flow

METHODS: tuple[str, ...] = ("fire2", "fire", "lbfgs", "cg", "sd")
"""Names accepted by :func:`minimize`."""

__all__ = ["METHODS", "cg", "fire", "fire2", "lbfgs", "minimize", "sd_flow"]


def minimize(
    objective: Objective,
    x0: NDArray[np.float64],
    *,
    method: str = "fire2",
    fmax: float = 1e-10,
    block: int = 3,
    masses: NDArray[np.float64] | None = None,
    max_iterations: int = 100_000,
    max_step: float = 0.1,
    dt: float | None = None,
    callback: Callback | None = None,
) -> MinimizeResult:
    """Minimize ``objective`` from ``x0`` with one of ``METHODS``.

    Args:
        objective: x (n,) -> (U in eps, dU/dx (n,) in eps/sigma). For "lbfgs", "cg" and "sd"
            the gradient must be that of the energy; "fire" and "fire2" use only the gradient.
        x0: start (n,) in sigma (not modified).
        method: one of ``METHODS``.
        fmax: force tolerance on the largest per-block force norm, eps/sigma
            (docs/physics/landscape.md (recommended) 1e-10).
        block: coordinates per particle (3 in 3-D).
        masses: (n,) per-coordinate masses, or None for all 1. FIRE uses a = F/m, L-BFGS and
            CG are preconditioned by M^-1, the SD flow is m dx/ds = -grad U.
        max_iterations: iteration limit (for "sd": accepted integrator steps).
        max_step: largest displacement of one block per iteration, sigma (0.1 (recommended); not
        used
            by "sd", which follows the flow at the integrator's accuracy).
        dt: FIRE initial time step in tau (default 0.01; also the fallback FIRE 2.0 of
            "lbfgs"/"cg"); for "sd" the first step in s.
        callback: ``callback(iteration, x, energy, gradient)``; truthy return stops.

    Returns:
        :class:`pelkit.landscape.objective.MinimizeResult`.

    Raises:
        InputError: unknown method or bad arguments.
    """
    if method not in METHODS:
        raise InputError(f"unknown minimizer {method!r}; choose one of {', '.join(METHODS)}.")
    common = {
        "fmax": fmax,
        "block": block,
        "masses": masses,
        "max_iterations": max_iterations,
        "dt": dt,
        "callback": callback,
    }
    if method == "fire2":
        return fire2(objective, x0, max_step=max_step, **common)
    if method == "fire":
        return fire(objective, x0, max_step=max_step, **common)
    if method == "lbfgs":
        return lbfgs(objective, x0, max_step=max_step, **common)
    if method == "cg":
        return cg(objective, x0, max_step=max_step, **common)
    return sd_flow(objective, x0, **common)
