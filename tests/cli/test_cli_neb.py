"""``pelkit neb A B --model NAME`` on two neighbouring minima of a small swap glass."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pelkit.build import swap_system
from pelkit.cli.neb import register
from pelkit.cli.tunnel import register as register_tunnel
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.io.formats import write_system
from pelkit.io.paths import read_path_h5
from pelkit.landscape.inherent import MinimaRegistry
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.normal import all_modes

KEYS = ("barrier", "asymmetry", "is_double_well", "n_images", "converged", "max_force",
        "method", "initial_path", "fallback")


@pytest.fixture(scope="module")
def app():
    application = typer.Typer()
    register(application)
    register_tunnel(application)
    return application


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def minima(tmp_path_factory):
    """Two minima of an N = 80 swap glass visited in succession (A -> B -> A) by MD at T = 0.05
    with a quench every 50 steps, written as extended XYZ files."""
    model = get_model("swap")
    md = MDSimulation(model, swap_system(80, seed=1), temperature=0.2, seed=1,
                      thermostat="bussi")
    md.advance(3000)
    md = MDSimulation(model, md.snapshot(), temperature=0.05, seed=2, thermostat="bussi")
    registry = MinimaRegistry()
    pair = None
    for _ in range(400):
        md.advance(50)
        snap = md.snapshot()
        snap.velocities = None
        q = quench(model, snap, method="lbfgs", fmax=1e-10)
        registry.identify(q.system, q.energy)
        twice = [p for p, c in registry.transitions().items() if c >= 2]
        if twice:
            pair = twice[0]
            break
    assert pair is not None, "no pair of minima visited twice"
    folder = tmp_path_factory.mktemp("neb")
    files = []
    for name, k in zip("AB", pair, strict=True):
        path = folder / f"{name}.xyz"
        write_system(path, registry.minima[k])
        files.append(path)
    return folder, files, [registry.minima[k] for k in pair], [registry.energies[k] for k in pair]


@pytest.fixture(scope="module")
def result(app, runner, minima):
    folder, (a, b), _, _ = minima
    out = folder / "path.h5"
    r = runner.invoke(app, ["neb", str(a), str(b), "--model", "swap", "--images", "10",
                            "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), out


def test_json_fields(result, minima):
    data, _ = result
    _, _, systems, energies = minima
    for key in KEYS:
        assert key in data
    assert data["n_images"] == 10
    assert data["converged"] and data["max_force"] < 1e-6
    assert data["is_double_well"]
    assert data["e_a"] == pytest.approx(energies[0], abs=1e-9)
    assert data["e_b"] == pytest.approx(energies[1], abs=1e-9)
    assert data["barrier"] == pytest.approx(data["e_s"] - min(data["e_a"], data["e_b"]),
                                            abs=1e-12)
    assert data["asymmetry"] == pytest.approx(abs(data["e_a"] - data["e_b"]), abs=1e-12)
    assert data["barrier"] > 0 and data["barrier_a"] > 0 and data["barrier_b"] > 0
    assert not data["quenched_a"] and not data["quenched_b"]


def test_climbing_image_is_a_first_order_saddle(result, minima):
    """Independent of the NEB code: the Hessian at the converged climbing image has exactly one
    negative eigenvalue, and the saddle lies below the straight-line path's maximum."""
    data, path = result
    _, _, systems, _ = minima
    model = get_model("swap")
    band = read_path_h5(path)
    calc = Calculator(model, systems[0], check_overlap=False)
    x_s = band.images[data["climbing_index"]].reshape(-1, 3)
    modes = all_modes(calc.hessian(positions=x_s), systems[0].masses)
    assert modes.count_negative(1e-6) == 1
    a = systems[0].positions
    d = systems[0].box.minimum_image(systems[1].positions - a)
    line = max(calc.energy(a + s * d) for s in np.linspace(0.0, 1.0, 201))
    assert data["e_s"] <= line + 1e-12


def test_path_file_feeds_tunnel(app, runner, result):
    data, path = result
    band = read_path_h5(path)
    assert band.images.shape[0] == data["n_images"]
    assert band.omega_a == pytest.approx(data["omega_a"])
    r = runner.invoke(app, ["tunnel", str(path), "--units", "argon-khomenko2021",
                            "--hbar", "0.0296", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["splitting"] > 0
    assert out["barrier"] == pytest.approx(data["barrier"], abs=1e-12)


def test_end_point_off_the_minimum_is_quenched_or_refused(app, runner, minima, tmp_path):
    _, (a, b), systems, energies = minima
    pushed = systems[0].with_positions(
        systems[0].positions + 0.01 * np.random.default_rng(0).normal(size=(80, 3))
    )
    off = tmp_path / "A_off.xyz"
    write_system(off, pushed)
    r = runner.invoke(app, ["neb", str(off), str(b), "--model", "swap", "--images", "6",
                            "--max-iterations", "300", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["quenched_a"] and not data["quenched_b"]
    assert data["e_a"] == pytest.approx(energies[0], abs=1e-7)
    r = runner.invoke(app, ["neb", str(off), str(b), "--model", "swap", "--no-quench"])
    assert r.exit_code == 2
    assert "not a minimum" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_inputs_are_one_line_errors(app, runner, minima, tmp_path):
    _, (a, b), _, _ = minima
    other = tmp_path / "other.xyz"
    write_system(other, swap_system(100, seed=3))
    cases = [
        (["neb", str(a), str(a), "--model", "swap"], "same minimum"),
        (["neb", str(a), str(other), "--model", "swap"], "particles"),
        (["neb", str(a), str(b), "--model", "nonsense"], "unknown model"),
        (["neb", str(a), str(tmp_path / "missing.xyz"), "--model", "swap"], "not found"),
        (["neb", str(a), str(b), "--model", "swap", "--images", "2"], "at least 3"),
        (["neb", str(a), str(b), "--model", "swap", "--method", "bfgs"], "method"),
        (["neb", str(a), str(b), "--model", "swap", "--initial-path", "x"], "initial_path"),
    ]
    for args, text in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert text in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


def test_deprecated_study_neb_between_matches_the_command(result, minima, tmp_path):
    """The old entry point (tls-qlm study) warns and gives what ``pelkit neb`` gives."""
    from pelkit.studies.tls_qlm.paths import neb_between

    data, path = result
    _, _, systems, _ = minima
    out = tmp_path / "old.h5"
    with pytest.warns(DeprecationWarning, match="pelkit.landscape.paths.neb_between"):
        old = neb_between(get_model("swap"), systems[0], systems[1], n_images=10, out=str(out))
    for key in ("barrier", "asymmetry", "e_s", "omega_a", "omega_b", "iterations", "converged"):
        assert old[key] == data[key], key
    assert old["out"] == str(out)
    np.testing.assert_array_equal(read_path_h5(out).images, read_path_h5(path).images)
