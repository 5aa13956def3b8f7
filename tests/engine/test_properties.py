"""Property tests (hypothesis) of the Calculator over random orthorhombic boxes, compositions and
configurations: energy equals a naive O(N^2) sum, Newton's third law, translation invariance,
Hessian symmetry; and the InputError paths (box too small, NaN positions, overlaps).

Configurations are jittered simple-cubic lattices (spacing >= 1 sigma, jitter < 0.25 sigma), so no
two particles overlap whatever the draw; species are assigned at random with a drawn fraction.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from potential_checks import (
    KA_EPS,
    KA_SIG,
    ReferencePotential,
    lj_g,
    naive_energy,
    naive_forces,
    power_g,
)

from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.models.ka import kob_andersen
from pelkit.models.soft_sphere import soft_spheres
from pelkit.system import Box, System

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

SCHEMES = ("none", "shift", "force-shift", "smooth")


@st.composite
def ka_configurations(draw) -> tuple[System, str]:
    """A KA system in a random orthorhombic box (sides 5.05..7.5) with a random A fraction."""
    cells = [draw(st.integers(5, 7)) for _ in range(3)]
    spacing = [draw(st.floats(1.01, 1.07)) for _ in range(3)]
    lengths = np.array(cells) * np.array(spacing)
    fraction_b = draw(st.floats(0.0, 1.0))
    jitter = draw(st.floats(0.0, 0.24))
    seed = draw(st.integers(0, 2**31 - 1))
    scheme = draw(st.sampled_from(SCHEMES))
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(c) for c in cells], indexing="ij"), -1).reshape(-1, 3)
    pos = (grid + 0.5) * (lengths / cells) + rng.uniform(-jitter, jitter, size=grid.shape)
    species = (rng.random(len(pos)) < fraction_b).astype(np.int64)
    return System(positions=pos, box=Box(lengths), species=species), scheme


@st.composite
def soft_sphere_configurations(draw) -> tuple[System, float, str]:
    """Polydisperse soft spheres (diameters 0.8..1.1) in a random orthorhombic box; exponents
    include |p| >= 64, where the force kernel's integer-power tables give way to pow."""
    cells = [draw(st.integers(5, 6)) for _ in range(3)]
    spacing = [draw(st.floats(1.12, 1.25)) for _ in range(3)]
    lengths = np.array(cells) * np.array(spacing)
    seed = draw(st.integers(0, 2**31 - 1))
    exponent = draw(st.sampled_from([6.0, 9.0, 12.0, 64.0, 100.0]))
    scheme = draw(st.sampled_from(SCHEMES))
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(c) for c in cells], indexing="ij"), -1).reshape(-1, 3)
    pos = (grid + 0.5) * (lengths / cells) + rng.uniform(-0.05, 0.05, size=grid.shape)
    diameters = rng.uniform(0.8, 1.1, size=len(pos))
    return System(positions=pos, box=Box(lengths), diameters=diameters), exponent, scheme


def ka_reference(scheme: str) -> ReferencePotential:
    return ReferencePotential(lj_g, 2.5, scheme, "species", KA_EPS, KA_SIG)


@SETTINGS
@given(ka_configurations())
def test_ka_energy_equals_naive_sum(config) -> None:
    system, scheme = config
    calc = Calculator(kob_andersen(scheme), system)
    want = naive_energy(ka_reference(scheme), system, system.positions)
    assert calc.energy() == pytest.approx(want, rel=1e-12, abs=1e-10)


@SETTINGS
@given(soft_sphere_configurations())
def test_soft_sphere_energy_and_forces_equal_naive_sums(config) -> None:
    system, exponent, scheme = config
    model = soft_spheres(exponent, x_cut=2.2, scheme=scheme)
    calc = Calculator(model, system)
    ref = ReferencePotential(power_g(exponent), 2.2, scheme, "additive", 1.0)
    want = naive_energy(ref, system, system.positions)
    energy, forces = calc.energy_forces()
    assert energy == pytest.approx(want, rel=1e-12, abs=1e-12)
    want_f = naive_forces(ref, system, system.positions)
    np.testing.assert_allclose(forces, want_f, rtol=0, atol=1e-11 * np.abs(want_f).max())


@SETTINGS
@given(ka_configurations())
def test_newton_third_law_and_translation_invariance(config) -> None:
    system, scheme = config
    calc = Calculator(kob_andersen(scheme), system)
    energy, forces = calc.energy_forces()
    scale = max(1.0, np.abs(forces).max())
    np.testing.assert_allclose(forces.sum(axis=0), 0.0, atol=1e-11 * scale * system.n_particles)
    shift = np.random.default_rng(system.n_particles).uniform(-20, 20, size=3)
    e2, f2 = calc.energy_forces(system.positions + shift)
    assert e2 == pytest.approx(energy, rel=1e-12, abs=1e-10)
    np.testing.assert_allclose(f2, forces, rtol=0, atol=1e-10 * scale)
    # a wrapped copy of the shifted configuration gives the same result in a fresh calculator
    moved = system.with_positions(system.positions + shift)
    assert Calculator(kob_andersen(scheme), moved).energy() == pytest.approx(energy, rel=1e-12)


@SETTINGS
@given(ka_configurations())
def test_hessian_symmetric(config) -> None:
    system, scheme = config
    h = Calculator(kob_andersen(scheme), system).hessian()
    np.testing.assert_allclose(h, h.T, rtol=0, atol=1e-13 * np.abs(h).max())


@settings(max_examples=20, deadline=None, database=None)
@given(
    st.floats(0.5, 4.99),
    st.sampled_from(["x", "y", "z"]),
)
def test_box_too_small_raises(side: float, axis: str) -> None:
    """Any side below 2 r_c,AA = 5 is rejected (minimum image invalid)."""
    lengths = np.array([8.0, 8.0, 8.0])
    lengths["xyz".index(axis)] = side
    pos = np.random.default_rng(0).random((10, 3)) * lengths
    system = System(positions=pos, box=Box(lengths), species=np.zeros(10, dtype=np.int64))
    with pytest.raises(InputError, match="cutoff"):
        Calculator(kob_andersen(), system, check_overlap=False)


def test_box_exactly_twice_the_cutoff_is_accepted() -> None:
    system = System(
        positions=[[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]], box=Box.cubic(5.0),
        species=np.zeros(2, dtype=np.int64),
    )
    assert np.isfinite(Calculator(kob_andersen(), system).energy())


def _ka_lattice() -> System:
    grid = np.stack(np.meshgrid(*[np.arange(5)] * 3, indexing="ij"), -1).reshape(-1, 3)
    return System(positions=(grid + 0.5) * 1.05, box=Box.cubic(5.25),
                  species=np.zeros(125, dtype=np.int64))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_positions_raise(bad: float) -> None:
    system = _ka_lattice()
    pos = system.positions.copy()
    pos[7, 1] = bad
    with pytest.raises(InputError, match="NaN or infinite"):
        System(positions=pos, box=system.box, species=system.species)
    calc = Calculator(kob_andersen(), system)
    for method in (calc.energy, calc.energy_forces, calc.hessian, calc.per_particle_energies):
        with pytest.raises(InputError):
            method(pos)
    with pytest.raises(InputError):
        calc.objective(pos.reshape(-1))
    # a calculator whose list was never built also refuses (no out-of-range cell index)
    fresh = Calculator(kob_andersen(), system, check_overlap=False)
    with pytest.raises(InputError):
        fresh.energy(pos)


@SETTINGS
@given(st.floats(0.0, 0.49), st.integers(0, 124))
def test_overlapping_particles_raise(distance: float, partner: int) -> None:
    """A pair closer than overlap_x sigma_ij = 0.5 is rejected by the Calculator."""
    system = _ka_lattice()
    pos = system.positions.copy()
    other = (partner + 1) % 125
    pos[other] = pos[partner] + np.array([distance, 0.0, 0.0])
    crowded = System(positions=pos, box=system.box, species=system.species)
    with pytest.raises(InputError, match="overlap"):
        Calculator(kob_andersen(), crowded)
    calc = Calculator(kob_andersen(), system)
    with pytest.raises(InputError, match="overlap"):
        calc.check_overlap(pos)


def test_wrong_shapes_raise() -> None:
    system = _ka_lattice()
    calc = Calculator(kob_andersen(), system)
    with pytest.raises(InputError):
        calc.energy(np.zeros((124, 3)))
    with pytest.raises(InputError):
        calc.hessian_vector(np.zeros(10))
    with pytest.raises(InputError):
        calc.third_order_vv(np.zeros(3 * 125 + 1))


def test_missing_species_or_diameters_raise() -> None:
    system = _ka_lattice()
    no_species = System(positions=system.positions, box=system.box)
    with pytest.raises(InputError, match="species"):
        Calculator(kob_andersen(), no_species)
    with pytest.raises(InputError, match="diameters"):
        Calculator(soft_spheres(12), system)
    three = System(positions=system.positions, box=system.box,
                   species=np.full(125, 2, dtype=np.int64), species_names=("A", "B", "C"))
    with pytest.raises(InputError, match="species"):
        Calculator(kob_andersen(), three)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("exponent", [11.0, 62.0, 63.0, 64.0, 100.0, 12.5])
def test_power_laws_across_kernel_paths(exponent: float, scheme: str) -> None:
    """Even/odd integer powers, |p| >= 64 and non-integer powers (the force kernel's polynomial,
    even-polynomial and pow paths) all equal the naive sums, energy and forces."""
    rng = np.random.default_rng(int(exponent * 10))
    grid = np.stack(np.meshgrid(*[np.arange(5)] * 3, indexing="ij"), -1).reshape(-1, 3)
    pos = (grid + 0.5) * 1.1 + rng.uniform(-0.05, 0.05, size=grid.shape)
    system = System(positions=pos, box=Box.cubic(5.5), diameters=rng.uniform(0.9, 1.1, 125))
    calc = Calculator(soft_spheres(exponent, x_cut=2.2, scheme=scheme), system)
    ref = ReferencePotential(power_g(exponent), 2.2, scheme, "additive", 1.0)
    energy, forces = calc.energy_forces()
    assert energy == pytest.approx(naive_energy(ref, system, pos), rel=1e-12)
    want_f = naive_forces(ref, system, pos)
    np.testing.assert_allclose(forces, want_f, rtol=0, atol=1e-11 * np.abs(want_f).max())
    assert calc.per_particle_energies().sum() == pytest.approx(energy, rel=1e-12)


@pytest.mark.parametrize("skin", [-0.2, np.nan, np.inf])
def test_bad_skin_raises(skin: float) -> None:
    """A negative skin would silently drop pairs near the cutoff; NaN would drop all of them."""
    with pytest.raises(InputError, match="skin"):
        Calculator(kob_andersen(), _ka_lattice(), skin=skin)
