"""The REM study of Keyes (c. 2000) in one call: exact tables, asymptotic forms, fits and a sampled
check.

This is what ``pelkit theory rem`` prints (docs/physics/theory.md). The exact tables and
fits are taken at ``temperatures`` with ln Omega of the parameters (default N ln(1 + v)); the
sampled check at ``sample_temperatures`` on M sampled states, whose entropy is compared with
ln M - Delta^2/(2 T^2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pelkit.theory.rem import (
    REMParameters,
    as_temperatures,
    asymptotic_forms,
    exact_table,
    landscape_fits,
    linear_fit,
    p_min_fixed_energy,
)
from pelkit.theory.rem_sampling import (
    REMSample,
    binned_f_u,
    sample_rem,
    sampled_canonical_table,
)

DEFAULT_TEMPERATURES = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
DEFAULT_SAMPLE_TEMPERATURES = (3.0, 4.0, 5.0, 6.0)


def _sampled_fits(sampled: dict[str, np.ndarray], exact: dict[str, np.ndarray]) -> dict[str, Any]:
    """Fits on the sampled averages (S against ln f_u, R against f_u) and the same on theory."""
    out: dict[str, Any] = {"temperatures": sampled["T"]}
    keep = sampled["above_freezing"] > 0.5
    if np.count_nonzero(keep) >= 2 and np.all(sampled["f_u"][keep] > 0.0):
        out["S_vs_ln_f_u"] = linear_fit(sampled["ln_f_u"][keep], sampled["S"][keep]).as_dict()
        out["S_vs_ln_f_u_theory"] = linear_fit(
            exact["ln_f_u"][keep], sampled["S_theory"][keep]
        ).as_dict()
    else:
        out["S_vs_ln_f_u"] = None
        out["S_vs_ln_f_u_theory"] = None
        out["note"] = "fewer than two sample temperatures above the sample's freezing point"
    if sampled["T"].size >= 2:
        out["R_vs_f_u"] = linear_fit(sampled["f_u"], sampled["R"]).as_dict()
    else:
        out["R_vs_f_u"] = None
    return out


def rem_report(
    params: REMParameters,
    temperatures: ArrayLike = DEFAULT_TEMPERATURES,
    sample_temperatures: ArrayLike | None = DEFAULT_SAMPLE_TEMPERATURES,
    n_states: int = 1 << 18,
    neighbors: str = "annealed",
    seed: int | np.random.Generator = 0,
    n_bins: int = 24,
) -> tuple[dict[str, Any], REMSample | None]:
    """Run the Keyes (c. 2000) REM analysis (docs/physics/theory.md).

    Args:
        params: REM parameters.
        temperatures: temperatures (nT,) of the exact/asymptotic tables and of the fits.
        sample_temperatures: temperatures of the sampled check; None skips sampling.
        n_states, neighbors, seed: passed to :func:`pelkit.theory.rem_sampling.sample_rem`.
        n_bins: number of energy bins of the f_u(E) check (over eps +- 3 Delta).
    Returns: (result dictionary, the sample or None). The dictionary holds ``parameters``,
    ``seed``, ``slope_S_vs_ln_fu``, ``slope_S_vs_ln_p_less_Estar``, ``slope_R_vs_fu`` (exact,
    over ``temperatures``), ``fits``, ``exact`` and ``asymptotic`` tables, ``p_min_fixed_energy``
    and, with sampling, ``sampled`` (table, fits, binned f_u(E), M, T_f, neighbour structure).
    """
    temps = as_temperatures(temperatures)
    exact = exact_table(temps, params)
    fits = landscape_fits(exact) if temps.size >= 2 else {}
    energies = params.eps + params.delta * np.linspace(-5.0, 0.0, 11)
    pmin_e = p_min_fixed_energy(energies, params)
    result: dict[str, Any] = {
        "model": "random energy model (Keyes c. 2000)",
        "parameters": params.as_dict(),
        "seed": None,
        "temperatures": temps,
        "slope_S_vs_ln_fu": fits["S_vs_ln_f_u"].slope if fits else None,
        "slope_S_vs_ln_p_less_Estar": fits["S_vs_ln_p_less_Estar"].slope if fits else None,
        "slope_R_vs_fu": fits["R_vs_f_u"].slope if fits else None,
        "slope_R_vs_fu_over_R0_Nv": (
            fits["R_vs_f_u"].slope / (params.r0 * params.n_neighbors) if fits else None
        ),
        "asymptotic_slopes": {
            "S_vs_ln_fu": 2.0,
            "S_vs_ln_p_less_Estar": 1.0,
            "R_vs_fu_over_R0_Nv": 2.0,
        },
        "fits": {k: v.as_dict() for k, v in fits.items()},
        "exact": exact,
        "asymptotic": {"T": temps, **asymptotic_forms(temps, params)},
        "p_min_fixed_energy": {"E": energies, **pmin_e},
        "notes": [
            "exact: closed forms and 1-D quadrature (docs/physics/theory.md); R_A = R_B for c = 1",
            "asymptotic: the paper's eqs 9-16; R_A_eq16 is an artefact of the split at E*",
            "P_min_exp_of_mean_f_u = exp(-Nv <f_u>) is not the canonical P_min",
        ],
    }
    if temps.size < 2:
        result["notes"].append("fits need at least two temperatures")
    sample = None
    if sample_temperatures is not None:
        s_temps = as_temperatures(sample_temperatures)
        sample = sample_rem(params, s_temps, n_states=n_states, neighbors=neighbors, seed=seed)
        table = sampled_canonical_table(sample)
        exact_at_sample = exact_table(s_temps, params)
        result["seed"] = sample.seed
        result["sampled"] = {
            "neighbors": neighbors,
            "n_states": sample.n_states,
            "freezing_temperature": sample.freezing_temperature,
            "table": table,
            "exact_at_sample_temperatures": {
                k: exact_at_sample[k] for k in ("T", "f_u", "R_A", "R_B", "P_min")
            },
            "fits": _sampled_fits(table, exact_at_sample),
            "binned_f_u": binned_f_u(sample, n_bins=n_bins),
        }
    return result, sample
