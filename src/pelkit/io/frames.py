"""Every frame of a configuration file, and multi-frame output (for batched replicas).

    systems = read_frames("hot.xyz")          # all frames of an extxyz, H5MD or LAMMPS dump
    write_frames("is.xyz", minima)            # one extended XYZ file, one frame per system

A LAMMPS data file holds one configuration (a list of one).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pelkit.errors import InputError
from pelkit.io.formats import detect_format, read_system
from pelkit.system import System


def read_frames(path: str | os.PathLike, fmt: str | None = None) -> list[System]:
    """All frames of ``path`` in file order (format from ``fmt`` or the extension)."""
    name = detect_format(path, fmt)
    if not os.path.exists(path):
        raise InputError(f"file not found: {os.fspath(path)}")
    if name == "extxyz":
        from pelkit.io.extxyz import read_extxyz_frames

        return read_extxyz_frames(path)
    if name == "lammps-dump":
        from pelkit.io.lammps import read_lammps_dump

        return [frame.to_system() for frame in read_lammps_dump(path)]
    if name == "h5md":
        from pelkit.io.h5md import read_trajectory

        trajectory = read_trajectory(path)
        return [trajectory.system(k) for k in range(trajectory.n_frames)]
    return [read_system(path, name)]


def write_frames(path: str | os.PathLike, systems: Sequence[System]) -> int:
    """Write ``systems`` as the frames of one extended XYZ file; returns the frame count."""
    if detect_format(path) != "extxyz":
        raise InputError(
            f"{os.fspath(path)}: several configurations are written as one extended XYZ file "
            "(.xyz), one frame each"
        )
    from pelkit.io.extxyz import write_extxyz

    return write_extxyz(path, list(systems))
