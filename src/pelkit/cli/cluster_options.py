"""Cluster options of ``pelkit study run`` and the exit of an incomplete campaign.

The options map one to one onto :class:`pelkit.cluster.ClusterOptions`; see docs/cluster.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from pelkit.cluster import ClusterOptions
from pelkit.parallel import CampaignFailed

EXIT_CAMPAIGN_FAILED = 1

SCHEDULER_HELP = (
    "local, threads, sync, tls://HOST:PORT (with --tls-*), tcp://HOST:PORT (unencrypted), "
    "or slurm, pbs, sge, lsf (dask-jobqueue, extra 'cluster')."
)


def jobs_option() -> int:
    return typer.Option(None, "--jobs", help="Batch jobs to start (slurm/pbs/sge/lsf).")


def tls_option(name: str, what: str) -> Path:
    return typer.Option(None, f"--tls-{name}", help=f"{what} (PEM) for tls:// schedulers.")


def insecure_option() -> bool:
    return typer.Option(False, "--insecure",
                        help="Job-queue clusters: plain TCP instead of TLS with temporary keys.")


def dashboard_option() -> str:
    return typer.Option("127.0.0.1:0", "--dashboard-address",
                        help="HOST:PORT of the Dask dashboard of a cluster started here.")


def shared_fs_option() -> bool:
    return typer.Option(False, "--workers-write",
                        help="Workers write task files themselves (needs a shared filesystem "
                        "where --out has the same path); default: results travel to the client.")


def cluster_options(scheduler: str, workers: int | None, jobs: int | None,
                    tls_ca: Path | None, tls_cert: Path | None, tls_key: Path | None,
                    insecure: bool, dashboard_address: str,
                    workers_write: bool) -> ClusterOptions:
    """Validated :class:`ClusterOptions` (an :class:`~pelkit.errors.InputError` otherwise)."""
    return ClusterOptions(
        scheduler=scheduler, workers=workers, jobs=jobs, tls_ca=tls_ca, tls_cert=tls_cert,
        tls_key=tls_key, insecure=insecure, dashboard_address=dashboard_address,
        workers_write=workers_write,
    ).validate()


def campaign_failed(exc: CampaignFailed) -> NoReturn:
    """Print the summary of an incomplete campaign (first line ``pelkit: error: ...``), exit 1."""
    sys.stderr.write(f"pelkit: error: {exc.summary()}\n")
    raise SystemExit(EXIT_CAMPAIGN_FAILED)
