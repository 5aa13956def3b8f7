"""Lennard-Jones clusters against published global minima and the complete LJ7 landscape.

Reference values (units of epsilon), from Wales & Doye, J. Phys. Chem. A 101, 5111 (1997) and
the Cambridge Cluster Database (Wales et al., http://www-wales.ch.cam.ac.uk/CCD.html):
    LJ7  global minimum -16.505384 (pentagonal bipyramid)
    LJ13 global minimum -44.326801 (Mackay icosahedron)
LJ7 has exactly four minima (Hoare & McInnes, Adv. Phys. 32, 791 (1983); Doye & Wales,
J. Chem. Phys. 116, 3777 (2002) list them): -16.50538, -15.93504, -15.59321, -15.53306.
Basin-hopping starts from random clusters with fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.engine.calculator import Calculator
from pelkit.landscape.basin_hopping import BasinHoppingOptions, basin_hopping, random_cluster
from pelkit.landscape.database import LandscapeDatabase
from pelkit.landscape.surface import Surface
from pelkit.models import get_model

LJ7 = -16.505384
LJ13 = -44.326801
LJ7_MINIMA = [-16.50538, -15.93504, -15.59321, -15.53306]


@pytest.mark.parametrize(("n", "target"), [(7, LJ7), (13, LJ13)])
@pytest.mark.parametrize("seed", [11, 12])
def test_basin_hopping_finds_the_global_minimum(n, target, seed):
    model = get_model("lj-cluster")
    res = basin_hopping(model, random_cluster(n, seed=seed), steps=300, temperature=0.8,
                        seed=seed, options=BasinHoppingOptions(step_size=0.4, fmax=1e-6))
    assert res.lowest_energy == pytest.approx(target, abs=1e-5)
    assert res.n_rejected_quench == 0
    # the reported structure really has that energy and is a minimum
    e, f = Calculator(model, res.lowest).energy_forces()
    assert e == pytest.approx(res.lowest_energy, abs=1e-10)
    assert np.sqrt((f**2).sum(axis=1)).max() < 1e-5


def test_lj7_database_holds_the_four_minima_once(tmp_path):
    model = get_model("lj-cluster")
    start = random_cluster(7, seed=1)
    surf = Surface.from_calculator(Calculator(model, start))
    path = tmp_path / "lj7.sqlite"
    with LandscapeDatabase(path, start, model="lj-cluster",
                           surface_factory=lambda s: surf) as db:
        res = basin_hopping(model, start, steps=120, temperature=2.0, seed=1,
                            database=db, options=BasinHoppingOptions(step_size=0.5, fmax=1e-8))
        assert len(res.db_minima) == res.steps + 1 - res.n_rejected_container
        energies = [m.energy for m in db.minima()]
        np.testing.assert_allclose(energies, LJ7_MINIMA, atol=1e-5)
        for m in db.minima():  # 3N - 6 = 15 positive eigenvalues at every cluster minimum
            assert m.eigenvalues is not None and m.eigenvalues.size == 15
            assert np.all(m.eigenvalues > 0)
    # resume: the same walk again adds nothing new
    with LandscapeDatabase(path, start, model="lj-cluster") as db:
        basin_hopping(model, start, steps=40, temperature=2.0, seed=2,
                      database=db, options=BasinHoppingOptions(step_size=0.5, fmax=1e-8))
        assert db.counts() == (4, 0)
