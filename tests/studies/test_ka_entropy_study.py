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


def _task_files(out) -> dict[str, tuple[int, bytes]]:
    """File name -> (mtime in ns, bytes) of every stored state point."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted((out / "tasks" / "states").glob("*.npz"))}


def test_recompute_reruns_only_the_state_points_whose_inputs_changed(tmp_path,
                                                                    monkeypatch) -> None:
    """Per-task fingerprints: ``n_quenches`` is read by the isochore only, ``hbar`` by the
    analysis only. Through the CLI's body (sync scheduler): a resume with a changed config is
    refused, ``recompute`` reruns exactly the isochore for ``n_quenches`` and nothing for
    ``hbar`` (the analysis, tested above, is skipped until the last run)."""
    from pelkit.cli.study_packages import run_package_study
    from pelkit.parallel import load_result
    from pelkit.studies.ka_entropy import analysis as analysis_module

    real_analyze = analysis_module.analyze
    monkeypatch.setattr(analysis_module, "analyze", lambda out, cfg: {})

    base = ("isotherm_points = 2\nisochore_points = 3\nt_min = 1.0\nproduction_time = 2.0\n"
            "n_hessians = 1\n")
    files = {}
    for name, extra in (("a", "n_quenches = 2\n"), ("b", "n_quenches = 3\n"),
                        ("c", "n_quenches = 3\nhbar = 0.5\n")):
        files[name] = tmp_path / f"{name}.toml"
        files[name].write_text(base + extra)
    out = tmp_path / "run"

    def run(name: str, **kw) -> None:
        run_package_study("ka-entropy", "smoke", out, "sync", config=files[name], quiet=True,
                          **kw)

    run("a")
    first = _task_files(out)
    assert sum(k.startswith("isotherm") for k in first) == 2 and len(first) == 5
    with pytest.raises(InputError, match="was made with n_quenches = 2; this config has 3"):
        run("b", resume=True)
    assert _task_files(out) == first
    run("b", recompute=True)
    second = _task_files(out)
    for key, (mtime, data) in first.items():
        if key.startswith("isotherm"):
            assert second[key] == (mtime, data), key  # not rerun
        else:
            assert second[key][0] != mtime, key  # rerun with the new n_quenches
            assert load_result(out / "tasks" / "states" / key)["e_is"].shape == (3,)
    monkeypatch.setattr(analysis_module, "analyze", real_analyze)
    run("c", recompute=True)  # an analysis-only field: no state point reruns
    assert _task_files(out) == second
    assert json.loads((out / "summary.json").read_text())["study"] == "ka-entropy"


def test_task_fingerprints_cover_every_field_the_task_reads() -> None:
    """Every ``cfg.<field>`` read in tasks.py is in the fingerprinted fields (else a changed
    field would silently reuse stale state points)."""
    import re
    from pathlib import Path

    from pelkit.studies.ka_entropy import runner, tasks

    read = set(re.findall(r"cfg\.([a-z_0-9]+)", Path(tasks.__file__).read_text()))
    assert read and read <= set(runner.SIMULATION_FIELDS) | set(runner.LANDSCAPE_FIELDS)
