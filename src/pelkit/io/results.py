"""Run folders, atomic writes and resumable campaign tasks (every run writes into one folder; a
resumed run skips tasks whose results are already there).

A run folder holds::

    config.toml        the resolved configuration          (RunFolder.write_config)
    provenance.json    version, git commit, seed, command,  (RunFolder.write_provenance)
                       timings, library versions
    results.h5         arrays and trajectories              (RunFolder.results_path)
    summary.json       small machine-readable results       (RunFolder.write_summary)
    figures/*.png      plots                                (RunFolder.figure_path)
    report.md          a human-readable report              (RunFolder.write_report)
    tasks/<key>.*      results of campaign tasks            (RunFolder.save_task / is_done)

Every file is written atomically: into a temporary file in the same folder, flushed and synced,
then renamed over the target with :func:`os.replace`, so a killed run never leaves a truncated
file. A campaign task is *done* when its marker ``tasks/<key>.json`` exists; the marker is written
last, after the task's arrays, so ``--resume`` can skip exactly the finished tasks.
"""

from __future__ import annotations

import io
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pelkit import __version__
from pelkit.errors import InputError
from pelkit.io.task_files import file_mode, flatten, write_atomic

__all__ = [
    "HDF5Group",
    "RunFolder",
    "atomic_write_bytes",
    "atomic_write_hdf5",
    "atomic_write_json",
    "atomic_write_npz",
    "atomic_write_text",
    "dumps_toml",
    "git_commit",
    "jsonable",
    "provenance",
]

_TASK_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.=+-]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# --------------------------------------------------------------------------------------------
# atomic writes


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + ``os.replace``).

    Readers see either the old file or the complete new one, never a partial file. The file gets
    the permissions of an ordinary new file under the process umask (``0o666 & ~umask``).
    """
    return write_atomic(path, data)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples, paths (recursively) into plain JSON types.

    Non-finite floats become None so the output is strict JSON.
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented strict JSON atomically (numpy types converted)."""
    text = json.dumps(jsonable(obj), indent=2, allow_nan=False, sort_keys=False)
    return atomic_write_text(path, text + "\n")


def atomic_write_npz(path: str | os.PathLike, **arrays: Any) -> Path:
    """Write arrays to an ``.npz`` archive atomically (``np.savez`` layout, no pickles)."""
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    return atomic_write_bytes(path, buffer.getvalue())



@dataclass
class HDF5Group:
    """One group of an HDF5 file to write with :func:`atomic_write_hdf5`.

    Attributes:
        attrs: scalar or string attributes of the group.
        datasets: arrays (anything ``numpy.asarray`` takes; a str is stored as a
            variable-length UTF-8 string, None as NaN), written in insertion order.
        groups: subgroups by name, written after the datasets, in insertion order.
    """

    attrs: dict[str, Any] = field(default_factory=dict)
    datasets: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, HDF5Group] = field(default_factory=dict)


def _write_group(h5group: Any, group: HDF5Group) -> None:
    import h5py

    for k, v in group.attrs.items():
        h5group.attrs[k] = v
    for k, v in group.datasets.items():
        if isinstance(v, str):
            h5group.create_dataset(k, data=v, dtype=h5py.string_dtype())
        elif v is None:
            h5group.create_dataset(k, data=np.nan)
        else:
            h5group.create_dataset(k, data=np.asarray(v))
    for name, sub in group.groups.items():
        _write_group(h5group.create_group(name), sub)


def atomic_write_hdf5(path: str | os.PathLike, root: HDF5Group) -> Path:
    """Write the tree ``root`` to an HDF5 file atomically (temp file + ``os.replace``).

    The object order is deterministic (attributes, datasets, then subgroups, each in insertion
    order), so the same tree gives the same file. Permissions as an ordinary new file under the
    process umask (not ``mkstemp``'s 0600).
    """
    import tempfile

    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".h5.tmp")
    os.fchmod(fd, file_mode())
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as h5:
            _write_group(h5, root)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path

# --------------------------------------------------------------------------------------------
# TOML writer (tomllib only reads)


def _toml_key(key: Any) -> str:
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else _toml_string(text)


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        # repr always has a fraction or an exponent ('3.0', '1e-05'), as TOML floats need
        return repr(x)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, os.PathLike):
        return _toml_string(os.fspath(value))
    if isinstance(value, np.ndarray):
        return _toml_value(value.tolist())
    if isinstance(value, (list, tuple)):
        if any(v is None for v in value):
            raise InputError("TOML arrays cannot hold None")
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}"
    raise InputError(f"cannot write a value of type {type(value).__name__} to TOML")


def dumps_toml(data: Mapping[str, Any]) -> str:
    """Serialise a nested mapping of str/int/float/bool/lists/mappings to TOML text.

    Nested mappings become ``[table]`` sections (dotted names for deeper levels); lists are
    inline arrays (mappings inside lists become inline tables). TOML has no null, so keys whose
    value is None are left out (None inside a list is an error). Floats use the shortest
    round-trip form, so ``tomllib.loads`` gives back the same values.
    """
    lines: list[str] = []

    def emit(table: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        scalars = [(k, v) for k, v in table.items() if v is not None and not isinstance(v, Mapping)]
        subtables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
        if prefix and (scalars or not subtables):
            if lines:
                lines.append("")
            lines.append("[" + ".".join(prefix) + "]")
        for key, value in scalars:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in subtables:
            emit(value, (*prefix, _toml_key(key)))

    emit(data, ())
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# provenance


def git_commit(start: str | os.PathLike | None = None) -> str | None:
    """The git commit (``HEAD``) of the repository holding ``start`` (default: pelkit's source),
    with ``-dirty`` appended when tracked files have changes; None outside a repository."""
    where = Path(start) if start is not None else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", os.fspath(where), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", os.fspath(where), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not commit:
        return None
    return commit + ("-dirty" if status else "")


def _version_of(module: str) -> str | None:
    try:
        imported = __import__(module)
    except ImportError:
        return None
    return str(getattr(imported, "__version__", None))


def provenance(
    *,
    seed: Any = None,
    command: list[str] | str | None = None,
    timings: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A provenance record: pelkit version, git commit, seed, command line (default
    ``sys.argv``), timings in seconds, Python/NumPy/SciPy/Numba/h5py versions, host and time."""
    record: dict[str, Any] = {
        "pelkit_version": __version__,
        "git_commit": git_commit(),
        "seed": seed,
        "command": list(sys.argv) if command is None else command,
        "cwd": os.getcwd(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "timings_s": dict(timings or {}),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hostname": platform.node(),
        "versions": {name: _version_of(name) for name in ("numpy", "scipy", "numba", "h5py")},
    }
    if extra:
        record.update(extra)
    return record


# --------------------------------------------------------------------------------------------
# run folder


class RunFolder:
    """A run's output folder (created with its ``figures/`` subfolder).

    Attributes:
        path: the folder.
        timings: label -> seconds, filled by :meth:`timed` and written into the provenance.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"run folder {os.fspath(self.path)} exists and is not a folder")
        try:
            self.figures.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create run folder {os.fspath(self.path)}: {exc}") from None
        self.timings: dict[str, float] = {}

    # -- paths --------------------------------------------------------------------------

    @property
    def figures(self) -> Path:
        """The ``figures/`` subfolder."""
        return self.path / "figures"

    @property
    def tasks(self) -> Path:
        """The ``tasks/`` subfolder for campaign task results."""
        return self.path / "tasks"

    @property
    def results_path(self) -> Path:
        """Path of ``results.h5``."""
        return self.path / "results.h5"

    def figure_path(self, name: str) -> Path:
        """``figures/<name>`` (``.png`` added when there is no extension)."""
        name = name if Path(name).suffix else f"{name}.png"
        return self.figures / name

    # -- the standard files -------------------------------------------------------------

    def write_config(self, config: Mapping[str, Any]) -> Path:
        """Write the resolved configuration to ``config.toml``."""
        return atomic_write_text(self.path / "config.toml", dumps_toml(config))

    def claim_config(
        self,
        config: Mapping[str, Any],
        *,
        resume: bool,
        recompute: bool = False,
        normalise: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None,
        ignore: tuple[str, ...] = ("workers",),
    ) -> Path:
        """Write ``config.toml`` once; a resumed run must have the same configuration.

        On ``resume`` with a stored ``config.toml`` the two configurations are compared field by
        field (after ``normalise``, e.g. validation by the study's pydantic model, which restores
        the None values TOML cannot hold; ``ignore`` fields are skipped). A difference is one
        :class:`InputError` naming the first differing field ("R was made with quench_fmax =
        1e-06; this config has 1e-08: ..."), unless ``recompute``, which rewrites the file (the
        task fingerprints then decide which tasks rerun). Without ``resume`` the file is
        (re)written.
        """
        target = self.path / "config.toml"
        if not (resume and target.is_file()):
            return self.write_config(config)
        stored: Mapping[str, Any] = self.read_config()
        current: Mapping[str, Any] = config
        if normalise is not None:
            stored, current = normalise(dict(stored)), normalise(dict(config))
        a = {k: v for k, v in flatten(stored).items() if k.split(".")[0] not in ignore}
        b = {k: v for k, v in flatten(current).items() if k.split(".")[0] not in ignore}
        if a == b:
            return target
        if recompute:
            return self.write_config(config)
        order = sorted(set(a) | set(b), key=lambda k: (k != "preset", k))
        field = next(k for k in order if a.get(k) != b.get(k))
        raise InputError(
            f"{os.fspath(self.path)} was made with {field} = {_shown(a.get(field))}; this config "
            f"has {_shown(b.get(field))}: use a new --out, or --recompute to redo the affected "
            "tasks"
        )

    def read_config(self) -> dict[str, Any]:
        """Read ``config.toml`` back."""
        import tomllib

        try:
            with open(self.path / "config.toml", "rb") as handle:
                return tomllib.load(handle)
        except FileNotFoundError:
            raise InputError(f"no config.toml in {os.fspath(self.path)}") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"config.toml in {os.fspath(self.path)} is malformed: {exc}") from None

    def write_provenance(
        self,
        *,
        seed: Any = None,
        command: list[str] | str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write ``provenance.json`` (see :func:`provenance`) with this folder's timings."""
        record = provenance(seed=seed, command=command, timings=self.timings, extra=extra)
        return atomic_write_json(self.path / "provenance.json", record)

    def write_summary(self, summary: Mapping[str, Any]) -> Path:
        """Write ``summary.json`` (strict JSON, numpy types converted)."""
        return atomic_write_json(self.path / "summary.json", summary)

    def read_summary(self) -> dict[str, Any]:
        """Read ``summary.json`` back."""
        return _read_json(self.path / "summary.json")

    def write_report(self, markdown: str) -> Path:
        """Write ``report.md``."""
        return atomic_write_text(self.path / "report.md", markdown.rstrip("\n") + "\n")

    @contextmanager
    def timed(self, label: str) -> Iterator[None]:
        """Measure the wall time of a block into ``timings[label]`` (seconds, accumulated)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.timings[label] = self.timings.get(label, 0.0) + elapsed

    # -- campaign tasks -----------------------------------------------------------------

    def _task_file(self, key: str, suffix: str) -> Path:
        if not isinstance(key, str) or not _TASK_KEY.fullmatch(key) or key.endswith(".tmp"):
            raise InputError(
                f"task key {key!r} must start with a letter or digit and use only letters, "
                "digits and _ . = + -"
            )
        return self.tasks / f"{key}{suffix}"

    def is_done(self, key: str) -> bool:
        """Whether task ``key`` finished (its marker ``tasks/<key>.json`` exists)."""
        return self._task_file(key, ".json").exists()

    def save_task(
        self,
        key: str,
        arrays: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Store task ``key``: arrays to ``tasks/<key>.npz``, then the JSON marker (with
        ``meta``). Both writes are atomic and the marker comes last, so a task is either done
        with all its data or not done."""
        self.tasks.mkdir(parents=True, exist_ok=True)
        npz = self._task_file(key, ".npz")
        if arrays:
            atomic_write_npz(npz, **dict(arrays))
        record = {"key": key, "has_arrays": bool(arrays), "meta": dict(meta or {})}
        atomic_write_json(self._task_file(key, ".json"), record)

    def load_task(self, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The arrays and metadata of a finished task."""
        marker = self._task_file(key, ".json")
        if not marker.exists():
            raise InputError(f"task {key!r} is not done in {os.fspath(self.path)}")
        record = _read_json(marker)
        arrays: dict[str, np.ndarray] = {}
        if record.get("has_arrays"):
            with np.load(self._task_file(key, ".npz"), allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        return arrays, record.get("meta", {})

    def done_tasks(self) -> list[str]:
        """Keys of all finished tasks, sorted."""
        if not self.tasks.exists():
            return []
        return sorted(p.name[: -len(".json")] for p in self.tasks.glob("*.json"))


def _shown(text: str | None) -> str:
    if text is None:
        return "(unset)"
    value = json.loads(text)
    return str(value)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise InputError(f"file not found: {os.fspath(path)}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{os.fspath(path)} is not valid JSON: {exc}") from None
