"""Bridge to ASE, the Atomic Simulation Environment (optional extra ``ase``).

ASE (Larsen et al., J. Phys.: Condens. Matter 29, 273002 (2017)) is where many users keep their
structures, optimisers, NEB and vibration tools. This module converts between
:class:`~pelkit.system.System` and ``ase.Atoms`` and offers :class:`PelkitCalculator`, an ASE
calculator that evaluates a pelkit pair potential with pelkit's compiled kernels::

    from pelkit.interop.ase import PelkitCalculator
    atoms = system.to_ase()
    atoms.calc = PelkitCalculator(get_model("ka"))
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()

Units. pelkit works in reduced Lennard-Jones units (energies in eps, lengths in sigma, masses in
m, time in tau, k_B = 1) and the calculator returns numbers in those units; ASE treats them as
eV, Angstrom and amu. Optimisers, NEB and the Hessian do not care; ASE's MD time step and its
frequencies in THz or cm^-1 must be read in reduced units (ASE's unit of time is
Angstrom sqrt(amu/eV), which here is tau).

Mapping between ``System`` and ``Atoms``:

=====================  ===================================================================
System                 Atoms
=====================  ===================================================================
positions (wrapped)    ``positions`` (ASE may move them out of the box; they are wrapped
                       back and counted in the images on the way in)
box lengths            ``cell`` = diag(Lx, Ly, Lz), ``pbc`` = True (only such cells are read)
species codes/names    chemical symbols (the names, or placeholders ``H``, ``He``, ... when a
                       name is not an element; :mod:`pelkit.io.elements`), the names in
                       ``arrays["pelkit_species"]`` and ``info["species_names"]``
masses                 ``masses`` (set explicitly; an Atoms without masses is read with unit
                       masses, not element masses: reduced units)
velocities             momenta m v (``get_velocities()``), and ``arrays["velo"]``, used on the
                       way back while it still agrees with the momenta (bit-exact round trip)
images                 ``arrays["image"]`` (N, 3) int
diameters              ``arrays["diameter"]``
info (scalars)         ``info``
=====================  ===================================================================

These are also the names of pelkit's extended XYZ columns, so ``ase.io.write`` and
``ase.io.read`` carry them through files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.io.elements import placeholder_symbols
from pelkit.models.base import PairPotential, match_species
from pelkit.system import Box, System

try:
    import ase
    from ase.calculators.calculator import Calculator as _AseCalculator
    from ase.calculators.calculator import all_changes
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"pelkit.interop.ase needs ASE ({_exc}); install it with pip install 'pelkit[ase]'"
    ) from None

__all__ = ["PelkitCalculator", "from_ase", "to_ase"]

FloatArray = NDArray[np.float64]


def to_ase(system: System) -> ase.Atoms:
    """``system`` as an ``ase.Atoms`` (see the module docstring for the mapping).

    Positions, masses, images, diameters and the velocities in ``arrays["velo"]`` are copied
    bit for bit; ASE's momenta are m v.
    """
    names = tuple(system.species_names)
    symbols = placeholder_symbols(names)
    codes = (
        np.zeros(system.n_particles, dtype=np.int64) if system.species is None else system.species
    )
    atoms = ase.Atoms(
        symbols=[symbols[c] for c in codes.tolist()],
        positions=system.positions.copy(),
        cell=np.diag(system.box.lengths),
        pbc=True,
    )
    assert system.masses is not None and system.images is not None
    atoms.set_masses(system.masses.copy())
    if symbols != names:
        atoms.arrays["pelkit_species"] = np.array([names[c] for c in codes.tolist()])
    atoms.arrays["image"] = system.images.copy()
    if system.diameters is not None:
        atoms.arrays["diameter"] = system.diameters.copy()
    if system.velocities is not None:
        atoms.set_velocities(system.velocities)
        atoms.arrays["velo"] = system.velocities.copy()
    for key, value in system.info.items():
        if key != "columns" and isinstance(value, (bool, int, float, str, np.number)):
            atoms.info[key] = value
    if system.species is not None:
        atoms.info["species_names"] = " ".join(names)
    return atoms


def _species_names_from_info(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return tuple(raw.split())
    if isinstance(raw, (list, tuple, np.ndarray)):
        return tuple(str(s) for s in raw)
    return None


def from_ase(atoms: ase.Atoms, species_names: Sequence[str] | None = None) -> System:
    """A :class:`System` from ``atoms`` (orthorhombic, fully periodic cell).

    Args:
        atoms: the ASE configuration.
        species_names: the names of species codes 0, 1, ...; by default
            ``info["species_names"]`` when it names every label, else the sorted distinct
            labels. Labels are ``arrays["pelkit_species"]`` when present, else the symbols.

    Raises:
        InputError: a non-periodic or non-orthorhombic cell, a label missing from
            ``species_names``, non-finite numbers.
    """
    if not all(bool(p) for p in atoms.pbc):
        raise InputError(f"pelkit needs a fully periodic cell, the Atoms has pbc={atoms.pbc}")
    cell = np.asarray(atoms.cell.array, dtype=np.float64)
    lengths = np.diag(cell).copy()
    off = cell - np.diag(lengths)
    if np.any(np.abs(off) > 1e-12 * float(np.max(np.abs(lengths)))):
        raise InputError("the cell is not orthorhombic; pelkit handles only those")
    n = len(atoms)
    if n == 0:
        raise InputError("the Atoms object holds no atoms")
    if "pelkit_species" in atoms.arrays:
        labels = [str(s) for s in atoms.arrays["pelkit_species"]]
    else:
        labels = atoms.get_chemical_symbols()
    distinct = sorted(set(labels))
    names = (
        tuple(species_names)
        if species_names is not None
        else _species_names_from_info(atoms.info.get("species_names"))
    )
    if names is None or any(label not in names for label in distinct):
        if species_names is not None:
            missing = [label for label in distinct if label not in names]
            raise InputError(f"species {missing} are not in species_names={tuple(names)}")
        names = tuple(distinct)
    diameters = atoms.arrays.get("diameter")
    if diameters is not None and len(distinct) == 1 and species_names is None:
        species = None
        names = (distinct[0],)
    else:
        index = {name: i for i, name in enumerate(names)}
        species = np.array([index[s] for s in labels], dtype=np.int64)
    masses = atoms.arrays.get("masses")
    masses = None if masses is None else np.array(masses, dtype=np.float64)
    velocities = None
    if "momenta" in atoms.arrays:
        momenta = atoms.arrays["momenta"]
        velo = atoms.arrays.get("velo")
        m = np.ones(n) if masses is None else masses
        if velo is not None and np.array_equal(m[:, None] * velo, momenta):
            velocities = np.array(velo, dtype=np.float64)
        else:
            velocities = atoms.get_velocities()
    images = atoms.arrays.get("image")
    info = {
        key: value
        for key, value in atoms.info.items()
        if key != "species_names" and isinstance(value, (bool, int, float, str, np.number))
    }
    return System(
        positions=np.array(atoms.positions, dtype=np.float64),
        box=Box(lengths),
        species=species,
        species_names=names,
        diameters=None if diameters is None else np.array(diameters, dtype=np.float64),
        masses=masses,
        velocities=velocities,
        images=None if images is None else np.array(images, dtype=np.int64),
        info=info,
    )


class PelkitCalculator(_AseCalculator):
    """An ASE calculator for a pelkit pair potential (energies in eps, forces in eps/sigma).

    Args:
        model: the pair potential (e.g. ``get_model("ka")``); species are matched by name
            (``arrays["pelkit_species"]`` or the symbols) as in ``pelkit energy``.
        skin: Verlet-list skin in sigma (the list is reused while N, cell and species stay).
        check_overlap: reject configurations with overlapping particles (pelkit's check).

    Properties: ``energy`` (= ``free_energy``), ``energies`` (per atom, half of each pair
    energy), ``forces`` (N, 3) and ``stress`` (Voigt xx, yy, zz, yz, xz, xy; potential part
    -W/V of :mod:`pelkit.engine.stress`, in eps/sigma^3). :meth:`get_hessian` gives the
    analytic Hessian (3N, 3N) and :meth:`get_vibrations` wraps it in ASE's ``VibrationsData``
    (instead of ASE's finite differences).
    """

    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

    def __init__(
        self, model: PairPotential, *, skin: float = 0.3, check_overlap: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.skin = skin
        self.check_overlap = check_overlap
        self._engine: Any = None
        self._key: tuple | None = None

    def _engine_for(self, atoms: ase.Atoms) -> tuple[Any, FloatArray]:
        """The pelkit Calculator for ``atoms`` (rebuilt when N, cell or species change) and the
        positions (N, 3) to evaluate."""
        from pelkit.engine.calculator import Calculator

        system = match_species(self.model, from_ase(atoms))
        key = (
            system.n_particles,
            system.box.lengths.tobytes(),
            None if system.species is None else system.species.tobytes(),
            None if system.diameters is None else system.diameters.tobytes(),
        )
        positions = np.array(atoms.positions, dtype=np.float64)
        if self._engine is None or key != self._key:
            self._engine = Calculator(
                self.model, system, skin=self.skin, check_overlap=self.check_overlap
            )
            self._key = key
        elif self.check_overlap:
            self._engine.check_overlap(positions)
        return self._engine, positions

    def calculate(
        self,
        atoms: ase.Atoms | None = None,
        properties: Sequence[str] = ("energy",),
        system_changes: Sequence[str] = tuple(all_changes),
    ) -> None:
        """Evaluate energy and forces of ``atoms``, and the per-atom energies and the stress
        when asked for (ASE's protocol). When only positions changed, the pelkit calculator and
        its Verlet list are reused without converting the Atoms again."""
        super().calculate(atoms, properties, system_changes)
        if self._engine is not None and set(system_changes) <= {"positions"}:
            engine = self._engine
            positions = np.array(self.atoms.positions, dtype=np.float64)
            if self.check_overlap:
                engine.check_overlap(positions)
        else:
            engine, positions = self._engine_for(self.atoms)
        ev = engine.evaluate(positions)
        self.results = {"energy": ev.energy, "free_energy": ev.energy, "forces": ev.forces}
        if "energies" in properties:
            self.results["energies"] = engine.per_particle_energies(positions)
        if "stress" in properties:
            stress = -engine.virial_tensor(positions) / float(np.prod(engine.box))
            self.results["stress"] = np.array(
                [stress[0, 0], stress[1, 1], stress[2, 2], stress[1, 2], stress[0, 2], stress[0, 1]]
            )

    def get_hessian(self, atoms: ase.Atoms | None = None) -> FloatArray:
        """The analytic Hessian d^2U/dr dr (3N, 3N) in eps/sigma^2 (not mass-weighted)."""
        atoms = self.atoms if atoms is None else atoms
        if atoms is None:
            raise InputError("no Atoms to evaluate: attach the calculator or pass atoms")
        engine, positions = self._engine_for(atoms)
        return np.asarray(engine.hessian(positions))

    def get_vibrations(self, atoms: ase.Atoms | None = None) -> Any:
        """ASE's ``VibrationsData`` built from the analytic Hessian (all atoms free)."""
        from ase.vibrations import VibrationsData

        atoms = self.atoms if atoms is None else atoms
        if atoms is None:
            raise InputError("no Atoms to evaluate: attach the calculator or pass atoms")
        return VibrationsData.from_2d(atoms.copy(), self.get_hessian(atoms))
