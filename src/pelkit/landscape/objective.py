"""The objective protocol shared by every minimizer (and by the nudged elastic band).

An objective maps a flat coordinate vector x (n,) to ``(energy, gradient)``:

    energy: float            U(x) in epsilon
    gradient: ndarray (n,)   dU/dx in epsilon/sigma  (the force is -gradient)

Coordinates come in blocks of ``block`` numbers per particle (3 for particles in 3-D, 2 for a
2-D test surface, ...); convergence is judged on the largest per-block force norm
max_i |F_i| (SCIENCE.md section 2.3), never on energy changes.

For a nudged elastic band the "gradient" is minus the NEB force, which is not the gradient of the
returned energy; minimizers that use only forces (FIRE, FIRE 2.0) work on such objectives,
minimizers with an energy line search (L-BFGS, CG) must not be given them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

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
