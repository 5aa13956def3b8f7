"""The user-facing evaluator: one model on one system, with a self-updating Verlet list.

    calc = Calculator(get_model("ka"), system)
    energy, forces = calc.energy_forces()          # eps, (N, 3) eps/sigma
    h = calc.hessian(mass_weighted=True)           # (3N, 3N) eps/(sigma^2 m)
    hv = calc.hessian_vector(v)                    # (3N,)
    t = calc.third_order_vv(v)                     # (3N,) U:vv, eps/sigma^3 * |v|^2
    fun = calc.objective                           # flat x (3N,) -> (U, dU/dx)

Positions may be wrapped or unwrapped: every kernel uses minimum image, and the Verlet list is
rebuilt automatically when a particle has moved more than half the skin.

Open boundaries (``system.box.periodic`` False, clusters in vacuum) reuse the same kernels: they
are handed a box of side :data:`OPEN_BOX_LENGTH`, on which the kernels' minimum image
d - L floor(d/L + 1/2) is exactly d for every |d| < L/2, and the Verlet list is built from all
pairs (no cell grid; O(N^2) per rebuild, meant for clusters of up to a few thousand particles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from pelkit.engine.hessian import coo_from_blocks, dense_from_blocks, hessian_vector, pair_blocks
from pelkit.engine.hessian_operator import PairBlockHessian
from pelkit.engine.neighbors import VerletList, cell_order
from pelkit.engine.pair import energy_forces_virial, min_pair_distance_ratio, pair_energies
from pelkit.engine.stress import virial_tensor
from pelkit.engine.third_order import third_order_vv
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System, as_system

FloatArray = NDArray[np.float64]

OPEN_BOX_LENGTH = 1.0e12
"""Kernel box side (sigma) used for open boundaries; separations must stay below half of it."""


@dataclass
class Evaluation:
    """Energy, forces and virial of one configuration (eps, eps/sigma (N, 3), eps)."""

    energy: float
    forces: FloatArray
    virial: float


def kinetic_temperature(velocities: FloatArray, masses: FloatArray) -> float:
    """T = sum_i m_i |v_i|^2 / (3N - 3) (k_B = 1; total momentum conserved: 3 dof removed)."""
    n = velocities.shape[0]
    dof = max(3 * n - 3, 1)
    return float(np.sum(masses[:, None] * velocities**2) / dof)


class Calculator:
    """Energies, forces, virial, Hessians and third-order contractions of ``model`` on ``system``.

    Args:
        model: the pair potential.
        system: the configuration (its box, species/diameters and masses are used; positions are
            the default evaluation point).
        skin: Verlet-list skin in sigma.
        check_overlap: reject configurations with a pair closer than ``model.overlap_x`` sigma_ij.

    Raises:
        InputError: box side shorter than twice the largest cutoff, missing species/diameters,
            overlapping particles.
    """

    def __init__(
        self, model: PairPotential, system: System, skin: float = 0.3, check_overlap: bool = True
    ) -> None:
        system = as_system(system)
        if not (np.isfinite(skin) and skin >= 0.0):
            raise InputError(f"the Verlet skin must be a finite length >= 0, got {skin}")
        self.model = model
        self.system = system
        self.params = model.kernel_params(system)
        self.r_cut_max = model.max_cutoff(system.diameters)
        system.box.check_cutoff(self.r_cut_max)
        self.periodic = bool(system.box.periodic)
        if self.periodic:
            self.box = np.ascontiguousarray(system.box.lengths)
            r_cells = self.r_cut_max
        else:
            self.box = np.full(3, OPEN_BOX_LENGTH)
            r_cells = np.inf  # no cell grid: all pairs are candidates
        assert system.masses is not None
        self.masses = system.masses
        self.n = system.n_particles
        self.verlet = VerletList(self.params, self.box, r_cells, skin)
        self._forces = np.zeros((self.n, 3))
        if check_overlap:
            self.check_overlap()

    # ------------------------------------------------------------------ plumbing
    def _positions(self, positions: ArrayLike | None) -> FloatArray:
        if positions is None:
            pos = self.system.positions
        else:
            pos = np.asarray(positions, dtype=np.float64)
            if pos.ndim == 1:
                pos = pos.reshape(-1, 3)
            if pos.shape != (self.n, 3):
                raise InputError(f"positions have shape {pos.shape}, expected ({self.n}, 3)")
        pos = np.ascontiguousarray(pos)
        self.verlet.update(pos)
        return pos

    def kernel_inputs(self) -> tuple[FloatArray, tuple]:
        """(box (3,), params): the box the kernels see (:data:`OPEN_BOX_LENGTH` sides for open
        boundaries) and the parameter tuple (mixing, species, diameters, eps_table, sigma_table,
        nonadditivity, terms, x_cut) of :class:`pelkit.models.base.KernelParams`."""
        return self.box, tuple(self.params)

    def _args(self, pos: FloatArray) -> tuple:
        p = self.params
        return (
            pos, self.box, self.verlet.neighbors, self.verlet.counts, p.mixing, p.species,
            p.diameters, p.eps_table, p.sigma_table, p.nonadditivity, p.terms, p.x_cut,
        )

    def check_overlap(self, positions: ArrayLike | None = None) -> None:
        """Raise InputError if two particles are closer than overlap_x sigma_ij."""
        pos = self._positions(positions)
        args = self._args(pos)[:10]
        ratio, i, j = min_pair_distance_ratio(*args)
        if ratio < self.model.overlap_x:
            raise InputError(
                f"particles {i} and {j} overlap: distance {ratio:.4g} sigma_ij is below the "
                f"model's minimum {self.model.overlap_x} sigma_ij"
            )

    # ------------------------------------------------------------------ energies and forces
    def evaluate(self, positions: ArrayLike | None = None) -> Evaluation:
        """Energy U, forces (N, 3) (a fresh array) and virial W = -(1/3) sum r phi'."""
        pos = self._positions(positions)
        forces = np.empty((self.n, 3))
        energy, virial = energy_forces_virial(*self._args(pos), forces)
        return Evaluation(float(energy), forces, float(virial))

    def energy(self, positions: ArrayLike | None = None) -> float:
        """Total potential energy U in eps."""
        return self.evaluate(positions).energy

    def energy_forces(self, positions: ArrayLike | None = None) -> tuple[float, FloatArray]:
        """(U, F) with F (N, 3) = -dU/dr."""
        ev = self.evaluate(positions)
        return ev.energy, ev.forces

    def per_particle_energies(self, positions: ArrayLike | None = None) -> FloatArray:
        """(N,) per-particle energies (half of each pair energy); they sum to U."""
        pos = self._positions(positions)
        return pair_energies(*self._args(pos))

    def pressure(self, positions: ArrayLike | None = None, temperature: float = 0.0) -> float:
        """P = rho T + W/V in eps/sigma^3 (virial route, Allen & Tildesley 1987; no tail term)."""
        ev = self.evaluate(positions)
        volume = float(np.prod(self.box))
        return self.n * temperature / volume + ev.virial / volume

    def objective(self, x: FloatArray) -> tuple[float, FloatArray]:
        """Flat objective for minimizers: x (3N,) -> (U, dU/dx (3N,))."""
        pos = self._positions(np.asarray(x).reshape(self.n, 3))
        energy, _ = energy_forces_virial(*self._args(pos), self._forces)
        return float(energy), -self._forces.reshape(-1).copy()

    # ------------------------------------------------------------------ second order
    def _mass_scale(self) -> FloatArray:
        return np.repeat(1.0 / np.sqrt(self.masses), 3)

    def pair_blocks(self, positions: ArrayLike | None = None):
        """(pi, pj, K): interacting pairs and their 3x3 blocks (:mod:`pelkit.engine.hessian`)."""
        pos = self._positions(positions)
        return pair_blocks(*self._args(pos))

    def hessian(
        self,
        positions: ArrayLike | None = None,
        mass_weighted: bool = False,
        sparse: bool = False,
    ) -> FloatArray | sp.csr_matrix:
        """Hessian d^2U/dr dr, (3N, 3N) dense or CSR; H^M = M^-1/2 H M^-1/2 if mass_weighted."""
        pi, pj, blocks = self.pair_blocks(positions)
        if sparse:
            rows, cols, vals = coo_from_blocks(self.n, pi, pj, blocks)
            h = sp.csr_matrix((vals, (rows, cols)), shape=(3 * self.n, 3 * self.n))
            if mass_weighted:
                d = sp.diags(self._mass_scale())
                h = (d @ h @ d).tocsr()
            return h
        h = dense_from_blocks(self.n, pi, pj, blocks)
        if mass_weighted:
            s = self._mass_scale()
            h *= s[:, None]
            h *= s[None, :]
        return h

    def hessian_operator(
        self, positions: ArrayLike | None = None, mass_weighted: bool = False
    ) -> PairBlockHessian:
        """H (or H^M) as a matrix-free LinearOperator (3N, 3N) over the pair blocks
        (:mod:`pelkit.engine.hessian_operator`; about a quarter of the CSR matrix's memory)."""
        pos = self._positions(positions)
        pi, pj, blocks = pair_blocks(*self._args(pos))
        scale = self._mass_scale() if mass_weighted else None
        order = cell_order(pos, self.box, self.verlet.r_cut_max)
        geometry = (pos, np.asarray(self.box, dtype=np.float64), float(self.r_cut_max))
        return PairBlockHessian(self.n, pi, pj, blocks, scale, order, geometry)

    def hessian_vector(
        self, v: ArrayLike, positions: ArrayLike | None = None, mass_weighted: bool = False
    ) -> FloatArray:
        """H v (or H^M v) for v (3N,), without building H."""
        pos = self._positions(positions)
        v = np.ascontiguousarray(v, dtype=np.float64).reshape(-1)
        if v.shape != (3 * self.n,):
            raise InputError(f"vector has {v.size} entries, expected {3 * self.n}")
        if mass_weighted:
            s = self._mass_scale()
            return s * hessian_vector(*self._args(pos), s * v)
        return hessian_vector(*self._args(pos), v)

    def third_order_vv(self, v: ArrayLike, positions: ArrayLike | None = None) -> FloatArray:
        """U:vv (3N,), the third-derivative tensor contracted twice with v (Cartesian)."""
        pos = self._positions(positions)
        v = np.ascontiguousarray(v, dtype=np.float64).reshape(-1)
        if v.shape != (3 * self.n,):
            raise InputError(f"vector has {v.size} entries, expected {3 * self.n}")
        return third_order_vv(*self._args(pos), v)

    def virial_tensor(self, positions: ArrayLike | None = None) -> FloatArray:
        """W_ab = sum_{i<j} r_ij,a f_ij,b (3, 3) in eps; the stress is -W / V
        (:mod:`pelkit.engine.stress`)."""
        pos = self._positions(positions)
        return virial_tensor(*self._args(pos))


def summarize(model: PairPotential, system: System) -> dict:
    """Energy summary of one configuration (what ``pelkit energy --json`` prints)."""
    system = as_system(system)
    calc = Calculator(model, system)
    ev = calc.evaluate()
    n = system.n_particles
    temperature = 0.0
    if system.velocities is not None:
        assert system.masses is not None
        temperature = kinetic_temperature(system.velocities, system.masses)
    volume = system.box.volume
    fnorm = np.sqrt(np.einsum("ij,ij->i", ev.forces, ev.forces))
    return {
        "n_particles": n,
        "model": model.name,
        "cutoff_scheme": model.scheme,
        "box": system.box.lengths.tolist(),
        "density": n / volume,
        "energy": ev.energy,
        "energy_per_particle": ev.energy / n,
        "virial": ev.virial,
        "temperature": temperature,
        "pressure": n * temperature / volume + ev.virial / volume,
        "max_force": float(fnorm.max()),
    }
