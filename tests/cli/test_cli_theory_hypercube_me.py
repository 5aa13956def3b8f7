"""CLI: ``pelkit theory hypercube`` and ``pelkit theory master-equation``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pelkit.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "network_three_minima.json"
runner = CliRunner()
ONE_MIN = '{"minima": [{"id": "a", "energy": 0}], "transition_states": []}'


def _run(*args: str):
    return runner.invoke(app, ["theory", *args])


def _one_line_error(res) -> None:
    assert res.exit_code == 2
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pelkit: error:")
    assert "Traceback" not in res.output


def test_hypercube_json_keys_and_values():
    res = _run("hypercube", "--beta", "0.2,0.5", "--D", "40", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert round(out["beta_onset"], 6) == 0.336429
    assert round(out["beta_melt"], 6) == 0.773150
    rows = out["branches"]
    assert [r["beta"] for r in rows] == [0.2, 0.5]
    assert rows[0]["crystal"] is None
    assert set(rows[0]["liquid"]) >= {"x", "y", "phi", "w"}
    assert round(rows[1]["crystal"]["phi"], 6) == -1.545428
    me = out["master_equation"]
    assert me["D"] == 40
    assert round(me["rates"][0]["rates"][1], 5) == 0.96622
    assert float(f"{me['rates'][1]['slowest']:.3g}") == 8.07e-3


def test_hypercube_default_human_output():
    res = _run("hypercube")
    assert res.exit_code == 0
    assert "melting beta_m = 0.773150" in res.stdout


def test_hypercube_plots(tmp_path):
    res = _run("hypercube", "--beta", "0.2", "--json", "--plot", str(tmp_path))
    assert res.exit_code == 0, res.output
    figs = json.loads(res.stdout)["figures"]
    assert len(figs) == 5
    for f in figs:
        assert Path(f).stat().st_size > 10_000


@pytest.mark.parametrize(
    "args",
    [
        ("hypercube", "--beta", "-0.5"),
        ("hypercube", "--beta", "abc"),
        ("hypercube", "--D", "41"),
        ("hypercube", "--n-rates", "0", "--D", "10"),
    ],
)
def test_hypercube_bad_input(args):
    _one_line_error(_run(*args))


def test_master_equation_json():
    res = _run("master-equation", str(EXAMPLE), "--times", "0,1", "--times", "10", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out["equilibrium"]) == {"A", "B", "C"}
    assert abs(sum(out["equilibrium"].values()) - 1) < 1e-14
    assert out["relaxation_rates"][0] == pytest.approx(0.0, abs=1e-14)
    assert out["times"] == [0.0, 1.0, 10.0]
    assert out["start"] == "A"  # default: the highest-energy minimum
    assert out["populations"]["A"][0] == 1.0
    assert out["detailed_balance_error"] < 1e-14
    assert out["temperature"] == 0.5


def test_master_equation_options_and_plot(tmp_path):
    res = _run(
        "master-equation",
        str(EXAMPLE),
        "-T",
        "1.0",
        "--start",
        "C",
        "--times",
        "0.5",
        "--plot",
        str(tmp_path),
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["temperature"] == 1.0 and out["start"] == "C"
    assert Path(out["figures"][0]).exists()


def test_master_equation_warning_line(tmp_path):
    net = {
        "minima": [{"id": "a", "energy": 0}, {"id": "b", "energy": 1}, {"id": "c", "energy": 2}],
        "transition_states": [{"between": ["a", "b"], "energy": 3}],
        "temperature": 1.0,
    }
    p = tmp_path / "split.json"
    p.write_text(json.dumps(net))
    res = _run("master-equation", str(p), "--json")
    assert res.exit_code == 0
    assert "pelkit: warning:" in res.stderr
    assert json.loads(res.stdout)["n_components"] == 2


@pytest.mark.parametrize(
    "content, extra",
    [
        ('{"minima": [{"id": "a"}], "transition_states": []}', ()),
        (
            '{"minima": [{"id": "a", "energy": 0}], "transition_states": '
            '[{"between": ["a", "z"], "energy": 1}]}',
            (),
        ),
        ("not json", ()),
        (ONE_MIN, ()),  # no temperature
        (ONE_MIN, ("-T", "1", "--times", "x")),
        (ONE_MIN, ("-T", "1", "--start", "q", "--times", "1")),
        (ONE_MIN, ("-T", "-2")),
    ],
)
def test_master_equation_bad_input(tmp_path, content, extra):
    p = tmp_path / "net.json"
    p.write_text(content)
    _one_line_error(_run("master-equation", str(p), *extra))


def test_master_equation_missing_file(tmp_path):
    _one_line_error(_run("master-equation", str(tmp_path / "nope.json")))


def test_console_script_subprocess():
    exe = Path(sys.executable).parent / "pelkit"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    proc = subprocess.run(
        [str(exe), "theory", "master-equation", str(EXAMPLE), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "relaxation_rates" in json.loads(proc.stdout)
    bad = subprocess.run(
        [str(exe), "theory", "hypercube", "--D", "7"], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1


def test_hypercube_flags_rates_below_resolution():
    # beta = 1, D = 100: the liquid <-> crystal hop (~2e-21) is far below double precision
    res = _run("hypercube", "--beta", "1", "--D", "100", "--n-rates", "3", "--json")
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)["master_equation"]["rates"][0]
    assert row["slowest"] is None and row["slowest_below_resolution"] is True
    assert row["rates"][0] == 0.0 and row["rates"][1] is None and row["rates"][2] > 5.0
    assert 1e-12 < row["rate_resolution"] < 1e-8
    human = _run("hypercube", "--beta", "1", "--D", "100", "--n-rates", "3")
    assert human.exit_code == 0
    assert "below the resolution" in human.stdout and "e-15" not in human.stdout
