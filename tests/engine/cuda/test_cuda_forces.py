"""Batched GPU forces (CUDA simulator) against the single-system CPU engine, replica by replica."""

from __future__ import annotations

import numpy as np
import pytest
from cuda_helpers import ka_systems

from pelkit.build import kob_andersen_system, random_system, swap_system
from pelkit.engine.calculator import Calculator
from pelkit.engine.cuda import batched_forces, cuda_available, device_name, is_simulator
from pelkit.engine.cuda.plan import stack_systems
from pelkit.errors import InputError
from pelkit.models import get_model
from pelkit.models.custom import yukawa
from pelkit.models.ka import kob_andersen
from pelkit.models.soft_sphere import binary_diameters, soft_spheres
from pelkit.system import Box, System

TOL = 1e-12


def scaled(system: System, factor: float) -> System:
    """The configuration in a box scaled by ``factor`` (another density, another box)."""
    new = system.copy()
    return System(
        positions=system.positions * factor, box=Box(system.box.lengths * factor),
        species=new.species, species_names=new.species_names, diameters=new.diameters,
    )


def check_against_cpu(model, systems, threads=None) -> None:
    pos, box, sp, dia = stack_systems(model, systems)
    ev = batched_forces(model, pos, box, species=sp, diameters=dia, threads=threads)
    assert ev.energies.shape == (len(systems),)
    assert ev.forces.shape == pos.shape
    for r, s in enumerate(systems):
        calc = Calculator(model, s)
        ref = calc.evaluate()
        # scale of the sums: sum of |per-particle energies| (no cancellation in it)
        e_scale = max(abs(ref.energy), float(np.abs(calc.per_particle_energies()).sum()))
        assert abs(ev.energies[r] - ref.energy) <= TOL * e_scale, (r, ev.energies[r], ref.energy)
        assert abs(ev.virials[r] - ref.virial) <= TOL * max(abs(ref.virial), e_scale), r
        f_scale = float(np.abs(ref.forces).max())
        err = float(np.abs(ev.forces[r] - ref.forces).max())
        assert err <= TOL * f_scale, (r, err, f_scale)


def test_simulator_is_the_device():
    assert cuda_available()
    if is_simulator():
        assert device_name() == "CUDA simulator"
        assert not cuda_available(simulator=False)


def test_kob_andersen_two_replicas_different_boxes():
    """KA (LJ form, species tables), N = 155: rho = 1.2 and a replica at rho = 1.2/1.03^3,
    with different species permutations; 64 threads so positions come in 3 tiles."""
    model = kob_andersen()
    a = kob_andersen_system(155, seed=1)
    b = scaled(kob_andersen_system(155, seed=2), 1.03)
    assert not np.array_equal(a.species, b.species)
    check_against_cpu(model, [a, b], threads=64)


def test_swap_model_per_replica_diameters_and_boxes():
    """Non-additive diameters, even polynomial g (FORM_EVEN): each replica its own diameters."""
    model = get_model("swap")
    a = swap_system(80, seed=3)
    b = scaled(swap_system(80, seed=4), 1.02)
    assert not np.allclose(a.diameters, b.diameters)
    check_against_cpu(model, [a, b])


def test_soft_spheres_smooth_odd_form():
    """Additive diameters with the smooth cutoff (odd powers: Horner in x), 16 threads."""
    model = soft_spheres(12, x_cut=1.5)
    systems = [
        random_system(model, 40, 0.8, diameters=binary_diameters(40, ratio=1.2, seed=s), seed=s)
        for s in (5, 6)
    ]
    check_against_cpu(model, systems, threads=16)


def test_species_with_smooth_cutoff():
    model = kob_andersen(scheme="smooth", x_cut=1.5)
    check_against_cpu(model, ka_systems(model, 30, 0.9, (7, 8)), threads=32)


def test_unsupported_potential_is_refused():
    model = yukawa()
    s = random_system(model, 30, 0.1, seed=0, relax=False)
    with pytest.raises(InputError, match="GPU backend does not support"):
        batched_forces(model, s.positions[None], s.box.lengths)


def test_box_shorter_than_two_cutoffs_is_refused():
    model = kob_andersen()
    s = kob_andersen_system(155, seed=1)
    boxes = np.stack([s.box.lengths, s.box.lengths * 0.9])
    with pytest.raises(InputError, match="replica 1"):
        batched_forces(model, np.stack([s.positions] * 2), boxes, species=s.species)
