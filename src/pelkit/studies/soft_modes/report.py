"""report.md of the soft-modes study: our numbers beside the claims of Buchenau, Philos. Mag. B
65, 303 (1992) about the soft-sphere glass of Laird and Schober, Phys. Rev. Lett. 66, 636
(1991)."""

from __future__ import annotations

from typing import Any

from pelkit.io.results import RunFolder
from pelkit.studies.soft_modes.config import SoftModesConfig


def _f(x: Any, fmt: str = ".3g") -> str:
    if x is None:
        return "—"
    try:
        return format(float(x), fmt)
    except (TypeError, ValueError):
        return str(x)


def write_report(folder: RunFolder, summary: dict[str, Any], cfg: SoftModesConfig) -> None:
    """Write report.md from the summary."""
    sizes = summary["sizes"]
    seed_sizes = {500, 1000}
    lines = [
        "# Soft localized vibrations in a soft-sphere glass (soft-modes study)",
        "",
        "Reproduces the Laird-Schober check of U. Buchenau, Philos. Mag. B 65, 303 (1992), Figs "
        "5-6 (from B. B. Laird and H. R. Schober, Phys. Rev. Lett. 66, 636 (1991)), and bridges "
        "the glass's softest modes to the soft-potential model (quartic fit, eqs 3-5; stability "
        "line, eq 20 and Fig 8).",
        "",
        f"- model: {summary['model']}, density {cfg.density:g}",
        f"- preparation: random packing, melt at T = {cfg.melt_temperature:g} for "
        f"{cfg.melt_time:g} tau, liquid at T = {cfg.liquid_temperature:g} for "
        f"{cfg.liquid_time:g} tau ({cfg.thermostat} thermostat, first half discarded), quench "
        f"({cfg.quench_method}, max force <= {cfg.quench_fmax:g})",
        f"- preset `{cfg.preset}`, seed {cfg.seed}; sizes {', '.join(str(s) for s in cfg.sizes)}"
        f", {cfg.glasses_per_size} glasses each",
        f"- omega_c = {summary['omega_c']:.4g} (nu_c = {summary['nu_c']:.4g}; "
        f"{summary['omega_c_source']})",
        "",
    ]
    if not seed_sizes.issubset(set(cfg.sizes)):
        lines += [
            f"**Note:** this run uses N = {', '.join(str(s) for s in cfg.sizes)}, not the paper's "
            "N = 500 and 1000 (the `smoke` preset is a quick end-to-end check); its p values "
            "cannot be compared with the paper's at the same N. Use `--preset laptop` or `paper`.",
            "",
        ]
    lines += [
        "## Localisation of the lowest modes: published against this run",
        "",
        "| quantity | Buchenau 1992 (Laird-Schober) | " + " | ".join(
            f"N = {s['n_particles']}" for s in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
        "| glasses used (crystallised, Q6 > " + f"{cfg.q6_crystal:g}) | — | " + " | ".join(
            f"{s['glasses_used']} ({s['glasses_crystallised']})" for s in sizes) + " |",
        "| N_k of the lowest mode (median) | ~100 atoms | " + " | ".join(
            _f(s["lowest_mode_nk_median"], ".1f") for s in sizes) + " |",
        "| p of the lowest mode (median) | 0.2 (N=500), 0.1 (N=1000) | " + " | ".join(
            _f(s["lowest_mode_p_median"], ".3f") for s in sizes) + " |",
        f"| p of the {cfg.n_lowest} lowest modes (median / mean) | — | " + " | ".join(
            f"{_f(s['lowest_modes_p_median'], '.3f')} / {_f(s['lowest_modes_p_mean'], '.3f')}"
            for s in sizes) + " |",
        "| p of the lowest 2 % of the spectrum (median) | — | " + " | ".join(
            _f(s["lowest_2pct_p_median"], ".3f") for s in sizes) + " |",
        "| p of all modes (median) | most modes extended | " + " | ".join(
            _f(s["median_p_all"], ".3f") for s in sizes) + " |",
        f"| fraction of extended modes (p >= {cfg.extended_pr:g}) | — | " + " | ".join(
            _f(s["fraction_extended"], ".3f") for s in sizes) + " |",
        "| imaginary modes | none (minima) | " + " | ".join(
            str(s["n_imaginary"]) for s in sizes) + " |",
        "",
        "Claim: \"the low-frequency modes are localized to about 100 participating atoms; the "
        "localization is restricted to the lowest portion of the spectrum\". A mode on a fixed "
        "number of atoms has p = N_k/N halving from N = 500 to 1000; extended modes keep p "
        "fixed.",
        "",
        "## Quartic fit along the softest modes and the stability line",
        "",
        f"Along each of the {cfg.n_quartic} softest modes of every glass, Delta V(A) = c1 A + "
        "c2 A^2 + c3 A^3 + c4 A^4 is fitted (largest particle displacement "
        f"{cfg.quartic_max_displacement:g} sigma, {cfg.quartic_points} points); eta_k = "
        "2 c2/omega_c^2, eps_k = omega_c^4/(4 c4) (eqs 4-5). With beta = 1/T_liquid (the "
        "structure is frozen at the liquid temperature), eq 20 gives the eps_m that puts each "
        "mode on the stability line: beta eps_m = q <u^2>(q eta_k)/(2 (1 - eta_k)), "
        "q = (beta eps_k)^{1/2}. Buchenau estimates beta eps_m ~ 3 at T_m and ~ 5 at T_g.",
        "",
        "| quantity | " + " | ".join(f"N = {s['n_particles']}" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
        "| fitted modes (c4 <= 0) | " + " | ".join(
            f"{s['quartic_modes']} ({s['quartic_c4_nonpositive']})" for s in sizes) + " |",
        "| median c2/(lambda/2) (check: 1) | " + " | ".join(
            _f(s["quartic_c2_over_half_lambda_median"], ".4f") for s in sizes) + " |",
        "| median relative change of c4 on the halved window | " + " | ".join(
            _f(s["quartic_c4_change_median"], ".3f") for s in sizes) + " |",
        "| median eta_k | " + " | ".join(_f(s["eta_k_median"], ".4f") for s in sizes) + " |",
        "| median beta eps_k | " + " | ".join(
            _f(s["beta_eps_k_median"], ".4g") for s in sizes) + " |",
        "| median implied beta eps_m (Buchenau: 3-5) | " + " | ".join(
            _f(s["implied_beta_eps_m_median"], ".3g") for s in sizes) + " |",
        "",
        "## Checks",
        "",
        "| N | quenches converged | largest final max force | liquid <T> | smallest liquid MSD "
        "(sigma^2) | <e_IS> ± std |",
        "|---|---|---|---|---|---|",
    ]
    for s in sizes:
        lines.append(
            f"| {s['n_particles']} | {s['quenches_converged']}/{cfg.glasses_per_size} | "
            f"{_f(s['quench_max_force_max'], '.2e')} | {_f(s['liquid_temperature_mean'], '.4f')}"
            f" | {_f(s['liquid_msd_min'], '.3f')} | {_f(s['e_is_mean'], '.5f')} ± "
            f"{_f(s['e_is_std'], '.5f')} |"
        )
    lines += [
        "",
        "A liquid MSD well above 0.1 sigma^2 shows that the liquid flowed before the quench. "
        "Glasses whose global bond order Q6 (Steinhardt, Nelson and Ronchetti, Phys. Rev. B 28, "
        "784 (1983)) exceeds the threshold crystallised (monodisperse soft spheres crystallise "
        "readily) and are left out of every statistic above.",
        "",
        "## Caveats",
        "",
        "- omega_c is Buchenau's crystal-like frequency (the lowest peak of the crystal's "
        f"density of states); here: {summary['omega_c_source']}. The glass's own density of "
        f"states peaks at omega = {summary['omega_c_glass_vdos_maximum']:.4g}. eta_k, eps_k and "
        "the implied beta eps_m all depend on this choice.",
        "- The cutoff (2.5 sigma_ij, smoothed) is part of the model; for n = 6 the tail "
        "v(2.5 sigma) = 0.0041 eps is not negligible, so numbers differ slightly from the "
        "untruncated potential of Laird and Schober.",
        "- Laird and Schober's own preparation details (quench protocol, liquid temperature) "
        "are not given in Buchenau's review; the liquid temperature here is a configuration "
        "value.",
        "",
        "## Figures",
        "",
        "- `figures/fig5_vdos.png`: g(nu), all modes and extended modes (Fig 5)",
        "- `figures/fig6_participation.png`: p(nu) per N (Fig 6); N_k of the lowest modes",
        "- `figures/fig8_quartic_stability.png`: (eta_k, beta eps_k) of the softest modes with "
        "the eq-20 stability lines (Fig 8)",
    ]
    folder.write_report("\n".join(lines))
