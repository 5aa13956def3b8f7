"""Cluster options: validation, the plain-TCP warning, job-queue scripts (no real queue)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pelkit.cluster import ClusterOptions, DaskSession, is_loopback, plain_tcp_warning
from pelkit.errors import InputError

PELKIT = [sys.executable, "-m", "pelkit.cli"]


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://localhost:8786",
                                     "tcp://[::1]:8786", "tls://10.1.2.3:8786"])
def test_no_warning_on_loopback_or_tls(address: str) -> None:
    assert plain_tcp_warning(address) is None


def test_plain_tcp_off_this_machine_warns_before_connecting() -> None:
    address = "tcp://192.0.2.1:8786"  # TEST-NET-1: never routed
    text = plain_tcp_warning(address)
    assert text is not None and "\n" not in text
    assert "unencrypted" in text and "tls://" in text and "run code" in text
    said: list[str] = []
    session = DaskSession(ClusterOptions(scheduler=address, connect_timeout=0.5),
                          notify=said.append)
    with pytest.raises(InputError, match="cannot connect to the Dask scheduler"):
        session.open()
    assert said == [text]
    assert is_loopback("127.0.0.1") and not is_loopback("192.0.2.1")


@pytest.mark.parametrize("options, message", [
    (dict(scheduler="yarn"), "unknown scheduler"),
    (dict(scheduler="tcp://nohost"), "not HOST:PORT"),
    (dict(scheduler="local", tls_ca=Path("ca.pem")), "need a --scheduler tls://"),
    (dict(scheduler="tls://h:1", tls_ca=Path("/nonexistent/ca.pem"),
          tls_cert=Path("/nonexistent/c.pem"), tls_key=Path("/nonexistent/k.pem")),
     "TLS file not found"),
    (dict(scheduler="tls://h:1", tls_ca=Path("ca.pem")), "all three"),
    (dict(scheduler="local", jobs=2), "--jobs needs"),
    (dict(scheduler="tcp://h:1", insecure=True), "--insecure applies"),
    (dict(scheduler="local", dashboard_address="nowhere"), "not HOST:PORT"),
])
def test_bad_options_are_one_clear_error(options: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ClusterOptions(**options).validate()


def test_tls_without_credentials_is_one_line(tmp_path: Path) -> None:
    res = subprocess.run(PELKIT + ["study", "run", "ka-landscape", "--preset", "smoke", "--out",
                                   str(tmp_path / "r"), "--scheduler", "tls://127.0.0.1:1",
                                   "--tls-ca", str(tmp_path / "missing.pem"), "--tls-cert",
                                   str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.startswith("pelkit: error: TLS file not found") and \
        res.stderr.count("\n") == 1


def _job_script(kind: str, insecure: bool, home: Path, monkeypatch) -> tuple[str, list[Path]]:
    """The job script and the credential files that existed while the cluster was up."""
    jobqueue = pytest.importorskip(
        "dask_jobqueue", reason="dask-jobqueue missing: pip install -e '.[cluster]'")
    pytest.importorskip("cryptography", reason="cryptography missing (extra 'cluster')")
    from pelkit.cluster import make_jobqueue_cluster

    monkeypatch.setenv("HOME", str(home))
    cluster = make_jobqueue_cluster(
        jobqueue, ClusterOptions(scheduler=kind, insecure=insecure), cores=4, memory="8GB",
        walltime="01:00:00",
        scheduler_options={"host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"},
    )
    try:
        script = cluster.job_script()
        creds = home / ".cache" / "pelkit" / "dask-tls"
        return script, sorted(p for p in creds.glob("*") if p.is_file())
    finally:
        cluster.close()


@pytest.mark.parametrize("kind, header", [("slurm", "#SBATCH"), ("pbs", "#PBS")])
def test_job_scripts_use_tls_with_temporary_credentials(kind: str, header: str, tmp_path: Path,
                                                         monkeypatch) -> None:
    script, files = _job_script(kind, False, tmp_path, monkeypatch)
    assert header in script and "distributed.cli.dask_worker tls://127.0.0.1:" in script
    creds = tmp_path / ".cache" / "pelkit" / "dask-tls"
    for flag in ("--tls-ca-file", "--tls-cert", "--tls-key"):
        value = Path(script.split(flag + " ", 1)[1].split()[0])
        assert value.parent == creds and value in files
    assert stat.S_IMODE(creds.stat().st_mode) == 0o700
    if kind == "slurm":
        assert "#SBATCH --cpus-per-task=4" in script and "#SBATCH -t 01:00:00" in script
    else:
        assert "ncpus=4" in script and "walltime=01:00:00" in script


def test_insecure_job_script_is_plain_tcp(tmp_path: Path, monkeypatch) -> None:
    script, files = _job_script("slurm", True, tmp_path, monkeypatch)
    assert files == []
    assert "dask_worker tcp://127.0.0.1:" in script and "--tls-" not in script


def test_job_queue_without_config_is_one_line(tmp_path: Path, monkeypatch) -> None:
    jobqueue = pytest.importorskip(
        "dask_jobqueue", reason="dask-jobqueue missing: pip install -e '.[cluster]'")
    from pelkit.cluster import make_jobqueue_cluster

    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(InputError, match="jobqueue.yaml"):
        make_jobqueue_cluster(jobqueue, ClusterOptions(scheduler="slurm", insecure=True))
