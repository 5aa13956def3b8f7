"""Extended XYZ reading and writing, compatible with ASE and OVITO.

A frame is::

    N
    Lattice="Lx 0 0 0 Ly 0 0 0 Lz" Properties=species:S:1:pos:R:3:image:I:3 pbc="T T T" ...
    A x y z ix iy iz
    ...

Columns written by :func:`write_extxyz`, in this order:

====================  ==============  =========================================================
column                type            meaning
====================  ==============  =========================================================
``species``           ``S:1``         chemical symbol of each particle (see below)
``pos``               ``R:3``         wrapped positions in [0, L), sigma
``pelkit_species``    ``S:1``         pelkit species name (only when names are not symbols)
``diameter``          ``R:1``         particle diameters sigma_i (diameter models only)
``masses``            ``R:1``         masses in m (always, so ASE does not use element masses)
``velo``              ``R:3``         velocities in sigma/tau (when the system has them)
``momenta``           ``R:3``         m v, only on request (``momenta=True``), for ASE
``image``             ``I:3``         image counts n; unwrapped position = pos + n L
extra names           ``R:k``/``I:k``  extra per-particle columns (e.g. displacement fields)
====================  ==============  =========================================================

Species. ASE accepts only chemical symbols in ``species``. When every species name is an element
symbol (say ``("Ar", "Kr")``) the names are written there as they are. Otherwise (pelkit's
``A``, ``B``, ...) ``species`` holds the placeholder element of atomic number code + 1 (``H``,
``He``, ...; :mod:`pelkit.io.elements`), which keeps the species apart in ASE and OVITO, and the
names go in ``pelkit_species``; pelkit reads its labels from that column when it is present.

Naming conventions. ``pos``, ``species``, ``masses`` and ``momenta`` are ASE's own names (ASE maps
them onto ``Atoms.positions``, symbols, masses and momenta). ASE has no velocity column (it stores
momenta), so velocities use ``velo``, the libAtoms/QUIP and OVITO name; ASE keeps it as
``atoms.arrays["velo"]`` (and ``pelkit_species``, ``image`` likewise). On reading, velocities are
taken from ``velo`` (aliases ``vel``, ``velocity``, ``velocities``), else from ``momenta`` divided
by the ``masses`` column (without one, ASE would use element masses: the velocities are then left
unset and the momenta kept in ``info["columns"]["momenta"]``); masses from ``masses`` or
``mass``; diameters from ``diameter`` or twice ``radius``.

Header keys. ``Lattice`` (the three cell vectors, row after row; must be orthorhombic), ``pbc``
(``"T T T"``, or ``"F F F"`` for open boundaries, a cluster in vacuum, where the Lattice is
optional and only nominal; absent means periodic when a lattice is given, as in ASE), optional
``Origin`` (OVITO; subtracted from the positions on reading), and ``species_names`` (pelkit: the
names of species codes 0, 1, ..., so codes survive a round trip even for species with no particle).
Scalar entries of ``System.info`` (bool, int, float, str, lists of numbers) are written as further
``key=value`` pairs and read back into ``info``; unknown per-particle columns are read into
``info["columns"]`` (name -> array).

Species on reading: with ``species_names`` in the header, codes follow it; without, a file with a
``diameter`` column and a single species label gives ``species=None`` (a diameter model), and any
other file gives codes in sorted order of the distinct labels.

Floats are written in shortest round-trip form, so write-then-read reproduces every float64 bit.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

from pelkit.errors import InputError
from pelkit.io._text import open_text, parse_floats, parse_ints, row_strings
from pelkit.io.elements import placeholder_symbols
from pelkit.system import Box, System

__all__ = [
    "format_extxyz_frame",
    "iter_extxyz",
    "read_extxyz",
    "read_extxyz_frames",
    "write_extxyz",
]

_RESERVED = {"lattice", "properties", "pbc", "origin", "species_names"}
_STANDARD_COLUMNS = {
    "species",
    "pos",
    "diameter",
    "radius",
    "masses",
    "mass",
    "velo",
    "vel",
    "velocity",
    "velocities",
    "momenta",
    "image",
    "z",
    "pelkit_species",
}
_VELOCITY_NAMES = ("velo", "vel", "velocity", "velocities")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_TOKEN = re.compile(
    r"""\s*([A-Za-z_][A-Za-z0-9_\-]*)            # key
        (?:\s*=\s*(
            "(?:[^"\\]|\\.)*"                    # double-quoted value
          | '[^']*'                              # single-quoted value
          | \{[^}]*\}                            # {braced} value
          | \[[^\]]*\]                           # [bracketed] value
          | [^\s"'{}\[\]]+                       # bare value
        ))?""",
    re.VERBOSE,
)


# --------------------------------------------------------------------------------------------
# header parsing


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if len(value) >= 2 and value[0] in "'{[" and value[-1] in "'}]":
        return value[1:-1]
    return value


def _parse_header(line: str, where: str) -> dict[str, str | None]:
    """Split the comment line into ``key -> raw value`` (None for a bare key)."""
    pairs: dict[str, str | None] = {}
    pos = 0
    text = line.rstrip("\r\n")
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _HEADER_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise InputError(f"{where}: malformed extended XYZ header near {text[pos:][:30]!r}")
        key, raw = match.group(1), match.group(2)
        pairs[key] = None if raw is None else _unquote(raw)
        pos = match.end()
    return pairs


def _lookup(pairs: dict[str, str | None], key: str) -> str | None:
    """Case-insensitive header lookup; a bare key counts as absent."""
    for name, value in pairs.items():
        if name.lower() == key:
            return value
    return None


def _info_value(raw: str | None) -> Any:
    """Header value -> bool, int, float, list of numbers, or str."""
    if raw is None:
        return True
    tokens = raw.split()
    if len(tokens) == 1:
        token = tokens[0]
        if token in ("T", "True", "true"):
            return True
        if token in ("F", "False", "false"):
            return False
    parsed: list[int | float] = []
    for token in tokens:
        try:
            parsed.append(int(token))
            continue
        except ValueError:
            pass
        try:
            parsed.append(float(token))
        except ValueError:
            return raw
    if len(parsed) == 1:
        return parsed[0]
    return parsed if parsed else raw


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # R, I, S or L
    width: int
    start: int


def _parse_properties(spec: str, where: str) -> list[_Column]:
    fields = spec.split(":")
    if len(fields) % 3 != 0 or not fields[0]:
        raise InputError(f"{where}: Properties={spec!r} is not a list of name:type:count triples")
    columns: list[_Column] = []
    start = 0
    seen: set[str] = set()
    for i in range(0, len(fields), 3):
        name, kind, count = fields[i], fields[i + 1], fields[i + 2]
        if kind not in ("R", "I", "S", "L"):
            raise InputError(f"{where}: property {name!r} has unknown type {kind!r}")
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"{where}: property {name!r} has invalid column count {count!r}")
        if name.lower() in seen:
            raise InputError(f"{where}: property {name!r} appears twice")
        seen.add(name.lower())
        columns.append(_Column(name, kind, int(count), start))
        start += int(count)
    return columns


def _lattice(pairs: dict[str, str | None], where: str) -> np.ndarray:
    raw = _lookup(pairs, "lattice")
    if raw is None:
        raise InputError(f"{where}: no Lattice in the header; pelkit needs a periodic box")
    values = parse_floats(raw.split(), f"{where}: Lattice")
    if values.size != 9:
        raise InputError(f"{where}: Lattice has {values.size} numbers, expected 9")
    cell = values.reshape(3, 3)
    diag = np.diag(cell).copy()
    off = cell - np.diag(diag)
    if np.any(np.abs(off) > 1e-12 * float(np.max(np.abs(diag)))):
        raise InputError(f"{where}: the lattice is not orthorhombic; pelkit handles only those")
    if np.any(diag <= 0.0):
        raise InputError(f"{where}: Lattice side lengths must be positive, got {diag.tolist()}")
    return diag


def _check_pbc(pairs: dict[str, str | None], where: str) -> bool:
    """True for a periodic box (no pbc key, or all T), False for open boundaries (all F)."""
    raw = _lookup(pairs, "pbc")
    if raw is None:
        return True
    flags = raw.split()
    if len(flags) != 3 or any(f not in ("T", "F", "True", "False", "1", "0") for f in flags):
        raise InputError(f"{where}: pbc={raw!r} is not three T/F flags")
    periodic = [f in ("T", "True", "1") for f in flags]
    if any(periodic) and not all(periodic):
        raise InputError(
            f"{where}: pbc={raw!r}; pelkit handles fully periodic or fully open boundaries only"
        )
    return all(periodic)


# --------------------------------------------------------------------------------------------
# reading


def _column_values(col: _Column, table: np.ndarray, where: str) -> np.ndarray:
    block = table[:, col.start : col.start + col.width]
    what = f"{where}: column {col.name!r}"
    if col.kind == "R":
        arr: np.ndarray = parse_floats(block, what)
    elif col.kind == "I":
        arr = parse_ints(block, what)
    elif col.kind == "L":
        lookup = {"T": True, "F": False, "True": True, "False": False, "1": True, "0": False}
        try:
            arr = np.vectorize(lookup.__getitem__, otypes=[bool])(block)
        except KeyError:
            raise InputError(f"{what}: expected logical values T or F") from None
    else:
        arr = block.astype(str)
    return arr[:, 0] if col.width == 1 else arr


def _species_codes(
    labels: np.ndarray, pairs: dict[str, str | None], has_diameters: bool, where: str
) -> tuple[np.ndarray | None, tuple[str, ...]]:
    raw_names = _lookup(pairs, "species_names")
    distinct = sorted(set(labels.tolist()))
    if raw_names is not None:
        names = tuple(raw_names.split())
        index = {name: i for i, name in enumerate(names)}
        missing = [label for label in distinct if label not in index]
        if missing:
            raise InputError(f"{where}: species {missing} are not in species_names={names}")
        return np.array([index[s] for s in labels.tolist()], dtype=np.int64), names
    if has_diameters and len(distinct) == 1:
        return None, (distinct[0],)
    index = {name: i for i, name in enumerate(distinct)}
    return np.array([index[s] for s in labels.tolist()], dtype=np.int64), tuple(distinct)


def _build_system(
    pairs: dict[str, str | None], table: np.ndarray, columns: list[_Column], where: str
) -> System:
    periodic = _check_pbc(pairs, where)
    lengths = _lattice(pairs, where) if periodic or _lookup(pairs, "lattice") else None
    by_name = {c.name.lower(): c for c in columns}
    values = {c.name.lower(): _column_values(c, table, where) for c in columns}

    def take(name: str, kind: str, width: int) -> np.ndarray | None:
        col = by_name.get(name)
        if col is None:
            return None
        if col.kind != kind or col.width != width:
            raise InputError(
                f"{where}: column {col.name!r} is {col.kind}:{col.width}, expected {kind}:{width}"
            )
        return values[name]

    pos = take("pos", "R", 3)
    if pos is None:
        raise InputError(f"{where}: Properties has no pos:R:3 column")
    origin_raw = _lookup(pairs, "origin")
    if origin_raw is not None:
        origin = parse_floats(origin_raw.split(), f"{where}: Origin")
        if origin.size != 3:
            raise InputError(f"{where}: Origin has {origin.size} numbers, expected 3")
        if np.any(origin != 0.0):
            pos = pos - origin

    diameters = take("diameter", "R", 1)
    if diameters is None and "radius" in by_name:
        radius = take("radius", "R", 1)
        assert radius is not None
        diameters = 2.0 * radius
    masses = take("masses", "R", 1)
    if masses is None:
        masses = take("mass", "R", 1)
    velocities = None
    for name in _VELOCITY_NAMES:
        if name in by_name:
            velocities = take(name, "R", 3)
            break
    if velocities is None and "momenta" in by_name:
        momenta = take("momenta", "R", 3)
        assert momenta is not None
        if masses is not None:
            velocities = momenta / masses[:, None]
    images = take("image", "I", 3)

    labels: np.ndarray
    if "pelkit_species" in by_name:
        labels = np.asarray(take("pelkit_species", "S", 1))
    elif "species" in by_name:
        if by_name["species"].kind != "S" or by_name["species"].width != 1:
            raise InputError(f"{where}: column 'species' must be S:1")
        labels = values["species"]
    elif "z" in by_name:
        labels = np.asarray(take("z", "I", 1)).astype(str)
    else:
        labels = np.full(len(pos), "A")
    species, names = _species_codes(labels, pairs, diameters is not None, where)

    info: dict[str, Any] = {}
    for key, raw in pairs.items():
        if key.lower() not in _RESERVED:
            info[key] = _info_value(raw)
    extra = {
        c.name: values[c.name.lower()] for c in columns if c.name.lower() not in _STANDARD_COLUMNS
    }
    if velocities is None and "momenta" in by_name:
        extra[by_name["momenta"].name] = values["momenta"]
    if extra:
        info["columns"] = extra
    if periodic:
        box = Box(lengths)
    else:
        box = Box.open(pos) if lengths is None else Box(lengths, periodic=False)
    return System(
        positions=pos,
        box=box,
        species=species,
        species_names=names,
        diameters=diameters,
        masses=masses,
        velocities=velocities,
        images=images,
        info=info,
    )


def _read_frame(handle: IO[str], source: str, state: list[int]) -> System | None:
    """Read the next frame; ``state`` = [line number, frame index]. None at end of file."""
    line = handle.readline()
    state[0] += 1
    while line and not line.strip():
        line = handle.readline()
        state[0] += 1
    if not line:
        return None
    frame = state[1]
    where = f"{source}, frame {frame}"
    here = f"{where} (line {state[0]})"
    try:
        n = int(line.strip())
    except ValueError:
        raise InputError(
            f"{here}: expected the number of particles, got {line.strip()[:40]!r}"
        ) from None
    if n < 1:
        raise InputError(f"{here}: number of particles must be positive, got {n}")
    header = handle.readline()
    state[0] += 1
    if not header:
        raise InputError(f"{where}: file ends before the header line")
    pairs = _parse_header(header, where)
    props = _lookup(pairs, "properties")
    columns = _parse_properties(props if props is not None else "species:S:1:pos:R:3", where)
    width = columns[-1].start + columns[-1].width
    rows: list[list[str]] = []
    for i in range(n):
        text = handle.readline()
        state[0] += 1
        if not text:
            raise InputError(f"{where}: file ends after {i} of {n} particle lines")
        tokens = text.split()
        if len(tokens) != width:
            raise InputError(
                f"{where} (line {state[0]}): {len(tokens)} columns, Properties needs {width}"
            )
        rows.append(tokens)
    table = np.array(rows, dtype=str)
    state[1] += 1
    return _build_system(pairs, table, columns, where)


def iter_extxyz(path: str | os.PathLike) -> Iterator[System]:
    """Iterate over the frames of an extended XYZ file, one :class:`System` per frame.

    Raises :class:`InputError` for a missing file, a malformed header or count line, wrong column
    counts, a non-orthorhombic or missing lattice, non-periodic ``pbc`` or non-finite numbers.
    """
    source = os.fspath(path)
    with open_text(path) as handle:
        state = [0, 0]
        while True:
            system = _read_frame(handle, source, state)
            if system is None:
                break
            yield system
    if state[1] == 0:
        raise InputError(f"{source}: no frames in the file")


def read_extxyz_frames(path: str | os.PathLike) -> list[System]:
    """All frames of an extended XYZ file, in file order."""
    return list(iter_extxyz(path))


def read_extxyz(path: str | os.PathLike, index: int = -1) -> System:
    """One frame of an extended XYZ file: ``index`` counts from 0, negative from the end (as ASE).

    The default ``-1`` is the last frame.
    """
    if index >= 0:
        for i, system in enumerate(iter_extxyz(path)):
            if i == index:
                return system
        raise InputError(f"{os.fspath(path)} has {i + 1} frames; frame {index} does not exist")
    keep: deque[System] = deque(maxlen=-index)
    count = 0
    for system in iter_extxyz(path):
        keep.append(system)
        count += 1
    if count < -index:
        raise InputError(f"{os.fspath(path)} has {count} frames; frame {index} does not exist")
    return keep[0]


# --------------------------------------------------------------------------------------------
# writing


def _check_label(name: str) -> None:
    if not name or any(ch.isspace() for ch in name) or any(ch in "\"'=:" for ch in name):
        raise InputError(
            f"species name {name!r} cannot be written to extended XYZ "
            "(it must be non-empty without spaces, quotes, '=' or ':')"
        )


def _info_token(value: Any) -> str | None:
    """Header text of an info value, or None when it has no extended XYZ form."""
    if isinstance(value, (bool, np.bool_)):
        return "T" if value else "F"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        if "\n" in value or "\r" in value:
            return None
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple, np.ndarray)):
        items = np.asarray(value).ravel().tolist() if isinstance(value, np.ndarray) else value
        if not items or not all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in items
        ):
            return None
        parts = [str(int(v)) if isinstance(v, (int, np.integer)) else repr(float(v)) for v in items]
        return '"' + " ".join(parts) + '"'
    return None


def _extra_block(
    name: str, value: ArrayLike, n: int, taken: set[str]
) -> tuple[str, str, int, list[str]]:
    # "momenta" is free when the frame has no velocities (momenta read without masses)
    reserved = (_STANDARD_COLUMNS - {"momenta"}) | taken
    if not _NAME_RE.fullmatch(name) or name.lower() in reserved:
        raise InputError(f"extra column name {name!r} is not a free identifier")
    arr = np.asarray(value)
    if arr.ndim not in (1, 2) or arr.shape[0] != n or (arr.ndim == 2 and arr.shape[1] < 1):
        raise InputError(
            f"extra column {name!r} has shape {arr.shape}, expected ({n},) or ({n}, k)"
        )
    width = 1 if arr.ndim == 1 else arr.shape[1]
    if np.issubdtype(arr.dtype, np.bool_):
        return name, "L", width, row_strings(np.where(arr, "T", "F"), "s")
    if np.issubdtype(arr.dtype, np.integer):
        return name, "I", width, row_strings(arr, "i")
    try:
        floats = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"extra column {name!r} must be numeric") from None
    if not np.all(np.isfinite(floats)):
        raise InputError(f"extra column {name!r} contains NaN or infinite values")
    return name, "R", width, row_strings(floats, "f")


def format_extxyz_frame(
    system: System,
    *,
    extra: Mapping[str, ArrayLike] | None = None,
    momenta: bool = False,
    species_names: Sequence[str] | None = None,
) -> str:
    """The text of one extended XYZ frame of ``system`` (see the module docstring for columns).

    Args:
        system: the configuration (positions (N, 3) wrapped, box, species or diameters, ...).
        extra: further per-particle columns, name -> array (N,) or (N, k) of float, int or bool,
            e.g. a displacement field (N, 3) for OVITO.
        momenta: also write ``momenta:R:3`` = m v so ASE's ``get_velocities()`` sees them.
        species_names: names written instead of ``system.species_names`` (same length), e.g.
            chemical symbols (then written as the ``species`` column, with no
            ``pelkit_species``).
    """
    n = system.n_particles
    names = tuple(system.species_names if species_names is None else species_names)
    if len(names) != len(system.species_names):
        raise InputError(
            f"species_names has {len(names)} names, the system has {len(system.species_names)}"
        )
    for name in names:
        _check_label(name)
    symbols = placeholder_symbols(names)
    codes = np.zeros(n, dtype=np.int64) if system.species is None else system.species
    blocks: list[tuple[str, str, int, list[str]]] = [
        ("species", "S", 1, [symbols[c] for c in codes.tolist()]),
        ("pos", "R", 3, row_strings(system.positions, "f")),
    ]
    if symbols != names:
        blocks.append(("pelkit_species", "S", 1, [names[c] for c in codes.tolist()]))
    if system.diameters is not None:
        blocks.append(("diameter", "R", 1, row_strings(system.diameters, "f")))
    assert system.masses is not None and system.images is not None
    # momenta kept from a file without masses (no velocities): unit masses here are unknown
    # masses, and writing them would turn those momenta into velocities on reading
    unknown_masses = (
        system.velocities is None
        and any(str(k).lower() == "momenta" for k in (extra or {}))
        and bool(np.all(system.masses == 1.0))
    )
    if not unknown_masses:
        blocks.append(("masses", "R", 1, row_strings(system.masses, "f")))
    if system.velocities is not None:
        blocks.append(("velo", "R", 3, row_strings(system.velocities, "f")))
        if momenta:
            blocks.append(
                ("momenta", "R", 3, row_strings(system.masses[:, None] * system.velocities, "f"))
            )
    blocks.append(("image", "I", 3, row_strings(system.images, "i")))
    taken = {b[0] for b in blocks}
    if system.velocities is not None:
        taken.add("momenta")
    for key, value in (extra or {}).items():
        blocks.append(_extra_block(key, value, n, taken))
        taken.add(key.lower())

    lx, ly, lz = system.box.lengths.tolist()
    lattice = f"{lx!r} 0.0 0.0 0.0 {ly!r} 0.0 0.0 0.0 {lz!r}"
    props = ":".join(f"{name}:{kind}:{width}" for name, kind, width, _ in blocks)
    pbc = "T T T" if system.box.periodic else "F F F"
    header = [f'Lattice="{lattice}"', f"Properties={props}", f'pbc="{pbc}"']
    if system.species is not None:
        header.append(f'species_names="{" ".join(names)}"')
    for key, value in system.info.items():
        if key == "columns" or not _NAME_RE.fullmatch(str(key)) or str(key).lower() in _RESERVED:
            continue
        token = _info_token(value)
        if token is not None:
            header.append(f"{key}={token}")
    lines = [" ".join(parts) for parts in zip(*(b[3] for b in blocks), strict=True)]
    return f"{n}\n" + " ".join(header) + "\n" + "\n".join(lines) + "\n"


def write_extxyz(
    path: str | os.PathLike,
    systems: System | Iterable[System],
    *,
    append: bool = False,
    extra: Mapping[str, ArrayLike] | Sequence[Mapping[str, ArrayLike] | None] | None = None,
    momenta: bool = False,
    species_names: Sequence[str] | None = None,
) -> int:
    """Write one or several frames to ``path`` (``append=True`` adds them to the end).

    ``extra`` is a mapping of extra columns for a single system, or a sequence with one mapping
    (or None) per frame. Returns the number of frames written.
    """
    frames = [systems] if isinstance(systems, System) else list(systems)
    if isinstance(extra, Mapping) or extra is None:
        extras: list[Mapping[str, ArrayLike] | None] = [extra] * len(frames)
    else:
        extras = list(extra)
        if len(extras) != len(frames):
            raise InputError(f"extra has {len(extras)} entries for {len(frames)} frames")
    texts = [
        format_extxyz_frame(s, extra=e, momenta=momenta, species_names=species_names)
        for s, e in zip(frames, extras, strict=True)
    ]
    with open_text(path, "a" if append else "w") as handle:
        for text in texts:
            handle.write(text)
    return len(texts)
