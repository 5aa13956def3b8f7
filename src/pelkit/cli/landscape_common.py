"""Shared plumbing of the landscape-exploration commands (saddle, connect, basin-hopping, db)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pelkit.errors import InputError


def load_minimum(path: Path, model, calc=None, fmax: float = 1e-6,  # noqa: ANN001, ANN201
                 system=None):  # noqa: ANN001
    """(system, energy, quenched): the configuration in ``path`` (or ``system``, already read
    from it), quenched (L-BFGS to 1e-10) if its largest force exceeds ``fmax``."""
    from pelkit.engine.calculator import Calculator
    from pelkit.io.formats import read_system
    from pelkit.landscape.quench import quench

    system = read_system(path) if system is None else system
    calc = calc or Calculator(model, system)
    e, f = calc.energy_forces(system.positions)
    if float(np.sqrt((f * f).sum(axis=1)).max()) <= fmax:
        return system, e, False
    q = quench(model, system, method="lbfgs", fmax=1e-10, calculator=calc)
    if not q.minimize.converged:
        raise InputError(
            f"{path}: the quench did not converge (max force {q.minimize.max_force:.3g})"
        )
    return q.system, q.energy, True


def open_database(path: Path, system, model_name: str, surface=None):  # noqa: ANN001, ANN201
    """A LandscapeDatabase computing harmonic data with ``surface`` for new entries."""
    from pelkit.landscape.database import LandscapeDatabase

    factory = None if surface is None else (lambda _s: surface)
    return LandscapeDatabase(path, system, model=model_name, surface_factory=factory)


def check_positive(name: str, value: float) -> None:
    """InputError unless value is a finite positive number."""
    if not (np.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive number, got {value}")
