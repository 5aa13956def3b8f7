"""The KA study's use of the campaign layer, with stand-in task functions (fast).

What a task reads of the config decides its fingerprint, so: a changed production-only field
reruns only production tasks, an analysis-only field reruns nothing, a changed quench_fmax (read
by both phases) reruns all; a resume without --recompute is refused before any task runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.parallel import CampaignFailed
from pelkit.studies.ka_landscape import runner as ka_runner
from pelkit.studies.ka_landscape.config import KAConfig, load_config

RAN: list[str] = []


def fake_equilibrate(config, temperature, replica, seed, device="cpu"):  # noqa: ANN001, ANN201
    RAN.append(f"eq/{temperature}/{replica}")
    rng = np.random.default_rng(seed % 2**32)
    lags = np.geomspace(0.01, 10.0, 30)
    return {"positions": rng.random((4, 3)), "velocities": rng.random((4, 3)),
            "species": np.zeros(4, dtype=np.int64), "pilot_lag_times": lags,
            "pilot_msd_A": lags * temperature * (1.0 + 0.01 * replica)}


def fake_production(config, temperature, replica, seed, start, t1_pilot,  # noqa: ANN001, ANN201
                    device="cpu"):
    RAN.append(f"prod/{temperature}/{replica}")
    if config.get("quenches_per_t1") == 13 and replica == 1:
        raise FloatingPointError("MD blew up at step 7")
    return {"x": start["positions"].sum() * config["production_factor"], "t1": t1_pilot}


def fake_equilibrate_block(config, temperature, replicas, seeds, device="cpu"):  # noqa: ANN001, ANN201
    return [{**fake_equilibrate(config, temperature, r, s, device), "replica": r}
            for r, s in zip(replicas, seeds, strict=True)]


def fake_production_block(config, temperature, replicas, seeds, starts,  # noqa: ANN001, ANN201
                          t1_pilot, device="cpu"):
    return [{**fake_production(config, temperature, r, s, st, t1_pilot, device), "replica": r}
            for r, s, st in zip(replicas, seeds, starts, strict=True)]


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.setattr(ka_runner, "equilibrate_block", fake_equilibrate_block)
    monkeypatch.setattr(ka_runner, "production_block", fake_production_block)
    RAN.clear()
    return RAN


def cfg(**changes) -> KAConfig:
    return load_config("smoke", temperatures=[1.0, 2.0], n_replicas=2, **changes)


def test_every_config_field_is_classified() -> None:
    fields = set(KAConfig.model_fields)
    known = (set(ka_runner.EQUILIBRATE_FIELDS) | set(ka_runner.PRODUCTION_FIELDS)
             | set(ka_runner.ANALYSIS_FIELDS) | set(ka_runner.CAMPAIGN_FIELDS))
    assert fields == known, "classify new KAConfig fields in studies/ka_landscape/runner.py"


def test_recompute_reruns_exactly_the_affected_tasks(tmp_path: Path, fakes) -> None:
    ka_runner.run_study(cfg(), tmp_path, scheduler="sync")
    assert len(fakes) == 8
    config_toml = (tmp_path / "config.toml").read_bytes()

    fakes.clear()
    ka_runner.run_study(cfg(), tmp_path, scheduler="sync", resume=True)
    assert fakes == []

    changes: dict = {}
    for field, value, expect in (("production_factor", 3.0, {"prod"}),
                                 ("bootstrap", 7, set()),
                                 ("quench_fmax", 1e-8, {"eq", "prod"})):
        changes[field] = value
        fakes.clear()
        with pytest.raises(InputError, match=f"was made with {field} = "):
            ka_runner.run_study(cfg(**changes), tmp_path, scheduler="sync", resume=True)
        assert fakes == [] and (tmp_path / "config.toml").read_bytes() == config_toml
        ka_runner.run_study(cfg(**changes), tmp_path, scheduler="sync", recompute=True)
        assert {r.split("/")[0] for r in fakes} == expect, field
        assert len(fakes) == 4 * len(expect)
        config_toml = (tmp_path / "config.toml").read_bytes()
        assert f"{field} = ".encode() in config_toml


def test_blocks_store_one_fingerprinted_file_per_replica(tmp_path: Path, fakes) -> None:
    """Blocks of 2 replicas: the same per-replica files and values as blocks of one; a block
    reruns when one of its replicas' files is missing."""
    ka_runner.run_study(cfg(replica_block=1, device="cpu"), tmp_path / "one", scheduler="sync")
    ka_runner.run_study(cfg(replica_block=2, device="cpu"), tmp_path / "two", scheduler="sync")
    for phase in ("equilibrate", "production"):
        one = sorted(p.name for p in (tmp_path / "one" / "tasks" / phase).glob("*.npz"))
        two = sorted(p.name for p in (tmp_path / "two" / "tasks" / phase).glob("*.npz"))
        assert one == two and len(one) == 4
    (tmp_path / "two" / "tasks" / "production" / "T2.000_r0001.npz").unlink()
    fakes.clear()
    ka_runner.run_study(cfg(replica_block=2, device="cpu"), tmp_path / "two", scheduler="sync",
                        resume=True)
    assert sorted(fakes) == ["prod/2.0/0", "prod/2.0/1"]


def test_device_and_block_size_may_change_on_resume(tmp_path: Path, fakes) -> None:
    """How replicas run (device, block size) is not what they compute: a resume may change it."""
    ka_runner.run_study(cfg(device="auto"), tmp_path, scheduler="sync")
    fakes.clear()
    ka_runner.run_study(cfg(device="cpu", replica_block=2), tmp_path, scheduler="sync",
                        resume=True)
    assert fakes == []


def test_preset_change_is_refused(tmp_path: Path, fakes) -> None:
    ka_runner.run_study(cfg(), tmp_path, scheduler="sync")
    laptop = load_config("laptop", temperatures=[1.0, 2.0], n_replicas=2)
    with pytest.raises(InputError, match="made with preset = smoke; this config has laptop"):
        ka_runner.run_study(laptop, tmp_path, scheduler="sync", resume=True)


def test_failed_task_is_reported_after_the_others(tmp_path: Path, fakes) -> None:
    with pytest.raises(CampaignFailed) as err:
        ka_runner.run_study(cfg(quenches_per_t1=13), tmp_path, scheduler="sync")
    assert sorted(err.value.failures) == ["production/T1.000_r0001", "production/T2.000_r0001"]
    assert "MD blew up at step 7" in err.value.summary()
    assert len(list((tmp_path / "tasks" / "production").glob("*.npz"))) == 2  # others finished


def test_analyze_names_damaged_and_missing_results(tmp_path: Path) -> None:
    """`study analyze` refuses a folder with damaged or missing results (exit 2, one error
    line naming them); --partial analyses the rest and says so in the flags."""
    import subprocess
    import sys

    from test_ka_analysis import LOW_T, N_LOW, config, write_synthetic_campaign

    from pelkit.io.results import RunFolder
    from pelkit.studies.ka_landscape.analysis import analyze

    write_synthetic_campaign(tmp_path)
    cfg = config()
    RunFolder(tmp_path).write_config({**cfg.model_dump(), "study_name": "ka-landscape"})
    bad = tmp_path / "tasks" / "production" / f"T{LOW_T[0]:.3f}_r0003.npz"
    bad.write_bytes(bad.read_bytes()[:1000])  # truncated
    res = subprocess.run([sys.executable, "-m", "pelkit.cli", "study", "analyze", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    warning, error = res.stderr.splitlines()
    assert warning.startswith("pelkit: warning: damaged task file") and bad.name in warning
    assert error.startswith("pelkit: error:") and "damaged: production/T0.470_r0003;" in error
    assert "missing: " in error and "--partial" in error
    assert not bad.exists() and bad.with_name(bad.name + ".damaged").exists()
    problems = ka_runner.check_tasks(cfg, tmp_path, partial=True)
    assert "production/T0.470_r0003: missing" in problems  # moved aside by the first call
    summary = analyze(tmp_path, cfg, outputs=False, partial=problems)
    assert summary["n_replicas_analysed"][0] == N_LOW - 1
    assert any(f.startswith("partial analysis (--partial)") for f in summary["flags"])
