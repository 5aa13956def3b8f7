"""Helpers shared by the CLI subcommands: JSON output and uniform error exits."""

from __future__ import annotations

import json
import math
import sys
from typing import Any, NoReturn

import numpy as np
import typer

from pelkit.errors import InputError

EXIT_BAD_INPUT = 2


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays (recursively) into plain JSON types.

    Non-finite floats become ``None`` (JSON has no NaN/inf), so outputs stay strict JSON.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


def dumps(result: dict[str, Any]) -> str:
    """Serialise a result dictionary to indented strict JSON."""
    return json.dumps(to_jsonable(result), indent=2, allow_nan=False)


def emit(result: dict[str, Any], as_json: bool, human: str | None = None) -> None:
    """Print ``result`` as JSON (``as_json``) or as the human-readable text ``human``."""
    if as_json:
        typer.echo(dumps(result))
    else:
        typer.echo(human if human is not None else dumps(result))


def fail(message: str) -> NoReturn:
    """Print one error line on stderr and exit with status 2."""
    sys.stderr.write(f"pelkit: error: {message}\n")
    raise SystemExit(EXIT_BAD_INPUT)


def guard(exc: BaseException) -> NoReturn:
    """Map an expected input exception to :func:`fail`; re-raise anything else."""
    if isinstance(exc, InputError):
        fail(str(exc))
    if isinstance(exc, FileNotFoundError):
        fail(f"file not found: {exc.filename or exc}")
    if isinstance(exc, IsADirectoryError):
        fail(f"is a directory, not a file: {exc.filename or exc}")
    if isinstance(exc, PermissionError):
        fail(f"permission denied: {exc.filename or exc}")
    raise exc
