"""Analysis of the ka-entropy study from its stored task results.

Per particle, k_B = 1 (:mod:`pelkit.analysis.thermodynamic_integration` has the formulas):

1. isotherm T0: beta f_ex(rho, T0) = int_0^rho (Z - 1)/rho' drho' (polynomial through the
   Gauss-Legendre densities);
2. isochore rho: beta f_ex(beta) = beta0 f_ex(beta0) + int u dbeta (the harmonic part
   (3N - 3) T/(2N) of u integrated analytically), s_ex = beta u - beta f_ex,
   s = s_id + s_ex with the ideal mixture s_id (x_A = 0.8, x_B = 0.2);
3. s_vib(T) = (3N - 3)(1 + ln(T/hbar))/N - <(1/N) sum_k ln omega_k>_T over the inherent
   structures sampled at T; with ``anharmonic``, s_anh(T) = 2 c2 T + 1.5 c3 T^2 from
   e_anh = u - <e_IS> - (3N - 3) T/(2N) = c2 T^2 + c3 T^3 (T <= anharmonic_max_temperature;
   above that range s_anh is not applied, NaN); the correction is applied only when it is
   measurable, |s_anh| > 2 standard errors at the lowest temperature;
4. s_c(T) = s - s_vib (- s_anh), mapped onto s_c(<e_IS>(T));
5. Gaussian landscape: <e_IS>(T) = e0 - sigma_int^2/T (fit for T <= landscape_max_temperature),
   alpha = mean over those T of s_c(T) + sigma_int^2/(2 T^2) (the Gaussian s_c at <e_IS>(T) is
   alpha - sigma_int^2/(2 T^2)); T_K = sigma_int/(2 alpha)^{1/2},
   e_K = e0 - sigma_int (2 alpha)^{1/2};
6. Kauzmann point from the integration itself: the zero of the straight-line fit of s_c against
   1/T (s_c = A - B/T, T_K = B/A) and the zero of the straight-line fit of s_c against e_IS.

Published comparison: Coluzzi, Parisi and Verrocchio, "Lennard-Jones binary mixture: a
thermodynamical approach to glass transition", J. Chem. Phys. 112, 2933 (2000) (arXiv
cond-mat/9904124), whose abstract states that the Kauzmann temperature of the Kob-Andersen mixture
is ~0.32 (replica approach). Sciortino, Kob and Tartaglia, Phys. Rev. Lett. 83, 3214 (1999) also
determine T_K from the thermodynamic-integration s_c, but their value is not quoted here (not
checked against the paper). The KA local-diffusivity paper's Gaussian landscape (alpha = 0.78,
E0 = -1140, sigma^2 = 18 at N = 155) is drawn for comparison. The state-point averages that the
integration rests on (u and Z - 1) are checked against Pedersen, Schroeder and Dyre, Phys. Rev.
Lett. 120, 165501 (2018) in tests/validation/test_ka_published_state_point.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.analysis.gaussian_landscape import GaussianLandscape, fit_mean_energy
from pelkit.analysis.thermodynamic_integration import (
    anharmonic_fit,
    ideal_gas_entropy,
    integrate_isochore,
    integrate_isotherm,
)
from pelkit.deprecation import renamed_names
from pelkit.errors import InputError
from pelkit.io.results import RunFolder
from pelkit.models.ka import KA_FRACTION_A
from pelkit.parallel import load_result
from pelkit.studies.ka_entropy.config import KAEntropyConfig
from pelkit.studies.ka_entropy.runner import isochore_key, isotherm_key

KA_PUBLISHED_LANDSCAPE = {"alpha": 0.78, "E0": -1140.0, "sigma2": 18.0, "n_particles": 155}
"""The KA local-diffusivity paper's Gaussian landscape parameters (alpha per particle, E0 and
sigma^2 totals)."""

PUBLISHED_T_K = {
    "value": 0.32,
    "source": "Coluzzi, Parisi and Verrocchio, J. Chem. Phys. 112, 2933 (2000) (arXiv "
              "cond-mat/9904124), abstract: the Kauzmann temperature of the Kob-Andersen "
              "mixture is ~0.32 (replica approach)",
    "tolerance": 0.1,
    "tolerance_reason": "laptop runs stop at T = 0.55 with N = 155, so T_K is an extrapolation "
                        "over a factor ~2 in T; the published value is itself an estimate "
                        "(\"~0.32\") without an error bar",
}


@dataclass
class StatePoints:
    """Replica-averaged state points (arrays ordered as the configuration lists them).

    Attributes:
        rho, zm1, zm1_err, u_iso, u_iso_err: isotherm (n_rho,).
        T, u, u_err, e_is, e_is_err, log_omega, log_omega_err: isochore (n_T,).
        equilibrated, converged, quenches, hessians, negative: counts per T (isochore) and
        iso_equilibrated per rho.
    """

    rho: np.ndarray
    zm1: np.ndarray
    zm1_err: np.ndarray
    u_iso: np.ndarray
    iso_equilibrated: np.ndarray
    T: np.ndarray
    u: np.ndarray
    u_err: np.ndarray
    e_is: np.ndarray
    e_is_err: np.ndarray
    log_omega: np.ndarray
    log_omega_err: np.ndarray
    equilibrated: np.ndarray
    converged: np.ndarray
    quenches: np.ndarray
    hessians: np.ndarray
    negative: np.ndarray


def _mean_err(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan")
    if x.size == 1:
        return float(x[0]), float("nan")
    return float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(x.size))


def load_states(out_dir: Path, cfg: KAEntropyConfig) -> StatePoints:
    """Read and average the task results of every state point."""
    tasks = Path(out_dir) / "tasks" / "states"

    def read(key: str) -> dict[str, Any]:
        path = tasks / f"{key}.npz"
        if not path.is_file():
            raise InputError(f"missing task result {path}; run (or --resume) the campaign")
        return load_result(path)

    iso = {k: [] for k in ("zm1", "zm1_err", "u", "eq")}
    for rho in cfg.isotherm_densities():
        rows = [read(isotherm_key(rho, r)) for r in range(cfg.n_replicas)]
        m, e = _mean_err(np.concatenate([np.atleast_1d(r["zm1_blocks"]) for r in rows]))
        iso["zm1"].append(m)
        iso["zm1_err"].append(e)
        iso["u"].append(_mean_err(np.concatenate([np.atleast_1d(r["u_blocks"]) for r in rows]))[0])
        iso["eq"].append(sum(bool(r["equilibrated"]) for r in rows))
    ch = {k: [] for k in ("u", "u_err", "e", "e_err", "lo", "lo_err", "eq", "conv", "nq", "nh",
                          "neg")}
    for T in cfg.isochore_temperatures():
        rows = [read(isochore_key(T, r)) for r in range(cfg.n_replicas)]
        m, e = _mean_err(np.concatenate([np.atleast_1d(r["u_blocks"]) for r in rows]))
        ch["u"].append(m)
        ch["u_err"].append(e)
        eis = np.concatenate([np.atleast_1d(r["e_is"]) for r in rows])
        m, e = _mean_err(eis)
        ch["e"].append(m)
        ch["e_err"].append(e)
        lo = np.concatenate([np.atleast_1d(r["log_omega"]) for r in rows])
        m, e = _mean_err(lo)
        ch["lo"].append(m)
        ch["lo_err"].append(e)
        ch["eq"].append(sum(bool(r["equilibrated"]) for r in rows))
        ch["conv"].append(int(sum(np.count_nonzero(np.atleast_1d(r["quench_converged"]))
                                  for r in rows)))
        ch["nq"].append(int(eis.size))
        ch["nh"].append(int(np.count_nonzero(np.isfinite(lo))))
        ch["neg"].append(int(sum(np.count_nonzero(np.atleast_1d(r["n_negative"]))
                                 for r in rows)))
    return StatePoints(
        rho=np.asarray(cfg.isotherm_densities()), zm1=np.asarray(iso["zm1"]),
        zm1_err=np.asarray(iso["zm1_err"]), u_iso=np.asarray(iso["u"]),
        iso_equilibrated=np.asarray(iso["eq"]),
        T=np.asarray(cfg.isochore_temperatures()), u=np.asarray(ch["u"]),
        u_err=np.asarray(ch["u_err"]), e_is=np.asarray(ch["e"]), e_is_err=np.asarray(ch["e_err"]),
        log_omega=np.asarray(ch["lo"]), log_omega_err=np.asarray(ch["lo_err"]),
        equilibrated=np.asarray(ch["eq"]), converged=np.asarray(ch["conv"]),
        quenches=np.asarray(ch["nq"]), hessians=np.asarray(ch["nh"]),
        negative=np.asarray(ch["neg"]),
    )


def _line_root(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Straight-line fit y = a + b x; returns (a, b, root x0 = -a/b) (NaN if undefined)."""
    keep = np.isfinite(x) & np.isfinite(y)
    if np.count_nonzero(keep) < 2 or np.unique(x[keep]).size < 2:
        return float("nan"), float("nan"), float("nan")
    b, a = np.polyfit(x[keep], y[keep], 1)
    return float(a), float(b), float(-a / b) if b != 0 else float("nan")


def entropy_analysis(sp: StatePoints, cfg: KAEntropyConfig) -> dict[str, Any]:
    """Every derived quantity (arrays over the isochore temperatures) as a dictionary."""
    n = cfg.n_particles
    iso = integrate_isotherm(sp.rho, sp.zm1, cfg.density,
                             errors=np.nan_to_num(sp.zm1_err, nan=0.0))
    dof = (3 * n - 3) / n
    chore = integrate_isochore(sp.T, sp.u, iso.beta_f_ex, cfg.isotherm_temperature,
                               energy_errors=np.nan_to_num(sp.u_err, nan=0.0),
                               ref_error=0.0 if np.isnan(iso.error) else iso.error,
                               harmonic=0.5 * dof)
    s_id = ideal_gas_entropy(cfg.density, sp.T, [KA_FRACTION_A, 1.0 - KA_FRACTION_A],
                             hbar=cfg.hbar)
    s_total = s_id + chore.s_ex
    s_vib = dof * (1.0 + np.log(sp.T / cfg.hbar)) - sp.log_omega
    s_c_harm = s_total - s_vib
    low = sp.T <= cfg.landscape_max_temperature + 1e-12
    e_anh = sp.u - sp.e_is - 0.5 * dof * sp.T
    anh = None
    s_anh = np.full_like(sp.T, np.nan)  # NaN: not applied (above the fitted range)
    cold = sp.T <= cfg.anharmonic_max_temperature + 1e-12
    anh_err = np.sqrt(np.nan_to_num(sp.u_err, nan=0.0) ** 2 + np.nan_to_num(sp.e_is_err,
                                                                         nan=0.0) ** 2)
    measurable = False
    if cfg.anharmonic:
        try:
            anh = anharmonic_fit(sp.T[cold], e_anh[cold],
                                 anh_err[cold] if np.all(anh_err[cold] > 0) else None)
        except InputError:
            anh = None
    if anh is not None:
        # measurable: s_anh at the lowest temperature exceeds twice its standard error
        t_lo = float(np.min(sp.T[cold]))
        err_lo = float(anh.entropy_error(t_lo))
        measurable = bool(np.isfinite(err_lo) and abs(float(anh.entropy(t_lo))) > 2.0 * err_lo)
        if measurable:
            s_anh = np.where(cold, anh.entropy(sp.T), np.nan)
    # the polynomial e_anh(T) is trusted only where it was fitted: above, s_c stays harmonic
    s_c = s_c_harm - np.nan_to_num(s_anh, nan=0.0)
    s_c_err = np.sqrt(chore.s_ex_error**2 + np.nan_to_num(sp.log_omega_err, nan=0.0) ** 2)
    out: dict[str, Any] = {
        "T": sp.T, "beta_f_ex_isotherm": iso.beta_f_ex, "beta_f_ex_isotherm_err": iso.error,
        "isotherm_degree": iso.degree, "s_id": s_id, "s_ex": chore.s_ex, "s_total": s_total,
        "s_vib": s_vib, "e_anh": e_anh, "s_anh": s_anh, "s_c_harmonic": s_c_harm, "s_c": s_c,
        "s_c_err": s_c_err, "landscape_mask": low,
        "anharmonic": None if anh is None else {
            "c2": anh.c2, "c3": anh.c3, "n_points": anh.n_points, "applied": measurable,
            "s_anh_lowest_T": float(anh.entropy(np.min(sp.T[cold]))),
            "s_anh_lowest_T_err": float(anh.entropy_error(np.min(sp.T[cold]))),
        },
    }
    # Gaussian landscape from <e_IS>(T) and the integrated s_c
    gauss = None
    if np.count_nonzero(low & np.isfinite(sp.e_is)) >= 2:
        keep = low & np.isfinite(sp.e_is)
        errs = sp.e_is_err[keep]
        fit = fit_mean_energy(sp.T[keep], sp.e_is[keep],
                              errs if np.all(np.isfinite(errs) & (errs > 0)) else None,
                              n_particles=n)
        ok = keep & np.isfinite(s_c)
        alpha = float(np.mean(s_c[ok] + fit.sigma2_int / (2.0 * sp.T[ok] ** 2)))
        resid = s_c[ok] - (alpha - fit.sigma2_int / (2.0 * sp.T[ok] ** 2))
        if fit.sigma2_int > 0:
            land = GaussianLandscape(alpha, fit.e0, fit.sigma2_int * n, n)
            gauss = {**land.as_dict(), "e0_err": fit.e0_err,
                     "sigma2_int_err": fit.sigma2_int_err,
                     "alpha_rms_residual": float(np.sqrt(np.mean(resid**2)))}
    out["gaussian"] = gauss
    a, b, x0 = _line_root(1.0 / sp.T[low], s_c[low])
    out["ti_kauzmann"] = {
        "fit_s_c_vs_inverse_T": {"A": a, "minus_B": b},
        "T_K": 1.0 / x0 if np.isfinite(x0) and x0 > 0 else float("nan"),
    }
    a2, b2, e_k = _line_root(sp.e_is[low], s_c[low])
    out["ti_kauzmann"]["e_K"] = e_k
    out["ti_kauzmann"]["fit_s_c_vs_e_is"] = {"intercept": a2, "slope": b2}
    seed = GaussianLandscape.from_totals(**KA_PUBLISHED_LANDSCAPE)
    out["ka_paper_gaussian"] = seed.as_dict()
    out["ka_paper_s_c_at_e_is"] = seed.s_c(sp.e_is)
    return out


def analyze(out_dir: Path, cfg: KAEntropyConfig) -> dict[str, Any]:
    """Rebuild results.h5, summary.json, figures and report.md from the stored task files."""
    from pelkit.studies.h5out import write_h5
    from pelkit.studies.ka_entropy.figures import make_figures
    from pelkit.studies.ka_entropy.report import write_report

    out_dir = Path(out_dir)
    folder = RunFolder(out_dir)
    sp = load_states(out_dir, cfg)
    res = entropy_analysis(sp, cfg)
    t_k_ti = res["ti_kauzmann"]["T_K"]
    t_k_g = res["gaussian"]["T_K"] if res["gaussian"] else float("nan")
    published = dict(PUBLISHED_T_K)
    published["T_K_ti_within_tolerance"] = bool(
        np.isfinite(t_k_ti) and abs(t_k_ti - PUBLISHED_T_K["value"]) <= PUBLISHED_T_K["tolerance"])
    published["T_K_gaussian_within_tolerance"] = bool(
        np.isfinite(t_k_g) and abs(t_k_g - PUBLISHED_T_K["value"]) <= PUBLISHED_T_K["tolerance"])
    summary: dict[str, Any] = {
        "study": "ka-entropy",
        "preset": cfg.preset,
        "model": cfg.model,
        "n_particles": cfg.n_particles,
        "density": cfg.density,
        "isotherm_temperature": cfg.isotherm_temperature,
        "isotherm_densities": sp.rho.tolist(),
        "temperatures": sp.T.tolist(),
        "u": sp.u.tolist(),
        "e_is": sp.e_is.tolist(),
        "s_total": res["s_total"].tolist(),
        "s_vib": res["s_vib"].tolist(),
        "s_anh": res["s_anh"].tolist(),
        "s_c": res["s_c"].tolist(),
        "s_c_err": res["s_c_err"].tolist(),
        "s_c_harmonic": res["s_c_harmonic"].tolist(),
        "ka_paper_s_c_at_e_is": res["ka_paper_s_c_at_e_is"].tolist(),
        # former key (kept for compatibility, removed in the next release)
        "seed004_s_c_at_e_is": res["ka_paper_s_c_at_e_is"].tolist(),
        "beta_f_ex_isotherm": res["beta_f_ex_isotherm"],
        "anharmonic": res["anharmonic"],
        "gaussian": res["gaussian"],
        "ti_kauzmann": res["ti_kauzmann"],
        "ka_paper_gaussian": res["ka_paper_gaussian"],
        # former key (kept for compatibility, removed in the next release)
        "seed004_gaussian": res["ka_paper_gaussian"],
        "published_T_K": published,
        "checks": {
            "isotherm_equilibrated": sp.iso_equilibrated.tolist(),
            "isochore_equilibrated": sp.equilibrated.tolist(),
            "replicas": cfg.n_replicas,
            "quenches": sp.quenches.tolist(),
            "quenches_converged": sp.converged.tolist(),
            "hessians": sp.hessians.tolist(),
            "hessians_with_negative_modes": sp.negative.tolist(),
        },
    }
    tree = {
        "isotherm": {"density": sp.rho, "z_minus_1": sp.zm1, "z_minus_1_err": sp.zm1_err,
                     "u": sp.u_iso},
        "isochore": {"temperature": sp.T, "u": sp.u, "u_err": sp.u_err, "e_is": sp.e_is,
                     "e_is_err": sp.e_is_err, "log_omega": sp.log_omega,
                     **{k: res[k] for k in ("s_id", "s_ex", "s_total", "s_vib", "e_anh",
                                            "s_anh", "s_c_harmonic", "s_c", "s_c_err")}},
    }
    with folder.timed("analysis"):
        write_h5(folder.results_path, tree, attrs={"study": "ka-entropy"})
        summary["figures"] = make_figures(folder, sp, res, cfg)
        folder.write_summary(summary)
        write_report(folder, summary, cfg)
    return summary


# Deprecated names (removed in the next release).
__getattr__ = renamed_names(__name__, {"SEED004": "KA_PUBLISHED_LANDSCAPE"}, globals())
