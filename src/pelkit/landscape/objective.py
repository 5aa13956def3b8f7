"""The objective protocol shared by every minimizer (and by the nudged elastic band).

An objective maps a flat coordinate vector x (n,) to ``(energy, gradient)``:

    energy: float            U(x) in epsilon
    gradient: ndarray (n,)   dU/dx in epsilon/sigma  (the force is -gradient)

Coordinates come in blocks of ``block`` numbers per particle (3 for particles in 3-D, 2 for a
2-D test surface, ...); convergence is judged on the largest per-block force norm
max_i |F_i| (docs/physics/landscape.md), never on energy changes.

For a nudged elastic band the "gradient" is minus the NEB force, which is not the gradient of the
returned energy; minimizers that use only forces (FIRE, FIRE 2.0) work on such objectives,
minimizers with an energy line search (L-BFGS, CG) must not be given them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError

Objective = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]


def max_block_norm(vector: NDArray[np.float64], block: int = 3) -> float:
    """Largest Euclidean norm of consecutive ``block``-sized pieces of ``vector`` (n,)."""
    v = np.asarray(vector, dtype=np.float64).reshape(-1, block)
    return float(np.sqrt(np.max(np.einsum("ij,ij->i", v, v)))) if v.size else 0.0


@dataclass
class MinimizeResult:
    """What every minimizer returns.

    Attributes:
        positions: the final flat coordinates x (n,) (for particles reshape to (N, 3)).
        energy: U at ``positions`` in epsilon.
        max_force: max per-block force norm at ``positions``, recomputed from the final gradient.
        iterations: number of minimizer iterations.
        evaluations: number of objective evaluations.
        converged: True only if ``max_force < fmax`` at the returned positions.
        stop_reason: "converged", "max_iterations", "stuck", "fallback:<method>", ...
        method: name of the method that produced the final positions (e.g. "lbfgs+fire2").
        fmax: the force tolerance that was asked for.
        history: optional diagnostics (method-specific).
    """

    positions: NDArray[np.float64]
    energy: float
    max_force: float
    iterations: int
    evaluations: int
    converged: bool
    stop_reason: str
    method: str
    fmax: float
    history: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Shared plumbing for the minimizers (fire.py, lbfgs.py, cg.py, sd_flow.py).

Callback = Callable[[int, NDArray[np.float64], float, NDArray[np.float64]], Any]
"""``callback(iteration, x (n,), energy, gradient (n,))``; a truthy return stops the minimizer.

The arrays are the minimizer's live buffers: copy them to keep them, never modify them.
"""


def prepare_start(
    x0: NDArray[np.float64],
    *,
    block: int,
    masses: NDArray[np.float64] | None,
    fmax: float,
    max_iterations: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Validate minimizer input; return an own float64 copy of x0 (n,) and 1/m (n,) or None.

    ``masses`` is per coordinate (n,) in units of m; None, or all masses equal to 1, gives None
    (the unit-mass fast path). Raises :class:`pelkit.errors.InputError` on bad input.
    """
    try:
        x = np.array(x0, dtype=np.float64, order="C").reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(f"x0 must be an array of numbers ({exc}).") from None
    check_int("block", block, minimum=1)
    if x.size == 0 or x.size % block:
        raise InputError(f"x0 has {x.size} numbers, not a positive multiple of block={block}.")
    if not np.all(np.isfinite(x)):
        raise InputError("x0 contains NaN or infinite values.")
    check_positive("fmax", fmax)
    check_int("max_iterations", max_iterations, minimum=0)
    if masses is None:
        return x, None
    m = np.asarray(masses, dtype=np.float64).reshape(-1)
    if m.shape != x.shape:
        hint = " (per-particle masses: use np.repeat(m, block))" if m.size * block == x.size else ""
        raise InputError(
            f"masses must have one value per coordinate ({x.size}), got {m.size}{hint}."
        )
    if not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise InputError("masses must be positive and finite.")
    if np.all(m == 1.0):
        return x, None
    return x, 1.0 / m


def check_positive(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (>= 0 with ``allow_zero``)."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = bool(np.isfinite(value)) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise InputError(f"{name} must be a {kind} finite number, got {value!r}.")
    return value


def check_int(name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_gradient(gradient: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``gradient`` as float64 (n,); InputError if the objective returned another shape."""
    g = np.asarray(gradient, dtype=np.float64)
    if g.shape != (n,):
        raise InputError(f"the objective returned a gradient of shape {g.shape}, expected ({n},).")
    return g


def force_below(gradient: NDArray[np.float64], gg: float, fmax: float, block: int) -> bool:
    """True iff max_i |g_i| < fmax (per-block norm), given gg = g.g (used to skip the block scan).

    Since max_i |g_i|^2 >= gg / n_blocks, the exact block scan runs only when
    gg < n_blocks fmax^2 (the last stretch of a minimization).
    """
    if gg >= (gradient.size // block) * fmax * fmax:
        return False
    return max_block_norm(gradient, block) < fmax


def cap_displacement(dx: NDArray[np.float64], max_step: float, block: int) -> float:
    """Scale ``dx`` (n,) in place so that no block moves more than ``max_step``; return the factor.

    The whole vector is scaled (its direction is kept), the factor is 1 when no block exceeds
    ``max_step`` (docs/physics/landscape.md: per-particle step cap 0.1 sigma).
    """
    d2 = float(dx @ dx)
    if d2 <= max_step * max_step:
        return 1.0
    big = max_block_norm(dx, block)
    if big <= max_step:
        return 1.0
    factor = max_step / big
    dx *= factor
    return factor


def finish(
    x: NDArray[np.float64],
    energy: float,
    gradient: NDArray[np.float64],
    *,
    iterations: int,
    evaluations: int,
    stop_reason: str,
    method: str,
    fmax: float,
    block: int,
    history: dict[str, Any] | None = None,
) -> MinimizeResult:
    """Build a :class:`MinimizeResult`, recomputing max_force and ``converged`` from ``gradient``.

    ``gradient`` must be dU/dx at ``x``; ``converged`` is ``max_force < fmax`` and nothing else.
    """
    max_force = max_block_norm(gradient, block)
    converged = bool(np.isfinite(energy) and max_force < fmax)
    if stop_reason == "converged" and not converged:
        stop_reason = "not converged"
    return MinimizeResult(
        positions=x,
        energy=float(energy),
        max_force=max_force,
        iterations=int(iterations),
        evaluations=int(evaluations),
        converged=converged,
        stop_reason=stop_reason,
        method=method,
        fmax=float(fmax),
        history=dict(history or {}),
    )


def stop_check(
    iteration: int,
    x: NDArray[np.float64],
    energy: float,
    gradient: NDArray[np.float64],
    fmax: float,
    block: int,
    callback: Callback | None,
    max_iterations: int,
) -> tuple[str | None, float]:
    """The stop test every minimizer runs at the top of an iteration.

    Returns (reason or None, |g|^2): "non-finite energy or gradient", "converged" (max per-block
    force below ``fmax``), "callback" (the callback returned a truthy value) or "max_iterations".
    """
    gg = float(gradient @ gradient)
    if not (math.isfinite(gg) and math.isfinite(energy)):
        return "non-finite energy or gradient", gg
    if force_below(gradient, gg, fmax, block):
        return "converged", gg
    if callback is not None and callback(iteration, x, energy, gradient):
        return "callback", gg
    if iteration >= max_iterations:
        return "max_iterations", gg
    return None, gg
