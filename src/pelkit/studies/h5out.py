"""Atomic ``results.h5`` writer shared by the studies: nested dicts become groups and datasets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pelkit.io.results import HDF5Group, atomic_write_hdf5


def _group(node: Mapping[str, Any]) -> HDF5Group:
    group = HDF5Group()
    for key, value in node.items():
        if isinstance(value, Mapping):
            group.groups[str(key)] = _group(value)
        else:
            group.datasets[str(key)] = value
    return group


def write_h5(path: Path, tree: Mapping[str, Any], attrs: Mapping[str, Any] | None = None) -> Path:
    """Write ``tree`` (str -> array, scalar or nested mapping) to ``path`` atomically.

    Mappings become groups, everything else a dataset (strings as variable-length UTF-8, None as
    NaN); ``attrs`` go to the root group (:func:`pelkit.io.results.atomic_write_hdf5`).
    """
    root = _group(tree)
    root.attrs = dict(attrs or {})
    return atomic_write_hdf5(path, root)
