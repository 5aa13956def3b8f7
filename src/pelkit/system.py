"""Periodic orthorhombic box (or open boundaries) and the particle system it holds.

Conventions (docs/physics/models.md): reduced units, positions (N, 3) in sigma, masses in m,
velocities in sigma/tau. A configuration is stored with *wrapped* positions in [0, L) together with
integer image counts so that unwrapped positions ``r + images * L`` are always available (MSD).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _finite_array(name: str, value: ArrayLike, shape: tuple[int | None, ...]) -> FloatArray:
    """Convert to float64 and check shape (None = any size) and finiteness."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric: {exc}") from None
    mismatch = arr.ndim != len(shape) or any(
        s is not None and s != n for s, n in zip(shape, arr.shape, strict=True)
    )
    if mismatch:
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"{name} has shape {arr.shape}, expected {want}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite values")
    return arr


@dataclass(frozen=True)
class Box:
    """Orthorhombic periodic box with side lengths ``lengths`` (3,) in sigma, origin at 0.

    ``periodic=False`` gives open boundaries (a cluster in vacuum): no minimum image, no wrapping
    (positions are kept as given, images stay 0), no cutoff check; ``lengths`` is then only a
    nominal bounding box for files and displays.
    """

    lengths: FloatArray
    periodic: bool = True

    def __post_init__(self) -> None:
        lengths = _finite_array("box lengths", self.lengths, (3,))
        if np.any(lengths <= 0.0):
            raise InputError(f"box lengths must be positive, got {lengths.tolist()}")
        object.__setattr__(self, "lengths", lengths)

    @classmethod
    def cubic(cls, side: float) -> Box:
        """A cubic box of side ``side``."""
        return cls(np.full(3, float(side)))

    @property
    def volume(self) -> float:
        """Box volume L_x L_y L_z in sigma^3."""
        return float(np.prod(self.lengths))

    @classmethod
    def open(cls, positions: ArrayLike, margin: float = 5.0) -> Box:
        """Open boundaries; nominal lengths = the extent of ``positions`` (N, 3) + 2 margin."""
        pos = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
        span = pos.max(axis=0) - pos.min(axis=0) if pos.size else np.zeros(3)
        return cls(span + 2.0 * float(margin), periodic=False)

    def minimum_image(self, d: ArrayLike) -> FloatArray:
        """Minimum-image convention d - L round(d / L), for any array of shape (..., 3).

        With open boundaries this is the identity (a float64 copy of ``d``)."""
        d = np.asarray(d, dtype=np.float64)
        if not self.periodic:
            return d.copy()
        return d - self.lengths * np.round(d / self.lengths)

    def wrap(self, positions: ArrayLike) -> tuple[FloatArray, IntArray]:
        """Wrap positions into [0, L); return (wrapped (N,3), image shifts (N,3) applied)."""
        positions = np.asarray(positions, dtype=np.float64)
        if not self.periodic:
            return positions.copy(), np.zeros(positions.shape, dtype=np.int64)
        shift = np.floor(positions / self.lengths).astype(np.int64)
        wrapped = positions - shift * self.lengths
        # floating round-off can leave a coordinate exactly equal to L
        over = wrapped >= self.lengths
        wrapped = np.where(over, wrapped - self.lengths, wrapped)
        shift = shift + over.astype(np.int64)
        return wrapped, shift

    def check_cutoff(self, cutoff: float) -> None:
        """Minimum image is valid only if every cutoff <= min(L)/2 (docs/physics/models.md).

        Open boundaries have no minimum image: nothing to check."""
        if not self.periodic:
            return
        if cutoff > 0.5 * float(self.lengths.min()) + 1e-12:
            raise InputError(
                f"box side {float(self.lengths.min()):.6g} is shorter than twice the largest "
                f"cutoff {cutoff:.6g}: minimum image is not valid; use more particles"
            )


@dataclass
class System:
    """A periodic configuration of N particles.

    Attributes:
        positions: (N, 3) float64 positions in sigma (wrapped into the box on construction).
        box: the periodic :class:`Box`.
        species: (N,) int64 species codes (0 = A, 1 = B, ...), or None for diameter models.
        species_names: names of the species codes (e.g. ``("A", "B")``).
        diameters: (N,) float64 particle diameters sigma_i, or None for species models.
        masses: (N,) float64 masses (default all 1).
        velocities: (N, 3) float64 or None.
        images: (N, 3) int64 image counts; unwrapped = positions + images * L.
    """

    positions: FloatArray
    box: Box
    species: IntArray | None = None
    species_names: tuple[str, ...] = ("A", "B")
    diameters: FloatArray | None = None
    masses: FloatArray | None = None
    velocities: FloatArray | None = None
    images: IntArray | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.box, Box):
            self.box = Box(np.asarray(self.box, dtype=np.float64))
        pos = _finite_array("positions", self.positions, (None, 3))
        n = pos.shape[0]
        if n < 1:
            raise InputError("a system needs at least one particle")
        wrapped, shift = self.box.wrap(pos)
        self.positions = wrapped
        if self.images is None:
            images = np.zeros((n, 3), dtype=np.int64)
        else:
            images = np.array(self.images, dtype=np.int64)
            if images.shape != (n, 3):
                raise InputError(f"images has shape {images.shape}, expected ({n}, 3)")
        self.images = images + shift
        if self.species is not None:
            sp = np.asarray(self.species)
            if sp.shape != (n,) or not np.issubdtype(sp.dtype, np.integer):
                raise InputError(f"species must be {n} integer codes, got shape {sp.shape}")
            if sp.min() < 0:
                raise InputError("species codes must be non-negative")
            self.species = sp.astype(np.int64)
            if int(sp.max()) >= len(self.species_names):
                raise InputError(
                    f"species code {int(sp.max())} has no name in {self.species_names}"
                )
        if self.diameters is not None:
            dia = _finite_array("diameters", self.diameters, (n,))
            if np.any(dia <= 0):
                raise InputError("diameters must be positive")
            self.diameters = dia
        if self.masses is None:
            self.masses = np.ones(n)
        else:
            masses = _finite_array("masses", self.masses, (n,))
            if np.any(masses <= 0):
                raise InputError("masses must be positive")
            self.masses = masses
        if self.velocities is not None:
            self.velocities = _finite_array("velocities", self.velocities, (n, 3))

    @property
    def n_particles(self) -> int:
        """Number of particles N."""
        return int(self.positions.shape[0])

    @property
    def density(self) -> float:
        """Number density N / V in sigma^-3."""
        return self.n_particles / self.box.volume

    def unwrapped_positions(self) -> FloatArray:
        """Unwrapped positions r + n L, shape (N, 3)."""
        assert self.images is not None
        return self.positions + self.images * self.box.lengths

    def species_labels(self) -> list[str]:
        """Per-particle species names (all ``"A"`` when the system has no species)."""
        if self.species is None:
            return ["A"] * self.n_particles
        return [self.species_names[int(s)] for s in self.species]

    def copy(self) -> System:
        """Deep copy."""
        return System(
            positions=self.positions.copy(),
            box=Box(self.box.lengths.copy(), self.box.periodic),
            species=None if self.species is None else self.species.copy(),
            species_names=tuple(self.species_names),
            diameters=None if self.diameters is None else self.diameters.copy(),
            masses=None if self.masses is None else self.masses.copy(),
            velocities=None if self.velocities is None else self.velocities.copy(),
            images=None if self.images is None else self.images.copy(),
            info=dict(self.info),
        )

    @classmethod
    def from_ase(cls, atoms: Any, species_names: Sequence[str] | None = None) -> System:
        """A System from an ``ase.Atoms`` (see :func:`pelkit.interop.ase.from_ase`)."""
        from pelkit.interop.ase import from_ase

        return from_ase(atoms, species_names=species_names)

    def to_ase(self) -> Any:
        """This configuration as an ``ase.Atoms`` (see :func:`pelkit.interop.ase.to_ase`)."""
        from pelkit.interop.ase import to_ase

        return to_ase(self)

    def with_positions(self, positions: ArrayLike) -> System:
        """A copy with new (unwrapped or wrapped) positions; images are recomputed from them.

        The new positions are taken as *unwrapped relative to the current images*: the returned
        system has images = old images + the wrap shift of the new positions.
        """
        new = self.copy()
        checked = _finite_array("positions", positions, (self.n_particles, 3))
        wrapped, shift = self.box.wrap(checked)
        if wrapped.shape != self.positions.shape:
            raise InputError(
                f"positions have shape {wrapped.shape}, expected {self.positions.shape}"
            )
        new.positions = wrapped
        assert new.images is not None
        new.images = new.images + shift
        return new


def as_system(configuration: object) -> System:
    """``configuration`` as a :class:`System`: a System is returned as it is, an ``ase.Atoms``
    is converted by :func:`pelkit.interop.ase.from_ase` (needs the ``ase`` extra).

    Public functions that take a configuration call this, so they accept ASE's Atoms too.
    """
    if isinstance(configuration, System):
        return configuration
    module = type(configuration).__module__
    if module == "ase" or module.startswith("ase."):
        from pelkit.interop.ase import from_ase

        return from_ase(configuration)
    raise InputError(
        f"expected a pelkit System or an ase.Atoms, got {type(configuration).__name__}"
    )
