"""``pelkit swap-mc`` through a local Typer app (the lead wires ``register`` into the real app)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pelkit.build import kob_andersen_system, swap_system
from pelkit.cli.swap_mc import register
from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc
from pelkit.engine.calculator import Calculator
from pelkit.io.formats import read_system, write_system
from pelkit.models.swap import swap_model


@pytest.fixture(scope="module")
def app():
    application = typer.Typer()
    register(application)

    @application.command("noop")
    def _noop() -> None:  # a second command keeps "swap-mc" a named subcommand
        """Nothing."""

    return application


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("swapmc") / "start.xyz"
    write_system(path, swap_system(100, seed=3))
    return path


def test_json_output_and_written_configuration(app, runner, config, tmp_path):
    out = tmp_path / "glass.xyz"
    res = runner.invoke(
        app,
        ["swap-mc", str(config), "--model", "swap", "--temperature", "0.2", "--sweeps", "30",
         "--seed", "4", "--p-swap", "0.3", "--delta-max", "0.08", "--out", str(out), "--json"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["sweeps"] == 30 and data["seed"] == 4 and data["p_swap"] == 0.3
    assert 0 < data["acceptance"]["displacement"] < 1 and 0 < data["acceptance"]["swap"] < 1
    assert data["equilibration"]["equilibrated"] in (True, False)
    assert data["equilibration"]["reasons"]
    final = read_system(out)
    start = read_system(config)
    assert np.allclose(np.sort(final.diameters), np.sort(start.diameters))
    # the CLI result equals the library call with the same arguments
    model = swap_model()
    lib, lib_final = run_swap_mc(model, start, 0.2, 30, seed=4,
                                 options=SwapMCOptions(p_swap=0.3, delta_max=0.08))
    assert data["final_energy_per_particle"] == pytest.approx(lib.final_energy_per_particle,
                                                              abs=1e-12)
    assert data["mean_energy_per_particle"] == pytest.approx(lib.mean_energy_per_particle,
                                                             abs=1e-12)
    assert np.allclose(final.positions, lib_final.positions, atol=1e-8)
    e_file = Calculator(model, final).energy() / final.n_particles
    assert e_file == pytest.approx(data["final_energy_per_particle"], abs=1e-7)


def test_human_output_with_progress(app, runner, config):
    res = runner.invoke(app, ["swap-mc", str(config), "-T", "0.2", "--sweeps", "5"])
    assert res.exit_code == 0, res.output
    assert "acceptance: displacement" in res.stdout
    assert "equilibrated: NO" in res.stdout  # 5 sweeps can never pass the diagnostics
    quiet = runner.invoke(app, ["swap-mc", str(config), "-T", "0.2", "--sweeps", "5", "--quiet"])
    assert quiet.exit_code == 0 and "energy per particle" in quiet.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--temperature", "-1", "--sweeps", "5"], "temperature"),
        (["--temperature", "0.2", "--sweeps", "5", "--p-swap", "2"], "p_swap"),
        (["--temperature", "0.2", "--sweeps", "5", "--model", "nosuchmodel"], "model"),
        (["--temperature", "0.2", "--sweeps", "5", "--out", "x.unknownext"], "format"),
    ],
)
def test_bad_input_exit_2(app, runner, config, args, message):
    res = runner.invoke(app, ["swap-mc", str(config), *args])
    assert res.exit_code == 2
    assert "pelkit: error:" in res.stderr and message in res.stderr.lower()
    assert "Traceback" not in res.output


def test_missing_file_and_species_model(app, runner, tmp_path):
    res = runner.invoke(app, ["swap-mc", str(tmp_path / "none.xyz"), "-T", "0.2", "--sweeps", "2"])
    assert res.exit_code == 2
    ka = tmp_path / "ka.xyz"
    write_system(ka, kob_andersen_system(155, seed=2))
    res = runner.invoke(app, ["swap-mc", str(ka), "--model", "ka", "-T", "1.0", "--sweeps", "2"])
    assert res.exit_code == 2 and "p_swap" in res.stderr
    res = runner.invoke(
        app, ["swap-mc", str(ka), "--model", "ka", "-T", "1.0", "--sweeps", "2", "--p-swap", "0",
              "--json"],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["acceptance"]["swap"] is None
