"""The soft-modes study: configuration errors, an end-to-end tiny campaign, resume, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.parallel import load_result
from pelkit.studies.soft_modes.analysis import analyze
from pelkit.studies.soft_modes.config import PRESETS, load_config
from pelkit.studies.soft_modes.runner import run_study

PELKIT = [sys.executable, "-m", "pelkit.cli"]


def test_presets_validate_and_bad_input_is_one_error(tmp_path: Path) -> None:
    for name in PRESETS:
        load_config(name)
    assert load_config("laptop").sizes == [500, 1000]
    with pytest.raises(InputError, match="unknown preset"):
        load_config("huge")
    with pytest.raises(InputError, match="box side"):
        load_config("smoke", sizes=[64])  # box side 4 <= 2 r_c = 5
    bad = tmp_path / "bad.toml"
    bad.write_text("n_quartic = -1\n")
    with pytest.raises(InputError, match="n_quartic"):
        load_config("smoke", bad)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("sm")
    cfg = load_config("smoke", sizes=[128], glasses_per_size=2, n_quartic=2)
    run_study(cfg, out, scheduler="sync")
    return out, cfg


def test_campaign_analysis_figures_and_report(tiny) -> None:
    out, cfg = tiny
    summary = analyze(out, cfg)
    size = summary["sizes"][0]
    assert size["n_particles"] == 128 and size["n_modes"] == 2 * (3 * 128 - 3)
    assert size["quenches_converged"] == 2 and size["n_imaginary"] == 0
    assert 0.0 < size["lowest_mode_p_median"] < size["median_p_all"] <= 1.0
    assert size["quartic_modes"] == 4
    assert summary["omega_c"] > 0
    for name in ("fig5_vdos.png", "fig6_participation.png", "fig8_quartic_stability.png"):
        assert (out / "figures" / name).stat().st_size > 1000
    report = (out / "report.md").read_text()
    assert "~100 atoms" in report and "not the paper's N = 500 and 1000" in report
    assert json.loads((out / "summary.json").read_text())["study"] == "soft-modes"


def test_resume_recomputes_a_lost_glass_identically(tiny) -> None:
    out, cfg = tiny
    path = out / "tasks" / "glasses" / "N0128_g001.npz"
    before = load_result(path)
    path.unlink()
    run_study(cfg, out, scheduler="sync", resume=True)
    after = load_result(path)
    for key in before:
        if key != "wall_time":
            np.testing.assert_array_equal(np.asarray(before[key]), np.asarray(after[key]))


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    res = subprocess.run(PELKIT + ["study", "run", "soft-modes", "--preset", "nope", "--out",
                                   str(tmp_path / "x")], capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.strip().startswith("pelkit: error: unknown preset")
    assert len(res.stderr.strip().splitlines()) == 1
    listing = subprocess.run(PELKIT + ["study", "list", "--json"], capture_output=True, text=True)
    studies = json.loads(listing.stdout)
    assert {"soft-modes", "ka-entropy"} <= set(studies)


def test_binary_n12_glass_task() -> None:
    from pelkit.studies.soft_modes.tasks import glass_task

    cfg = load_config("smoke", exponent=12.0, mixture="binary", sizes=[256], melt_time=0.5,
                      liquid_time=1.0, n_quartic=1)
    res = glass_task(cfg.model_dump(), 256, 0, 99)
    assert sorted(set(np.round(res["diameters"], 6))) == [1.0, 1.2]
    assert res["quench_converged"] and res["eigenvalues"].size == 3 * 256 - 3
    assert res["eigenvalues"][0] > 0 and res["q6"] < cfg.q6_crystal
    with pytest.raises(InputError, match="box side"):
        load_config("smoke", mixture="binary")  # N = 128: L = 5.04 <= 2 * 2.5 * 1.2


def test_fingerprints_reuse_glasses_for_analysis_only_changes(tiny) -> None:
    """Per-glass fingerprints cover only what :func:`glass_task` reads: a resume with a changed
    analysis field (``extended_pr``) reuses every glass; a changed task field (``n_quartic``) is
    refused on resume, naming the field."""
    from pelkit.parallel import FingerprintMismatch

    out, cfg = tiny
    folder = out / "tasks" / "glasses"
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")}
    run_study(cfg.model_copy(update={"extended_pr": 0.5}), out, scheduler="sync", resume=True)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")} == before
    with pytest.raises(FingerprintMismatch, match="n_quartic"):
        run_study(cfg.model_copy(update={"n_quartic": 1}), out, scheduler="sync", resume=True)


def test_glass_fingerprint_covers_every_field_the_task_reads() -> None:
    import re

    from pelkit.studies.soft_modes import runner, tasks

    read = set(re.findall(r"cfg\.([a-z_0-9]+)", Path(tasks.__file__).read_text()))
    assert read and read <= set(runner.GLASS_FIELDS)
