"""Configuration of the study "tls-qlm" (Khomenko, Reichman and Zamponi 2021): a validated pydantic
model and three presets.

The configuration is nested (one TOML table per stage)::

    seed = 3003
    n_particles = 1500
    t_f = [0.062, 0.07, 0.092]
    glasses_per_tf = 1
    [preparation]   swap Monte Carlo (or hybrid MD + swap, or plain MD) at T_f   tls-qlm.md
    [exploration]   MD at T = 0.04 with periodic quenches, IS pairs             tls-qlm.md
    [neb]           climbing-image NEB, recursion on interior minima            landscape.md
    [modes]         normal modes, QLM, non-linear modes at minimum A            modes.md
    [tunnel]        1-D Schroedinger splitting in named unit systems            landscape.md
    [analysis]      the paper's Fig-5 subset                                    tls-qlm.md

(the last column names the page of docs/physics/ that explains each stage)

A TOML file given with ``--config`` is merged table by table into the chosen preset; unknown or
ill-typed fields are one :class:`~pelkit.errors.InputError` naming the field (e.g.
``invalid tls-qlm config: neb.n_images: Input should be greater than or equal to 3``).
Energies in epsilon, lengths in sigma (mean diameter), times in tau, temperatures in epsilon/k_B.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pelkit.errors import InputError
from pelkit.studies.config_files import read_toml

STUDY_NAME = "tls-qlm"

_STRICT = ConfigDict(extra="forbid", validate_assignment=True)


class PreparationConfig(BaseModel):
    """Glass preparation at T_f (docs/physics/tls-qlm.md).

    ``method``: "swap-mc" (:func:`pelkit.dynamics.swap_mc.run_swap_mc`, the paper's method),
    "hybrid" (:func:`pelkit.dynamics.hybrid.run_hybrid`, MD + swap sweeps) or "md" (plain NVT
    MD, no swaps: only for T_f well above T_MCT = 0.104). A burn-in run (discarded) is followed
    by a production run whose final configuration is the glass; the production run alone is
    judged by :mod:`pelkit.dynamics.equilibration` (energy drift between halves, stable swap
    acceptance, decay of F_s(k, t)). ``require_equilibrated`` makes a failed verdict an error;
    otherwise the verdict is recorded with the glass and reported.
    """

    model_config = _STRICT

    method: Literal["swap-mc", "hybrid", "md"] = "swap-mc"
    burn_in_sweeps: int = Field(2000, ge=0, description="swap-MC sweeps discarded")
    sweeps: int = Field(8000, ge=16, description="production swap-MC sweeps (judged)")
    tune_sweeps: int = Field(200, ge=0, description="delta_max tuning sweeps (before burn-in)")
    p_swap: float = Field(0.2, ge=0.0, le=1.0)
    delta_max: float = Field(0.1, gt=0.0)
    swap_bound: float | None = Field(None, gt=0.0)
    cycles: int = Field(40, ge=16, description="hybrid: production cycles (judged)")
    burn_in_cycles: int = Field(10, ge=0, description="hybrid: cycles discarded")
    md_steps_per_cycle: int = Field(200, ge=1, description="hybrid: MD steps per cycle")
    sweeps_per_cycle: int = Field(20, ge=1, description="hybrid: swap sweeps per cycle")
    md_steps: int = Field(40000, ge=16, description="md: production steps (judged)")
    md_burn_in_steps: int = Field(10000, ge=0, description="md: steps discarded")
    dt: float = Field(0.005, gt=0.0, le=0.01)
    thermostat: Literal["bussi", "nose-hoover", "langevin"] = "bussi"
    snapshots: int = Field(41, ge=3, description="md: snapshots for the F_s verdict")
    fs_threshold: float = Field(0.1, gt=0.0, lt=1.0)
    require_equilibrated: bool = False


class ExplorationConfig(BaseModel):
    """Landscape exploration of the glass basin (docs/physics/tls-qlm.md): MD at ``temperature``
    from the
    glass with Maxwell-Boltzmann velocities, a quench every ``quench_every`` steps.

    Pairs of distinct minima visited in succession are counted per unordered pair; pairs seen at
    least ``min_count`` times are ranked by count (descending), then |E_A - E_B| (ascending), then
    PR_DW of r_AB (ascending) (recommended), and the first ``max_pairs`` go to the NEB stage.
    """

    model_config = _STRICT

    temperature: float = Field(0.04, gt=0.0)
    dt: float = Field(0.005, gt=0.0, le=0.01)
    thermostat: Literal["bussi", "nose-hoover", "langevin"] = "bussi"
    warmup_steps: int = Field(2000, ge=0, description="MD steps before the first quench")
    n_quenches: int = Field(300, ge=2)
    quench_every: int = Field(100, ge=1, description="MD steps between quenches")
    minimizer: Literal["lbfgs", "fire2", "fire", "cg"] = "lbfgs"
    fmax: float = Field(1e-10, gt=0.0, description="recommended for NEB/TLS work "
                                                   "(docs/physics/landscape.md)")
    de: float = Field(1e-7, gt=0.0, description="same-IS energy tolerance (total energy)")
    dr: float = Field(0.005, gt=0.0, description="same-IS displacement tolerance")
    min_count: int = Field(2, ge=1, description="pairs visited at least twice (recommended)")
    max_pairs: int = Field(8, ge=1, description="NEB pairs per glass (best ranked)")
    walkers: int = Field(1, ge=1, description="independent MD walkers from the glass, batched")
    device: Literal["cpu", "gpu", "auto"] = Field(
        "cpu", description="where the walkers' MD and quenches run (batched replicas)"
    )


class NEBConfig(BaseModel):
    """Climbing-image NEB and the double-well decision (docs/physics/landscape.md).

    ``n_images`` counts the end points (seed: 40). A path with interior minima is split: the
    image nearest to each interior minimum is quenched, the new minimum inserted, and NEB rerun
    on the sub-pairs, down to ``max_depth`` levels. ``scan_images`` are the band sizes of the
    tangent-QLM convergence study (the paper's Fig 4, N_b = 40 ... 600) run on one selected double
    well (the one with the smallest splitting in the first unit system).

    ``method`` picks the band optimiser of :func:`pelkit.landscape.neb.neb`: "lbfgs" (global
    L-BFGS with a trust radius ``lbfgs_max_step``, FIRE 2.0 fallback; the default) or "fire2"
    (FIRE 2.0 only, the earlier behaviour). ``initial_path`` is "linear" or "idpp" (image-
    dependent pair potential; measured no faster on swap-glass pairs, hence not the default).
    ``fallback_patience``: iterations the FIRE 2.0 fallback may run without halving its best
    force before it stops, unconverged (:class:`pelkit.landscape.neb.NEBOptions`; None: to the
    iteration limit).
    ``orientation``: "random" (each pair's A chosen by a coin flip from the pair task's seed,
    recorded; the paper treats A as arbitrary) or "lower" (A the lower minimum, the earlier
    rule, which biases quantities measured at A).
    """

    model_config = _STRICT

    method: Literal["lbfgs", "fire2"] = "lbfgs"
    orientation: Literal["random", "lower"] = "random"
    initial_path: Literal["linear", "idpp"] = "linear"
    lbfgs_max_step: float = Field(0.05, gt=0.0)
    fallback_patience: int | None = Field(None, ge=1)
    n_images: int = Field(40, ge=3)
    spring_constant: float = Field(1.0, gt=0.0)
    fmax: float = Field(1e-6, gt=0.0)
    climb: bool = True
    climb_fmax: float = Field(1e-2, gt=0.0)
    max_iterations: int = Field(20000, ge=1)
    max_depth: int = Field(2, ge=0)
    wiggle_tol: float = Field(1e-8, ge=0.0)
    scan: bool = True
    scan_images: list[int] = Field(default_factory=lambda: [40, 100, 200, 400, 600])
    scan_max_iterations: int = Field(40000, ge=1)

    @field_validator("scan_images")
    @classmethod
    def _scan(cls, v: list[int]) -> list[int]:
        if any(n < 3 for n in v):
            raise ValueError("every band in scan_images needs at least 3 images")
        return sorted(set(v))


class ModesConfig(BaseModel):
    """Normal and non-linear modes at minimum A (docs/physics/modes.md).

    All 3N - 3 modes by dense ``eigh`` when 3N <= ``dense_max_dof``, else the lowest
    ``n_lowest`` by shift-invert. QLM: PR < ``pr_max`` and omega below the first mode with
    PR >= ``extended_pr`` (recommended). Non-linear modes by the Gartner-Lerner iteration from r_AB
    and
    from the softest QLM (the softest mode when there is no QLM). The energy along each
    non-linear mode, U(R_A + s pi), is sampled on ``profile_points`` points up to a largest
    particle displacement ``profile_max_displacement`` and tested for a double well.
    """

    model_config = _STRICT

    dense_max_dof: int = Field(6000, ge=6)
    n_lowest: int = Field(300, ge=1)
    pr_max: float = Field(0.1, gt=0.0, le=1.0)
    extended_pr: float = Field(0.3, gt=0.0, le=1.0)
    nonlinear_tol: float = Field(1e-8, gt=0.0)
    nonlinear_max_iter: int = Field(1000, ge=1)
    profile_points: int = Field(201, ge=5)
    profile_max_displacement: float = Field(0.6, gt=0.0)

    @field_validator("profile_points")
    @classmethod
    def _odd(cls, v: int) -> int:
        if v % 2 == 0:
            raise ValueError("profile_points must be odd (s = 0 on the grid)")
        return v


AMU_KG = 1.66053906660e-27
K_B = 1.380649e-23


class UnitConfig(BaseModel):
    """One unit system for the splitting (docs/physics/tls-qlm.md; :func:`unit_system`).

    The study's convention, the same for every unit system: a material mapping
    (epsilon, sigma, m) gives hbar~ = hbar / (sigma sqrt(m epsilon)), and a TLS is active when
    E_t <= k_B T_Q / epsilon with T_Q the low-temperature scale (1 K by default). Give the
    mapping as ``epsilon_k`` (epsilon / k_B in kelvin), ``sigma_angstrom`` and ``mass_u``
    (atomic mass units), or in SI (``epsilon_j``, ``sigma_m``, ``mass_kg``), or hbar~ directly
    (``hbar_tilde``); give the threshold as ``t_q_kelvin`` (needs epsilon) or directly as
    ``threshold`` (epsilon). ``seed_threshold`` is the threshold the paper quotes for this kind
    of material (0.0015 Argon, 0.0002 NiP, in epsilon): active counts at it are reported beside
    ours so that they can be set against the paper's columns. ``name`` is "custom" or a preset
    of :data:`pelkit.landscape.tunneling.PRESETS` (the paper's thresholds with a user hbar~).
    ``label`` names the columns of the library table.
    """

    model_config = _STRICT

    name: str = "custom"
    label: str
    hbar_tilde: float | None = Field(None, gt=0.0)
    epsilon_k: float | None = Field(None, gt=0.0, description="epsilon / k_B in kelvin")
    sigma_angstrom: float | None = Field(None, gt=0.0)
    mass_u: float | None = Field(None, gt=0.0, description="particle mass in atomic mass units")
    epsilon_j: float | None = Field(None, gt=0.0)
    sigma_m: float | None = Field(None, gt=0.0)
    mass_kg: float | None = Field(None, gt=0.0)
    threshold: float | None = Field(None, gt=0.0)
    t_q_kelvin: float | None = Field(None, gt=0.0)
    seed_threshold: float | None = Field(None, gt=0.0)
    note: str = ""

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        if not v or not all(c.isalnum() or c == "_" for c in v):
            raise ValueError("label must be letters, digits or underscores")
        return v

    def si(self) -> tuple[float | None, float | None, float | None]:
        """(epsilon [J], sigma [m], mass [kg]) from the SI or the convenient fields."""
        eps = self.epsilon_j
        if self.epsilon_k is not None:
            if eps is not None:
                raise InputError("give epsilon_k or epsilon_j, not both")
            eps = self.epsilon_k * K_B
        sig = self.sigma_m
        if self.sigma_angstrom is not None:
            if sig is not None:
                raise InputError("give sigma_angstrom or sigma_m, not both")
            sig = self.sigma_angstrom * 1e-10
        mass = self.mass_kg
        if self.mass_u is not None:
            if mass is not None:
                raise InputError("give mass_u or mass_kg, not both")
            mass = self.mass_u * AMU_KG
        return eps, sig, mass

    def resolve(self):  # noqa: ANN201 - pelkit.landscape.tunneling.UnitSystem
        """The :class:`~pelkit.landscape.tunneling.UnitSystem` (InputError if inconsistent)."""
        from pelkit.landscape.tunneling import PRESETS, hbar_tilde_from_si, unit_system

        hbar = self.hbar_tilde
        eps, sig, mass = self.si()
        if self.name in PRESETS:
            if hbar is None and all(v is not None for v in (eps, sig, mass)):
                hbar = hbar_tilde_from_si(eps, sig, mass)  # type: ignore[arg-type]
            return unit_system(self.name, hbar_tilde=hbar)
        if hbar is not None and eps is not None and sig is None and mass is None:
            # hbar~ given with epsilon alone (for T_Q): epsilon only converts the threshold
            from pelkit.landscape.tunneling import kelvin_in_epsilon

            thr = self.threshold
            if self.t_q_kelvin is not None:
                thr = kelvin_in_epsilon(self.t_q_kelvin, eps)
            return unit_system("custom", hbar_tilde=hbar, threshold=thr)
        return unit_system(
            self.name, hbar_tilde=hbar, threshold=self.threshold, epsilon_j=eps,
            sigma_m=sig, mass_kg=mass, t_q_kelvin=self.t_q_kelvin,
        )


def default_units() -> list[UnitConfig]:
    """The two material mappings of Khomenko, Reichman and Zamponi (2021), in the one convention of
    :class:`UnitConfig`
    (hbar~ from (epsilon, sigma, m); active iff E_t <= k_B T_Q / epsilon with T_Q = 1 K).

    * ``ar``: argon's LJ values epsilon/k_B = 120 K, sigma = 3.4 A, m = 39.948 u: hbar~ =
      0.0296 and threshold 1 K = 0.00833 epsilon. The paper's "Argon units" threshold, 0.0015
      epsilon, is 0.18 K in this mapping; the paper does not give the mapping behind it, so our
      argon count at T_Q = 1 K is NOT comparable with the paper's Argon column; the count at
      the paper's 0.0015 (``seed_threshold``) is comparable in threshold only.
    * ``nip``: a Ni-like mapping sigma = 2.2 A, m = 58.69 u and epsilon/k_B = 5000 K, the
      epsilon for which T_Q = 1 K is the paper's 0.0002 epsilon: hbar~ = 0.00584. Threshold and
      paper threshold coincide; hbar~ rests on the assumed sigma and m.
    """
    return [
        UnitConfig(
            label="ar", epsilon_k=120.0, sigma_angstrom=3.4, mass_u=39.948, t_q_kelvin=1.0,
            seed_threshold=0.0015,
            note="argon LJ mapping eps/k_B = 120 K, sigma = 3.4 A, m = 39.948 u, T_Q = 1 K; the "
            "paper's Argon threshold 0.0015 eps (= 0.18 K here) is counted separately",
        ),
        UnitConfig(
            label="nip", epsilon_k=5000.0, sigma_angstrom=2.2, mass_u=58.69, t_q_kelvin=1.0,
            seed_threshold=0.0002,
            note="Ni-like mapping sigma = 2.2 A, m = 58.69 u, eps/k_B = 5000 K, T_Q = 1 K "
            "(= the paper's 0.0002 eps); sigma and m are assumptions",
        ),
    ]


class TunnelConfig(BaseModel):
    """Tunnel splitting settings (docs/physics/landscape.md).

    ``walls``: "landscape" (the potential beyond the path ends sampled along the straight
    continuation of the end tangents), "relaxed" (V minimised on each plane perpendicular to the
    end tangent: the valley beyond the end, softer than the straight line; about 2 x 24 short
    constrained minimisations per double well) or "harmonic" (harmonic walls only, which
    underestimate E_t by ~20 % for quartic wells). With "landscape" and "relaxed" the
    harmonic-wall splitting is recorded beside it.
    """

    model_config = _STRICT

    walls: Literal["landscape", "relaxed", "harmonic"] = "landscape"
    units: list[UnitConfig] = Field(default_factory=default_units, min_length=1)
    rtol: float = Field(1e-4, gt=0.0)
    n_levels: int = Field(4, ge=2)

    @field_validator("units")
    @classmethod
    def _distinct(cls, v: list[UnitConfig]) -> list[UnitConfig]:
        labels = [u.label for u in v]
        if len(set(labels)) != len(labels):
            raise ValueError("unit labels must be distinct")
        for u in v:
            try:
                u.resolve()
            except InputError as exc:
                raise ValueError(f"unit system {u.label!r}: {exc}") from None
        return v


class AnalysisConfig(BaseModel):
    """Subset of the paper's Fig 5 (E_t below ``fig5_max_splitting`` in the first unit system and
    PR_DW below ``fig5_max_prdw``); the figure falls back to all double wells when it is empty."""

    model_config = _STRICT

    fig5_max_splitting: float = Field(1e-2, gt=0.0)
    fig5_max_prdw: float = Field(5.0, gt=0.0)


class TLSQLMConfig(BaseModel):
    """All parameters of the study (defaults = the ``paper`` settings of each stage)."""

    model_config = _STRICT

    study_name: Literal["tls-qlm"] = STUDY_NAME
    preset: str = "laptop"
    seed: int = Field(3003, ge=0)
    model: str = "swap"
    n_particles: int = Field(1500, ge=66, description="rho = 1: N >= 66 for L > 2 r_c,max")
    t_f: list[float] = Field(default_factory=lambda: [0.062, 0.07, 0.092], min_length=1)
    glasses_per_tf: int = Field(1, ge=1)
    preparation: PreparationConfig = Field(default_factory=PreparationConfig)
    exploration: ExplorationConfig = Field(default_factory=ExplorationConfig)
    neb: NEBConfig = Field(default_factory=NEBConfig)
    modes: ModesConfig = Field(default_factory=ModesConfig)
    tunnel: TunnelConfig = Field(default_factory=TunnelConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    workers: int | None = Field(None, ge=1)

    @field_validator("t_f")
    @classmethod
    def _tf(cls, v: list[float]) -> list[float]:
        if any(not t > 0 for t in v):
            raise ValueError("preparation temperatures must be positive")
        if len(set(v)) != len(v):
            raise ValueError("preparation temperatures must be distinct")
        return sorted(v)

    @field_validator("model")
    @classmethod
    def _diameter_model(cls, v: str) -> str:
        from pelkit.models import get_model

        if get_model(v).uses_species:
            raise ValueError(f"model {v!r} uses species: the study needs a diameter model (swap)")
        return v


# ----------------------------------------------------------------------------------- presets

PRESETS: dict[str, dict[str, Any]] = {
    # end to end in well under a minute on 2 cores (the tests run it): N = 80 (the smallest
    # convenient size, L = 4.31 > 2 r_c), one poorly annealed glass, short bands
    "smoke": {
        "seed": 3,
        "n_particles": 80,
        "t_f": [0.2],
        "glasses_per_tf": 1,
        "preparation": {"burn_in_sweeps": 500, "sweeps": 6000, "tune_sweeps": 100},
        "exploration": {
            "warmup_steps": 200, "n_quenches": 80, "quench_every": 50, "min_count": 1,
            "max_pairs": 2,
        },
        "neb": {
            "n_images": 10, "max_iterations": 4000, "max_depth": 1, "scan_images": [6, 10, 16],
            "scan_max_iterations": 4000,
        },
        "modes": {"profile_points": 61},
    },
    # under 30 minutes on 2 cores with double wells actually found: N = 150 and T_f above the
    # paper's (at N = 150 a T_f = 0.092 glass made no transition in 300 quenches at T = 0.04;
    # poorly annealed glasses have many more double wells), three glasses per T_f
    "laptop": {
        "seed": 2003,
        "n_particles": 150,
        "t_f": [0.11, 0.13, 0.15],
        "glasses_per_tf": 3,
        "preparation": {"burn_in_sweeps": 4000, "sweeps": 24000, "tune_sweeps": 200},
        "exploration": {"warmup_steps": 2000, "n_quenches": 400, "quench_every": 100,
                        "max_pairs": 6},
        # scan_max_iterations: the L-BFGS bands of 12 and 24 images converge in ~250-530
        # iterations; a band that resolves a rough, nearly flat stretch near an end can stall
        # and then burn the whole limit (48 images: 20000 iterations, ~9e5 force calls, for
        # an unconverged band), so the limit is 5000 here. fallback_patience: one pair's band
        # runs along a ridge (negative transverse curvature) and its FIRE 2.0 fallback crept
        # to the 12000-iteration limit without converging (31 % of the pair phase's force
        # calls); it now stops after 2000 iterations without halving its force (unconverged)
        "neb": {"n_images": 24, "max_iterations": 12000, "scan_images": [12, 24, 48, 96],
                "scan_max_iterations": 5000, "fallback_patience": 2000},
    },
    # Khomenko, Reichman and Zamponi (2021): N = 1500, T_f = 0.062, 0.07, 0.092, N_b = 40 (600 for
    # the convergence study)
    "paper": {
        "seed": 3003,
        "n_particles": 1500,
        "t_f": [0.062, 0.07, 0.092],
        "glasses_per_tf": 4,
        "preparation": {"burn_in_sweeps": 200000, "sweeps": 800000, "tune_sweeps": 1000},
        "exploration": {"warmup_steps": 20000, "n_quenches": 20000, "quench_every": 200,
                        "max_pairs": 2000},
        "neb": {"n_images": 40, "max_iterations": 50000,
                "scan_images": [40, 100, 200, 400, 600], "scan_max_iterations": 200000},
    },
}


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: tables are merged key by key, everything else replaced."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def format_validation_error(exc: ValidationError) -> str:
    """One line naming the first offending field, e.g. ``neb.n_images: ...``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "config"
    return f"invalid {STUDY_NAME} config: {where}: {err['msg']}"


def build_config(values: dict[str, Any]) -> TLSQLMConfig:
    """Validate a (nested) dictionary; InputError naming the field on failure."""
    try:
        return TLSQLMConfig(**values)
    except ValidationError as exc:
        raise InputError(format_validation_error(exc)) from None


def load_config(
    preset: str = "laptop",
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> TLSQLMConfig:
    """The preset, merged with a TOML file and a dictionary of overrides, validated.

    A run folder's own ``config.toml`` can be given as ``config_file`` (it holds every field).
    """
    if preset not in PRESETS:
        raise InputError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    values: dict[str, Any] = _merge(PRESETS[preset], {"preset": preset})
    if config_file is not None:
        values = _merge(values, read_toml(config_file))
    if overrides:
        values = _merge(values, overrides)
    return build_config(values)


def config_to_dict(cfg: TLSQLMConfig) -> dict[str, Any]:
    """Plain nested dictionary of the resolved configuration (for config.toml and tasks)."""
    return cfg.model_dump(mode="python")
