"""Example input files shipped inside the package (so they exist after ``pip install``).

* ``ka_155.xyz``: a relaxed random Kob-Andersen 80:20 packing, N = 155, rho = 1.2
  (``pelkit build ka --n 155 --seed 1``), extended XYZ;
* ``network_three_minima.json``: a network of three minima for
  ``pelkit theory master-equation``.

    from pelkit.examples import example_path
    example_path("ka_155.xyz")     # e.g. for: pelkit energy PATH --model ka
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pelkit.errors import InputError

__all__ = ["example_names", "example_path"]


def example_names() -> list[str]:
    """Names of the shipped example files."""
    folder = resources.files(__name__)
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".xyz", ".json")))


def example_path(name: str) -> Path:
    """The path of the shipped example file ``name`` (see :func:`example_names`)."""
    if name not in example_names():
        raise InputError(f"no example {name!r}; shipped: {', '.join(example_names())}")
    return Path(str(resources.files(__name__) / name))
