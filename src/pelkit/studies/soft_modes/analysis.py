"""Analysis of the soft-modes study from its stored task results (Buchenau, Philos. Mag. B 65,
303 (1992), Figs 5-6 and eqs 3-5, 20; Laird and Schober, Phys. Rev. Lett. 66, 636 (1991)).

Per system size N, pooled over the glasses that did not crystallise (global Q_6 below
``q6_crystal``):

* vibrational density of states g(nu), nu = omega/2 pi, of all 3N - 3 modes and of the extended
  ones (p >= ``extended_pr``), both normalised by the total number of modes, so that the extended
  curve lies under the full one as in Buchenau's Fig 5;
* participation ratio p = N_k/N against nu (Fig 6), with N_k = [sum_i |e_i|^4]^{-1};
* localisation of the lowest modes: N_k and p of the ``n_lowest`` softest modes of each glass;
* the quartic fit along the softest modes: eta_k = 2 c2/omega_c^2, eps_k = omega_c^4/(4 c4)
  (eqs 4-5 with the fitted Delta V = c2 A^2 + c4 A^4), beta eps_k with beta = 1/T_liquid (the
  temperature at which the structure was frozen by the quench), and the eps_m that puts the mode
  on the stability line of eq 20,

      beta eps_m = beta eps_k <x^2> / (2 (1 - eta_k)) = q <u^2>(q eta_k) / (2 (1 - eta_k)),
      q = (beta eps_k)^{1/2},   <u^2>(eta') over exp(-(eta' u^2 + u^4)),

  to compare with Buchenau's estimate beta eps_m ~ 3 (at T_m) to 5 (at T_g).

omega_c, Buchenau's crystal-like frequency, is the lowest maximum of the density of states of the
monodisperse crystal at the same density (:mod:`.crystal`), or the maximum of the glass's own
(pooled over all sizes; always for binary mixtures), or a configured number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pelkit.errors import InputError
from pelkit.io.results import RunFolder
from pelkit.parallel import load_result
from pelkit.studies.soft_modes.config import SoftModesConfig
from pelkit.studies.soft_modes.runner import task_key
from pelkit.theory.soft_potential import eps_k_over_eps_m_at, mean_u2

SEED_CLAIMS = {
    "lowest_modes_atoms": 100.0,
    "p_lowest": {500: 0.2, 1000: 0.1},
}
"""Buchenau 1992 (from Laird and Schober 1991): the lowest modes are localised on ~100 atoms,
p ~ 0.2 at N = 500 and ~ 0.1 at N = 1000."""


@dataclass
class SizeResult:
    """Pooled results of the glasses of one size N (arrays over glasses or modes).

    Attributes:
        n: number of particles N.
        glasses: indices of the glasses used; crystallised: indices excluded (Q_6).
        e_is, q6, liquid_temperature, liquid_msd, converged, max_force: per glass (all glasses).
        omega: (n_used, 3N-3) angular frequencies, 1/tau (negative = imaginary).
        nk: (n_used, 3N-3) participation numbers N_k.
        lowest_nk, lowest_omega: (n_used, n_lowest) of the softest modes.
        quartic: per fitted mode (pooled): lambda, nk, c1..c4, c4_change, glass.
    """

    n: int
    glasses: np.ndarray
    crystallised: np.ndarray
    e_is: np.ndarray
    q6: np.ndarray
    liquid_temperature: np.ndarray
    liquid_msd: np.ndarray
    converged: np.ndarray
    max_force: np.ndarray
    omega: np.ndarray
    nk: np.ndarray
    lowest_nk: np.ndarray
    lowest_omega: np.ndarray
    quartic: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def p(self) -> np.ndarray:
        """(n_used, 3N-3) participation ratios p = N_k / N."""
        return self.nk / self.n


def load_sizes(out_dir: Path, cfg: SoftModesConfig) -> list[SizeResult]:
    """Read every glass task and pool them per size (crystallised glasses excluded)."""
    tasks = Path(out_dir) / "tasks" / "glasses"
    results = []
    for n in cfg.sizes:
        rows = []
        for g in range(cfg.glasses_per_size):
            path = tasks / f"{task_key(n, g)}.npz"
            if not path.is_file():
                raise InputError(f"missing task result {path}; run (or --resume) the campaign")
            rows.append(load_result(path))
        q6 = np.array([float(r["q6"]) for r in rows])
        used = np.flatnonzero(~(q6 > cfg.q6_crystal))
        cryst = np.flatnonzero(q6 > cfg.q6_crystal)
        k = min(cfg.n_lowest, 3 * n - 3)
        lam = np.array([np.asarray(rows[g]["eigenvalues"]) for g in used]).reshape(used.size, -1)
        nk = np.array([np.asarray(rows[g]["participation_number"]) for g in used]).reshape(
            used.size, -1)
        omega = np.sign(lam) * np.sqrt(np.abs(lam))
        quartic: dict[str, list] = {key: [] for key in (
            "lambda", "nk", "c1", "c2", "c3", "c4", "c4_change", "glass")}
        for g in used:
            r = rows[g]
            lam_q = np.atleast_1d(r["quartic_lambda"])
            for key in ("nk", "c1", "c2", "c3", "c4", "c4_change"):
                quartic[key].extend(np.atleast_1d(r[f"quartic_{key}"]).tolist())
            quartic["lambda"].extend(lam_q.tolist())
            quartic["glass"].extend([int(g)] * lam_q.size)
        results.append(SizeResult(
            n=n, glasses=used, crystallised=cryst,
            e_is=np.array([float(r["e_is"]) for r in rows]), q6=q6,
            liquid_temperature=np.array([float(r["liquid_temperature"]) for r in rows]),
            liquid_msd=np.array([float(r["liquid_msd"]) for r in rows]),
            converged=np.array([bool(r["quench_converged"]) for r in rows]),
            max_force=np.array([float(r["quench_max_force"]) for r in rows]),
            omega=omega, nk=nk, lowest_nk=nk[:, :k], lowest_omega=omega[:, :k],
            quartic={key: np.asarray(v, dtype=float) for key, v in quartic.items()},
        ))
    return results


def vdos(omega: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """g(nu) on the bins ``edges`` of nu = omega/2 pi, normalised by the number of modes given
    (so that sum g dnu = 1 when every mode is counted; ``weights`` 0/1 selects a subset)."""
    nu = np.asarray(omega, dtype=float).ravel() / (2.0 * np.pi)
    w = None if weights is None else np.asarray(weights, dtype=float).ravel()
    counts, _ = np.histogram(nu, bins=edges, weights=w)
    return counts / (max(nu.size, 1) * np.diff(edges))


def vdos_peak(omega: np.ndarray, bins: int) -> float:
    """omega at the maximum of the (3-bin smoothed) density of states of the real modes."""
    w = np.asarray(omega, dtype=float).ravel()
    w = w[w > 0]
    if w.size == 0:
        raise InputError("no real frequencies to locate the density-of-states maximum")
    counts, edges = np.histogram(w, bins=bins)
    smooth = np.convolve(counts, np.ones(3) / 3.0, mode="same")
    k = int(np.argmax(smooth))
    return float(0.5 * (edges[k] + edges[k + 1]))


def reference_omega_c(cfg: SoftModesConfig, pooled_omega: np.ndarray) -> tuple[float, str]:
    """omega_c and a sentence saying where it comes from (see the configuration)."""
    from pelkit.studies.soft_modes.crystal import crystal_frequencies, first_peak
    from pelkit.studies.soft_modes.tasks import make_model

    if cfg.omega_c is not None:
        return float(cfg.omega_c), "given in the configuration"
    if cfg.omega_c_source == "crystal" and cfg.mixture == "mono":
        lattice = cfg.crystal_lattice
        if lattice == "auto":
            lattice = "bcc" if cfg.exponent <= 7.0 else "fcc"
        omega = crystal_frequencies(make_model(cfg), lattice, cfg.density, seed=cfg.seed)
        return first_peak(omega), (f"lowest maximum of the {lattice} crystal's density of states "
                                   f"at density {cfg.density:g} (lattice dynamics)")
    why = "" if cfg.omega_c_source == "glass" else " (binary mixture: no crystal reference)"
    return vdos_peak(pooled_omega, cfg.dos_bins), "maximum of the glass's density of states" + why


def implied_beta_eps_m(c2: np.ndarray, c4: np.ndarray, omega_c: float,
                       temperature: float) -> dict[str, np.ndarray]:
    """Buchenau's eta_k, eps_k, beta eps_k and the beta eps_m of eq 20 for fitted modes.

    eta_k = 2 c2/omega_c^2, eps_k = omega_c^4/(4 c4), beta = 1/temperature, q = (beta eps_k)^1/2,
    beta eps_m = q <u^2>(q eta_k)/(2 (1 - eta_k)) (NaN for c4 <= 0 or eta_k >= 1).
    """
    c2 = np.asarray(c2, dtype=float)
    c4 = np.asarray(c4, dtype=float)
    ok = c4 > 0
    eta = 2.0 * c2 / omega_c**2
    eps = np.where(ok, omega_c**4 / (4.0 * np.where(ok, c4, 1.0)), np.nan)
    beta_eps = eps / temperature
    q = np.sqrt(beta_eps)
    a = np.full(c2.shape, np.nan)
    for i in np.flatnonzero(ok & (eta < 1.0)):
        a[i] = q[i] * float(mean_u2(q[i] * eta[i])) / (2.0 * (1.0 - eta[i]))
    return {"eta_k": eta, "eps_k": eps, "beta_eps_k": beta_eps, "beta_eps_m": a}


def stability_line(eta: np.ndarray, beta_eps_m: float) -> np.ndarray:
    """beta eps_k on the + branch of eq 20 at the given eta_k (NaN off the branch)."""
    out = np.full(np.shape(eta), np.nan)
    for i, x in enumerate(np.ravel(eta)):
        try:
            out.flat[i] = beta_eps_m * eps_k_over_eps_m_at(float(x), beta_eps_m, "+")[
                "eps_k_over_eps_m"]
        except InputError:
            continue
    return out


def _median(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def size_summary(s: SizeResult, cfg: SoftModesConfig, omega_c: float) -> dict[str, Any]:
    """Numbers of one size for summary.json and the report."""
    p = s.p
    ext = p >= cfg.extended_pr
    lowest_p = s.lowest_nk / s.n
    q = implied_beta_eps_m(s.quartic["c2"], s.quartic["c4"], omega_c, cfg.liquid_temperature)
    low_band = s.omega < np.quantile(s.omega, 0.02) if s.omega.size else s.omega.astype(bool)
    return {
        "n_particles": s.n,
        "glasses_used": int(s.glasses.size),
        "glasses_crystallised": int(s.crystallised.size),
        "q6": s.q6.tolist(),
        "e_is_mean": float(np.mean(s.e_is[s.glasses])) if s.glasses.size else float("nan"),
        "e_is_std": float(np.std(s.e_is[s.glasses])) if s.glasses.size else float("nan"),
        "liquid_temperature_mean": float(np.mean(s.liquid_temperature)),
        "liquid_msd_min": float(np.min(s.liquid_msd)),
        "quenches_converged": int(np.count_nonzero(s.converged)),
        "quench_max_force_max": float(np.max(s.max_force)),
        "n_modes": int(s.omega.size),
        "n_imaginary": int(np.count_nonzero(s.omega < 0)),
        "fraction_extended": float(np.mean(ext)) if ext.size else float("nan"),
        "median_p_all": _median(p),
        "lowest_mode_nk_median": _median(s.lowest_nk[:, 0]) if s.lowest_nk.size else float("nan"),
        "lowest_mode_p_median": _median(lowest_p[:, 0]) if lowest_p.size else float("nan"),
        "lowest_modes_nk_median": _median(s.lowest_nk),
        "lowest_modes_p_median": _median(lowest_p),
        "lowest_modes_p_mean": float(np.mean(lowest_p)) if lowest_p.size else float("nan"),
        "lowest_2pct_p_median": _median(p[low_band]),
        "seed_claim_p": SEED_CLAIMS["p_lowest"].get(s.n),
        "quartic_modes": int(s.quartic["c4"].size),
        "quartic_c4_nonpositive": int(np.count_nonzero(~(s.quartic["c4"] > 0))),
        "quartic_c4_change_median": _median(s.quartic["c4_change"]),
        "quartic_c2_over_half_lambda_median": _median(
            s.quartic["c2"] / (0.5 * s.quartic["lambda"])),
        "eta_k_median": _median(q["eta_k"]),
        "beta_eps_k_median": _median(q["beta_eps_k"]),
        "implied_beta_eps_m_median": _median(q["beta_eps_m"]),
        "implied_beta_eps_m": q["beta_eps_m"].tolist(),
    }


def analyze(out_dir: Path, cfg: SoftModesConfig) -> dict[str, Any]:
    """Rebuild results.h5, summary.json, figures and report.md from the stored task files."""
    from pelkit.studies.h5out import write_h5
    from pelkit.studies.soft_modes.figures import make_figures
    from pelkit.studies.soft_modes.report import write_report

    out_dir = Path(out_dir)
    folder = RunFolder(out_dir)
    sizes = load_sizes(out_dir, cfg)
    if not any(s.glasses.size for s in sizes):
        raise InputError("every glass crystallised (Q_6 above q6_crystal): raise the liquid "
                         "temperature or use the binary mixture")
    pooled = np.concatenate([s.omega.ravel() for s in sizes if s.glasses.size])
    omega_c, omega_c_source = reference_omega_c(cfg, pooled)
    nu_max = float(np.max(pooled)) / (2.0 * np.pi)
    edges = np.linspace(min(0.0, float(np.min(pooled)) / (2 * np.pi)), 1.02 * nu_max,
                        cfg.dos_bins + 1)
    per_size = [size_summary(s, cfg, omega_c) for s in sizes]
    summary: dict[str, Any] = {
        "study": "soft-modes",
        "preset": cfg.preset,
        "model": f"soft spheres (sigma/r)^{cfg.exponent:g}, {cfg.mixture}, cutoff "
                 f"{cfg.x_cut:g} sigma_ij ({cfg.scheme})",
        "density": cfg.density,
        "liquid_temperature": cfg.liquid_temperature,
        "omega_c": omega_c,
        "omega_c_source": omega_c_source,
        "omega_c_glass_vdos_maximum": vdos_peak(pooled, cfg.dos_bins),
        "nu_c": omega_c / (2.0 * np.pi),
        "sizes": per_size,
        "seed_claims": {"lowest_modes_atoms": 100, "p_lowest_N500": 0.2, "p_lowest_N1000": 0.1},
    }
    tree: dict[str, Any] = {"dos_edges_nu": edges, "omega_c": omega_c}
    for s in sizes:
        ext = (s.p >= cfg.extended_pr).astype(float)
        q = implied_beta_eps_m(s.quartic["c2"], s.quartic["c4"], omega_c, cfg.liquid_temperature)
        tree[f"N{s.n}"] = {
            "glasses": s.glasses, "crystallised": s.crystallised, "e_is": s.e_is, "q6": s.q6,
            "omega": s.omega, "participation_number": s.nk,
            "vdos_all": vdos(s.omega, edges), "vdos_extended": vdos(s.omega, edges, ext),
            "quartic": {**s.quartic, **q},
        }
    with folder.timed("analysis"):
        write_h5(folder.results_path, tree, attrs={"study": "soft-modes"})
        summary["figures"] = make_figures(folder, sizes, cfg, omega_c, edges)
        folder.write_summary(summary)
        write_report(folder, summary, cfg)
    return summary
