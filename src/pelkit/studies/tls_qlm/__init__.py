"""Khomenko, Reichman and Zamponi (2021) study "tls-qlm": swap glasses, inherent-structure pairs,
NEB double wells, tunnel
splittings, and linear / non-linear modes against the transition paths (docs/physics/tls-qlm.md).

    from pelkit.studies.tls_qlm import load_config, run_study, analyze
    cfg = load_config("smoke")
    run_study(cfg, "runs/tls", scheduler="local", resume=True)
    summary = analyze("runs/tls")
"""

from pelkit.studies.tls_qlm.config import PRESETS, TLSQLMConfig, load_config
from pelkit.studies.tls_qlm.runner import analyze, run_study

__all__ = ["PRESETS", "TLSQLMConfig", "analyze", "load_config", "run_study"]
