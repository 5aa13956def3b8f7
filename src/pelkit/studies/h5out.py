"""Atomic ``results.h5`` writer shared by the studies: nested dicts become groups and datasets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


def write_h5(path: Path, tree: Mapping[str, Any], attrs: Mapping[str, Any] | None = None) -> Path:
    """Write ``tree`` (str -> array, scalar or nested mapping) to ``path`` atomically.

    Mappings become groups, everything else a dataset (strings as variable-length UTF-8);
    ``attrs`` go to the root group. The file is written beside ``path`` and renamed.
    """
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results.", suffix=".h5.tmp")
    os.close(fd)

    def fill(group: Any, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, Mapping):
                fill(group.create_group(str(key)), value)
            elif isinstance(value, str):
                group.create_dataset(str(key), data=value, dtype=h5py.string_dtype())
            elif value is None:
                group.create_dataset(str(key), data=np.nan)
            else:
                group.create_dataset(str(key), data=np.asarray(value))

    try:
        with h5py.File(tmp, "w") as h5:
            for key, value in (attrs or {}).items():
                h5.attrs[key] = value
            fill(h5, tree)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
