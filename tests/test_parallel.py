"""The campaign layer with trivial tasks: fingerprints, resume, damaged files, failures, modes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.io import task_files
from pelkit.io.results import RunFolder, atomic_write_text
from pelkit.parallel import (
    CampaignFailed,
    CampaignRunner,
    FingerprintMismatch,
    Task,
    audit_tasks,
    load_result,
    save_result,
)

CALLS: list[int] = []


def square(x: int, scale: float = 1.0) -> dict:
    CALLS.append(x)
    return {"x": x, "y": np.arange(3) * x * scale, "label": f"x{x}"}


def fragile(x: int) -> dict:
    if x == 2:
        raise FloatingPointError(f"MD blew up at step {100 + x}")
    return {"x": x}


def tasks(n: int = 4, scale: float = 1.0) -> list[Task]:
    return [Task(f"t{i}", {"x": i, "scale": scale}) for i in range(n)]


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def test_results_round_trip_with_fingerprint(tmp_path: Path) -> None:
    runner = CampaignRunner(tmp_path / "tasks", "sync")
    outcome = runner.run(tasks(), square)
    assert outcome.ok and sorted(outcome.computed) == ["t0", "t1", "t2", "t3"]
    res = load_result(runner.path("t3"))
    assert res["x"] == 3 and res["label"] == "x3"
    np.testing.assert_array_equal(res["y"], [0.0, 3.0, 6.0])
    assert not any(k.startswith("__") for k in res)  # inputs/fingerprint stay internal
    stored = task_files.inspect_result(runner.path("t3"))
    assert stored.status == "ok" and len(stored.fingerprint) == 64
    assert stored.description["x"] == "3" and "test_parallel:square" in stored.description["task"]


def test_resume_reuses_only_matching_results(tmp_path: Path) -> None:
    runner = CampaignRunner(tmp_path / "tasks", "sync", run_dir=tmp_path)
    runner.run(tasks(), square)
    CALLS.clear()
    outcome = runner.run(tasks(), square, resume=True)
    assert CALLS == [] and len(outcome.reused) == 4
    with pytest.raises(FingerprintMismatch) as err:
        runner.run(tasks(scale=2.0), square, resume=True)
    msg = str(err.value)
    assert "scale = 1.0; this config has 2.0" in msg and "--recompute" in msg
    assert "\n" not in msg and CALLS == []
    # exactly the changed tasks rerun with recompute
    changed = tasks(3) + [Task("t3", {"x": 3, "scale": 2.0})]
    outcome = runner.run(changed, square, resume=True, recompute=True)
    assert CALLS == [3] and outcome.recomputed == ["t3"]
    np.testing.assert_array_equal(load_result(runner.path("t3"))["y"], [0.0, 6.0, 12.0])


def test_physics_version_change_is_refused(tmp_path: Path, monkeypatch) -> None:
    runner = CampaignRunner(tmp_path / "tasks", "sync", run_dir=tmp_path)
    runner.run(tasks(2), square)
    monkeypatch.setattr(task_files, "PHYSICS_VERSION", task_files.PHYSICS_VERSION + 1)
    with pytest.raises(FingerprintMismatch, match="pelkit_physics"):
        runner.run(tasks(2), square, resume=True)


def test_inputs_leave_out_fields_that_do_not_change_the_result(tmp_path: Path) -> None:
    runner = CampaignRunner(tmp_path / "tasks", "sync")
    runner.run([Task("a", {"x": 1, "scale": 1.0}, inputs={"x": 1})], square)
    CALLS.clear()
    out = runner.run([Task("a", {"x": 1, "scale": 1.0, }, inputs={"x": 1})], square, resume=True)
    assert out.reused == ["a"] and CALLS == []


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip"])
def test_damaged_file_is_moved_aside_and_recomputed(tmp_path: Path, damage: str, capsys) -> None:
    runner = CampaignRunner(tmp_path / "tasks", "sync")
    runner.run(tasks(2), square)
    path = runner.path("t1")
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"garbage")
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:  # one flipped byte inside a stored array: the zip CRC-32 catches it
        blob = bytearray(data)
        i = data.index(np.arange(3, dtype=np.float64).tobytes()[8:16])  # y of t1 = [0, 1, 2]
        blob[i] ^= 0x10
        path.write_bytes(bytes(blob))
    assert task_files.inspect_result(path).status == "damaged"
    CALLS.clear()
    outcome = runner.run(tasks(2), square, resume=True)
    assert CALLS == [1] and outcome.reused == ["t0"]
    assert path.with_name("t1.npz.damaged").exists()
    err = capsys.readouterr().err
    assert "damaged task file" in err and "t1.npz" in err
    assert load_result(path)["x"] == 1


def test_audit_names_missing_and_damaged(tmp_path: Path, capsys) -> None:
    runner = CampaignRunner(tmp_path, "sync")
    runner.run(tasks(3), square)
    runner.path("t0").write_bytes(b"xx")
    runner.path("t2").unlink()
    problems = audit_tasks(tmp_path, ["t0", "t1", "t2"])
    assert set(problems) == {"t0", "t2"} and problems["t2"] == "missing"
    assert problems["t0"].startswith("damaged")


def test_failures_are_collected_after_the_other_tasks(tmp_path: Path) -> None:
    runner = CampaignRunner(tmp_path, "sync")
    outcome = runner.run([Task(f"k{i}", {"x": i}) for i in range(4)], fragile)
    assert set(outcome.computed) == {"k0", "k1", "k3"}
    assert outcome.failed == {"k2": "FloatingPointError: MD blew up at step 102"}
    with pytest.raises(CampaignFailed) as err:
        outcome.raise_failures()
    text = err.value.summary()
    assert "1 task(s) failed" in text and "k2" in text and "--resume" in text


def test_threads_scheduler_returns_results_to_the_client(tmp_path: Path) -> None:
    runner = CampaignRunner(tmp_path, "threads", workers=2, max_in_flight=2)
    seen = []
    outcome = runner.run([Task(f"k{i}", {"x": i}) for i in range(6)], fragile,
                         progress=lambda d, t: seen.append((d, t)))
    assert set(outcome.failed) == {"k2"} and len(outcome.computed) == 5
    assert seen[-1] == (6, 6)
    assert load_result(runner.path("k5"))["x"] == 5


def test_files_respect_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        save_result(tmp_path / "a.npz", {"x": 1})
        atomic_write_text(tmp_path / "b.txt", "hi")
        os.umask(0o077)
        save_result(tmp_path / "c.npz", {"x": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.npz").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "c.npz").stat().st_mode) == 0o600


def test_config_is_written_once(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    folder.claim_config({"preset": "smoke", "quench_fmax": 1e-6, "workers": 1}, resume=False)
    before = (tmp_path / "config.toml").read_bytes()
    folder.claim_config({"preset": "smoke", "quench_fmax": 1e-6, "workers": 4}, resume=True)
    assert (tmp_path / "config.toml").read_bytes() == before  # workers do not matter
    with pytest.raises(InputError) as err:
        folder.claim_config({"preset": "smoke", "quench_fmax": 1e-8}, resume=True)
    assert "was made with quench_fmax = 1e-06; this config has 1e-08" in str(err.value)
    assert (tmp_path / "config.toml").read_bytes() == before
    with pytest.raises(InputError, match="preset = smoke; this config has laptop"):
        folder.claim_config({"preset": "laptop", "quench_fmax": 1e-8}, resume=True)
    folder.claim_config({"preset": "smoke", "quench_fmax": 1e-8}, resume=True, recompute=True)
    assert b"1e-08" in (tmp_path / "config.toml").read_bytes()


def test_workers_write_on_a_shared_filesystem(tmp_path: Path) -> None:
    from pelkit.cluster import ClusterOptions

    opts = ClusterOptions(scheduler="threads", workers=2, workers_write=True)
    runner = CampaignRunner(tmp_path, opts)
    outcome = runner.run(tasks(3), square)
    assert sorted(outcome.computed) == ["t0", "t1", "t2"]
    stored = task_files.inspect_result(runner.path("t2"))
    assert stored.status == "ok" and stored.fingerprint  # written by the worker, fingerprinted
    assert runner.run(tasks(3), square, resume=True).reused == ["t0", "t1", "t2"]


def test_local_cluster_and_dashboard_listen_on_loopback() -> None:
    from pelkit.cluster import ClusterOptions, DaskSession

    said: list[str] = []
    with DaskSession(ClusterOptions(scheduler="local", workers=1), notify=said.append) as s:
        assert s.client.scheduler.address.startswith("tcp://127.0.0.1:")
        http = s.cluster.scheduler.http_server
        hosts = {sock.getsockname()[0] for sock in http._sockets.values()}
        assert hosts == {"127.0.0.1"}
        workers = s.client.scheduler_info()["workers"]
        assert all(addr.startswith("tcp://127.0.0.1:") for addr in workers)
    assert len(said) == 1 and said[0].startswith("pelkit: Dask dashboard at http://127.0.0.1:")


def block(xs: list[int], scale: float = 1.0) -> dict:
    """A task computing several results at once (like a block of replicas)."""
    CALLS.extend(xs)
    return {f"r{x}": {"x": x, "y": np.arange(3) * x * scale} for x in xs}


def block_tasks(scale: float = 1.0) -> list[Task]:
    blocks = [[0, 1], [2, 3]]
    return [Task(f"b{i}", {"xs": xs, "scale": scale},
                 outputs={f"r{x}": {"x": x, "scale": scale} for x in xs})
            for i, xs in enumerate(blocks)]


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_multi_result_tasks_store_one_fingerprinted_file_each(tmp_path: Path,
                                                              scheduler: str) -> None:
    runner = CampaignRunner(tmp_path, scheduler, workers=2, run_dir=tmp_path)
    outcome = runner.run(block_tasks(), block)
    assert sorted(outcome.computed) == ["b0", "b1"]
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["r0.npz", "r1.npz", "r2.npz",
                                                               "r3.npz"]
    assert task_files.inspect_result(tmp_path / "r3.npz").description["x"] == "3"
    CALLS.clear()
    (tmp_path / "r2.npz").unlink()  # one result of block b1 lost: only b1 reruns
    outcome = runner.run(block_tasks(), block, resume=True)
    assert sorted(CALLS) == [2, 3] and outcome.reused == ["r0", "r1"]
    with pytest.raises(FingerprintMismatch, match="scale = 1.0; this config has 2.0"):
        runner.run(block_tasks(2.0), block, resume=True)


def test_multi_result_task_returning_the_wrong_keys_fails(tmp_path: Path) -> None:
    runner = CampaignRunner(tmp_path, "sync")
    task = Task("b", {"xs": [1]}, outputs={"r1": {"x": 1}, "r9": {"x": 9}})
    outcome = runner.run([task], block)
    assert "expected ['r1', 'r9']" in outcome.failed["b"] and not list(tmp_path.glob("*.npz"))
