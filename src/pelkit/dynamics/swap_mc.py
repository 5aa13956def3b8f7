"""Swap Monte Carlo for polydisperse systems (Grigera & Parisi, Phys. Rev. E 63, 045102, 2001;
Ninarello, Berthier & Coslovich, Phys. Rev. X 7, 021039, 2017; docs/physics/tls-qlm.md).

    result, glass = run_swap_mc(swap_model(), system, temperature=0.1, sweeps=10_000, seed=1)
    result.acceptance, result.energy_per_particle, result.diagnose().equilibrated

Moves (a sweep = N attempted moves, each of a randomly chosen kind):
- with probability ``p_swap`` (default 0.2) a *swap*: two distinct particles i != j chosen
  uniformly exchange their diameters, positions unchanged. Delta U is the change of both
  particles' interactions with all their other neighbours; their mutual pair is unchanged since
  sigma_ij is symmetric in (sigma_i, sigma_j). Optionally only pairs with
  |sigma_i - sigma_j| < ``swap_bound`` are tried (others count as attempted and rejected);
- otherwise a *displacement* of one uniformly chosen particle by a vector uniform in the cube
  [-delta_max, delta_max]^3 (positions wrapped, image counts tracked).
Acceptance is Metropolis, min(1, exp(-Delta U / T)).

Detailed balance (exact). The target is pi(R, s) ~ exp(-U(R, s)/T) over positions R and
assignments s of the (conserved) multiset of diameters to particles. The move kind is chosen with
a state-independent probability, so it suffices that each kind is reversible. A displacement
proposes R -> R' with density (1/N)(2 delta)^-3 on the cube, the same for R' -> R (the cube is
symmetric and periodic wrapping is a bijection). A swap proposes the unordered pair {i, j} with
probability 2/(N(N-1)) and the reverse move is the same pair; the restriction
|sigma_i - sigma_j| < bound is symmetric because the swap leaves |sigma_i - sigma_j| unchanged, so
forward and reverse are either both allowed or both forbidden (a forbidden proposal leaves the
state in place, which is harmless). Symmetric proposals with Metropolis acceptance satisfy
pi(a) P(a -> b) = pi(b) P(b -> a). The step size is tuned only during an explicit tuning phase
(``tune_sweeps``) before production; adapting it during production would break this argument.

The energy change is computed locally by Numba kernels (:mod:`pelkit.engine.local`,
full neighbour list with skin and local reference updates). The running total energy is checked
against a full recomputation after every chunk of ``check_every`` sweeps and against
:class:`pelkit.engine.calculator.Calculator` at the end (``result.energy_check``).

Species models (Kob-Andersen) have no diameters: they may use displacement moves only
(``p_swap=0``).

Hybrid MD / swap MC (alternating phases): :mod:`pelkit.dynamics.hybrid`.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.deprecation import options_with_legacy
from pelkit.dynamics.swap_kernels import (
    N_STATS,
    STAT_DISP_ACC,
    STAT_DISP_ATT,
    STAT_SWAP_ACC,
    STAT_SWAP_ATT,
    STAT_SWAP_RESTRICTED,
    mc_sweeps,
)
from pelkit.engine.calculator import Calculator
from pelkit.engine.local import (
    LocalNeighborList,
    diameter_cut_table,
    energy_plan,
    local_params,
)
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System

FloatArray = NDArray[np.float64]

DEFAULT_P_SWAP = 0.2
DEFAULT_DELTA_MAX = 0.1
DEFAULT_SKIN = 0.5
DEFAULT_CHECK_EVERY = 100
DEFAULT_TARGET_ACCEPTANCE = 0.4
EXACT_CUT_TABLE_MAX_N = 4000
CUT_TABLE_CANDIDATES = 513
ENERGY_CHECK_TOLERANCE = 1e-8  # eps per particle; a larger running error is a bug


def _resolve_seed(seed: int | np.random.Generator | None) -> int:
    """An int seed: the given int, or one drawn from the given Generator (then recorded)."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if seed is None:
        return 0
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise InputError(f"seed must be an integer or a numpy Generator, got {seed!r}") from None
    if value < 0:
        raise InputError(f"seed must be non-negative, got {value}")
    return value


def _check_moves(p_swap: float, swap_bound: float | None, skin: float) -> None:
    """Raise InputError for a move setting that no system can accept."""
    if not (np.isfinite(p_swap) and 0.0 <= p_swap <= 1.0):
        raise InputError(f"p_swap must lie in [0, 1], got {p_swap}")
    if swap_bound is not None and not (np.isfinite(swap_bound) and swap_bound > 0):
        raise InputError(f"swap bound must be positive, got {swap_bound}")
    if not (np.isfinite(skin) and skin > 0):
        raise InputError(f"neighbour-list skin must be positive, got {skin}")


def _check_count(name: str, value: Any, text: str, minimum: int) -> None:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise InputError(f"{name} must be a {text} integer, got {value}")


@dataclass(frozen=True)
class SwapMCOptions:
    """Moves, tuning and bookkeeping of a swap Monte Carlo run (:func:`run_swap_mc`), validated
    on construction (a delta_max larger than half the box is caught by the chain itself).

    Attributes:
        p_swap: probability that an attempted move is a diameter swap, in [0, 1]; 0 for
            displacement-only Monte Carlo (species models).
        delta_max: half-side of the uniform displacement cube, sigma (> 0).
        swap_bound: swap only pairs with |sigma_i - sigma_j| < swap_bound (sigma); None: all.
        skin: minimal neighbour-list skin, sigma; the skin used is max(skin, sqrt(3) delta_max).
        tune_sweeps: sweeps of an explicit tuning phase before production that adapt
            delta_max towards ``target_acceptance`` every ``tune_block`` sweeps (0: none);
            delta_max is fixed during production.
        target_acceptance: displacement acceptance the tuning aims at, in (0, 1) (0.4, within
            the recommended 30-50 %).
        tune_block: sweeps between two adaptations of delta_max.
        snapshot_every: store unwrapped positions and diameters every this many sweeps (None:
            max(1, sweeps // 100)); snapshot 0 is the initial configuration.
        check_every: sweeps per compiled chunk; after each chunk the running energy is compared
            with a full recomputation (error recorded, running value reset to it).
    """

    p_swap: float = DEFAULT_P_SWAP
    delta_max: float = DEFAULT_DELTA_MAX
    swap_bound: float | None = None
    skin: float = DEFAULT_SKIN
    tune_sweeps: int = 0
    target_acceptance: float = DEFAULT_TARGET_ACCEPTANCE
    tune_block: int = 10
    snapshot_every: int | None = None
    check_every: int = DEFAULT_CHECK_EVERY

    def __post_init__(self) -> None:
        _check_moves(self.p_swap, self.swap_bound, self.skin)
        if not (np.isfinite(self.delta_max) and self.delta_max > 0):
            raise InputError(f"delta_max must be positive, got {self.delta_max}")
        if int(self.tune_sweeps) != self.tune_sweeps or self.tune_sweeps < 0:
            raise InputError(
                f"tuning sweeps must be a non-negative integer, got {self.tune_sweeps}"
            )
        if not 0.0 < self.target_acceptance < 1.0:
            raise InputError(
                f"target acceptance must lie in (0, 1), got {self.target_acceptance}"
            )
        _check_count("check_every", self.check_every, "positive", 1)
        _check_count("tune_block", self.tune_block, "positive", 1)
        if self.snapshot_every is not None:
            _check_count("snapshot_every", self.snapshot_every, "positive", 1)


@dataclass
class SwapMCResult:
    """Outcome of a swap Monte Carlo run (production sweeps only; tuning is in ``tuning``).

    Attributes:
        sweeps: production sweeps (N attempted moves each); n_particles: N.
        temperature: T (eps); seed: the seed that reproduces the run.
        p_swap, delta_max (sigma), swap_bound (None = unrestricted): move parameters.
        energy_per_particle: (sweeps,) U/N after each sweep (eps).
        initial_energy_per_particle, final_energy_per_particle: U/N before and after (eps).
        sweep_counts: (sweeps, 5) int64 per sweep: displacements attempted, accepted, swaps
            attempted, accepted, swaps rejected by the bound.
        snapshot_sweeps: (M,) sweep index of each snapshot (0 = initial configuration).
        snapshots: (M, N, 3) unwrapped positions (sigma) at those sweeps.
        snapshot_diameters: (M, N) diameters at those sweeps (None for species models).
        tuning: the tuning phase (sweeps, target, delta and acceptance per block).
        energy_check: largest |running - recomputed| total energy over the checks and the final
            difference to :class:`Calculator` (eps).
        wall_time, cpu_time: wall-clock and process CPU seconds of production.
        relists: local neighbour-list updates; skin: list skin (sigma); model: model name;
        density: N/V (sigma^-3).
    """

    sweeps: int
    n_particles: int
    temperature: float
    seed: int
    p_swap: float
    delta_max: float
    swap_bound: float | None
    energy_per_particle: FloatArray
    initial_energy_per_particle: float
    final_energy_per_particle: float
    sweep_counts: NDArray[np.int64]
    snapshot_sweeps: NDArray[np.int64]
    snapshots: FloatArray
    snapshot_diameters: FloatArray | None
    tuning: dict = field(default_factory=dict)
    energy_check: dict = field(default_factory=dict)
    wall_time: float = 0.0
    cpu_time: float = 0.0
    relists: int = 0
    skin: float = DEFAULT_SKIN
    model: str = ""
    density: float = 1.0

    # ---------------------------------------------------------------- statistics
    @property
    def counts(self) -> dict[str, int]:
        """Total attempted/accepted moves per kind over the production sweeps."""
        tot = self.sweep_counts.sum(axis=0) if self.sweep_counts.size else np.zeros(N_STATS)
        return {
            "displacement_attempted": int(tot[STAT_DISP_ATT]),
            "displacement_accepted": int(tot[STAT_DISP_ACC]),
            "swap_attempted": int(tot[STAT_SWAP_ATT]),
            "swap_accepted": int(tot[STAT_SWAP_ACC]),
            "swap_restricted": int(tot[STAT_SWAP_RESTRICTED]),
        }

    @property
    def acceptance(self) -> dict[str, float | None]:
        """Acceptance rates: displacement, swap (over all attempted swaps, restricted ones
        included) and the fraction of swap attempts rejected by the bound (None if no attempt)."""
        c = self.counts

        def ratio(a: int, b: int) -> float | None:
            return a / b if b else None

        return {
            "displacement": ratio(c["displacement_accepted"], c["displacement_attempted"]),
            "swap": ratio(c["swap_accepted"], c["swap_attempted"]),
            "swap_restricted_fraction": ratio(c["swap_restricted"], c["swap_attempted"]),
        }

    @property
    def attempted_moves_per_second(self) -> float | None:
        """Production speed: N * sweeps / wall time."""
        return self.n_particles * self.sweeps / self.wall_time if self.wall_time > 0 else None

    @property
    def attempted_moves_per_cpu_second(self) -> float | None:
        """N * sweeps / process CPU time (insensitive to other load on the machine)."""
        return self.n_particles * self.sweeps / self.cpu_time if self.cpu_time > 0 else None

    @property
    def mean_energy_per_particle(self) -> float:
        """Mean of U/N over the production sweeps (the initial value if there are none)."""
        if self.energy_per_particle.size == 0:
            return self.initial_energy_per_particle
        return float(self.energy_per_particle.mean())

    def swap_acceptance_series(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(accepted (sweeps,), attempted (sweeps,)) swaps per sweep."""
        return (
            self.sweep_counts[:, STAT_SWAP_ACC].copy(),
            self.sweep_counts[:, STAT_SWAP_ATT].copy(),
        )

    def diagnose(self, **kwargs):  # noqa: ANN201 - EquilibrationVerdict (import cycle)
        """Equilibrium verdict of this run (:func:`pelkit.dynamics.equilibration.diagnose_swap_mc`;
        keyword arguments go there)."""
        from pelkit.dynamics.equilibration import diagnose_swap_mc

        return diagnose_swap_mc(self, **kwargs)

    def summary(self) -> dict:
        """JSON-able summary (what ``pelkit swap-mc --json`` prints, without the verdict)."""
        return {
            "model": self.model,
            "n_particles": self.n_particles,
            "density": self.density,
            "temperature": self.temperature,
            "sweeps": self.sweeps,
            "seed": self.seed,
            "p_swap": self.p_swap,
            "delta_max": self.delta_max,
            "swap_bound": self.swap_bound,
            "acceptance": self.acceptance,
            "counts": self.counts,
            "initial_energy_per_particle": self.initial_energy_per_particle,
            "mean_energy_per_particle": self.mean_energy_per_particle,
            "final_energy_per_particle": self.final_energy_per_particle,
            "energy_check": self.energy_check,
            "tuning": self.tuning,
            "wall_time_s": self.wall_time,
            "attempted_moves_per_second": self.attempted_moves_per_second,
            "cpu_time_s": self.cpu_time,
            "attempted_moves_per_cpu_second": self.attempted_moves_per_cpu_second,
            "neighbor_relists": self.relists,
            "skin": self.skin,
        }


class SwapMonteCarlo:
    """A running swap Monte Carlo chain of ``model`` on a copy of ``system``.

    Args:
        model: a pair potential; diameter mixing (additive or non-additive) for swap moves,
            species models with ``p_swap=0`` only.
        system: initial configuration (checked for overlaps and box size by :class:`Calculator`).
        temperature: T > 0 (eps).
        p_swap: probability that an attempted move is a swap, in [0, 1].
        delta_max: half-side of the displacement cube (sigma), 0 < delta_max <= min(L)/2.
        swap_bound: only pairs with |sigma_i - sigma_j| < swap_bound are swapped (None: all).
        skin: minimal neighbour-list skin (sigma); the skin used is max(skin, sqrt(3) delta_max).

    Raises:
        InputError: bad parameters, swaps without diameters, overlaps, box too small.
    """

    def __init__(
        self,
        model: PairPotential,
        system: System,
        temperature: float,
        p_swap: float = DEFAULT_P_SWAP,
        delta_max: float = DEFAULT_DELTA_MAX,
        swap_bound: float | None = None,
        skin: float = DEFAULT_SKIN,
    ) -> None:
        if not (np.isfinite(temperature) and temperature > 0):
            raise InputError(f"temperature must be positive and finite, got {temperature}")
        _check_moves(p_swap, swap_bound, skin)
        n = system.n_particles
        if p_swap > 0 and model.uses_species:
            raise InputError(
                f"model {model.name!r} uses species, not diameters: swap moves need per-particle "
                "diameters; use p_swap = 0 (displacements only)"
            )
        if p_swap > 0 and system.diameters is None:
            raise InputError("swap moves need per-particle diameters (a 'diameter' column)")
        if p_swap > 0 and n < 2:
            raise InputError("swap moves need at least two particles")
        self.model = model
        self.system = system.copy()
        calc = Calculator(model, self.system)  # checks cutoff vs box, species/diameters, overlaps
        self.temperature = float(temperature)
        self.p_swap = float(p_swap)
        self.swap_bound = None if swap_bound is None else float(swap_bound)
        self.min_skin = float(skin)
        # the kernels' parameter tuple (engine.local); its diameters change on accepted swaps
        self.params = local_params(calc.params)
        self.mixing, self.species, self.diam, self.eps_t, self.sig_t, self.nonadd, self.terms, \
            self.x_cut = self.params
        self.plan = energy_plan(self.terms)
        self.box = np.ascontiguousarray(self.system.box.lengths, dtype=np.float64)
        self._cut_tables(float(calc.r_cut_max))
        self.pos = np.ascontiguousarray(self.system.positions, dtype=np.float64).copy()
        assert self.system.images is not None
        self.images = np.ascontiguousarray(self.system.images, dtype=np.int64).copy()
        self.neighbors = LocalNeighborList(n)
        self.relists = 0
        self.delta_max = 0.0
        self.set_delta_max(delta_max)
        self.energy = self.recompute_energy()
        reference = calc.energy(self.pos)
        if abs(self.energy - reference) > 1e-9 * max(1.0, abs(reference)):
            raise RuntimeError(
                f"swap-MC energy {self.energy!r} disagrees with the Calculator {reference!r}"
            )

    # ---------------------------------------------------------------- neighbour list
    def _cut_tables(self, r_cut_model: float) -> None:
        """Per-particle cutoff bounds (see :mod:`pelkit.engine.local`) and the largest cutoff."""
        n = self.diam.shape[0]
        if self.mixing == 0:
            self.cut_key = self.species.copy()
            sig_max = self.sig_t.max(axis=1)
            self.rc2_key = np.ascontiguousarray((self.x_cut * sig_max) ** 2 * (1.0 + 1e-12))
        else:
            order = np.argsort(self.diam, kind="stable")
            self.cut_key = np.empty(n, dtype=np.int64)
            self.cut_key[order] = np.arange(n)
            sorted_d = np.ascontiguousarray(self.diam[order])
            if n <= EXACT_CUT_TABLE_MAX_N:
                candidates, margin = sorted_d, 0.0
            else:  # bracketing subset + Lipschitz margin: a rigorous bound in O(N K)
                idx = np.unique(np.linspace(0, n - 1, CUT_TABLE_CANDIDATES).astype(np.int64))
                candidates = np.ascontiguousarray(sorted_d[idx])
                d_min, d_max = float(sorted_d[0]), float(sorted_d[-1])
                # |d sigma / d b| <= 1/2 (1 + |k| |a - b|) + |k| (a + b)/2 for both rules
                k = abs(self.nonadd)
                lip = 0.5 * (1.0 + k * (d_max - d_min)) + k * d_max
                margin = lip * float(np.diff(candidates).max(initial=0.0))
            self.rc2_key = diameter_cut_table(
                sorted_d, candidates, margin, self.mixing, self.nonadd, self.x_cut
            )
        # the largest pair cutoff, used for the list radius: the table's bound, but never above
        # L/2 (the Calculator has checked that the model's largest cutoff is within L/2)
        bound = max(r_cut_model, float(np.sqrt(self.rc2_key.max())))
        self.r_cut_max = min(bound, 0.5 * float(self.box.min()))

    def set_delta_max(self, delta_max: float) -> None:
        """Set the displacement half-side and rebuild the list with skin >= sqrt(3) delta_max."""
        if not (np.isfinite(delta_max) and delta_max > 0):
            raise InputError(f"delta_max must be positive, got {delta_max}")
        if delta_max > 0.5 * float(self.box.min()):
            raise InputError(
                f"delta_max {delta_max:.6g} exceeds half the box side {0.5 * self.box.min():.6g}"
            )
        self.delta_max = float(delta_max)
        self.skin = max(self.min_skin, math.sqrt(3.0) * self.delta_max * (1.0 + 1e-9))
        self.rebuild()

    def rebuild(self) -> None:
        """Full neighbour-list build around the current positions."""
        self.r_list = self.r_cut_max + self.skin
        self.neighbors.build(self.pos, self.box, self.r_list)

    def recompute_energy(self) -> float:
        """Total energy U (eps) recomputed over all listed pairs."""
        return self.neighbors.total_energy(self.pos, self.box, self.params, self.plan)

    # ---------------------------------------------------------------- sweeps
    def sweep(
        self,
        n_sweeps: int,
        seed: int,
        energies_out: FloatArray,
        stats_out: NDArray[np.int64],
        snap_every: int = 0,
        sweep0: int = 0,
        snap_pos: FloatArray | None = None,
        snap_diam: FloatArray | None = None,
    ) -> None:
        """Run ``n_sweeps`` sweeps in compiled code (:func:`.swap_kernels.mc_sweeps`)."""
        n = self.pos.shape[0]
        if snap_pos is None:
            snap_pos = np.zeros((0, n, 3))
        if snap_diam is None:
            snap_diam = np.zeros((0, n))
        counters = np.zeros(1, dtype=np.int64)
        bound = np.inf if self.swap_bound is None else self.swap_bound
        lists = self.neighbors
        energy, nbr = mc_sweeps(
            self.pos, self.images, self.box, self.params, self.plan, lists.state(),
            lists.neighbors, (self.cut_key, self.rc2_key),
            (self.temperature, self.p_swap, self.delta_max, bound, self.skin, int(n_sweeps),
             int(seed)),
            float(self.energy),
            (energies_out, stats_out, int(snap_every), int(sweep0), snap_pos, snap_diam, counters),
        )
        self.energy = float(energy)
        lists.set_neighbors(nbr)
        self.relists += int(counters[0])

    def unwrapped_positions(self) -> FloatArray:
        """(N, 3) current unwrapped positions (sigma)."""
        return self.pos + self.images * self.box

    def snapshot(self) -> System:
        """The current configuration as a :class:`System` (velocities as given on input)."""
        s = self.system.copy()
        s.positions = self.pos.copy()
        s.images = self.images.copy()
        if s.diameters is not None:
            s.diameters = self.diam.copy()
        return s


def _chunk_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def _tune(
    mc: SwapMonteCarlo,
    rng: np.random.Generator,
    tune_sweeps: int,
    target: float,
    block: int,
) -> dict:
    """Explicit tuning phase: after each block of sweeps scale delta_max by the ratio of the
    displacement acceptance to ``target`` (factor clipped to [0.5, 2]). Not part of production."""
    n = mc.pos.shape[0]
    history: list[dict] = []
    done = 0
    while done < tune_sweeps:
        m = min(block, tune_sweeps - done)
        energies = np.zeros(m)
        stats = np.zeros((m, N_STATS), dtype=np.int64)
        mc.sweep(m, _chunk_seed(rng), energies, stats)
        done += m
        att = int(stats[:, STAT_DISP_ATT].sum())
        acc = int(stats[:, STAT_DISP_ACC].sum())
        rate = acc / att if att else None
        history.append(
            {"sweeps": done, "delta_max": mc.delta_max, "displacement_acceptance": rate,
             "energy_per_particle": float(energies[-1] / n)}
        )
        if rate is not None:
            factor = float(np.clip(rate / target, 0.5, 2.0))
            new = float(np.clip(mc.delta_max * factor, 1e-4, 0.25 * float(mc.box.min())))
            mc.set_delta_max(new)
    mc.energy = mc.recompute_energy()
    return {
        "sweeps": tune_sweeps,
        "target_acceptance": target,
        "final_delta_max": mc.delta_max,
        "history": history,
    }


def run_swap_mc(
    model: PairPotential,
    system: System,
    temperature: float,
    sweeps: int,
    seed: int | np.random.Generator = 0,
    *,
    options: SwapMCOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    **legacy: Any,
) -> tuple[SwapMCResult, System]:
    """Metropolis swap Monte Carlo at ``temperature`` (module doc).

    Args:
        model, system: pair potential and initial configuration (not modified).
        temperature: T > 0 in eps.
        sweeps: production sweeps, each N attempted moves.
        seed: int or Generator (recorded in the result as the int that reproduces the run).
        options: moves (p_swap, delta_max, swap_bound, skin), the tuning phase and the
            bookkeeping (:class:`SwapMCOptions`; default ``SwapMCOptions()``).
        progress: callback(done_sweeps, total_sweeps) after each chunk.
        legacy: the fields of :class:`SwapMCOptions` given as keywords (deprecated; they
            override ``options`` and warn).

    Returns:
        (SwapMCResult, final System) - the final system has the new positions, images and
        diameters; velocities are passed through unchanged.
    """
    opts = options_with_legacy(SwapMCOptions, options, legacy,
                               "pelkit.dynamics.swap_mc.run_swap_mc")
    if isinstance(sweeps, bool) or int(sweeps) != sweeps or sweeps < 0:
        raise InputError(f"number of sweeps must be a non-negative integer, got {sweeps}")
    sweeps = int(sweeps)
    p_swap, delta_max, swap_bound, skin = opts.p_swap, opts.delta_max, opts.swap_bound, opts.skin
    tune_sweeps, check_every = opts.tune_sweeps, opts.check_every
    snapshot_every = max(1, sweeps // 100) if opts.snapshot_every is None else opts.snapshot_every
    seed_int = _resolve_seed(seed)
    rng = np.random.default_rng(seed_int)
    mc = SwapMonteCarlo(model, system, temperature, p_swap, delta_max, swap_bound, skin)
    n = system.n_particles
    tuning: dict = {"sweeps": 0}
    if tune_sweeps:
        tuning = _tune(mc, rng, int(tune_sweeps), float(opts.target_acceptance),
                       int(opts.tune_block))

    initial = mc.energy
    n_snap = sweeps // snapshot_every + 1
    snap_pos = np.zeros((n_snap, n, 3))
    snap_diam = np.zeros((n_snap, n))
    snap_pos[0] = mc.unwrapped_positions()
    snap_diam[0] = mc.diam
    energies = np.zeros(sweeps)
    stats = np.zeros((sweeps, N_STATS), dtype=np.int64)
    max_err = 0.0
    relists0 = mc.relists
    t0 = _time.perf_counter()
    c0 = _time.process_time()
    done = 0
    while done < sweeps:
        m = min(int(check_every), sweeps - done)
        mc.sweep(
            m, _chunk_seed(rng), energies[done : done + m], stats[done : done + m],
            int(snapshot_every), done, snap_pos, snap_diam,
        )
        done += m
        exact = mc.recompute_energy()
        max_err = max(max_err, abs(exact - mc.energy))
        mc.energy = exact
        energies[done - 1] = exact
        if progress is not None:
            progress(done, sweeps)
    wall = _time.perf_counter() - t0
    cpu = _time.process_time() - c0
    final_system = mc.snapshot()
    calc_energy = Calculator(model, final_system).energy()
    if max_err / n > ENERGY_CHECK_TOLERANCE or abs(calc_energy - mc.energy) / n > 1e-9:
        raise RuntimeError(
            f"swap-MC energy bookkeeping failed: running error {max_err:.3g}, Calculator "
            f"difference {abs(calc_energy - mc.energy):.3g} (eps)"
        )
    final_system.info = dict(
        final_system.info, swap_mc_sweeps=sweeps, swap_mc_seed=seed_int,
        swap_mc_temperature=float(temperature),
    )
    result = SwapMCResult(
        sweeps=sweeps,
        n_particles=n,
        temperature=float(temperature),
        seed=seed_int,
        p_swap=float(p_swap),
        delta_max=mc.delta_max,
        swap_bound=mc.swap_bound,
        energy_per_particle=energies / n,
        initial_energy_per_particle=float(initial / n),
        final_energy_per_particle=float(mc.energy / n),
        sweep_counts=stats,
        snapshot_sweeps=np.arange(n_snap, dtype=np.int64) * int(snapshot_every),
        snapshots=snap_pos,
        snapshot_diameters=None if model.uses_species else snap_diam,
        tuning=tuning,
        energy_check={
            "max_running_error": max_err,
            "calculator_difference": abs(calc_energy - mc.energy),
            "checks": -(-sweeps // int(check_every)),
        },
        wall_time=wall,
        cpu_time=cpu,
        relists=mc.relists - relists0,
        skin=mc.skin,
        model=model.name,
        density=system.density,
    )
    return result, final_system


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook (PEP 562)
    """Deprecated aliases: ``run_hybrid`` and ``HybridResult`` live in
    :mod:`pelkit.dynamics.hybrid` (kept here for one release)."""
    if name in ("run_hybrid", "HybridResult"):
        import warnings

        from pelkit.dynamics import hybrid

        warnings.warn(f"pelkit.dynamics.swap_mc.{name} moved to pelkit.dynamics.hybrid.{name}",
                      DeprecationWarning, stacklevel=2)
        return getattr(hybrid, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
