"""Deprecated aliases: one warning text and one module ``__getattr__`` for moved names.

Old names are kept for one release after a move or rename; using them emits a
:class:`DeprecationWarning` that names the replacement.
"""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def warn_deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` (removed in the next release).

    ``stacklevel`` 3 points at the caller of the function that calls this one.
    """
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def moved_names(module: str, names: Iterable[str], target: str) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` serving ``names`` of ``module`` from module ``target``.

    ``target`` is imported only when one of the names is used, so the old module does not
    depend on the new one at import time; each use warns (:func:`warn_deprecated`).
    """
    moved = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warn_deprecated(f"{module}.{name}", f"{target}.{name}")
        return getattr(importlib.import_module(target), name)

    return __getattr__


def renamed_names(
    module: str, renames: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` serving old names of ``module`` that were renamed in place.

    ``renames`` maps each old name to its new name in the same module; ``namespace`` is the
    module's ``globals()``. Each use of an old name warns (:func:`warn_deprecated`) and returns
    the object now bound to the new name, so ``from module import old`` keeps working.
    """
    table = dict(renames)

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warn_deprecated(f"{module}.{name}", f"{module}.{table[name]}")
        return namespace[table[name]]

    return __getattr__


def options_with_legacy(
    cls: type[T], options: T | None, legacy: Mapping[str, Any], where: str
) -> T:
    """The options dataclass of a function whose tuning keywords moved into ``cls``.

    ``options`` is what the caller passed (None: the defaults of ``cls``); ``legacy`` holds the
    old keyword arguments the caller still passed directly (the function's ``**legacy``). They
    are applied on top of ``options`` with a :class:`DeprecationWarning` naming ``cls``; a
    keyword that is no field of ``cls`` raises :class:`TypeError`, as Python would.
    """
    base = cls() if options is None else options
    if not legacy:
        return base
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(legacy) - names)
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")
    given = ", ".join(f"{k}=" for k in sorted(legacy))
    warn_deprecated(f"{where}({given}...)", f"{where}(options={cls.__name__}({given}...))",
                    stacklevel=4)
    return dataclasses.replace(base, **legacy)  # type: ignore[type-var]
