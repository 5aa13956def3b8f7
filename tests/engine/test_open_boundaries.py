"""Open boundaries (clusters in vacuum) and the full-range ``lj-cluster`` model.

Independent references: an all-pairs Lennard-Jones sum without minimum image written here,
central finite differences of the energy (forces) and of the forces (Hessian); the periodic path
is checked to be unchanged (a periodic box still applies minimum image, and a cluster in a
periodic box much larger than itself has the same energy as the open cluster).
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.engine.calculator import OPEN_BOX_LENGTH, Calculator
from pelkit.errors import InputError
from pelkit.io.extxyz import read_extxyz, write_extxyz
from pelkit.landscape.basin_hopping import random_cluster
from pelkit.models import get_model
from pelkit.system import Box, System


def lj_all_pairs(pos):
    d = pos[:, None, :] - pos[None, :, :]
    r2 = np.einsum("ijk,ijk->ij", d, d)
    iu = np.triu_indices(len(pos), 1)
    s6 = 1.0 / r2[iu] ** 3
    return float(np.sum(4.0 * (s6 * s6 - s6)))


@pytest.fixture(scope="module")
def cluster():
    s = random_cluster(13, seed=3)
    # move it far from the origin, with negative coordinates: nothing may be wrapped
    return s.with_positions(s.positions - 40.0)


def test_open_box_keeps_positions_and_has_no_minimum_image(cluster):
    assert not cluster.box.periodic
    assert np.all(cluster.positions < 0)
    assert np.all(cluster.images == 0)
    d = np.array([[100.0, -70.0, 3.0]])
    np.testing.assert_array_equal(cluster.box.minimum_image(d), d)
    assert cluster.copy().box.periodic is False


def test_lj_cluster_energy_forces_hessian_against_all_pairs(cluster):
    calc = Calculator(get_model("lj-cluster"), cluster)
    np.testing.assert_array_equal(calc.box, np.full(3, OPEN_BOX_LENGTH))
    pos = cluster.positions
    e, f = calc.energy_forces()
    assert e == pytest.approx(lj_all_pairs(pos), rel=1e-13)
    h = 1e-6
    fd = np.zeros_like(pos)
    for i in range(len(pos)):
        for a in range(3):
            p, m = pos.copy(), pos.copy()
            p[i, a] += h
            m[i, a] -= h
            fd[i, a] = -(lj_all_pairs(p) - lj_all_pairs(m)) / (2 * h)
    np.testing.assert_allclose(f, fd, atol=1e-6 * max(1.0, np.abs(f).max()))
    hess = calc.hessian()
    fdh = np.zeros_like(hess)
    x = pos.reshape(-1)
    for k in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[k] += h
        xm[k] -= h
        fdh[k] = -(calc.energy_forces(xp.reshape(-1, 3))[1] - calc.energy_forces(
            xm.reshape(-1, 3))[1]).reshape(-1) / (2 * h)
    np.testing.assert_allclose(hess, fdh, atol=1e-5 * np.abs(hess).max())
    v = np.random.default_rng(0).standard_normal(x.size)
    np.testing.assert_allclose(calc.hessian_vector(v), hess @ v, rtol=1e-10, atol=1e-9)


def test_far_separated_particles_still_interact(cluster):
    """Full range: two particles 30 sigma apart contribute 4 (30^-12 - 30^-6)."""
    pos = np.array([[0.0, 0.0, 0.0], [30.0, 0.0, 0.0]])
    s = System(positions=pos, box=Box.open(pos), species=np.zeros(2, dtype=np.int64),
               species_names=("A",))
    e = Calculator(get_model("lj-cluster"), s).energy()
    assert e == pytest.approx(4.0 * (30.0**-12 - 30.0**-6), rel=1e-12)
    assert e != 0.0


def test_lj_cluster_refuses_a_periodic_box(cluster):
    s = System(positions=cluster.positions + 40.0, box=Box.cubic(20.0),
               species=np.zeros(13, dtype=np.int64), species_names=("A",))
    with pytest.raises(InputError, match="cutoff"):
        Calculator(get_model("lj-cluster"), s)


def test_periodic_path_unchanged_and_consistent_with_open(cluster):
    """A truncated-LJ cluster in a large periodic box: same energy as with open boundaries;
    the periodic box still wraps and applies minimum image."""
    model = get_model("lj")
    pos = cluster.positions + 40.0
    species = np.zeros(13, dtype=np.int64)
    periodic = System(positions=pos, box=Box.cubic(30.0), species=species, species_names=("A",))
    opened = System(positions=pos, box=Box.open(pos), species=species, species_names=("A",))
    e_p, f_p = Calculator(model, periodic).energy_forces()
    e_o, f_o = Calculator(model, opened).energy_forces()
    assert e_p == pytest.approx(e_o, rel=1e-13)
    np.testing.assert_allclose(f_p, f_o, atol=1e-12)
    # straddling the periodic boundary: minimum image still joins the two halves
    shifted = periodic.with_positions(pos - pos.mean(axis=0))
    assert np.any(shifted.images != 0)
    assert Calculator(model, shifted).energy() == pytest.approx(e_p, rel=1e-12)
    np.testing.assert_array_equal(Calculator(model, periodic).box, periodic.box.lengths)


def test_extxyz_round_trip_of_open_boundaries(cluster, tmp_path):
    path = tmp_path / "cluster.xyz"
    write_extxyz(path, cluster)
    text = path.read_text()
    assert 'pbc="F F F"' in text
    back = read_extxyz(path)
    assert not back.box.periodic
    np.testing.assert_allclose(back.positions, cluster.positions, atol=1e-12)
    (tmp_path / "mixed.xyz").write_text(text.replace('pbc="F F F"', 'pbc="T F F"'))
    with pytest.raises(InputError, match="fully periodic or fully open"):
        read_extxyz(tmp_path / "mixed.xyz")
    no_lattice = "\n".join(
        line if k != 1 else 'Properties=species:S:1:pos:R:3 pbc="F F F"'
        for k, line in enumerate(["2", "", "A 0 0 0", "A 1.1 0 0"])
    )
    (tmp_path / "nolat.xyz").write_text(no_lattice + "\n")
    s = read_extxyz(tmp_path / "nolat.xyz")
    assert not s.box.periodic and s.n_particles == 2
