"""``pelkit convert``: lossless conversions and one-line errors with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pelkit.cli.convert import register
from pelkit.io.extxyz import read_extxyz, write_extxyz
from pelkit.io.h5md import read_trajectory
from pelkit.io.lammps import read_lammps_data
from pelkit.system import Box, System


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app)
    return app


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, ["convert", *args])


def sample() -> System:
    rng = np.random.default_rng(5)
    return System(
        positions=rng.uniform(-4.0, 12.0, (8, 3)),
        box=Box(np.array([4.1, 4.2, 4.3])),
        species=rng.integers(0, 2, 8),
        velocities=rng.normal(size=(8, 3)),
    )


def test_xyz_to_lammps_to_xyz_is_lossless(app, tmp_path):
    system = sample()
    write_extxyz(tmp_path / "a.xyz", system)
    res = run(app, str(tmp_path / "a.xyz"), str(tmp_path / "b.data"))
    assert res.exit_code == 0, res.output
    assert "converted" in res.output and "8 particles" in res.output
    res = run(app, str(tmp_path / "b.data"), str(tmp_path / "c.xyz"), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["in_format"] == "lammps-data" and out["out_format"] == "extxyz"
    assert out["n_particles"] == 8 and out["box_lengths"] == [4.1, 4.2, 4.3]
    back = read_extxyz(tmp_path / "c.xyz")
    for name in ("positions", "images", "velocities", "masses", "species"):
        assert getattr(back, name).tobytes() == getattr(system, name).tobytes()
    assert np.array_equal(read_lammps_data(tmp_path / "b.data").positions, system.positions)


def test_explicit_formats_frames_and_h5md(app, tmp_path):
    frames = [sample(), sample().with_positions(sample().positions + 1.0)]
    write_extxyz(tmp_path / "traj.txt", frames)
    res = run(
        app,
        str(tmp_path / "traj.txt"),
        str(tmp_path / "first.out"),
        "--in-format",
        "xyz",
        "--out-format",
        "lammps",
        "--frame",
        "0",
    )
    assert res.exit_code == 0, res.output
    assert np.array_equal(read_lammps_data(tmp_path / "first.out").positions, frames[0].positions)
    res = run(app, str(tmp_path / "traj.txt"), str(tmp_path / "last.h5"), "--in-format", "extxyz")
    assert res.exit_code == 0, res.output
    traj = read_trajectory(tmp_path / "last.h5")
    assert np.array_equal(traj.positions[0], frames[1].positions)
    res = run(app, str(tmp_path / "last.h5"), str(tmp_path / "back.xyz"))
    assert res.exit_code == 0, res.output
    assert np.array_equal(read_extxyz(tmp_path / "back.xyz").images, frames[1].images)


def test_lammps_dump_input(app, tmp_path):
    dump = (
        "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n"
        "0 2\n0 2\n0 2\nITEM: ATOMS id type x y z\n2 2 1.5 1.5 1.5\n1 1 0.5 0.5 0.5\n"
        "ITEM: TIMESTEP\n10\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n"
        "0 2\n0 2\n0 2\nITEM: ATOMS id type xu yu zu\n1 1 2.5 0.5 0.5\n2 2 1.5 -0.5 1.5\n"
    )
    (tmp_path / "md.lammpstrj").write_text(dump)
    res = run(app, str(tmp_path / "md.lammpstrj"), str(tmp_path / "out.xyz"))
    assert res.exit_code == 0, res.output
    s = read_extxyz(tmp_path / "out.xyz")
    assert np.array_equal(s.unwrapped_positions(), [[2.5, 0.5, 0.5], [1.5, -0.5, 1.5]])
    assert s.species.tolist() == [0, 1] and s.info["timestep"] == 10
    res = run(app, str(tmp_path / "md.lammpstrj"), str(tmp_path / "o.xyz"), "--frame", "-3")
    one_line_error(res, "no frame -3")


def one_line_error(res, fragment: str) -> None:
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("pelkit: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in res.output


def test_errors_are_one_line_exit_2(app, tmp_path):
    write_extxyz(tmp_path / "ok.xyz", sample())
    one_line_error(run(app, str(tmp_path / "nope.xyz"), str(tmp_path / "o.data")), "not found")
    # an extension pelkit does not know goes to ASE when it is installed (which knows no .qqq)
    try:
        import ase  # noqa: F401

        unknown = "ASE cannot write it"
    except ImportError:
        unknown = "supported:"
    one_line_error(run(app, str(tmp_path / "ok.xyz"), str(tmp_path / "o.qqq")), unknown)
    one_line_error(
        run(app, str(tmp_path / "ok.xyz"), str(tmp_path / "o.x"), "--out-format", "pdb"),
        "unknown format 'pdb'",
    )
    (tmp_path / "bad.xyz").write_text("2\nProperties=species:S:1:pos:R:3\nA 0 0 0\nA 1 1 1\n")
    one_line_error(run(app, str(tmp_path / "bad.xyz"), str(tmp_path / "o.data")), "no Lattice")
    one_line_error(run(app, str(tmp_path), str(tmp_path / "o.data"), "--in-format", "xyz"),
                   "directory")
    one_line_error(
        run(app, str(tmp_path / "ok.xyz"), str(tmp_path / "o.xyz"), "--frame", "3"),
        "frame 3 does not exist",
    )
    poly = System(sample().positions, Box.cubic(5.0), diameters=np.full(8, 1.1))
    write_extxyz(tmp_path / "poly.xyz", poly)
    one_line_error(run(app, str(tmp_path / "poly.xyz"), str(tmp_path / "p.data")), "diameters")
