"""Real ``dask scheduler`` / ``dask worker`` processes on 127.0.0.1 for tests, stopped by PID.

Each process runs in its own temporary working directory with its own ``--local-directory``;
every wait is bounded. Also: a temporary CA and certificates (the ``cryptography`` package) for
TLS tests, and a worker preload that forbids writing under a folder (a worker that cannot see
the client's disk).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SCHEDULER = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]

FORBID_PRELOAD = '''
"""Worker preload: any write under $PELKIT_TEST_FORBID fails, as on a machine without it."""
import builtins, os

_root = os.path.realpath(os.environ["PELKIT_TEST_FORBID"])


def _check(path):
    p = os.path.realpath(os.fspath(path))
    if p == _root or p.startswith(_root + os.sep):
        raise PermissionError(13, "no such folder on this worker", os.fspath(path))


def _install():
    _open, _replace, _osopen = builtins.open, os.replace, os.open

    def open_(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+"):
            _check(file)
        return _open(file, mode, *a, **k)

    def replace_(src, dst, *a, **k):
        _check(dst)
        return _replace(src, dst, *a, **k)

    def osopen_(path, flags, *a, **k):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            _check(path)
        return _osopen(path, flags, *a, **k)

    builtins.open, os.replace, os.open = open_, replace_, osopen_
    builtins._pelkit_forbid = True
    with _open("forbid-armed", "w") as fh:
        fh.write(_root)


if not getattr(builtins, "_pelkit_forbid", False):  # the preload may be imported twice
    _install()
'''


@dataclass
class TLSFiles:
    """PEM files of a test CA and of certificates it signed (for 127.0.0.1)."""

    ca: Path
    cert: Path
    key: Path
    other_ca: Path
    other_cert: Path
    other_key: Path


def make_tls(folder: Path) -> TLSFiles:
    """A CA with a certificate for 127.0.0.1 (used by scheduler, workers and client), and an
    unrelated CA with its own certificate (a client the scheduler must refuse)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def write_key(key, path: Path) -> None:  # noqa: ANN001
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)

    def authority(label: str) -> tuple:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(label)).issuer_name(name(label))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        return key, cert

    def leaf(ca_key, ca_cert, label: str) -> tuple:  # noqa: ANN001
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(label))
                .issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"),
                     x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        return key, cert

    out = {}
    for prefix, label in (("", "pelkit test CA"), ("other_", "some other CA")):
        ca_key, ca_cert = authority(label)
        key, cert = leaf(ca_key, ca_cert, f"{label} member")
        pem = serialization.Encoding.PEM
        (folder / f"{prefix}ca.pem").write_bytes(ca_cert.public_bytes(pem))
        (folder / f"{prefix}cert.pem").write_bytes(cert.public_bytes(pem))
        write_key(key, folder / f"{prefix}key.pem")
        out.update({f"{prefix}ca": folder / f"{prefix}ca.pem",
                    f"{prefix}cert": folder / f"{prefix}cert.pem",
                    f"{prefix}key": folder / f"{prefix}key.pem"})
    return TLSFiles(**out)


def _tls_flags(tls: TLSFiles | None, ca: str = "--tls-ca-file") -> list[str]:
    if tls is None:
        return []
    return [ca, str(tls.ca), "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]


class DaskProcesses:
    """One scheduler and some workers; :meth:`stop` ends each of them by its PID."""

    def __init__(self, root: Path, tls: TLSFiles | None = None) -> None:
        self.root = Path(root)
        self.tls = tls
        self.procs: dict[str, subprocess.Popen] = {}
        self.address = ""
        self.env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                        PYTHONUNBUFFERED="1")

    def _popen(self, label: str, cmd: list[str], env: dict[str, str] | None = None,
               ) -> subprocess.Popen:
        cwd = self.root / label
        cwd.mkdir(parents=True, exist_ok=True)
        log = open(cwd / "log.txt", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(cmd, cwd=cwd, env=env or self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[label] = proc
        return proc

    def start_scheduler(self, timeout: float = 60.0) -> str:
        file = self.root / "scheduler" / "scheduler.json"
        protocol = ["--protocol", "tls"] if self.tls else []
        self._popen("scheduler", SCHEDULER + ["--host", "127.0.0.1", "--port", "0",
                                         "--dashboard-address", "127.0.0.1:0",
                                         "--scheduler-file", str(file)] + protocol
                    + _tls_flags(self.tls))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if file.exists():
                try:
                    self.address = json.loads(file.read_text())["address"]
                    return self.address
                except (json.JSONDecodeError, KeyError):
                    pass
            if self.procs["scheduler"].poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"dask scheduler did not start: {self.log('scheduler')[-2000:]}")

    def start_worker(self, label: str, env: dict[str, str] | None = None,
                     preload: Path | None = None) -> subprocess.Popen:
        cwd = self.root / label
        extra = ["--preload", str(preload)] if preload is not None else []
        return self._popen(label, WORKER + [self.address, "--nthreads", "1", "--no-nanny",
                                            "--host", "127.0.0.1", "--name", label,
                                            "--dashboard-address", "127.0.0.1:0",
                                            "--local-directory", str(cwd / "scratch")]
                           + extra + _tls_flags(self.tls), env=env)

    def log(self, label: str) -> str:
        path = self.root / label / "log.txt"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, label: str) -> None:
        """SIGKILL one process (by PID)."""
        proc = self.procs[label]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM every process by PID, SIGKILL after 10 s."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
