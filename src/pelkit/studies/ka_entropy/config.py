"""Configuration of the Kob-Andersen entropy study "ka-entropy": a pydantic model and presets.

Any field can be overridden from a TOML file (``--config FILE``); unknown or ill-typed fields are
one clear error. Reduced KA units (eps_AA, sigma_AA, m), k_B = 1, hbar = ``hbar`` (default 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pelkit.studies.config_files import preset_values, quench_method, validated

STUDY_NAME = "ka-entropy"


class KAEntropyConfig(BaseModel):
    """All parameters of the study (defaults = the ``laptop`` preset).

    Path: the isotherm T = ``isotherm_temperature`` from the ideal gas to ``density`` at
    ``isotherm_points`` Gauss-Legendre densities, then the isochore at ``density`` from that
    temperature down to ``t_min`` at ``isochore_points`` temperatures equally spaced in 1/T.
    Every state point has ``n_replicas`` independent NVT runs: a random packing, a melt at
    max(T, ``melt_temperature``), equilibration until the A-particle MSD reaches
    ``eq_msd_target`` (between ``eq_min_time`` and ``eq_max_time``), then ``production_time``
    of measurement. On the isochore, ``n_quenches`` production snapshots are quenched to their
    inherent structures; ``n_hessians`` of them get all normal modes (harmonic entropy).
    Temperatures at or below ``landscape_max_temperature`` enter the landscape fits (Gaussian
    <e_IS>(T), anharmonic energy, Kauzmann extrapolation).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    preset: str = "laptop"
    seed: int = Field(4004, ge=0)
    model: Literal["ka", "ka-smooth"] = "ka"
    n_particles: int = Field(155, ge=155, description="KA needs N >= 155 at rho = 1.2")
    density: float = Field(1.2, gt=0.0)
    isotherm_temperature: float = Field(5.0, gt=0.0)
    isotherm_points: int = Field(8, ge=2, le=20)
    t_min: float = Field(0.55, gt=0.0)
    isochore_points: int = Field(12, ge=3)
    n_replicas: int = Field(4, ge=1)
    dt: float = Field(0.005, gt=0.0, le=0.01)
    dt_hot: float = Field(0.002, gt=0.0, le=0.01, description="time step for T > t_hot")
    t_hot: float = Field(1.5, gt=0.0)
    thermostat: Literal["nose-hoover", "bussi", "langevin"] = "bussi"
    thermostat_tau: float = Field(0.5, gt=0.0)
    melt_temperature: float = Field(2.0, gt=0.0)
    melt_time: float = Field(5.0, ge=0.0)
    eq_msd_target: float = Field(2.0, gt=0.0, description="A-particle MSD to reach, sigma^2")
    eq_min_time: float = Field(10.0, ge=0.0)
    eq_max_time: float = Field(2000.0, gt=0.0)
    eq_block_time: float = Field(5.0, gt=0.0)
    production_time: float = Field(100.0, gt=0.0)
    n_quenches: int = Field(20, ge=1)
    n_hessians: int = Field(5, ge=0)
    quench_method: str = "lbfgs"
    quench_fmax: float = Field(1e-8, gt=0.0)
    landscape_max_temperature: float = Field(0.8, gt=0.0)
    anharmonic: bool = Field(True, description="subtract the fitted anharmonic entropy")
    anharmonic_max_temperature: float = Field(
        0.8, gt=0.0, description="e_anh = c2 T^2 + c3 T^3 is fitted for T up to this"
    )
    hbar: float = Field(1.0, gt=0.0)
    workers: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _ranges(self) -> KAEntropyConfig:
        if not self.t_min < self.isotherm_temperature:
            raise ValueError("t_min must be below isotherm_temperature")
        quench_method(self.quench_method)
        side = (self.n_particles / self.density) ** (1.0 / 3.0)
        if side <= 5.0:
            raise ValueError(f"box side {side:.3f} <= 2 r_c,AA = 5: use more particles")
        return self

    def isochore_temperatures(self) -> list[float]:
        """The isochore temperatures, equally spaced in 1/T, highest (the isotherm's) first."""
        import numpy as np

        betas = np.linspace(1.0 / self.isotherm_temperature, 1.0 / self.t_min,
                            self.isochore_points)
        return [float(round(1.0 / b, 6)) for b in betas]

    def isotherm_densities(self) -> list[float]:
        """The Gauss-Legendre densities of the isotherm, ascending."""
        from pelkit.analysis.thermodynamic_integration import gauss_legendre_densities

        rho, _ = gauss_legendre_densities(self.density, self.isotherm_points)
        return [float(r) for r in rho]


PRESETS: dict[str, dict[str, Any]] = {
    # end to end in well under a minute on 2 cores (the tests run it): high temperatures only,
    # one short replica per state point, so the Kauzmann numbers are far extrapolations
    "smoke": dict(
        seed=4, isotherm_points=4, t_min=0.8, isochore_points=4, n_replicas=1,
        melt_time=1.0, eq_msd_target=1.0, eq_min_time=2.0, eq_max_time=20.0, eq_block_time=1.0,
        production_time=4.0, n_quenches=4, n_hessians=2, landscape_max_temperature=5.0,
        anharmonic_max_temperature=1.2,
    ),
    # the default: ~15-30 minutes on 2 cores, down to T = 0.55 with N = 155 (as ka-landscape)
    "laptop": dict(),
    # N = 1000 as Sciortino, Kob and Tartaglia (1999), down to T = 0.45 with long runs
    "paper": dict(
        n_particles=1000, t_min=0.45, isochore_points=20, isotherm_points=10, n_replicas=8,
        eq_msd_target=3.0, eq_max_time=2e5, eq_block_time=50.0, production_time=2000.0,
        n_quenches=50, n_hessians=10, landscape_max_temperature=0.8,
    ),
}


def build_config(values: dict[str, Any]) -> KAEntropyConfig:
    """Validate a dictionary of fields; InputError naming the first bad field."""
    return validated(KAEntropyConfig, values, STUDY_NAME)


def load_config(
    preset: str = "laptop", config_file: Path | None = None, **overrides: Any
) -> KAEntropyConfig:
    """The preset's config, updated by a TOML file and keyword overrides (validated)."""
    return build_config(preset_values(PRESETS, preset, config_file, overrides))
