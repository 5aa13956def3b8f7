"""Unit tests of the network master equation: JSON loading, validation, models, evolution."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.theory.master_equation import (
    MasterEquation,
    NetworkWarning,
    load_network,
    network_from_dict,
    network_to_dict,
    resolve_model,
    solve_network,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "network_three_minima.json"


def _net(**over):
    data = {
        "minima": [{"id": "A", "energy": 0.0}, {"id": "B", "energy": -1.0}],
        "transition_states": [{"between": ["A", "B"], "energy": 0.5}],
    }
    data.update(over)
    return data


def test_example_file_loads():
    net = load_network(EXAMPLE)
    assert net.ids == ["A", "B", "C"]
    assert net.temperature == 0.5
    assert len(net.transition_states) == 2
    me = MasterEquation(net)
    assert me.model == "symmetric"
    p = me.equilibrium()
    boltz = np.exp(-net.energies / 0.5)
    assert np.allclose(p, boltz / boltz.sum(), rtol=1e-14)


def test_round_trip(tmp_path):
    net = load_network(EXAMPLE)
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(network_to_dict(net)))
    again = load_network(path)
    assert again.minima == net.minima
    assert again.transition_states == net.transition_states


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "JSON object"),
        ({"transition_states": []}, "no 'minima'"),
        (_net(minima=[]), "non-empty"),
        (_net(minima=[{"id": "A"}, {"id": "B", "energy": 1.0}]), "has no 'energy'"),
        (_net(minima=[{"energy": 1.0}]), "has no 'id'"),
        (_net(minima=[{"id": "A", "energy": "x"}, {"id": "B", "energy": 1}]), "must be a number"),
        (_net(minima=[{"id": "A", "energy": math.nan}, {"id": "B", "energy": 1}]), "finite"),
        (_net(minima=[{"id": "A", "energy": 0}, {"id": "A", "energy": 1}]), "more than once"),
        (_net(transition_states=[{"between": ["A", "Q"], "energy": 2.0}]), "unknown minimum"),
        (_net(transition_states=[{"between": ["A"], "energy": 2.0}]), "two minimum ids"),
        (_net(transition_states=[{"between": ["A", "B"]}]), "has no 'energy'"),
        (
            _net(transition_states=[{"between": ["A", "B"], "energy": 1, "prefactor": -1}]),
            "positive",
        ),
        (_net(transition_states=[{"between": ["A", "B"], "energy": math.inf}]), "finite"),
        (_net(temperature=-1.0), "positive"),
        (_net(prefactor_model="magic"), "prefactor_model"),
    ],
)
def test_bad_content_raises_input_error(data, message):
    with pytest.raises(InputError, match=message):
        network_from_dict(data)


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_network(bad)
    nan = tmp_path / "nan.json"
    nan.write_text('{"minima": [{"id": 1, "energy": NaN}], "transition_states": []}')
    with pytest.raises(InputError, match="finite"):
        load_network(nan)
    with pytest.raises(FileNotFoundError):
        load_network(tmp_path / "missing.json")


def test_disconnected_network_warns_and_keeps_component_mass():
    data = {
        "minima": [{"id": i, "energy": e} for i, e in enumerate([0.0, -1.0, 0.3, -0.2])],
        "transition_states": [
            {"between": [0, 1], "energy": 0.5},
            {"between": [2, 3], "energy": 0.6},
        ],
    }
    with pytest.warns(NetworkWarning, match="2 disconnected components"):
        net = network_from_dict(data)
    me = MasterEquation(net, 0.4)
    rates = me.relaxation_rates()
    assert np.sum(np.abs(rates) < 1e-12) == 2
    p0 = np.array([0.7, 0.0, 0.3, 0.0])
    late = me.evolve(p0, [1e4])[0]
    lim = me.equilibrium_from(p0)
    assert np.allclose(late, lim, atol=1e-12)
    assert lim[:2].sum() == pytest.approx(0.7) and lim[2:].sum() == pytest.approx(0.3)


def test_self_loop_is_skipped_with_warning():
    data = _net(
        transition_states=[
            {"between": ["A", "A"], "energy": 1.0},
            {"between": ["A", "B"], "energy": 1.0},
        ]
    )
    with pytest.warns(NetworkWarning, match="itself"):
        net = network_from_dict(data)
    assert len(net.transition_states) == 1


def test_parallel_channels_add():
    one = network_from_dict(_net())
    two = network_from_dict(
        _net(
            transition_states=[
                {"between": ["A", "B"], "energy": 0.5},
                {"between": ["B", "A"], "energy": 0.5},
            ]
        )
    )
    r1 = MasterEquation(one, 0.3).relaxation_rates()
    r2 = MasterEquation(two, 0.3).relaxation_rates()
    assert r2[1] == pytest.approx(2 * r1[1], rel=1e-14)


def test_degeneracy_enters_weights_and_rates():
    data = _net(
        minima=[{"id": "A", "energy": 0.0, "degeneracy": 3}, {"id": "B", "energy": 0.0}],
        transition_states=[{"between": ["A", "B"], "energy": 1.0, "degeneracy": 2}],
    )
    me = MasterEquation(network_from_dict(data), 1.0)
    assert np.allclose(me.equilibrium(), [0.75, 0.25])
    K = me.K.toarray()
    assert -K[1, 0] == pytest.approx(2 / 3 * math.exp(-1.0))  # A -> B: g_s / g_A
    assert -K[0, 1] == pytest.approx(2 * math.exp(-1.0))
    assert me.detailed_balance_error() < 1e-15


def test_attempt_model():
    data = _net(
        minima=[
            {"id": "A", "energy": 0.0, "prefactor": 3.0},
            {"id": "B", "energy": -1.0, "prefactor": 0.5},
        ]
    )
    net = network_from_dict(data)
    assert resolve_model(net) == "attempt"
    me = MasterEquation(net, 0.5)
    K = me.K.toarray()
    assert -K[1, 0] == pytest.approx(3.0 * math.exp(-0.5 / 0.5))
    assert -K[0, 1] == pytest.approx(0.5 * math.exp(-1.5 / 0.5))
    assert me.detailed_balance_error() < 1e-15
    # the symmetric model ignores the minima prefactors
    assert MasterEquation(net, 0.5, "symmetric").model == "symmetric"


def test_model_requirements():
    net = network_from_dict(_net())
    with pytest.raises(InputError, match="harmonic"):
        MasterEquation(net, 1.0, "harmonic")
    with pytest.raises(InputError, match="attempt"):
        MasterEquation(net, 1.0, "attempt")
    with pytest.raises(InputError, match="temperature"):
        MasterEquation(net)
    h = network_from_dict(
        _net(
            minima=[
                {"id": "A", "energy": 0.0, "frequencies": [1.0, 2.0]},
                {"id": "B", "energy": -1.0, "frequencies": [1.0, 3.0]},
            ],
            transition_states=[{"between": ["A", "B"], "energy": 0.5, "frequencies": [1.0, 2.0]}],
        )
    )
    with pytest.raises(InputError, match="positive frequencies"):
        MasterEquation(h, 1.0)


def test_evolution_properties():
    me = MasterEquation(load_network(EXAMPLE))
    p0 = me.start_vector("A")
    t = np.geomspace(1e-3, 1e3, 13)
    pt = me.evolve(p0, t)
    assert pt.shape == (13, 3)
    assert np.allclose(pt.sum(axis=1), 1.0, atol=1e-13)
    assert np.all(pt > -1e-15)
    assert np.allclose(me.evolve(p0, [0.0])[0], p0)
    with pytest.raises(InputError):
        me.evolve(np.array([0.5, 0.6, 0.0]), t)
    with pytest.raises(InputError):
        me.evolve(p0, [-1.0])
    with pytest.raises(InputError):
        me.start_vector("Z")


def test_solve_network_keys():
    res = solve_network(load_network(EXAMPLE), times=np.array([0.0, 1.0]), start="A")
    for key in (
        "equilibrium",
        "relaxation_rates",
        "detailed_balance_error",
        "populations",
        "times",
        "start",
        "prefactor_model",
    ):
        assert key in res
    assert res["start"] == "A"
    assert res["populations"]["A"][0] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve_network(load_network(EXAMPLE), temperature=0.2)


def test_sparse_lowest_rates_and_evolution_paths(monkeypatch):
    import pelkit.theory.master_equation as mod

    rng = np.random.default_rng(5)
    n = 30
    e = rng.normal(0, 1, n)
    pairs = np.array([(i, i + 1) for i in range(n - 1)] + [(0, n - 1), (3, 17)])
    es = np.maximum(e[pairs[:, 0]], e[pairs[:, 1]]) + rng.uniform(0.1, 1.0, len(pairs))
    me = MasterEquation(mod.network_from_arrays(e, pairs, es), 0.6)
    dense = me.relaxation_rates()
    assert np.allclose(me.lowest_rates(5, dense_max=0), dense[:5], atol=1e-12 * dense.max())
    p0 = me.start_vector()
    t = [0.3, 30.0]
    ref = me.evolve(p0, t)
    monkeypatch.setattr(mod, "DENSE_MAX", 0)
    assert np.allclose(me.evolve(p0, t), ref, atol=1e-12)
    with pytest.raises(InputError):
        me.lowest_rates(0)
