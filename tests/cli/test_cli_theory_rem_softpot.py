"""``pelkit theory rem`` and ``pelkit theory soft-potential`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pelkit.cli.app import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["theory", *args])


def _json(*args: str) -> dict:
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _assert_bad_input(*args: str) -> None:
    result = _run(*args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output


def test_rem_json_keys_and_values() -> None:
    out = _json("rem", "-M", "4096", "--sample-temperatures", "4,5", "--seed", "3")
    for key in (
        "slope_S_vs_ln_fu",
        "slope_S_vs_ln_p_less_Estar",
        "slope_R_vs_fu",
        "parameters",
        "seed",
        "exact",
        "asymptotic",
        "sampled",
    ):
        assert key in out
    assert round(out["slope_S_vs_ln_fu"], 3) == 1.907
    assert round(out["slope_S_vs_ln_p_less_Estar"], 3) == 0.975
    assert out["slope_R_vs_fu"] == pytest.approx(400.0, rel=1e-10)
    assert out["seed"] == 3
    assert out["parameters"]["n_neighbors"] == 200
    assert out["exact"]["T"] == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    for key in ("f_u", "S", "R_A", "R_B", "P_min"):
        assert len(out["exact"][key]) == 7
    assert "f_u_eq10" in out["asymptotic"] and "R_A_eq16" in out["asymptotic"]
    sampled = out["sampled"]
    assert sampled["n_states"] == 4096 and sampled["table"]["T"] == [4.0, 5.0]
    assert len(sampled["binned_f_u"]["E_center"]) == 24


def test_rem_no_sample_and_custom_parameters() -> None:
    out = _json("rem", "--no-sample", "--delta", "4", "-N", "10", "--v", "1", "-T", "1,2,3")
    assert "sampled" not in out and out["seed"] is None
    assert out["parameters"]["n_neighbors"] == 10
    assert out["exact"]["T"] == [1.0, 2.0, 3.0]
    assert out["slope_R_vs_fu"] == pytest.approx(20.0, rel=1e-10)


def test_rem_human_output_and_plots(tmp_path: Path) -> None:
    result = _run("rem", "-M", "2048", "--sample-temperatures", "4,6", "--plot", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "slope S vs ln<f_u> = 1.9073" in result.stdout
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["rem_entropy_vs_ln_f_u.png", "rem_f_u_vs_energy.png", "rem_rate_vs_f_u.png"]
    for p in tmp_path.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args",
    [
        ("rem", "--delta", "-1"),
        ("rem", "-T", "1,x"),
        ("rem", "-T", "1,-2", "--no-sample"),
        ("rem", "--neighbors", "ring"),
        ("rem", "-M", "1"),
        ("rem", "--neighbors", "hamming"),
        ("rem", "--bins", "0"),
        ("rem", "--v", "0"),
    ],
)
def test_rem_bad_input(args: tuple[str, ...]) -> None:
    _assert_bad_input(*args)


def test_soft_potential_json() -> None:
    out = _json("soft-potential", "--eps-m-over-kT", "3", "--points", "41")
    assert out["eta_1"] == pytest.approx(0.9082483, abs=5e-8)
    assert out["eta_2"] == pytest.approx(0.0917517, abs=5e-8)
    assert round(out["beta_eps0_over_beta_eps_m_sq"], 6) == 35.015034
    curve = out["curve"]
    for br in ("plus", "minus"):
        assert len(curve[br]["eta_k"]) == len(curve[br]["eps_k_over_eps_m"]) > 10
    assert max(curve["plus"]["eta_k"]) < out["eta_2"]
    assert min(curve["minus"]["eta_k"]) > out["eta_1"]
    table = {row["eta_k"]: row["eps_k_over_eps_m"] for row in out["plus_branch_table"]}
    assert round(table[0.0], 4) == 105.0451
    assert out["crossover"] is None


def test_soft_potential_below_one_reports_null_roots() -> None:
    out = _json("soft-potential", "--eps-m-over-kT", "0.5", "--points", "31")
    assert out["eta_1"] is None and out["eta_2"] is None
    assert "no real roots" in out["note"]
    assert out["curve"]["eta_prime_join"] > 0


def test_soft_potential_physical_crossover() -> None:
    out = _json("soft-potential", "--glass", "silica", "--t-star", "2.14", "--t-g", "1473")
    cr = out["crossover"]
    assert cr["nu_c_THz"] == 3.0
    assert cr["Ns_a2_A2"] == pytest.approx(162.0, rel=0.15)
    assert cr["eps0_eV"] == pytest.approx(55.0, rel=0.15)
    assert cr["eps_m_over_kT_g"] == pytest.approx(3.5, rel=0.1)
    assert cr["seed_example"]["implied_by_seed_triple"]["nu_c_THz"] == pytest.approx(2.88, abs=0.01)
    out2 = _json("soft-potential", "--t-star", "0.62", "--nu-c", "1.3")
    assert out2["crossover"]["Ns_a2_A2"] is None
    assert out2["crossover"]["eps0_eV"] == pytest.approx(89.0, rel=0.15)


def test_soft_potential_plot(tmp_path: Path) -> None:
    result = _run("soft-potential", "--points", "41", "--plot", str(tmp_path / "figs"))
    assert result.exit_code == 0, result.output
    png = tmp_path / "figs" / "soft_potential_fig8.png"
    assert png.exists() and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "args",
    [
        ("soft-potential", "--eps-m-over-kT", "0"),
        ("soft-potential", "--eps-m-over-kT", "-2"),
        ("soft-potential", "--t-star", "2.0"),
        ("soft-potential", "--nu-c", "3.0"),
        ("soft-potential", "--glass", "quartz", "--t-star", "2"),
        ("soft-potential", "--glass", "b2o3", "--t-star", "1.4"),
        ("soft-potential", "--t-star", "-1", "--nu-c", "3"),
        ("soft-potential", "--points", "2"),
    ],
)
def test_soft_potential_bad_input(args: tuple[str, ...]) -> None:
    _assert_bad_input(*args)
