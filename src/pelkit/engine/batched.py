"""Replica-batched evaluation on CPU threads: M independent systems of one model in one call.

    batch = ReplicaBatch.from_systems(model, systems)        # M systems, same N and model
    calc = BatchedCalculator(model, batch, threads=8)
    ev = calc.evaluate()                                      # energies (M,), forces (M, N, 3)

Arrays are replica-major: positions (M, N, 3) in sigma, boxes (M, 3) in sigma (orthorhombic,
periodic; equal boxes are the common case, per-replica boxes are allowed), species (M, N) int64
and diameters (M, N) float64 (per replica, since swap Monte Carlo permutes diameters), masses
(N,) in m (one composition). Every replica has its own padded half Verlet list (neighbors
(M, N, K), counts (M, N), reference positions (M, N, 3)) rebuilt independently when one of its
particles has moved more than half the skin.

The pair physics is not written a second time: each replica runs the single-system engine's
kernels (:func:`pelkit.engine.pair.forces_core` or :func:`~pelkit.engine.pair.forces_terms`,
through :func:`pelkit.engine.neighbors.forces_with_list`), and the replicas are spread over
Numba threads with ``prange``. So the energy, virial and forces of replica r equal those of
``Calculator(model, system_r)`` bit for bit when the lists hold the same pairs in the same order
(they do: both are built by :func:`pelkit.engine.neighbors.fill_half_list`).

Threads: ``threads`` sets Numba's thread count for the calls of one calculator (default: the
count in force when it is made, ``NUMBA_NUM_THREADS`` unless changed); the previous count is
restored after each call (:func:`numba_threads`), so the setting does not leak to the rest of
the process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from pelkit.engine.geometry import nearest_image
from pelkit.engine.neighbors import fill_half_list, forces_with_list
from pelkit.engine.pair import LANES, force_plan, species_tables, vector_form
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import Box, System

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class ReplicaBatch:
    """M configurations of one model with the same N and composition (replica-major arrays).

    Attributes:
        positions: (M, N, 3) sigma (wrapped or not; kernels use minimum image).
        boxes: (M, 3) box lengths, sigma.
        species: (M, N) int64 species codes (zeros for diameter models).
        diameters: (M, N) float64 diameters (ones for species models), sigma.
        masses: (N,) masses, m.
        velocities: (M, N, 3) sigma/tau, or None.
        images: (M, N, 3) int64 image counts, or None (zeros).
        species_names: names of the species codes (for writing systems back).
        uses_species: True for species-table models (KA), False for diameter models.
    """

    positions: FloatArray
    boxes: FloatArray
    species: IntArray
    diameters: FloatArray
    masses: FloatArray
    velocities: FloatArray | None = None
    images: IntArray | None = None
    species_names: tuple[str, ...] = ()
    uses_species: bool = True

    @property
    def n_replicas(self) -> int:
        """M."""
        return int(self.positions.shape[0])

    @property
    def n_particles(self) -> int:
        """N."""
        return int(self.positions.shape[1])

    @classmethod
    def from_systems(cls, model: PairPotential, systems: Sequence[System]) -> ReplicaBatch:
        """Stack ``systems`` (same N, same masses, the model's species or diameters)."""
        systems = list(systems)
        if not systems:
            raise InputError("a replica batch needs at least one configuration")
        n = systems[0].n_particles
        for k, s in enumerate(systems):
            if s.n_particles != n:
                raise InputError(
                    f"replica {k} has {s.n_particles} particles, replica 0 has {n}: a batch "
                    "holds systems of the same size"
                )
        masses = systems[0].masses
        assert masses is not None
        for k, s in enumerate(systems):
            if s.masses is None or not np.array_equal(s.masses, masses):
                raise InputError(f"replica {k} has other masses than replica 0")
        params = [model.kernel_params(s) for s in systems]
        has_vel = all(s.velocities is not None for s in systems)
        return cls(
            positions=np.ascontiguousarray(np.stack([s.positions for s in systems])),
            boxes=np.ascontiguousarray(np.stack([s.box.lengths for s in systems])),
            species=np.ascontiguousarray(np.stack([p.species for p in params])),
            diameters=np.ascontiguousarray(np.stack([p.diameters for p in params])),
            masses=np.ascontiguousarray(masses, dtype=np.float64),
            velocities=(
                np.ascontiguousarray(np.stack([s.velocities for s in systems]))
                if has_vel else None
            ),
            images=np.ascontiguousarray(
                np.stack([
                    s.images if s.images is not None else np.zeros((n, 3), np.int64)
                    for s in systems
                ])
            ),
            species_names=tuple(systems[0].species_names),
            uses_species=model.uses_species,
        )

    def system(self, r: int, template: System | None = None) -> System:
        """Replica r as a :class:`System` (``template`` gives info and names to keep)."""
        species = self.species[r] if self.uses_species else None
        sys = System(
            positions=self.positions[r].copy(),
            box=Box(self.boxes[r].copy()),
            species=species.copy() if species is not None else None,
            species_names=self.species_names or None,
            diameters=None if self.uses_species else self.diameters[r].copy(),
            masses=self.masses.copy(),
            velocities=None if self.velocities is None else self.velocities[r].copy(),
            images=None if self.images is None else self.images[r].copy(),
            info=dict(template.info) if template is not None else {},
        )
        return sys


@dataclass
class BatchEvaluation:
    """Energies (M,) eps, virials (M,) eps and forces (M, N, 3) eps/sigma of a batch."""

    energies: FloatArray
    virials: FloatArray
    forces: FloatArray


@njit(cache=True, nogil=True, parallel=True)
def batched_energy_forces(pos, boxes, params, lists, disp2, forces, energies, virials, ok):
    """Energies, virials and forces of every replica (threads over replicas).

    Args:
        pos: (M, N, 3); boxes: (M, 3).
        params: (mixing, species (M, N), diameters (M, N), eps_t, sig_t, nonadd, terms, x_cut):
            the model (:class:`pelkit.models.base.KernelParams`, species and diameters per
            replica).
        lists: (nbr (M, N, K), counts (M, N), ref (M, N, 3), builds (M,), skin, r_list (M,)):
            the per-replica padded half lists, their build positions, rebuild counters, the
            skin and r_list = r_cut_max + skin.
        disp2: (M,) squared largest displacement since each list was built (a value above
            (skin/2)^2 rebuilds that list first; pass inf to force rebuilds).
        forces: (M, N, 3), energies (M,), virials (M,), ok (M,) bool: outputs (ok False: the
            replica's list row overflowed; widen K and call again).
    """
    mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut = params
    nbr, counts, ref, builds, skin, r_list = lists
    form, coef = force_plan(terms)
    form = vector_form(form, mixing, eps_t.shape[0])
    tab = species_tables(eps_t, sig_t, x_cut)
    for r in prange(pos.shape[0]):
        e, w, good = forces_with_list(
            pos[r], boxes[r],
            (mixing, species[r], diameters[r], eps_t, sig_t, nonadd, terms, x_cut),
            (nbr[r], counts[r], ref[r], builds[r : r + 1], skin, r_list[r]),
            (form, tab, coef), forces[r], disp2[r],
        )
        energies[r] = e
        virials[r] = w
        ok[r] = good


@njit(cache=True, nogil=True, parallel=True)
def batched_displacements(pos, ref, boxes, out):
    """out[r] = max_i |minimum-image(pos[r, i] - ref[r, i])|^2 for every replica (NaN-aware)."""
    for r in prange(pos.shape[0]):
        m = 0.0
        for i in range(pos.shape[1]):
            s = 0.0
            for a in range(3):
                d = pos[r, i, a] - ref[r, i, a]
                d = nearest_image(d, boxes[r, a])
                s += d * d
            if s != s:
                m = s
                break
            if s > m:
                m = s
        out[r] = m


def list_width(counts: IntArray, width: int) -> int:
    """A padded row width with headroom: max(width, 1.5 max count + 16), whole lanes."""
    counts_max = int(counts.max()) if counts.size else 0
    w = max(int(width), int(1.5 * counts_max) + 16)
    return -(-w // LANES) * LANES


class ReplicaLists:
    """Per-replica padded half Verlet lists for a batch (arrays shared with compiled loops).

    Attributes: neighbors (M, N, K), counts (M, N), reference (M, N, 3), builds (M,),
    skin, r_cut_max (M,) and r_list (M,) = r_cut_max + skin (per replica: diameter models'
    largest cutoff depends on the replica's diameters).
    """

    def __init__(self, model: PairPotential, batch: ReplicaBatch, skin: float = 0.3) -> None:
        if not (np.isfinite(skin) and skin >= 0.0):
            raise InputError(f"the Verlet skin must be a finite length >= 0, got {skin}")
        self.model = model
        m, n = batch.n_replicas, batch.n_particles
        # per replica, as Calculator does for one system (same cells, same list order)
        r_cut = np.array([model.max_cutoff(batch.diameters[r]) for r in range(m)])
        for r in range(m):
            Box(batch.boxes[r]).check_cutoff(float(r_cut[r]))
        self.params = model.kernel_params(_first_system(model, batch))
        self.skin = float(skin)
        self.r_cut_max = r_cut
        self.r_list = r_cut + self.skin
        self.neighbors = np.zeros((m, n, 64), dtype=np.int64)
        self.counts = np.zeros((m, n), dtype=np.int64)
        self.reference = np.zeros((m, n, 3))
        self.builds = np.zeros(m, dtype=np.int64)

    def widen(self, width: int | None = None) -> None:
        """Grow the row width (copying the current lists) to ``width`` or twice the current."""
        m, n, k = self.neighbors.shape
        new = int(width) if width is not None else 2 * k
        if new <= k:
            return
        grown = np.zeros((m, n, new), dtype=np.int64)
        grown[:, :, :k] = self.neighbors
        self.neighbors = grown

    def build(self, batch: ReplicaBatch, positions: FloatArray) -> None:
        """(Re)build every replica's list around ``positions`` (M, N, 3), with row headroom."""
        if not np.all(np.isfinite(positions)):
            bad = int(np.flatnonzero(~np.isfinite(positions).all(axis=(1, 2)))[0])
            raise InputError(f"positions of replica {bad} contain NaN or infinite values")
        p = self.params
        for _ in range(40):
            ok = np.ones(batch.n_replicas, dtype=np.bool_)
            for r in range(batch.n_replicas):
                ok[r] = fill_half_list(
                    positions[r], batch.boxes[r], self.skin, self.r_list[r], p.x_cut, p.mixing,
                    batch.species[r], batch.diameters[r], p.eps_table, p.sigma_table,
                    p.nonadditivity, self.neighbors[r], self.counts[r],
                )
            if ok.all():
                break
            self.widen()
        width = list_width(self.counts, self.neighbors.shape[2])
        if width > self.neighbors.shape[2]:
            self.widen(width)
        self.reference[:] = positions
        self.builds += 1


def _first_system(model: PairPotential, batch: ReplicaBatch) -> System:
    """Replica 0 as a System (for the model's kernel parameter tables)."""
    return System(
        positions=batch.positions[0], box=Box(batch.boxes[0]),
        species=batch.species[0] if model.uses_species else None,
        species_names=tuple(model.species_names) if model.uses_species else None,
        diameters=None if model.uses_species else batch.diameters[0],
        masses=batch.masses,
    )


def thread_count(threads: int | None) -> int:
    """The Numba thread count for ``threads`` (None: the count in force now), checked and
    capped at ``NUMBA_NUM_THREADS``; nothing is set."""
    if threads is None:
        return int(numba.get_num_threads())
    if int(threads) < 1:
        raise InputError(f"--threads must be a positive integer, got {threads}")
    return min(int(threads), int(numba.config.NUMBA_NUM_THREADS))


@contextmanager
def numba_threads(threads: int | None) -> Iterator[int]:
    """Run the ``with`` block on ``threads`` Numba threads (:func:`thread_count`; None: the
    count in force), then restore the previous count; yields the count used."""
    previous = int(numba.get_num_threads())
    count = thread_count(threads)
    numba.set_num_threads(count)
    try:
        yield count
    finally:
        numba.set_num_threads(previous)


def set_threads(threads: int | None) -> int:
    """Set Numba's thread count for the whole process (None: leave it); returns the count in
    force. :class:`BatchedCalculator` no longer calls this (it uses :func:`numba_threads`)."""
    if threads is not None:
        numba.set_num_threads(thread_count(threads))
    return int(numba.get_num_threads())


class BatchedCalculator:
    """Energies, virials and forces of all M replicas of ``batch`` under ``model``, on threads.

    Args:
        model: the pair potential.
        batch: the replicas (positions are the default evaluation point).
        skin: Verlet-list skin in sigma.
        threads: Numba threads of this calculator's calls (default: the count in force now);
            set for each call and restored after it (:func:`numba_threads`).
    """

    def __init__(
        self, model: PairPotential, batch: ReplicaBatch, skin: float = 0.3,
        threads: int | None = None,
    ) -> None:
        self.model = model
        self.batch = batch
        self.threads = thread_count(threads)
        self.lists = ReplicaLists(model, batch, skin)
        with numba_threads(self.threads):
            self.lists.build(batch, batch.positions)
        self._disp = np.zeros(batch.n_replicas)

    def evaluate(self, positions: FloatArray | None = None) -> BatchEvaluation:
        """Energies (M,), virials (M,) and forces (M, N, 3) at ``positions`` (default: batch)."""
        b = self.batch
        pos = b.positions if positions is None else np.ascontiguousarray(positions, np.float64)
        if pos.shape != b.positions.shape:
            raise InputError(f"positions have shape {pos.shape}, expected {b.positions.shape}")
        if not np.all(np.isfinite(pos)):
            raise InputError("positions contain NaN or infinite values")
        vl = self.lists
        p = vl.params
        m = b.n_replicas
        forces = np.empty_like(pos)
        energies = np.empty(m)
        virials = np.empty(m)
        ok = np.zeros(m, dtype=np.bool_)
        with numba_threads(self.threads):
            batched_displacements(pos, vl.reference, b.boxes, self._disp)
            for _ in range(40):
                batched_energy_forces(
                    pos, b.boxes,
                    (p.mixing, b.species, b.diameters, p.eps_table, p.sigma_table,
                     p.nonadditivity, p.terms, p.x_cut),
                    (vl.neighbors, vl.counts, vl.reference, vl.builds, vl.skin, vl.r_list),
                    self._disp, forces, energies, virials, ok,
                )
                if ok.all():
                    break
                vl.widen()
                self._disp[:] = np.where(ok, 0.0, np.inf)  # rebuild only the overflowed lists
        return BatchEvaluation(energies, virials, forces)
