"""Campaign task results on disk: fingerprints, atomic ``.npz`` files, damage detection.

A task result is a dict of numpy arrays and scalars. :func:`save_result` stores it as
``<key>.npz`` (``np.savez``, no pickles) together with two reserved entries:

    ``__inputs__``       JSON text: the flattened description of everything that determines the
                         result (task function, its parameters, the study-config fields it reads,
                         the pelkit physics version); arrays enter as their dtype, shape and
                         SHA-256 digest
    ``__fingerprint__``  SHA-256 of ``__inputs__`` (hex)

``--resume`` reuses a stored result only when its fingerprint equals the one of the task about
to run (:func:`describe_inputs` + :func:`fingerprint`); the readable inputs let the refusal name
the field that changed. Files are written atomically (temporary file in the same folder, flushed
and synced, ``os.replace``) with the permissions an ordinary file gets under the process umask.
A file that cannot be read back completely (truncated, garbage, failed zip CRC-32) is *damaged*:
:func:`inspect_result` says so and :func:`quarantine` moves it aside as ``<name>.damaged``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PHYSICS_VERSION = 1
"""Version of the physics behind task results. Bump it when a change to the engine, dynamics,
minimizers or task functions changes task results, so resumed campaigns refuse old files."""

_INPUTS = "__inputs__"
_FINGERPRINT = "__fingerprint__"
RESERVED = (_INPUTS, _FINGERPRINT)

_umask_lock = threading.Lock()


def file_mode() -> int:
    """The mode an ordinary new file gets under the current umask (``0o666 & ~umask``)."""
    with _umask_lock:
        mask = os.umask(0)
        os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, readable as the umask allows (not mkstemp's 0600)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


# --------------------------------------------------------------------------------------------
# fingerprints


def _describe(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            _describe(value[key], f"{prefix}.{key}" if prefix else str(key), out)
        return
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (bool, int, float, str, type(None), np.generic)) for v in value
    ):
        out[prefix] = json.dumps([_scalar(v) for v in value])
        return
    if isinstance(value, (list, tuple)):
        for k, item in enumerate(value):
            _describe(item, f"{prefix}[{k}]", out)
        return
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        digest = hashlib.sha256(arr.tobytes()).hexdigest()[:16]
        out[prefix] = f"array {arr.dtype.str} {list(arr.shape)} sha256:{digest}"
        return
    out[prefix] = json.dumps(_scalar(value))


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return repr(value)  # exact: 1e-06 and 1e-6 are the same, 0.1+0.2 is not 0.3
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


def flatten(values: Mapping[str, Any]) -> dict[str, str]:
    """Nested parameters as sorted ``{"a.b[2].c": "<JSON value>"}`` (floats exact, arrays as
    dtype, shape and digest), the form fingerprints and config comparisons use."""
    out: dict[str, str] = {}
    _describe(values, "", out)
    return dict(sorted(out.items()))


def describe_inputs(func: Callable[..., Any], inputs: Mapping[str, Any]) -> dict[str, str]:
    """Flat ``{"field.path": "value"}`` description of what determines a task's result.

    ``inputs`` are the task's parameters (nested mappings, lists, scalars, arrays); the task
    function's qualified name and :data:`PHYSICS_VERSION` are added as ``task`` and
    ``pelkit_physics``. Floats are written with ``repr`` (exact), arrays as dtype, shape and the
    first 16 hex digits of the SHA-256 of their bytes.
    """
    out = flatten(inputs)
    out["task"] = json.dumps(f"{func.__module__}:{func.__qualname__}")
    out["pelkit_physics"] = json.dumps(PHYSICS_VERSION)
    return dict(sorted(out.items()))


def fingerprint(description: Mapping[str, str]) -> str:
    """SHA-256 (hex) of a description from :func:`describe_inputs`."""
    text = json.dumps(dict(sorted(description.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def first_difference(stored: Mapping[str, str], current: Mapping[str, str]) -> str:
    """``"<field> = <stored>; this run has <current>"`` for the first differing field."""
    for key in sorted(set(stored) | set(current)):
        a, b = stored.get(key), current.get(key)
        if a != b:
            return f"{key} = {_show(a)}; this config has {_show(b)}"
    return "identical inputs"


def _show(text: str | None) -> str:
    if text is None:
        return "(absent)"
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return str(value)


# --------------------------------------------------------------------------------------------
# files


def encode_result(result: Mapping[str, Any], description: Mapping[str, str] | None = None) -> bytes:
    """The ``.npz`` bytes of ``result`` (plus inputs and fingerprint when ``description``)."""
    arrays = {k: np.asarray(v) for k, v in result.items()}
    bad = [k for k in arrays if k in RESERVED]
    if bad:
        raise ValueError(f"result keys {bad} are reserved")
    for key, arr in arrays.items():
        if arr.dtype == object:
            raise ValueError(f"result {key!r} is not a plain array (object dtype)")
    if description is not None:
        arrays[_INPUTS] = np.asarray(json.dumps(dict(description), sort_keys=True))
        arrays[_FINGERPRINT] = np.asarray(fingerprint(description))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def save_result(
    path: str | os.PathLike,
    result: Mapping[str, Any],
    description: Mapping[str, str] | None = None,
) -> Path:
    """Write ``result`` (str -> array/scalar/str) atomically as an ``.npz`` file."""
    return write_atomic(path, encode_result(result, description))


def load_result(path: str | os.PathLike) -> dict[str, Any]:
    """Read a task result written by :func:`save_result` (0-d arrays become scalars; the reserved
    inputs/fingerprint entries are left out). Never unpickles."""
    with np.load(path, allow_pickle=False) as data:
        out: dict[str, Any] = {}
        for k in data.files:
            if k in RESERVED:
                continue
            v = data[k]
            out[k] = v.item() if v.ndim == 0 else v
    return out


@dataclass(frozen=True)
class StoredResult:
    """What :func:`inspect_result` found in a task file.

    Attributes:
        status: "missing", "damaged" or "ok".
        fingerprint: the stored fingerprint ("" when the file has none or is not ok).
        description: the stored inputs description (empty when absent).
        problem: why the file is damaged ("" otherwise).
    """

    status: str
    fingerprint: str = ""
    description: Mapping[str, str] | None = None
    problem: str = ""


def inspect_result(path: str | os.PathLike) -> StoredResult:
    """Check a task file by reading every array (zip CRC-32 checked) and its fingerprint."""
    p = Path(path)
    if not p.exists():
        return StoredResult("missing")
    try:
        with open(p, "rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        return StoredResult("damaged", problem=f"unreadable: {exc.strerror or exc}")
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # zip: members or empty
        return StoredResult("damaged", problem="not an .npz archive (truncated or overwritten)")
    try:
        with np.load(p, allow_pickle=False) as data:
            for name in data.files:
                data[name]  # noqa: B018 - reading checks the member's CRC-32
            if _FINGERPRINT not in data.files:
                return StoredResult("ok", "", {})
            stored = str(data[_FINGERPRINT])
            description = json.loads(str(data[_INPUTS])) if _INPUTS in data.files else {}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return StoredResult("damaged", problem=first)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is damaged, never a crash
        return StoredResult("damaged", problem=f"{type(exc).__name__}: {exc}")
    return StoredResult("ok", stored, description)


def quarantine(path: str | os.PathLike) -> Path:
    """Move a damaged task file aside to ``<name>.damaged`` (replacing an older one)."""
    p = Path(path)
    target = p.with_name(p.name + ".damaged")
    os.replace(p, target)
    return target
