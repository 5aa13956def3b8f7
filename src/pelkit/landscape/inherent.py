"""Inherent-structure series, same-or-distinct minima, and transitions between minima.

Same or distinct (docs/physics/landscape.md), for two minimised configurations of the same labelled
particles:
    1. d_i = minimum-image(r'_i - r_i);
    2. remove the drift d_i <- d_i - sum_j m_j d_j / sum m;
    3. same iff |U - U'| <= dE (total energy) and max_i |d_i| <= dr.
recommended dE = 1e-7 eps, dr = 0.005 sigma for minima converged to max force <= 1e-8. Energy alone
is
not enough (double-well asymmetries can be below 1e-4 eps). Optionally identical particles are
matched per species (Hungarian algorithm on minimum-image distances) before the test, which
identifies permutation-equivalent minima (Stillinger 1984, eq 2.2, classes C(j) of eq 3.8).

A :class:`MinimaRegistry` labels every quench with the id of a known minimum or a new one; the
sequence of labels gives the transitions between consecutive *distinct* minima, counted per
unordered pair {A, B} (docs/physics/tls-qlm.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from pelkit.system import System

DEFAULT_DE = 1e-7
DEFAULT_DR = 0.005


def displacement(a: System, b: System) -> NDArray[np.float64]:
    """Per-particle minimum-image displacement b - a with the mass-weighted drift removed (N, 3)."""
    d = a.box.minimum_image(b.positions - a.positions)
    assert a.masses is not None
    m = a.masses
    return d - (m[:, None] * d).sum(axis=0) / m.sum()


def match_identical_particles(a: System, b: System) -> System:
    """``b`` with its particles permuted, per species, to best match ``a`` (Hungarian algorithm
    on squared minimum-image distances; O(N_s^3) per species)."""
    species = a.species if a.species is not None else np.zeros(a.n_particles, dtype=np.int64)
    order = np.arange(b.n_particles)
    for s in np.unique(species):
        idx = np.flatnonzero(species == s)
        d = a.box.minimum_image(b.positions[idx][None, :, :] - a.positions[idx][:, None, :])
        cost = np.einsum("ijk,ijk->ij", d, d)
        _, cols = linear_sum_assignment(cost)
        order[idx] = idx[cols]
    permuted = b.copy()
    permuted.positions = b.positions[order]
    assert b.images is not None
    permuted.images = b.images[order]
    if b.diameters is not None:
        permuted.diameters = b.diameters[order]
    return permuted


def same_minimum(
    a: System,
    energy_a: float,
    b: System,
    energy_b: float,
    de: float = DEFAULT_DE,
    dr: float = DEFAULT_DR,
    match_permutations: bool = False,
) -> bool:
    """True if ``a`` and ``b`` are the same inherent structure (module docstring)."""
    if abs(energy_a - energy_b) > de:
        return False
    if match_permutations:
        b = match_identical_particles(a, b)
    d = displacement(a, b)
    return bool(np.sqrt(np.einsum("ij,ij->i", d, d)).max() <= dr)


@dataclass
class MinimaRegistry:
    """Distinct minima seen so far and the label sequence of the quenches offered.

    Attributes:
        de, dr: tolerances of :func:`same_minimum`.
        match_permutations: compare up to permutations of identical particles.
        minima: the distinct minima (Systems) in order of discovery.
        energies: their total energies.
        labels: the label of every quench offered, in order.
    """

    de: float = DEFAULT_DE
    dr: float = DEFAULT_DR
    match_permutations: bool = False
    minima: list[System] = field(default_factory=list)
    energies: list[float] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def identify(self, system: System, energy: float) -> int:
        """Label of ``system`` (an existing minimum's id or a new one); appended to ``labels``."""
        order = np.argsort(np.abs(np.asarray(self.energies) - energy)) if self.energies else []
        for k in order:
            if abs(self.energies[k] - energy) > self.de:
                break
            if same_minimum(
                self.minima[k], self.energies[k], system, energy, self.de, self.dr,
                self.match_permutations,
            ):
                self.labels.append(int(k))
                return int(k)
        self.minima.append(system)
        self.energies.append(float(energy))
        self.labels.append(len(self.minima) - 1)
        return len(self.minima) - 1

    @property
    def n_distinct(self) -> int:
        """Number of distinct minima."""
        return len(self.minima)

    def transitions(self) -> Counter[tuple[int, int]]:
        """Counts of transitions between consecutive distinct labels, per unordered pair."""
        return count_transitions(self.labels)


def count_transitions(labels: list[int] | NDArray[np.int64]) -> Counter[tuple[int, int]]:
    """Count consecutive label changes a -> b as the unordered pair (min, max)."""
    counts: Counter[tuple[int, int]] = Counter()
    for a, b in zip(labels[:-1], labels[1:], strict=True):
        if a != b:
            counts[(min(int(a), int(b)), max(int(a), int(b)))] += 1
    return counts


@dataclass
class InherentStructureSeries:
    """e_IS(t) of a trajectory and the minima it visits.

    Attributes:
        steps: (n,) MD steps of the quenched frames; times: (n,) in tau.
        e_is: (n,) inherent-structure energies per particle (eps).
        converged: (n,) whether each quench met its force tolerance.
        labels: (n,) distinct-minimum label of each quench (:class:`MinimaRegistry`).
        registry: the distinct minima.
    """

    steps: NDArray[np.int64]
    times: NDArray[np.float64]
    e_is: NDArray[np.float64]
    converged: NDArray[np.bool_]
    labels: NDArray[np.int64]
    registry: MinimaRegistry

    def transitions(self) -> Counter[tuple[int, int]]:
        """Transitions between consecutive distinct minima, counted per unordered pair."""
        return count_transitions(self.labels)


def quench_trajectory(
    model,  # noqa: ANN001 - PairPotential
    trajectory,  # noqa: ANN001 - pelkit.io.h5md.Trajectory
    every: int = 1,
    method: str = "lbfgs",
    fmax: float = 1e-8,
    de: float = DEFAULT_DE,
    dr: float = DEFAULT_DR,
) -> InherentStructureSeries:
    """Quench every ``every``-th frame of an H5MD trajectory (see :func:`read_trajectory`).

    Each minimum is labelled by a :class:`MinimaRegistry` with tolerances ``de`` (total energy)
    and ``dr`` (max particle displacement after drift removal); (recommended) fmax <= 1e-8 for them.
    """
    from pelkit.engine.calculator import Calculator
    from pelkit.errors import InputError
    from pelkit.landscape.quench import quench

    if every < 1:
        raise InputError(f"every must be a positive integer, got {every}")
    frames = list(range(0, trajectory.n_frames, every))
    registry = MinimaRegistry(de=de, dr=dr)
    e_is, conv = [], []
    calc = None
    for k in frames:
        snap = trajectory.system(k)
        if calc is None:
            calc = Calculator(model, snap)
        res = quench(model, snap, method=method, fmax=fmax, calculator=calc)
        e_is.append(res.energy_per_particle)
        conv.append(res.minimize.converged)
        registry.identify(res.system, res.energy)
    return InherentStructureSeries(
        steps=np.asarray(trajectory.steps)[frames],
        times=np.asarray(trajectory.times)[frames],
        e_is=np.asarray(e_is),
        converged=np.asarray(conv),
        labels=np.asarray(registry.labels, dtype=np.int64),
        registry=registry,
    )
