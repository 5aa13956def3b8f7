"""Across-temperature fits of the KA landscape study: D_inf, the collapse and the model.

Study-specific orchestration of the generic tools in :mod:`pelkit.analysis` on the
per-temperature results (:class:`~pelkit.studies.ka_landscape.temperature.TemperatureResult`);
the formulas are in docs/physics/ka-landscape.md:

* D_inf from an Arrhenius fit of the direct D(T) at high T (or the configured value);
* the free fit of the collapse y_i = T ln(D_i / D_inf) = -1 / (a0 - a1 (e - a2)^2)
  (:func:`pelkit.analysis.local_diffusivity.fit_collapse`) and the Gaussian-landscape reading
  B, alpha, E0, e0, e_K, T_K of its coefficients (Adam and Gibbs, J. Chem. Phys. 1965; Doliwa
  and Heuer, Phys. Rev. E 2003; Heuer, J. Phys.: Condens. Matter 2008);
* the landscape-constrained fit (:func:`pelkit.analysis.collapse.fit_constrained_collapse`);
* the model quantities per T: the landscape sum for D(T), the semi-empirical mean of D over the
  trajectories, <D><1/D> with an energy cut-off
  (:mod:`pelkit.analysis.landscape_diffusion`);
* the instantaneous-normal-mode relations D vs f_u and s_c vs ln f_u (Keyes, J. Phys. Chem. A
  1997; La Nave, Scala, Starr, Sciortino and Stanley, Phys. Rev. Lett. 2000).

Every fitted parameter is reported as ``{"value", "error", "low", "high"}`` (the
``summary.json`` convention; :class:`pelkit.analysis.collapse.Estimate`).
Units: energies per particle in epsilon, T in epsilon/k_B, D in sigma^2/tau.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pelkit.analysis.collapse import (
    bootstrap_estimate,
    fit_constrained_collapse,
    pooled_estimate,
)
from pelkit.analysis.landscape_diffusion import (
    DiffusivityModel,
    landscape_D,
    model_D_moments,
    semi_empirical_D,
)
from pelkit.analysis.local_diffusivity import (
    collapse,
    derived_from_coefficients,
    fit_collapse,
    per_trajectory_sc,
)
from pelkit.analysis.relations import (
    D_INF_KA_PUBLISHED,
    fit_arrhenius,
    fit_D_vs_fu,
    fit_S_vs_ln_fu,
)
from pelkit.errors import InputError
from pelkit.studies.ka_landscape.config import KAConfig
from pelkit.studies.ka_landscape.temperature import TemperatureResult

__all__ = [
    "FIT_NAMES",
    "collapse_fit",
    "combined_sigma2",
    "constrained_fit",
    "d_inf",
    "entry",
    "fit_entries",
    "inm_relations",
    "model_quantities",
]

MAX_BAND_SAMPLES = 200
"""Bootstrap samples of the coefficients used at most for the band of the landscape-sum D(T)."""
FIT_NAMES = ("a0", "a1", "a2", "B", "alpha", "E0", "e0", "e_K", "T_K")
"""The parameters reported for a collapse fit (coefficients and their landscape reading)."""


def _nan() -> float:
    return float("nan")


def entry(value: float, error: float = math.nan, low: float = math.nan,
          high: float = math.nan) -> dict[str, float]:
    """``{"value", "error", "low", "high"}`` as floats: one entry of ``summary.json``."""
    return {"value": float(value), "error": float(error), "low": float(low), "high": float(high)}


def combined_sigma2(per_T: np.ndarray, err: np.ndarray) -> tuple[float, float]:
    """sigma^2 pooled over temperatures (:func:`pelkit.analysis.collapse.pooled_estimate`)."""
    est = pooled_estimate(per_T, err)
    return est.value, est.error


def _boot_entry(value: float, samples: np.ndarray, level: float,
                fallback_err: float = math.nan) -> dict[str, float]:
    return bootstrap_estimate(value, samples, level, fallback_err).as_dict()


def d_inf(cfg: KAConfig, temps: np.ndarray, D: np.ndarray, D_err: np.ndarray,
          flags: list[str]) -> tuple[float, str, dict[str, Any]]:
    """D_inf used (config, Arrhenius fit, or the published 0.155 of Doliwa and Heuer 2003 as a
    fallback), its source, and the Arrhenius fit entry."""
    high = (temps >= cfg.d_inf_min_temperature) & np.isfinite(D) & (D > 0)
    arr: dict[str, Any] = {"temperatures": temps[high].tolist(), "D_inf": entry(_nan()),
                           "E_a": entry(_nan()), "available": False}
    if np.count_nonzero(high) >= 2:
        err = D_err[high]
        use_err = err if np.all(np.isfinite(err)) and np.all(err > 0) else None
        fit = fit_arrhenius(temps[high], D[high], use_err)
        arr.update(D_inf=entry(fit.D_inf, fit.D_inf_err), E_a=entry(fit.E_a, fit.E_a_err),
                   r2=fit.line.r2, available=True, weighted=use_err is not None)
    if cfg.d_inf is not None:
        return float(cfg.d_inf), "config", arr
    if arr["available"]:
        return float(arr["D_inf"]["value"]), "arrhenius", arr
    flags.append(
        f"fewer than 2 temperatures >= {cfg.d_inf_min_temperature:g} with a positive D: "
        f"D_inf = {D_INF_KA_PUBLISHED} (the published value) used"
    )
    return D_INF_KA_PUBLISHED, "seed004-fallback", arr


def fit_entries(fit: Any, sigma2: float, sigma2_err: float, n_particles: int) -> dict[str, Any]:
    """{a0, a1, a2, B, alpha, E0, e0, e_K, T_K: {value, error, low, high}} (module docstring).

    Errors from the bootstrap samples of (a0, a1, a2) (:func:`_boot_entry`; the fit covariance
    without bootstrap); for B, alpha, T_K the sigma^2 uncertainty is added in quadrature."""
    out: dict[str, Any] = {}
    boot = np.asarray(fit.boot_samples).reshape(-1, 3)
    for k, name in enumerate(("a0", "a1", "a2")):
        out[name] = _boot_entry(fit.a[k], boot[:, k], fit.level, fit.a_err[k])
    best = derived_from_coefficients(fit.a, sigma2, n_particles, strict=False)
    derived_boot = [derived_from_coefficients(b, sigma2, n_particles, strict=False)
                    for b in boot]
    for name in ("B", "alpha", "E0", "e0", "e_K", "T_K"):
        value = best[name]
        if not np.isfinite(value):
            out[name] = entry(_nan())
            continue
        ent = _boot_entry(value, np.array([d[name] for d in derived_boot]), fit.level)
        err = ent["error"]
        # propagate the sigma^2 uncertainty (B, alpha, T_K depend on it; e0, E0, e_K do not)
        if np.isfinite(sigma2_err) and sigma2_err > 0 and sigma2 > sigma2_err:
            hi = derived_from_coefficients(fit.a, sigma2 + sigma2_err, n_particles, strict=False)
            lo = derived_from_coefficients(fit.a, sigma2 - sigma2_err, n_particles, strict=False)
            ds = 0.5 * abs(hi[name] - lo[name])
            if np.isfinite(ds) and ds > 0:
                err = float(np.hypot(err, ds)) if np.isfinite(err) else float(ds)
        ent["error"] = err
        out[name] = ent
    return out




def collapse_fit(
    cfg: KAConfig,
    results: list[TemperatureResult],
    D_inf: float,
    sigma2: float,
    sigma2_err: float,
    n_particles: int,
    flags: list[str],
) -> tuple[Any, dict[str, Any], dict[str, np.ndarray]]:
    """Collapse y_i = T ln(D_i/D_inf) at the landscape temperatures and the fit of f(e)."""
    def gather(rs: list[TemperatureResult]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not rs:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        T = np.concatenate([np.full(r.n_rep, r.T) for r in rs])
        D = np.concatenate([np.where(r.D_valid_i, r.D_i, np.nan) for r in rs])
        e = np.concatenate([r.mean_eis_i for r in rs])
        return T, D, e

    low = [r for r in results if r.T <= cfg.low_t_max]
    T, D, e = gather(low)
    data = collapse(T, D, e, D_inf) if T.size else None
    used = "landscape"
    if data is None or data.y.size < 4 or np.count_nonzero(data.y < 0) < 3:
        if len(low) < len(results):
            flags.append(
                f"too few usable trajectories at T <= low_t_max = {cfg.low_t_max:g} for the "
                "collapse fit: all temperatures used"
            )
            T, D, e = gather(results)
            data = collapse(T, D, e, D_inf)
            used = "all"
    info: dict[str, Any] = {"temperature_set": used, "n_points": 0, "temperatures": [],
                            "n_excluded": 0, "done": False, "flags": []}
    arrays = {"e": np.zeros(0), "y": np.zeros(0), "T": np.zeros(0)}
    if data is None:
        info["flags"].append("no trajectory for the collapse")
        return None, info, arrays
    arrays = {"e": data.e, "y": data.y, "T": data.T}
    temps_used = sorted(set(data.T.tolist()))
    info.update(n_points=int(data.y.size), temperatures=temps_used,
                n_excluded=data.n_excluded)
    fit = None
    try:
        fit = fit_collapse(data.e, data.y, T=data.T, n_boot=cfg.bootstrap, seed=cfg.seed)
    except InputError as exc:
        info["flags"].append(f"collapse fit not possible: {exc}")
        flags.append(f"collapse fit not possible: {exc}")
    if fit is None:
        return None, info, arrays
    reasons = []
    if len(temps_used) < 3:
        reasons.append(f"only {len(temps_used)} temperature(s)")
    if data.y.size < 30:
        reasons.append(f"only {data.y.size} trajectories")
    if np.isfinite(fit.ci_low[1]) and fit.ci_low[1] <= 0.0:
        reasons.append("bootstrap interval of a1 includes 0 (curvature of 1/f not resolved)")
    if fit.a[1] <= 0 or fit.a[0] <= 0:
        reasons.append("a0 or a1 <= 0: no Gaussian-landscape reading")
    info.update(
        done=True,
        entries=fit_entries(fit, sigma2, sigma2_err, n_particles),
        a_start=fit.a_start.tolist(),
        c_poly=fit.c_poly.tolist(),
        rms=fit.rms,
        converged=fit.converged,
        n_boot=fit.n_boot,
        n_boot_failed=fit.n_boot_failed,
        level=fit.level,
        bootstrap_seed=cfg.seed,
        stratified=fit.stratified,
        weakly_constrained=bool(reasons),
        weak_reasons=reasons,
    )
    info["flags"].extend(fit.notes)
    if reasons:
        flags.append("collapse fit weakly constrained: " + "; ".join(reasons))
    return fit, info, arrays



def constrained_fit(
    coll: dict[str, np.ndarray], mf: Any, n_particles: int, n_boot: int, seed: int,
    level: float = 0.95,
) -> dict[str, Any]:
    """Landscape-constrained fit of the collapse as a ``fit_constrained`` summary entry.

    f = B / s_c(e) with s_c(e) = alpha - (e - e0)^2 / (2 sigma_int^2), e0 and sigma_int^2 from
    the fit ``mf`` of <e_IS>(T) = e0 - sigma_int^2 / T
    (:func:`pelkit.analysis.collapse.fit_constrained_collapse`; bootstrap over trajectories
    within each T and over (e0, sigma_int^2) from their covariance). The entries a0..T_K follow
    from (B, alpha, e0, sigma_int^2); ``"_a"`` (3,) and ``"_boot_a"`` (n, 3) carry the
    coefficients for the model quantities and are removed before writing.
    """
    out: dict[str, Any] = {"available": False}
    use = coll["y"] < 0
    if mf is None or np.count_nonzero(use) < 3 or not (mf.sigma2_int > 0):
        out["note"] = "needs the <e_IS>(1/T) fit with sigma_int^2 > 0 and >= 3 points with y < 0"
        return out
    cf = fit_constrained_collapse(coll["e"], coll["y"], coll["T"], mf.e0, mf.sigma2_int,
                                  landscape_cov=mf.cov, n_boot=n_boot, seed=seed)
    if cf is None:
        out["note"] = "linear start failed"
        return out

    def derived(B: float, alpha: float, e0: float, s2i: float) -> dict[str, float]:
        ok_b = B > 0
        return {
            "a0": alpha / B, "a1": 1.0 / (2.0 * s2i * B), "a2": e0, "B": B, "alpha": alpha,
            "E0": n_particles * e0, "e0": e0,
            "e_K": e0 - float(np.sqrt(2.0 * alpha * s2i)) if alpha > 0 else _nan(),
            "T_K": float(np.sqrt(s2i / (2.0 * alpha))) if alpha > 0 and ok_b else _nan(),
        }

    value = derived(cf.B, cf.alpha, mf.e0, mf.sigma2_int)
    boot = [derived(*smp) for smp in cf.boot]
    entries = {name: _boot_entry(v, np.array([b[name] for b in boot]), level)
               for name, v in value.items()}
    # 1/B = 2 sigma_int^2 a1: the curvature; unresolved when its interval reaches 0
    inv_B = 1.0 / cf.boot[:, 0]
    reasons = []
    if cf.e.size < 30:
        reasons.append(f"only {cf.e.size} trajectories")
    if inv_B.size >= 2 and np.quantile(inv_B, 0.5 * (1 - level)) <= 0:
        reasons.append("bootstrap interval of 1/B includes 0 (curvature of 1/f not resolved)")
    reading = cf.B > 0 and cf.alpha > 0
    out.update(
        available=True,
        landscape_reading=bool(reading),
        n_points=int(cf.e.size),
        rms=cf.rms,
        n_boot=int(n_boot),
        n_boot_ok=int(cf.boot.shape[0]),
        level=level,
        sigma2_total_used=float(mf.sigma2),
        weakly_constrained=bool(reasons),
        weak_reasons=reasons,
        note=("e0 and sigma_int^2 fixed by <e_IS>(T) = e0 - sigma_int^2/T; B and alpha fitted "
              "to the collapse"),
        **entries,
    )
    out["_a"] = np.array([value["a0"], value["a1"], value["a2"]])
    out["_boot_a"] = np.array([[b["a0"], b["a1"], b["a2"]] for b in boot]).reshape(-1, 3)
    return out


def _model_or_none(a: np.ndarray, D_inf: float) -> DiffusivityModel | None:
    try:
        return DiffusivityModel.from_coefficients(a, D_inf)
    except InputError:
        return None


def model_quantities(
    cfg: KAConfig, results: list[TemperatureResult], a: np.ndarray | None,
    boot_a: np.ndarray, level: float, D_inf: float, sigma_e: float,
) -> dict[str, np.ndarray]:
    """Per T for the coefficients ``a`` (3,): the landscape-sum D(T) with its band from the
    bootstrap samples ``boot_a`` (n, 3) (``table`` keys ``D_eq5*``), the semi-empirical D and
    the model <D><1/D> at two cut-offs."""
    nT = len(results)
    out = {k: np.full(nT, np.nan) for k in (
        "D_eq5", "D_eq5_low", "D_eq5_high", "D_semi", "DinvD_model", "DinvD_model_alt",
        "e_cut", "s_c_mean")}
    if a is None or not np.isfinite(sigma_e) or sigma_e <= 0:
        return out
    model = _model_or_none(a, D_inf)
    if model is None:
        return out
    boot = np.asarray(boot_a).reshape(-1, 3)[:MAX_BAND_SAMPLES]
    boot_models = [m for m in (_model_or_none(b, D_inf) for b in boot) if m is not None]
    q = (0.5 * (1 - level), 0.5 * (1 + level))
    for k, r in enumerate(results):
        if not np.isfinite(r.mean_eis):
            continue
        out["D_eq5"][k] = landscape_D(model, r.T, r.mean_eis, sigma_e)
        if len(boot_models) >= 2:
            band = [landscape_D(m, r.T, r.mean_eis, sigma_e) for m in boot_models]
            out["D_eq5_low"][k], out["D_eq5_high"][k] = np.quantile(band, q)
        e_ok = r.mean_eis_i[np.isfinite(r.mean_eis_i)]
        if e_ok.size:
            out["D_semi"][k] = semi_empirical_D(model, e_ok, r.T)
        for key, cut in (("DinvD_model", cfg.cut_sigmas), ("DinvD_model_alt", cfg.cut_sigmas + 1)):
            try:
                mom = model_D_moments(model, r.T, r.mean_eis, sigma_e, cut_sigma=cut)
                out[key][k] = mom.product
                if key == "DinvD_model":
                    out["e_cut"][k] = mom.e_cut
            except InputError:
                pass
    return out


def inm_relations(
    results: list[TemperatureResult],
    table: dict[str, np.ndarray],
    y_all: dict[str, np.ndarray],
    B: float,
    s_c_T: np.ndarray,
) -> dict[str, Any]:
    """INM relations on KA data: D vs f_u (and f_dw), s_c vs ln f_u (Keyes, J. Phys. Chem. A
    1997; docs/physics/ka-landscape.md, "INM link")."""
    out: dict[str, Any] = {}

    def prop(f: np.ndarray, D: np.ndarray, what: str) -> dict[str, Any]:
        ok = np.isfinite(f) & np.isfinite(D) & (D > 0) & (f >= 0)
        if np.count_nonzero(ok & (f > 0)) < 3:
            return {"available": False, "n": int(np.count_nonzero(ok)),
                    "note": f"fewer than 3 points with {what} > 0"}
        try:
            p = fit_D_vs_fu(f[ok], D[ok])
        except InputError as exc:
            return {"available": False, "n": int(np.count_nonzero(ok)), "note": str(exc)}
        return {"available": True, "k": entry(p.k, p.k_err),
                "exponent": entry(p.exponent, p.exponent_err),
                "ln_prefactor": entry(p.loglog.intercept, p.loglog.intercept_err),
                "r2_loglog": p.loglog.r2,
                "n": p.n}

    def line(f: np.ndarray, S: np.ndarray) -> dict[str, Any]:
        ok = np.isfinite(f) & np.isfinite(S) & (f > 0)
        if np.count_nonzero(ok) < 3 or np.unique(f[ok]).size < 2:
            return {"available": False, "n": int(np.count_nonzero(ok))}
        ln = fit_S_vs_ln_fu(f[ok], S[ok])
        return {"available": True, "slope": entry(ln.slope, ln.slope_err),
                "intercept": entry(ln.intercept, ln.intercept_err), "r2": ln.r2, "n": ln.n}

    f_u_i = np.concatenate([r.f_u_i for r in results])
    f_dw_i = np.concatenate([r.f_dw_i for r in results])
    D_i = np.concatenate([np.where(r.D_valid_i, r.D_i, np.nan) for r in results])
    out["D_vs_f_u_T"] = prop(table["f_u"], table["D_direct"], "f_u")
    out["D_vs_f_dw_T"] = prop(table["f_dw"], table["D_direct"], "f_dw")
    out["D_vs_f_u_replicas"] = prop(f_u_i, D_i, "f_u")
    out["D_vs_f_dw_replicas"] = prop(f_dw_i, D_i, "f_dw")
    out["s_c_vs_ln_f_u_T"] = line(table["f_u"], s_c_T)
    out["s_c_vs_ln_f_dw_T"] = line(table["f_dw"], s_c_T)
    sc_i = np.full(f_u_i.shape, np.nan)
    if np.isfinite(B):
        y = y_all["y"]
        sc_i = np.where(y < 0, per_trajectory_sc(np.where(y < 0, y, -1.0), B), np.nan)
    out["s_c_vs_ln_f_u_replicas"] = line(y_all["f_u"], sc_i) if "f_u" in y_all else {
        "available": False}
    out["note"] = (
        "D from the direct MSD per T and the seed-004 D_i per replica; s_c(T) = s_c(<e_IS>(T)) "
        "of the fitted landscape, s_c,i = B/f_i with f_i = -T ln(D_i/D_inf); seed 000 predicts "
        "D proportional to f_u (exponent 1) and s_c = a + b ln f_u."
    )
    return out

