"""Model pair potentials and their registry.

``get_model(name)`` knows the built-in models and any factory added with ``register_model``, and
also accepts ``path/to/file.py:factory`` or ``package.module:factory`` (a function returning a
:class:`PairPotential`). Built-in names:

    ka, ka-smooth, ka-force-shift        Kob-Andersen 80:20 (Kob and Andersen 1994, 1995)
    lj                                   monodisperse Lennard-Jones
    lj-cluster                           full-range Lennard-Jones for clusters (open boundaries)
    soft-sphere, soft-sphere-12, soft-sphere-6   inverse-power soft spheres (Buchenau 1992)
    swap                                 polydisperse non-additive swap model (Khomenko, Reichman
    and Zamponi 2021)
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from pelkit.errors import InputError
from pelkit.models.base import SCHEMES, KernelParams, PairPotential
from pelkit.models.ka import kob_andersen, lennard_jones, lennard_jones_cluster
from pelkit.models.soft_sphere import soft_spheres
from pelkit.models.swap import swap_model

_REGISTRY: dict[str, Callable[[], PairPotential]] = {
    "ka": lambda: kob_andersen("shift"),
    "ka-smooth": lambda: kob_andersen("smooth"),
    "ka-force-shift": lambda: kob_andersen("force-shift"),
    "lj": lambda: lennard_jones(),
    "lj-cluster": lennard_jones_cluster,
    "soft-sphere": lambda: soft_spheres(12),
    "soft-sphere-12": lambda: soft_spheres(12),
    "soft-sphere-6": lambda: soft_spheres(6),
    "swap": swap_model,
}


def register_model(name: str, factory: Callable[[], PairPotential]) -> None:
    """Make ``get_model(name)`` return ``factory()``."""
    _REGISTRY[name] = factory


def model_names() -> list[str]:
    """Names known to :func:`get_model`."""
    return sorted(_REGISTRY)


def _load_factory(spec: str) -> Callable[[], PairPotential]:
    target, _, func = spec.rpartition(":")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise InputError(f"model file not found: {target}")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise InputError(f"cannot load model file {target}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise InputError(f"cannot import model module {target!r}: {exc}") from None
    factory = getattr(module, func, None)
    if not callable(factory):
        raise InputError(f"{target} has no model factory named {func!r}")
    return factory


def get_model(name: str, scheme: str | None = None) -> PairPotential:
    """Build the model ``name`` (optionally with another cutoff ``scheme``)."""
    if name in _REGISTRY:
        model = _REGISTRY[name]()
    elif ":" in name:
        model = _load_factory(name)()
        if not isinstance(model, PairPotential):
            raise InputError(f"{name} did not return a PairPotential")
    else:
        raise InputError(f"unknown model {name!r}; known models: {', '.join(model_names())}")
    if scheme is not None:
        model = model.with_scheme(scheme)
    return model


__all__ = [
    "SCHEMES",
    "KernelParams",
    "PairPotential",
    "get_model",
    "kob_andersen",
    "lennard_jones",
    "lennard_jones_cluster",
    "model_names",
    "register_model",
    "soft_spheres",
    "swap_model",
]
