"""Small helpers shared by the text readers and writers of :mod:`pelkit.io`.

Floats are written with Python's shortest round-trip representation (``repr``), which has at most
17 significant digits and parses back to the identical float64 bit pattern with any correctly
rounding parser (Python, NumPy, C ``strtod``, hence ASE, OVITO and LAMMPS).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError


def float_tokens(values: NDArray[np.float64]) -> list[str]:
    """Shortest round-trip strings of a float array, flattened in C order."""
    return [repr(v) for v in np.asarray(values, dtype=np.float64).ravel().tolist()]


def row_strings(block: NDArray, kind: str = "f") -> list[str]:
    """One string per row of ``block`` (shape (N,) or (N, k)): its values joined by spaces.

    ``kind`` is ``"f"`` (float64, shortest round-trip), ``"i"`` (integers) or ``"s"`` (strings).
    """
    arr = np.asarray(block)
    if arr.ndim == 1:
        arr = arr[:, None]
    if kind == "f":
        flat = float_tokens(arr)
    elif kind == "i":
        flat = [str(v) for v in arr.astype(np.int64).ravel().tolist()]
    else:
        flat = [str(v) for v in arr.ravel().tolist()]
    k = arr.shape[1]
    if k == 1:
        return flat
    return [" ".join(flat[i : i + k]) for i in range(0, len(flat), k)]


@contextmanager
def open_text(path: str | os.PathLike, mode: str = "r") -> Iterator[IO[str]]:
    """Open a text file, turning the usual OS failures into :class:`InputError`."""
    try:
        handle = open(path, mode, encoding="utf-8", newline=None if "r" in mode else "\n")
    except FileNotFoundError:
        raise InputError(f"file not found: {os.fspath(path)}") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a file: {os.fspath(path)}") from None
    except PermissionError:
        raise InputError(f"permission denied: {os.fspath(path)}") from None
    try:
        with handle:
            yield handle
    except UnicodeDecodeError:
        raise InputError(f"{os.fspath(path)} is not a UTF-8 text file") from None


def parse_floats(tokens: list[str] | NDArray, what: str) -> NDArray[np.float64]:
    """Parse string tokens to float64, requiring finite values; ``what`` names them in errors."""
    try:
        arr = np.asarray(tokens, dtype=str).astype(np.float64)
    except ValueError:
        raise InputError(f"{what}: expected real numbers") from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} contains NaN or infinite values")
    return arr


def parse_ints(tokens: list[str] | NDArray, what: str) -> NDArray[np.int64]:
    """Parse string tokens to int64; ``what`` names them in errors."""
    try:
        return np.asarray(tokens, dtype=str).astype(np.int64)
    except (ValueError, OverflowError):
        raise InputError(f"{what}: expected integers") from None


def default_species_names(n_types: int) -> tuple[str, ...]:
    """Names for species codes 0..n_types-1: ``A, B, ..., Z``, then ``T27, T28, ...``."""
    letters = [chr(ord("A") + i) for i in range(min(n_types, 26))]
    return tuple(letters + [f"T{i + 1}" for i in range(26, n_types)])
