"""TLS survey: paths between the minima of a pair, with the study's configuration.

Orchestration only: the study's :class:`~pelkit.studies.tls_qlm.config.NEBConfig` becomes a
:class:`~pelkit.landscape.paths.NEBSettings` and the general tools of
:mod:`pelkit.landscape.paths` do the work (CI-NEB of Henkelman, Uberuaga & Jonsson, J. Chem.
Phys. 113, 9901 (2000); splitting at interior minima; double-well quantities and tunnel
splittings).

Orientation: minimum A of a pair is arbitrary; a rule such as "A is the lower minimum" would bias
every quantity measured at A (modes, overlaps with r_tan, omega_tan). The study orients each pair
at random with the pair task's recorded seed (``orientation="given"`` here, after the caller's
coin flip); ``orientation="lower"`` keeps the earlier rule (every segment with A the lower end).
Sub-segments of a split path keep the order of the chain from A to B. See
``docs/physics/tls-qlm.md``.

The names that moved to :mod:`pelkit.landscape.paths` (``BandEnergy``, ``Segment``,
``PairPaths``, ``end_continuations``, ``double_well_quantities``) and :func:`neb_between` remain
here as deprecated aliases for one release.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.deprecation import moved_names, warn_deprecated
from pelkit.landscape import paths as landscape_paths
from pelkit.landscape.neb import NEBResult
from pelkit.landscape.paths import (
    BandEnergy,
    NEBSettings,
    PairPaths,
    SplitOptions,
    connect_minima,
    neb_in_box,
)
from pelkit.models.base import PairPotential
from pelkit.studies.tls_qlm.config import NEBConfig
from pelkit.system import System

FloatArray = NDArray[np.float64]


def neb_settings(
    cfg: NEBConfig, n_images: int | None = None, max_iterations: int | None = None
) -> NEBSettings:
    """The band settings of ``cfg``, with the band size and iteration limit overridable."""
    return NEBSettings(
        n_images=n_images or cfg.n_images, spring_constant=cfg.spring_constant, fmax=cfg.fmax,
        climb=cfg.climb, climb_fmax=cfg.climb_fmax,
        max_iterations=max_iterations or cfg.max_iterations, method=cfg.method,
        initial_path=cfg.initial_path, lbfgs_max_step=cfg.lbfgs_max_step,
        fallback_patience=cfg.fallback_patience,
    )


def run_neb(energy: BandEnergy, x_a: FloatArray, x_b: FloatArray, system: System,
            cfg: NEBConfig, n_images: int | None = None,
            max_iterations: int | None = None) -> NEBResult:
    """CI-NEB between ``x_a`` and ``x_b`` with the settings of ``cfg`` (band size and iteration
    limit overridable), minimum image in ``system``'s box, its masses."""
    return neb_in_box(energy, x_a, x_b, system, neb_settings(cfg, n_images, max_iterations))


def connect_pair(
    model: PairPotential,
    system: System,
    x_a: FloatArray,
    e_a: float,
    x_b: FloatArray,
    e_b: float,
    cfg: NEBConfig,
    quench_method: str = "lbfgs",
    quench_fmax: float = 1e-10,
    de: float = 1e-7,
    dr: float = 0.005,
    orientation: str = "given",
) -> PairPaths:
    """:func:`pelkit.landscape.paths.connect_minima` with the settings of ``cfg`` (its band
    settings, ``max_depth`` and ``wiggle_tol``); the other arguments are passed on."""
    split = SplitOptions(max_depth=cfg.max_depth, quench_method=quench_method,
                         quench_fmax=quench_fmax, de=de, dr=dr)
    return connect_minima(
        model, system, x_a, e_a, x_b, e_b, settings=neb_settings(cfg), split=split,
        wiggle_tol=cfg.wiggle_tol, orientation=orientation,
    )


def neb_between(
    model: PairPotential,
    system_a: System,
    system_b: System,
    *,
    out: str | None = None,
    **keywords: Any,
) -> dict:
    """Deprecated: use :func:`pelkit.landscape.paths.neb_between` (and
    :func:`pelkit.io.paths.write_path_between` for ``out``). Returns the JSON summary.

    ``keywords`` are the old ones: the fields of :class:`~pelkit.landscape.paths.NEBSettings`
    (n_images, climb, spring_constant, fmax, climb_fmax, max_iterations, method,
    initial_path) and endpoint_fmax, quench_ends, quench_fmax, wiggle_tol (wiggle_tol 1e-8
    by default, as before).
    """
    warn_deprecated("pelkit.studies.tls_qlm.paths.neb_between",
                    "pelkit.landscape.paths.neb_between (and pelkit.io.paths.write_path_between)")
    from pelkit.io.paths import write_path_between

    pipeline = {"endpoint_fmax": 1e-6, "quench_ends": True, "quench_fmax": 1e-10,
                "wiggle_tol": 1e-8}
    old_names = set(pipeline) | {"n_images", "climb", "spring_constant", "fmax", "climb_fmax",
                                 "max_iterations", "method", "initial_path"}
    unknown = sorted(set(keywords) - old_names)
    if unknown:
        raise TypeError(f"neb_between() got an unexpected keyword argument {unknown[0]!r}")
    for name in pipeline:
        pipeline[name] = keywords.pop(name, pipeline[name])
    settings = NEBSettings(**keywords)
    path = landscape_paths.neb_between(model, system_a, system_b, settings=settings, **pipeline)
    if out is not None:
        write_path_between(out, path)
    summary = path.summary()
    summary["out"] = None if out is None else str(out)
    return summary


# deprecated aliases of the names moved to pelkit.landscape.paths
__getattr__ = moved_names(
    __name__, ("Segment", "end_continuations", "double_well_quantities"), "pelkit.landscape.paths"
)
