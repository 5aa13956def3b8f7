"""Where a campaign runs: a Dask client for a local cluster, a scheduler address or a job queue.

    options = ClusterOptions(scheduler="tls://login1:8786", tls_ca=ca, tls_cert=crt, tls_key=key)
    with DaskSession(options) as session:
        client = session.client        # None for scheduler="sync"

Schedulers (``ClusterOptions.scheduler``):
    "sync"                 tasks run one by one in this process (no Dask)
    "local"                a ``LocalCluster`` of worker processes on 127.0.0.1
    "threads"              a ``LocalCluster`` of threads in this process
    "tcp://HOST:PORT"      an existing scheduler, unencrypted: anyone who reaches the port can run
                           code on the workers, so a non-loopback host prints a warning
    "tls://HOST:PORT"      an existing scheduler with TLS: ``tls_ca``/``tls_cert``/``tls_key``, or
                           the Dask configuration keys ``distributed.comm.tls.ca-file``,
                           ``distributed.comm.tls.client.cert`` and ``.key``
    "slurm" "pbs" "sge" "lsf"  a cluster of batch jobs through dask-jobqueue (extra ``cluster``),
                           configured the standard Dask way (``~/.config/dask/jobqueue.yaml``),
                           scaled to ``jobs`` jobs; TLS with temporary credentials unless
                           ``insecure``

The dashboard of a cluster started here binds to ``dashboard_address`` (default loopback, a free
port) and its URL is passed to ``notify``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pelkit.errors import InputError

JOB_QUEUES = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster",
              "lsf": "LSFCluster"}
LOCAL = ("sync", "local", "threads")


def _stderr(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


@dataclass(frozen=True)
class ClusterOptions:
    """How to reach the Dask workers.

    Attributes:
        scheduler: see the module docstring.
        workers: worker processes (``local``) or threads (``threads``); default all cores.
        jobs: batch jobs to request (job queues; default 1).
        tls_ca, tls_cert, tls_key: PEM files of the CA and of this client's certificate and key.
        insecure: job queues only: plain TCP instead of TLS with temporary credentials.
        dashboard_address: "HOST:PORT" for the dashboard of a cluster started here.
        workers_write: workers write task files themselves into the run folder, which they must
            see at the same path (a shared filesystem); default: results travel to the client.
        connect_timeout: seconds to wait for an existing scheduler.
    """

    scheduler: str = "local"
    workers: int | None = None
    jobs: int | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure: bool = False
    dashboard_address: str = "127.0.0.1:0"
    workers_write: bool = False
    connect_timeout: float = 20.0

    def validate(self) -> ClusterOptions:
        """Check the combination (one clear :class:`InputError`); returns self."""
        s = self.scheduler
        kind = scheduler_kind(s)
        tls_files = [p for p in (self.tls_ca, self.tls_cert, self.tls_key) if p is not None]
        if tls_files and kind != "tls":
            raise InputError("--tls-ca/--tls-cert/--tls-key need a --scheduler tls://HOST:PORT")
        if kind == "tls" and tls_files and len(tls_files) != 3:
            raise InputError("give all three of --tls-ca, --tls-cert and --tls-key")
        for p in tls_files:
            if not Path(p).is_file():
                raise InputError(f"TLS file not found: {p}")
        if self.jobs is not None and kind != "jobqueue":
            raise InputError("--jobs needs --scheduler slurm, pbs, sge or lsf")
        if self.jobs is not None and self.jobs < 1:
            raise InputError("--jobs must be at least 1")
        if self.insecure and kind != "jobqueue":
            raise InputError("--insecure applies to clusters started through slurm/pbs/sge/lsf")
        if self.workers is not None and self.workers < 1:
            raise InputError("--workers must be at least 1")
        _split_host_port(self.dashboard_address, "--dashboard-address")
        if kind in ("tcp", "tls"):
            _split_host_port(s.split("://", 1)[1], "--scheduler")
        return self


def scheduler_kind(scheduler: str) -> str:
    """"sync", "local", "threads", "tcp", "tls" or "jobqueue" (one clear error otherwise)."""
    if scheduler in LOCAL:
        return scheduler
    if scheduler in JOB_QUEUES:
        return "jobqueue"
    for proto in ("tcp", "tls"):
        if scheduler.startswith(f"{proto}://"):
            return proto
    raise InputError(
        f"unknown scheduler {scheduler!r}: use local, threads, sync, tcp://HOST:PORT, "
        "tls://HOST:PORT or slurm, pbs, sge, lsf"
    )


def _split_host_port(text: str, option: str) -> tuple[str, int]:
    parts = urlsplit(f"//{text}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or parts.hostname is None and not text.startswith(":"):
        raise InputError(f"{option} {text!r} is not HOST:PORT")
    return parts.hostname or "", port


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (names are resolved; unresolvable = False)."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def plain_tcp_warning(scheduler: str) -> str | None:
    """The warning for an unencrypted scheduler address off this machine (None on loopback)."""
    if scheduler_kind(scheduler) != "tcp":
        return None
    host, _ = _split_host_port(scheduler.split("://", 1)[1], "--scheduler")
    if is_loopback(host):
        return None
    return (
        f"pelkit: warning: {scheduler} is unencrypted and unauthenticated: anyone who can reach "
        "it can run code on its workers as you; use tls://HOST:PORT with --tls-ca/--tls-cert/"
        "--tls-key (see docs/cluster.md)"
    )


def _security(options: ClusterOptions) -> Any:
    from distributed.security import Security

    if options.tls_ca is not None:
        return Security(
            tls_ca_file=os.fspath(options.tls_ca),
            tls_client_cert=os.fspath(options.tls_cert),
            tls_client_key=os.fspath(options.tls_key),
            require_encryption=True,
        )
    security = Security(require_encryption=True)  # the Dask configuration's TLS keys
    if not security.tls_ca_file or not security.tls_client_cert:
        raise InputError(
            "tls:// needs --tls-ca, --tls-cert and --tls-key (or distributed.comm.tls.ca-file "
            "and distributed.comm.tls.client.cert/key in the Dask configuration)"
        )
    return security


def _connect_error(address: str, exc: BaseException) -> InputError:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper() or "TLS" in text.upper():
        hint = " (is the certificate signed by the scheduler's CA?)"
    else:
        hint = ""
    return InputError(f"cannot connect to the Dask scheduler {address}: {text[:300]}{hint}")


class DaskSession:
    """A Dask client (and the cluster it started, if any) for the length of a ``with`` block.

    Args:
        options: where to run.
        notify: receives one-line messages (dashboard URL, warnings); default: stderr.
    """

    def __init__(self, options: ClusterOptions,
                 notify: Callable[[str], None] | None = None) -> None:
        self.options = options.validate()
        self.kind = scheduler_kind(options.scheduler)
        self.notify = notify or _stderr
        self.client: Any = None
        self.cluster: Any = None

    def __enter__(self) -> DaskSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Start or reach the cluster (nothing for ``sync``)."""
        if self.kind == "sync" or self.client is not None:
            return
        warning = plain_tcp_warning(self.options.scheduler)
        if warning:
            self.notify(warning)
        if self.kind in ("tcp", "tls"):
            self._connect()
        elif self.kind == "jobqueue":
            self._jobqueue()
        else:
            self._local()

    def _connect(self) -> None:
        from distributed import Client

        address = self.options.scheduler
        security = _security(self.options) if self.kind == "tls" else None
        try:
            self.client = Client(address, security=security,
                                 timeout=f"{self.options.connect_timeout}s")
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ssl.SSLError, ...
            raise _connect_error(address, exc) from None

    def _local(self) -> None:
        from distributed import Client, LocalCluster

        n = self.options.workers or os.cpu_count() or 1
        threads = self.kind == "threads"
        extra = {} if threads else {"host": "127.0.0.1"}  # threads talk in-process (inproc://)
        self.cluster = LocalCluster(
            n_workers=1 if threads else n,
            threads_per_worker=n if threads else 1,
            processes=not threads,
            dashboard_address=self.options.dashboard_address,
            worker_dashboard_address="127.0.0.1:0",
            # CRITICAL only: a loaded machine makes workers log recoverable heartbeat
            # timeouts as ERROR tracebacks; task failures reach the user through the campaign.
            silence_logs=50,
            **extra,
        )
        self.client = Client(self.cluster)
        self._print_dashboard()

    def _jobqueue(self) -> None:
        try:
            import dask_jobqueue
        except ImportError:
            raise InputError(
                f"--scheduler {self.options.scheduler} needs dask-jobqueue: "
                "pip install -e '.[cluster]'"
            ) from None
        from distributed import Client

        self.cluster = make_jobqueue_cluster(dask_jobqueue, self.options)
        self.cluster.scale(jobs=self.options.jobs or 1)
        self.client = Client(self.cluster, security=self.cluster.security)
        self._print_dashboard()

    def _print_dashboard(self) -> None:
        link = getattr(self.client, "dashboard_link", None)
        if not link:
            return
        host, _ = _split_host_port(self.options.dashboard_address, "--dashboard-address")
        parts = urlsplit(link)
        if host and parts.port is not None:  # the address it is bound to, not the machine's name
            link = parts._replace(netloc=f"{host}:{parts.port}").geturl()
        self.notify(f"pelkit: Dask dashboard at {link}")

    def close(self) -> None:
        """Close the client and any cluster started here."""
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


def credentials_directory() -> Path:
    """Where the temporary TLS credentials of a job-queue cluster go, for the jobs to read:
    ``jobqueue.<kind>.shared-temp-directory`` of the Dask configuration if set, else
    ``~/.cache/pelkit/dask-tls`` (home directories are shared on batch clusters); mode 0700."""
    import dask.config

    configured = dask.config.get("jobqueue.shared-temp-directory", default=None)
    path = Path(configured).expanduser() if configured else (
        Path.home() / ".cache" / "pelkit" / "dask-tls")
    path.mkdir(parents=True, exist_ok=True)
    if not configured:
        path.chmod(0o700)
    return path


def make_jobqueue_cluster(module: Any, options: ClusterOptions, **overrides: Any) -> Any:
    """A dask-jobqueue cluster of the kind ``options.scheduler`` (configured from the Dask
    configuration, ``overrides`` on top), with TLS and temporary credentials unless
    ``options.insecure``; the dashboard binds to ``options.dashboard_address``."""
    cls = getattr(module, JOB_QUEUES[options.scheduler])
    kwargs: dict[str, Any] = {
        "scheduler_options": {"dashboard_address": options.dashboard_address},
        "protocol": "tcp://" if options.insecure else "tls://",
    }
    if not options.insecure:
        kwargs["security"] = True  # dask-jobqueue makes a temporary CA and certificates
        kwargs["shared_temp_directory"] = os.fspath(credentials_directory())
    kwargs.update(overrides)
    try:
        return cls(**kwargs)
    except (ImportError, OSError) as exc:
        raise InputError(f"cannot start a {options.scheduler} cluster: {exc}") from None
    except ValueError as exc:  # e.g. cores/memory missing from jobqueue.yaml
        text = " ".join(str(exc).split())
        raise InputError(
            f"cannot configure the {options.scheduler} cluster: {text} "
            "(set it in ~/.config/dask/jobqueue.yaml, see docs/cluster.md)"
        ) from None
