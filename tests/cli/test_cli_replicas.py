"""``pelkit md --replicas`` and the multi-frame batched ``pelkit quench``, as a user runs them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pelkit.build import kob_andersen_system
from pelkit.cli.app import app
from pelkit.engine.calculator import Calculator
from pelkit.io.extxyz import read_extxyz_frames, write_extxyz
from pelkit.io.h5md import read_trajectory
from pelkit.models import get_model


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def start(tmp_path):
    path = tmp_path / "ka.xyz"
    write_extxyz(path, kob_andersen_system(155, seed=3))
    return path


def test_md_replicas_then_batched_quench(tmp_path, start):
    hot = tmp_path / "hot.xyz"
    traj = tmp_path / "traj.h5"
    res = run("md", str(start), "-m", "ka", "-T", "0.8", "--steps", "400", "--replicas", "4",
              "--device", "cpu", "--threads", "2", "--final", str(hot), "--out", str(traj),
              "--stride", "200", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["replicas"] == 4 and summary["device"] == "cpu"
    assert len(set(summary["seeds"])) == 4
    frames = read_extxyz_frames(hot)
    assert len(frames) == 4
    # the replicas drew their own velocities: four different states
    assert len({round(float(f.positions[0, 0]), 10) for f in frames}) == 4
    for r in range(4):
        t = read_trajectory(tmp_path / f"traj_r{r:04d}.h5")
        assert t.n_frames == 3 and list(t.steps) == [0, 200, 400]
    out = tmp_path / "is.xyz"
    res = run("quench", str(hot), "-m", "ka", "--method", "lbfgs", "--fmax", "1e-8",
              "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)
    assert q["frames"] == 4 and q["n_converged"] == 4
    model = get_model("ka")
    minima = read_extxyz_frames(out)
    for k, m in enumerate(minima):  # independent check of each written minimum
        ev = Calculator(model, m).evaluate()
        assert ev.energy / 155 == pytest.approx(q["energy_per_particle"][k], rel=1e-10)
        assert np.sqrt((ev.forces**2).sum(axis=1)).max() < 1e-7


def test_quench_of_all_frames_of_a_trajectory(tmp_path, start):
    traj = tmp_path / "t.h5"
    res = run("md", str(start), "-m", "ka", "-T", "1.0", "--steps", "300", "--out", str(traj),
              "--stride", "100", "-q")
    assert res.exit_code == 0, res.output
    res = run("quench", str(traj), "-m", "ka", "--fmax", "1e-8", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["frames"] == 4


def test_unconverged_batch_exits_1_and_says_so(tmp_path, start):
    res = run("quench", str(start), "-m", "ka", "--device", "cpu", "--fmax", "1e-30", "--json")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["n_converged"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--replicas", "0"], "--replicas must be a positive integer"),
        (["--replicas", "2", "--device", "tpu"], "unknown device"),
        (["--replicas", "2", "--final", "nodir/f.xyz"], "output folder does not exist"),
        (["--replicas", "2", "--final", "f.data"], "one .xyz file"),
        (["--replicas", "2", "--threads", "0"], "--threads must be a positive integer"),
    ],
)
def test_md_replicas_bad_input_is_one_line_exit_2(tmp_path, start, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    res = run("md", str(start), "-m", "ka", "-T", "0.8", "--steps", "10", *args)
    assert res.exit_code == 2
    assert message in res.stderr and res.stderr.count("\n") == 1


def test_existing_replica_trajectories_are_not_overwritten(tmp_path, start):
    (tmp_path / "t_r0001.h5").write_text("mine")
    res = run("md", str(start), "-m", "ka", "-T", "0.8", "--steps", "10", "--replicas", "2",
              "--out", str(tmp_path / "t.h5"))
    assert res.exit_code == 2 and "exists" in res.stderr
    assert (tmp_path / "t_r0001.h5").read_text() == "mine"


def test_replica_count_must_match_frames(tmp_path):
    path = tmp_path / "three.xyz"
    write_extxyz(path, [kob_andersen_system(155, seed=s) for s in range(3)])
    res = run("md", str(path), "-m", "ka", "-T", "0.8", "--steps", "10", "--replicas", "2")
    assert res.exit_code == 2 and "3 frames" in res.stderr


def test_md_replicas_without_outputs(start):
    res = run("md", str(start), "-m", "ka", "-T", "0.8", "--steps", "20", "--replicas", "3",
              "--device", "auto", "-q")
    assert res.exit_code == 0, res.output
    assert "3 replicas" in res.stdout


def test_gpu_request_without_a_gpu_is_one_line(start):
    from pelkit.dynamics.batched_md import resolve_device

    try:
        gpu = resolve_device("auto") == "gpu"
    except Exception:  # noqa: BLE001
        gpu = False
    if gpu:
        pytest.skip("a GPU is present")
    res = run("md", str(start), "-m", "ka", "-T", "0.8", "--steps", "5", "--replicas", "2",
              "--device", "gpu")
    assert res.exit_code == 2 and res.stderr.startswith("pelkit: error: --device gpu")
