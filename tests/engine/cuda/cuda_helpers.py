"""Small systems and references for the CUDA simulator tests (kept tiny: the simulator runs
every CUDA thread as a Python thread)."""

from __future__ import annotations

import numpy as np

from pelkit.build import random_system
from pelkit.dynamics.md import maxwell_boltzmann
from pelkit.engine.cuda.plan import stack_systems
from pelkit.models.base import PairPotential
from pelkit.models.ka import kob_andersen
from pelkit.system import System


def ka_short() -> PairPotential:
    """Kob-Andersen cut (and shifted) at 1.5 sigma_ab: boxes of ~24 particles are legal."""
    return kob_andersen(x_cut=1.5)


def ka_systems(model: PairPotential, n: int, density: float, seeds) -> list[System]:
    """Relaxed random KA configurations (80:20), one per seed."""
    return [random_system(model, n, density, fractions=[0.8, 0.2], seed=s) for s in seeds]


def with_velocities(systems: list[System], temperature: float, seed: int) -> list[System]:
    """Copies with Maxwell-Boltzmann velocities at exactly ``temperature``."""
    out = []
    for r, s in enumerate(systems):
        c = s.copy()
        c.velocities = maxwell_boltzmann(c.masses, temperature, seed=seed + r)
        out.append(c)
    return out


def stacked(model: PairPotential, systems: list[System]):
    """(positions, boxes, species, diameters, velocities or None) replica-major."""
    pos, box, sp, dia = stack_systems(model, systems)
    vel = None
    if all(s.velocities is not None for s in systems):
        vel = np.stack([s.velocities for s in systems])
    return pos, box, sp, dia, vel
