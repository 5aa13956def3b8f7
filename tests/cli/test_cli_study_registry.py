"""``pelkit study list`` from the registry, ``study run --device``, presets with run times."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pelkit.cli.app import app
from pelkit.studies.ka_landscape.config import PRESETS, load_config
from pelkit.studies.registry import STUDIES


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_study_list_json_has_every_preset_with_a_run_time():
    res = run("study", "list", "--json")
    assert res.exit_code == 0, res.output
    listed = json.loads(res.stdout)
    assert set(listed) == set(STUDIES) >= {"ka-landscape", "tls-qlm"}
    ka = listed["ka-landscape"]
    assert list(ka["presets"]) == list(PRESETS)
    assert "workstation" in ka["presets"] and all(ka["presets"].values())
    for info in listed.values():
        assert info["description"] and info["reproduces"]


def test_workstation_preset_reaches_seed_004_temperatures():
    cfg = load_config("workstation")
    assert min(cfg.temperatures) <= 0.5 and cfg.n_replicas >= 100
    assert cfg.device == "auto"


def test_study_run_rejects_unknown_device_and_study(tmp_path):
    res = run("study", "run", "ka-landscape", "--preset", "smoke", "--out",
              str(tmp_path / "r"), "--device", "tpu")
    assert res.exit_code == 2 and "unknown device 'tpu'" in res.output
    res = run("study", "run", "nope", "--out", str(tmp_path / "r"))
    assert res.exit_code == 2 and "unknown study 'nope'" in res.output


def test_gpu_without_a_device_is_one_error(tmp_path, monkeypatch):
    from pelkit.engine.cuda import cuda_available

    if cuda_available(simulator=False):
        pytest.skip("a GPU is present")
    monkeypatch.delenv("PELKIT_CUDA_SIMULATOR", raising=False)
    res = run("study", "run", "ka-landscape", "--preset", "smoke", "--out",
              str(tmp_path / "r"), "--device", "gpu", "--scheduler", "sync", "-q")
    assert res.exit_code == 2, res.output
    assert "no CUDA device" in res.output
