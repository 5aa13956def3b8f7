"""``pelkit convert --frames``: H5MD trajectories to LAMMPS dumps and extended XYZ, frame ranges."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pelkit.cli.convert import register
from pelkit.io.extxyz import read_extxyz_frames
from pelkit.io.frames import parse_frame_range
from pelkit.io.h5md import TrajectoryWriter, read_trajectory
from pelkit.io.lammps import read_lammps_dump
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


@pytest.fixture
def trajectory(tmp_path):
    """Six frames (N = 9, two species, velocities, non-unit masses) at steps 0, 10, ..., 50."""
    rng = np.random.default_rng(3)
    base = System(
        positions=rng.uniform(0.0, 4.0, (9, 3)),
        box=Box(np.array([4.1, 4.2, 4.3])),
        species=rng.integers(0, 2, 9),
        masses=np.where(rng.integers(0, 2, 9) == 1, 2.0, 1.0),
        velocities=rng.normal(size=(9, 3)),
    )
    path = tmp_path / "traj.h5"
    with TrajectoryWriter(path, base, velocities=True, dt=0.005) as writer:
        for k in range(6):
            frame = base.with_positions(base.positions + rng.normal(0, 0.7, (9, 3)))
            frame.velocities = rng.normal(size=(9, 3))
            writer.append(frame, step=10 * k)
    return path, read_trajectory(path)


@pytest.mark.parametrize(("text", "expected"), [
    ("1:5:2", [1, 3]), (":", [0, 1, 2, 3, 4, 5]), ("-2:", [4, 5]), ("3", [3]), ("-1", [5]),
    ("::3", [0, 3]),
])
def test_frame_ranges(text, expected):
    assert list(range(6)[parse_frame_range(text)]) == expected


@pytest.mark.parametrize("suffix", ["dump", "xyz", "h5"])
def test_h5md_range_to_multi_frame_files(app, trajectory, tmp_path, suffix):
    path, traj = trajectory
    out = tmp_path / f"part.{suffix}"
    r = run(app, str(path), str(out), "--frames", "1:6:2", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n_frames"] == 3
    picks = [1, 3, 5]
    if suffix == "dump":
        frames = read_lammps_dump(out)
        assert [f.timestep for f in frames] == [10, 30, 50]
        systems = [f.to_system(species_names=traj.species_names, masses=f.columns["mass"])
                   for f in frames]
    elif suffix == "xyz":
        systems = read_extxyz_frames(out)
        assert [s.info["step"] for s in systems] == [10, 30, 50]
    else:
        again = read_trajectory(out)
        assert again.steps.tolist() == [10, 30, 50]
        assert again.times.tobytes() == traj.times[picks].tobytes()
        systems = [again.system(k) for k in range(3)]
    for system, k in zip(systems, picks, strict=True):
        assert system.positions.tobytes() == traj.positions[k].tobytes()
        assert np.array_equal(system.images, traj.images[k])
        assert system.velocities.tobytes() == traj.velocities[k].tobytes()
        assert np.array_equal(system.species, traj.species)
        assert system.masses.tobytes() == traj.masses.tobytes()


def test_ase_reads_the_dump(app, trajectory, tmp_path):
    """ASE's own LAMMPS dump reader (it ignores image flags): same wrapped positions, box and
    types in every frame."""
    ase_io = pytest.importorskip("ase.io", reason="ASE is not installed (the 'ase' extra)")
    path, traj = trajectory
    out = tmp_path / "all.lammpstrj"
    assert run(app, str(path), str(out), "--frames", ":").exit_code == 0
    images = ase_io.read(out, index=":", format="lammps-dump-text")
    assert len(images) == traj.n_frames
    for k, atoms in enumerate(images):
        assert atoms.get_positions().tobytes() == traj.positions[k].tobytes()
        assert np.array_equal(atoms.arrays["type"], traj.species + 1)
        np.testing.assert_allclose(atoms.cell.lengths(), traj.box.lengths, rtol=1e-15)


def test_frame_range_errors(app, trajectory, tmp_path):
    path, _ = trajectory
    for args, fragment in [
        (("--frames", "a:b"), "is not START:STOP"),
        (("--frames", "0:4:0"), "step must be positive"),
        (("--frames", "7:9"), "no frames to write"),
        (("--frames", "1:3", "--frame", "2"), "either --frame or --frames"),
        (("--frames", ":", "--out-format", "lammps-data"), "several configurations"),
    ]:
        r = run(app, str(path), str(tmp_path / "o.dump"), *args)
        assert r.exit_code == 2, (args, r.output)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pelkit: error: ")
        assert fragment in lines[0], (fragment, lines[0])
