"""Extended XYZ: bit-exact round trips, multi-frame files, header conventions, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pelkit.errors import InputError
from pelkit.io.extxyz import (
    format_extxyz_frame,
    iter_extxyz,
    read_extxyz,
    read_extxyz_frames,
    write_extxyz,
)
from pelkit.system import Box, System

NAME_SETS = [("A", "B", "C"), ("Ar", "Kr", "Ne"), ("a1", "b_2", "C-3")]
any_float = st.floats(allow_nan=False, allow_infinity=False, width=64)


def same_bits(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Identical arrays down to every bit (distinguishes -0.0 from 0.0)."""
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return a.tobytes() == b.tobytes()


@st.composite
def systems(draw: st.DrawFn) -> System:
    n = draw(st.integers(1, 12))
    lengths = draw(arrays(np.float64, 3, elements=st.floats(0.25, 1e4)))
    frac = draw(arrays(np.float64, (n, 3), elements=st.floats(0.0, 1.0, exclude_max=True)))
    images = draw(arrays(np.int64, (n, 3), elements=st.integers(-(10**9), 10**9)))
    velocities = draw(st.none() | arrays(np.float64, (n, 3), elements=any_float))
    diameter_model = draw(st.booleans())
    if diameter_model:
        species = None
        names: tuple[str, ...] = ("A", "B")
        diameters = draw(arrays(np.float64, n, elements=st.floats(1e-3, 1e3)))
    else:
        n_species = draw(st.integers(1, 3))
        names = draw(st.sampled_from(NAME_SETS))[:n_species]
        species = draw(arrays(np.int64, n, elements=st.integers(0, n_species - 1)))
        diameters = draw(st.none() | arrays(np.float64, n, elements=st.floats(1e-3, 1e3)))
    masses = draw(st.none() | arrays(np.float64, n, elements=st.floats(1e-3, 1e3)))
    return System(
        positions=frac * lengths,
        box=Box(lengths),
        species=species,
        species_names=names,
        diameters=diameters,
        masses=masses,
        velocities=velocities,
        images=images,
    )


def assert_same_system(a: System, b: System) -> None:
    assert same_bits(a.box.lengths, b.box.lengths)
    assert same_bits(a.positions, b.positions)
    assert same_bits(a.images, b.images)
    assert same_bits(a.velocities, b.velocities)
    assert same_bits(a.masses, b.masses)
    assert same_bits(a.diameters, b.diameters)
    assert same_bits(a.species, b.species)
    if a.species is not None:
        assert a.species_names == b.species_names


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system=systems())
def test_round_trip_is_bit_exact(system: System, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("xyz") / "frame.xyz"
    write_extxyz(path, system)
    back = read_extxyz(path)
    assert_same_system(system, back)


def test_special_floats_round_trip(tmp_path):
    """-0.0, subnormals, the largest float and values needing 17 digits keep every bit."""
    v = np.array(
        [[-0.0, 5e-324, 1.7976931348623157e308], [0.1, 1 / 3, -2.2250738585072014e-308]]
    )
    system = System(
        positions=np.array([[0.1, 0.2, 0.30000000000000004], [1 / 3, 2 / 3, 0.7]]),
        box=Box(np.array([1.0, 1.0000000000000002, 3.0])),
        species=np.array([0, 1]),
        velocities=v,
    )
    write_extxyz(tmp_path / "s.xyz", system)
    back = read_extxyz(tmp_path / "s.xyz")
    assert_same_system(system, back)
    assert np.signbit(back.velocities[0, 0])


def small_system(seed: int = 0, n: int = 6) -> System:
    rng = np.random.default_rng(seed)
    lengths = np.array([4.0, 5.0, 6.5])
    return System(
        positions=rng.uniform(-8.0, 12.0, (n, 3)),
        box=Box(lengths),
        species=rng.integers(0, 2, n),
        velocities=rng.normal(size=(n, 3)),
        info={"step": 100 + seed, "temperature": 0.45, "label": 'run "x" 1', "flag": True},
    )


def test_header_and_columns(tmp_path):
    system = small_system()
    text = format_extxyz_frame(system)
    lines = text.splitlines()
    assert lines[0] == "6"
    header = lines[1]
    assert 'Lattice="4.0 0.0 0.0 0.0 5.0 0.0 0.0 0.0 6.5"' in header
    # species holds element symbols (A -> H, B -> He) for ASE, the names are in pelkit_species
    props = "Properties=species:S:1:pos:R:3:pelkit_species:S:1:masses:R:1:velo:R:3:image:I:3 "
    assert props in header
    assert 'pbc="T T T"' in header
    assert 'species_names="A B"' in header
    assert len(lines) == 2 + 6
    assert all(len(line.split()) == 1 + 3 + 1 + 1 + 3 + 3 for line in lines[2:])
    for line, code in zip(lines[2:], system.species, strict=True):
        assert line.split()[0] == ("H", "He")[code]
        assert line.split()[4] == ("A", "B")[code]
    # names that are element symbols are written as they are, without pelkit_species
    symbols = format_extxyz_frame(system, species_names=("Ar", "Kr")).splitlines()[1]
    assert "Properties=species:S:1:pos:R:3:masses:R:1:velo" in symbols


def test_info_round_trip(tmp_path):
    system = small_system()
    system.info["weights"] = [0.1, 2.5, -3.0]
    system.info["not_written"] = object()
    write_extxyz(tmp_path / "a.xyz", system)
    info = read_extxyz(tmp_path / "a.xyz").info
    assert info["step"] == 100 and isinstance(info["step"], int)
    assert info["temperature"] == 0.45
    assert info["label"] == 'run "x" 1'
    assert info["flag"] is True
    assert info["weights"] == [0.1, 2.5, -3.0]
    assert "not_written" not in info


def test_multi_frame_write_append_and_index(tmp_path):
    path = tmp_path / "traj.xyz"
    frames = [small_system(seed) for seed in range(4)]
    assert write_extxyz(path, frames[:3]) == 3
    write_extxyz(path, frames[3], append=True)
    back = read_extxyz_frames(path)
    assert len(back) == 4
    for a, b in zip(frames, back, strict=True):
        assert_same_system(a, b)
        assert b.info["step"] == a.info["step"]
    assert read_extxyz(path).info["step"] == 103
    assert read_extxyz(path, 0).info["step"] == 100
    assert read_extxyz(path, -3).info["step"] == 101
    assert sum(1 for _ in iter_extxyz(path)) == 4
    with pytest.raises(InputError, match="frame 7 does not exist"):
        read_extxyz(path, 7)
    with pytest.raises(InputError, match="frame -5 does not exist"):
        read_extxyz(path, -5)


def test_extra_columns(tmp_path):
    system = small_system()
    rng = np.random.default_rng(3)
    disp = rng.normal(size=(6, 3))
    count = np.array([1, -2, 3, 0, 5, 7])
    mask = np.array([True, False, True, True, False, False])
    write_extxyz(tmp_path / "e.xyz", system, extra={"disp": disp, "count": count, "mask": mask})
    header = (tmp_path / "e.xyz").read_text().splitlines()[1]
    assert ":disp:R:3:count:I:1:mask:L:1" in header
    cols = read_extxyz(tmp_path / "e.xyz").info["columns"]
    assert same_bits(cols["disp"], disp)
    assert np.array_equal(cols["count"], count)
    assert np.array_equal(cols["mask"], mask)
    with pytest.raises(InputError, match="not a free identifier"):
        write_extxyz(tmp_path / "f.xyz", system, extra={"pos": disp})
    with pytest.raises(InputError, match="shape"):
        write_extxyz(tmp_path / "f.xyz", system, extra={"disp": disp[:4]})
    with pytest.raises(InputError, match="NaN"):
        write_extxyz(tmp_path / "f.xyz", system, extra={"disp": disp * np.nan})


def test_per_frame_extra_columns(tmp_path):
    frames = [small_system(0), small_system(1)]
    extras = [{"d": np.zeros(6)}, {"d": np.ones(6)}]
    write_extxyz(tmp_path / "t.xyz", frames, extra=extras)
    back = read_extxyz_frames(tmp_path / "t.xyz")
    assert np.array_equal(back[1].info["columns"]["d"], np.ones(6))
    with pytest.raises(InputError, match="2 frames"):
        write_extxyz(tmp_path / "t.xyz", frames, extra=extras[:1])


def test_unused_species_and_renaming(tmp_path):
    system = System(
        positions=np.array([[0.5, 0.5, 0.5], [1.0, 1.0, 1.0]]),
        box=Box.cubic(3.0),
        species=np.array([2, 2]),
        species_names=("A", "B", "C"),
    )
    write_extxyz(tmp_path / "c.xyz", system)
    back = read_extxyz(tmp_path / "c.xyz")
    assert back.species_names == ("A", "B", "C")
    assert back.species.tolist() == [2, 2]
    write_extxyz(tmp_path / "r.xyz", system, species_names=("Ar", "Kr", "Xe"))
    lines = (tmp_path / "r.xyz").read_text().splitlines()
    assert lines[2].split()[0] == "Xe"
    with pytest.raises(InputError, match="species_names has 2 names"):
        write_extxyz(tmp_path / "r.xyz", system, species_names=("Ar", "Kr"))
    bad = System(system.positions, system.box, species=np.array([0, 1]), species_names=("A B", "C"))
    with pytest.raises(InputError, match="cannot be written"):
        write_extxyz(tmp_path / "bad.xyz", bad)


def test_foreign_file_conventions(tmp_path):
    """Files from other tools: no species_names key, Origin, radius, momenta, mass, no pbc."""
    text = (
        "3\n"
        'Lattice="2.0 0.0 0.0 0.0 4.0 0.0 0.0 0.0 8.0" Origin="-1.0 0.0 2.0" '
        "Properties=species:S:1:pos:R:3:radius:R:1:mass:R:1:momenta:R:3 energy=-1.5 tag\n"
        "Kr -0.5 1.0 3.0 0.25 2.0 2.0 4.0 6.0\n"
        "Ar 0.5 2.0 4.0 0.5 1.0 1.0 1.0 1.0\n"
        "Ar 0.75 3.0 9.5 0.5 1.0 -1.0 0.0 0.0\n"
    )
    (tmp_path / "f.xyz").write_text(text)
    s = read_extxyz(tmp_path / "f.xyz")
    assert s.species_names == ("Ar", "Kr")  # sorted distinct labels
    assert s.species.tolist() == [1, 0, 0]
    assert np.array_equal(s.positions, [[0.5, 1.0, 1.0], [1.5, 2.0, 2.0], [1.75, 3.0, 7.5]])
    assert np.array_equal(s.diameters, [0.5, 1.0, 1.0])
    assert np.array_equal(s.masses, [2.0, 1.0, 1.0])
    assert np.array_equal(s.velocities, [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]])
    assert s.info == {"energy": -1.5, "tag": True}


def test_plain_species_positions_and_diameter_model(tmp_path):
    (tmp_path / "p.xyz").write_text(
        '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:diameter:R:1\n'
        "X 0 0 0 1.0\nX 1 1 1 1.4\n"
    )
    s = read_extxyz(tmp_path / "p.xyz")
    assert s.species is None
    assert np.array_equal(s.diameters, [1.0, 1.4])
    # velo wins over momenta when both are present
    (tmp_path / "v.xyz").write_text(
        '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:velo:R:3:momenta:R:3:'
        "masses:R:1\nA 0 0 0 1 2 3 9 9 9 2.0\n"
    )
    assert np.array_equal(read_extxyz(tmp_path / "v.xyz").velocities, [[1.0, 2.0, 3.0]])


def test_momenta_without_masses_are_kept(tmp_path):
    """ASE-style momenta with element masses not in the file: no velocities are invented."""
    (tmp_path / "m.xyz").write_text(
        '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:momenta:R:3\n'
        "Ar 0 0 0 39.9 0 0\n"
    )
    s = read_extxyz(tmp_path / "m.xyz")
    assert s.velocities is None
    assert np.array_equal(s.info["columns"]["momenta"], [[39.9, 0.0, 0.0]])
    write_extxyz(tmp_path / "again.xyz", s, extra=s.info["columns"])
    again = read_extxyz(tmp_path / "again.xyz")
    assert again.velocities is None
    assert np.array_equal(again.info["columns"]["momenta"], [[39.9, 0.0, 0.0]])
    moving = System(s.positions, s.box, velocities=np.ones((1, 3)))
    with pytest.raises(InputError, match="not a free identifier"):
        write_extxyz(tmp_path / "x.xyz", moving, extra={"momenta": np.ones((1, 3))})


GOOD_HEADER = 'Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no frames"),
        ("two\n" + GOOD_HEADER + "\nA 0 0 0\n", "expected the number of particles"),
        ("0\n" + GOOD_HEADER + "\n", "must be positive"),
        ("2\n" + GOOD_HEADER + "\nA 0 0 0\n", "file ends after 1 of 2"),
        ("1\n" + GOOD_HEADER + "\nA 0 0\n", "3 columns, Properties needs 4"),
        ("1\n" + GOOD_HEADER + "\nA 0 zero 0\n", "expected real numbers"),
        ("1\n" + GOOD_HEADER + "\nA 0 nan 0\n", "NaN or infinite"),
        ("1\n" + GOOD_HEADER + "\nA 0 inf 0\n", "NaN or infinite"),
        ("1\nProperties=species:S:1:pos:R:3\nA 0 0 0\n", "no Lattice"),
        ('1\nLattice="3 0 0 0 3 0" Properties=species:S:1:pos:R:3\nA 0 0 0\n', "expected 9"),
        (
            '1\nLattice="3 0 0 1 3 0 0 0 3" Properties=species:S:1:pos:R:3\nA 0 0 0\n',
            "not orthorhombic",
        ),
        ('1\nLattice="3 0 0 0 -3 0 0 0 3"\nA 0 0 0\n', "must be positive"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" pbc="T F T"\nA 0 0 0\n', "fully periodic"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" pbc="T T"\nA 0 0 0\n', "three T/F flags"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos\nA 0 0 0\n', "triples"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:Q:3\nA 0 0 0\n', "type"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:x\nA 0 0 0\n', "count"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1\nA\n', "no pos:R:3"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:I:3\nA 0 0 0\n', "R:3"),
        ('1\nLattice="3 0 0 0 3 0 0 0 3 Properties=x\nA 0 0 0\n', "malformed"),
        (
            '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:image:I:3\n'
            "A 0 0 0 1 1.5 0\n",
            "expected integers",
        ),
        ('1\n' + GOOD_HEADER + ' species_names="A B"\nC 0 0 0\n', "not in species_names"),
    ],
)
def test_malformed_files(tmp_path, text, message):
    path = tmp_path / "bad.xyz"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_extxyz(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_extxyz(tmp_path / "nope.xyz")
    with pytest.raises(InputError, match="directory"):
        read_extxyz(tmp_path)


def test_error_names_the_frame(tmp_path):
    good = format_extxyz_frame(small_system())
    (tmp_path / "t.xyz").write_text(good + good.replace("pos:R:3", "pos:R:2", 1))
    with pytest.raises(InputError, match="frame 1"):
        read_extxyz_frames(tmp_path / "t.xyz")
