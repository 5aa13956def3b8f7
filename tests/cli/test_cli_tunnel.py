"""``pelkit tunnel`` through a local Typer app (the lead wires ``register`` into the real app)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pelkit.cli.tunnel import register
from pelkit.io.paths import write_path_h5
from pelkit.landscape.doublewell import path_profile
from pelkit.landscape.tunneling import tunnel_splitting

K_B = 1.380649e-23
AMU = 1.66053906660e-27


@pytest.fixture(scope="module")
def app():
    application = typer.Typer()
    register(application)

    @application.command("noop")
    def _noop() -> None:  # a second command keeps "tunnel" a named subcommand
        """Nothing."""

    return application


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def quartic(tilt=0.0, n=41):
    roots = np.sort(np.roots([4.0, 0.0, -4.0, tilt]).real)
    x = np.linspace(roots[0], roots[2], n)
    return x - x[0], (x * x - 1) ** 2 + tilt * x, 4 * x * (x * x - 1) + tilt


@pytest.fixture
def path_file(tmp_path):
    xi, v, dv = quartic()
    f = tmp_path / "path.h5"
    write_path_h5(f, energy=v, xi=xi, dv_dxi=dv)
    return f


def test_json_output_matches_library(app, runner, path_file):
    r = runner.invoke(app, ["tunnel", str(path_file), "--units", "argon-khomenko2021", "--hbar",
                            "0.2", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    for key in ("splitting", "levels", "hbar_tilde", "threshold", "active", "h",
                "relative_change"):
        assert key in out
    xi, v, dv = quartic()
    ref = tunnel_splitting(path_profile(xi, v, dv), 0.2)
    assert out["splitting"] == pytest.approx(ref.splitting, rel=1e-14)
    assert out["threshold"] == 0.0015 and out["hbar_tilde"] == 0.2
    assert out["active"] is True  # E_t ~ 2.8e-4 <= 0.0015
    assert out["relative_change"] < 1e-4 and out["converged"] is True
    assert len(out["levels"]) == 4
    r = runner.invoke(app, ["tunnel", str(path_file), "-u", "nip-khomenko2021", "--hbar", "0.2",
                            "--json"])
    assert json.loads(r.stdout)["active"] is False  # 2.8e-4 > 0.0002


def test_custom_si_units(app, runner, path_file):
    eps = 120 * K_B
    r = runner.invoke(app, ["tunnel", str(path_file), "--units", "custom", "--epsilon-J",
                            str(eps), "--sigma-m", "3.4e-10", "--mass-kg", str(39.95 * AMU),
                            "--tq-kelvin", "1.0", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["hbar_tilde"] == pytest.approx(0.0296, abs=5e-5)
    assert out["threshold"] == pytest.approx(1 / 120, rel=1e-9)
    assert out["unit_system"]["t_q_kelvin"] == 1.0


def test_human_output(app, runner, path_file):
    r = runner.invoke(app, ["tunnel", str(path_file), "--units", "custom", "--hbar", "0.3"])
    assert r.exit_code == 0
    assert "tunnel splitting E_t" in r.stdout and "no threshold given" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--units", "argon-khomenko2021"], "hbar"),
        (["--units", "argon"], "unknown unit system"),
        (["--units", "custom", "--hbar", "0.1", "--sigma-m", "3e-10"], "all three"),
    ],
)
def test_bad_units_give_one_line_and_status_2(app, runner, path_file, args, message):
    r = runner.invoke(app, ["tunnel", str(path_file), *args])
    assert r.exit_code == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_bad_files(app, runner, tmp_path):
    r = runner.invoke(app, ["tunnel", str(tmp_path / "nope.h5"), "-u", "custom", "--hbar", "1"])
    assert r.exit_code == 2 and "file not found" in r.stderr
    x = np.linspace(0.0, 3.0, 31)  # three minima: not a double well
    v = 1 - np.cos(2 * np.pi * x / 1.5)
    f = tmp_path / "triple.h5"
    write_path_h5(f, energy=v, xi=x, dv_dxi=2 * np.pi / 1.5 * np.sin(2 * np.pi * x / 1.5))
    r = runner.invoke(app, ["tunnel", str(f), "-u", "custom", "--hbar", "0.1"])
    assert r.exit_code == 2 and "not a simple double well" in r.stderr
