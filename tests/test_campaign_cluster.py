"""Campaigns on real Dask processes on 127.0.0.1 (tcp:// and tls://), bounded in time.

A tiny ka-landscape config (two temperatures, two replicas) is run once in this process with
``--scheduler sync`` as the reference; the same config through real ``dask scheduler`` /
``dask worker`` processes must give byte-identical summary.json, results.h5 and report.md, even
when a worker is SIGKILLed mid-run and the workers cannot write (or see) the client's folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dask_processes import FORBID_PRELOAD, DaskProcesses, make_tls
from pelkit.cluster import ClusterOptions, DaskSession
from pelkit.errors import InputError
from pelkit.studies.ka_landscape.analysis import analyze
from pelkit.studies.ka_landscape.config import load_config
from pelkit.studies.ka_landscape.runner import run_study

PELKIT = [sys.executable, "-m", "pelkit.cli"]
TINY = """
temperatures = [2.0, 2.5]
n_replicas = 2
melt_time = 0.5
eq_msd_target = 1.5
eq_min_time = 0.5
eq_max_time = 20.0
eq_block_time = 0.5
eq_quenches = 4
quenches_per_t1 = 10
inm_snapshots = 1
inm_points = 21
bootstrap = 0
"""
COMPARED = ("summary.json", "results.h5", "report.md")
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("campaign_ref")
    config = root / "tiny.toml"
    config.write_text(TINY)
    cfg = load_config("smoke", config)
    run_study(cfg, root / "sync", scheduler="sync")
    analyze(root / "sync", cfg)
    return config, root / "sync"


def _study(out: Path, config: Path, *extra: str) -> list[str]:
    return PELKIT + ["study", "run", "ka-landscape", "--preset", "smoke", "--config", str(config),
                     "--out", str(out), "--quiet", "--json", *extra]


def _assert_same_outputs(a: Path, b: Path) -> None:
    for name in COMPARED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_tcp_workers_killed_and_without_the_clients_disk(reference, tmp_path: Path) -> None:
    config, ref = reference
    client_dir = tmp_path / "client"
    out = client_dir / "run"
    preload = tmp_path / "forbid_preload.py"
    preload.write_text(FORBID_PRELOAD)
    env = dict(ENV, PELKIT_TEST_FORBID=str(client_dir))
    dask = DaskProcesses(tmp_path / "dask")
    proc = None
    try:
        address = dask.start_scheduler()
        for name in ("w1", "w2"):
            dask.start_worker(name, env=env, preload=preload)
        proc = subprocess.Popen(_study(out, config, "--scheduler", address), env=ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if list(out.glob("tasks/equilibrate/*.npz")):
                break
            time.sleep(0.05)
        killed_mid_run = proc.poll() is None
        dask.kill("w1")  # SIGKILL: its task in flight is lost and rerun on w2
        stdout, stderr = proc.communicate(timeout=max(10.0, deadline - time.monotonic()))
        assert proc.returncode == 0, stderr[-3000:] + dask.log("w2")[-3000:]
        assert killed_mid_run
        for name in ("w1", "w2"):  # the workers really could not write the client's folder
            assert (tmp_path / "dask" / name / "forbid-armed").read_text() == str(client_dir)
        assert "warning" not in stderr  # loopback tcp:// is silent
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()  # by PID
            proc.wait(timeout=30)
        dask.stop()
    _assert_same_outputs(ref, out)


@pytest.mark.slow
def test_tls_scheduler_runs_the_study_and_refuses_strangers(reference, tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="cryptography missing: pip install -e '.[dev]'")
    config, ref = reference
    tls = make_tls(tmp_path / "pki")
    dask = DaskProcesses(tmp_path / "dask", tls=tls)
    try:
        address = dask.start_scheduler()
        assert address.startswith("tls://127.0.0.1:")
        dask.start_worker("w1")
        stranger = subprocess.run(
            _study(tmp_path / "stranger", config, "--scheduler", address, "--tls-ca",
                   str(tls.other_ca), "--tls-cert", str(tls.other_cert), "--tls-key",
                   str(tls.other_key)), env=ENV, capture_output=True, text=True, timeout=120)
        assert stranger.returncode == 2
        assert stranger.stderr.startswith("pelkit: error: cannot connect to the Dask scheduler")
        assert stranger.stderr.count("\n") == 1
        plain = ClusterOptions(scheduler=address.replace("tls://", "tcp://"), connect_timeout=3)
        with pytest.raises(InputError, match="cannot connect"):  # no TLS: refused
            DaskSession(plain, notify=lambda m: None).open()
        out = tmp_path / "run"
        res = subprocess.run(
            _study(out, config, "--scheduler", address, "--tls-ca", str(tls.ca), "--tls-cert",
                   str(tls.cert), "--tls-key", str(tls.key)),
            env=ENV, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr[-3000:] + dask.log("w1")[-3000:]
    finally:
        dask.stop()
    _assert_same_outputs(ref, out)


@pytest.mark.slow
def test_resumed_run_is_byte_identical(reference, tmp_path: Path) -> None:
    """A campaign that lost tasks (killed) and is resumed gives the same bytes."""
    import shutil

    config, ref = reference
    out = tmp_path / "resumed"
    shutil.copytree(ref, out)
    for name in COMPARED:
        (out / name).unlink()
    lost = sorted((out / "tasks" / "production").glob("*.npz"))[:2]
    for path in lost:
        path.unlink()
    kept = {p: p.stat().st_mtime_ns for p in (out / "tasks").rglob("*.npz")}
    cfg = load_config("smoke", config)
    run_study(cfg, out, scheduler="sync", resume=True)
    analyze(out, cfg)
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())  # not recomputed
    assert all(p.is_file() for p in lost)
    _assert_same_outputs(ref, out)
