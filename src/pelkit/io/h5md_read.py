"""Reading H5MD trajectories written by :class:`pelkit.io.h5md.TrajectoryWriter` (or with the same
layout, described in :mod:`pelkit.io.h5md`); frames caught half-written are left out."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.io._text import default_species_names
from pelkit.io.h5md_layout import element_length as _element_length
from pelkit.io.h5md_layout import fixed_edges as _fixed_edges
from pelkit.io.h5md_layout import open_h5 as _open
from pelkit.io.h5md_layout import trim_element as _trim
from pelkit.system import Box, System

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

@dataclass
class Observable:
    """A scalar time series: ``steps`` (n,) int64, ``times`` (n,) tau, ``values`` (n,)."""

    steps: IntArray
    times: FloatArray
    values: FloatArray


@dataclass
class Trajectory:
    """A trajectory read from an H5MD file.

    Attributes:
        box: the fixed periodic box.
        steps: (n_frames,) int64 MD steps of the position frames.
        times: (n_frames,) float64 times in tau.
        positions: (n_frames, N, 3) wrapped positions in sigma.
        images: (n_frames, N, 3) int64 image counts.
        velocities: (n_frames, N, 3) in sigma/tau, or None.
        species: (N,) int64 codes, or None for diameter models.
        species_names: names of the species codes.
        masses: (N,) masses.
        diameters: (N,) diameters or None.
        observables: name -> :class:`Observable`.
    """

    box: Box
    steps: IntArray
    times: FloatArray
    positions: FloatArray
    images: IntArray
    velocities: FloatArray | None
    species: IntArray | None
    species_names: tuple[str, ...]
    masses: FloatArray
    diameters: FloatArray | None
    observables: dict[str, Observable] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Number of position frames."""
        return int(self.positions.shape[0])

    def unwrapped_positions(self) -> FloatArray:
        """Unwrapped positions r + n L, shape (n_frames, N, 3), for the MSD."""
        return self.positions + self.images * self.box.lengths

    def system(self, index: int) -> System:
        """Frame ``index`` (negative counts from the end) as a :class:`System`."""
        return System(
            positions=self.positions[index],
            box=self.box,
            species=None if self.species is None else self.species.copy(),
            species_names=self.species_names,
            diameters=None if self.diameters is None else self.diameters.copy(),
            masses=self.masses.copy(),
            velocities=None if self.velocities is None else self.velocities[index],
            images=self.images[index],
            info={"step": int(self.steps[index]), "time": float(self.times[index])},
        )


def _read_element(group: h5py.Group) -> tuple[IntArray, FloatArray, np.ndarray]:
    n = _element_length(group)
    return (
        np.asarray(group["step"][:n], dtype=np.int64),
        np.asarray(group["time"][:n], dtype=np.float64),
        np.asarray(group["value"][:n]),
    )


def read_observable(path: str | os.PathLike, name: str) -> Observable:
    """One observable time series from an H5MD file."""
    with _open(path, "r") as f:
        if "observables" not in f or name not in f["observables"]:
            raise InputError(f"{os.fspath(path)} has no observable {name!r}")
        steps, times, values = _read_element(f["observables"][name])
    return Observable(steps, times, values.astype(np.float64))


def last_step(path: str | os.PathLike) -> int | None:
    """Step of the last complete position frame of an H5MD file (None when it has none)."""
    with _open(path, "r") as f:
        if "particles/all/position" not in f:
            return None
        position = f["particles/all/position"]
        n = _element_length(position)
        return int(position["step"][n - 1]) if n else None


def truncate_after(path: str | os.PathLike, step: int) -> int:
    """Drop every frame and observable row after ``step`` (the frames a killed run wrote after
    its last saved restart state); returns how many position frames were dropped."""
    dropped = 0
    with _open(path, "r+") as f:
        elements = [f[f"particles/all/{k}"] for k in ("position", "image", "velocity",
                                                      "box/edges")
                    if f"particles/all/{k}" in f and isinstance(f[f"particles/all/{k}"],
                                                                h5py.Group)]
        if "observables" in f:
            elements += [g for g in f["observables"].values() if isinstance(g, h5py.Group)]
        for element in elements:
            n = _element_length(element)
            keep = int(np.searchsorted(np.asarray(element["step"][:n]), int(step), "right"))
            if element.name == "/particles/all/position":
                dropped = n - keep
            _trim(element, keep)
        f.flush()
    return dropped


def read_group(
    path: str | os.PathLike, name: str
) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The datasets and attributes of group ``name`` written by
    :meth:`TrajectoryWriter.write_group`, or None when the file has no such group."""
    with _open(path, "r") as f:
        if name not in f or not isinstance(f[name], h5py.Group):
            return None
        group = f[name]
        arrays = {k: np.asarray(v[()]) for k, v in group.items() if isinstance(v, h5py.Dataset)}
        attrs = {
            k: (v.decode() if isinstance(v, bytes) else v.item() if hasattr(v, "item") else v)
            for k, v in group.attrs.items()
        }
    return arrays, attrs


def read_trajectory(path: str | os.PathLike, *, velocities: bool = True) -> Trajectory:
    """Read an H5MD trajectory written by :class:`TrajectoryWriter` (or with the same layout).

    Frames caught half-written by an interrupted run are left out (see the module docstring).
    ``velocities=False`` skips loading them.
    """
    with _open(path, "r") as f:
        try:
            particles = f["particles/all"]
            edges_node = particles["box/edges"]
            position = particles["position"]
        except KeyError:
            raise InputError(f"{os.fspath(path)} is not an H5MD file with /particles/all") from None
        edges = _fixed_edges(edges_node, os.fspath(path))
        if edges.shape != (3,):
            raise InputError(
                f"{os.fspath(path)}: box edges have shape {edges.shape}; pelkit needs a fixed "
                "orthorhombic box (3,)"
            )
        elements = [position]
        if "image" in particles:
            elements.append(particles["image"])
        use_velocity = velocities and "velocity" in particles
        if use_velocity:
            elements.append(particles["velocity"])
        n = min(_element_length(g) for g in elements)
        steps, times, pos = (a[:n] for a in _read_element(position))
        n_particles = pos.shape[1]
        if "image" in particles:
            images = np.asarray(particles["image/value"][:n], dtype=np.int64)
        else:
            images = np.zeros((n, n_particles, 3), dtype=np.int64)
        vel = (
            np.asarray(particles["velocity/value"][:n], dtype=np.float64) if use_velocity else None
        )
        params = f["parameters"].attrs if "parameters" in f else {}
        names_raw = params.get("species_names", None)
        has_species = bool(params.get("has_species", "species" in particles))
        species = (
            np.asarray(particles["species"][()], dtype=np.int64)
            if has_species and "species" in particles
            else None
        )
        if names_raw is not None:
            names = tuple(s.decode() if isinstance(s, bytes) else str(s) for s in names_raw)
        else:
            names = default_species_names(1 if species is None else int(species.max()) + 1)
        masses = (
            np.asarray(particles["mass"][()], dtype=np.float64)
            if "mass" in particles
            else np.ones(n_particles)
        )
        diameters = (
            np.asarray(particles["diameter"][()], dtype=np.float64)
            if "diameter" in particles
            else None
        )
        observables = {}
        if "observables" in f:
            for name, group in f["observables"].items():
                if isinstance(group, h5py.Group) and "value" in group:
                    o_steps, o_times, o_values = _read_element(group)
                    observables[name] = Observable(o_steps, o_times, o_values.astype(np.float64))
    return Trajectory(
        box=Box(edges),
        steps=steps,
        times=times.astype(np.float64),
        positions=pos.astype(np.float64),
        images=images,
        velocities=vel,
        species=species,
        species_names=names,
        masses=masses,
        diameters=diameters,
        observables=observables,
    )
