"""``pelkit build lj-cluster``, ``basin-hopping``, ``saddle``, ``connect``, ``db ...`` and the
exported network read by ``pelkit theory master-equation`` (the README tour, on LJ7)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pelkit.cli.app import app


@pytest.fixture(scope="module")
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture(scope="module")
def tour(run, tmp_path_factory):
    d = tmp_path_factory.mktemp("tour")
    r = run("build", "lj-cluster", "--n", 7, "--seed", 2, "--out", d / "lj7.xyz")
    assert r.exit_code == 0, r.output
    r = run("basin-hopping", d / "lj7.xyz", "--model", "lj-cluster", "--steps", 60,
            "--temperature", 2.0, "--step-size", 0.5, "--seed", 1, "--db", d / "lj7.sqlite",
            "--out", d / "gmin.xyz", "--json")
    assert r.exit_code == 0, r.output
    bh = json.loads(r.stdout)
    for mode in (1, 2, 3):
        r = run("saddle", d / "gmin.xyz", "--model", "lj-cluster", "--from-mode", mode,
                "--step", 0.2, "--db", d / "lj7.sqlite", "--json")
        assert r.exit_code == 0, r.output
    return d, bh


def test_basin_hopping_json(tour):
    _, bh = tour
    assert bh["lowest_energy"] == pytest.approx(-16.505384, abs=1e-5)
    assert bh["seed"] == 1 and bh["steps"] == 60 and bh["db_minima_total"] == 4


def test_saddle_json_reports_an_honest_transition_state(run, tour):
    d, _ = tour
    r = run("saddle", d / "gmin.xyz", "--model", "lj-cluster", "--from-mode", 1, "--step",
            0.2, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["is_transition_state"] and res["n_negative"] == 1 and res["converged"]
    assert res["max_force"] < res["fmax"] and res["energy"] > -16.505384


def test_db_list_graph_export_and_master_equation(run, tour):
    d, _ = tour
    r = run("db", "list", d / "lj7.sqlite", "--json")
    assert r.exit_code == 0, r.output
    listing = json.loads(r.stdout)
    assert listing["n_minima"] >= 4 and listing["n_transition_states"] >= 1
    for color in ("log-product", "participation"):
        r = run("db", "graph", d / "lj7.sqlite", "--out", d / "dg.png", "--color", color)
        assert r.exit_code == 0, r.output
    assert (d / "dg.png").stat().st_size > 1000
    r = run("db", "export", d / "lj7.sqlite", "--out", d / "net.json", "-T", 0.3, "--json")
    assert r.exit_code == 0, r.output
    r = run("theory", "master-equation", d / "net.json", "--times", "1,1000", "--json")
    assert r.exit_code == 0, r.output
    me = json.loads(r.stdout)
    assert me["prefactor_model"] == "harmonic" and me["n_minima"] == listing["n_minima"]
    r = run("db", "export", d / "lj7.sqlite", "--out", d / "grouped.json", "-T", 0.3,
            "--regroup", 1.0)
    assert r.exit_code == 0, r.output
    r = run("theory", "master-equation", d / "grouped.json", "--json")
    assert r.exit_code == 0, r.output
    r = run("db", "rates", d / "lj7.sqlite", "-T", 0.3, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["relaxation_rates"][0] == pytest.approx(0.0, abs=1e-12)


def test_connect_two_minima(run, tour):
    d, _ = tour
    listing = json.loads(run("db", "list", d / "lj7.sqlite", "--json").stdout)
    ids = [m["id"] for m in listing["minima"][:2]]
    for k in ids:
        assert run("db", "extract", d / "lj7.sqlite", "--minimum", k, "--out",
                   d / f"m{k}.xyz").exit_code == 0
    r = run("connect", d / f"m{ids[0]}.xyz", d / f"m{ids[1]}.xyz", "--model", "lj-cluster",
            "--db", d / "lj7.sqlite", "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert set(res["minima"]) == set(ids)
    if res["connected"]:
        assert res["path"][0] == ids[0] and res["path"][-1] == ids[1]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["saddle", "missing.xyz", "--model", "lj-cluster"], "not found"),
        (["saddle", "{d}/gmin.xyz", "--model", "lj-cluster", "--from-mode", "0"], "from-mode"),
        (["saddle", "{d}/gmin.xyz", "--model", "nope"], "unknown model"),
        (["saddle", "{d}/gmin.xyz", "--model", "lj-cluster", "--method", "x"], "saddle method"),
        (["basin-hopping", "{d}/gmin.xyz", "--model", "lj-cluster", "--temperature", "-1"],
         "temperature"),
        (["db", "list", "{d}/nothing.sqlite"], "not found"),
        (["db", "export", "{d}/lj7.sqlite", "--out", "{d}/x.json", "--regroup", "1"],
         "--temperature"),
        (["db", "graph", "{d}/lj7.sqlite", "--out", "{d}/x.png", "--color", "pink"], "--color"),
        (["connect", "{d}/gmin.xyz", "{d}/gmin.xyz", "--model", "lj-cluster", "--db",
          "{d}/lj7.sqlite"], "same minimum"),
        (["db", "list", "{d}/gmin.xyz"], "not a pelkit landscape database"),
    ],
)
def test_one_line_errors(run, tour, args, text):
    d, _ = tour
    r = run(*[a.format(d=d) for a in args])
    assert r.exit_code == 2, r.output
    assert text in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
