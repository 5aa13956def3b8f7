"""Basin-hopping: Monte Carlo on the quenched energy (Li & Scheraga, PNAS 84, 6611 (1987);
Wales & Doye, J. Phys. Chem. A 101, 5111 (1997)).

The transformed landscape U~(x) = U(quench(x)) is sampled by Metropolis Monte Carlo at a
temperature T (k_B = 1, energies in eps): from the current minimum x_m, every coordinate is
displaced by a uniform random amount in [-step, step] sigma, the trial is quenched (L-BFGS,
FIRE 2.0 fallback) to max force ``fmax``, and the new minimum is accepted with probability
min(1, exp(-(U_new - U_old) / T)). A trial whose quench does not converge is rejected and
counted. For clusters with open boundaries, a trial minimum with a particle farther than
``container_radius`` from the centre of mass (an evaporated particle) is rejected, as in the
spherical container of Wales & Doye. With ``adapt_every`` > 0 the step is scaled every so many
steps towards the acceptance ratio ``target_acceptance`` (x1.1 or /1.1).

Every quenched minimum (accepted or not) can be offered to a
:class:`pelkit.landscape.database.LandscapeDatabase`, which deduplicates it. The random stream is
``numpy.random.default_rng(seed)``; the seed is in the result, so a run is reproducible.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.deprecation import options_with_legacy
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.minimize import METHODS, minimize
from pelkit.models.base import PairPotential
from pelkit.system import Box, System

FloatArray = NDArray[np.float64]


@dataclass
class BasinHoppingResult:
    """Outcome of :func:`basin_hopping`.

    Attributes:
        lowest_energy: lowest quenched energy found (eps).
        lowest: the lowest minimum as a System.
        lowest_step: step at which it was first found (0 = the quenched start).
        current_energy: energy of the walker's minimum at the end.
        energies: (steps + 1,) quenched energy of every trial (index 0: the start).
        accepted: (steps + 1,) whether each trial was accepted (index 0 True).
        n_accepted, n_rejected_quench, n_rejected_container: counters.
        final_step_size: the displacement amplitude at the end (sigma).
        quench_evaluations: force evaluations spent in quenches.
        seconds: wall time of the run.
        db_minima: ids of the database minima of the trials (or empty without a database).
        steps, temperature, seed, fmax: the settings.
    """

    lowest_energy: float
    lowest: System
    lowest_step: int
    current_energy: float
    energies: FloatArray
    accepted: NDArray[np.bool_]
    n_accepted: int
    n_rejected_quench: int
    n_rejected_container: int
    final_step_size: float
    quench_evaluations: int
    seconds: float
    steps: int
    temperature: float
    seed: int
    fmax: float
    db_minima: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars (``lowest_energy`` first)."""
        return {
            "lowest_energy": self.lowest_energy,
            "lowest_step": self.lowest_step,
            "current_energy": self.current_energy,
            "steps": self.steps,
            "temperature": self.temperature,
            "seed": self.seed,
            "fmax": self.fmax,
            "n_accepted": self.n_accepted,
            "acceptance": self.n_accepted / max(self.steps, 1),
            "n_rejected_quench": self.n_rejected_quench,
            "n_rejected_container": self.n_rejected_container,
            "final_step_size": self.final_step_size,
            "quench_evaluations": self.quench_evaluations,
            "seconds": self.seconds,
            "steps_per_second": self.steps / self.seconds if self.seconds > 0 else None,
            "n_database_minima": len(set(self.db_minima)),
        }


def random_cluster(
    n: int, seed: int = 0, density: float = 0.6, min_distance: float = 0.8
) -> System:
    """N particles placed at random in a sphere of number density ``density`` (sigma^-3), no two
    closer than ``min_distance`` sigma; open boundaries, species all "A"."""
    if n < 1:
        raise InputError(f"a cluster needs at least one particle, got {n}")
    rng = np.random.default_rng(seed)
    radius = (3.0 * n / (4.0 * math.pi * density)) ** (1.0 / 3.0)
    pos = np.zeros((0, 3))
    tries = 0
    while pos.shape[0] < n:
        tries += 1
        if tries > 10000 * n:
            raise InputError("could not place the cluster's particles; lower the density")
        p = rng.uniform(-radius, radius, 3)
        if p @ p > radius * radius:
            continue
        if pos.shape[0] and np.min(np.linalg.norm(pos - p, axis=1)) < min_distance:
            continue
        pos = np.vstack([pos, p])
    return System(positions=pos, box=Box.open(pos), species=np.zeros(n, dtype=np.int64),
                  species_names=("A",))


def default_container_radius(n: int) -> float:
    """A generous container for an N-particle cluster: 1.5 + 0.75 N^(1/3) sigma (about twice
    the radius of a compact LJ cluster)."""
    return 1.5 + 0.75 * n ** (1.0 / 3.0)


@dataclass(frozen=True)
class BasinHoppingOptions:
    """Moves, step adaptation and quench of :func:`basin_hopping`, validated on construction.

    Attributes:
        step_size: uniform displacement amplitude per coordinate, sigma (> 0).
        adapt_every: adapt the step size every so many steps (x 1.1 or / 1.1 towards
            ``target_acceptance``); 0 = fixed step.
        target_acceptance: acceptance ratio the adaptation aims at, in (0, 1).
        container_radius: open boundaries only: reject minima with a particle farther than this
            from the centre of mass (sigma); None = :func:`default_container_radius`.
        fmax: quench tolerance on the largest per-particle force, eps/sigma.
        method: minimizer of the quenches (one of ``pelkit.landscape.minimize.METHODS``).
        max_iterations: iteration limit of one quench.
    """

    step_size: float = 0.4
    adapt_every: int = 0
    target_acceptance: float = 0.5
    container_radius: float | None = None
    fmax: float = 1e-6
    method: str = "lbfgs"
    max_iterations: int = 20_000

    def __post_init__(self) -> None:
        if not (math.isfinite(self.step_size) and self.step_size > 0):
            raise InputError(f"step size must be positive, got {self.step_size}")
        if int(self.adapt_every) != self.adapt_every or self.adapt_every < 0:
            raise InputError(f"adapt_every must be a non-negative integer, got {self.adapt_every}")
        if not 0.0 < self.target_acceptance < 1.0:
            raise InputError(f"target acceptance must lie in (0, 1), got {self.target_acceptance}")
        radius = self.container_radius
        if radius is not None and not (math.isfinite(radius) and radius > 0):
            raise InputError(f"container radius must be positive, got {radius}")
        if not (math.isfinite(self.fmax) and self.fmax > 0):
            raise InputError(f"fmax must be positive, got {self.fmax}")
        if self.method not in METHODS:
            raise InputError(
                f"unknown minimizer {self.method!r}; choose one of {', '.join(METHODS)}."
            )
        if int(self.max_iterations) != self.max_iterations or self.max_iterations < 1:
            raise InputError(f"max_iterations must be at least 1, got {self.max_iterations}")


def basin_hopping(
    model: PairPotential,
    system: System,
    *,
    steps: int = 100,
    temperature: float = 0.8,
    seed: int = 0,
    options: BasinHoppingOptions | None = None,
    database: Any = None,
    target_energy: float | None = None,
    energy_tol: float = 1e-6,
    **legacy: Any,
) -> BasinHoppingResult:
    """Basin-hopping from ``system`` (module doc).

    Args:
        model, system: the potential and the start (quenched first).
        steps: Monte Carlo steps (trial quenches after the first).
        temperature: Metropolis temperature T on quenched energies (eps, k_B = 1).
        seed: random seed (displacements and acceptance).
        options: step size and its adaptation, container, quench settings
            (:class:`BasinHoppingOptions`; default ``BasinHoppingOptions()``).
        database: a :class:`pelkit.landscape.database.LandscapeDatabase` receiving every
            converged trial minimum, or None.
        target_energy: stop as soon as a minimum within ``energy_tol`` (eps) of this energy
            is found.
        legacy: the fields of :class:`BasinHoppingOptions` given as keywords (deprecated;
            they override ``options`` and warn).
    """
    opts = options_with_legacy(BasinHoppingOptions, options, legacy,
                               "pelkit.landscape.basin_hopping.basin_hopping")
    step_size, fmax, method, max_iterations = (opts.step_size, opts.fmax, opts.method,
                                               opts.max_iterations)
    container_radius, adapt_every, target_acceptance = (opts.container_radius,
                                                        opts.adapt_every, opts.target_acceptance)
    if steps < 0:
        raise InputError(f"steps must be >= 0, got {steps}")
    if not (math.isfinite(temperature) and temperature > 0):
        raise InputError(f"temperature must be positive, got {temperature}")
    open_box = not system.box.periodic
    if open_box and container_radius is None:
        container_radius = default_container_radius(system.n_particles)
    rng = np.random.default_rng(seed)
    calc = Calculator(model, system, check_overlap=False)
    t0 = time.perf_counter()
    evaluations = 0

    def quench(x: FloatArray) -> tuple[FloatArray, float, bool]:
        nonlocal evaluations
        res = minimize(calc.objective, x, method=method, fmax=fmax, block=3,
                       max_iterations=max_iterations)
        evaluations += res.evaluations
        return res.positions, res.energy, res.converged

    def escaped(x: FloatArray) -> bool:
        if not open_box:
            return False
        p = x.reshape(-1, 3)
        r = p - p.mean(axis=0)
        return bool(np.max(np.einsum("ij,ij->i", r, r)) > container_radius**2)

    def offer(x: FloatArray, e: float) -> None:
        if database is not None:
            db_ids.append(database.add_minimum(system.with_positions(x.reshape(-1, 3)), e))

    db_ids: list[int] = []
    x_cur, e_cur, ok = quench(system.positions.reshape(-1).copy())
    if not ok:
        raise InputError("the starting configuration did not quench to the force tolerance")
    offer(x_cur, e_cur)
    best_x, best_e, best_step = x_cur.copy(), e_cur, 0
    energies = [e_cur]
    accepted = [True]
    n_acc = n_bad = n_out = 0
    window_acc = 0
    step = float(step_size)
    done = 0
    for k in range(1, steps + 1):
        done = k
        trial = x_cur + rng.uniform(-step, step, x_cur.shape)
        x_new, e_new, ok = quench(trial)
        u = rng.random()
        take = False
        if not ok or not math.isfinite(e_new):
            n_bad += 1
        elif escaped(x_new):
            n_out += 1
        else:
            offer(x_new, e_new)
            take = e_new <= e_cur or u < math.exp(-(e_new - e_cur) / temperature)
            if e_new < best_e:
                best_x, best_e, best_step = x_new.copy(), e_new, k
        energies.append(e_new)
        accepted.append(take)
        if take:
            x_cur, e_cur = x_new, e_new
            n_acc += 1
            window_acc += 1
        if adapt_every and k % adapt_every == 0:
            step *= 1.1 if window_acc / adapt_every > target_acceptance else 1.0 / 1.1
            window_acc = 0
        if target_energy is not None and abs(best_e - target_energy) <= energy_tol:
            break
    lowest = system.with_positions(best_x.reshape(-1, 3))
    lowest.info = dict(system.info, energy=best_e, basin_hopping_seed=seed)
    return BasinHoppingResult(
        lowest_energy=float(best_e), lowest=lowest, lowest_step=best_step,
        current_energy=float(e_cur), energies=np.asarray(energies),
        accepted=np.asarray(accepted), n_accepted=n_acc, n_rejected_quench=n_bad,
        n_rejected_container=n_out, final_step_size=step,
        quench_evaluations=evaluations, seconds=time.perf_counter() - t0, steps=done,
        temperature=float(temperature), seed=int(seed), fmax=float(fmax), db_minima=db_ids,
    )
