"""Resumable task campaigns on Dask: a LocalCluster by default, an existing cluster by address.

    runner = CampaignRunner(out_dir / "tasks", scheduler="local", workers=2)
    done = runner.run(tasks, run_one, resume=True, progress=update)

Every task has a unique ``key`` (a file-name-safe string) and plain arguments. Its result (a dict
of numpy arrays and scalars) is written atomically to ``<dir>/<key>.npz`` (temporary file in the
same folder, then ``os.replace``), so a killed campaign loses at most the tasks in flight and a
resumed one skips every finished task. Tasks must be deterministic given their arguments (their
seeds are derived from the campaign seed and the task's identity, see :func:`task_seed`), so a
resumed campaign is bit-identical to an uninterrupted one.

Schedulers:
    "local"        a ``dask.distributed.LocalCluster`` of worker processes on this machine
    "threads"      a LocalCluster of threads in this process (kernels release the GIL)
    "sync"         run tasks one by one in this process (debugging, tests)
    "tcp://H:P"    an existing Dask scheduler (e.g. started by dask-jobqueue on SLURM/PBS)
"""

from __future__ import annotations

import os
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.errors import InputError


def task_seed(campaign_seed: int, *identity: float | int | str) -> int:
    """A 63-bit seed derived from the campaign seed and a task identity (e.g. T, replica).

    Uses numpy's SeedSequence on (campaign seed, hashes of the identity items), so it does not
    depend on the order in which tasks run.
    """
    words = [int(campaign_seed) & 0xFFFFFFFF]
    for item in identity:
        words.append(zlib.crc32(repr(item).encode()) & 0xFFFFFFFF)
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


@dataclass(frozen=True)
class Task:
    """One unit of a campaign: a unique ``key`` and the keyword arguments of the task function."""

    key: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def save_result(path: Path, result: dict[str, Any]) -> None:
    """Write ``result`` (str -> array/scalar/str) atomically as an ``.npz`` file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.asarray(v) for k, v in result.items()}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npz.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_result(path: Path) -> dict[str, Any]:
    """Read a task result written by :func:`save_result` (0-d arrays become scalars)."""
    with np.load(path, allow_pickle=False) as data:
        out: dict[str, Any] = {}
        for k in data.files:
            v = data[k]
            out[k] = v.item() if v.ndim == 0 else v
    return out


def _execute(func: Callable[..., dict], path: str, kwargs: dict[str, Any]) -> str:
    """Worker side: run the task and store its result; returns the path."""
    result = func(**kwargs)
    save_result(Path(path), result)
    return path


class CampaignRunner:
    """Runs tasks through a Dask scheduler, storing each result atomically in ``directory``.

    Args:
        directory: folder of the per-task ``<key>.npz`` results.
        scheduler: "local" (default), "threads", "sync" or a scheduler address "tcp://HOST:PORT".
        workers: worker count for local clusters (default: all cores).
    """

    def __init__(self, directory: Path, scheduler: str = "local", workers: int | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if not (scheduler in ("local", "threads", "sync") or scheduler.startswith("tcp://")):
            raise InputError(
                f"unknown scheduler {scheduler!r}: use local, threads, sync or tcp://HOST:PORT"
            )
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1

    def path(self, key: str) -> Path:
        """Where the result of task ``key`` lives."""
        return self.directory / f"{key}.npz"

    def is_done(self, key: str) -> bool:
        """True if the result of ``key`` exists (written atomically, so it is complete)."""
        return self.path(key).exists()

    def pending(self, tasks: Iterable[Task], resume: bool) -> list[Task]:
        """The tasks still to run (all of them unless ``resume``)."""
        tasks = list(tasks)
        keys = [t.key for t in tasks]
        if len(set(keys)) != len(keys):
            raise InputError("task keys must be unique")
        return [t for t in tasks if not (resume and self.is_done(t.key))]

    def run(
        self,
        tasks: Iterable[Task],
        func: Callable[..., dict],
        resume: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Path]:
        """Run ``func(**task.kwargs)`` for every pending task; returns all result paths."""
        tasks = list(tasks)
        todo = self.pending(tasks, resume)
        total = len(tasks)
        done = total - len(todo)
        if progress is not None:
            progress(done, total)
        if todo:
            if self.scheduler == "sync":
                for task in todo:
                    _execute(func, str(self.path(task.key)), task.kwargs)
                    done += 1
                    if progress is not None:
                        progress(done, total)
            else:
                self._run_dask(todo, func, done, total, progress)
        return [self.path(t.key) for t in tasks]

    def _client(self):  # noqa: ANN202 - dask.distributed.Client
        from dask.distributed import Client, LocalCluster

        if self.scheduler.startswith("tcp://"):
            try:
                return Client(self.scheduler, timeout="20s"), None
            except OSError as exc:
                msg = f"cannot reach the Dask scheduler {self.scheduler}: {exc}"
                raise InputError(msg) from None
        cluster = LocalCluster(
            n_workers=1 if self.scheduler == "threads" else self.workers,
            threads_per_worker=self.workers if self.scheduler == "threads" else 1,
            processes=self.scheduler == "local",
            dashboard_address=":0",
            silence_logs=40,
        )
        return Client(cluster), cluster

    def _run_dask(self, todo, func, done, total, progress) -> None:  # noqa: ANN001
        from dask.distributed import as_completed

        client, cluster = self._client()
        try:
            futures = [
                client.submit(
                    _execute, func, str(self.path(t.key)), t.kwargs, key=t.key, pure=False
                )
                for t in todo
            ]
            for future in as_completed(futures):
                future.result()  # re-raises a task's exception here
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
