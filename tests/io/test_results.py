"""Run folders: TOML config, provenance, summaries, atomic writes, resumable tasks."""

from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelkit import __version__
from pelkit.errors import InputError
from pelkit.io.results import (
    RunFolder,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_npz,
    dumps_toml,
    git_commit,
)

keys = st.text(min_size=1, max_size=8)
scalars = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, width=64)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(keys, values, max_size=5))
def test_toml_round_trip(data):
    """tomllib parses what dumps_toml writes back to the same nested data (floats bit-exact)."""
    assert tomllib.loads(dumps_toml(data)) == data


def test_toml_details():
    data = {
        "seed": 42,
        "model": {"name": "ka", "cutoff": 2.5, "pairs": {"AB": {"epsilon": 1.5}}},
        "md": {"dt": 0.005, "temps": [0.45, 0.5], "ok": True, "skip": None},
        "runs": [{"n": 155}, {"n": 1000}],
        "odd key": "quote \" backslash \\ newline \n tab \t bell \x07 é",
        "limits": [math.inf, -math.inf],
        "np": {"int": np.int64(3), "float": np.float64(0.1), "array": np.array([1.0, 2.0])},
    }
    text = dumps_toml(data)
    back = tomllib.loads(text)
    assert back["model"]["pairs"]["AB"]["epsilon"] == 1.5
    assert "skip" not in back["md"]
    assert back["runs"] == [{"n": 155}, {"n": 1000}]
    assert back["odd key"] == data["odd key"]
    assert back["limits"] == [math.inf, -math.inf]
    assert back["np"] == {"int": 3, "float": 0.1, "array": [1.0, 2.0]}
    assert math.isnan(tomllib.loads(dumps_toml({"x": math.nan}))["x"])
    with pytest.raises(InputError, match="None"):
        dumps_toml({"x": [1, None]})
    with pytest.raises(InputError, match="cannot write"):
        dumps_toml({"x": object()})


def test_run_folder_files(tmp_path):
    run = RunFolder(tmp_path / "run1")
    assert run.figures.is_dir()
    assert run.figure_path("msd") == tmp_path / "run1" / "figures" / "msd.png"
    assert run.results_path.name == "results.h5"
    config = {"seed": 7, "system": {"n": 155, "density": 1.2}, "temperatures": [0.5, 0.6]}
    run.write_config(config)
    assert tomllib.loads((run.path / "config.toml").read_text()) == config
    assert run.read_config() == config
    with run.timed("quench"):
        sum(range(1000))
    with run.timed("quench"):
        pass
    run.write_provenance(seed=7, command=["pelkit", "md", "run"])
    prov = json.loads((run.path / "provenance.json").read_text())
    assert prov["pelkit_version"] == __version__
    assert prov["seed"] == 7
    assert prov["command"] == ["pelkit", "md", "run"]
    assert prov["timings_s"]["quench"] >= 0.0
    assert set(prov["versions"]) == {"numpy", "scipy", "numba", "h5py"}
    assert prov["versions"]["numpy"] == np.__version__
    assert "git_commit" in prov and "python" in prov and "created_utc" in prov
    run.write_summary({"D": np.float64(0.012), "n": np.int64(3), "bad": np.nan, "v": np.ones(2)})
    assert run.read_summary() == {"D": 0.012, "n": 3, "bad": None, "v": [1.0, 1.0]}
    run.write_report("# Report\n\nAll good.\n\n")
    assert (run.path / "report.md").read_text() == "# Report\n\nAll good.\n"
    # reopening an existing folder is fine; a file in the way is not
    RunFolder(tmp_path / "run1")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        RunFolder(tmp_path / "file")


def test_git_commit_outside_a_repository(tmp_path):
    assert git_commit(tmp_path) is None


def test_atomic_writes_leave_no_temporaries(tmp_path):
    target = tmp_path / "sub" / "out.json"
    atomic_write_json(target, {"a": [1, 2]})
    assert json.loads(target.read_text()) == {"a": [1, 2]}
    with pytest.raises(TypeError):
        atomic_write_json(target, {"a": object()})
    assert json.loads(target.read_text()) == {"a": [1, 2]}  # old content intact
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]
    atomic_write_bytes(target, b"raw")
    assert target.read_bytes() == b"raw"
    atomic_write_npz(tmp_path / "a.npz", x=np.arange(3), y=np.eye(2))
    with np.load(tmp_path / "a.npz") as data:
        assert data["x"].tolist() == [0, 1, 2] and np.array_equal(data["y"], np.eye(2))
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_tasks_resume(tmp_path):
    run = RunFolder(tmp_path / "campaign")
    assert run.done_tasks() == []
    assert not run.is_done("T0.45_r3")
    energies = np.array([-7.1, -7.2])
    run.save_task("T0.45_r3", {"energies": energies}, {"seed": 12, "T": 0.45})
    run.save_task("T0.50_r0", None, {"seed": 13})
    assert run.is_done("T0.45_r3") and run.is_done("T0.50_r0")
    assert run.done_tasks() == ["T0.45_r3", "T0.50_r0"]
    arrays, meta = run.load_task("T0.45_r3")
    assert np.array_equal(arrays["energies"], energies) and meta == {"seed": 12, "T": 0.45}
    assert run.load_task("T0.50_r0") == ({}, {"seed": 13})
    # arrays written but the marker missing (killed between the two writes): not done
    atomic_write_npz(run.tasks / "T0.60_r0.npz", e=energies)
    assert not run.is_done("T0.60_r0")
    with pytest.raises(InputError, match="not done"):
        run.load_task("T0.60_r0")
    for bad in ("../escape", "a/b", "", ".hidden", "ok\n"):
        with pytest.raises(InputError, match="task key"):
            run.is_done(bad)
