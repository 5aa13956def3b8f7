"""Exploration of a glass basin and the ranking of inherent-structure pairs
(docs/physics/tls-qlm.md).

MD at a low temperature (seed: T = 0.04) starts from the glass with Maxwell-Boltzmann
velocities; every ``quench_every`` steps the configuration is quenched to max force < ``fmax``
(1e-10 (recommended)) and labelled by a :class:`pelkit.landscape.inherent.MinimaRegistry` (same
minimum
iff |dE| <= de and max_i |d_i| <= dr after drift removal, docs/physics/landscape.md). A transition
is a
pair of consecutive quenches with different labels; a quench that does not converge breaks the
sequence (no transition is counted across it). Transitions are counted per unordered pair.

Ranking (recommended): pairs seen at least ``min_count`` times, by count (descending), then the
energy
asymmetry |E_A - E_B| (ascending, TLS need small asymmetries), then the double-well
participation PR_DW of r_AB (ascending: localized rearrangements first), then the labels.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pelkit.dynamics.batched_md import BatchedMD
from pelkit.landscape.batched_quench import quench_many
from pelkit.landscape.inherent import MinimaRegistry, displacement
from pelkit.models.base import PairPotential
from pelkit.modes.localization import double_well_participation
from pelkit.studies.tls_qlm.config import ExplorationConfig
from pelkit.system import System

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Exploration:
    """Result of :func:`explore_basin`.

    Attributes:
        minima: the distinct minima (Systems), in order of discovery.
        energies: (n_min,) their total energies, eps.
        labels: (W n_quench,) label of each quench (-1: not converged), walker-major.
        quench_energies: (W n_quench,) U/N of each quench (NaN if not converged), eps.
        md_temperature: (W n_quench,) mean kinetic temperature of the MD stretch before each
            quench.
        transitions: counts per unordered pair (a, b), a < b.
        n_failed: quenches that did not converge.
        wall_time: seconds.
    """

    minima: list[System]
    energies: FloatArray
    labels: IntArray
    quench_energies: FloatArray
    md_temperature: FloatArray
    transitions: Counter
    n_failed: int
    wall_time: float


def _transitions(labels: IntArray) -> Counter:
    counts: Counter = Counter()
    for a, b in zip(labels[:-1], labels[1:], strict=True):
        if a >= 0 and b >= 0 and a != b:
            counts[(int(min(a, b)), int(max(a, b)))] += 1
    return counts


def explore_basin(
    model: PairPotential, glass: System, cfg: ExplorationConfig, seed: int
) -> Exploration:
    """MD at ``cfg.temperature`` from ``glass`` with a quench every ``cfg.quench_every`` steps.

    ``cfg.walkers`` independent MD walkers start from the glass (walker w draws its velocities
    and thermostat noise from ``seed + w``; walker 0 is the single-walker exploration) and run
    together as one batch (:class:`pelkit.dynamics.batched_md.BatchedMD`, on ``cfg.device``);
    each round's W snapshots are quenched in one batched call. Labels, quench energies and MD
    temperatures are walker-major (walker 0's sequence first), transitions are counted within
    each walker's sequence only.

    Args:
        model: pair potential.
        glass: starting configuration (velocities are drawn from Maxwell-Boltzmann).
        cfg: :class:`ExplorationConfig`.
        seed: seed of walker 0's velocities and thermostat.
    """
    t0 = time.perf_counter()
    start = glass.copy()
    start.velocities = None
    walkers = cfg.walkers
    md = BatchedMD(model, [start] * walkers, cfg.temperature, thermostat=cfg.thermostat,
                   dt=cfg.dt, seeds=[seed + w for w in range(walkers)], device=cfg.device)
    if cfg.warmup_steps:
        md.advance(cfg.warmup_steps)
    registry = MinimaRegistry(de=cfg.de, dr=cfg.dr)
    labels = np.full((walkers, cfg.n_quenches), -1, dtype=np.int64)
    q_energy = np.full((walkers, cfg.n_quenches), np.nan)
    temps = np.zeros((walkers, cfg.n_quenches))
    n_failed = 0
    for k in range(cfg.n_quenches):
        sums = md.advance(cfg.quench_every)
        temps[:, k] = sums[:, 0] / cfg.quench_every
        snaps = md.systems()
        for snap in snaps:
            snap.velocities = None
        q = quench_many(model, snaps, method=cfg.minimizer, fmax=cfg.fmax, device=cfg.device)
        for w in range(walkers):
            if not q.converged[w]:
                n_failed += 1
                continue
            labels[w, k] = registry.identify(q.systems[w], float(q.energies[w]))
            q_energy[w, k] = q.energies[w] / glass.n_particles
    transitions: Counter = Counter()
    for w in range(walkers):
        transitions.update(_transitions(labels[w]))
    return Exploration(
        minima=registry.minima,
        energies=np.asarray(registry.energies, dtype=np.float64),
        labels=labels.reshape(-1),
        quench_energies=q_energy.reshape(-1),
        md_temperature=temps.reshape(-1),
        transitions=transitions,
        n_failed=n_failed,
        wall_time=time.perf_counter() - t0,
    )


@dataclass
class PairTable:
    """All pairs with transitions, ranked (arrays of equal length P).

    Attributes:
        a, b: labels (a is the lower-energy minimum).
        count: transitions between them.
        asymmetry: |E_A - E_B|, eps.
        pr_dw: double-well participation of r_AB (a particle count).
        distance: |r_AB| (unit masses: mass-weighted distance), sigma.
        max_displacement: max_i |r_AB,i|, sigma.
        rank: 0 for the best pair, ... (-1 for pairs below ``min_count``).
    """

    a: IntArray
    b: IntArray
    count: IntArray
    asymmetry: FloatArray
    pr_dw: FloatArray
    distance: FloatArray
    max_displacement: FloatArray
    rank: IntArray


def rank_pairs(exploration: Exploration, min_count: int) -> PairTable:
    """Rank the visited pairs (module docstring); every pair with a transition is listed."""
    rows = []
    e = exploration.energies
    for (i, j), count in exploration.transitions.items():
        a, b = (i, j) if e[i] <= e[j] else (j, i)
        d = displacement(exploration.minima[a], exploration.minima[b])
        m = exploration.minima[a].masses
        d_m = d * np.sqrt(m)[:, None]
        rows.append((
            a, b, count, abs(float(e[a] - e[b])), double_well_participation(d, m),
            float(np.linalg.norm(d_m)), float(np.linalg.norm(d, axis=1).max()),
        ))
    rows.sort(key=lambda r: (-r[2], r[3], r[4], min(r[0], r[1]), max(r[0], r[1])))
    rank = np.full(len(rows), -1, dtype=np.int64)
    k = 0
    for idx, r in enumerate(rows):
        if r[2] >= min_count:
            rank[idx] = k
            k += 1
    col = list(zip(*rows, strict=True)) if rows else [()] * 7
    return PairTable(
        a=np.array(col[0], dtype=np.int64),
        b=np.array(col[1], dtype=np.int64),
        count=np.array(col[2], dtype=np.int64),
        asymmetry=np.array(col[3], dtype=np.float64),
        pr_dw=np.array(col[4], dtype=np.float64),
        distance=np.array(col[5], dtype=np.float64),
        max_displacement=np.array(col[6], dtype=np.float64),
        rank=rank,
    )
