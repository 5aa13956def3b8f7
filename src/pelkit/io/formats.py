"""Read and write a :class:`System` in any supported file format, chosen by extension or name.

==============  ============================  ==============  ===================================
format          extensions                    read / write    module
==============  ============================  ==============  ===================================
``extxyz``      ``.xyz``, ``.extxyz``         both            :mod:`pelkit.io.extxyz`
``lammps-data`` ``.data``, ``.lmp``           both            :mod:`pelkit.io.lammps`
``lammps-dump`` ``.dump``, ``.lammpstrj``     both            :mod:`pelkit.io.lammps_dump`
``h5md``        ``.h5``, ``.h5md``            both            :mod:`pelkit.io.h5md`
``ase``         any other (ASE guesses)       both            :mod:`pelkit.interop.ase`
==============  ============================  ==============  ===================================

With the ``ase`` extra installed, a file whose extension pelkit does not know (CIF, POSCAR, PDB,
ASE trajectories, ...) is read and written through ``ase.io`` and converted with
:func:`pelkit.interop.ase.from_ase` / :func:`~pelkit.interop.ase.to_ase` (orthorhombic periodic
cells only). Without ASE such a file gives an error that names the extra.

Multi-frame files (extxyz trajectories, dumps, H5MD) give the frame ``frame`` (default -1, the
last, as ASE does); writing H5MD stores the system as a one-frame trajectory at step 0.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pelkit.errors import InputError
from pelkit.system import System

__all__ = ["EXTENSIONS", "FORMATS", "detect_format", "read_system", "write_system"]

FORMATS: dict[str, dict[str, Any]] = {
    "extxyz": {"extensions": (".xyz", ".extxyz"), "write": True},
    "lammps-data": {"extensions": (".data", ".lmp"), "write": True},
    "lammps-dump": {"extensions": (".dump", ".lammpstrj"), "write": True},
    "h5md": {"extensions": (".h5", ".h5md"), "write": True},
    "ase": {"extensions": (), "write": True},
}
EXTENSIONS: dict[str, str] = {
    ext: name for name, spec in FORMATS.items() for ext in spec["extensions"]
}
_ALIASES = {"xyz": "extxyz", "lammps": "lammps-data", "data": "lammps-data", "lmp": "lammps-data",
            "dump": "lammps-dump", "lammpstrj": "lammps-dump", "h5": "h5md"}


def _supported() -> str:
    return ", ".join(
        f"{name} ({' '.join(spec['extensions'])})"
        for name, spec in FORMATS.items()
        if spec["extensions"]
    )


def _have_ase() -> bool:
    try:
        import ase.io  # noqa: F401
    except ImportError:
        return False
    return True


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The canonical format name for ``path``: ``fmt`` if given (names or aliases such as
    ``xyz``, ``lammps``), else from the file extension (``x.xyz.partial``, the name pelkit gives
    the output of a run that did not finish, counts as ``x.xyz``). Raises :class:`InputError`
    naming the supported formats when neither identifies one."""
    if fmt is not None:
        key = fmt.strip().lower()
        key = _ALIASES.get(key, key)
        if key not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; supported: {_supported()}")
        return key
    name = Path(path)
    if name.suffix.lower() == ".partial":  # x.ext.partial: a failed run's output, read as x.ext
        name = Path(name.stem)
    suffix = name.suffix.lower()
    if suffix not in EXTENSIONS:
        if _have_ase():
            return "ase"
        raise InputError(
            f"cannot tell the format of {os.fspath(path)!r} from its extension; "
            f"supported: {_supported()} (or give the format explicitly; install the 'ase' "
            "extra to read and write every format ASE knows)"
        )
    return EXTENSIONS[suffix]


def read_system(path: str | os.PathLike, fmt: str | None = None, *, frame: int = -1) -> System:
    """Read one configuration from ``path`` (format from ``fmt`` or the extension).

    ``frame`` selects the frame of multi-frame files (0-based, negative from the end).
    """
    name = detect_format(path, fmt)
    if name == "ase":
        return _read_with_ase(path, frame)
    if name == "extxyz":
        from pelkit.io.extxyz import read_extxyz

        return read_extxyz(path, index=frame)
    if name == "lammps-data":
        from pelkit.io.lammps import read_lammps_data

        if frame not in (0, -1):
            raise InputError("a LAMMPS data file holds one frame; use frame 0 or -1")
        return read_lammps_data(path)
    if name == "lammps-dump":
        from pelkit.io.lammps import read_lammps_dump

        frames = read_lammps_dump(path)
        if not -len(frames) <= frame < len(frames):
            raise InputError(f"{os.fspath(path)} has {len(frames)} frames; no frame {frame}")
        return frames[frame].to_system()
    from pelkit.io.h5md import read_trajectory

    trajectory = read_trajectory(path)
    if not -trajectory.n_frames <= frame < trajectory.n_frames:
        raise InputError(
            f"{os.fspath(path)} has {trajectory.n_frames} frames; no frame {frame}"
        )
    return trajectory.system(frame)


def write_system(path: str | os.PathLike, system: System, fmt: str | None = None) -> None:
    """Write ``system`` to ``path`` (format from ``fmt`` or the extension).

    For extended XYZ, per-particle columns read from another extxyz file
    (``system.info["columns"]``) are written again.
    """
    name = detect_format(path, fmt)
    if not FORMATS[name]["write"]:
        writable = ", ".join(n for n, spec in FORMATS.items() if spec["write"])
        raise InputError(f"format {name!r} can only be read; write one of: {writable}")
    if name == "ase":
        _write_with_ase(path, system)
    elif name == "extxyz":
        from pelkit.io.extxyz import write_extxyz

        write_extxyz(path, system, extra=system.info.get("columns"))
    elif name == "lammps-data":
        from pelkit.io.lammps import write_lammps_data

        write_lammps_data(path, system)
    elif name == "lammps-dump":
        from pelkit.io.lammps_dump import write_lammps_dump

        write_lammps_dump(path, system)
    else:
        from pelkit.io.h5md import TrajectoryWriter

        with TrajectoryWriter(path, system, velocities=system.velocities is not None) as writer:
            writer.append(system, step=0, time=0.0)


def _ase_module() -> Any:
    if not _have_ase():
        raise InputError("format 'ase' needs ASE: install the 'ase' extra (pip install ase)")
    import ase.io

    return ase.io


def _read_with_ase(path: str | os.PathLike, frame: int) -> System:
    """Frame ``frame`` of any file ASE reads, as a System."""
    ase_io = _ase_module()
    from pelkit.interop.ase import from_ase

    source = os.fspath(path)
    if not os.path.exists(source):
        raise InputError(f"file not found: {source}")
    if os.path.isdir(source):
        raise InputError(f"is a directory, not a file: {source}")
    try:
        atoms = ase_io.read(source, index=frame)
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds; all mean "cannot read"
        raise InputError(
            f"{source}: no pelkit format for this extension, and ASE cannot read it ({exc})"
        ) from None
    return from_ase(atoms)


def _write_with_ase(path: str | os.PathLike, system: System) -> None:
    """Write ``system`` with ``ase.io.write`` (format from the file name, as ASE guesses it)."""
    ase_io = _ase_module()
    from pelkit.interop.ase import to_ase

    try:
        ase_io.write(os.fspath(path), to_ase(system))
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds; all mean "cannot write"
        raise InputError(
            f"{os.fspath(path)}: no pelkit format for this extension, and ASE cannot write it "
            f"({exc})"
        ) from None
