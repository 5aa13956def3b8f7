"""Low-level helpers shared by the H5MD writer and reader (:mod:`pelkit.io.h5md`): opening a file
with one-line errors and the length/trim rules of an H5MD time-dependent element
``{step, time, value}`` (H5MD 1.1, de Buyl et al., Comput. Phys. Commun. 185, 1546 (2014))."""

from __future__ import annotations

import os

import h5py
import numpy as np

from pelkit.errors import InputError


def open_h5(path: str | os.PathLike, mode: str) -> h5py.File:
    try:
        return h5py.File(path, mode)
    except FileNotFoundError:
        raise InputError(f"file not found: {os.fspath(path)}") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a file: {os.fspath(path)}") from None
    except OSError as exc:
        if os.path.isdir(path):
            raise InputError(f"is a directory, not a file: {os.fspath(path)}") from None
        if mode == "r" and not os.path.exists(path):
            raise InputError(f"file not found: {os.fspath(path)}") from None
        raise InputError(f"cannot open {os.fspath(path)} as HDF5: {exc}") from None


def element_length(group: h5py.Group) -> int:
    """Number of complete entries: the shortest of step, time and value."""
    return min(group["step"].shape[0], group["time"].shape[0], group["value"].shape[0])


def trim_element(group: h5py.Group, length: int) -> None:
    for key in ("step", "time", "value"):
        if group[key].shape[0] != length:
            group[key].resize(length, axis=0)


def fixed_edges(node: h5py.Dataset | h5py.Group, where: str) -> np.ndarray:
    """The box edges of a fixed box: a dataset, or a time-dependent element whose rows agree."""
    if isinstance(node, h5py.Dataset):
        return np.asarray(node[()], dtype=np.float64)
    if "value" not in node:
        raise InputError(f"{where}: box/edges has no value dataset")
    rows = np.asarray(node["value"][: element_length(node)], dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] == 0:  # no frame yet: the box is kept as an attribute
        return np.asarray(node.attrs.get("fixed_edges", rows), dtype=np.float64)
    if np.any(rows != rows[0]):
        raise InputError(f"{where}: the box changes in time; pelkit reads fixed boxes only")
    return rows[0]
