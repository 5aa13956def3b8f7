"""``pelkit md`` and ``pelkit quench`` as a user runs them: happy paths against the library,
exact continuation with --append, SIGINT, and failures that leave nothing looking like a result
(issue 11, items 3, 4 and 9)."""

from __future__ import annotations

import shutil
import signal
import time

import h5py
import numpy as np
import pytest

from pelkit.dynamics.md import MDSimulation, read_md_state
from pelkit.io.formats import read_system
from pelkit.io.h5md import read_trajectory
from pelkit.landscape.quench import quench
from pelkit.models import get_model

KA = get_model("ka")


def test_md_json_matches_the_library(cli, ka_file, tmp_path):
    res = cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "200", "--stride", "50",
              "--seed", "5", "--out", tmp_path / "t.h5", "--final", tmp_path / "f.xyz",
              "--json", "-q")
    assert res.exit_code == 0, res.stderr
    out = res.json()
    sim = MDSimulation(KA, read_system(ka_file), 0.8, seed=5)
    ref = sim.run(200, log_every=50).summary()
    for key in ("mean_temperature", "mean_potential_energy_per_particle", "mean_pressure"):
        assert out[key] == ref[key], key
    assert out["final_step"] == 200 and out["final_time"] == pytest.approx(1.0)
    final = read_system(tmp_path / "f.xyz")
    assert np.array_equal(final.positions, sim.system.positions)
    assert read_trajectory(tmp_path / "t.h5").steps.tolist() == [0, 50, 100, 150, 200]


@pytest.mark.parametrize("thermostat", ["nose-hoover", "langevin"])
def test_md_append_equals_one_long_run_bit_for_bit(cli, ka_file, tmp_path, thermostat):
    common = ["-m", "ka", "-T", "0.8", "--thermostat", thermostat, "--stride", "50",
              "--seed", "2", "-q"]
    one, two = tmp_path / "one.h5", tmp_path / "two.h5"
    assert cli("md", ka_file, *common, "--steps", "300", "--out", one,
               "--final", tmp_path / "one.xyz").exit_code == 0
    assert cli("md", ka_file, *common, "--steps", "150", "--out", two).exit_code == 0
    res = cli("md", two, *common, "--steps", "150", "--append", "--final", tmp_path / "two.xyz",
              "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["start_step"] == 150 and res.json()["final_step"] == 300
    a, b = read_trajectory(one), read_trajectory(two)
    assert a.steps.tolist() == b.steps.tolist() == list(range(0, 301, 50))
    assert np.array_equal(a.times, b.times)
    assert np.array_equal(a.positions, b.positions)
    assert np.array_equal(a.velocities, b.velocities)
    for name, obs in a.observables.items():
        assert np.array_equal(obs.values, b.observables[name].values), name
    assert np.array_equal(read_system(tmp_path / "one.xyz").velocities,
                          read_system(tmp_path / "two.xyz").velocities)


def test_md_never_overwrites_its_input(cli, ka_file, tmp_path):
    traj = tmp_path / "t.h5"
    assert cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "50", "--stride", "50",
               "--out", traj, "-q").exit_code == 0
    before = traj.read_bytes()
    line = cli("md", traj, "-m", "ka", "-T", "0.8", "--steps", "50", "--out", traj,
               "-q").one_error_line()
    assert "--append" in line
    assert traj.read_bytes() == before
    line = cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "5", "--append").one_error_line()
    assert ".h5" in line
    line = cli("md", traj, "-m", "ka", "-T", "0.9", "--steps", "5", "--append").one_error_line()
    assert "T = 0.8" in line


def test_md_sigint_stops_at_a_chunk_writes_and_exits_130(cli, ka_file, tmp_path,
                                                         pelkit_process):
    traj, final = tmp_path / "s.h5", tmp_path / "s.xyz"
    proc = pelkit_process("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "100000000",
                          "--stride", "50", "--out", traj, "--final", final, "-q")
    try:
        deadline = time.monotonic() + 120
        while not traj.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        time.sleep(1.0)  # some chunks run
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pelkit: interrupted: stopped at step"), err
    state = read_md_state(traj)
    assert state is not None and state.step % 50 == 0 and state.step > 0
    assert f"step {state.step} " in lines[0]
    saved = read_system(final)
    assert np.array_equal(saved.positions, state.positions)
    tr = read_trajectory(traj)
    assert tr.steps[-1] == state.step  # flushed up to the stop
    res = cli("md", traj, "-m", "ka", "-T", "0.8", "--steps", "50", "--stride", "50",
              "--append", "--json", "-q")
    assert res.exit_code == 0 and res.json()["start_step"] == state.step


def test_md_blow_up_leaves_a_marked_partial_file(cli, ka_file, tmp_path):
    traj = tmp_path / "t.h5"
    line = cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "1000", "--dt", "0.5",
               "--out", traj, "-q").one_error_line()
    assert "blew up at step" in line and "t.h5.partial" in line
    assert not traj.exists()
    with h5py.File(tmp_path / "t.h5.partial") as f:
        assert bool(f.attrs["partial"]) and "blew up" in str(f.attrs["partial_reason"])


def test_quench_json_matches_the_library(cli, ka_file, tmp_path):
    res = cli("quench", ka_file, "-m", "ka", "--method", "lbfgs", "--fmax", "1e-8",
              "--out", tmp_path / "is.xyz", "--json", "-q")
    assert res.exit_code == 0, res.stderr
    out = res.json()
    ref = quench(KA, read_system(ka_file), method="lbfgs", fmax=1e-8)
    assert out["converged"] and out["max_force"] < 1e-8
    assert out["energy"] == ref.energy and out["iterations"] == ref.minimize.iterations
    assert np.array_equal(read_system(tmp_path / "is.xyz").positions, ref.system.positions)


def test_quench_unreachable_tolerance_says_what_was_reached(cli, ka_file, tmp_path):
    out = tmp_path / "is.xyz"
    res = cli("quench", ka_file, "-m", "ka", "--fmax", "1e-20", "--max-iterations", "300",
              "--out", out, "-q")
    line = res.one_error_line(status=1)
    assert "did not reach --fmax 1e-20" in line and "300 iterations" in line
    assert "max force" in line and "is.xyz.partial" in line
    assert not out.exists() and (tmp_path / "is.xyz.partial").exists()
    assert "converged: False" in res.stdout
    # the partial result is readable as what it is (x.xyz.partial reads as x.xyz): continue it
    partial = read_system(tmp_path / "is.xyz.partial")
    assert partial.n_particles == read_system(ka_file).n_particles
    again = cli("quench", tmp_path / "is.xyz.partial", "-m", "ka", "--fmax", "1e-6", "--json")
    assert again.json()["converged"]
    assert "--max-iterations must be a positive" in cli(
        "quench", ka_file, "-m", "ka", "--max-iterations", "0").one_error_line()


def test_quench_progress_line(cli, ka_file, monkeypatch):
    import pelkit.cli.simulate as sim

    monkeypatch.setattr(sim.QuenchProgress, "__init__", _fast_progress_init)
    monkeypatch.setattr(sim, "PROGRESS_MIN_PARTICLES", 1)  # the line is for large N only
    res = cli("quench", ka_file, "-m", "ka", "--fmax", "1e-6", "--max-iterations", "50")
    assert "quench: iteration" in res.stderr and "eps/sigma" in res.stderr


def _fast_progress_init(self, fmax, enabled, every=2.0):  # noqa: ANN001
    self.fmax, self.enabled, self.every = fmax, enabled, 0.0
    self.start = self.last = time.monotonic() - 1.0
    self.shown = False


def test_energy_modes_build_msd_happy_paths(cli, ka_file, tmp_path):
    from pelkit.engine.calculator import Calculator, summarize
    from pelkit.modes.normal import lowest_modes

    e = cli("energy", ka_file, "-m", "ka", "--json").json()
    ref = summarize(KA, read_system(ka_file))
    assert e["energy"] == ref["energy"] and e["pressure"] == ref["pressure"]

    is_file = tmp_path / "is.xyz"
    assert cli("quench", ka_file, "-m", "ka", "--fmax", "1e-9", "--method", "lbfgs",
               "--out", is_file, "-q").exit_code == 0
    m = cli("modes", is_file, "-m", "ka", "--lowest", "3", "--json").json()
    minimum = read_system(is_file)
    lm = lowest_modes(Calculator(KA, minimum).hessian(sparse=True), minimum.masses, 3)
    assert np.allclose(m["eigenvalues"], lm.eigenvalues, rtol=1e-8)
    assert m["n_modes"] == 3

    b = cli("build", "ka", "--n", "155", "--out", tmp_path / "b.xyz", "--seed", "4",
            "--json").json()
    assert b["n_particles"] == 155 and b["seed"] == 4
    assert summarize(KA, read_system(tmp_path / "b.xyz"))["energy"] == pytest.approx(b["energy"])

    traj = tmp_path / "t.h5"
    assert cli("md", ka_file, "-m", "ka", "-T", "1.0", "--steps", "400", "--stride", "20",
               "--out", traj, "-q").exit_code == 0
    msd = cli("msd", traj, "--lags", "8", "--json").json()
    assert set(msd["species"]) == {"A", "B"} and msd["n_frames"] == 21
    assert all(v >= 0 for v in msd["msd"]["A"] if v is not None)


def _killed_copy(ka_file, tmp_path, steps, kill_at):  # noqa: ANN001, ANN202
    """Run ``steps`` MD steps as ``pelkit md --stride 20`` does into full.h5 and copy the file
    as it is on disk when the run passes step ``kill_at`` (what a SIGKILL there leaves)."""
    full, killed = tmp_path / "full.h5", tmp_path / "killed.h5"
    sim = MDSimulation(KA, read_system(ka_file), 0.8, thermostat="nose-hoover", dt=0.005, seed=0)

    def progress(done, total):  # noqa: ANN001, ANN202
        if done >= kill_at and not killed.exists():
            shutil.copyfile(full, killed)

    sim.run(steps, log_every=20, trajectory=full, stride=20, progress=progress)
    return full, killed


def _same_trajectory(a, b) -> None:  # noqa: ANN001
    ta, tb = read_trajectory(a), read_trajectory(b)
    assert ta.steps.tolist() == tb.steps.tolist()
    assert np.array_equal(ta.positions, tb.positions)
    assert np.array_equal(ta.velocities, tb.velocities)
    for name, obs in ta.observables.items():
        assert np.array_equal(obs.values, tb.observables[name].values), name


def test_md_killed_run_continues_from_its_last_flush_bit_for_bit(cli, ka_file, tmp_path):
    full, killed = _killed_copy(ka_file, tmp_path, 600, kill_at=450)
    state = read_md_state(killed)  # stored with the flush of frames 200..380 (10 frames)
    assert state is not None and state.step == 380
    assert read_trajectory(killed).steps[-1] == 380
    res = cli("md", killed, "-m", "ka", "-T", "0.8", "--steps", "220", "--stride", "20",
              "--append", "--json", "-q")
    assert res.exit_code == 0, res.stderr
    assert res.json()["start_step"] == 380 and res.json()["final_step"] == 600
    _same_trajectory(full, killed)


def test_md_append_drops_frames_beyond_the_saved_state(cli, ka_file, tmp_path):
    from pelkit.io.h5md import TrajectoryWriter

    full, killed = _killed_copy(ka_file, tmp_path, 600, kill_at=450)
    extra = read_trajectory(full).system(-1)
    with TrajectoryWriter(killed, extra, stride=20, velocities=True, mode="a", dt=0.005) as w:
        w.append(extra, 400)  # frames flushed, then killed before the state was stored
    res = cli("md", killed, "-m", "ka", "-T", "0.8", "--steps", "220", "--stride", "20",
              "--append", "-q")
    assert res.exit_code == 0, res.stderr
    assert "continues from its saved state at step 380; 1 later frame(s)" in res.stderr
    _same_trajectory(full, killed)


def test_md_state_caught_half_written_is_refused(cli, ka_file, tmp_path):
    _, killed = _killed_copy(ka_file, tmp_path, 200, kill_at=190)
    with h5py.File(killed, "r+") as f:
        f["parameters/pelkit_md_state"].attrs["complete"] = False
    line = cli("md", killed, "-m", "ka", "-T", "0.8", "--steps", "20", "--append").one_error_line()
    assert "being written when the run was killed" in line


def test_md_sigkill_then_append_continues(cli, ka_file, tmp_path, pelkit_process):
    traj = tmp_path / "k.h5"
    proc = pelkit_process("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "100000000",
                          "--stride", "20", "--out", traj, "-q")
    peek = tmp_path / "peek.h5"
    step = None
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            if not traj.exists():
                continue
            shutil.copyfile(traj, peek)  # read a copy: the running writer holds the file
            try:
                state = read_md_state(peek)
            except Exception:  # noqa: BLE001 - caught mid-write: look again
                continue
            if state is not None and state.step >= 400:
                step = state.step
                break
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert step is not None, "no restart state was stored while the run went on"
    state = read_md_state(traj)
    assert state is not None and state.step >= step and state.step % 20 == 0
    res = cli("md", traj, "-m", "ka", "-T", "0.8", "--steps", "40", "--stride", "20",
              "--append", "--json", "-q")
    assert res.exit_code == 0, res.stderr
    assert res.json()["start_step"] == state.step
    steps = read_trajectory(traj).steps.tolist()
    assert steps == list(range(0, state.step + 41, 20))
    ref = tmp_path / "ref.h5"  # the same run, never killed
    assert cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", str(state.step + 40),
               "--stride", "20", "--out", ref, "-q").exit_code == 0
    _same_trajectory(ref, traj)


def test_md_sample_every_keeps_the_trajectory_and_samples_the_means(cli, ka_file, tmp_path):
    """``--sample-every 7``: the final state of ``--sample-every 1`` bit for bit, the mean
    temperature unchanged (every step), the mean energy that of the library's sampled run."""
    common = ["-m", "ka", "-T", "0.8", "--steps", "140", "--stride", "70", "--seed", "4",
              "--json", "-q"]
    every = cli("md", ka_file, *common, "--final", tmp_path / "every.xyz")
    sparse = cli("md", ka_file, *common, "--sample-every", "7", "--final", tmp_path / "s.xyz")
    assert every.exit_code == 0 and sparse.exit_code == 0, sparse.stderr
    assert np.array_equal(read_system(tmp_path / "every.xyz").positions,
                          read_system(tmp_path / "s.xyz").positions)
    assert sparse.json()["sample_every"] == 7
    assert sparse.json()["mean_temperature"] == every.json()["mean_temperature"]
    sim = MDSimulation(KA, read_system(ka_file), 0.8, seed=4)
    sim.sample_every = 7
    ref = sim.run(140, log_every=70).summary()
    assert sparse.json()["mean_potential_energy_per_particle"] == \
        ref["mean_potential_energy_per_particle"]
    assert sparse.json()["mean_potential_energy_per_particle"] != \
        every.json()["mean_potential_energy_per_particle"]


@pytest.mark.parametrize("extra", [["--sample-every", "0"],
                                   ["--sample-every", "5", "--replicas", "2"]])
def test_md_bad_sample_every_is_one_line(cli, ka_file, extra):
    res = cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "10", "-q", *extra)
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "--sample-every" in res.stderr
