"""Initial states: random packings at a given density and composition, softly relaxed.

Random uniform positions at glass-former densities overlap badly (KA at rho = 1.2 is beyond
random sequential addition), so the packing is relaxed by capped steepest descent on the model's
own potential until no pair is closer than the model's overlap distance and the largest force is
moderate; MD can start from the result. The relaxation is deterministic given the seed.
"""

from __future__ import annotations

import numpy as np

from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.models.ka import KA_DENSITY, KA_FRACTION_A
from pelkit.models.swap import SWAP_DENSITY, swap_diameters
from pelkit.system import Box, System


def composition_counts(n_particles: int, fractions: list[float]) -> list[int]:
    """Integer species counts for the given fractions (largest remainder rounding)."""
    fr = np.asarray(fractions, dtype=float)
    if np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
        raise InputError(f"species fractions must be non-negative and sum to 1, got {fractions}")
    raw = fr * n_particles
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts))
    for k in order[: n_particles - counts.sum()]:
        counts[k] += 1
    return counts.tolist()


def relax_overlaps(
    calc: Calculator,
    positions: np.ndarray,
    max_force: float = 100.0,
    max_steps: int = 5000,
    step_cap: float = 0.05,
) -> np.ndarray:
    """Capped steepest descent x <- x + min(dt |F|, cap) F/|F| per particle until max|F_i| <
    ``max_force`` and no pair overlaps. Returns the relaxed (N, 3) positions."""
    pos = positions.copy()
    dt = 1e-3
    for _ in range(max_steps):
        energy, forces = calc.energy_forces(pos)
        norms = np.sqrt(np.einsum("ij,ij->i", forces, forces))
        if norms.max() < max_force:
            break
        scale = np.minimum(dt, step_cap / np.maximum(norms, 1e-300))
        pos = pos + scale[:, None] * forces
    else:
        raise InputError(
            f"could not relax the random packing below max force {max_force} in {max_steps} steps"
        )
    return pos


def random_system(
    model: PairPotential,
    n_particles: int,
    density: float,
    fractions: list[float] | None = None,
    diameters: np.ndarray | None = None,
    seed: int = 0,
    relax: bool = True,
) -> System:
    """A random configuration of ``model`` at ``density``, relaxed so that MD can start.

    Args:
        model: the pair potential (species models use ``fractions``; diameter models need
            ``diameters`` (N,)).
        n_particles: N.
        density: number density N/V (cubic box).
        fractions: species fractions (species models), e.g. [0.8, 0.2] for KA.
        diameters: (N,) particle diameters (diameter models).
        seed: random seed (recorded in ``system.info['seed']``).
        relax: run the capped steepest-descent relaxation.
    """
    if n_particles < 2:
        raise InputError("need at least two particles")
    if not density > 0:
        raise InputError(f"density must be positive, got {density}")
    rng = np.random.default_rng(seed)
    side = (n_particles / density) ** (1.0 / 3.0)
    box = Box.cubic(side)
    species = None
    if model.uses_species:
        n_species = model.epsilon.shape[0]
        fr = fractions if fractions is not None else [1.0 / n_species] * n_species
        if len(fr) != n_species:
            raise InputError(
                f"model {model.name!r} has {n_species} species, got {len(fr)} fractions"
            )
        counts = composition_counts(n_particles, list(fr))
        species = rng.permutation(np.repeat(np.arange(n_species), counts)).astype(np.int64)
    elif diameters is None:
        raise InputError(f"model {model.name!r} needs particle diameters")
    positions = rng.random((n_particles, 3)) * side
    system = System(
        positions=positions,
        box=box,
        species=species,
        species_names=model.species_names,
        diameters=diameters,
        info={"seed": seed, "builder": "random_system"},
    )
    if relax:
        calc = Calculator(model, system, check_overlap=False)
        relaxed = relax_overlaps(calc, system.positions)
        system = system.with_positions(relaxed)
        system.images = np.zeros_like(system.images)
        Calculator(model, system)  # raises if overlaps remain
    return system


def kob_andersen_system(
    n_particles: int = 155, seed: int = 0, model: PairPotential | None = None
) -> System:
    """A relaxed random Kob-Andersen configuration (80:20, rho = 1.2)."""
    from pelkit.models.ka import kob_andersen

    return random_system(
        model or kob_andersen(),
        n_particles,
        KA_DENSITY,
        fractions=[KA_FRACTION_A, 1.0 - KA_FRACTION_A],
        seed=seed,
    )


def swap_system(
    n_particles: int = 500, seed: int = 0, model: PairPotential | None = None
) -> System:
    """A relaxed random configuration of the Khomenko, Reichman and Zamponi (2021) swap model (rho
    = 1, P(sigma) ~ sigma^-3)."""
    from pelkit.models.swap import swap_model

    return random_system(
        model or swap_model(),
        n_particles,
        SWAP_DENSITY,
        diameters=swap_diameters(n_particles, seed=seed),
        seed=seed,
    )
