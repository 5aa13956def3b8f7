"""Extended XYZ against ASE, an independent reader and writer of the format.

ASE parses our files with its own code: positions, cell, pbc, symbols, masses and the ``velo``
column must come out bit-identical, and the optional ``momenta`` column must give ASE the same
velocities. Conversely, pelkit must read ASE-written files exactly as ASE reads them back.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.io.extxyz import read_extxyz, read_extxyz_frames, write_extxyz
from pelkit.system import Box, System

ase = pytest.importorskip(
    "ase", reason="ASE is not installed (pip install ase, part of the 'validation' extra)"
)
ase_io = pytest.importorskip("ase.io")

pytestmark = pytest.mark.validation


def sample(seed: int, masses: np.ndarray | None = None) -> System:
    rng = np.random.default_rng(seed)
    n = 9
    lengths = np.array([5.1, 6.2, 7.3])
    return System(
        positions=rng.uniform(0.0, 1.0, (n, 3)) * lengths,
        box=Box(lengths),
        species=rng.integers(0, 2, n),
        species_names=("A", "B"),
        masses=masses,
        velocities=rng.normal(size=(n, 3)),
        images=rng.integers(-3, 4, (n, 3)),
        info={"step": 1000 + seed, "temperature": 0.45},
    )


def test_ase_reads_pelkit_files(tmp_path):
    """Two frames written with chemical symbols for ASE (A -> Ar, B -> Kr)."""
    frames = [sample(0), sample(1)]
    write_extxyz(tmp_path / "p.xyz", frames, species_names=("Ar", "Kr"))
    atoms_list = ase_io.read(tmp_path / "p.xyz", index=":", format="extxyz")
    assert len(atoms_list) == 2
    for system, atoms in zip(frames, atoms_list, strict=True):
        assert atoms.get_positions().tobytes() == system.positions.tobytes()
        assert np.array_equal(atoms.cell.array, np.diag(system.box.lengths))
        assert atoms.pbc.tolist() == [True, True, True]
        expected = [("Ar", "Kr")[s] for s in system.species]
        assert atoms.get_chemical_symbols() == expected
        assert atoms.arrays["velo"].tobytes() == system.velocities.tobytes()
        assert np.array_equal(atoms.arrays["image"], system.images)
        assert atoms.info["step"] == system.info["step"]
        assert atoms.info["temperature"] == system.info["temperature"]


def test_ase_sees_masses_and_momenta(tmp_path):
    species_masses = np.array([39.948, 83.798])
    base = sample(2)
    system = System(
        base.positions,
        base.box,
        species=base.species,
        masses=species_masses[base.species],
        velocities=base.velocities,
    )
    write_extxyz(tmp_path / "m.xyz", system, species_names=("Ar", "Kr"), momenta=True)
    atoms = ase_io.read(tmp_path / "m.xyz", format="extxyz")
    assert atoms.get_masses().tobytes() == system.masses.tobytes()
    # ASE's velocities are momenta / masses: equal to ours up to the rounding of m v / m
    np.testing.assert_allclose(atoms.get_velocities(), system.velocities, rtol=2e-16, atol=0)
    # and pelkit, reading the file back, prefers the exact velo column
    assert read_extxyz(tmp_path / "m.xyz").velocities.tobytes() == system.velocities.tobytes()


@pytest.mark.parametrize("explicit_masses", [True, False])
def test_pelkit_reads_ase_files(tmp_path, explicit_masses):
    """ASE writes %16.8f text; pelkit must parse it exactly as ASE itself does."""
    from ase import Atoms

    rng = np.random.default_rng(4)
    lengths = np.array([4.0, 4.5, 5.0])
    symbols = ["Kr", "Ar", "Ar", "Kr", "Ar"]
    atoms = Atoms(
        symbols=symbols,
        positions=rng.uniform(0.0, 1.0, (5, 3)) * lengths,
        cell=np.diag(lengths),
        pbc=True,
    )
    if explicit_masses:  # ASE then writes a masses column
        atoms.set_masses([1.0, 0.5, 0.5, 1.0, 0.5])
    atoms.set_velocities(rng.normal(size=(5, 3)))
    atoms.info["energy_is"] = -7.25
    ase_io.write(tmp_path / "a.xyz", [atoms, atoms], format="extxyz")
    reread = ase_io.read(tmp_path / "a.xyz", format="extxyz")  # ASE's own view of its text
    frames = read_extxyz_frames(tmp_path / "a.xyz")
    assert len(frames) == 2
    system = frames[-1]
    assert np.array_equal(system.box.lengths, lengths)
    assert system.positions.tobytes() == reread.get_positions().tobytes()
    assert system.species_names == ("Ar", "Kr")
    assert [system.species_names[s] for s in system.species] == symbols
    assert system.info["energy_is"] == -7.25
    if explicit_masses:
        assert system.masses.tobytes() == reread.get_masses().tobytes()
        assert system.velocities.tobytes() == reread.get_velocities().tobytes()
    else:
        # element masses are not in the file: pelkit keeps the momenta, sets no velocities
        assert system.velocities is None
        momenta = system.info["columns"]["momenta"]
        assert momenta.tobytes() == reread.get_momenta().tobytes()
