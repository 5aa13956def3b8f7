"""Configuration of the Kob-Andersen landscape study: a validated pydantic model and presets.

Any field can be overridden from a TOML file (``--config FILE``); unknown or ill-typed fields are
one clear error. Times are in tau, temperatures in eps/k_B.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pelkit.studies.config_files import preset_values, quench_method, validated


class KAConfig(BaseModel):
    """All parameters of the study (defaults = the ``laptop`` preset)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    preset: str = "laptop"
    n_particles: int = Field(155, ge=155, description="KA needs N >= 155 for L > 2 r_c,AA")
    density: float = Field(1.2, gt=0)
    temperatures: list[float] = Field(
        default_factory=lambda: [0.6, 0.65, 0.75, 0.9, 1.2, 1.6, 2.0], min_length=2
    )
    n_replicas: int = Field(6, ge=1)
    seed: int = 2004
    dt: float = Field(0.005, gt=0, le=0.01)
    thermostat: str = "nose-hoover"
    thermostat_tau: float = Field(1.0, gt=0, description="NHC/Bussi time constant (weak coupling)")
    # equilibration (phase A)
    melt_temperature: float = Field(2.0, gt=0, description="first melt the random packing here")
    melt_time: float = Field(5.0, ge=0)
    eq_msd_target: float = Field(3.0, gt=1, description="A-particle MSD (sigma^2) to reach")
    eq_min_time: float = Field(10.0, ge=0)
    eq_max_time: float = Field(3000.0, gt=0)
    eq_block_time: float = Field(5.0, gt=0)
    eq_quenches: int = Field(12, ge=4, description="quenches for the e_IS drift test")
    eq_drift_sigmas: float = Field(3.0, gt=0, description="allowed e_IS drift in standard errors")
    # production (phase B)
    production_factor: float = Field(2.2, ge=2.0, description="run length in pilot t_MSD=1")
    quenches_per_t1: int = Field(100, ge=10)
    quench_method: str = "lbfgs"
    quench_fmax: float = Field(1e-6, gt=0)
    inm_snapshots: int = Field(8, ge=0)
    inm_max_displacement: float = Field(0.5, gt=0)
    inm_points: int = Field(201, ge=21)
    # analysis
    d_inf: float | None = Field(None, description="None: fit at high T; 0.155 = the paper's value")
    d_inf_min_temperature: float = Field(1.0, gt=0)
    low_t_max: float = Field(0.9, description="temperatures <= this enter the landscape fits")
    cut_sigmas: float = Field(3.0, gt=0)
    bootstrap: int = Field(200, ge=0)
    workers: int | None = None
    # where the replicas run (batched replicas, pelkit.dynamics.batched_md)
    device: Literal["cpu", "gpu", "auto"] = Field(
        "auto", description="auto: the GPU when numba-cuda finds one, else CPU threads"
    )
    replica_block: int | None = Field(
        None, ge=1,
        description="replicas of one temperature integrated together in one task; None: all "
        "of them on a GPU, 1 on the CPU (the campaign spreads tasks over cores)",
    )
    inm_model: str = Field(
        "ka", description="model of the INM Hessians and profiles: ka (the MD model, shift "
        "cutoff: force discontinuous at r_c) or ka-smooth (smooth cutoff)")

    @field_validator("temperatures")
    @classmethod
    def _positive_sorted(cls, v: list[float]) -> list[float]:
        if any(t <= 0 for t in v):
            raise ValueError("temperatures must be positive")
        if len(set(v)) != len(v):
            raise ValueError("temperatures must be distinct")
        return sorted(v)

    @field_validator("thermostat")
    @classmethod
    def _thermostat(cls, v: str) -> str:
        if v not in ("nose-hoover", "bussi", "langevin", "nve"):
            raise ValueError("thermostat must be nose-hoover, bussi, langevin or nve")
        return v

    @field_validator("quench_method")
    @classmethod
    def _method(cls, v: str) -> str:
        return quench_method(v)

    @field_validator("inm_model")
    @classmethod
    def _inm_model(cls, v: str) -> str:
        if v not in ("ka", "ka-smooth"):
            raise ValueError("inm_model must be ka or ka-smooth")
        return v


PRESETS: dict[str, dict[str, Any]] = {
    # end-to-end in well under a minute on 2 cores (used by the tests)
    "smoke": dict(
        temperatures=[1.2, 2.0], n_replicas=2, melt_time=1.0, eq_msd_target=2.0,
        eq_min_time=2.0, eq_max_time=60.0, eq_block_time=1.0, eq_quenches=6,
        quenches_per_t1=10, inm_snapshots=1, inm_points=41, bootstrap=20,
        d_inf_min_temperature=1.0, low_t_max=2.0,
    ),
    # the default: under 15 minutes on 2 cores, physics visible (what `make run` runs)
    "laptop": dict(),
    # the KA local-diffusivity paper's physics at reduced statistics: down to T = 0.5 with 128
    # replicas per
    # temperature (one GPU or 16+ cores, about an hour; see RUN_TIMES)
    "workstation": dict(
        temperatures=[0.5, 0.53, 0.56, 0.6, 0.65, 0.75, 0.9, 1.2, 1.6, 2.0], n_replicas=128,
        eq_msd_target=3.0, eq_max_time=3e4, eq_block_time=10.0, inm_snapshots=4,
        bootstrap=500, low_t_max=0.65,
    ),
    # the KA local-diffusivity paper: six temperatures 0.446-0.65, 1000 replicas each (one GPU for
    # a few hours)
    "paper": dict(
        temperatures=[0.446, 0.47, 0.50, 0.55, 0.60, 0.65, 1.0, 1.5, 2.0], n_replicas=1000,
        eq_msd_target=5.0, eq_max_time=2e5, eq_block_time=20.0, inm_snapshots=10,
        bootstrap=1000, low_t_max=0.65, d_inf=0.155,
    ),
}


# Expected wall time of each preset (shown by `pelkit study list`). smoke and laptop are measured
# (2-core laptop-class VM, 2026-12); workstation and paper are estimates from the measured cost
# per replica and per quench scaled by KA's equilibration times (t(MSD = 1) ~ 1e3 tau at T = 0.5,
# ~1e4 tau at T = 0.446) and the batched rates in benchmarks/RESULTS.md.
RUN_TIMES: dict[str, str] = {
    "smoke": "under a minute on 2 cores (measured)",
    "laptop": "about 6-15 minutes on 2 cores (measured)",
    "workstation": "about an hour on one GPU or 16+ cores (estimate)",
    "paper": "a few hours on one H100/H200-class GPU, 1e5-1e6 core-seconds on CPUs (estimate)",
}


def build_config(values: dict[str, Any]) -> KAConfig:
    """Validate a dictionary of fields; InputError naming the first bad field."""
    return validated(KAConfig, values, "study")


def load_config(
    preset: str = "laptop", config_file: Path | None = None, **overrides: Any
) -> KAConfig:
    """The preset's config, updated by a TOML file and keyword overrides (validated)."""
    return build_config(preset_values(PRESETS, preset, config_file, overrides))
