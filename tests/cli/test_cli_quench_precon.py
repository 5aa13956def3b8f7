"""``pelkit quench --preconditioner exp`` (issue 14 item 4): the library's preconditioned
L-BFGS, one-line errors for bad input."""

from __future__ import annotations

from pelkit.io.formats import read_system
from pelkit.landscape.quench import quench
from pelkit.models import get_model


def test_quench_preconditioner_matches_the_library(cli, ka_file, tmp_path):
    res = cli("quench", ka_file, "-m", "ka", "--fmax", "1e-8", "--preconditioner", "exp",
              "--out", tmp_path / "is.xyz", "--json", "-q")
    assert res.exit_code == 0, res.stderr
    out = res.json()
    ref = quench(get_model("ka"), read_system(ka_file), fmax=1e-8, preconditioner="exp")
    assert out["converged"] and out["max_force"] < 1e-8 and out["method"] == "lbfgs-precon"
    assert out["energy"] == ref.energy and out["iterations"] == ref.minimize.iterations


def test_quench_preconditioner_bad_input(cli, ka_file):
    line = cli("quench", ka_file, "-m", "ka", "--preconditioner", "jacobi").one_error_line()
    assert "--preconditioner must be exp" in line
    line = cli("quench", ka_file, "-m", "ka", "--preconditioner", "exp",
               "--method", "fire2").one_error_line()
    assert "needs --method lbfgs" in line
    line = cli("quench", ka_file, "-m", "ka", "--preconditioner", "exp",
               "--device", "cpu").one_error_line()
    assert "one configuration" in line
