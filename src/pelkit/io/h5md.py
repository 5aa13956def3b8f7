"""Trajectories in the H5MD layout (HDF5 via h5py), written frame by frame.

File layout (H5MD 1.1, de Buyl et al., Comput. Phys. Commun. 185, 1546 (2014))::

    /h5md                      attrs version = [1, 1]
        author                 attrs name
        creator                attrs name = "pelkit", version
    /particles/all
        box                    attrs dimension = 3, boundary = ["periodic"] * 3
            edges/{step,time,value}      value (n_frames, 3) float64, box side lengths L in
                                         sigma (the fixed box, repeated with every frame)
        position/{step,time,value}   value (n_frames, N, 3) float64, wrapped positions in sigma
        image/{step,time,value}      value (n_frames, N, 3) int64 image counts
        velocity/{step,time,value}   value (n_frames, N, 3) float64 in sigma/tau (optional)
        species                (N,) int64 species codes (fixed)
        mass                   (N,) float64 masses in m (fixed)
        diameter               (N,) float64 diameters sigma_i (fixed; diameter models only)
    /observables/<name>/{step,time,value}   value (n,) float64 scalar per written step
    /parameters                attrs species_names, pelkit_version, has_species, length_unit,
                               time_unit
        pelkit_md_state        (written by pelkit.dynamics.md) the exact state at the last
                               step, for continuing the run (``pelkit md --append``)

Unwrapped positions are ``position + image * edges``. Every time-dependent element has its own
``step`` (int64) and ``time`` (float64, tau) datasets.

Units. Values are in reduced Lennard-Jones units. H5MD's ``unit`` attributes name physical units,
and MDAnalysis's H5MD reader (Gowers et al., Proc. 15th Python in Science Conf., 2016) accepts
only the ones it knows, so the attributes say ``Angstrom`` (lengths), ``ps`` (times) and
``Angstrom ps-1`` (velocities): read them as sigma, tau and sigma/tau (MDAnalysis's own units, so
it converts nothing). ``/parameters`` records this as ``length_unit = "sigma"``,
``time_unit = "tau"``. The box edges are stored per frame, the H5MD form of a box that could
change, because MDAnalysis reads only that form; pelkit checks on reading that they do not
change (and also reads files with a fixed ``edges`` dataset).

Datasets are chunked and resizable along the frame axis. The writer buffers rows in memory and
writes and flushes them every ``flush_every`` frames (default 10; 1 = every frame), so a run that
is killed leaves a file that opens and reads up to the last flush. The reader uses, for every
element, the shortest of its ``step``/``time``/``value`` lengths, so a frame caught half-written is
ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np
from numpy.typing import NDArray

from pelkit import __version__
from pelkit.errors import InputError
from pelkit.io.h5md_layout import element_length as _element_length
from pelkit.io.h5md_layout import fixed_edges as _fixed_edges
from pelkit.io.h5md_layout import open_h5 as _open
from pelkit.io.h5md_layout import trim_element as _trim
from pelkit.io.h5md_read import (
    Observable,
    Trajectory,
    last_step,
    read_group,
    read_observable,
    read_trajectory,
    truncate_after,
)
from pelkit.system import System

__all__ = [
    "Observable", "Trajectory", "TrajectoryWriter", "last_step", "read_group", "read_observable",
    "read_trajectory", "truncate_after",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

H5MD_VERSION = (1, 1)
_OBSERVABLE_CHUNK = 1024
# H5MD unit attributes standing for sigma, tau and sigma/tau (see the module docstring)
_UNITS = {"length": "Angstrom", "time": "ps", "velocity": "Angstrom ps-1"}


def _create_element(
    parent: h5py.Group,
    name: str,
    tail: tuple[int, ...],
    dtype: Any,
    chunk: int,
    compression: str | None,
    unit: str | None = None,
) -> h5py.Group:
    """An empty resizable H5MD time-dependent element ``{step, time, value}``; ``unit`` is the
    H5MD unit attribute of ``value`` (``time`` always gets the time unit)."""
    group = parent.create_group(name)
    group.create_dataset("step", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(chunk,))
    group.create_dataset("time", shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(chunk,))
    group["time"].attrs["unit"] = _UNITS["time"]
    value = group.create_dataset(
        "value",
        shape=(0, *tail),
        maxshape=(None, *tail),
        dtype=dtype,
        chunks=(chunk, *tail),
        compression=compression,
    )
    if unit is not None:
        value.attrs["unit"] = unit
    return group


def _extend(
    group: h5py.Group, start: int, steps: IntArray, times: FloatArray, values: np.ndarray
) -> None:
    """Write entries ``start, start + 1, ...`` of an element (value first, then step, time)."""
    stop = start + len(steps)
    for key, item in (("value", values), ("step", steps), ("time", times)):
        dataset = group[key]
        dataset.resize(stop, axis=0)
        dataset[start:stop] = item


def _copy(array: np.ndarray | None) -> np.ndarray | None:
    return None if array is None else np.array(array, copy=True)


class TrajectoryWriter:
    """Append frames of a fixed-box simulation to an H5MD file (a context manager).

    Args:
        path: the ``.h5`` file.
        system: a configuration of the run: fixes N, the box, species, masses and diameters.
        stride: write positions (and images, velocities) at steps with ``step % stride == 0``.
        observable_stride: the same for observables (default: ``stride``).
        velocities: also store velocities (N, 3) per frame.
        mode: ``"w"`` creates (or overwrites) the file; ``"a"`` continues an existing trajectory
            (resume), checking that N, box and species agree, or creates it if absent.
        dt: time step in tau; a frame's time defaults to ``step * dt`` (to ``step`` if None).
        chunk_frames: frames per HDF5 chunk (default: about 1 MiB of positions per chunk).
        flush_every: buffer this many position frames (or observable rows) in memory, then write
            them and flush the file. An interrupted run loses at most the buffered rows; 1 makes
            every frame durable at once but costs a few ms per frame (HDF5 resize + flush).
        compression: h5py compression filter for per-particle data (e.g. ``"gzip"``), or None.
        author: the H5MD author name.

    Use ``append(system, step, time, observables)`` once per step (or only at output steps);
    frames must come with increasing steps.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        system: System,
        *,
        stride: int = 1,
        observable_stride: int | None = None,
        velocities: bool = False,
        mode: str = "w",
        dt: float | None = None,
        chunk_frames: int | None = None,
        flush_every: int = 10,
        compression: str | None = None,
        author: str = "pelkit",
    ) -> None:
        if stride < 1 or (observable_stride is not None and observable_stride < 1):
            raise InputError("stride and observable_stride must be positive integers")
        if flush_every < 1:
            raise InputError("flush_every must be a positive integer")
        if mode not in ("w", "a"):
            raise InputError(f"mode must be 'w' or 'a', got {mode!r}")
        if velocities and system.velocities is None:
            raise InputError("velocities=True but the system has no velocities")
        self.path = Path(path)
        self.stride = int(stride)
        self.observable_stride = int(observable_stride or stride)
        self.velocities = bool(velocities)
        self.dt = dt
        self.flush_every = int(flush_every)
        #: called after buffered position frames reach the file, before it is flushed (MD uses it
        #: to store its restart state with every flush, so a killed run can be continued)
        self.on_flush: Callable[[], None] | None = None
        self.compression = compression
        self.n_particles = system.n_particles
        self.box_lengths = system.box.lengths.copy()
        n = self.n_particles
        self.chunk_frames = int(chunk_frames or max(1, min(256, 2**20 // (24 * n))))
        self._pending_frames: list[tuple] = []
        self._pending_observables: dict[str, list[tuple[int, float, float]]] = {}
        self._pending_observable_rows = 0
        if mode == "a" and self.path.exists():
            self._file = _open(self.path, "r+")
            self._check_existing(system)
        else:
            self._file = _open(self.path, "w")
            self._create(system, author)
        self._particles = self._file["particles/all"]
        self._frames = _element_length(self._particles["position"])
        self._last_step = (
            int(self._particles["position/step"][self._frames - 1]) if self._frames else None
        )

    # -- creation and resume ------------------------------------------------------------

    def _create(self, system: System, author: str) -> None:
        f = self._file
        h5md = f.create_group("h5md")
        h5md.attrs["version"] = np.array(H5MD_VERSION, dtype=np.int32)
        h5md.create_group("author").attrs["name"] = author
        creator = h5md.create_group("creator")
        creator.attrs["name"] = "pelkit"
        creator.attrs["version"] = __version__
        particles = f.create_group("particles/all")
        box = particles.create_group("box")
        box.attrs["dimension"] = np.int32(3)
        box.attrs["boundary"] = np.array([b"periodic"] * 3, dtype="S8")
        n = self.n_particles
        chunk = self.chunk_frames
        edges = _create_element(box, "edges", (3,), np.float64, chunk, None, _UNITS["length"])
        edges.attrs["fixed_edges"] = self.box_lengths
        _create_element(
            particles, "position", (n, 3), np.float64, chunk, self.compression, _UNITS["length"]
        )
        _create_element(particles, "image", (n, 3), np.int64, chunk, self.compression)
        if self.velocities:
            _create_element(
                particles, "velocity", (n, 3), np.float64, chunk, self.compression,
                _UNITS["velocity"],
            )
        species = system.species if system.species is not None else np.zeros(n, dtype=np.int64)
        particles.create_dataset("species", data=species.astype(np.int64))
        assert system.masses is not None
        particles.create_dataset("mass", data=system.masses)
        if system.diameters is not None:
            particles.create_dataset("diameter", data=system.diameters)
        f.create_group("observables")
        params = f.create_group("parameters")
        params.attrs["species_names"] = np.array(
            [s.encode() for s in system.species_names], dtype=h5py.string_dtype()
        )
        params.attrs["has_species"] = system.species is not None
        params.attrs["pelkit_version"] = __version__
        params.attrs["length_unit"] = "sigma"
        params.attrs["time_unit"] = "tau"
        f.flush()

    def _check_existing(self, system: System) -> None:
        f = self._file
        try:
            particles = f["particles/all"]
            position = particles["position"]
            edges = _fixed_edges(particles["box/edges"], str(self.path))
            n_file = position["value"].shape[1]
            species_file = particles["species"][()]
        except KeyError as exc:
            raise InputError(f"{self.path} is not a pelkit H5MD trajectory ({exc})") from None
        if n_file != self.n_particles:
            raise InputError(
                f"{self.path} holds {n_file} particles, the system has {self.n_particles}"
            )
        if not np.array_equal(edges, self.box_lengths):
            raise InputError(f"{self.path} has box {edges.tolist()}, the system a different one")
        species = system.species if system.species is not None else np.zeros(n_file, np.int64)
        if not np.array_equal(species_file, species):
            raise InputError(f"{self.path} has other species than the system")
        if self.velocities and "velocity" not in particles:
            raise InputError(f"{self.path} has no velocities; cannot append them")
        self.velocities = "velocity" in particles
        # drop a frame caught half-written by an interruption
        elements = [particles[k] for k in ("position", "image", "velocity") if k in particles]
        if isinstance(particles["box/edges"], h5py.Group):
            elements.append(particles["box/edges"])
        length = min(_element_length(g) for g in elements)
        for group in elements:
            _trim(group, length)
        for group in f["observables"].values():
            _trim(group, _element_length(group))
        f.flush()

    # -- writing --------------------------------------------------------------------------

    @property
    def n_frames(self) -> int:
        """Frames accepted so far (including those found in a resumed file)."""
        return self._frames + len(self._pending_frames)

    @property
    def last_step(self) -> int | None:
        """Step of the last accepted frame, or None."""
        return self._last_step

    def _time(self, step: int, time: float | None) -> float:
        if time is not None:
            return float(time)
        return float(step) * (self.dt if self.dt is not None else 1.0)

    def append(
        self,
        system: System,
        step: int,
        time: float | None = None,
        observables: Mapping[str, float] | None = None,
    ) -> bool:
        """Offer the state at ``step``; positions are stored if ``step % stride == 0`` and the
        observables (name -> scalar) if ``step % observable_stride == 0``.

        Rows are buffered and written (then the file flushed) once ``flush_every`` position
        frames or observable rows are pending. Returns True when a position frame was stored.
        """
        step = int(step)
        t = self._time(step, time)
        stored = False
        if step % self.stride == 0:
            self._check_frame(system, step)
            velocities = system.velocities if self.velocities else None
            self._pending_frames.append(
                (step, t, system.positions.copy(), np.array(system.images), _copy(velocities))
            )
            self._last_step = step
            stored = True
        if observables and step % self.observable_stride == 0:
            self._queue_observables(step, t, observables)
        if max(len(self._pending_frames), self._pending_observable_rows) >= self.flush_every:
            self.flush()
        return stored

    def _check_frame(self, system: System, step: int) -> None:
        if system.n_particles != self.n_particles:
            raise InputError(
                f"frame has {system.n_particles} particles, the trajectory {self.n_particles}"
            )
        if not np.array_equal(system.box.lengths, self.box_lengths):
            raise InputError("the box changed; H5MD trajectories here have a fixed box")
        if self._last_step is not None and step <= self._last_step:
            raise InputError(f"step {step} does not follow the last written step {self._last_step}")
        if self.velocities and system.velocities is None:
            raise InputError("this trajectory stores velocities but the system has none")

    def _queue_observables(self, step: int, time: float, observables: Mapping[str, float]) -> None:
        rows: list[tuple[str, float]] = []
        for name, value in observables.items():
            if not name or "/" in name or name in (".", ".."):
                raise InputError(f"observable name {name!r} is not a valid HDF5 group name")
            try:
                rows.append((name, float(value)))
            except (TypeError, ValueError):
                raise InputError(f"observable {name!r} must be a scalar, got {value!r}") from None
        for name, scalar in rows:
            self._pending_observables.setdefault(name, []).append((step, time, scalar))
        self._pending_observable_rows += 1

    def append_observables(
        self,
        step: int,
        observables: Mapping[str, float],
        time: float | None = None,
    ) -> None:
        """Store scalar observables at ``step`` (no stride applied); new names get new elements.

        Each observable is a time-dependent element ``/observables/<name>/{step,time,value}``.
        """
        self._queue_observables(int(step), self._time(int(step), time), observables)
        if self._pending_observable_rows >= self.flush_every:
            self.flush()

    def _write_pending(self) -> None:
        p = self._particles
        if self._pending_frames:
            steps = np.array([row[0] for row in self._pending_frames], dtype=np.int64)
            times = np.array([row[1] for row in self._pending_frames], dtype=np.float64)
            blocks = [("position", 2), ("image", 3)]
            if self.velocities:
                blocks.append(("velocity", 4))
            for name, column in blocks:
                values = np.stack([row[column] for row in self._pending_frames])
                _extend(p[name], self._frames, steps, times, values)
            if isinstance(p["box/edges"], h5py.Group):
                edges = np.tile(self.box_lengths, (len(steps), 1))
                _extend(p["box/edges"], self._frames, steps, times, edges)
            self._frames += len(self._pending_frames)
            self._pending_frames.clear()
        group = self._file["observables"]
        for name, rows in self._pending_observables.items():
            if name not in group:
                _create_element(group, name, (), np.float64, _OBSERVABLE_CHUNK, None)
            element = group[name]
            _extend(
                element,
                _element_length(element),
                np.array([r[0] for r in rows], dtype=np.int64),
                np.array([r[1] for r in rows], dtype=np.float64),
                np.array([r[2] for r in rows], dtype=np.float64),
            )
        self._pending_observables.clear()
        self._pending_observable_rows = 0

    def write_group(
        self, name: str, arrays: Mapping[str, np.ndarray], attrs: Mapping[str, Any]
    ) -> None:
        """Store a group ``name`` (e.g. ``"parameters/pelkit_md_state"``) of datasets and scalar
        attributes, replacing an older group of that name (used for restart states).

        Datasets of the same shape and type are overwritten in place (a state stored at every
        flush does not grow the file). The attribute ``complete`` is False while the group is
        being written, so a run killed in the middle leaves a group marked incomplete."""
        f = self._file
        values = {key: np.asarray(value) for key, value in arrays.items()}
        group = f.get(name)
        if group is not None and not (
            isinstance(group, h5py.Group) and set(group) == set(values)
            and all(group[k].shape == v.shape and group[k].dtype == v.dtype
                    for k, v in values.items())
        ):
            del f[name]
            group = None
        if group is None:
            group = f.create_group(name)
            group.attrs["complete"] = False
            for key, value in values.items():
                group.create_dataset(key, data=value)
        else:
            group.attrs["complete"] = False
            f.flush()
            for key, value in values.items():
                group[key][...] = value
        for key, value in attrs.items():
            group.attrs[key] = value
        group.attrs["complete"] = True
        f.flush()

    def group_attrs(self, name: str) -> dict[str, Any] | None:
        """The attributes of group ``name`` written by :meth:`write_group`, or None."""
        group = self._file.get(name)
        return dict(group.attrs) if isinstance(group, h5py.Group) else None

    def flush(self) -> None:
        """Write the buffered rows (then call :attr:`on_flush` if position frames were written)
        and push everything to disk."""
        frames = bool(self._pending_frames)
        self._write_pending()
        if frames and self.on_flush is not None:
            self.on_flush()
        self._file.flush()

    def close(self) -> None:
        """Write what is buffered, flush and close the file (idempotent)."""
        if self._file.id.valid:
            self.flush()
            self._file.close()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
