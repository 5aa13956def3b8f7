"""``pelkit modes``: INM classification, non-linear modes and quartic fits on a small swap glass."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pelkit.build import swap_system
from pelkit.cli.modes import register
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.io.formats import write_system
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.inm import double_well_fraction, quartic_fit
from pelkit.modes.nonlinear import cubic_nonlinear_mode
from pelkit.modes.normal import all_modes, lowest_modes


@pytest.fixture(scope="module")
def app():
    application = typer.Typer()
    register(application)

    @application.command("noop")
    def _noop() -> None:  # a second command keeps "modes" a named subcommand
        """Nothing."""

    return application


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """An N = 80 swap liquid snapshot at T = 0.3 and its inherent structure (extended XYZ)."""
    model = get_model("swap")
    md = MDSimulation(model, swap_system(80, seed=1), temperature=0.3, seed=1,
                      thermostat="bussi")
    md.advance(500)
    snap = md.snapshot()
    snap.velocities = None
    q = quench(model, snap, method="lbfgs", fmax=1e-10)
    folder = tmp_path_factory.mktemp("modes")
    write_system(folder / "liquid.xyz", snap)
    write_system(folder / "min.xyz", q.system)
    return folder / "liquid.xyz", folder / "min.xyz", snap, q.system


def _json(runner, app, *args):
    r = runner.invoke(app, ["modes", *map(str, args), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r


def test_classify_matches_library_and_counts(app, runner, files):
    liquid, _, snap, _ = files
    out, _ = _json(runner, app, liquid, "-m", "swap", "--classify", "--points", "101")
    cl = out["inm_classification"]
    n_nz = 3 * snap.n_particles - 3
    assert cl["n_unstable"] > 0 and cl["n_double_well"] + cl["n_shoulder"] == cl["n_unstable"]
    assert cl["f_dw"] == pytest.approx(cl["n_double_well"] / n_nz)
    assert cl["f_u"] == pytest.approx(out["fraction_imaginary"])
    assert len(cl["modes"]) == cl["n_unstable"]
    assert all(m["eigenvalue"] < 0 for m in cl["modes"])
    calc = Calculator(get_model("swap"), snap)
    x0 = snap.positions.reshape(-1)
    ref = double_well_fraction(calc.energy, x0, all_modes(calc.hessian(), snap.masses),
                               n_points=101)
    assert cl["f_dw"] == ref.f_dw and [m["label"] for m in cl["modes"]] == ref.labels
    human = runner.invoke(app, ["modes", str(liquid), "-m", "swap", "--classify", "--points",
                                "101"])
    assert human.exit_code == 0 and "double-well" in human.stdout and "f_dw" in human.stdout


def test_nonlinear_modes_converge_and_match_library(app, runner, files):
    _, minimum, _, system = files
    out, r = _json(runner, app, minimum, "-m", "swap", "--nonlinear", "3")
    assert out["warnings"] == [] and r.stderr == ""
    rows = out["nonlinear_modes"]
    assert len(rows) == 3 and out["nonlinear_not_converged"] == 0
    calc = Calculator(get_model("swap"), system)
    low = lowest_modes(calc.hessian(sparse=True), system.masses, 3)
    for j, row in enumerate(rows):
        assert row["converged"] and row["method"] == "line-search"
        assert row["relative_residual"] < 1e-6
        assert row["barrier"] == pytest.approx(2 / 3 * row["kappa"] ** 3 / row["tau"] ** 2)
        assert 0 < row["participation_ratio"] <= 1 and 0 <= row["overlap_with_start"] <= 1
        assert isinstance(row["line_double_well"], bool)
        ref = cubic_nonlinear_mode(calc.hessian(), calc.third_order_vv,
                                   low.displacements()[:, j])
        assert row["barrier"] == pytest.approx(ref.barrier, rel=1e-6)
        assert row["start_eigenvalue"] == pytest.approx(low.eigenvalues[j], rel=1e-8)


def test_quartic_fit_matches_library(app, runner, files):
    _, minimum, _, system = files
    out, _ = _json(runner, app, minimum, "-m", "swap", "--quartic", "2", "--omega-c", "3",
                   "--length-a", "0.2")
    rows = out["quartic_fits"]
    assert [r["mode"] for r in rows] == [0, 1]
    calc = Calculator(get_model("swap"), system)
    low = lowest_modes(calc.hessian(sparse=True), system.masses, 2)
    for j, row in enumerate(rows):
        ref = quartic_fit(calc.energy, system.positions.reshape(-1), low.eigenvectors[:, j],
                          system.masses, eigenvalue=low.eigenvalues[j], omega_c=3.0, a=0.2)
        assert row["c4"] == pytest.approx(ref.c4, rel=1e-6)
        assert row["c2"] == pytest.approx(ref.c2, rel=1e-6)
        assert row["eta_k"] == pytest.approx(2 * row["c2"] / 9.0)
        assert row["c4_ratio"] == pytest.approx(row["c4"] / row["c4_predicted"])
        # c2 is the harmonic term: close to lambda/2 at a minimum (anharmonic window)
        assert 0.7 < row["c2_over_half_lambda"] < 1.5
    human = runner.invoke(app, ["modes", str(minimum), "-m", "swap", "--quartic", "1"])
    assert human.exit_code == 0 and "c4" in human.stdout


def test_not_a_minimum_warns(app, runner, files):
    liquid, *_ = files
    out, r = _json(runner, app, liquid, "-m", "swap", "--quartic", "1")
    assert len(out["warnings"]) == 1 and "not a minimum" in out["warnings"][0]
    assert "pelkit: warning:" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nonlinear", "0"], "--nonlinear must lie in 1..237"),
        (["--quartic", "238"], "--quartic must lie in 1..237"),
        (["--lowest", "2", "--classify"], "not both"),
        (["--lowest", "2", "--nonlinear", "3"], "--nonlinear 3 needs at least 3 modes"),
        (["--nonlinear", "1", "--nonlinear-method", "newton"], "line-search or plain"),
        (["--nonlinear", "1", "--nonlinear-max-iter", "0"], "--nonlinear-max-iter"),
        (["--quartic", "1", "--length-a", "0.2"], "--length-a needs --omega-c"),
        (["--quartic", "1", "--omega-c", "-1"], "--omega-c must be a positive number"),
        (["--classify", "--points", "4"], "--points must be odd"),
        (["--classify", "--max-displacement", "0"], "--max-displacement must be a positive"),
        ([], "give --lowest K, --all, --classify"),
        (["--all", "-m", "nosuchmodel"], "unknown model"),
    ],
)
def test_bad_input_is_one_line(app, runner, files, args, message):
    _, minimum, _, _ = files
    base = ["modes", str(minimum)]
    if "-m" not in args:
        base += ["-m", "swap"]
    r = runner.invoke(app, base + args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("pelkit: error:")


def test_missing_file(app, runner, tmp_path):
    r = runner.invoke(app, ["modes", str(tmp_path / "none.xyz"), "-m", "swap", "--all"])
    assert r.exit_code == 2 and "file not found" in r.stderr


def test_lowest_and_all_unchanged(app, runner, files):
    _, minimum, _, system = files
    out, _ = _json(runner, app, minimum, "-m", "swap", "--lowest", "4")
    calc = Calculator(get_model("swap"), system)
    ref = all_modes(calc.hessian(), system.masses)
    np.testing.assert_allclose(out["eigenvalues"], ref.eigenvalues[:4], rtol=1e-8)
    assert "nonlinear_modes" not in out and "inm_classification" not in out
