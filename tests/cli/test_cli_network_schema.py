"""``pelkit theory master-equation``: the network file is validated by its pydantic schema
(issue 11, item 6)."""

from __future__ import annotations

import json
import math

import pytest

from pelkit.theory.master_equation import load_network, network_to_dict
from pelkit.theory.network_schema import NetworkModel, validate_network_data

GOOD = {
    "minima": [{"id": "a", "energy": 0.0}, {"id": "b", "energy": 0.5}],
    "transition_states": [{"between": ["a", "b"], "energy": 2.0}],
}


@pytest.mark.parametrize(
    "change, words",
    [
        ({"transition_states": None}, "has no 'transition_states'"),
        ({"rates": [1.0, 2.0]}, "unknown key 'rates'"),
        ({"minima": [{"id": "a", "energy": 0.0, "energ": 1}]}, "unknown key 'minima[0].energ'"),
        ({"minima": [{"id": "a", "energy": "0"}]}, "minima[0].energy must be a number"),
        ({"minima": [{"id": True, "energy": 0}]}, "must be a string or an integer"),
        ({"temperature": 0}, "temperature must be positive"),
        ({"transition_states": [{"between": ["a"], "energy": 1}]}, "two minimum ids"),
    ],
)
def test_schema_violations_are_one_line_exit_2(cli, tmp_path, change, words):
    data = dict(GOOD)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data))
    line = cli("theory", "master-equation", path, "-T", "1").one_error_line()
    assert words in line


def test_valid_file_and_metadata_round_trip(cli, tmp_path):
    data = dict(GOOD, metadata={"source": "neb"})
    data["minima"] = [dict(GOOD["minima"][0], metadata={"file": "a.xyz"}), GOOD["minima"][1]]
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data))
    out = cli("theory", "master-equation", path, "-T", "1", "--prefactor-model", "symmetric",
              "--json").json()
    assert out["n_transition_states"] == 1
    # two states: the non-zero rate is K_ab + K_ba = exp(-(2 - 0)/T) + exp(-(2 - 0.5)/T)
    assert max(out["relaxation_rates"]) == pytest.approx(math.exp(-2.0) + math.exp(-1.5),
                                                          rel=1e-10)
    again = network_to_dict(load_network(path))
    assert again["minima"][0]["metadata"] == {"file": "a.xyz"}
    validate_network_data(again)  # what we write, we read


def test_schema_is_in_the_help_and_exportable(cli):
    text = " ".join(cli("theory", "master-equation", "--help").stdout.split())
    assert "transition_states" in text and "Unknown keys are errors" in text
    schema = NetworkModel.model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"minima", "transition_states"}
