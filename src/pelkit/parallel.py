"""Resumable, fingerprinted task campaigns on Dask (or in this process).

    with DaskSession(ClusterOptions(scheduler="local", workers=2)) as session:
        runner = CampaignRunner(out_dir / "tasks" / "phase", session, run_dir=out_dir)
        outcome = runner.run(tasks, task_function, resume=True, progress=update)
    outcome.raise_failures()

Every :class:`Task` has a unique ``key`` (file-name safe), the keyword arguments of the task
function, and optionally ``inputs``: what determines its result (default: the keyword
arguments). Its result, a dict of numpy arrays and scalars, is stored in ``<dir>/<key>.npz``
with the fingerprint of those inputs (:mod:`pelkit.io.task_files`).

* **Results travel to the client.** The task returns its arrays through Dask; the client writes
  each file atomically as it arrives (``as_completed``), so workers need no shared disk. At most
  ``max_in_flight`` tasks are submitted at a time and each result is written and dropped before
  the next is fetched, so the client holds a bounded number of results. With
  ``ClusterOptions.workers_write`` the workers write the files themselves (shared filesystem).
* **Resume** (``resume=True``) reuses a stored result only when its fingerprint matches the task's;
  a mismatch raises :class:`FingerprintMismatch` naming the changed field, unless ``recompute``,
  which reruns exactly the mismatched tasks. A damaged file (unreadable, truncated, failed CRC) is
  moved aside with a warning and recomputed.
* **Failures.** A task that raises is recorded with its key and error while the others go on;
  :meth:`CampaignOutcome.raise_failures` then raises :class:`CampaignFailed` with the list. A
  worker that dies mid-task loses only that task, which Dask reruns elsewhere.

Tasks must be deterministic given their arguments (seeds from :func:`task_seed`), so a resumed or
re-scheduled campaign is bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.cluster import ClusterOptions, DaskSession
from pelkit.errors import InputError
from pelkit.io.task_files import (
    PHYSICS_VERSION,
    describe_inputs,
    encode_result,
    fingerprint,
    first_difference,
    inspect_result,
    load_result,
    quarantine,
    save_result,
    write_atomic,
)

__all__ = [
    "PHYSICS_VERSION",
    "audit_tasks",
    "CampaignFailed",
    "CampaignOutcome",
    "CampaignRunner",
    "FingerprintMismatch",
    "Task",
    "load_result",
    "save_result",
    "task_seed",
]

_run_counter = itertools.count()


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
    """One unit of a campaign.

    Attributes:
        key: unique, file-name-safe name of the result file.
        kwargs: keyword arguments of the task function.
        inputs: what determines the result, for the fingerprint (default: ``kwargs``); leave out
            arguments that do not change the result (e.g. study fields only the analysis reads).
        outputs: for a task that computes several results at once (e.g. a block of replicas):
            result key -> that result's inputs. The task function then returns
            ``{result key: result dict}``; each result is stored as ``<result key>.npz`` with its
            own fingerprint, and the task reruns when any of them is missing, damaged or changed.
    """

    key: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] | None = None
    outputs: Mapping[str, Mapping[str, Any]] | None = None

    def result_inputs(self) -> dict[str, Mapping[str, Any]]:
        """Result key -> inputs of every result this task stores."""
        if self.outputs is not None:
            return dict(self.outputs)
        return {self.key: self.inputs if self.inputs is not None else self.kwargs}


class FingerprintMismatch(InputError):
    """A stored result was made with different inputs than the task about to reuse it."""


class CampaignFailed(RuntimeError):
    """Some tasks failed; ``failures`` maps "<phase>/<key>" to "<ErrorType>: message"."""

    def __init__(self, failures: Mapping[str, str], missing: Iterable[str] = ()) -> None:
        self.failures = dict(failures)
        self.missing = list(missing)
        super().__init__(self.summary())

    def summary(self) -> str:
        """Several lines: the failed tasks with their errors, then the tasks not run."""
        lines = [f"campaign incomplete: {len(self.failures)} task(s) failed"
                 + (f", {len(self.missing)} not run because of them" if self.missing else "")]
        for key, error in sorted(self.failures.items()):
            lines.append(f"  failed {key}: {error}")
        if self.missing:
            shown = ", ".join(self.missing[:20]) + (" ..." if len(self.missing) > 20 else "")
            lines.append(f"  not run: {shown}")
        lines.append("  fix the cause, then rerun the same command with --resume")
        return "\n".join(lines)


@dataclass
class CampaignOutcome:
    """What :meth:`CampaignRunner.run` did.

    Attributes:
        paths: result file of every task, in task order (missing for failed tasks).
        computed: keys run now; reused: keys taken from stored files.
        damaged: files moved aside (recomputed); recomputed: keys rerun for a changed fingerprint.
        failed: key -> "<ErrorType>: message" of tasks that raised.
        phase: the runner's label (folder name) used in messages.
    """

    paths: list[Path]
    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    damaged: list[Path] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    phase: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed

    def labelled_failures(self) -> dict[str, str]:
        """``failed`` with keys prefixed by the phase ("production/T0.600_r0002")."""
        return {f"{self.phase}/{k}" if self.phase else k: v for k, v in self.failed.items()}

    def raise_failures(self) -> None:
        """Raise :class:`CampaignFailed` if any task failed."""
        if self.failed:
            raise CampaignFailed(self.labelled_failures())


def _error_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:400]}" if text else type(exc).__name__


def _compute(func: Callable[..., Any], kwargs: dict[str, Any],
             multi: bool) -> dict[str, Any]:
    """Worker side: run the task and return its result(s) (arrays travel back to the client)."""
    result = dict(func(**kwargs))
    for one in (result.values() if multi else [result]):
        encode_result(one)  # fail on the worker, with the task's key, if it cannot be stored
    return result


def _compute_and_write(func: Callable[..., Any], kwargs: dict[str, Any], multi: bool,
                       paths: dict[str, str], descriptions: dict[str, dict[str, str]]) -> str:
    """Worker side with a shared filesystem: run the task and write its file(s) here."""
    result = dict(func(**kwargs))
    results = result if multi else {next(iter(paths)): result}
    _check_outputs(results, paths)
    for key, one in results.items():
        save_result(Path(paths[key]), dict(one), descriptions[key])
    return ",".join(paths)


def _check_outputs(results: Mapping[str, Any], expected: Iterable[str]) -> None:
    want = set(expected)
    if set(results) != want:
        raise ValueError(f"the task returned results {sorted(results)}, expected {sorted(want)}")


class CampaignRunner:
    """Runs tasks through a Dask session (or in this process), storing each result atomically.

    Args:
        directory: folder of the per-task ``<key>.npz`` results (created).
        scheduler: a :class:`DaskSession` (shared by several runners), :class:`ClusterOptions`
            or a scheduler string (a session is then opened for each :meth:`run`).
        workers: worker count for a local cluster opened from a string.
        run_dir: the run folder named in messages (default: ``directory``).
        max_in_flight: tasks submitted to Dask at a time (default: 4 x total worker threads,
            at least 8).
        notify: receives one-line warnings (default: stderr).
    """

    def __init__(
        self,
        directory: Path,
        scheduler: str | ClusterOptions | DaskSession = "local",
        workers: int | None = None,
        *,
        run_dir: Path | None = None,
        max_in_flight: int | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if isinstance(scheduler, str):
            scheduler = ClusterOptions(scheduler=scheduler, workers=workers)
        if isinstance(scheduler, ClusterOptions):
            scheduler.validate()
        self.scheduler = scheduler
        self.run_dir = Path(run_dir) if run_dir is not None else self.directory
        self.max_in_flight = max_in_flight
        self.notify = notify or (lambda msg: sys.stderr.write(msg.rstrip("\n") + "\n"))

    @property
    def options(self) -> ClusterOptions:
        s = self.scheduler
        return s.options if isinstance(s, DaskSession) else s

    def path(self, key: str) -> Path:
        """Where the result of task ``key`` lives."""
        return self.directory / f"{key}.npz"

    def describe(self, task: Task, func: Callable[..., Any]) -> dict[str, dict[str, str]]:
        """Result key -> readable inputs description (:func:`describe_inputs`) of ``task``."""
        return {k: describe_inputs(func, v) for k, v in task.result_inputs().items()}

    def plan(self, tasks: Iterable[Task], func: Callable[..., Any], resume: bool,
             recompute: bool = False) -> tuple[list[Task], CampaignOutcome]:
        """Split ``tasks`` into those to run and those whose stored results are all reused.

        Raises :class:`FingerprintMismatch` (one line naming the first changed field) when a
        stored result was made with other inputs and neither ``recompute`` nor a fresh run
        (``resume=False``) was asked for.
        """
        tasks = list(tasks)
        keys = [k for t in tasks for k in t.result_inputs()]
        if len(set(keys)) != len(keys) or len({t.key for t in tasks}) != len(tasks):
            raise InputError("task keys must be unique")
        outcome = CampaignOutcome([self.path(k) for k in keys], phase=self.directory.name)
        if not resume:
            return tasks, outcome
        todo: list[Task] = []
        mismatches: list[tuple[str, str]] = []
        for task in tasks:
            descriptions = self.describe(task, func)
            rerun = changed = False
            for key, description in descriptions.items():
                path = self.path(key)
                stored = inspect_result(path)
                if stored.status == "missing":
                    rerun = True
                elif stored.status == "damaged":
                    moved = quarantine(path)
                    outcome.damaged.append(moved)
                    self.notify(f"pelkit: warning: damaged task file {path} ({stored.problem}); "
                                f"moved to {moved.name}, recomputing it")
                    rerun = True
                elif stored.fingerprint != fingerprint(description):
                    changed = True
                    if not recompute:
                        why = (first_difference(stored.description or {}, description)
                               if stored.description
                               else "no fingerprint (made by an older pelkit)")
                        mismatches.append((key, why))
            if changed and recompute:
                outcome.recomputed.append(task.key)
            if rerun or changed:
                todo.append(task)
            else:
                outcome.reused.extend(descriptions)
        if mismatches:
            key, why = mismatches[0]
            more = f" (and {len(mismatches) - 1} more results)" if len(mismatches) > 1 else ""
            raise FingerprintMismatch(
                f"{self.run_dir} was made with {why} (task {self.directory.name}/{key}{more}): "
                "use a new --out, or --recompute to redo the affected tasks"
            )
        return todo, outcome

    def run(
        self,
        tasks: Iterable[Task],
        func: Callable[..., Mapping[str, Any]],
        resume: bool = False,
        progress: Callable[[int, int], None] | None = None,
        recompute: bool = False,
    ) -> CampaignOutcome:
        """Run ``func(**task.kwargs)`` for every task not reusable from disk.

        Failed tasks are collected in the outcome (the others still run); call
        :meth:`CampaignOutcome.raise_failures` to turn them into an error.
        """
        tasks = list(tasks)
        todo, outcome = self.plan(tasks, func, resume, recompute)
        total = len(tasks)
        done = total - len(todo)
        if progress is not None:
            progress(done, total)
        if not todo:
            return outcome
        by_key = {t.key: t for t in todo}
        descriptions = {t.key: self.describe(t, func) for t in todo}

        def finished(key: str, result: Mapping[str, Any] | None, error: str | None) -> None:
            nonlocal done
            task = by_key[key]
            if error is None and result is not None:
                results = result if task.outputs is not None else {key: result}
                try:
                    _check_outputs(results, descriptions[key])
                except ValueError as exc:
                    error = _error_text(exc)
                else:
                    for out_key, one in results.items():
                        write_atomic(self.path(out_key),
                                     encode_result(one, descriptions[key][out_key]))
            if error is not None:
                outcome.failed[key] = error
            else:
                outcome.computed.append(key)
            done += 1
            if progress is not None:
                progress(done, total)

        session = self.scheduler
        if isinstance(session, DaskSession):
            self._dispatch(session, todo, func, descriptions, finished)
        else:
            with DaskSession(session, notify=self.notify) as own:
                self._dispatch(own, todo, func, descriptions, finished)
        return outcome

    def _dispatch(self, session: DaskSession, todo: list[Task], func: Callable[..., Any],
                  descriptions: dict[str, dict[str, dict[str, str]]],
                  finished: Callable[[str, Any, str | None], None]) -> None:
        if session.client is None:  # sync: in this process, one by one
            for task in todo:
                try:
                    result = _compute(func, task.kwargs, task.outputs is not None)
                except Exception as exc:  # noqa: BLE001 - recorded, reported at the end
                    finished(task.key, None, _error_text(exc))
                else:
                    finished(task.key, result, None)
            return
        self._run_dask(session, todo, func, descriptions, finished)

    def _run_dask(self, session: DaskSession, todo: list[Task], func: Callable[..., Any],
                  descriptions: dict[str, dict[str, dict[str, str]]],
                  finished: Callable[[str, Any, str | None], None]) -> None:
        from dask.distributed import as_completed

        client = session.client
        shared = session.options.workers_write
        sized = {"at": -1e9, "window": 8}

        def window() -> int:
            """Tasks in flight: ``max_in_flight``, else 4 per worker thread (at least 8),
            re-read every 2 s so that a job-queue cluster that grows gets more."""
            if self.max_in_flight is not None:
                return self.max_in_flight
            now = time.monotonic()
            if now - sized["at"] > 2.0:
                try:
                    threads = sum(client.nthreads().values())
                except Exception:  # noqa: BLE001 - keep the last size
                    threads = 0
                sized["at"], sized["window"] = now, max(8, 4 * threads)
            return sized["window"]

        prefix = f"pelkit-{os.getpid()}-{next(_run_counter)}-{self.directory.name}"
        keys: dict[str, str] = {}

        def submit(task: Task) -> Any:
            dask_key = f"{prefix}-{task.key}"
            keys[dask_key] = task.key
            multi = task.outputs is not None
            if shared:
                paths = {k: os.fspath(self.path(k)) for k in descriptions[task.key]}
                return client.submit(_compute_and_write, func, task.kwargs, multi, paths,
                                     descriptions[task.key], key=dask_key, pure=False)
            return client.submit(_compute, func, task.kwargs, multi, key=dask_key, pure=False)

        pending = iter(todo)
        stream = as_completed([submit(t) for t in itertools.islice(pending, window())])
        try:
            for future in stream:
                key = keys.pop(future.key)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - task error or KilledWorker
                    finished(key, None, _error_text(exc))
                else:
                    finished(key, None if shared else result, None)
                    del result
                future.release()
                for nxt in itertools.islice(pending, max(0, window() - len(keys))):
                    stream.add(submit(nxt))
        finally:
            stream.clear()


def audit_tasks(directory: Path, keys: Iterable[str],
                notify: Callable[[str], None] | None = None) -> dict[str, str]:
    """Check the stored results of ``keys`` in ``directory`` before an analysis.

    Damaged files are moved aside (``<name>.damaged``, with a warning through ``notify``).
    Returns ``{key: "missing" | "damaged (<why>)"}`` for every key without a usable result.
    """
    say = notify or (lambda msg: sys.stderr.write(msg.rstrip("\n") + "\n"))
    problems: dict[str, str] = {}
    for key in keys:
        path = Path(directory) / f"{key}.npz"
        stored = inspect_result(path)
        if stored.status == "missing":
            problems[key] = "missing"
        elif stored.status == "damaged":
            moved = quarantine(path)
            say(f"pelkit: warning: damaged task file {path} ({stored.problem}); "
                f"moved to {moved.name}")
            problems[key] = f"damaged ({stored.problem})"
    return problems
