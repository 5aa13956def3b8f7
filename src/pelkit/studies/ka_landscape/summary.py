"""The typed summary of a KA landscape analysis (:class:`KASummary`) and ``summary.json``.

:func:`pelkit.studies.ka_landscape.analysis.analyze` builds a :class:`KASummary`;
``summary.json`` is generated from it by :meth:`KASummary.to_dict` with the historical keys
(unchanged for compatibility: some name equations of Doliwa and Heuer, Phys. Rev. E 2003, e.g.
``D_eq5``; the attribute names here say what they hold and ``json_key`` maps them back). The
report and the figures read it back with :meth:`KASummary.read`.

Conventions: lists are per temperature, in ``temperatures`` order; an *entry* is a dict
``{"value", "error", "low", "high"}`` (error one sigma, low/high the bootstrap interval at the
fit's ``level``); undefined values are NaN here and null in the JSON. Units: energies per
particle in epsilon unless called total, T in epsilon/k_B, times in tau, D in sigma^2/tau.
The physics is described in docs/physics/ka-landscape.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelkit.deprecation import warn_deprecated
from pelkit.errors import InputError
from pelkit.io.results import RunFolder

__all__ = ["KASummary", "REFERENCE_VALUES", "SummaryLike"]

REFERENCE_VALUES: dict[str, float] = {
    "sigma2": 18.0,
    "sigma2_err": 2.0,
    "n_particles": 155,
    "D_inf": 0.155,
    "B": 1.85,
    "alpha": 0.78,
    "E0": -1140.0,
    "e0": -1140.0 / 155.0,
    "e_K_printed": -7.81,
    "e_K_recomputed": -7.78047,
    "T_K_recomputed": 0.27284,
    "a0": 0.421622,
    "a1": 2.327327,
    "a2": -7.354839,
}
"""Published landscape of the 155-particle KA system and its per-particle consequences.

sigma^2 (total, epsilon^2), D_inf (sigma^2/tau), B, alpha, E0 (total) as printed by Doliwa
and Heuer (Phys. Rev. E 2003, N = 155); e0 = E0/N, e_K and T_K recomputed from them in the
per-particle convention, and the collapse coefficients a0 = alpha/B, a1 = N/(2 sigma^2 B),
a2 = e0 they imply (docs/physics/ka-landscape.md). Written to ``summary.json`` as ``seed004``.
"""



def __getattr__(name: str) -> Any:
    """``SEED004``: deprecated old name of :data:`REFERENCE_VALUES` (kept for one release)."""
    if name == "SEED004":
        warn_deprecated(f"{__name__}.SEED004", f"{__name__}.REFERENCE_VALUES")
        return REFERENCE_VALUES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _key(name: str) -> dict[str, str]:
    return {"json_key": name}


@dataclass
class KASummary:
    """Everything ``summary.json`` holds, with its meaning and units.

    Attributes:
        study: "ka-landscape". preset: the config preset. seed: campaign seed.
        n_particles: N.
        temperatures: analysed temperatures (epsilon/k_B).
        n_replicas: configured replicas per T. n_replicas_analysed: per T.
        landscape_temperatures: the T <= ``low_t_max`` used by the landscape fits.
        low_t_max: that threshold.
        t_msd1: time where the A-particle MSD reaches 1 sigma^2 (tau; NaN if never).
        t1_pilot: the pilot's estimate of it (tau).
        mean_eis, mean_eis_err: mean per-particle inherent-structure energy (epsilon).
        var_eis, var_eis_err: its variance over quenches (epsilon^2, per particle).
        eis_skewness: skewness of P(e_IS, T).
        sigma2_total: entry, N^2 var(e_IS) pooled over the landscape temperatures (epsilon^2).
        sigma2_total_per_T, sigma2_total_per_T_err: N^2 var(e_IS) per T.
        sigma_e: sqrt(sigma2_total)/N (epsilon), the width of P(e_IS) used by the model.
        mean_eis_fit: the fit <e_IS>(T) = e0 - sigma_int^2/T: ``available``, ``e0``,
            ``sigma2_int``, ``sigma2_total`` entries, ``chi2_red``, ``weighted``,
            ``temperatures``, ``temperature_set``.
        traj_mean_eis: per T the mean, var, skewness, min, max of the per-replica <e_IS>_i.
        D_direct, D_direct_err: D(T) from the slope of the replica-averaged MSD (sigma^2/tau).
        D_direct_diffusive: whether the MSD was diffusive over the fitted window.
        D_i_median, D_i_spread_decades: median and log10(max/min) of the per-replica D_i.
        n_nonpositive_slopes: replicas whose MSD slope was <= 0 (excluded from ln D).
        D_inf: the high-T limit of D used in the collapse (sigma^2/tau).
        D_inf_source: "config", "arrhenius" or "seed004-fallback" (the published 0.155).
        D_inf_arrhenius: the Arrhenius fit ln D = ln D_inf - E_a/T (D_inf, E_a entries, r2).
        fit: the free collapse fit y = -1/(a0 - a1 (e - a2)^2): entries a0, a1, a2 and the
            landscape reading B, alpha, E0 (total), e0, e_K, T_K, plus n_points,
            temperatures, rms, weakly_constrained, weak_reasons, n_boot, level, flags, ...
        fit_constrained: the landscape-constrained fit (same entries, ``landscape_reading``,
            ``n_boot_ok``, ``sigma2_total_used``, ``note``).
        model: ``source`` ("free fit", "landscape-constrained fit" or "none") and the entries
            used by the model quantities.
        D_landscape, D_landscape_low, D_landscape_high (JSON ``D_eq5``, ``D_eq5_low``,
            ``D_eq5_high``): D(T) = integral of P(e, T) D_inf exp(-f(e)/T) over e, with
            P Gaussian of mean <e_IS>(T) and width sigma_e and D = 0 below e_K, and its
            bootstrap band (sigma^2/tau).
        D_semi_empirical: mean over replicas of D_inf exp(-f(<e_IS>_i)/T).
        D_times_inv_D, D_times_inv_D_err: <D><1/D> of the per-replica D_i (>= 1).
        D_times_inv_D_model, D_times_inv_D_model_alt: the model's <D><1/D> with the energy
            cut-off <e> - ``cut_sigmas`` sigma_e (``cut_sigmas_alt`` for the alt).
        cut_sigmas, cut_sigmas_alt: those cut-offs in units of sigma_e.
        s_c_mean: configurational entropy per particle s_c(<e_IS>(T)) of the model (k_B).
        f_u, f_u_err, f_dw, f_dw_err: mean unstable / double-well instantaneous-mode fractions.
        inm_relations: fits D vs f_u (``k``, ``exponent`` entries) and s_c vs ln f_u, per T and
            per replica.
        inm_model: the model whose instantaneous modes were classified.
        equilibration: per T n_equilibrated, n_msd_reached, max_abs_drift_sigmas, mean_drift,
            mean_eq_time (tau), plus the criterion text and require_equilibrated.
        quenches: per T n_total, n_unconverged, max_force_max, and fmax, method.
        counts: n_tasks_expected, n_tasks_found, n_tasks_missing.
        flags: human-readable warnings.
        reference_values (JSON ``seed004``): :data:`REFERENCE_VALUES`.
        analysis: pelkit_version, git_commit, bootstrap, bootstrap_seed.
        figures: names of the PNGs drawn (None when figures were not made).
    """

    study: str
    preset: str
    seed: int
    n_particles: int
    temperatures: list[float]
    n_replicas: int
    n_replicas_analysed: list[int]
    landscape_temperatures: list[float]
    low_t_max: float
    t_msd1: list[float]
    t1_pilot: list[float]
    mean_eis: list[float]
    mean_eis_err: list[float]
    var_eis: list[float]
    var_eis_err: list[float]
    eis_skewness: list[float]
    sigma2_total: dict[str, float]
    sigma2_total_per_T: list[float]
    sigma2_total_per_T_err: list[float]
    sigma_e: float
    mean_eis_fit: dict[str, Any]
    traj_mean_eis: dict[str, list[float]]
    D_direct: list[float]
    D_direct_err: list[float]
    D_direct_diffusive: list[bool]
    D_i_median: list[float]
    D_i_spread_decades: list[float]
    n_nonpositive_slopes: list[int]
    D_inf: float
    D_inf_source: str
    D_inf_arrhenius: dict[str, Any]
    fit: dict[str, Any]
    fit_constrained: dict[str, Any]
    model: dict[str, Any]
    D_landscape: list[float] = field(metadata=_key("D_eq5"))
    D_landscape_low: list[float] = field(metadata=_key("D_eq5_low"))
    D_landscape_high: list[float] = field(metadata=_key("D_eq5_high"))
    D_semi_empirical: list[float]
    D_times_inv_D: list[float]
    D_times_inv_D_err: list[float]
    D_times_inv_D_model: list[float]
    D_times_inv_D_model_alt: list[float]
    cut_sigmas: float
    cut_sigmas_alt: float
    s_c_mean: list[float]
    f_u: list[float]
    f_u_err: list[float]
    f_dw: list[float]
    f_dw_err: list[float]
    inm_relations: dict[str, Any]
    inm_model: str
    equilibration: dict[str, Any]
    quenches: dict[str, Any]
    counts: dict[str, int]
    flags: list[str]
    reference_values: dict[str, float] = field(metadata=_key("seed004"))
    analysis: dict[str, Any]
    figures: list[str] | None = None

    @staticmethod
    def json_key(name: str) -> str:
        """The ``summary.json`` key of attribute ``name``."""
        for f in dataclasses.fields(KASummary):
            if f.name == name:
                return str(f.metadata.get("json_key", f.name))
        raise AttributeError(f"KASummary has no field {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """The ``summary.json`` content: historical keys, in the historical order.

        ``figures`` is included only when set. Values are the objects held (not copied).
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "figures" and value is None:
                continue
            out[str(f.metadata.get("json_key", f.name))] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KASummary:
        """Rebuild from ``summary.json`` content.

        Values are taken as read (undefined numbers are None). Keys absent from ``data`` (a
        summary written by an older pelkit, or a partial mapping) become None, so readers
        treat None as "not available".
        """
        kwargs = {f.name: data.get(str(f.metadata.get("json_key", f.name)))
                  for f in dataclasses.fields(cls)}
        return cls(**kwargs)

    @classmethod
    def coerce(cls, summary: KASummary | Mapping[str, Any]) -> KASummary:
        """``summary`` itself, or a ``summary.json`` mapping converted by :meth:`from_dict`."""
        return summary if isinstance(summary, KASummary) else cls.from_dict(summary)

    @classmethod
    def read(cls, run_dir: Path) -> KASummary:
        """Read ``run_dir/summary.json``."""
        path = Path(run_dir) / "summary.json"
        if not path.is_file():
            raise InputError(f"{run_dir} has no summary.json; run the analysis first")
        return cls.from_dict(RunFolder(run_dir).read_summary())


SummaryLike = KASummary | Mapping[str, Any]
"""A :class:`KASummary` or the mapping read from ``summary.json`` (converted on use)."""
