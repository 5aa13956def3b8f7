"""Bad input of every class is one line and exit 2 (issue 11, items 1, 2, 5 and 7)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from pelkit.cli.common import error_message
from pelkit.engine.calculator import summarize
from pelkit.io.formats import read_system
from pelkit.models import get_model, model_names

# -- item 1: operating-system errors -----------------------------------------------------------


def test_output_below_a_file_is_one_line(cli, ka_file, tmp_path):
    line = cli("build", "ka", "--n", "155", "--out", ka_file / "x.xyz").one_error_line()
    assert "ka.xyz" in line
    assert "is a file" in line or "not a directory" in line


def test_output_that_is_a_directory_is_one_line(cli, ka_file, tmp_path):
    (tmp_path / "d.xyz").mkdir()
    line = cli("quench", ka_file, "-m", "ka", "--out", tmp_path / "d.xyz").one_error_line()
    assert "directory" in line
    line = cli("convert", ka_file, tmp_path / "d.xyz").one_error_line()
    assert "directory" in line


def test_plot_folder_below_a_file_is_one_line(cli, ka_file):
    line = cli("theory", "hypercube", "--plot", ka_file / "figs").one_error_line()
    assert str(ka_file) in line


@pytest.mark.parametrize(
    "exc, words",
    [
        (OSError(errno.EROFS, "Read-only file system", "out.h5"), "read-only file system: out.h5"),
        (OSError(errno.ENOSPC, "No space left on device", "t.h5"), "no space left"),
        (PermissionError(errno.EACCES, "Permission denied", "/x"), "permission denied: /x"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "d"), "is a directory"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "f/x"), "not a directory"),
        (OSError(errno.EIO, "Input/output error", "f"), "Input/output error: f"),
    ],
)
def test_every_os_error_is_mapped_to_one_line(exc, words):
    message = error_message(exc)
    assert message is not None and words in message and "\n" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused_before_work(cli, ka_file, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        line = cli("quench", ka_file, "-m", "ka", "--out", ro / "is.xyz").one_error_line()
        assert "not writable" in line
    finally:
        ro.chmod(0o700)


# -- item 2: outputs are checked before the work -----------------------------------------------


def test_md_checks_final_before_running(cli, ka_file):
    t0 = time.perf_counter()
    res = cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "100000000",
              "--final", "nodir/f.xyz")
    line = res.one_error_line()
    assert "output folder does not exist" in line and "nodir" in line
    assert time.perf_counter() - t0 < 20  # 1e8 steps would take hours
    assert res.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["quench", "{ka}", "-m", "ka", "--out", "nodir/is.xyz"],
        ["quench", "{ka}", "-m", "ka", "--out", "is.unknown"],
        ["md", "{ka}", "-m", "ka", "-T", "0.8", "--steps", "10", "--out", "t.xyz"],
        ["build", "ka", "--n", "155", "--out", "nodir/ka.xyz"],
        ["swap-mc", "{ka}", "-m", "ka", "-T", "1", "--sweeps", "10", "--out", "nodir/x.xyz"],
        ["convert", "{ka}", "nodir/x.xyz"],
        ["convert", "{ka}", "{ka}"],
        ["saddle", "{ka}", "-m", "ka", "--out", "nodir/ts.xyz"],
        ["basin-hopping", "{ka}", "-m", "ka", "--steps", "100000", "--out", "nodir/gm.xyz"],
        ["db", "extract", "x.sqlite", "--minimum", "1", "--out", "nodir/m.xyz"],
    ],
)
def test_bad_outputs_refused_first(cli, ka_file, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    res = cli(*[a.replace("{ka}", str(ka_file)) for a in args])
    res.one_error_line()
    assert not (tmp_path / "is.unknown").exists()


def test_md_steps_zero_is_meaningful_and_negative_rejected(cli, ka_file):
    res = cli("md", ka_file, "-m", "ka", "-T", "0.8", "--steps", "0", "--json", "-q")
    assert res.exit_code == 0, res.stderr
    out = res.json()
    assert out["steps"] == 0 and out["final_step"] == 0
    pot = get_model("ka")
    ref = summarize(pot, read_system(ka_file))
    assert np.isclose(out["mean_potential_energy_per_particle"], ref["energy_per_particle"],
                      rtol=1e-12)
    assert "non-negative" in cli("md", ka_file, "-m", "ka", "-T", "0.8",
                                 "--steps", "-5").one_error_line()


# -- item 5: species the model does not know ---------------------------------------------------


def test_species_mismatch_is_an_error_and_a_map_is_explicit(cli, ka_file):
    line = cli("energy", ka_file, "--model", "lj").one_error_line()
    assert "'B'" in line and "lj" in line and "--species-map" in line
    res = cli("energy", ka_file, "--model", "lj", "--species-map", "B=A", "--json")
    assert res.exit_code == 0, res.stderr
    system = read_system(ka_file)
    as_a = system.copy()
    as_a.species = np.zeros_like(system.species)
    as_a.species_names = ("A",)
    ref = summarize(get_model("lj"), as_a)
    assert res.json()["energy"] == pytest.approx(ref["energy"], rel=1e-13)
    bad = cli("energy", ka_file, "--model", "lj", "--species-map", "B=Q").one_error_line()
    assert "'Q'" in bad
    assert "FILE_SPECIES=MODEL_SPECIES" in cli(
        "energy", ka_file, "--model", "lj", "--species-map", "B"
    ).one_error_line()


@pytest.mark.parametrize("command", [["quench"], ["modes", "--lowest", "2"], ["saddle"],
                                     ["basin-hopping", "--steps", "1"], ["neb", "{ka}"],
                                     ["connect", "{ka}", "--db", "x.sqlite"]])
def test_every_loader_checks_species(cli, ka_file, command):
    rest = [str(ka_file) if a == "{ka}" else a for a in command[1:]]
    res = cli(command[0], ka_file, "-m", "lj", *rest)
    assert "'B'" in res.one_error_line()


# -- item 7: one style -------------------------------------------------------------------------


def test_usage_errors_are_one_line(cli, ka_file):
    for args in (["md"], ["md", ka_file, "-m", "ka", "--bogus"], ["nocommand"],
                 ["md", ka_file, "-m", "ka", "-T", "warm", "--steps", "1"]):
        line = cli(*args).one_error_line()
        assert "--help" in line


def test_help_reads_as_one_tool(cli):
    from typer.main import get_command

    from pelkit.cli.app import app

    root = get_command(app)
    seen = {}

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, prefix + [name])
            else:
                seen[" ".join(prefix + [name])] = cmd

    walk(root, [])
    assert {"build", "md", "quench", "energy", "modes", "msd", "theory master-equation",
            "theory rem", "study run"} <= set(seen)
    undocumented = set()
    for name, cmd in seen.items():
        flags = {opt: p for p in cmd.params for opt in p.opts}
        if "-n" in flags:  # -n is the particle count of build, nothing else
            assert name == "build", name
        if "--model" in flags and name.startswith("theory"):
            raise AssertionError(f"{name}: --model is a pair potential elsewhere")
        undocumented |= {f"{name} {p.opts[0]}" for p in cmd.params
                         if p.param_type_name == "option" and not p.help}
    assert not undocumented, undocumented
    # every built-in model (a fresh process: other tests register their own)
    code = "from pelkit.models import model_names; print(' '.join(model_names()))"
    builtin = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120).stdout.split()
    assert builtin and set(builtin) <= set(model_names())
    help_text = cli("build", "--help").stdout
    for model in builtin:
        assert model in help_text, model
    md_help = cli("md", "--help").stdout
    assert "eps/k_B" in md_help and "tau" in md_help
    assert "eps/sigma" in cli("quench", "--help").stdout


def test_theory_modules_import_alone_without_a_cycle():
    code = ("import pelkit.cli.theory_master_equation as m, pelkit.cli.theory_rem as r; "
            "import pelkit.cli.theory as t; print(sorted(c.name for c in "
            "t.theory_app.registered_commands))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "master-equation" in out.stdout and "rem" in out.stdout


def test_rem_temperatures_repeat_or_comma(cli):
    a = cli("theory", "rem", "--no-sample", "-N", "10", "-T", "1,2", "--json").json()
    b = cli("theory", "rem", "--no-sample", "-N", "10", "-T", "1", "-T", "2", "--json").json()
    assert a["exact"]["T"] == b["exact"]["T"] == [1.0, 2.0]


def test_models_json_lists_every_model(cli):
    out = cli("models", "--json").json()
    assert set(out) == set(model_names())
    assert all(isinstance(v, str) and v for v in out.values())
