"""``pelkit quench`` (default: compiled L-BFGS) and ``pelkit modes --lowest`` on the matrix-free
Hessian operator, as a user runs them (issue 14)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from pelkit.build import kob_andersen_system
from pelkit.cli.app import app
from pelkit.engine.calculator import Calculator
from pelkit.io.extxyz import write_extxyz
from pelkit.io.formats import read_system
from pelkit.models import get_model
from pelkit.modes.normal import all_modes


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_quench_defaults_to_lbfgs_then_lowest_modes_match_dense(tmp_path):
    start = tmp_path / "ka.xyz"
    write_extxyz(start, kob_andersen_system(520, seed=6, model=get_model("ka-smooth")))
    out = tmp_path / "is.xyz"
    res = run("quench", str(start), "-m", "ka-smooth", "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["method"] == "lbfgs" and summary["converged"]
    assert summary["max_force"] < 1e-10
    # 3N = 1560 > 1500: the CLI takes the pair-block operator and Lanczos
    res = run("modes", str(out), "-m", "ka-smooth", "--lowest", "6", "--json")
    assert res.exit_code == 0, res.output
    lam = np.asarray(json.loads(res.stdout)["eigenvalues"])
    minimum = read_system(out)
    ref = all_modes(Calculator(get_model("ka-smooth"), minimum).hessian(), minimum.masses)
    np.testing.assert_allclose(lam, ref.eigenvalues[:6], rtol=1e-10)


def test_quench_unknown_method_is_one_line_exit_2(tmp_path):
    start = tmp_path / "ka.xyz"
    write_extxyz(start, kob_andersen_system(155, seed=6))
    res = run("quench", str(start), "-m", "ka", "--method", "newton")
    assert res.exit_code == 2
    assert "unknown minimizer" in res.output
