"""The ASE bridge: System <-> Atoms round trips, files ASE reads, Atoms accepted by the API."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pelkit.build import kob_andersen_system
from pelkit.errors import InputError
from pelkit.io.extxyz import read_extxyz, write_extxyz
from pelkit.io.formats import read_system, write_system
from pelkit.system import Box, System, as_system

ase = pytest.importorskip(
    "ase", reason="ASE is not installed (pip install 'pelkit[ase]', also in the validation extra)"
)
from ase import Atoms  # noqa: E402
from ase.io import read as ase_read  # noqa: E402

from pelkit.interop.ase import from_ase, to_ase  # noqa: E402


def rich_system(seed: int = 0, diameters: bool = False) -> System:
    rng = np.random.default_rng(seed)
    n = 11
    lengths = np.array([5.1, 6.2, 7.3])
    return System(
        positions=rng.uniform(-3.0, 12.0, (n, 3)),
        box=Box(lengths),
        species=None if diameters else rng.integers(0, 3, n),
        species_names=("A",) if diameters else ("A", "B", "C"),
        diameters=rng.uniform(0.8, 1.2, n) if diameters else None,
        masses=rng.uniform(0.5, 2.0, n),
        velocities=rng.normal(size=(n, 3)),
        images=rng.integers(-2, 3, (n, 3)),
        info={"step": 7, "temperature": 0.45, "label": "x"},
    )


def same(a: System, b: System) -> None:
    assert a.positions.tobytes() == b.positions.tobytes()
    assert a.box.lengths.tobytes() == b.box.lengths.tobytes()
    assert np.array_equal(a.images, b.images)
    assert a.masses.tobytes() == b.masses.tobytes()
    assert a.velocities.tobytes() == b.velocities.tobytes()
    assert a.species_labels() == b.species_labels()
    if a.diameters is None:
        assert b.diameters is None
        assert np.array_equal(a.species, b.species) and a.species_names == b.species_names
    else:
        assert a.diameters.tobytes() == b.diameters.tobytes() and b.species is None


@pytest.mark.parametrize("diameters", [False, True])
def test_round_trip_is_bit_exact(diameters):
    system = rich_system(1, diameters)
    atoms = system.to_ase()
    assert isinstance(atoms, Atoms)
    assert atoms.pbc.all() and np.array_equal(atoms.cell.array, np.diag(system.box.lengths))
    assert atoms.get_masses().tobytes() == system.masses.tobytes()
    np.testing.assert_allclose(atoms.get_velocities(), system.velocities, rtol=1e-15)
    back = System.from_ase(atoms)
    same(system, back)
    assert back.info["step"] == 7 and back.info["label"] == "x"


def test_species_are_told_apart_by_symbols():
    system = rich_system(2)
    atoms = to_ase(system)
    symbols = atoms.get_chemical_symbols()
    assert symbols == [("H", "He", "Li")[c] for c in system.species]
    # element names stay themselves
    named = System(system.positions, system.box, species=system.species,
                   species_names=("Ar", "Kr", "Xe"))
    assert to_ase(named).get_chemical_symbols() == [("Ar", "Kr", "Xe")[c] for c in named.species]
    assert "pelkit_species" not in to_ase(named).arrays


def test_ase_moves_atoms_out_of_the_box():
    """ASE optimisers do not wrap: positions beyond L come back wrapped with images counted."""
    system = rich_system(3)
    atoms = to_ase(system)
    shift = np.zeros((system.n_particles, 3))
    shift[0, 0] = system.box.lengths[0]  # one box length to the right
    atoms.positions = atoms.positions + shift
    atoms.set_momenta(atoms.get_momenta() * 2.0)  # velo no longer agrees: momenta win
    back = from_ase(atoms)
    np.testing.assert_array_equal(back.unwrapped_positions(), system.unwrapped_positions() + shift)
    np.testing.assert_allclose(back.velocities, 2.0 * system.velocities, rtol=1e-15)


def test_plain_atoms_and_errors():
    atoms = Atoms("Ar2Kr", positions=[[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0]], cell=[4, 4, 4],
                  pbc=True)
    system = from_ase(atoms)
    assert system.species_names == ("Ar", "Kr")
    assert np.array_equal(system.masses, np.ones(3))  # reduced units, not element masses
    assert system.velocities is None
    assert from_ase(atoms, species_names=("Kr", "Ar")).species.tolist() == [1, 1, 0]
    with pytest.raises(InputError, match="not in species_names"):
        from_ase(atoms, species_names=("Ar",))
    with pytest.raises(InputError, match="periodic"):
        from_ase(Atoms("Ar", cell=[4, 4, 4], pbc=[True, True, False]))
    with pytest.raises(InputError, match="orthorhombic"):
        from_ase(Atoms("Ar", cell=[[4, 0, 0], [1, 4, 0], [0, 0, 4]], pbc=True))
    with pytest.raises(InputError, match="ase.Atoms"):
        as_system("not a configuration")


def test_api_accepts_atoms():
    from pelkit.engine.calculator import Calculator, summarize
    from pelkit.landscape.quench import quench
    from pelkit.models import get_model

    model = get_model("ka")
    system = kob_andersen_system(155, seed=4)
    atoms = system.to_ase()
    assert summarize(model, atoms)["energy"] == summarize(model, system)["energy"]
    e_atoms, f_atoms = Calculator(model, atoms).energy_forces()
    e_sys, f_sys = Calculator(model, system).energy_forces()
    assert e_atoms == e_sys and f_atoms.tobytes() == f_sys.tobytes()
    q = quench(model, atoms, method="lbfgs", fmax=1e-8)
    assert q.minimize.converged
    from pelkit.landscape.batched_quench import quench_batch

    batch = quench_batch(model, [atoms, system], method="lbfgs", fmax=1e-8)
    assert batch.energies_per_particle[0] == batch.energies_per_particle[1]


def test_cli_build_output_opens_in_ase(tmp_path):
    """The new-user path of issue 15: `pelkit build ka ... --out ka.xyz`, then ase.io.read."""
    from pelkit.cli.app import app

    out = tmp_path / "ka.xyz"
    r = CliRunner().invoke(app, ["build", "ka", "--n", "155", "--seed", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    atoms = ase_read(out)
    system = read_extxyz(out)
    counts = {s: atoms.get_chemical_symbols().count(s) for s in ("H", "He")}
    assert counts == {"H": 124, "He": 31}
    assert atoms.get_positions().tobytes() == system.positions.tobytes()
    assert np.array_equal(atoms.get_masses(), np.ones(155))
    assert list(atoms.arrays["pelkit_species"][:3]) == system.species_labels()[:3]
    same_codes = from_ase(atoms)
    assert np.array_equal(same_codes.species, system.species)
    assert same_codes.species_names == ("A", "B")


def test_pelkit_file_read_by_ase_and_written_back(tmp_path):
    """pelkit -> extxyz -> ase.io.read -> ase.io.write -> pelkit keeps species and images."""
    system = rich_system(5)
    write_extxyz(tmp_path / "p.xyz", system)
    again = read_extxyz(tmp_path / "p.xyz")
    same(system, again)
    atoms = ase_read(tmp_path / "p.xyz")
    ase.io.write(tmp_path / "a.xyz", atoms)  # ASE's %16.8f text
    back = read_extxyz(tmp_path / "a.xyz")
    assert back.species_labels() == system.species_labels()
    assert np.array_equal(back.images, system.images)
    np.testing.assert_allclose(back.positions, system.positions, atol=1e-8)


def test_any_ase_format_through_read_system(tmp_path):
    system = kob_andersen_system(155, seed=6)
    write_system(tmp_path / "ka.cif", system)  # written by ASE
    back = read_system(tmp_path / "ka.cif")
    np.testing.assert_allclose(back.positions, system.positions, atol=1e-4)
    assert back.n_particles == 155
    (tmp_path / "POSCAR").write_text(
        "test\n1.0\n4 0 0\n0 4 0\n0 0 4\nAr\n2\nCartesian\n0 0 0\n1 1 1\n"
    )
    poscar = read_system(tmp_path / "POSCAR")
    assert poscar.species_names == ("Ar",) and poscar.n_particles == 2
    with pytest.raises(InputError, match="ASE cannot read it"):
        (tmp_path / "junk.qqq").write_text("nothing\n")
        read_system(tmp_path / "junk.qqq")
    with pytest.raises(InputError, match="file not found"):
        read_system(tmp_path / "missing.cif")


def test_cli_energy_reads_ase_formats(tmp_path):
    """A CLI command given a file only ASE reads: the CIF keeps only the placeholder symbols
    H and He, which map back to KA's A and B; other symbols are refused in one line."""
    from pelkit.cli.app import app
    from pelkit.engine.calculator import summarize
    from pelkit.models import get_model

    system = kob_andersen_system(155, seed=7)
    write_system(tmp_path / "ka.vasp", system)
    r = CliRunner().invoke(app, ["energy", str(tmp_path / "ka.vasp"), "--model", "ka", "--json"])
    assert r.exit_code == 0, r.output
    expected = summarize(get_model("ka"), system)["energy"]
    assert abs(json.loads(r.stdout)["energy"] - expected) < 1e-9 * abs(expected)
    atoms = to_ase(system)
    del atoms.arrays["pelkit_species"]
    atoms.set_chemical_symbols(["Ar" if s == "H" else "Kr" for s in atoms.get_chemical_symbols()])
    ase.io.write(tmp_path / "arkr.vasp", atoms)
    r = CliRunner().invoke(app, ["energy", str(tmp_path / "arkr.vasp"), "--model", "ka"])
    assert r.exit_code == 2
    assert r.stderr.startswith("pelkit: error:") and "not part of model" in r.stderr
