"""LAMMPS data files (atom_style atomic) and text dump files.

Data files (``read_data`` / ``write_data`` layout)::

    LAMMPS data file written by pelkit 0.1.0, atom_style atomic, species_names: A B

    N atoms
    S atom types

    0.0 Lx xlo xhi
    0.0 Ly ylo yhi
    0.0 Lz zlo zhi

    Masses

    1 m_1
    ...

    Atoms # atomic

    id type x y z ix iy iz
    ...

    Velocities

    id vx vy vz
    ...

Conventions:

* LAMMPS atom types 1..S are pelkit species codes 0..S-1. The species names are kept in the title
  line (``species_names: A B``); a file without them, and without an ``Atom Type Labels`` section,
  gets the names ``A, B, C, ...``. S = ``len(System.species_names)``, so a species with no particle
  keeps its type (its mass is written as 1).
* LAMMPS stores masses per type, so all particles of one species must share one mass. Missing
  ``Masses`` means all masses 1 (reduced LJ units; LAMMPS would then expect them in the input
  script). atom_style atomic cannot hold diameters: writing a diameter model is refused.
* The three optional trailing integers of an ``Atoms`` line are the image flags; unwrapped
  position = x + n L, exactly as pelkit's ``System.images``.
* Only orthorhombic boxes: a non-zero ``xy xz yz`` tilt line is refused. A box whose origin
  ``(xlo, ylo, zlo)`` is not zero is shifted to the origin on reading: positions become
  ``x - xlo`` (rounded once in float64); files written here always have ``xlo = 0``.
* Numbers are written in shortest round-trip form (at most 17 significant digits), so
  write-then-read reproduces every float64 bit.

Dump files: :func:`iter_lammps_dump` reads ``dump atom`` / ``dump custom`` text files (``ITEM:
TIMESTEP``, ``ITEM: NUMBER OF ATOMS``, ``ITEM: BOX BOUNDS``, ``ITEM: ATOMS id type x y z ...``
with any column order) and gives one :class:`DumpFrame` per snapshot, atoms sorted by id.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from numpy.typing import NDArray

from pelkit import __version__
from pelkit.errors import InputError
from pelkit.io._text import (
    default_species_names,
    open_text,
    parse_floats,
    parse_ints,
    row_strings,
)
from pelkit.system import Box, System

__all__ = [
    "DumpFrame",
    "format_lammps_data",
    "iter_lammps_dump",
    "read_lammps_data",
    "read_lammps_dump",
    "write_lammps_data",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SECTIONS = (
    "Atoms",
    "Velocities",
    "Masses",
    "Ellipsoids",
    "Lines",
    "Triangles",
    "Bodies",
    "Bonds",
    "Angles",
    "Dihedrals",
    "Impropers",
    "Pair Coeffs",
    "PairIJ Coeffs",
    "Bond Coeffs",
    "Angle Coeffs",
    "Dihedral Coeffs",
    "Improper Coeffs",
    "BondBond Coeffs",
    "BondAngle Coeffs",
    "MiddleBondTorsion Coeffs",
    "EndBondTorsion Coeffs",
    "AngleTorsion Coeffs",
    "AngleAngleTorsion Coeffs",
    "BondBond13 Coeffs",
    "AngleAngle Coeffs",
    "Atom Type Labels",
    "Bond Type Labels",
    "Angle Type Labels",
    "Dihedral Type Labels",
    "Improper Type Labels",
)
_NAMES_RE = re.compile(r"species_names:\s*(.*)$")


# --------------------------------------------------------------------------------------------
# data files: writing


def format_lammps_data(system: System, *, title: str | None = None) -> str:
    """The text of a LAMMPS data file (atom_style atomic) holding ``system``.

    Args:
        system: positions (N, 3), box, species codes, per-species masses, optional velocities
            (N, 3) and images (N, 3).
        title: extra words for the title line (a single line).

    Raises:
        InputError: the system has diameters, masses that differ within a species, or species
            names with spaces.
    """
    if system.diameters is not None:
        raise InputError(
            "LAMMPS atom_style atomic cannot store per-particle diameters; use extended XYZ"
        )
    n = system.n_particles
    if system.species is None:
        codes = np.zeros(n, dtype=np.int64)
        names: tuple[str, ...] = tuple(system.species_names[:1])
    else:
        codes = system.species
        names = tuple(system.species_names)
    for name in names:
        if not name or any(ch.isspace() for ch in name):
            raise InputError(f"species name {name!r} cannot be written (empty or with spaces)")
    assert system.masses is not None and system.images is not None
    type_masses = np.ones(len(names))
    for code in range(len(names)):
        members = system.masses[codes == code]
        if members.size:
            if np.any(members != members[0]):
                raise InputError(
                    f"species {names[code]!r} has several masses; LAMMPS data files hold one mass "
                    "per atom type"
                )
            type_masses[code] = members[0]
    title_text = (
        f"LAMMPS data file written by pelkit {__version__}, atom_style atomic, "
        f"species_names: {' '.join(names)}"
    )
    if title:
        title_text = f"{' '.join(title.split())}; {title_text}"
    out = [title_text, "", f"{n} atoms", f"{len(names)} atom types", ""]
    for length, axis in zip(system.box.lengths.tolist(), "xyz", strict=True):
        out.append(f"0.0 {length!r} {axis}lo {axis}hi")
    out += ["", "Masses", ""]
    out += [f"{i + 1} {m!r}" for i, m in enumerate(type_masses.tolist())]
    out += ["", "Atoms # atomic", ""]
    ids = np.arange(1, n + 1)
    out += [
        f"{i} {t} {p} {im}"
        for i, t, p, im in zip(
            ids.tolist(),
            (codes + 1).tolist(),
            row_strings(system.positions, "f"),
            row_strings(system.images, "i"),
            strict=True,
        )
    ]
    if system.velocities is not None:
        out += ["", "Velocities", ""]
        out += [
            f"{i} {v}"
            for i, v in zip(ids.tolist(), row_strings(system.velocities, "f"), strict=True)
        ]
    return "\n".join(out) + "\n"


def write_lammps_data(
    path: str | os.PathLike, system: System, *, title: str | None = None
) -> None:
    """Write ``system`` to a LAMMPS data file (see :func:`format_lammps_data`)."""
    text = format_lammps_data(system, title=title)
    with open_text(path, "w") as handle:
        handle.write(text)


# --------------------------------------------------------------------------------------------
# data files: reading


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].strip()


def _section_name(line: str) -> str | None:
    text = _strip_comment(line)
    return text if text in _SECTIONS else None


def _split_sections(lines: list[str]) -> tuple[list[str], dict[str, tuple[str, list[str]]]]:
    """Header lines and ``section -> (style hint, body lines)``."""
    header: list[str] = []
    sections: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for raw in lines[1:]:
        name = _section_name(raw)
        if name is not None:
            hint = raw.split("#", 1)[1].strip() if "#" in raw else ""
            if name in sections:
                raise InputError(f"section {name!r} appears twice")
            sections[name] = (hint, [])
            current = name
            continue
        text = _strip_comment(raw)
        if not text:
            continue
        if current is None:
            header.append(text)
        else:
            sections[current][1].append(text)
    return header, sections


def _table(body: list[str], widths: tuple[int, ...], section: str) -> list[list[str]]:
    rows = [line.split() for line in body]
    for row in rows:
        if len(row) not in widths:
            want = " or ".join(str(w) for w in widths)
            raise InputError(
                f"{section} line {' '.join(row)[:60]!r} has {len(row)} columns, expected {want}"
            )
    return rows


def read_lammps_data(path: str | os.PathLike) -> System:
    """Read a LAMMPS data file with atom_style atomic into a :class:`System`.

    Atoms are ordered by id. Species codes = type - 1; species names from the title line
    (``species_names: ...``), an ``Atom Type Labels`` section, or ``A, B, ...``. A non-zero box
    origin is subtracted from the positions. Raises :class:`InputError` for a missing file, a
    missing or malformed header count or box line, a tilted box, another atom style, wrong
    column counts, types out of range, duplicate or unmatched ids, or non-finite numbers.
    """
    source = os.fspath(path)
    with open_text(path) as handle:
        lines = handle.read().splitlines()
    if not lines:
        raise InputError(f"{source}: empty file")
    try:
        return _parse_data(lines, source)
    except InputError as exc:
        message = str(exc)
        if message.startswith(source):
            raise
        raise InputError(f"{source}: {message}") from None


def _parse_data(lines: list[str], source: str) -> System:
    header, sections = _split_sections(lines)
    n_atoms: int | None = None
    n_types: int | None = None
    lo = np.zeros(3)
    hi = np.full(3, np.nan)
    for text in header:
        words = text.split()
        try:
            if words[-1] == "atoms" and len(words) == 2:
                n_atoms = int(words[0])
            elif words[-2:] == ["atom", "types"] and len(words) == 3:
                n_types = int(words[0])
            elif len(words) == 4 and words[2:] in (["xlo", "xhi"], ["ylo", "yhi"], ["zlo", "zhi"]):
                axis = "xyz".index(words[2][0])
                bounds = parse_floats(words[:2], f"{words[2]} {words[3]}")
                lo[axis], hi[axis] = bounds
            elif words[-3:] == ["xy", "xz", "yz"] and len(words) == 6:
                tilt = parse_floats(words[:3], "xy xz yz")
                if np.any(tilt != 0.0):
                    raise InputError(
                        "the box is triclinic (non-zero xy xz yz); pelkit needs it orthorhombic"
                    )
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"malformed header line {text!r}") from None
    if n_atoms is None or n_atoms < 1:
        raise InputError("the header has no positive 'N atoms' line")
    if n_types is None or n_types < 1:
        raise InputError("the header has no positive 'S atom types' line")
    if np.any(np.isnan(hi)):
        raise InputError("the header lacks one of the xlo xhi / ylo yhi / zlo zhi lines")
    lengths = hi - lo
    if np.any(lengths <= 0):
        raise InputError(f"box bounds must have hi > lo, got lengths {lengths.tolist()}")
    if "Atoms" not in sections:
        raise InputError("no Atoms section")

    hint, body = sections["Atoms"]
    style = hint.split()[0] if hint else ""
    if style and style != "atomic":
        raise InputError(f"atom style {style!r} is not supported; pelkit reads atom_style atomic")
    rows = _table(body, (5, 8), "Atoms")
    if len(rows) != n_atoms:
        raise InputError(f"the Atoms section has {len(rows)} lines, the header says {n_atoms}")
    if len({len(r) for r in rows}) != 1:
        raise InputError("Atoms lines mix 5 and 8 columns (image flags on some lines only)")
    table = np.array(rows, dtype=str)
    ids = parse_ints(table[:, 0], "Atoms ids")
    types = parse_ints(table[:, 1], "Atoms types")
    positions = parse_floats(table[:, 2:5], "Atoms positions")
    images = parse_ints(table[:, 5:8], "Atoms image flags") if table.shape[1] == 8 else None
    if np.unique(ids).size != ids.size:
        raise InputError("the Atoms section has duplicate atom ids")
    if types.min() < 1 or types.max() > n_types:
        raise InputError(f"atom types must lie in 1..{n_types}")
    order = np.argsort(ids, kind="stable")
    ids, types, positions = ids[order], types[order], positions[order]
    images = None if images is None else images[order]
    if np.any(lo != 0.0):
        positions = positions - lo

    masses = np.ones(n_atoms)
    if "Masses" in sections:
        mrows = _table(sections["Masses"][1], (2,), "Masses")
        mtable = np.array(mrows, dtype=str)
        mtypes = parse_ints(mtable[:, 0], "Masses types")
        mvalues = parse_floats(mtable[:, 1], "Masses values")
        if mtypes.min() < 1 or mtypes.max() > n_types:
            raise InputError(f"Masses types must lie in 1..{n_types}")
        per_type = np.ones(n_types)
        per_type[mtypes - 1] = mvalues
        masses = per_type[types - 1]

    velocities = None
    if "Velocities" in sections:
        vrows = _table(sections["Velocities"][1], (4,), "Velocities")
        vtable = np.array(vrows, dtype=str)
        vids = parse_ints(vtable[:, 0], "Velocities ids")
        vorder = np.argsort(vids, kind="stable")
        if vids.size != ids.size or not np.array_equal(vids[vorder], ids):
            raise InputError("the Velocities ids do not match the Atoms ids")
        velocities = parse_floats(vtable[vorder, 1:4], "Velocities")

    names = _species_names(lines[0], sections, n_types)
    return System(
        positions=positions,
        box=Box(lengths),
        species=types - 1,
        species_names=names,
        masses=masses,
        velocities=velocities,
        images=images,
    )


def _species_names(
    title: str, sections: dict[str, tuple[str, list[str]]], n_types: int
) -> tuple[str, ...]:
    match = _NAMES_RE.search(title)
    if match:
        names = tuple(match.group(1).split())
        if len(names) == n_types:
            return names
    if "Atom Type Labels" in sections:
        labels = list(default_species_names(n_types))
        for row in _table(sections["Atom Type Labels"][1], (2,), "Atom Type Labels"):
            index = parse_ints([row[0]], "Atom Type Labels types")[0]
            if not 1 <= index <= n_types:
                raise InputError(f"Atom Type Labels types must lie in 1..{n_types}")
            labels[index - 1] = row[1]
        return tuple(labels)
    return default_species_names(n_types)


# --------------------------------------------------------------------------------------------
# dump files


@dataclass
class DumpFrame:
    """One snapshot of a LAMMPS text dump, atoms sorted by id.

    Attributes:
        timestep: the MD step.
        box: orthorhombic box (lengths (3,) in sigma).
        origin: (xlo, ylo, zlo) of the dump; positions are given relative to it.
        boundary: the boundary flags of ``ITEM: BOX BOUNDS`` (e.g. ``("pp", "pp", "pp")``).
        ids: (N,) atom ids in increasing order.
        positions: (N, 3) positions relative to ``origin``, in sigma; unwrapped when the dump had
            ``xu``/``xsu`` columns (``unwrapped`` is then True), else as dumped (usually wrapped).
        unwrapped: whether ``positions`` are unwrapped coordinates.
        types: (N,) LAMMPS atom types, or None.
        images: (N, 3) image flags (``ix iy iz``), or None.
        velocities: (N, 3) (``vx vy vz``), or None.
        columns: every other per-atom column (name -> (N,) float64 array).
        time: simulation time when the dump has ``ITEM: TIME``, else None.
    """

    timestep: int
    box: Box
    origin: FloatArray
    boundary: tuple[str, ...]
    ids: IntArray
    positions: FloatArray
    unwrapped: bool
    types: IntArray | None = None
    images: IntArray | None = None
    velocities: FloatArray | None = None
    columns: dict[str, FloatArray] = field(default_factory=dict)
    time: float | None = None

    def to_system(
        self,
        species_names: tuple[str, ...] | None = None,
        masses: NDArray[np.float64] | None = None,
    ) -> System:
        """This frame as a :class:`System`: species = type - 1, images from ``ix iy iz`` or, for
        unwrapped positions, from wrapping them. ``masses`` (N,) defaults to ones."""
        species = None
        names = species_names
        if self.types is not None:
            if self.types.min() < 1:
                raise InputError("LAMMPS atom types must be at least 1")
            species = self.types - 1
            if names is None:
                names = default_species_names(int(self.types.max()))
        images = None if self.unwrapped else self.images
        return System(
            positions=self.positions,
            box=self.box,
            species=species,
            species_names=names if names is not None else ("A", "B"),
            masses=masses,
            velocities=self.velocities,
            images=images,
            info={"timestep": self.timestep},
        )


_POSITION_SETS = (
    (("x", "y", "z"), False, False),
    (("xu", "yu", "zu"), True, False),
    (("xs", "ys", "zs"), False, True),
    (("xsu", "ysu", "zsu"), True, True),
)


def _next_line(handle: IO[str], state: list[int], where: str) -> str:
    line = handle.readline()
    state[0] += 1
    if not line:
        raise InputError(f"{where}: file ends unexpectedly at line {state[0]}")
    return line


def _dump_atoms(
    columns: list[str], table: np.ndarray, lo: FloatArray, lengths: FloatArray, where: str
) -> dict:
    index = {name: i for i, name in enumerate(columns)}
    if len(index) != len(columns):
        raise InputError(f"{where}: ITEM: ATOMS names a column twice")
    out: dict = {}
    chosen = None
    for names, unwrapped, scaled in _POSITION_SETS:
        present = [name in index for name in names]
        if all(present):
            chosen = (names, unwrapped, scaled)
            break
        if any(present):
            raise InputError(f"{where}: ITEM: ATOMS has only some of {' '.join(names)}")
    if chosen is None:
        raise InputError(f"{where}: ITEM: ATOMS has no x y z (or xu, xs, xsu) columns")
    names, unwrapped, scaled = chosen
    pos = parse_floats(table[:, [index[c] for c in names]], f"{where}: positions")
    out["positions"] = pos * lengths if scaled else pos - lo
    out["unwrapped"] = unwrapped
    used = set(names)
    if "id" in index:
        out["ids"] = parse_ints(table[:, index["id"]], f"{where}: id")
        used.add("id")
    if "type" in index:
        out["types"] = parse_ints(table[:, index["type"]], f"{where}: type")
        used.add("type")
    for key, triple in (("images", ("ix", "iy", "iz")), ("velocities", ("vx", "vy", "vz"))):
        present = [c in index for c in triple]
        if all(present):
            block = table[:, [index[c] for c in triple]]
            what = f"{where}: {' '.join(triple)}"
            out[key] = parse_ints(block, what) if key == "images" else parse_floats(block, what)
            used.update(triple)
        elif any(present):
            raise InputError(f"{where}: ITEM: ATOMS has only some of {' '.join(triple)}")
    extra: dict[str, FloatArray] = {}
    for name in columns:
        if name not in used:
            extra[name] = parse_floats(table[:, index[name]], f"{where}: column {name!r}")
    out["columns"] = extra
    return out


def _read_dump_frame(handle: IO[str], source: str, state: list[int]) -> DumpFrame | None:
    """Read one snapshot; ``state`` = [line number, frame index]. None at end of file."""
    line = handle.readline()
    state[0] += 1
    while line and not line.strip():
        line = handle.readline()
        state[0] += 1
    if not line:
        return None
    where = f"{source}, frame {state[1]}"
    timestep: int | None = None
    time: float | None = None
    n_atoms: int | None = None
    bounds: FloatArray | None = None
    boundary: tuple[str, ...] = ("pp", "pp", "pp")
    while True:
        text = line.strip()
        if not text.startswith("ITEM:"):
            raise InputError(
                f"{where} (line {state[0]}): expected an 'ITEM:' line, got {text[:40]!r}"
            )
        item = text[5:].strip()
        if item == "TIMESTEP":
            value = _next_line(handle, state, where).split()
            timestep = int(parse_ints(value[:1], f"{where}: TIMESTEP")[0]) if value else None
        elif item == "TIME":
            value = _next_line(handle, state, where).split()
            time = float(parse_floats(value[:1], f"{where}: TIME")[0]) if value else None
        elif item == "UNITS":
            _next_line(handle, state, where)
        elif item == "NUMBER OF ATOMS":
            value = _next_line(handle, state, where).split()
            n_atoms = int(parse_ints(value[:1], f"{where}: NUMBER OF ATOMS")[0]) if value else None
        elif item.startswith("BOX BOUNDS"):
            flags = item.split()[2:]
            if any(f in ("xy", "xz", "yz") for f in flags):
                raise InputError(f"{where}: triclinic box; pelkit needs an orthorhombic box")
            if len(flags) == 3:
                boundary = tuple(flags)
            rows = [_next_line(handle, state, where).split() for _ in range(3)]
            if any(len(r) != 2 for r in rows):
                raise InputError(f"{where}: BOX BOUNDS lines must hold two numbers (lo hi)")
            bounds = parse_floats(rows, f"{where}: BOX BOUNDS")
        elif item.startswith("ATOMS"):
            break
        else:
            raise InputError(f"{where} (line {state[0]}): unknown item {text[:40]!r}")
        line = _next_line(handle, state, where)
    if timestep is None or n_atoms is None or bounds is None:
        raise InputError(f"{where}: TIMESTEP, NUMBER OF ATOMS and BOX BOUNDS must precede ATOMS")
    if n_atoms < 1:
        raise InputError(f"{where}: NUMBER OF ATOMS must be positive, got {n_atoms}")
    columns = item.split()[1:]
    rows: list[list[str]] = []
    for i in range(n_atoms):
        text = handle.readline()
        state[0] += 1
        if not text:
            raise InputError(f"{where}: file ends after {i} of {n_atoms} atom lines")
        tokens = text.split()
        if len(tokens) != len(columns):
            raise InputError(
                f"{where} (line {state[0]}): {len(tokens)} columns, ITEM: ATOMS names "
                f"{len(columns)}"
            )
        rows.append(tokens)
    lo, hi = bounds[:, 0], bounds[:, 1]
    lengths = hi - lo
    if np.any(lengths <= 0):
        raise InputError(f"{where}: box bounds must have hi > lo")
    data = _dump_atoms(columns, np.array(rows, dtype=str), lo, lengths, where)
    ids = data.get("ids", np.arange(1, n_atoms + 1, dtype=np.int64))
    if np.unique(ids).size != ids.size:
        raise InputError(f"{where}: duplicate atom ids")
    order = np.argsort(ids, kind="stable")

    def sort(arr: np.ndarray | None) -> np.ndarray | None:
        return None if arr is None else arr[order]

    state[1] += 1
    return DumpFrame(
        timestep=timestep,
        box=Box(lengths),
        origin=lo.copy(),
        boundary=boundary,
        ids=ids[order],
        positions=data["positions"][order],
        unwrapped=data["unwrapped"],
        types=sort(data.get("types")),
        images=sort(data.get("images")),
        velocities=sort(data.get("velocities")),
        columns={k: v[order] for k, v in data["columns"].items()},
        time=time,
    )


def iter_lammps_dump(path: str | os.PathLike) -> Iterator[DumpFrame]:
    """Iterate over the snapshots of a LAMMPS text dump file (``dump atom`` or ``dump custom``).

    Position columns, in order of preference: ``x y z`` (as dumped), ``xu yu zu`` (unwrapped),
    ``xs ys zs`` (scaled, x = xlo + xs L), ``xsu ysu zsu`` (scaled unwrapped); positions are
    returned relative to the box origin. Each frame's atoms are sorted by ``id`` (file order
    when there is no id column).
    """
    source = os.fspath(path)
    with open_text(path) as handle:
        state = [0, 0]
        while True:
            frame = _read_dump_frame(handle, source, state)
            if frame is None:
                break
            yield frame
    if state[1] == 0:
        raise InputError(f"{source}: no snapshots in the dump file")


def read_lammps_dump(path: str | os.PathLike) -> list[DumpFrame]:
    """All snapshots of a LAMMPS text dump file (see :func:`iter_lammps_dump`)."""
    return list(iter_lammps_dump(path))
