"""A database of minima and transition states in one SQLite file (Python's ``sqlite3``).

Tables (one file per system: fixed N, species/diameters, masses, box):

    meta(key, value)                     model name, N, species, masses, box, periodic, tolerances
    minima(id, energy, coords, log_product, n_modes, eigenvalues, point_group_order,
           max_force, info)
    transition_states(id, energy, coords, log_product, n_modes, eigenvalues,
           negative_eigenvalue, point_group_order, minimum1, minimum2, max_force, info)

``coords`` are float64 bytes of the (N, 3) positions (sigma). ``eigenvalues`` are the non-zero
eigenvalues lambda = omega^2 of the mass-weighted Hessian M^-1/2 H M^-1/2 (eps/(sigma^2 m)),
zero modes removed (3 translations under periodic boundaries: 3N - 3 left at a minimum, 3N - 4
positive ones at a transition state; 3 translations and 3 rotations for a cluster: 3N - 6 and
3N - 7), and ``log_product`` = sum ln lambda over them (ln prod omega^2), what harmonic
transition-state theory needs (:mod:`pelkit.landscape.rates`). The participation ratio of the
softest mode of a minimum is kept in its ``info`` (``softest_participation``).
``point_group_order`` is the order of the point group of the structure; it is **not computed**
(stored as 1 unless a caller knows better), so rates are those of distinguishable structures:
for symmetric clusters (LJ13's icosahedron has order 120) the symmetry factors o_min / o_ts of
the rate constants are left out.

Deduplication (:meth:`LandscapeDatabase.same_structure`): two structures are the same when
their energies differ by at most ``de`` and
* periodic boundaries: :func:`pelkit.landscape.inherent.same_minimum` with identical particles
  matched by the Hungarian algorithm (translations and permutations removed);
* open boundaries: the sorted lists of pair distances, per pair of species, agree within ``dr``
  (invariant under translations, rotations, inversion and permutations; enantiomers count as
  one structure).

Every insertion is its own transaction, so a killed campaign leaves a consistent file and a
resumed one (same system; checked on opening) simply extends it.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.landscape.inherent import same_minimum
from pelkit.system import Box, System

FloatArray = NDArray[np.float64]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS minima (
    id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL, log_product REAL,
    n_modes INTEGER, eigenvalues BLOB, point_group_order INTEGER NOT NULL DEFAULT 1,
    max_force REAL, info TEXT);
CREATE INDEX IF NOT EXISTS minima_energy ON minima (energy);
CREATE TABLE IF NOT EXISTS transition_states (
    id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL, log_product REAL,
    n_modes INTEGER, eigenvalues BLOB, negative_eigenvalue REAL,
    point_group_order INTEGER NOT NULL DEFAULT 1,
    minimum1 INTEGER NOT NULL REFERENCES minima (id),
    minimum2 INTEGER NOT NULL REFERENCES minima (id), max_force REAL, info TEXT);
CREATE INDEX IF NOT EXISTS ts_energy ON transition_states (energy);
"""

DEFAULT_DE = 1e-6
DEFAULT_DR = 0.01


@dataclass
class HarmonicData:
    """Normal-mode data of a stationary point (mass-weighted, zero modes removed).

    eigenvalues: (k,) positive eigenvalues lambda (eps/(sigma^2 m)); log_product: sum ln lambda;
    n_negative: eigenvalues below -lambda_tol; negative_eigenvalue: the lowest one if negative;
    softest_participation: participation ratio PR = 1 / (N sum_i |e_i|^4) of the softest
    positive mode e (mass-weighted, |e| = 1), in [1/N, 1] (small = localized).
    """

    eigenvalues: FloatArray
    log_product: float
    n_negative: int
    negative_eigenvalue: float | None
    softest_participation: float | None = None


def harmonic_data(surface, x: FloatArray, lambda_tol: float = 1e-8) -> HarmonicData:  # noqa: ANN001
    """Mass-weighted Hessian eigenvalues at x (n,) on a :class:`~pelkit.landscape.surface.Surface`
    (dense; meant for up to a few thousand coordinates) split into positive and negative ones."""
    vals, vecs = surface.eigenpairs(np.asarray(x, dtype=np.float64), mass_weighted=True)
    neg = vals[vals < -lambda_tol]
    keep = vals > lambda_tol
    pos = vals[keep]
    pr = None
    if pos.size:
        e = vecs[:, int(np.argmax(keep))].reshape(-1, surface.block)
        w = np.einsum("ij,ij->i", e, e)
        pr = float(1.0 / (w.size * np.sum(w * w)))
    return HarmonicData(
        eigenvalues=pos, log_product=float(np.sum(np.log(pos))), n_negative=int(neg.size),
        negative_eigenvalue=float(neg[0]) if neg.size else None, softest_participation=pr,
    )


@dataclass
class MinimumRecord:
    """A stored minimum (energy eps, positions (N, 3) sigma, harmonic data or None)."""

    id: int
    energy: float
    positions: FloatArray
    log_product: float | None
    eigenvalues: FloatArray | None
    point_group_order: int
    max_force: float | None
    info: dict


@dataclass
class TransitionStateRecord:
    """A stored transition state joining ``minimum1`` and ``minimum2``."""

    id: int
    energy: float
    positions: FloatArray
    log_product: float | None
    eigenvalues: FloatArray | None
    negative_eigenvalue: float | None
    point_group_order: int
    minimum1: int
    minimum2: int
    max_force: float | None
    info: dict


def _blob(a: FloatArray | None) -> bytes | None:
    return None if a is None else np.ascontiguousarray(a, dtype="<f8").tobytes()


def _array(b: bytes | None, shape: tuple[int, ...] | None = None) -> FloatArray | None:
    if b is None:
        return None
    a = np.frombuffer(b, dtype="<f8").astype(np.float64)
    return a.reshape(shape) if shape is not None else a


def _system_meta(system: System, model_name: str) -> dict:
    return {
        "format": "pelkit-landscape-db",
        "version": 1,
        "model": model_name,
        "n_particles": system.n_particles,
        "species": None if system.species is None else system.species.tolist(),
        "species_names": list(system.species_names),
        "diameters": None if system.diameters is None else system.diameters.tolist(),
        "masses": None if system.masses is None else system.masses.tolist(),
        "box": system.box.lengths.tolist(),
        "periodic": bool(system.box.periodic),
    }


class LandscapeDatabase:
    """Minima and transition states of one system in an SQLite file (module doc).

    Args:
        path: the database file (created if missing).
        system: a configuration of the system (needed to create a file; when opening an
            existing file it is checked against the stored one: N, species, periodicity).
        model: the model name (stored on creation; checked against the file's when given).
        de, dr: deduplication tolerances (eps, sigma).
        surface_factory: optional callable System -> Surface used to compute the harmonic data
            of new entries when they are added without it (:func:`harmonic_data`).
    """

    def __init__(
        self,
        path: str | Path,
        system: System | None = None,
        model: str | None = None,
        de: float = DEFAULT_DE,
        dr: float = DEFAULT_DR,
        surface_factory=None,  # noqa: ANN001
    ) -> None:
        self.path = Path(path)
        exists = self.path.is_file() and self.path.stat().st_size > 0
        if not exists and system is None:
            raise InputError(f"database not found: {self.path}")
        if self.path.is_dir():
            raise InputError(f"is a directory, not a database: {self.path}")
        try:
            self.conn = sqlite3.connect(str(self.path))
            self.conn.executescript(SCHEMA)
            rows = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path} is not a pelkit landscape database ({exc})") from None
        self.de, self.dr = float(de), float(dr)
        self.surface_factory = surface_factory
        if rows:
            self.meta = {k: json.loads(v) for k, v in rows.items()}
            if self.meta.get("format") != "pelkit-landscape-db":
                raise InputError(f"{self.path} is not a pelkit landscape database")
            if system is not None:
                self._check_compatible(system)
            if model is not None and self.meta.get("model") != model:
                raise InputError(
                    f"{self.path} holds model {self.meta.get('model')!r}, not {model!r}"
                )
        else:
            if system is None:
                raise InputError(f"{self.path} has no system description")
            self.meta = _system_meta(system, model or "unknown")
            with self.conn:
                self.conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [(k, json.dumps(v)) for k, v in self.meta.items()],
                )
        self.n_particles = int(self.meta["n_particles"])
        self.periodic = bool(self.meta["periodic"])

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the file."""
        self.conn.close()

    def __enter__(self) -> LandscapeDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_compatible(self, system: System) -> None:
        m = self.meta
        species = None if system.species is None else system.species.tolist()
        problems = []
        if system.n_particles != m["n_particles"]:
            problems.append(f"N = {system.n_particles}, the file has {m['n_particles']}")
        elif species != m["species"]:
            problems.append("different species")
        if bool(system.box.periodic) != bool(m["periodic"]):
            problems.append("different boundaries (periodic / open)")
        if problems:
            raise InputError(f"{self.path} holds another system: {'; '.join(problems)}")

    @property
    def model(self) -> str:
        """The model name stored in the file."""
        return str(self.meta["model"])

    def system(self, positions: FloatArray) -> System:
        """A System of this database's particles at ``positions`` (N, 3)."""
        m = self.meta
        box = Box(np.asarray(m["box"]), periodic=bool(m["periodic"]))
        species = None if m["species"] is None else np.asarray(m["species"], dtype=np.int64)
        return System(
            positions=np.asarray(positions, dtype=np.float64).reshape(-1, 3), box=box,
            species=species, species_names=tuple(m["species_names"]),
            diameters=None if m["diameters"] is None else np.asarray(m["diameters"]),
            masses=None if m["masses"] is None else np.asarray(m["masses"]),
        )

    # ------------------------------------------------------------------ identity
    def same_structure(self, a: System, e_a: float, b: System, e_b: float) -> bool:
        """Same minimum / transition state up to the symmetries of the boundaries (module doc)."""
        if abs(e_a - e_b) > self.de:
            return False
        if self.periodic:
            if same_minimum(a, e_a, b, e_b, self.de, self.dr):
                return True
            return same_minimum(a, e_a, b, e_b, self.de, self.dr, match_permutations=True)
        return bool(np.max(np.abs(_distance_spectrum(a) - _distance_spectrum(b))) <= self.dr)

    def _find(self, table: str, system: System, energy: float) -> int | None:
        rows = self.conn.execute(
            f"SELECT id, energy, coords FROM {table} WHERE energy BETWEEN ? AND ? "  # noqa: S608
            "ORDER BY ABS(energy - ?)",
            (energy - self.de, energy + self.de, energy),
        ).fetchall()
        for rid, e, coords in rows:
            other = self.system(_array(coords, (self.n_particles, 3)))
            if self.same_structure(other, e, system, energy):
                return int(rid)
        return None

    def _harmonic(self, system: System, data: HarmonicData | None) -> HarmonicData | None:
        if data is None and self.surface_factory is not None:
            surface = self.surface_factory(system)
            data = harmonic_data(surface, system.positions.reshape(-1))
        return data

    # ------------------------------------------------------------------ insertion
    def add_minimum(
        self, system: System, energy: float, *, harmonic: HarmonicData | None = None,
        point_group_order: int = 1, max_force: float | None = None, info: dict | None = None,
    ) -> int:
        """Id of the minimum ``system`` (energy eps): an existing one, or a new row."""
        self._check_compatible(system)
        found = self._find("minima", system, energy)
        if found is not None:
            return found
        data = self._harmonic(system, harmonic)
        info = dict(info or {})
        if data is not None and data.softest_participation is not None:
            info.setdefault("softest_participation", data.softest_participation)
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO minima (energy, coords, log_product, n_modes, eigenvalues, "
                "point_group_order, max_force, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    float(energy), _blob(system.unwrapped_positions()),
                    None if data is None else data.log_product,
                    None if data is None else int(data.eigenvalues.size),
                    None if data is None else _blob(data.eigenvalues),
                    int(point_group_order), max_force, json.dumps(info),
                ),
            )
        return int(cur.lastrowid)

    def add_transition_state(
        self, system: System, energy: float, minimum1: int, minimum2: int, *,
        harmonic: HarmonicData | None = None, point_group_order: int = 1,
        max_force: float | None = None, info: dict | None = None,
    ) -> int:
        """Id of the transition state ``system`` joining two stored minima (new or existing)."""
        self._check_compatible(system)
        for m in (minimum1, minimum2):
            if self.conn.execute("SELECT 1 FROM minima WHERE id = ?", (int(m),)).fetchone() is None:
                raise InputError(f"no minimum {m} in {self.path}")
        found = self._find("transition_states", system, energy)
        if found is not None:
            return found
        data = self._harmonic(system, harmonic)
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO transition_states (energy, coords, log_product, n_modes, "
                "eigenvalues, negative_eigenvalue, point_group_order, minimum1, minimum2, "
                "max_force, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    float(energy), _blob(system.unwrapped_positions()),
                    None if data is None else data.log_product,
                    None if data is None else int(data.eigenvalues.size),
                    None if data is None else _blob(data.eigenvalues),
                    None if data is None else data.negative_eigenvalue,
                    int(point_group_order), int(minimum1), int(minimum2), max_force,
                    json.dumps(info or {}),
                ),
            )
        return int(cur.lastrowid)

    # ------------------------------------------------------------------ queries
    def minima(self) -> list[MinimumRecord]:
        """All minima, by increasing energy."""
        rows = self.conn.execute(
            "SELECT id, energy, coords, log_product, eigenvalues, point_group_order, max_force, "
            "info FROM minima ORDER BY energy, id"
        ).fetchall()
        shape = (self.n_particles, 3)
        return [
            MinimumRecord(int(r[0]), float(r[1]), _array(r[2], shape), r[3], _array(r[4]),
                          int(r[5]), r[6], json.loads(r[7] or "{}"))
            for r in rows
        ]

    def transition_states(self) -> list[TransitionStateRecord]:
        """All transition states, by increasing energy."""
        rows = self.conn.execute(
            "SELECT id, energy, coords, log_product, eigenvalues, negative_eigenvalue, "
            "point_group_order, minimum1, minimum2, max_force, info FROM transition_states "
            "ORDER BY energy, id"
        ).fetchall()
        shape = (self.n_particles, 3)
        return [
            TransitionStateRecord(int(r[0]), float(r[1]), _array(r[2], shape), r[3],
                                  _array(r[4]), r[5], int(r[6]), int(r[7]), int(r[8]), r[9],
                                  json.loads(r[10] or "{}"))
            for r in rows
        ]

    def minimum(self, mid: int) -> MinimumRecord:
        """The minimum with id ``mid``."""
        for m in self.minima():
            if m.id == int(mid):
                return m
        raise InputError(f"no minimum {mid} in {self.path}")

    def counts(self) -> tuple[int, int]:
        """(number of minima, number of transition states)."""
        n_min = self.conn.execute("SELECT COUNT(*) FROM minima").fetchone()[0]
        n_ts = self.conn.execute("SELECT COUNT(*) FROM transition_states").fetchone()[0]
        return int(n_min), int(n_ts)

    def connected(self, a: int, b: int) -> bool:
        """True if minima a and b are joined by a chain of stored transition states."""
        adjacency: dict[int, set[int]] = {}
        for _, m1, m2 in self.conn.execute(
            "SELECT id, minimum1, minimum2 FROM transition_states"
        ).fetchall():
            adjacency.setdefault(m1, set()).add(m2)
            adjacency.setdefault(m2, set()).add(m1)
        seen, todo = {int(a)}, [int(a)]
        while todo:
            k = todo.pop()
            if k == int(b):
                return True
            for j in adjacency.get(k, ()):
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        return False


def _distance_spectrum(system: System) -> FloatArray:
    """Sorted pair distances, grouped by species pair (open boundaries: no minimum image)."""
    pos = system.positions
    d = np.sqrt(np.sum((pos[:, None, :] - pos[None, :, :]) ** 2, axis=-1))
    iu = np.triu_indices(system.n_particles, 1)
    if system.species is None:
        return np.sort(d[iu])
    s = system.species
    key = np.minimum(s[:, None], s[None, :]) * 1000 + np.maximum(s[:, None], s[None, :])
    k, dist = key[iu], d[iu]
    order = np.lexsort((dist, k))
    return dist[order]


def describe(db: LandscapeDatabase) -> dict:
    """JSON summary of a database: counts, energies, connections (``pelkit db list``)."""
    mins, tss = db.minima(), db.transition_states()
    return {
        "database": str(db.path),
        "model": db.model,
        "n_particles": db.n_particles,
        "periodic": db.periodic,
        "n_minima": len(mins),
        "n_transition_states": len(tss),
        "lowest_energy": mins[0].energy if mins else None,
        "minima": [
            {"id": m.id, "energy": m.energy, "log_product": m.log_product,
             "point_group_order": m.point_group_order}
            for m in mins
        ],
        "transition_states": [
            {"id": t.id, "energy": t.energy, "minima": [t.minimum1, t.minimum2],
             "barrier": t.energy - min(_energy(mins, t.minimum1), _energy(mins, t.minimum2)),
             "log_product": t.log_product, "negative_eigenvalue": t.negative_eigenvalue}
            for t in tss
        ],
    }


def _energy(mins: list[MinimumRecord], mid: int) -> float:
    for m in mins:
        if m.id == mid:
            return m.energy
    return math.nan
