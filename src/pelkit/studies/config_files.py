"""Study configurations from presets, TOML files and overrides, validated by pydantic.

Shared by the studies whose configuration is one flat pydantic model (``ka-landscape``,
``ka-entropy``, ``soft-modes``): a preset's values, updated by a TOML file (a run folder's own
``config.toml`` can be reused: its ``study_name`` key is dropped) and by keyword overrides
(``None`` means "not given"), then validated; every failure is one
:class:`~pelkit.errors.InputError` line naming the file or the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pelkit.errors import InputError

ConfigT = TypeVar("ConfigT", bound=BaseModel)


def validation_message(exc: ValidationError, study: str) -> str:
    """One line naming the first offending field, e.g. ``invalid ka-entropy config: t_min: ...``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "config"
    return f"invalid {study} config: {where}: {err['msg']}"


def validated(model: type[ConfigT], values: Mapping[str, Any], study: str) -> ConfigT:
    """``model(**values)`` without a ``study_name`` key; InputError naming the first bad field."""
    values = {k: v for k, v in values.items() if k != "study_name"}
    try:
        return model(**values)
    except ValidationError as exc:
        raise InputError(validation_message(exc, study)) from None


def quench_method(value: str) -> str:
    """``value`` if it names a minimizer of :data:`pelkit.landscape.minimize.METHODS` (for a
    pydantic field validator; a ValueError names the choices)."""
    from pelkit.landscape.minimize import METHODS

    if value not in METHODS:
        raise ValueError(f"quench_method must be one of {', '.join(METHODS)}")
    return value


def read_toml(config_file: str | Path) -> dict[str, Any]:
    """The tables of a TOML file; one InputError line when it is missing or not TOML."""
    path = Path(config_file)
    if not path.is_file():
        raise InputError(f"config file not found: {path}")
    try:
        return tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"config file {path} is not valid TOML: {exc}") from None


def preset_values(
    presets: Mapping[str, Mapping[str, Any]],
    preset: str,
    config_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The preset's values (with ``preset`` itself), updated by the TOML file and overrides."""
    if preset not in presets:
        raise InputError(f"unknown preset {preset!r}; choose one of {', '.join(presets)}")
    values: dict[str, Any] = dict(presets[preset], preset=preset)
    if config_file is not None:
        loaded = read_toml(config_file)
        loaded.pop("study_name", None)
        values.update(loaded)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return values
