"""Quench a configuration of a model to its inherent structure (a local minimum of U).

    result = quench(model, system, fmax=1e-10)          # L-BFGS compiled end to end
    result = quench(model, system, method="fire2", fmax=1e-10)
    result.system          # the minimum (positions wrapped, images kept consistent)
    result.energy_per_particle, result.minimize.converged, result.minimize.max_force

Convergence is the largest per-particle force norm below ``fmax`` (docs/physics/landscape.md),
re-checked on the returned configuration by the minimizer. Masses enter where the method uses
them (FIRE dynamics, the steepest-descent flow of Stillinger (1984), eq 2.1).

The default, method "lbfgs" with ``compiled=True``, runs the L-BFGS of
:mod:`pelkit.landscape.compiled` (two-loop recursion, line search and neighbour-list updates all
in one Numba call, no BLAS and no Python per iteration; the same steps as
:func:`pelkit.landscape.lbfgs.lbfgs`). If its line search stalls, the Python L-BFGS continues from
there with its FIRE 2.0 fallback (method "lbfgs+single-lbfgs..."). ``compiled=False``, a
``callback`` or a FIRE ``dt`` select the Python L-BFGS.

``preconditioner="exp"`` (method "lbfgs" only) runs the L-BFGS of
:mod:`pelkit.landscape.precon_lbfgs` with the exponential preconditioner of Packwood et al.,
J. Chem. Phys. 144, 164109 (2016) (:mod:`pelkit.landscape.precon`) as its initial inverse
Hessian. It takes fewer iterations but each costs a sparse solve; it is off by default because it
was measured slower at N = 10^3 - 10^4 on KA glasses (benchmarks/results_quench_issue14.md).

Cache order (large systems): with ``reorder`` (default from :data:`REORDER_MIN` particles, periodic
boxes, no ``calculator`` given) the particles are renumbered once by neighbour-list cell before the
minimisation (so that neighbours sit close in memory; at N = 10^5 a force evaluation of a built or
diffused configuration costs about twice as much in its random order) and the minimum is returned
in the caller's numbering. The minimizer is the same; only the summation order differs. A
``callback`` sees positions and gradients in the caller's numbering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pelkit.engine.calculator import Calculator
from pelkit.landscape.minimize import METHODS, minimize
from pelkit.landscape.objective import MinimizeResult
from pelkit.models.base import PairPotential
from pelkit.system import System, as_system

__all__ = ["METHODS", "REORDER_MIN", "QuenchResult", "quench"]

REORDER_MIN = 30_000
"""Smallest N for which ``quench(reorder=None)`` renumbers the particles by cell (as
:data:`pelkit.dynamics.md.REORDER_MIN`)."""


@dataclass
class QuenchResult:
    """A quenched configuration: the minimizer's report and the minimum as a System."""

    minimize: MinimizeResult
    system: System

    @property
    def energy(self) -> float:
        """U at the minimum (eps)."""
        return self.minimize.energy

    @property
    def energy_per_particle(self) -> float:
        """e_IS = U / N (eps)."""
        return self.minimize.energy / self.system.n_particles

    def summary(self) -> dict:
        """JSON summary (what ``pelkit quench --json`` prints)."""
        m = self.minimize
        return {
            "n_particles": self.system.n_particles,
            "energy": m.energy,
            "energy_per_particle": self.energy_per_particle,
            "max_force": m.max_force,
            "fmax": m.fmax,
            "iterations": m.iterations,
            "evaluations": m.evaluations,
            "converged": m.converged,
            "stop_reason": m.stop_reason,
            "method": m.method,
        }


def quench(
    model: PairPotential,
    system: System,
    method: str = "lbfgs",
    fmax: float = 1e-10,
    calculator: Calculator | None = None,
    max_iterations: int = 200_000,
    compiled: bool = True,
    preconditioner: str | None = None,
    reorder: bool | None = None,
    **kwargs,
) -> QuenchResult:
    """Minimize the energy of ``system`` under ``model``.

    Args:
        model: the pair potential.
        system: starting configuration (not modified).
        method: one of :data:`METHODS` ("lbfgs" default, "fire2", "fire", "cg", "sd").
        fmax: tolerance on max_i |F_i| in eps/sigma.
        calculator: reuse an existing :class:`Calculator` for this system (saves set-up).
        max_iterations: iteration limit.
        compiled: for "lbfgs", run the compiled L-BFGS (module docstring).
        preconditioner: None, or "exp" for the preconditioned L-BFGS (module docstring).
        reorder: renumber the particles by cell internally (module docstring); None: from
            :data:`REORDER_MIN` particles on (periodic box, no ``calculator``).
        **kwargs: passed to :func:`pelkit.landscape.minimize.minimize` (max_step, dt, ...).
    """
    system = as_system(system)
    if reorder is None:
        reorder = system.n_particles >= REORDER_MIN
    if reorder and system.box.periodic and calculator is None:
        return _reordered(model, system, method, fmax, max_iterations, compiled, preconditioner,
                          kwargs)
    if preconditioner is not None:
        return _precon_lbfgs(model, system, method, preconditioner, fmax, calculator,
                             max_iterations, kwargs)
    if method == "lbfgs" and compiled and set(kwargs) <= {"max_step"}:
        return _compiled_lbfgs(model, system, fmax, max_iterations, kwargs.get("max_step", 0.1))
    calc = calculator if calculator is not None else Calculator(model, system)
    assert system.masses is not None
    masses = np.repeat(system.masses, 3)
    unit_masses = bool(np.all(system.masses == 1.0))
    x0 = system.positions.reshape(-1).copy()
    result = minimize(
        calc.objective,
        x0,
        method=method,
        fmax=fmax,
        block=3,
        masses=None if unit_masses else masses,
        max_iterations=max_iterations,
        **kwargs,
    )
    minimum = system.with_positions(result.positions.reshape(-1, 3))
    minimum.velocities = None
    minimum.info = dict(
        system.info, quench_method=result.method, quench_fmax=fmax, energy=result.energy
    )
    return QuenchResult(minimize=result, system=minimum)


def _compiled_lbfgs(
    model: PairPotential, system: System, fmax: float, max_iterations: int, max_step: float
) -> QuenchResult:
    """One system through the compiled L-BFGS of the batched quench (one replica);
    energy, max force and ``converged`` are recomputed from the final forces there."""
    from pelkit.landscape.batched_quench import quench_batch

    # threads=None: one replica runs on one thread anyway, and Numba's thread count (a
    # per-thread setting) is left as the caller had it
    res = quench_batch(model, [system], method="lbfgs", fmax=fmax,
                       max_iterations=max_iterations, threads=None, max_step=max_step)
    positions = res.positions[0]
    result = MinimizeResult(
        positions=positions.reshape(-1).copy(),
        energy=float(res.energies[0]),
        max_force=float(res.max_force[0]),
        iterations=int(res.iterations[0]),
        evaluations=int(res.evaluations[0]),
        converged=bool(res.converged[0]),
        stop_reason=res.stop_reason[0],
        method=res.method[0],
        fmax=float(fmax),
        history={"compiled": True},
    )
    minimum = system.with_positions(positions)
    minimum.velocities = None
    minimum.info = dict(
        system.info, quench_method=result.method, quench_fmax=fmax, energy=result.energy
    )
    return QuenchResult(minimize=result, system=minimum)


def _precon_lbfgs(
    model: PairPotential,
    system: System,
    method: str,
    preconditioner: str,
    fmax: float,
    calculator: Calculator | None,
    max_iterations: int,
    kwargs: dict,
) -> QuenchResult:
    """``quench`` with ``preconditioner="exp"``: :func:`precon_lbfgs` on the Calculator."""
    from pelkit.errors import InputError
    from pelkit.landscape.precon import ExpPreconditioner
    from pelkit.landscape.precon_lbfgs import precon_lbfgs

    if preconditioner != "exp":
        raise InputError(f"unknown preconditioner {preconditioner!r}; choose 'exp' or None")
    if method != "lbfgs":
        raise InputError(f"a preconditioner needs method 'lbfgs', got {method!r}")
    allowed = {"max_step", "memory", "callback", "energy_noise", "max_line_search"}
    if not set(kwargs) <= allowed:
        raise InputError(f"options {sorted(set(kwargs) - allowed)} do not apply to the "
                         "preconditioned L-BFGS")
    calc = calculator if calculator is not None else Calculator(model, system)
    precon = ExpPreconditioner.for_calculator(calc, system.positions)
    result = precon_lbfgs(calc.objective, system.positions.reshape(-1).copy(), precon,
                          fmax=fmax, max_iterations=max_iterations, **kwargs)
    result.history["precon_mu"] = precon.mu
    result.history["precon_r_nn"] = precon.r_nn
    minimum = system.with_positions(result.positions.reshape(-1, 3))
    minimum.velocities = None
    minimum.info = dict(
        system.info, quench_method=result.method, quench_fmax=fmax, energy=result.energy
    )
    return QuenchResult(minimize=result, system=minimum)


def _reordered(
    model: PairPotential,
    system: System,
    method: str,
    fmax: float,
    max_iterations: int,
    compiled: bool,
    preconditioner: str | None,
    kwargs: dict,
) -> QuenchResult:
    """``quench`` on the particles renumbered by cell; the minimum in the caller's numbering."""
    from pelkit.engine.neighbors import cell_order

    side = model.max_cutoff(system.diameters) + 0.3  # the Verlet list range (skin 0.3)
    perm = cell_order(system.positions, system.box.lengths, side)
    inner = system.copy()
    inner.positions = np.ascontiguousarray(system.positions[perm])
    inner.velocities = None
    for name in ("species", "diameters", "masses", "images"):
        value = getattr(system, name)
        if value is not None:
            setattr(inner, name, np.ascontiguousarray(value[perm]))

    def user_order(a: np.ndarray) -> np.ndarray:
        """(3N,) or (N, 3) internal-order array -> (N, 3) in the caller's order."""
        out = np.empty((system.n_particles, 3))
        out[perm] = a.reshape(-1, 3)
        return out

    callback = kwargs.get("callback")
    if callback is not None:
        kwargs = dict(kwargs)

        def in_user_order(i: int, x: np.ndarray, energy: float, gradient: np.ndarray):
            return callback(i, user_order(x).reshape(-1), energy, user_order(gradient).reshape(-1))

        kwargs["callback"] = in_user_order
    res = quench(model, inner, method=method, fmax=fmax, max_iterations=max_iterations,
                 compiled=compiled, preconditioner=preconditioner, reorder=False, **kwargs)
    m = res.minimize
    positions = user_order(m.positions)
    m.positions = positions.reshape(-1).copy()
    m.history = dict(m.history, reordered=True)
    minimum = system.with_positions(positions)
    minimum.velocities = None
    minimum.info = dict(
        system.info, quench_method=m.method, quench_fmax=fmax, energy=m.energy
    )
    return QuenchResult(minimize=m, system=minimum)
