"""The KA landscape study: a killed campaign resumes bit-identically; the CLI runs end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pelkit.parallel import load_result
from pelkit.studies.ka_landscape.config import load_config
from pelkit.studies.ka_landscape.runner import run_study

PELKIT = [sys.executable, "-m", "pelkit.cli"]


def _task_files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.glob("tasks/*/*.npz"))}


def _assert_identical(a: Path, b: Path) -> None:
    fa, fb = _task_files(a), _task_files(b)
    assert fa.keys() == fb.keys() and fa
    for key in fa:
        ra, rb = load_result(fa[key]), load_result(fb[key])
        assert ra.keys() == rb.keys()
        for name in ra:
            if name == "wall_time":
                continue
            np.testing.assert_array_equal(np.asarray(ra[name]), np.asarray(rb[name]), err_msg=key)


class _Kill(Exception):
    pass


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ka_full")
    run_study(load_config("smoke"), out, scheduler="sync")
    return out


def test_resume_after_interruption_is_bit_identical(uninterrupted: Path, tmp_path: Path) -> None:
    cfg = load_config("smoke")
    calls = {"n": 0}

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "production" and done >= 1:
            raise _Kill

    with pytest.raises(_Kill):
        run_study(cfg, tmp_path, scheduler="sync", progress=interrupt)
    finished = _task_files(tmp_path)
    assert 0 < len(finished) < len(_task_files(uninterrupted))
    stamps = {k: p.stat().st_mtime_ns for k, p in finished.items()}

    def count(stage: str, done: int, total: int) -> None:
        calls["n"] += 1

    run_study(cfg, tmp_path, scheduler="sync", resume=True, progress=count)
    # finished tasks were not recomputed
    for key, p in finished.items():
        assert p.stat().st_mtime_ns == stamps[key]
    _assert_identical(uninterrupted, tmp_path)


def test_blocks_of_replicas_give_the_same_trajectories(uninterrupted: Path,
                                                        tmp_path: Path) -> None:
    """Batching is not physics: replicas integrated in blocks of 2 (one task per temperature)
    follow bit for bit the trajectories, quenches and INM of the one-replica tasks."""
    cfg = load_config("smoke", replica_block=2, device="cpu")
    run_study(cfg, tmp_path, scheduler="sync")
    _assert_identical(uninterrupted, tmp_path)


def test_task_results_are_physical(uninterrupted: Path) -> None:
    cfg = load_config("smoke")
    t1 = json.loads((uninterrupted / "tasks" / "t1_pilot.json").read_text())
    assert set(t1) == {f"{t:.6g}" for t in cfg.temperatures}
    assert t1["1.2"] > t1["2"] > 0  # slower dynamics at lower T
    for path in _task_files(uninterrupted).values():
        res = load_result(path)
        if "e_is" in res:
            assert np.all(res["quench_converged"])
            # inherent structures lie below the instantaneous potential energy
            assert np.all(res["e_is"] < res["potential_energy"])
            assert np.all((res["f_u"] >= 0) & (res["f_u"] <= 1) & (res["f_dw"] <= res["f_u"]))
        else:
            assert res["eq_msd"] >= cfg.eq_msd_target


@pytest.mark.slow
def test_cli_study_killed_and_resumed(tmp_path: Path) -> None:
    """Kill the CLI campaign with SIGKILL mid-way, resume it, and get a complete run folder."""
    out = tmp_path / "run"
    cmd = PELKIT + ["study", "run", "ka-landscape", "--preset", "smoke", "--out", str(out),
                    "--scheduler", "sync", "--quiet", "--json"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if list(out.glob("tasks/equilibrate/*.npz")):
            break
        time.sleep(0.2)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr  # refuses to overwrite
    resumed = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    for key in ("temperatures", "n_replicas", "mean_eis", "var_eis", "D_direct", "D_eq5",
                "D_inf", "fit", "f_u", "f_dw", "D_times_inv_D"):
        assert key in summary
    for name in ("config.toml", "provenance.json", "summary.json", "results.h5", "report.md"):
        assert (out / name).is_file(), name
    assert list((out / "figures").glob("*.png"))
    reanalysed = subprocess.run(PELKIT + ["study", "analyze", str(out), "--json"],
                                env=env, capture_output=True, text=True)
    assert reanalysed.returncode == 0, reanalysed.stderr
    assert json.loads(reanalysed.stdout)["temperatures"] == summary["temperatures"]


def test_bad_config_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("n_replicas = 0\n")
    res = subprocess.run(PELKIT + ["study", "run", "ka-landscape", "--preset", "smoke", "--out",
                                   str(tmp_path / "x"), "--config", str(bad)],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "n_replicas" in res.stderr
