"""The ka-entropy study: configuration errors, an end-to-end tiny campaign, the CLI analyze."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.studies.ka_entropy.analysis import analyze
from pelkit.studies.ka_entropy.config import PRESETS, load_config
from pelkit.studies.ka_entropy.runner import run_study

PELKIT = [sys.executable, "-m", "pelkit.cli"]


def test_presets_and_bad_input() -> None:
    for name in PRESETS:
        cfg = load_config(name)
        temps = cfg.isochore_temperatures()
        assert temps[0] == cfg.isotherm_temperature and temps[-1] == pytest.approx(cfg.t_min)
        steps = np.diff(1.0 / np.asarray(temps))  # equal in 1/T (T rounded to 1e-6)
        assert np.allclose(steps, steps[0], rtol=1e-4)
        rho = cfg.isotherm_densities()
        assert 0 < rho[0] and rho[-1] < cfg.density
    with pytest.raises(InputError, match="t_min"):
        load_config("smoke", t_min=6.0)
    with pytest.raises(InputError, match="n_particles"):
        load_config("smoke", n_particles=100)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("ke")
    cfg = load_config("smoke", isotherm_points=3, isochore_points=3, t_min=1.0,
                      production_time=2.0, n_quenches=4, n_hessians=1)
    run_study(cfg, out, scheduler="sync")
    return out, cfg


def test_campaign_analysis(tiny) -> None:
    out, cfg = tiny
    summary = analyze(out, cfg)
    s_c = np.asarray(summary["s_c"], dtype=float)
    assert s_c.shape == (3,) and np.all(np.isfinite(s_c))
    # descriptive keys beside the former ones (kept for one release)
    assert summary["ka_paper_gaussian"] == summary["seed004_gaussian"]
    assert summary["ka_paper_s_c_at_e_is"] == summary["seed004_s_c_at_e_is"]
    # the total entropy falls on cooling, and the vibrational part stays below it
    s_tot = np.asarray(summary["s_total"])
    assert np.all(np.diff(s_tot) < 0)
    assert np.all(np.asarray(summary["s_vib"]) < s_tot + 2.0)
    assert summary["checks"]["quenches_converged"] == summary["checks"]["quenches"]
    assert (out / "figures" / "fig4_sconf.png").stat().st_size > 1000
    report = (out / "report.md").read_text()
    assert "Coluzzi, Parisi and Verrocchio" in report
    assert "KA local-diffusivity paper, Gaussian" in report


def test_cli_analyze_rewrites_the_report(tiny) -> None:
    out, cfg = tiny
    from pelkit.io.results import RunFolder

    RunFolder(out).write_config({**cfg.model_dump(exclude_none=True), "study_name": "ka-entropy"})
    (out / "report.md").unlink(missing_ok=True)
    res = subprocess.run(PELKIT + ["study", "analyze", str(out), "--json"], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["study"] == "ka-entropy"
    assert (out / "report.md").is_file()
