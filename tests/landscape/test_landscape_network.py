"""Saddle-search plumbing, the landscape database, rates, committors, regrouping and
disconnectivity trees, on small independent cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.basin_hopping import BasinHoppingOptions, basin_hopping, random_cluster
from pelkit.landscape.connect import find_path, store_saddle
from pelkit.landscape.database import LandscapeDatabase
from pelkit.landscape.rates import (
    committors,
    harmonic_log_rate,
    network_dict,
    rate_network,
    regroup,
)
from pelkit.landscape.saddle import SaddleOptions, hef, lowest_eigenpair, start_from_mode
from pelkit.landscape.surface import Surface, rigid_body_modes
from pelkit.models import get_model
from pelkit.plotting.disconnectivity import disconnectivity_tree, plot_disconnectivity
from pelkit.theory.master_equation import MasterEquation, network_from_dict

pytestmark = pytest.mark.filterwarnings("ignore::pelkit.theory.master_equation.NetworkWarning")


def test_lanczos_lowest_eigenpair_matches_dense_diagonalisation():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((40, 40))
    h = a + a.T
    z = np.linalg.qr(rng.standard_normal((40, 3)))[0]
    surf = Surface(lambda x: (0.0, np.zeros(40)), n=40, block=1, hvp=lambda x, v: h @ v,
                   zero_modes=lambda x: z)
    pair = lowest_eigenpair(surf, np.zeros(40), tol=1e-10, krylov=40)
    p = np.eye(40) - z @ z.T
    vals, vecs = np.linalg.eigh(p @ h @ p + 1e3 * z @ z.T)
    assert pair.value == pytest.approx(vals[0], rel=1e-9)
    assert abs(pair.vector @ vecs[:, 0]) == pytest.approx(1.0, abs=1e-8)


@pytest.fixture(scope="module")
def lj7(tmp_path_factory):
    """LJ7: the global minimum, a transition state from it, and a database with both."""
    model = get_model("lj-cluster")
    start = random_cluster(7, seed=4)
    surf = Surface.from_calculator(Calculator(model, start))
    path = tmp_path_factory.mktemp("db") / "lj7.sqlite"
    db = LandscapeDatabase(path, start, model="lj-cluster", surface_factory=lambda s: surf)
    bh = basin_hopping(model, start, steps=60, temperature=2.0, seed=3,
                       database=db, options=BasinHoppingOptions(step_size=0.5, fmax=1e-9))
    gmin = bh.lowest
    stored = []
    for mode in (1, 2, 3, 4):
        x0, v0 = start_from_mode(surf, gmin.positions.reshape(-1), mode, step=0.2)
        ts = hef(surf, x0, v0, fmax=1e-9, max_iterations=300)
        if ts.is_transition_state:
            got = store_saddle(db, surf, ts)
            if got is not None:
                stored.append(got)
    assert stored
    return model, surf, db, gmin, bh, stored


def test_rigid_body_modes_are_zero_modes_of_a_cluster_minimum(lj7):
    model, surf, db, gmin, _, _ = lj7
    x = gmin.positions.reshape(-1)
    z = rigid_body_modes(x, 3, rotations=True)
    assert z.shape == (21, 6)
    np.testing.assert_allclose(z.T @ z, np.eye(6), atol=1e-12)
    h = surf.hessian(x)
    assert np.abs(h @ z).max() < 1e-6 * np.abs(h).max()
    assert surf.count_negative(x)[0] == 0


def test_softest_mode_participation_against_full_diagonalisation(lj7):
    from pelkit.modes.localization import participation_ratio

    _, surf, db, _, _, _ = lj7
    checked = 0
    for m in db.minima():
        pr = m.info["softest_participation"]
        assert 1.0 / 7 <= pr <= 1.0
        vals, vecs = np.linalg.eigh(surf.hessian(m.positions.reshape(-1)))  # unit masses
        assert np.all(np.abs(vals[:6]) < 1e-6) and vals[6] > 1e-3  # 6 rigid-body zero modes
        if vals[7] - vals[6] > 1e-6 * vals[6]:  # a non-degenerate softest mode
            assert pr == pytest.approx(float(participation_ratio(vecs[:, 6])), rel=1e-6)
            checked += 1
    assert checked >= 1


def test_database_deduplicates_symmetry_copies_and_resumes(lj7):
    model, surf, db, gmin, bh, _ = lj7
    n_before = db.counts()[0]
    gid = db.add_minimum(gmin, bh.lowest_energy)
    pos = gmin.positions
    rot = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    copy = gmin.with_positions((pos[::-1] - pos.mean(0)) @ rot.T + 7.0)
    e_copy = Calculator(model, copy).energy()
    assert db.add_minimum(copy, e_copy) == gid
    assert db.counts()[0] == n_before
    # a different structure is not merged
    other = [m for m in db.minima() if m.id != gid][0]
    assert not db.same_structure(gmin, bh.lowest_energy, db.system(other.positions), other.energy)
    # resume: a second handle on the same file sees the same entries
    with LandscapeDatabase(db.path, gmin) as again:
        assert again.counts() == db.counts()
        assert again.add_minimum(copy, e_copy) == gid
    eight = random_cluster(8, seed=1)
    with pytest.raises(InputError, match="another system"):
        LandscapeDatabase(db.path, eight)
    with pytest.raises(InputError, match="holds model"):
        LandscapeDatabase(db.path, gmin, model="ka")


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("this is not sqlite " * 20)
    with pytest.raises(InputError):
        LandscapeDatabase(bad)
    with pytest.raises(InputError, match="not found"):
        LandscapeDatabase(tmp_path / "missing.sqlite")


def test_transition_states_have_one_negative_mode_and_lower_neighbours(lj7):
    _, _, db, _, _, stored = lj7
    mins = {m.id: m for m in db.minima()}
    for t in db.transition_states():
        assert t.negative_eigenvalue < 0
        assert t.eigenvalues.size == 3 * 7 - 7  # 3N - 7 real modes of a cluster saddle
        assert t.energy > mins[t.minimum1].energy and t.energy > mins[t.minimum2].energy
    ts, m1, m2 = stored[0]
    if m1 != m2:
        assert find_path(db, m1, m2) == [m1, ts, m2]


def test_master_equation_reproduces_the_harmonic_rates(lj7):
    _, _, db, _, _, _ = lj7
    temperature = 0.25
    net = rate_network(db, temperature)
    data = network_dict(db, temperature)
    me = MasterEquation(network_from_dict(data))
    assert me.model == "harmonic"
    ours = {(net.ids[a], net.ids[b]): lr for a, b, lr in zip(net.src, net.dst, net.log_rate,
                                                               strict=True)}
    ids = [int(m["id"]) for m in data["minima"]]
    for a, b, lr in zip(me.src, me.dst, me.log_rate, strict=True):
        key = (ids[a], ids[b])
        assert key in ours
        # parallel saddles add in the master equation: compare totals per directed pair
        total = math.log(sum(math.exp(v) for (x, y), v in
                             zip(zip(net.src, net.dst, strict=True), net.log_rate, strict=True)
                             if (net.ids[x], net.ids[y]) == key))
        mine = math.log(sum(math.exp(v) for (x, y), v in
                            zip(zip(me.src, me.dst, strict=True), me.log_rate, strict=True)
                            if (ids[x], ids[y]) == key))
        assert mine == pytest.approx(total, abs=1e-10)
        del lr
    # the formula itself: k = (prod nu_min / prod' nu_ts) exp(-dE/T) with nu = omega / 2 pi
    t = db.transition_states()[0]
    m = db.minimum(t.minimum1)
    nu_min = np.sqrt(m.eigenvalues) / (2 * math.pi)
    nu_ts = np.sqrt(t.eigenvalues) / (2 * math.pi)
    direct = (np.sum(np.log(nu_min)) - np.sum(np.log(nu_ts))
              - (t.energy - m.energy) / temperature)
    assert harmonic_log_rate(m.energy, m.log_product, t.energy, t.log_product,
                             temperature) == pytest.approx(direct, abs=1e-10)


def test_committors_of_a_three_state_chain():
    from pelkit.landscape.rates import RateNetwork

    k = {(0, 1): 2.0, (1, 0): 3.0, (1, 2): 5.0, (2, 1): 1.0}
    src, dst = zip(*k, strict=True)
    net = RateNetwork(1.0, [10, 11, 12], np.zeros(3), np.zeros(3), np.array(src),
                      np.array(dst), np.log(np.array(list(k.values()))))
    q = committors(net, [10], [12])
    np.testing.assert_allclose(q, [0.0, 5.0 / 8.0, 1.0], atol=1e-14)
    # a fourth minimum joined to nothing has no committor
    net.ids.append(13)
    net.energies = np.zeros(4)
    net.free_energies = np.zeros(4)
    q = committors(net, [10], [12])
    assert np.isnan(q[3]) and q[1] == pytest.approx(5.0 / 8.0)
    with pytest.raises(InputError):
        committors(net, [10], [10])


def test_regrouping_keeps_equilibrium_and_loads_as_a_network(lj7):
    _, _, db, _, _, _ = lj7
    temperature = 0.3
    me = MasterEquation(network_from_dict(network_dict(db, temperature)))
    p_eq = dict(zip([int(m.id) for m in me.network.minima], me.equilibrium(), strict=True))
    everything = regroup(db, temperature, threshold=1e9)
    assert len(everything.groups) == len({c for c in me.components})
    none = regroup(db, temperature, threshold=0.0)
    assert len(none.groups) == db.counts()[0]
    grouped = regroup(db, temperature, threshold=2.0)
    data = grouped.network_dict()
    gme = MasterEquation(network_from_dict(data))
    assert 1 < len(grouped.groups) < db.counts()[0] or len(grouped.groups) == 1
    for g, members in enumerate(grouped.groups):
        # group populations (free energies F_I) = sums of the member populations
        assert gme.equilibrium()[g] == pytest.approx(sum(p_eq[i] for i in members), rel=1e-9)


def test_disconnectivity_tree_of_three_minima(tmp_path):
    # A (0) -- 0.5 -- B (-1) -- 0.2 -- C (-0.6), D (-0.3) isolated
    tree = disconnectivity_tree([0.0, -1.0, -0.6, -0.3], [[0, 1], [1, 2]], [0.5, 0.2],
                                n_levels=12, top=0.55)
    levels = tree.levels
    for k, level in enumerate(levels):
        basins = tree.basins_at(k)
        if 0.2 < level < 0.5:
            assert (1, 2) in basins and (0,) in basins
        if level > 0.5:
            assert (0, 1, 2) in basins and (3,) in basins
        if -0.6 < level < -0.3:
            assert basins == [(1,), (2,)]
    # B and C sit next to each other, A beside them
    assert abs(tree.leaf_x[1] - tree.leaf_x[2]) == 1.0
    out = plot_disconnectivity(tree, tmp_path / "dg.png", values=[0, 1, 2, 3])
    assert out.stat().st_size > 1000
    with pytest.raises(InputError):
        disconnectivity_tree([0.0], [[0, 3]], [1.0])


def test_saddle_search_reports_a_non_finite_surface_honestly():
    surf = Surface(lambda x: (float("nan"), np.full(2, np.nan)), n=2, block=2)
    res = hef(surf, [0.0, 0.0], [1.0, 0.0], options=SaddleOptions(check_index=False))
    assert not res.converged and not res.is_transition_state
    assert res.stop_reason.startswith("non-finite")
    with pytest.raises(InputError):
        hef(surf, [0.0, np.inf])
