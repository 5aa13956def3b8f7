"""What every ``pelkit`` subcommand shares: one error guard, JSON output, the loader of model and
configuration, output-path checks and the common option definitions.

A command is written once in this style::

    @cli_command
    def energy(path: Path = config_argument(), model: str = model_option(),
               scheme: str = scheme_option(), species_map: list[str] = species_map_option(),
               as_json: bool = json_option()) -> None:
        pot, system = load_model_system(path, model, scheme, species_map)
        emit(summarize(pot, system), as_json, human)

:func:`cli_command` turns expected failures (:class:`~pelkit.errors.InputError`, operating-system
errors such as a missing folder, a read-only file system or a directory given as a file) into one
line ``pelkit: error: ...`` on stderr and exit status 2; a Ctrl-C becomes one line and exit 130.
Units in help texts: reduced Lennard-Jones units (energy eps, length sigma, time tau =
sigma sqrt(m/eps), temperature eps/k_B, force eps/sigma).
"""

from __future__ import annotations

import errno
import functools
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import numpy as np
import typer

from pelkit.errors import InputError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])

# ------------------------------------------------------------------------------ JSON output


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays (recursively) into plain JSON types.

    Non-finite floats become ``None`` (JSON has no NaN/inf), so outputs stay strict JSON.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(result: dict[str, Any]) -> str:
    """Serialise a result dictionary to indented strict JSON."""
    return json.dumps(to_jsonable(result), indent=2, allow_nan=False)


def emit(result: dict[str, Any], as_json: bool, human: str | None = None) -> None:
    """Print ``result`` as JSON (``as_json``) or as the human-readable text ``human``."""
    if as_json:
        typer.echo(dumps(result))
    else:
        typer.echo(human if human is not None else dumps(result))


# ------------------------------------------------------------------------------ errors


def fail(message: str, status: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one error line on stderr and exit with ``status`` (2: bad input)."""
    sys.stderr.write(f"pelkit: error: {message}\n")
    raise SystemExit(status)


def _os_message(exc: OSError) -> str:
    """One line for an operating-system error, naming the file."""
    name = exc.filename or ""
    if exc.filename2:
        name = f"{name} -> {exc.filename2}"
    if isinstance(exc, FileNotFoundError):
        parent = Path(str(exc.filename)).parent if exc.filename else None
        if parent is not None and str(parent) not in ("", ".") and not parent.exists():
            return f"folder does not exist: {parent} (for {name})"
        return f"file not found: {name or exc}"
    if isinstance(exc, IsADirectoryError):
        return f"is a directory, not a file: {name or exc}"
    if isinstance(exc, NotADirectoryError):
        return f"not a directory (a file is in the way): {name or exc}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {name or exc}"
    if isinstance(exc, FileExistsError):
        return f"already exists: {name or exc}"
    if exc.errno == errno.EROFS:
        return f"read-only file system: {name or exc}"
    if exc.errno == errno.ENOSPC:
        return f"no space left on device: {name or exc}"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}: {name}" if name else f"{reason}"


def error_message(exc: BaseException) -> str | None:
    """The one-line message of an expected failure, or None for a bug (to be re-raised)."""
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"not a text file ({exc.reason})"
    return None


def guard(exc: BaseException) -> NoReturn:
    """Map an expected failure to :func:`fail` (exit 2) or a Ctrl-C to exit 130; re-raise
    anything else (a bug keeps its traceback)."""
    if isinstance(exc, KeyboardInterrupt):
        fail("interrupted", EXIT_INTERRUPTED)
    message = error_message(exc)
    if message is not None:
        fail(message)
    raise exc


def cli_command(func: F) -> F:
    """Decorator for a command body: expected failures become one line and exit 2 (see
    :func:`guard`); ``SystemExit`` and ``typer.Exit`` pass through. The signature (Typer's
    options) is kept."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SystemExit, typer.Exit):
            raise
        except BaseException as exc:  # noqa: BLE001 - guard re-raises what is not bad input
            guard(exc)

    wrapper.pelkit_cli_command = True  # type: ignore[attr-defined] - checked by the tests
    return wrapper  # type: ignore[return-value]


#: Old name of :func:`cli_command`.
guarded = cli_command

# ------------------------------------------------------------------------------ outputs


def check_output(
    path: Path | None,
    *,
    suffixes: Sequence[str] | None = None,
    what: str = "--out",
    overwrite: bool = True,
    configuration: bool = False,
) -> Path | None:
    """Check an output file before any work: its folder exists and is writable, the path is not
    a folder, its extension is one of ``suffixes`` (or a configuration format when
    ``configuration``), and (unless ``overwrite``) it does not exist. Returns ``path``."""
    if path is None:
        return None
    path = Path(path)
    if configuration:
        from pelkit.io.formats import detect_format

        detect_format(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise InputError(f"{what} {path}: expected a {' or '.join(suffixes)} file")
    if path.is_dir():
        raise InputError(f"{what} {path} is a directory, not a file")
    parent = path.parent
    if not parent.exists():
        raise InputError(f"{what} {path}: output folder does not exist: {parent}")
    if not parent.is_dir():
        raise InputError(f"{what} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: folder {parent} is not writable")
    if path.exists():
        if not overwrite:
            raise InputError(f"{what} {path} exists; remove it or choose another name")
        if not os.access(path, os.W_OK):
            raise InputError(f"{what} {path} exists and is not writable")
    return path


def check_output_folder(path: Path | None, what: str = "--plot") -> Path | None:
    """Check (creating it if needed) an output folder before any work. Returns ``path``."""
    if path is None:
        return None
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: folder is not writable")
    return path


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file (``b`` need not exist)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def mark_partial(path: Path, reason: str) -> Path:
    """Rename a failed run's output ``x.ext`` to ``x.ext.partial`` (replacing an older one) and
    return the new path; HDF5 files also get root attributes ``partial = True`` and
    ``partial_reason``."""
    path = Path(path)
    if path.suffix.lower() in (".h5", ".hdf5"):
        try:
            import h5py

            with h5py.File(path, "r+") as f:
                f.attrs["partial"] = True
                f.attrs["partial_reason"] = reason
        except OSError:
            pass
    target = path.with_name(path.name + ".partial")
    os.replace(path, target)
    return target


# ------------------------------------------------------------------------------ loading


def parse_species_map(items: Sequence[str] | None) -> dict[str, str] | None:
    """``["B=A", "C=A"]`` (or ``["B=A,C=A"]``) -> ``{"B": "A", "C": "A"}``: file species B is
    treated as the model's species A."""
    if not items:
        return None
    mapping: dict[str, str] = {}
    for text in items:
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise InputError(
                    f"--species-map expects FILE_SPECIES=MODEL_SPECIES (e.g. B=A), got {item!r}"
                )
            mapping[key.strip()] = value.strip()
    return mapping or None


def load_model(model: str, scheme: str | None = None):  # noqa: ANN201 - PairPotential
    """The named model (with the cutoff ``scheme`` override, if any)."""
    from pelkit.models import get_model

    return get_model(model, scheme)


def load_model_system(
    path: Path,
    model: str,
    scheme: str | None = None,
    species_map: Sequence[str] | dict[str, str] | None = None,
    *,
    frame: int = -1,
):  # noqa: ANN201 - (PairPotential, System)
    """Model and one configuration (frame ``frame`` of the file), species checked against the
    model: a species the model does not know is an error unless ``species_map`` maps it."""
    from pelkit.io.formats import read_system
    from pelkit.models.base import match_species

    pot = load_model(model, scheme)
    mapping = species_map if isinstance(species_map, dict) else parse_species_map(species_map)
    return pot, match_species(pot, read_system(path, frame=frame), species_map=mapping)


def load_model_frames(
    path: Path,
    model: str,
    scheme: str | None = None,
    species_map: Sequence[str] | dict[str, str] | None = None,
):  # noqa: ANN201 - (PairPotential, list[System])
    """Model and every frame of a file, species checked as in :func:`load_model_system`."""
    from pelkit.io.frames import read_frames
    from pelkit.models.base import match_species

    pot = load_model(model, scheme)
    mapping = species_map if isinstance(species_map, dict) else parse_species_map(species_map)
    return pot, [match_species(pot, s, species_map=mapping) for s in read_frames(path)]


def positive(value: float | int | None, name: str, allow_zero: bool = False) -> None:
    """Refuse a non-finite or non-positive (or negative, with ``allow_zero``) number."""
    if value is None:
        return
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise InputError(f"{name} must be {kind}, got {value}")


# ------------------------------------------------------------------------------ options
#: The one convention of list options: repeat the flag or comma-separate the values (or both).
LIST_HELP = "repeat the option or comma-separate values"
# Factories (a fresh Typer OptionInfo per command), so that a flag means the same everywhere.


def config_argument(help: str = "Configuration file (.xyz/.extxyz, LAMMPS .data/.dump, .h5: "
                    "last frame).") -> Any:
    """The configuration file argument."""
    return typer.Argument(..., help=help)


def model_option(default: Any = ...) -> Any:
    """``--model/-m``: a pair-potential model."""
    return typer.Option(default, "--model", "-m", help="Model name (list: `pelkit models`).")


def scheme_option() -> Any:
    """``--scheme``: the cutoff scheme override."""
    return typer.Option(
        None, "--scheme", help="Override the model's cutoff scheme: none, shift, force-shift "
        "or smooth."
    )


def species_map_option() -> Any:
    """``--species-map``: an explicit mapping of file species to model species."""
    return typer.Option(
        None, "--species-map", help="Treat a species of the file as one of the model: "
        f"FILE=MODEL; {LIST_HELP} (e.g. B=A). Without it, a species the model does not know is "
        "an error."
    )


def json_option() -> Any:
    """``--json``: machine-readable output on stdout."""
    return typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


def quiet_option() -> Any:
    """``--quiet/-q``: no progress display."""
    return typer.Option(False, "--quiet", "-q", help="No progress display on stderr.")


def seed_option() -> Any:
    """``--seed`` (every command that takes one records it in its output)."""
    return typer.Option(0, "--seed", help="Random seed (recorded in the output).")


def temperature_option(default: Any = ..., help: str | None = None) -> Any:
    """``--temperature/-T`` in eps/k_B."""
    return typer.Option(
        default, "--temperature", "-T", help=help or "Temperature (eps/k_B)."
    )


def fmax_option(default: float) -> Any:
    """``--fmax`` in eps/sigma."""
    return typer.Option(default, "--fmax", help="Convergence: largest per-particle force "
                        "(eps/sigma).")


def steps_option(default: Any = ..., help: str = "Number of MD steps (0: evaluate the start "
                 "state only).") -> Any:
    """``--steps`` (no short form: ``-n`` is a count of something else in other commands)."""
    return typer.Option(default, "--steps", help=help)


def out_option(help: str, default: Any = None) -> Any:
    """``--out/-o``: the output file of a command."""
    return typer.Option(default, "--out", "-o", help=help)


def plot_option() -> Any:
    """``--plot DIR`` (the command's docstring says which figures)."""
    return typer.Option(None, "--plot", help="Write the PNG figures into this folder (created "
                        "if missing).")


def max_iterations_option(default: int, help: str = "Stop after this many iterations.") -> Any:
    """``--max-iterations``."""
    return typer.Option(default, "--max-iterations", help=help)


def threads_option() -> Any:
    """``--threads``: CPU threads of a batched run."""
    return typer.Option(None, "--threads", help="CPU threads of a batched run (default: all "
                        "cores).")


def device_option(help_default: str = "cpu") -> Any:
    """``--device``: where a batched run goes."""
    return typer.Option(None, "--device", help="cpu, gpu or auto (the GPU when numba-cuda finds "
                        f"one); default: {help_default}.")


def images_option(default: int) -> Any:
    """``--images``: NEB images, end points included."""
    return typer.Option(default, "--images", help="NEB images, end points included.")


def n_rates_option(default: int | None) -> Any:
    """``--n-rates``: how many of the lowest relaxation rates to report."""
    return typer.Option(default, "--n-rates", help="How many of the lowest relaxation rates to "
                        "report.")


# ------------------------------------------------------------------------------ list options


def list_option(*names: str, help: str, example: str) -> Any:
    """A list option (``--beta 0.2 --beta 0.5`` or ``--beta 0.2,0.5``): Typer collects the
    repeats, :func:`parse_numbers` or :func:`parse_items` splits the commas."""
    return typer.Option(None, *names, help=f"{help}; {LIST_HELP} ({example}).")


def parse_items(values: Sequence[str] | None) -> list[str]:
    """``["1,2", "3"]`` -> ``["1", "2", "3"]`` (empty items dropped)."""
    return [item.strip() for text in values or [] for item in str(text).split(",")
            if item.strip()]


def parse_numbers(
    values: Sequence[str] | None, name: str, *, integer: bool = False, minimum: float | None = None
) -> list[float]:
    """Numbers of a list option (repeated and/or comma-separated); an
    :class:`~pelkit.errors.InputError` names the first item that is not a finite number (or an
    integer, or below ``minimum``)."""
    out: list[Any] = []
    for item in parse_items(values):
        try:
            value: float = int(item) if integer else float(item)
        except ValueError:
            kind = "integers" if integer else "numbers"
            raise InputError(f"{name} expects {kind}, got {item!r}") from None
        if not math.isfinite(value):
            raise InputError(f"{name} expects finite numbers, got {item!r}")
        if minimum is not None and value < minimum:
            raise InputError(f"{name} expects numbers >= {minimum:g}, got {item!r}")
        out.append(value)
    return out
