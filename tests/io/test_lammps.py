"""LAMMPS data files (bit-exact round trips, conventions, bad input) and dump files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pelkit.errors import InputError
from pelkit.io.lammps import (
    format_lammps_data,
    iter_lammps_dump,
    read_lammps_data,
    read_lammps_dump,
    write_lammps_data,
)
from pelkit.system import Box, System

any_float = st.floats(allow_nan=False, allow_infinity=False, width=64)


def same_bits(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@st.composite
def systems(draw: st.DrawFn) -> System:
    n = draw(st.integers(1, 12))
    n_species = draw(st.integers(1, 4))
    names = ("A", "B", "Si", "O_2")[:n_species]
    lengths = draw(arrays(np.float64, 3, elements=st.floats(0.25, 1e4)))
    frac = draw(arrays(np.float64, (n, 3), elements=st.floats(0.0, 1.0, exclude_max=True)))
    species = draw(arrays(np.int64, n, elements=st.integers(0, n_species - 1)))
    type_masses = draw(arrays(np.float64, n_species, elements=st.floats(1e-3, 1e3)))
    return System(
        positions=frac * lengths,
        box=Box(lengths),
        species=species,
        species_names=names,
        masses=type_masses[species],
        velocities=draw(st.none() | arrays(np.float64, (n, 3), elements=any_float)),
        images=draw(arrays(np.int64, (n, 3), elements=st.integers(-(10**9), 10**9))),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system=systems())
def test_data_round_trip_is_bit_exact(system, tmp_path_factory):
    path = tmp_path_factory.mktemp("lmp") / "conf.data"
    write_lammps_data(path, system)
    back = read_lammps_data(path)
    for name in ("positions", "images", "velocities", "masses", "species"):
        assert same_bits(getattr(system, name), getattr(back, name)), name
    assert same_bits(system.box.lengths, back.box.lengths)
    assert back.species_names == system.species_names


def ka_like(n: int = 5, velocities: bool = True) -> System:
    rng = np.random.default_rng(7)
    return System(
        positions=rng.uniform(-3.0, 9.0, (n, 3)),
        box=Box(np.array([3.0, 4.0, 5.0])),
        species=np.array([0, 1, 0, 0, 1][:n]),
        species_names=("A", "B", "C"),
        masses=np.array([1.0, 0.5, 1.0, 1.0, 0.5][:n]),
        velocities=rng.normal(size=(n, 3)) if velocities else None,
    )


def test_layout_of_written_file():
    text = format_lammps_data(ka_like(), title="KA test")
    lines = text.splitlines()
    assert lines[0].startswith("KA test; LAMMPS data file written by pelkit")
    assert lines[0].endswith("species_names: A B C")
    assert "5 atoms" in lines and "3 atom types" in lines
    assert "0.0 3.0 xlo xhi" in lines and "0.0 5.0 zlo zhi" in lines
    masses = lines[lines.index("Masses") + 2 : lines.index("Masses") + 5]
    assert masses == ["1 1.0", "2 0.5", "3 1.0"]  # unused type C keeps mass 1
    first_atom = lines[lines.index("Atoms # atomic") + 2].split()
    assert first_atom[:2] == ["1", "1"] and len(first_atom) == 8
    assert "Velocities" in lines


def test_reader_sorts_ids_shifts_origin_and_reads_labels(tmp_path):
    text = """\
generic title from elsewhere

3 atoms
2 atom types
0 bonds

-2.5 2.5 xlo xhi
1.0 5.0 ylo yhi
0 8 zlo zhi
0.0 0.0 0.0 xy xz yz

Masses

1 2.0  # heavy
2 1.0

Atom Type Labels

1 Cu
2 Zr

Atoms

3 2 0.5 2.0 7.0 0 0 1
1 1 -2.0 1.5 0.5 1 0 0
2 2 2.25 4.0 4.0 0 -1 0

Velocities

2 0.2 0.0 0.0
3 0.3 0.0 0.0
1 0.1 0.0 0.0
"""
    (tmp_path / "in.lmp").write_text(text)
    s = read_lammps_data(tmp_path / "in.lmp")
    assert s.species_names == ("Cu", "Zr")
    assert s.species.tolist() == [0, 1, 1]
    assert np.array_equal(s.box.lengths, [5.0, 4.0, 8.0])
    assert np.array_equal(s.positions, [[0.5, 0.5, 0.5], [4.75, 3.0, 4.0], [3.0, 1.0, 7.0]])
    assert s.images.tolist() == [[1, 0, 0], [0, -1, 0], [0, 0, 1]]
    assert np.array_equal(s.masses, [2.0, 1.0, 1.0])
    assert np.array_equal(s.velocities[:, 0], [0.1, 0.2, 0.3])


def test_default_names_no_masses_no_images(tmp_path):
    (tmp_path / "m.data").write_text(
        "title\n\n2 atoms\n3 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\n"
        "Atoms # atomic\n\n1 3 1 1 1\n2 1 5 2 2\n"
    )
    s = read_lammps_data(tmp_path / "m.data")
    assert s.species_names == ("A", "B", "C")
    assert s.species.tolist() == [2, 0]
    assert np.array_equal(s.masses, [1.0, 1.0])
    assert s.images.tolist() == [[0, 0, 0], [1, 0, 0]]  # x = 5 wraps into the box
    assert s.velocities is None


def test_write_refusals(tmp_path):
    base = ka_like()
    poly = System(base.positions, base.box, diameters=np.ones(5))
    with pytest.raises(InputError, match="diameters"):
        write_lammps_data(tmp_path / "x.data", poly)
    mixed = System(base.positions, base.box, species=base.species, masses=np.arange(1.0, 6.0))
    with pytest.raises(InputError, match="several masses"):
        write_lammps_data(tmp_path / "x.data", mixed)


HEADER = "t\n\n1 atoms\n1 atom types\n0 2 xlo xhi\n0 2 ylo yhi\n0 2 zlo zhi\n\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("t\n\n1 atom types\n0 2 xlo xhi\n0 2 ylo yhi\n0 2 zlo zhi\nAtoms\n\n1 1 0 0 0\n", "atoms"),
        ("t\n\n1 atoms\n0 2 xlo xhi\n0 2 ylo yhi\n0 2 zlo zhi\nAtoms\n\n1 1 0 0 0\n", "types"),
        ("t\n\n1 atoms\n1 atom types\n0 2 xlo xhi\n0 2 ylo yhi\nAtoms\n\n1 1 0 0 0\n", "zlo"),
        ("t\n\nx atoms\n1 atom types\n", "malformed header"),
        (HEADER.replace("0 2 ylo", "2 2 ylo") + "Atoms\n\n1 1 0 0 0\n", "hi > lo"),
        (HEADER + "0.5 0 0 xy xz yz\nAtoms\n\n1 1 0 0 0\n", "triclinic"),
        (HEADER, "no Atoms section"),
        (HEADER + "Atoms # full\n\n1 1 1 0.0 0 0 0\n", "atom style 'full'"),
        (HEADER + "Atoms\n\n1 1 0 0\n", "4 columns"),
        (HEADER + "Atoms\n\n1 1 0 0 0\n2 1 0 0 0\n", "2 lines, the header says 1"),
        (HEADER + "Atoms\n\n1 2 0 0 0\n", r"1\.\.1"),
        (HEADER + "Atoms\n\n1 1 0 nan 0\n", "NaN"),
        (HEADER + "Atoms\n\n1 1 0 0 0 1 0.5 0\n", "integers"),
        (HEADER + "Atoms\n\n1 1 0 0 0\n\nVelocities\n\n2 0 0 0\n", "Velocities ids"),
        (HEADER + "Masses\n\n1 1.0\n\nMasses\n\n1 1.0\nAtoms\n\n1 1 0 0 0\n", "twice"),
        (
            HEADER.replace("1 atoms", "2 atoms") + "Atoms\n\n1 1 0 0 0\n1 1 1 1 1\n",
            "duplicate atom ids",
        ),
    ],
)
def test_malformed_data_files(tmp_path, text, message):
    path = tmp_path / "bad.data"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_lammps_data(path)


def test_missing_data_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_lammps_data(tmp_path / "nope.data")


# ------------------------------------------------------------------------------------------
# dump files

DUMP = """\
ITEM: TIMESTEP
100
ITEM: NUMBER OF ATOMS
3
ITEM: BOX BOUNDS pp pp pp
-1.0 3.0
0.0 2.0
0.5 2.5
ITEM: ATOMS type x id z y vx vy vz ix iy iz c_pe
2 1.0 3 1.5 0.5 0.3 0.0 0.0 0 0 1 -3.5
1 -0.5 1 0.5 1.5 0.1 0.0 0.0 1 0 0 -2.5
1 2.5 2 2.0 1.0 0.2 0.0 0.0 0 -1 0 -1.5
ITEM: TIMESTEP
200
ITEM: NUMBER OF ATOMS
3
ITEM: BOX BOUNDS pp pp pp
-1.0 3.0
0.0 2.0
0.5 2.5
ITEM: ATOMS id type xu yu zu
2 1 7.0 1.0 1.0
1 1 -1.5 0.5 0.5
3 2 0.0 -1.0 3.0
"""


def test_dump_frames_sorted_by_id(tmp_path):
    (tmp_path / "a.dump").write_text(DUMP)
    frames = read_lammps_dump(tmp_path / "a.dump")
    assert [f.timestep for f in frames] == [100, 200]
    f0 = frames[0]
    assert f0.ids.tolist() == [1, 2, 3]
    assert f0.types.tolist() == [1, 1, 2]
    assert np.array_equal(f0.box.lengths, [4.0, 2.0, 2.0])
    assert np.array_equal(f0.origin, [-1.0, 0.0, 0.5])
    assert np.array_equal(f0.positions, [[0.5, 1.5, 0.0], [3.5, 1.0, 1.5], [2.0, 0.5, 1.0]])
    assert not f0.unwrapped
    assert np.array_equal(f0.velocities[:, 0], [0.1, 0.2, 0.3])
    assert f0.images.tolist() == [[1, 0, 0], [0, -1, 0], [0, 0, 1]]
    assert np.array_equal(f0.columns["c_pe"], [-2.5, -1.5, -3.5])
    s0 = f0.to_system()
    assert s0.species.tolist() == [0, 0, 1] and s0.species_names == ("A", "B")
    assert s0.images.tolist() == f0.images.tolist()

    f1 = frames[1]
    assert f1.unwrapped
    assert np.array_equal(f1.positions, [[-0.5, 0.5, 0.0], [8.0, 1.0, 0.5], [1.0, -1.0, 2.5]])
    s1 = f1.to_system(species_names=("Cu", "Zr"))
    assert np.array_equal(s1.unwrapped_positions(), f1.positions)
    assert s1.images.tolist() == [[-1, 0, 0], [2, 0, 0], [0, -1, 1]]
    assert sum(1 for _ in iter_lammps_dump(tmp_path / "a.dump")) == 2


def test_dump_scaled_coordinates_and_no_ids(tmp_path):
    text = (
        "ITEM: TIMESTEP\n0\nITEM: TIME\n0.25\nITEM: UNITS\nlj\nITEM: NUMBER OF ATOMS\n2\n"
        "ITEM: BOX BOUNDS pp pp pp\n0 4\n0 2\n1 9\nITEM: ATOMS xs ys zs\n"
        "0.5 0.25 0.125\n0.0 0.5 0.75\n"
    )
    (tmp_path / "s.dump").write_text(text)
    (frame,) = read_lammps_dump(tmp_path / "s.dump")
    assert frame.time == 0.25
    assert frame.ids.tolist() == [1, 2]
    assert np.array_equal(frame.positions, [[2.0, 0.5, 1.0], [0.0, 1.0, 6.0]])


DUMP_HEAD = (
    "ITEM: TIMESTEP\n5\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no snapshots"),
        ("hello\n", "expected an 'ITEM:' line"),
        (DUMP_HEAD + "ITEM: ATOMS id type x y\n1 1 0 0\n", "only some of x y z"),
        (DUMP_HEAD + "ITEM: ATOMS id type vx\n1 1 0\n", "no x y z"),
        (DUMP_HEAD + "ITEM: ATOMS id x y z\n1 0 0\n", "3 columns, ITEM: ATOMS names 4"),
        (DUMP_HEAD + "ITEM: ATOMS id x y z\n", "file ends after 0 of 1"),
        (DUMP_HEAD + "ITEM: ATOMS id x y z\n1 0 0 nan\n", "NaN"),
        (DUMP_HEAD + "ITEM: ATOMS id x y z ix\n1 0 0 0 1\n", "only some of ix iy iz"),
        (
            DUMP_HEAD.replace("pp pp pp", "xy xz yz pp pp pp") + "ITEM: ATOMS id x y z\n1 0 0 0\n",
            "triclinic",
        ),
        ("ITEM: TIMESTEP\n5\nITEM: ATOMS id x y z\n1 0 0 0\n", "must precede ATOMS"),
        ("ITEM: TIMESTEP\n5\nITEM: FOO\n", "unknown item"),
        ("ITEM: TIMESTEP\n", "file ends unexpectedly"),
    ],
)
def test_malformed_dumps(tmp_path, text, message):
    path = tmp_path / "bad.dump"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_lammps_dump(path)
