"""The vectorised force kernel against the scalar reference kernel, and the padded list format.

``energy_forces_virial`` sends polynomial potentials to the vectorised ``forces_core`` (six
compiled variants: at most two species (a select) with the Lennard-Jones / even / odd form of g,
more species (a table gather) with the Lennard-Jones form, diameters with the even / odd form)
and everything else to the scalar ``forces_terms``. Checked here on random liquid-like
configurations (relaxed overlaps), one model per variant plus models that fall back:

* even and odd forms (Horner): forces equal the scalar reference's bit for bit over the same
  list (both sum the pair forces of a row in list order with the same float64 operations);
  Lennard-Jones form (g from z = x^-6): forces within 1e-12 of the reference (rounding only),
  and equal to the kernel's own even-form (Horner) evaluation to the same tolerance; energy and
  virial agree to 1e-13 relative (the vector kernel sums them per lane); the force-only
  variant (``forces_only_core``, MD steps without energy) gives the same forces bit for bit;
* ``force_plan`` sends every term table to the right kernel (powers beyond the fixed Horner
  lengths, non-integer powers and exponentials go to the scalar kernel);
* list rows are padded to whole lanes with the row's own index, the cell-list path (a box of
  at least 4 cells per side) lists exactly the brute-force pairs, and the vector kernel gives the
  same forces on it as the scalar kernel (to rounding: KA uses the Lennard-Jones form).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import relax_overlaps
from pelkit.engine.calculator import Calculator
from pelkit.engine.pair import (
    FORM_EVEN,
    FORM_GENERAL,
    FORM_LJ,
    FORM_LJ_ODD,
    FORM_ODD,
    LANES,
    energy_forces_virial,
    force_plan,
    forces_core,
    forces_only_core,
    forces_terms,
    species_tables,
    vector_form,
)
from pelkit.models import get_model
from pelkit.models.base import PairPotential
from pelkit.models.custom import mie, morse
from pelkit.models.ka import LJ_TERMS
from pelkit.models.swap import swap_diameters
from pelkit.system import Box, System


def three_species_model() -> PairPotential:
    """An LJ mixture with three species (exercises the table-gather variant)."""
    eps = np.array([[1.0, 1.5, 0.7], [1.5, 0.5, 0.9], [0.7, 0.9, 1.2]])
    sig = np.array([[1.0, 0.8, 0.9], [0.8, 0.88, 0.85], [0.9, 0.85, 0.95]])
    return PairPotential(name="lj3", terms=LJ_TERMS, x_cut=2.5, scheme="shift",
                         mixing="species", epsilon=eps, sigma=sig, overlap_x=0.5)


def liquid(model: PairPotential, n: int, density: float, seed: int, n_species: int = 2):
    """A random configuration with its overlaps relaxed (species or swap diameters)."""
    rng = np.random.default_rng(seed)
    side = (n / density) ** (1 / 3)
    kwargs = {}
    if model.mixing == "species":
        kwargs["species"] = rng.integers(0, n_species, size=n).astype(np.int64)
        kwargs["species_names"] = ("A", "B", "C")[: max(n_species, 2)]
    else:
        kwargs["diameters"] = swap_diameters(n, seed=seed)
    system = System(positions=rng.random((n, 3)) * side, box=Box.cubic(side), **kwargs)
    calc = Calculator(model, system, check_overlap=False)
    return system.with_positions(relax_overlaps(calc, system.positions)), calc


def with_scheme(model: PairPotential, name: str, scheme: str, terms=LJ_TERMS) -> PairPotential:
    return PairPotential(name=name, terms=terms, x_cut=2.5, scheme=scheme, mixing=model.mixing,
                         epsilon=model.epsilon, sigma=model.sigma, overlap_x=0.5)


LJ3 = three_species_model()
SWAP = get_model("swap")
CASES = {
    # name: (model, N, density, number of species, form of force_plan) - vector_form decides
    "ka": (get_model("ka"), 300, 1.2, 2, FORM_LJ),  # two species (select)
    "ka-force-shift": (get_model("ka-force-shift"), 300, 1.2, 2, FORM_LJ_ODD),
    "ka-smooth": (get_model("ka-smooth"), 300, 1.2, 2, FORM_LJ_ODD),
    "ka-x4": (with_scheme(get_model("ka"), "ka-x4", "shift",
                          np.vstack([LJ_TERMS, [[1e-3, 4.0, 0.0]]])), 300, 1.2, 2, FORM_EVEN),
    "lj": (get_model("lj"), 300, 0.9, 1, FORM_LJ),  # one species (select with itself)
    "lj3": (LJ3, 300, 1.1, 3, FORM_LJ),  # three species: table gather
    "lj3-smooth": (with_scheme(LJ3, "lj3-smooth", "smooth"), 300, 1.1, 3, FORM_LJ_ODD),
    "lj3-x4": (with_scheme(LJ3, "lj3-x4", "shift", np.vstack([LJ_TERMS, [[1e-3, 4.0, 0.0]]])),
               300, 1.1, 3, FORM_EVEN),
    "swap": (SWAP, 600, 1.0, 0, FORM_EVEN),  # non-additive diameters
    "swap-lj": (PairPotential(name="swap-lj", terms=LJ_TERMS, x_cut=1.25, scheme="shift",
                              mixing="nonadditive", epsilon=SWAP.epsilon, sigma=SWAP.sigma,
                              nonadditivity=SWAP.nonadditivity, overlap_x=0.5),
                600, 1.0, 0, FORM_LJ),
    "soft-sphere": (get_model("soft-sphere"), 1100, 1.0, 0, FORM_LJ_ODD),  # additive diameters
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_kernel_equals_scalar_reference(name: str) -> None:
    model, n, density, n_species, expected_form = CASES[name]
    system, _ = liquid(model, n, density, seed=len(name), n_species=max(n_species, 1))
    calc = Calculator(model, system, check_overlap=False)
    args = calc._args(calc._positions(None))
    form, coef = force_plan(args[10])
    assert form == expected_form
    vform = vector_form(form, model.kernel_params(system).mixing, model.epsilon.shape[0])
    if n_species > 2 and form != FORM_LJ:
        assert vform == FORM_GENERAL  # no vectorised variant: the scalar kernel runs
    fast = np.empty((n, 3))
    ref = np.empty((n, 3))
    e_fast, w_fast = energy_forces_virial(*args, fast)
    e_ref, w_ref = forces_terms(*args, ref)
    if vform != FORM_GENERAL:
        # the force-only variant (MD steps without energy): the same forces bit for bit
        only = np.empty((n, 3))
        tab = species_tables(args[7], args[8], args[11])
        e_only, w_only = forces_only_core(*args[:8], args[9], args[11], vform, tab, coef, only)
        assert np.array_equal(only, fast)
        assert np.isnan(e_only) and np.isnan(w_only)
    if vform in (FORM_LJ, FORM_LJ_ODD):
        np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-12)
        if n_species <= 2:
            # the same kernel with the Horner evaluation of g (in x^2 or x): bit for bit
            horner = np.empty((n, 3))
            tab = species_tables(model.epsilon, model.sigma, model.x_cut)
            by_horner = FORM_EVEN if vform == FORM_LJ else FORM_ODD
            forces_core(*args[:8], args[9], args[11], by_horner, tab, coef, horner)
            assert np.array_equal(horner, ref)
    else:
        assert np.array_equal(fast, ref)
    assert e_fast == pytest.approx(e_ref, rel=1e-13)
    assert w_fast == pytest.approx(w_ref, rel=1e-13)
    # and the interactions are not all trivially zero
    assert np.abs(fast).max() > 1.0


def test_force_plan_classifies_terms() -> None:
    assert force_plan(get_model("ka").kernel_terms)[0] == FORM_LJ
    assert force_plan(get_model("ka-smooth").kernel_terms)[0] == FORM_LJ_ODD  # LJ + x, x^2
    assert force_plan(get_model("swap").kernel_terms)[0] == FORM_EVEN  # x^-12, x^0, x^2, x^4
    assert force_plan(mie(12, 4).kernel_terms)[0] == FORM_EVEN  # y^-2 is not an LJ power
    assert force_plan(mie(9, 3).kernel_terms)[0] == FORM_ODD
    assert force_plan(mie(18, 6).kernel_terms)[0] == FORM_GENERAL  # y^-9: beyond the length
    assert force_plan(mie(12.5, 6).kernel_terms)[0] == FORM_GENERAL  # non-integer power
    assert force_plan(morse().kernel_terms)[0] == FORM_GENERAL  # exponentials
    _, coef = force_plan(get_model("ka").kernel_terms)
    shift = get_model("ka").kernel_terms[2, 0]
    # g(y) = shift + 4 y^-6 - 4 y^-3 in y = x^2: rows cn, cp, dn, dp
    np.testing.assert_array_equal(coef[0, [0, 3, 6]], [shift, -4.0, 4.0])
    np.testing.assert_array_equal(coef[2, [4, 7]], [24.0, -48.0])
    assert np.count_nonzero(coef) == 5


@pytest.mark.parametrize("model", [mie(18, 6), morse()], ids=["mie-18-6", "morse"])
def test_scalar_path_models_still_match_naive_forces(model: PairPotential) -> None:
    """g outside the vector kernel's reach: energy_forces_virial is the scalar kernel."""
    system, _ = liquid(model, 200, 0.8, seed=3, n_species=1)
    calc = Calculator(model, system, check_overlap=False)
    args = calc._args(calc._positions(None))
    a = np.empty((200, 3))
    b = np.empty((200, 3))
    assert energy_forces_virial(*args, a) == forces_terms(*args, b)
    assert np.array_equal(a, b)


def test_species_tables() -> None:
    model = three_species_model()
    tab = species_tables(model.epsilon, model.sigma, model.x_cut)
    assert tab.shape == (3, 9)
    np.testing.assert_array_equal(tab[0], model.epsilon.ravel())
    np.testing.assert_allclose(tab[1], 1.0 / model.sigma.ravel() ** 2, rtol=1e-15)
    np.testing.assert_allclose(tab[2], (2.5 * model.sigma.ravel()) ** 2, rtol=1e-15)


def test_rows_are_padded_with_own_index() -> None:
    system, _ = liquid(get_model("ka"), 300, 1.2, seed=5)
    calc = Calculator(get_model("ka"), system)
    vl = calc.verlet
    assert vl.neighbors.shape[1] % LANES == 0
    for i, c in enumerate(vl.counts):
        padded = -(-c // LANES) * LANES
        assert np.all(vl.neighbors[i, c:padded] == i)
        assert np.all(vl.neighbors[i, :c] > i)


def test_cell_path_lists_brute_force_pairs_and_forces_match() -> None:
    """N = 3000 KA at rho = 1.2: box 13.6 holds 4 cells of r_c + skin per side."""
    model = get_model("ka")
    n = 3000
    system, _ = liquid(model, n, 1.2, seed=11)
    calc = Calculator(model, system)
    vl = calc.verlet
    assert np.all(vl.box // (vl.r_cut_max + vl.skin) >= 4)
    pos = system.positions
    i, j = np.triu_indices(n, k=1)
    d = pos[i] - pos[j]
    d -= vl.box * np.round(d / vl.box)
    r = np.sqrt(np.einsum("ij,ij->i", d, d))
    sig = model.sigma[system.species[i], system.species[j]]
    close = r < 2.5 * sig + vl.skin
    expected = np.sort(i[close] * n + j[close])
    pairs = vl.pairs()
    np.testing.assert_array_equal(np.sort(pairs[:, 0] * n + pairs[:, 1]), expected)
    args = calc._args(calc._positions(None))
    a = np.empty((n, 3))
    b = np.empty((n, 3))
    energy_forces_virial(*args, a)
    forces_terms(*args, b)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
