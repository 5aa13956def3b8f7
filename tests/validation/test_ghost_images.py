"""Ghost images (:mod:`pelkit.engine.ghosts`): the MD force loop without the minimum image.

* KA N = 1000 (box 9.4 sigma >= 2 list radii): the list and its ghosts are built, then every
  particle is moved by up to skin/2 and wrapped back into the box (so some cross a face after
  the build); U, W and forces through the ghosts equal an all-pairs NumPy minimum-image sum
  written here (U, W to 1e-12 relative, forces to 1e-11 of the largest) and the minimum-image
  kernel to rounding; the same for the odd (``ka-smooth``) and even (Mie 12-4) forms of g,
  with and without energies (force-only variant: the same forces bit for bit).
* A ghost capacity too small is reported (build False), the table is left clean, and a wider
  capacity then gives the same ghosts.
* When ghosts do not apply: box narrower than two list radii (N = 155), the cell-list path
  (N = 3000), diameters.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.engine.calculator import Calculator
from pelkit.engine.ghosts import GhostImages, forces_with_ghosts, ghosts_apply
from pelkit.engine.pair import LANES, force_plan, species_tables, vector_form
from pelkit.models import get_model
from pelkit.models.custom import mie


def naive(model, pos: np.ndarray, species: np.ndarray, box: np.ndarray):
    """(U, W, forces) by the minimum image over all pairs (NumPy, no list)."""
    n = pos.shape[0]
    i, j = np.triu_indices(n, k=1)
    d = pos[i] - pos[j]
    d -= box * np.round(d / box)
    r2 = np.einsum("ij,ij->i", d, d)
    sig = model.sigma[species[i], species[j]]
    eps = model.epsilon[species[i], species[j]]
    inside = r2 < (model.x_cut * sig) ** 2
    d, r2, sig, eps, i, j = d[inside], r2[inside], sig[inside], eps[inside], i[inside], j[inside]
    x = np.sqrt(r2) / sig
    terms = model.kernel_terms  # rows (a, p, b): g(x) = sum a x^p e^{-bx}, here b = 0
    g = sum(a * x**p for a, p, _ in terms)
    dg = sum(a * p * x ** (p - 1) for a, p, _ in terms)
    s = -eps * dg / (sig * np.sqrt(r2))  # -phi'(r)/r
    f = np.zeros((n, 3))
    np.add.at(f, i, s[:, None] * d)
    np.add.at(f, j, -s[:, None] * d)
    return float(np.sum(eps * g)), float(np.sum(s * r2) / 3.0), f


def ghost_run(model, system, energies: bool = True, capacity: int | None = None):
    calc = Calculator(model, system)
    vl = calc.verlet
    vl.build_with_headroom(system.positions)
    box, params = calc.kernel_inputs()
    p = calc.params
    form, coef = force_plan(p.terms)
    form = vector_form(form, p.mixing, p.eps_table.shape[0])
    assert ghosts_apply(box, vl.list_radius, form, p.mixing, p.eps_table.shape[0])
    gh = GhostImages(p.species, vl.neighbors.shape[1], capacity)
    plan = (form, species_tables(p.eps_table, p.sigma_table, p.x_cut), coef)
    return calc, vl, box, params, gh, plan


@pytest.mark.parametrize("name", ["ka", "ka-smooth", "mie-12-4"])
def test_ghost_forces_equal_naive_minimum_image_sums(name: str) -> None:
    model = mie(12, 4) if name == "mie-12-4" else get_model(name)
    system = kob_andersen_system(1000, seed=9)
    if name == "mie-12-4":
        system.species = np.zeros(1000, dtype=np.int64)
    calc, vl, box, params, gh, plan = ghost_run(model, system)
    assert gh.build(vl.reference, box, vl.neighbors, vl.counts)
    assert gh.n_ghosts[0] > 100  # many pairs across the faces
    rng = np.random.default_rng(4)
    step = rng.uniform(-1, 1, system.positions.shape) * 0.99 * 0.5 * vl.skin / np.sqrt(3)
    moved = system.positions + step
    wrapped = moved - box * np.floor(moved / box)
    assert np.any(np.floor(moved / box) != 0)  # some particles crossed a face
    forces = np.zeros((1000, 3))
    e, w, ok = forces_with_ghosts(wrapped, box, params, vl.kernel_state(), gh.kernel_state(),
                                  plan, forces, 0.0, True)
    assert ok
    e_ref, w_ref, f_ref = naive(model, wrapped, system.species, box)
    assert e == pytest.approx(e_ref, rel=1e-12)
    assert w == pytest.approx(w_ref, rel=1e-12)
    scale = np.abs(f_ref).max()
    np.testing.assert_allclose(forces, f_ref, rtol=0, atol=1e-11 * scale)
    ev = Calculator(model, system).evaluate(wrapped)  # the minimum-image kernel
    assert e == pytest.approx(ev.energy, rel=1e-13)
    np.testing.assert_allclose(forces, ev.forces, rtol=0, atol=1e-12 * scale)
    only = np.zeros((1000, 3))
    e2, _, ok = forces_with_ghosts(wrapped, box, params, vl.kernel_state(), gh.kernel_state(),
                                   plan, only, 0.0, False)
    assert ok and np.isnan(e2)
    assert np.array_equal(only, forces)


def test_ghost_capacity_overflow_is_reported() -> None:
    system = kob_andersen_system(1000, seed=9)
    _, vl, box, _, gh, _ = ghost_run(get_model("ka"), system, capacity=8)
    assert not gh.build(vl.reference, box, vl.neighbors, vl.counts)
    assert np.all(gh.table == -1)  # left clean for the next build
    while not gh.build(vl.reference, box, vl.neighbors, vl.counts):
        gh.resize(vl.neighbors.shape[1], widen=True)
    _, _, _, _, big, _ = ghost_run(get_model("ka"), system)
    assert big.build(vl.reference, box, vl.neighbors, vl.counts)
    g = int(big.n_ghosts[0])
    assert g == gh.n_ghosts[0] > 8
    assert np.array_equal(gh.source[:g], big.source[:g])
    padded = -(-vl.counts // LANES) * LANES
    used = np.arange(gh.neighbors.shape[1])[None, :] < padded[:, None]
    assert np.array_equal(gh.neighbors[used], big.neighbors[used])


def test_ghosts_apply_only_where_valid() -> None:
    ka = get_model("ka")
    form, _ = force_plan(ka.kernel_terms)
    r_list = 2.5 + 0.3
    small = (155 / 1.2) ** (1 / 3)  # 5.05 < 2 x 2.8
    assert not ghosts_apply(np.full(3, small), r_list, form, 0, 2)
    assert ghosts_apply(np.full(3, (1000 / 1.2) ** (1 / 3)), r_list, form, 0, 2)
    big = (3000 / 1.2) ** (1 / 3)  # the cell-list path
    assert not ghosts_apply(np.full(3, big), r_list, form, 0, 2)
    assert not ghosts_apply(np.full(3, 9.4), r_list, form, 1, 1)  # diameters
    assert not ghosts_apply(np.full(3, 9.4), r_list, form, 0, 3)  # three species
