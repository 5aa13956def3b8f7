"""Host-side preparation for the CUDA kernels: model tables and validated replica batches.

Nothing here touches ``numba.cuda``. A :class:`DeviceModel` is the data a kernel needs to
evaluate phi_ij(r) = eps_ij g(r/sigma_ij) (:mod:`pelkit.models.base`) with g a Laurent
polynomial, in the Horner form of :func:`pelkit.engine.pair.force_plan`; a :class:`Batch` is M
replicas of one model in replica-major float64/int64 arrays, checked once on the host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.engine.pair import (
    FORM_EVEN,
    FORM_GENERAL,
    FORM_LJ,
    FORM_LJ_ODD,
    FORM_ODD,
    force_plan,
    species_tables,
)
from pelkit.errors import InputError
from pelkit.models.base import MIXING_CODES, PairPotential, match_species
from pelkit.system import Box, System

MAX_THREADS = 512  # threads per block (shared memory: 7 float64 per thread)
MIN_THREADS = 32


@dataclass(frozen=True)
class DeviceModel:
    """A pair potential as the CUDA kernels see it.

    Attributes:
        name: model name (for messages).
        form: FORM_LJ, FORM_EVEN or FORM_ODD of :mod:`pelkit.engine.pair` (how g is evaluated).
        mixing: 0 species tables, 1 additive diameters, 2 non-additive diameters.
        n_species: S (species mixing; 1 otherwise).
        table: (3, S*S) eps_ab, 1/sigma_ab^2, (x_c sigma_ab)^2 at a*S + b (species mixing).
        coef: (4, 14) Horner coefficients cn, cp, dn, dp of :func:`force_plan`.
        eps0: eps of the diameter rules (eps) ; xc2: x_c^2 ; k_na: non-additivity k (0 unless
            mixing = 2).
    """

    name: str
    form: int
    mixing: int
    n_species: int
    table: NDArray[np.float64]
    coef: NDArray[np.float64]
    eps0: float
    xc2: float
    k_na: float


def device_model(model: PairPotential) -> DeviceModel:
    """The :class:`DeviceModel` of ``model``; InputError for potentials the GPU cannot run.

    Supported: any g that :func:`force_plan` writes as a Laurent polynomial (Lennard-Jones
    family, even powers x^-12 .. x^4, integer powers x^-12 .. x^2, any cutoff scheme: KA, LJ,
    soft spheres, the swap model). Diameter models evaluate the Lennard-Jones family by Horner
    in x^2 as the CPU kernel does (:func:`pelkit.engine.pair.vector_form`).
    """
    terms = np.ascontiguousarray(model.kernel_terms)
    form, coef = force_plan(terms)
    form = int(form)
    if form == FORM_GENERAL:
        raise InputError(
            f"the GPU backend does not support the potential of model {model.name!r}: its "
            "radial function needs pow/exp terms or powers beyond x^-12..x^4 (use the CPU "
            "engine, device 'cpu')"
        )
    mixing = MIXING_CODES[model.mixing]
    if mixing != 0 and form == FORM_LJ:
        form = FORM_EVEN
    if form == FORM_LJ_ODD:  # the device kernels evaluate it by the odd Horner (same coef)
        form = FORM_ODD
    eps = np.ascontiguousarray(model.epsilon, dtype=np.float64)
    sig = np.ascontiguousarray(model.sigma, dtype=np.float64)
    table = np.ascontiguousarray(species_tables(eps, sig, float(model.x_cut)))
    return DeviceModel(
        name=model.name,
        form=form,
        mixing=mixing,
        n_species=int(eps.shape[0]) if mixing == 0 else 1,
        table=table,
        coef=np.ascontiguousarray(coef, dtype=np.float64),
        eps0=float(eps[0, 0]),
        xc2=float(model.x_cut) ** 2,
        k_na=float(model.nonadditivity) if mixing == 2 else 0.0,
    )


@dataclass
class Batch:
    """M replicas of N particles of one model (validated, C-contiguous, replica-major).

    Attributes:
        positions: (M, N, 3) float64, sigma. boxes: (M, 3) float64 box sides, sigma.
        species: (M, N) int64 codes (zeros for diameter models).
        diameters: (M, N) float64 sigma_i (ones for species models).
    """

    positions: NDArray[np.float64]
    boxes: NDArray[np.float64]
    species: NDArray[np.int64]
    diameters: NDArray[np.float64]

    @property
    def n_replicas(self) -> int:
        """M."""
        return int(self.positions.shape[0])

    @property
    def n_particles(self) -> int:
        """N."""
        return int(self.positions.shape[1])


def _per_replica(name: str, value: ArrayLike, m: int, shape: tuple[int, ...], dtype) -> NDArray:
    arr = np.asarray(value)
    if arr.shape == shape:
        arr = np.broadcast_to(arr, (m, *shape))
    if arr.shape != (m, *shape):
        raise InputError(f"{name} has shape {arr.shape}, expected {shape} or {(m, *shape)}")
    return np.ascontiguousarray(arr, dtype=dtype)


def prepare_batch(
    model: PairPotential,
    positions: ArrayLike,
    boxes: ArrayLike,
    species: ArrayLike | None = None,
    diameters: ArrayLike | None = None,
) -> Batch:
    """Validate replica-major inputs for ``model``.

    Args:
        positions: (M, N, 3) positions in sigma (any image; minimum image is applied).
        boxes: (M, 3) or (3,) orthorhombic box sides in sigma.
        species: (M, N) or (N,) int codes, needed by species models with S > 1.
        diameters: (M, N) or (N,) diameters, needed by diameter models.

    Raises:
        InputError: wrong shapes, non-finite values, unknown species codes, non-positive
            diameters, or a box side shorter than twice the largest cutoff (the all-pairs
            minimum-image kernels would miss pairs).
    """
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 3 or pos.shape[2] != 3 or pos.shape[0] < 1 or pos.shape[1] < 2:
        raise InputError(f"positions must have shape (M, N, 3) with N >= 2, got {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise InputError("positions contain NaN or infinite values")
    m, n = pos.shape[:2]
    box = _per_replica("boxes", boxes, m, (3,), np.float64)
    if not (np.all(np.isfinite(box)) and np.all(box > 0)):
        raise InputError("box sides must be positive and finite")
    if model.uses_species:
        if species is None:
            if model.epsilon.shape[0] != 1:
                raise InputError(f"model {model.name!r} needs particle species")
            species = np.zeros(n, dtype=np.int64)
        sp_arr = np.asarray(species)
        if not np.issubdtype(sp_arr.dtype, np.integer):
            raise InputError("species must be integer codes")
        sp = _per_replica("species", sp_arr, m, (n,), np.int64)
        if sp.min() < 0 or sp.max() >= model.epsilon.shape[0]:
            raise InputError(
                f"model {model.name!r} has {model.epsilon.shape[0]} species; species codes "
                f"must lie in 0..{model.epsilon.shape[0] - 1}"
            )
        dia = np.ones((m, n))
        cutoff = float(model.x_cut * model.sigma.max())
    else:
        if diameters is None:
            raise InputError(f"model {model.name!r} needs particle diameters")
        dia = _per_replica("diameters", diameters, m, (n,), np.float64)
        if not (np.all(np.isfinite(dia)) and np.all(dia > 0)):
            raise InputError("diameters must be positive and finite")
        sp = np.zeros((m, n), dtype=np.int64)
        cutoff = model.max_cutoff(dia.reshape(-1))
    for r in range(m):
        try:
            Box(box[r]).check_cutoff(cutoff)
        except InputError as exc:
            raise InputError(f"replica {r}: {exc}") from None
    return Batch(np.ascontiguousarray(pos), box, sp, dia)


def stack_systems(
    model: PairPotential, systems: Sequence[System]
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """(positions (M, N, 3), boxes (M, 3), species (M, N), diameters (M, N)) of M systems.

    Species are renumbered to the model's names (:func:`pelkit.models.base.match_species`).
    """
    if len(systems) == 0:
        raise InputError("need at least one system")
    systems = [match_species(model, s) for s in systems]
    n = systems[0].n_particles
    if any(s.n_particles != n for s in systems):
        raise InputError("all replicas of a batch must have the same number of particles")
    params = [model.kernel_params(s) for s in systems]
    return (
        np.stack([s.positions for s in systems]),
        np.stack([s.box.lengths for s in systems]),
        np.stack([p.species for p in params]),
        np.stack([p.diameters for p in params]),
    )


def threads_for(n_particles: int, threads: int | None = None) -> int:
    """Threads per block (a power of two): ``threads`` if given, else the smallest power of
    two >= N within [32, 512] (one particle per thread up to N = 512)."""
    if threads is None:
        t = MIN_THREADS
        while t < n_particles and t < MAX_THREADS:
            t *= 2
        return t
    t = int(threads)
    if t < 1 or t > MAX_THREADS or (t & (t - 1)) != 0:
        raise InputError(f"threads per block must be a power of two in 1..{MAX_THREADS}, got {t}")
    return t
