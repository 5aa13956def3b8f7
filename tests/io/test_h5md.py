"""H5MD trajectories: layout, exact storage, strides, resume, interrupted writes, bad input."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.io.h5md import TrajectoryWriter, read_observable, read_trajectory
from pelkit.system import Box, System


def make_frames(n_frames: int = 5, n: int = 7, seed: int = 0) -> list[System]:
    """A random walk in a periodic box: positions leave the box, so images change."""
    rng = np.random.default_rng(seed)
    box = Box(np.array([3.0, 3.5, 4.0]))
    unwrapped = rng.uniform(0, 3, (n, 3))
    species = rng.integers(0, 2, n)
    frames = []
    for _ in range(n_frames):
        frames.append(
            System(
                positions=unwrapped.copy(),
                box=box,
                species=species,
                masses=np.where(species == 0, 1.0, 0.5),
                velocities=rng.normal(size=(n, 3)),
            )
        )
        unwrapped = unwrapped + rng.normal(scale=2.0, size=(n, 3))
    return frames


def test_write_read_exact_with_observables(tmp_path):
    frames = make_frames()
    path = tmp_path / "traj.h5"
    with TrajectoryWriter(path, frames[0], velocities=True, dt=0.005) as writer:
        for i, system in enumerate(frames):
            obs = {"temperature": 0.4 + 0.01 * i, "potential_energy": -7.0 + i / 3}
            assert writer.append(system, step=10 * i, observables=obs)
        assert writer.n_frames == 5
    traj = read_trajectory(path)
    assert traj.n_frames == 5
    assert traj.steps.tolist() == [0, 10, 20, 30, 40]
    assert np.array_equal(traj.times, 0.005 * np.array([0, 10, 20, 30, 40], dtype=float))
    for i, system in enumerate(frames):
        assert traj.positions[i].tobytes() == system.positions.tobytes()
        assert np.array_equal(traj.images[i], system.images)
        assert traj.velocities[i].tobytes() == system.velocities.tobytes()
        assert np.array_equal(traj.unwrapped_positions()[i], system.unwrapped_positions())
    # the random walk does cross the boundaries, so the images matter
    assert np.any(traj.images != 0)
    assert np.array_equal(traj.species, frames[0].species)
    assert traj.species_names == ("A", "B")
    assert np.array_equal(traj.masses, frames[0].masses)
    temp = traj.observables["temperature"]
    assert temp.steps.tolist() == [0, 10, 20, 30, 40]
    assert np.array_equal(temp.values, [0.4 + 0.01 * i for i in range(5)])
    pe = read_observable(path, "potential_energy")
    assert np.array_equal(pe.values, [-7.0 + i / 3 for i in range(5)])
    back = traj.system(-1)
    assert np.array_equal(back.unwrapped_positions(), frames[-1].unwrapped_positions())
    assert back.info == {"step": 40, "time": 0.005 * 40}


def test_h5md_layout(tmp_path):
    frames = make_frames(3)
    path = tmp_path / "layout.h5"
    with TrajectoryWriter(path, frames[0], chunk_frames=2) as writer:
        for i, system in enumerate(frames):
            writer.append(system, step=i, time=0.5 * i, observables={"pressure": 1.0 + i})
    with h5py.File(path, "r") as f:
        assert f["h5md"].attrs["version"].tolist() == [1, 1]
        assert f["h5md/creator"].attrs["name"] == "pelkit"
        assert f["h5md/author"].attrs["name"] == "pelkit"
        box = f["particles/all/box"]
        assert box.attrs["dimension"] == 3
        assert [b.decode() for b in box.attrs["boundary"]] == ["periodic"] * 3
        # the fixed box as an H5MD time-dependent element (the form MDAnalysis reads)
        assert np.array_equal(box["edges/value"][()], [[3.0, 3.5, 4.0]] * 3)
        assert box["edges/step"][()].tolist() == [0, 1, 2]
        assert box["edges/value"].attrs["unit"] == "Angstrom"  # standing for sigma
        assert f["particles/all/position/value"].attrs["unit"] == "Angstrom"
        assert f["particles/all/position/time"].attrs["unit"] == "ps"  # standing for tau
        assert f["parameters"].attrs["length_unit"] == "sigma"
        value = f["particles/all/position/value"]
        assert value.shape == (3, 7, 3) and value.dtype == np.float64
        assert value.maxshape == (None, 7, 3) and value.chunks == (2, 7, 3)
        assert f["particles/all/image/value"].dtype == np.int64
        assert f["particles/all/position/time"][()].tolist() == [0.0, 0.5, 1.0]
        assert "velocity" not in f["particles/all"]
        assert f["particles/all/species"].shape == (7,)
        assert f["observables/pressure/value"][()].tolist() == [1.0, 2.0, 3.0]
        assert f["observables/pressure/step"][()].tolist() == [0, 1, 2]
    assert read_trajectory(path).velocities is None


def test_strides(tmp_path):
    frames = make_frames(1)
    path = tmp_path / "stride.h5"
    written = []
    with TrajectoryWriter(path, frames[0], stride=3, observable_stride=2) as writer:
        for step in range(10):
            written.append(writer.append(frames[0], step=step, observables={"e": float(step)}))
    assert written == [step % 3 == 0 for step in range(10)]
    traj = read_trajectory(path)
    assert traj.steps.tolist() == [0, 3, 6, 9]
    assert traj.times.tolist() == [0.0, 3.0, 6.0, 9.0]  # time = step without dt
    assert traj.observables["e"].steps.tolist() == [0, 2, 4, 6, 8]


def test_resume_appends_and_checks(tmp_path):
    frames = make_frames(6)
    path = tmp_path / "resume.h5"
    with TrajectoryWriter(path, frames[0], velocities=True) as writer:
        for i in range(3):
            writer.append(frames[i], step=i)
    with TrajectoryWriter(path, frames[0], mode="a", velocities=True) as writer:
        assert writer.n_frames == 3 and writer.last_step == 2
        for i in range(3, 6):
            writer.append(frames[i], step=i)
    traj = read_trajectory(path)
    assert traj.steps.tolist() == list(range(6))
    assert np.array_equal(traj.positions[5], frames[5].positions)
    other = make_frames(1, n=4)[0]
    with pytest.raises(InputError, match="holds 7 particles"):
        TrajectoryWriter(path, other, mode="a")


def test_half_written_frame_is_ignored_and_trimmed_on_resume(tmp_path):
    frames = make_frames(3)
    path = tmp_path / "half.h5"
    with TrajectoryWriter(path, frames[0]) as writer:
        writer.append(frames[0], step=0)
        writer.append(frames[1], step=1)
    with h5py.File(path, "r+") as f:  # an interruption after the value was resized
        f["particles/all/position/value"].resize(3, axis=0)
    assert read_trajectory(path).n_frames == 2
    with TrajectoryWriter(path, frames[0], mode="a") as writer:
        assert writer.n_frames == 2
        writer.append(frames[2], step=2)
    traj = read_trajectory(path)
    assert traj.steps.tolist() == [0, 1, 2]
    assert np.array_equal(traj.positions[2], frames[2].positions)


@pytest.mark.parametrize(("flush_every", "kept"), [(1, 4), (3, 3)])
def test_killed_writer_leaves_a_readable_file(tmp_path, flush_every, kept):
    """A process that dies without closing the file (os._exit) keeps its flushed frames; with
    ``flush_every=3`` the fourth, still buffered frame is lost and the first three read back."""
    path = tmp_path / "killed.h5"
    script = textwrap.dedent(
        f"""
        import os
        import numpy as np
        from pelkit.io.h5md import TrajectoryWriter
        from pelkit.system import Box, System
        rng = np.random.default_rng(1)
        s = System(rng.uniform(0, 2, (5, 3)), Box.cubic(2.0), species=np.zeros(5, dtype=int))
        w = TrajectoryWriter({str(path)!r}, s, flush_every={flush_every})
        for step in range(4):
            w.append(s.with_positions(s.positions + 0.1 * step), step=step,
                     observables={{"t": 0.5}})
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    traj = read_trajectory(path)
    assert traj.steps.tolist() == list(range(kept))
    assert traj.observables["t"].values.tolist() == [0.5] * kept
    shift = traj.unwrapped_positions()[kept - 1] - traj.unwrapped_positions()[0]
    assert np.allclose(shift, 0.1 * (kept - 1))


def test_diameter_model_round_trip(tmp_path):
    system = System(
        positions=np.array([[0.1, 0.2, 0.3], [1.0, 1.5, 1.9]]),
        box=Box.cubic(2.0),
        diameters=np.array([0.9, 1.3]),
    )
    with TrajectoryWriter(tmp_path / "d.h5", system) as writer:
        writer.append(system, step=0)
    traj = read_trajectory(tmp_path / "d.h5")
    assert traj.species is None
    assert np.array_equal(traj.diameters, [0.9, 1.3])
    assert traj.system(0).species is None


def test_bad_input(tmp_path):
    frames = make_frames(2)
    path = tmp_path / "bad.h5"
    with TrajectoryWriter(path, frames[0]) as writer:
        writer.append(frames[0], step=5)
        with pytest.raises(InputError, match="does not follow"):
            writer.append(frames[1], step=5)
        with pytest.raises(InputError, match="particles"):
            writer.append(make_frames(1, n=3)[0], step=6)
        moved = System(frames[1].positions, Box.cubic(9.0), species=frames[1].species)
        with pytest.raises(InputError, match="box changed"):
            writer.append(moved, step=7)
        with pytest.raises(InputError, match="scalar"):
            writer.append_observables(8, {"e": [1.0, 2.0]})
        with pytest.raises(InputError, match="valid HDF5 group name"):
            writer.append_observables(8, {"a/b": 1.0})
    with pytest.raises(InputError, match="stride"):
        TrajectoryWriter(tmp_path / "x.h5", frames[0], stride=0)
    no_velocities = System(frames[0].positions, frames[0].box)
    with pytest.raises(InputError, match="no velocities"):
        TrajectoryWriter(tmp_path / "x.h5", no_velocities, velocities=True)
    with pytest.raises(InputError, match="file not found"):
        read_trajectory(tmp_path / "missing.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(InputError, match="cannot open"):
        read_trajectory(tmp_path / "text.h5")
    with h5py.File(tmp_path / "empty.h5", "w"):
        pass
    with pytest.raises(InputError, match="not an H5MD file"):
        read_trajectory(tmp_path / "empty.h5")
    with pytest.raises(InputError, match="no observable"):
        read_observable(path, "nothing")


def test_fixed_edges_dataset_and_changing_box(tmp_path):
    """Files with the H5MD fixed-box form (an edges dataset) still read; a box that changes
    between frames is refused."""
    frames = make_frames(2)
    path = tmp_path / "old.h5"
    with TrajectoryWriter(path, frames[0]) as writer:
        for i, system in enumerate(frames):
            writer.append(system, step=i)
    expected = read_trajectory(path)
    with h5py.File(path, "r+") as f:
        del f["particles/all/box/edges"]
        f["particles/all/box"].create_dataset("edges", data=[3.0, 3.5, 4.0])
    assert np.array_equal(read_trajectory(path).positions, expected.positions)
    with TrajectoryWriter(path, frames[0], mode="a") as writer:  # resume the old form
        writer.append(frames[1], step=5)
    assert read_trajectory(path).n_frames == 3
    changing = tmp_path / "changing.h5"
    with TrajectoryWriter(changing, frames[0]) as writer:
        for i, system in enumerate(frames):
            writer.append(system, step=i)
    with h5py.File(changing, "r+") as f:
        f["particles/all/box/edges/value"][1, 0] = 3.1
    with pytest.raises(InputError, match="box changes in time"):
        read_trajectory(changing)
