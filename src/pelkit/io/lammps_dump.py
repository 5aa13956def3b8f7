"""Writing LAMMPS text dump files (``dump custom`` layout), one snapshot per System.

Each snapshot::

    ITEM: TIMESTEP
    step
    ITEM: TIME                      (when the frame has a time)
    t
    ITEM: NUMBER OF ATOMS
    N
    ITEM: BOX BOUNDS pp pp pp
    0.0 Lx
    0.0 Ly
    0.0 Lz
    ITEM: ATOMS id type x y z ix iy iz [vx vy vz] [mass] [diameter]
    ...

Atom ids are 1..N in pelkit order, ``type`` = species code + 1 (all 1 for diameter models),
``x y z`` the wrapped positions and ``ix iy iz`` the image counts (unwrapped = x + ix Lx), in
reduced LJ units (LAMMPS ``units lj``). Floats are written in shortest round-trip form, so
:func:`pelkit.io.lammps.iter_lammps_dump` (and LAMMPS's ``read_dump``, OVITO) read back the same
float64 values. ``mass`` and ``diameter`` columns are written when masses differ from 1 or the
system has diameters (OVITO maps both; pelkit's dump reader keeps them in ``columns``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

from pelkit.errors import InputError
from pelkit.io._text import open_text, row_strings
from pelkit.system import System

__all__ = ["format_lammps_dump_frame", "write_lammps_dump"]


def format_lammps_dump_frame(system: System, step: int, time: float | None = None) -> str:
    """The text of one dump snapshot of ``system`` at MD step ``step`` (time in tau, optional)."""
    n = system.n_particles
    assert system.images is not None and system.masses is not None
    types = np.ones(n, dtype=np.int64) if system.species is None else system.species + 1
    blocks = [
        row_strings(np.arange(1, n + 1), "i"),
        row_strings(types, "i"),
        row_strings(system.positions, "f"),
        row_strings(system.images, "i"),
    ]
    names = ["id", "type", "x", "y", "z", "ix", "iy", "iz"]
    if system.velocities is not None:
        blocks.append(row_strings(system.velocities, "f"))
        names += ["vx", "vy", "vz"]
    if np.any(system.masses != 1.0):
        blocks.append(row_strings(system.masses, "f"))
        names.append("mass")
    if system.diameters is not None:
        blocks.append(row_strings(system.diameters, "f"))
        names.append("diameter")
    head = ["ITEM: TIMESTEP", str(int(step))]
    if time is not None:
        head += ["ITEM: TIME", repr(float(time))]
    head += ["ITEM: NUMBER OF ATOMS", str(n), "ITEM: BOX BOUNDS pp pp pp"]
    head += [f"0.0 {float(length)!r}" for length in system.box.lengths]
    head.append("ITEM: ATOMS " + " ".join(names))
    lines = [" ".join(parts) for parts in zip(*blocks, strict=True)]
    return "\n".join(head + lines) + "\n"


def write_lammps_dump(
    path: str | os.PathLike,
    systems: System | Iterable[System],
    steps: Sequence[int] | None = None,
    *,
    append: bool = False,
) -> int:
    """Write one or several snapshots; returns the number written.

    ``steps`` gives each snapshot's TIMESTEP; by default ``info["step"]`` (or
    ``info["timestep"]``) of each system, else its index. ``info["time"]`` is written as
    ``ITEM: TIME`` when present.
    """
    frames = [systems] if isinstance(systems, System) else list(systems)
    if steps is not None and len(steps) != len(frames):
        raise InputError(f"{len(steps)} steps given for {len(frames)} frames")
    texts = []
    for k, system in enumerate(frames):
        if steps is not None:
            step = int(steps[k])
        else:
            step = int(system.info.get("step", system.info.get("timestep", k)))
        time = system.info.get("time")
        texts.append(format_lammps_dump_frame(system, step, None if time is None else time))
    with open_text(path, "a" if append else "w") as handle:
        for text in texts:
            handle.write(text)
    return len(texts)
