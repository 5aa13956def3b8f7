"""Quench many configurations at once: inherent structures of M replicas (or M frames) in one call.

    result = quench_batch(model, systems, method="lbfgs", fmax=1e-6, threads=8)
    result.energies / n, result.converged, result.max_force     # (M,) each
    minima = result.systems()

CPU: every configuration runs a minimizer compiled end to end
(:mod:`pelkit.landscape.compiled`: L-BFGS or FIRE 2.0, the same steps and stopping test as the
single-system :func:`pelkit.landscape.quench.quench`), the configurations spread over Numba
threads (``prange``), no Python per iteration. GPU (``device="gpu"``, FIRE 2.0 only): the
batched device FIRE 2.0 of :mod:`pelkit.engine.cuda` with per-replica state and a convergence
mask.

Stragglers: a configuration that the batched minimizer leaves unconverged (an L-BFGS line
search that stalled, FIRE 2.0 stuck uphill, or the GPU's iteration budget spent) is finished by
the single-system L-BFGS (with its FIRE 2.0 fallback) from where the batch left it (a CPU
replica that used up ``max_iterations`` is reported as it is). Each
result says which method produced it and carries an honest ``converged`` (max_i |F_i| < fmax
at the returned positions) and ``max_force``, recomputed on the host from the final forces.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from pelkit.engine.batched import BatchedCalculator, ReplicaBatch, numba_threads
from pelkit.engine.pair import force_plan, species_tables, vector_form
from pelkit.errors import InputError
from pelkit.landscape.compiled import STOP_REASONS, fire2_replica, lbfgs_replica
from pelkit.landscape.fire import DT_MD
from pelkit.models.base import PairPotential
from pelkit.system import System, as_system

FloatArray = NDArray[np.float64]
BATCH_METHODS = ("lbfgs", "fire2")


@njit(cache=True, nogil=True, parallel=True)
def batched_minimize(
    method, pos, boxes, masses, unit_masses, skin, r_list, width, mixing, species, diameters,
    eps_t, sig_t, nonadd, terms, x_cut, fmax, max_iterations, dt0, max_step, stats,
):
    """Minimize every replica of pos (M, N, 3) in place (method 0 L-BFGS, 1 FIRE 2.0).

    boxes (M, 3); r_list (M,); species, diameters (M, N); stats (M, 4) receives [iterations,
    evaluations, stop code, energy] per replica (:mod:`pelkit.landscape.compiled`).
    """
    form, coef = force_plan(terms)
    form = vector_form(form, mixing, eps_t.shape[0])
    tab = species_tables(eps_t, sig_t, x_cut)
    for r in prange(pos.shape[0]):
        if method == 0:
            lbfgs_replica(pos[r], boxes[r], masses, unit_masses, skin, r_list[r], width, mixing,
                          species[r], diameters[r], eps_t, sig_t, nonadd, terms, x_cut, form,
                          tab, coef, fmax, max_iterations, max_step, stats[r])
        else:
            fire2_replica(pos[r], boxes[r], masses, unit_masses, skin, r_list[r], width, mixing,
                          species[r], diameters[r], eps_t, sig_t, nonadd, terms, x_cut, form,
                          tab, coef, fmax, max_iterations, dt0, max_step, stats[r])


@dataclass
class BatchQuenchResult:
    """Inherent structures of a batch (replica-major).

    Attributes:
        positions: (M, N, 3) minima, sigma (not wrapped; :meth:`systems` wraps them).
        energies: (M,) U at the minima, eps.
        max_force: (M,) max_i |F_i| at the minima, eps/sigma (recomputed from the forces).
        converged: (M,) max_force < fmax.
        iterations, evaluations: (M,) totals (batched and straggler stages together).
        stop_reason: per replica ("converged", "max_iterations", "stuck", "stalled", ...).
        method: per replica, e.g. "lbfgs" or "lbfgs+single-lbfgs" (a straggler finished by the
            single-system L-BFGS).
        fmax: tolerance asked for (eps/sigma); device: "cpu" or "gpu: <name>"; threads;
        wall_time: seconds.
    """

    positions: FloatArray
    energies: FloatArray
    max_force: FloatArray
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int64]
    evaluations: NDArray[np.int64]
    stop_reason: list[str]
    method: list[str]
    fmax: float
    device: str
    threads: int
    wall_time: float
    batch: ReplicaBatch
    templates: list[System] | None = None

    @property
    def n_replicas(self) -> int:
        """M."""
        return int(self.energies.shape[0])

    @property
    def energies_per_particle(self) -> FloatArray:
        """(M,) e_IS = U / N, eps."""
        return self.energies / self.batch.n_particles

    def systems(self) -> list[System]:
        """The minima as Systems (wrapped, image counts kept consistent, no velocities)."""
        out = []
        for r in range(self.n_replicas):
            start = (
                self.templates[r] if self.templates is not None else self.batch.system(r)
            )
            minimum = start.with_positions(self.positions[r])
            minimum.velocities = None
            minimum.info = dict(start.info, quench_method=self.method[r], quench_fmax=self.fmax,
                                energy=float(self.energies[r]))
            out.append(minimum)
        return out

    def summary(self) -> dict:
        """JSON summary (what ``pelkit quench`` prints for a multi-frame input)."""
        n = self.batch.n_particles
        return {
            "frames": self.n_replicas,
            "n_particles": n,
            "energy_per_particle": self.energies_per_particle.tolist(),
            "max_force": self.max_force.tolist(),
            "converged": self.converged.tolist(),
            "n_converged": int(self.converged.sum()),
            "iterations": self.iterations.tolist(),
            "stop_reason": self.stop_reason,
            "method": self.method,
            "fmax": self.fmax,
            "device": self.device,
            "threads": self.threads,
            "wall_time_s": self.wall_time,
            "quenches_per_second": self.n_replicas / self.wall_time if self.wall_time else None,
        }


def quench_batch(
    model: PairPotential,
    systems: Sequence[System] | ReplicaBatch,
    method: str = "lbfgs",
    fmax: float = 1e-10,
    max_iterations: int = 200_000,
    threads: int | None = None,
    device: str = "cpu",
    max_step: float = 0.1,
    dt: float = DT_MD,
    skin: float = 0.3,
    finish_stragglers: bool = True,
) -> BatchQuenchResult:
    """Quench every configuration of ``systems`` (M systems of one size) to a minimum.

    Args:
        model: the pair potential.
        systems: M configurations (not modified) or a :class:`ReplicaBatch`.
        method: "lbfgs" (CPU, default) or "fire2" (CPU or GPU).
        fmax: tolerance on max_i |F_i|, eps/sigma.
        max_iterations: iteration limit per configuration (batched stage; stragglers get the
            rest).
        threads: CPU threads (default all); device: "cpu", "gpu" or "auto".
        max_step: block step cap (sigma); dt: FIRE 2.0 initial time step (tau); skin: list skin.
        finish_stragglers: finish unconverged configurations with the single-system L-BFGS.
    """
    from pelkit.dynamics.batched_md import resolve_device

    if method not in BATCH_METHODS:
        raise InputError(
            f"batched quench method must be one of {', '.join(BATCH_METHODS)}, got {method!r}"
        )
    if not (np.isfinite(fmax) and fmax > 0):
        raise InputError(f"fmax must be positive, got {fmax}")
    if int(max_iterations) < 1:
        raise InputError(f"max_iterations must be a positive integer, got {max_iterations}")
    if not isinstance(systems, ReplicaBatch):  # ase.Atoms are accepted too
        systems = [as_system(s) for s in systems]
    templates = None if isinstance(systems, ReplicaBatch) else list(systems)
    batch = systems if isinstance(systems, ReplicaBatch) else ReplicaBatch.from_systems(
        model, systems
    )
    dev = resolve_device(device)
    if dev == "gpu" and method != "fire2":
        if device == "gpu":
            raise InputError("the GPU quench runs FIRE 2.0: use --method fire2 with --device gpu")
        dev = "cpu"
    t0 = _time.perf_counter()
    calc = BatchedCalculator(model, batch, skin=skin, threads=threads)  # validates the batch
    m = batch.n_replicas
    pos = batch.positions.copy()
    unit = bool(np.all(batch.masses == 1.0))
    if dev == "gpu":
        from pelkit.engine.cuda import device_name
        from pelkit.engine.cuda.quench import fire2_quench

        res = fire2_quench(model, pos, batch.boxes, batch.species, batch.diameters,
                           fmax=fmax, max_iterations=int(max_iterations), masses=batch.masses,
                           dt=dt, max_step=max_step)
        pos = np.ascontiguousarray(res.positions)
        iterations = np.asarray(res.iterations, dtype=np.int64)
        evaluations = np.asarray(res.evaluations, dtype=np.int64)
        stop = list(res.stop_reason)
        dev_name = f"gpu: {device_name()}"
    else:
        vl = calc.lists
        p = vl.params
        stats = np.zeros((m, 4))
        width = int(vl.neighbors.shape[2])
        with numba_threads(calc.threads):
            batched_minimize(
                0 if method == "lbfgs" else 1, pos, batch.boxes, batch.masses, unit, vl.skin,
                vl.r_list, width, p.mixing, batch.species, batch.diameters, p.eps_table,
                p.sigma_table, p.nonadditivity, p.terms, p.x_cut, float(fmax),
                int(max_iterations), float(dt), float(max_step), stats,
            )
        iterations = stats[:, 0].astype(np.int64)
        evaluations = stats[:, 1].astype(np.int64)
        stop = [STOP_REASONS[int(c)] for c in stats[:, 2]]
        dev_name = "cpu"
    methods = [method] * m
    # honest report: energies and forces recomputed at the returned positions
    ev = calc.evaluate(np.where(np.isfinite(pos), pos, batch.positions))
    energies = ev.energies.copy()
    fnorm = np.sqrt(np.einsum("mna,mna->mn", ev.forces, ev.forces)).max(axis=1)
    finite = np.isfinite(pos).all(axis=(1, 2))
    energies[~finite] = np.nan
    fnorm[~finite] = np.nan
    converged = finite & (fnorm < fmax)
    if finish_stragglers:
        _finish_stragglers(model, batch, templates, pos, energies, fnorm, converged, iterations,
                           evaluations, stop, methods, fmax, int(max_iterations), max_step,
                           dev == "gpu")
    return BatchQuenchResult(
        positions=pos, energies=energies, max_force=fnorm, converged=converged,
        iterations=iterations, evaluations=evaluations, stop_reason=stop, method=methods,
        fmax=float(fmax), device=dev_name, threads=calc.threads,
        wall_time=_time.perf_counter() - t0, batch=batch, templates=templates,
    )


def _finish_stragglers(
    model, batch, templates, pos, energies, fnorm, converged, iterations, evaluations, stop,
    methods, fmax, max_iterations, max_step, gpu,
) -> None:  # noqa: ANN001 - arrays of quench_batch, updated in place
    """Finish stragglers with the single-system L-BFGS (with its FIRE 2.0 fallback): finite
    replicas that stalled or got stuck on the CPU, or that the GPU left unconverged."""
    from pelkit.landscape.quench import quench

    for r in np.flatnonzero(~converged):
        if not np.isfinite(pos[r]).all() or (gpu is False and stop[r] == "max_iterations"):
            continue  # blown up, or its iteration budget is spent
        # a CPU replica has the rest of its budget; one the GPU left unconverged a fresh one
        left = max_iterations if gpu else max(max_iterations - int(iterations[r]), 1)
        start = (templates[r] if templates is not None else batch.system(r)).with_positions(
            pos[r]
        )
        q = quench(model, start, method="lbfgs", fmax=fmax, max_iterations=left,
                   max_step=max_step, compiled=False)
        mres = q.minimize
        pos[r] = mres.positions.reshape(-1, 3)
        energies[r] = mres.energy
        fnorm[r] = mres.max_force
        converged[r] = mres.converged
        iterations[r] += mres.iterations
        evaluations[r] += mres.evaluations
        stop[r] = mres.stop_reason
        methods[r] = f"{methods[r]}+single-{mres.method}"



@dataclass
class ManyQuenches:
    """Minima of a list of configurations: systems, energies (M,) eps, converged (M,),
    max_force (M,) eps/sigma, method (how each was produced)."""

    systems: list[System]
    energies: FloatArray
    converged: NDArray[np.bool_]
    max_force: FloatArray
    method: list[str]


def quench_many(
    model: PairPotential,
    systems: Sequence[System],
    method: str = "lbfgs",
    fmax: float = 1e-10,
    device: str = "cpu",
    threads: int | None = None,
) -> ManyQuenches:
    """Quench ``systems``: one batched call for "lbfgs" and "fire2" (:func:`quench_batch`;
    systems of several sizes are batched per size), the single-system :func:`quench` for the
    other methods."""
    from pelkit.landscape.quench import quench

    systems = list(systems)
    m = len(systems)
    minima: list[System | None] = [None] * m
    energies = np.full(m, np.nan)
    converged = np.zeros(m, dtype=np.bool_)
    fnorm = np.full(m, np.nan)
    methods = [method] * m
    if method in BATCH_METHODS:
        sizes = sorted({s.n_particles for s in systems})
        for n in sizes:
            idx = [k for k, s in enumerate(systems) if s.n_particles == n]
            res = quench_batch(model, [systems[k] for k in idx], method=method, fmax=fmax,
                               device=device, threads=threads)
            for j, (k, q) in enumerate(zip(idx, res.systems(), strict=True)):
                minima[k] = q
                energies[k] = res.energies[j]
                converged[k] = res.converged[j]
                fnorm[k] = res.max_force[j]
                methods[k] = res.method[j]
    else:
        for k, s in enumerate(systems):
            q = quench(model, s, method=method, fmax=fmax)
            minima[k] = q.system
            energies[k] = q.energy
            converged[k] = q.minimize.converged
            fnorm[k] = q.minimize.max_force
            methods[k] = q.minimize.method
    return ManyQuenches([s for s in minima if s is not None], energies, converged, fnorm,
                        methods)
