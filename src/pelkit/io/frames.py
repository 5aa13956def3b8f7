"""Every frame of a configuration file, and multi-frame output (batched replicas, conversions).

    systems = read_frames("hot.xyz")                  # all frames: extxyz, H5MD, LAMMPS dump
    systems = read_frames("traj.h5", frames=parse_frame_range("10:50:5"))
    write_frames("is.xyz", minima)                    # one extended XYZ file, one frame each
    write_frames("traj.dump", systems)                # or a LAMMPS dump, or an H5MD file

A LAMMPS data file holds one configuration (a list of one). Files only ASE reads (with the
``ase`` extra) give all the frames ``ase.io.read(path, ":")`` finds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pelkit.errors import InputError
from pelkit.io.formats import detect_format, read_system
from pelkit.system import System

__all__ = ["MULTI_FRAME_FORMATS", "parse_frame_range", "read_frames", "write_frames"]

#: formats that hold several frames on writing
MULTI_FRAME_FORMATS = ("extxyz", "lammps-dump", "h5md")


def parse_frame_range(text: str) -> slice:
    """``"START:STOP[:STEP]"`` (Python slice syntax, 0-based, negative from the end, any part
    may be empty) or a single index ``"K"`` -> a slice of frames."""
    parts = text.strip().split(":")
    try:
        numbers = [int(p) if p.strip() else None for p in parts]
    except ValueError:
        raise InputError(f"frame range {text!r} is not START:STOP[:STEP] (integers)") from None
    if len(numbers) == 1:
        k = numbers[0]
        if k is None:
            raise InputError("empty frame range")
        return slice(k, None if k == -1 else k + 1)
    if len(numbers) > 3:
        raise InputError(f"frame range {text!r} is not START:STOP[:STEP] (integers)")
    if len(numbers) == 3 and numbers[2] is not None and numbers[2] <= 0:
        raise InputError(f"frame range {text!r}: the step must be positive")
    return slice(*numbers)


def read_frames(
    path: str | os.PathLike, fmt: str | None = None, frames: slice | None = None
) -> list[System]:
    """The frames of ``path`` in file order (format from ``fmt`` or the extension); ``frames``
    selects a range (an H5MD file builds only the selected frames)."""
    name = detect_format(path, fmt)
    if not os.path.exists(path):
        raise InputError(f"file not found: {os.fspath(path)}")
    chosen = slice(None) if frames is None else frames
    if name == "h5md":
        from pelkit.io.h5md import read_trajectory

        trajectory = read_trajectory(path)
        return [trajectory.system(k) for k in range(trajectory.n_frames)[chosen]]
    if name == "extxyz":
        from pelkit.io.extxyz import read_extxyz_frames

        systems = read_extxyz_frames(path)
    elif name == "lammps-dump":
        from pelkit.io.lammps import read_lammps_dump

        systems = [frame.to_system() for frame in read_lammps_dump(path)]
    elif name == "ase":
        systems = _read_all_with_ase(path)
    else:
        systems = [read_system(path, name)]
    return systems[chosen]


def _read_all_with_ase(path: str | os.PathLike) -> list[System]:
    try:
        import ase.io
    except ImportError:
        raise InputError("format 'ase' needs ASE: install the 'ase' extra") from None
    from pelkit.interop.ase import from_ase

    try:
        images = ase.io.read(os.fspath(path), index=":")
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds; all mean "cannot read"
        raise InputError(
            f"{os.fspath(path)}: no pelkit format for this extension, and ASE cannot read it "
            f"({exc})"
        ) from None
    return [from_ase(atoms) for atoms in images]


def write_frames(
    path: str | os.PathLike, systems: Sequence[System], fmt: str | None = None
) -> int:
    """Write ``systems`` as the frames of one file: extended XYZ, LAMMPS dump or H5MD (format
    from ``fmt`` or the extension); returns the frame count.

    Steps (dump TIMESTEP, H5MD step) come from each system's ``info["step"]`` when every frame
    has one and they increase, else 0, 1, 2, ...; H5MD needs one box, N and species for all.
    """
    name = detect_format(path, fmt)
    systems = list(systems)
    if not systems:
        raise InputError("no frames to write (the frame range is empty)")
    if name not in MULTI_FRAME_FORMATS:
        raise InputError(
            f"{os.fspath(path)}: several configurations are written as one extended XYZ "
            "(.xyz), LAMMPS dump (.dump, .lammpstrj) or H5MD (.h5) file"
        )
    raw = [s.info.get("step", s.info.get("timestep")) for s in systems]
    increasing = all(isinstance(v, int) for v in raw) and all(
        b > a for a, b in zip(raw[:-1], raw[1:], strict=False)
    )
    steps = [int(v) for v in raw] if increasing else list(range(len(systems)))
    if name == "extxyz":
        from pelkit.io.extxyz import write_extxyz

        return write_extxyz(path, systems)
    if name == "lammps-dump":
        from pelkit.io.lammps_dump import write_lammps_dump

        return write_lammps_dump(path, systems, steps)
    from pelkit.io.h5md import TrajectoryWriter

    first = systems[0]
    velocities = all(s.velocities is not None for s in systems)
    with TrajectoryWriter(path, first, velocities=velocities) as writer:
        for step, system in zip(steps, systems, strict=True):
            time = system.info.get("time") if increasing else None
            writer.append(system, step=step, time=None if time is None else float(time))
    return len(systems)
