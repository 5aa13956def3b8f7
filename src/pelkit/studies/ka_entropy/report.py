"""report.md of the ka-entropy study: s_c by thermodynamic integration beside the Gaussian
landscape (ours and the reference parameters of the KA landscape study) and the published
Kauzmann temperature."""

from __future__ import annotations

from typing import Any

from pelkit.io.results import RunFolder
from pelkit.studies.ka_entropy.config import KAEntropyConfig


def _f(x: Any, fmt: str = ".4f") -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "—"
    return "—" if v != v else format(v, fmt)


def _anh(summary: dict[str, Any]) -> str:
    a = summary["anharmonic"]
    if not a:
        return " (no fit: fewer than two temperatures below anharmonic_max_temperature)"
    text = (f": e_anh = u - <e_IS> - (3N-3)T/(2N) fitted as {_f(a['c2'])} T^2 + "
            f"{_f(a['c3'])} T^3, s_anh at the lowest T = {_f(a['s_anh_lowest_T'])} ± "
            f"{_f(a['s_anh_lowest_T_err'])}")
    return text + ("; applied" if a["applied"] else
                   "; not measurable (within 2 standard errors of 0), not applied")


def write_report(folder: RunFolder, summary: dict[str, Any], cfg: KAEntropyConfig) -> None:
    """Write report.md from the summary."""
    g = summary["gaussian"] or {}
    ti = summary["ti_kauzmann"]
    seed = summary["ka_paper_gaussian"]
    pub = summary["published_T_K"]
    checks = summary["checks"]
    lines = [
        "# Configurational entropy of the Kob-Andersen liquid (ka-entropy study)",
        "",
        "The thermodynamic-integration curve that the KA local-diffusivity paper (Fig 4) "
        "overlays on its Gaussian "
        "s_c(e): total entropy from the ideal gas (isotherm T0 in density, then the isochore in "
        "1/T), minus the harmonic vibrational entropy of the inherent structures (and the "
        "fitted anharmonic part), as in Sciortino, Kob and Tartaglia, Phys. Rev. Lett. 83, 3214 "
        "(1999).",
        "",
        f"- model `{cfg.model}`, N = {cfg.n_particles}, rho = {cfg.density:g}; preset "
        f"`{cfg.preset}`, seed {cfg.seed}, {cfg.n_replicas} replica(s) per state point",
        f"- isotherm T0 = {cfg.isotherm_temperature:g} at {cfg.isotherm_points} Gauss-Legendre "
        f"densities: beta f_ex(rho, T0) = {_f(summary['beta_f_ex_isotherm'])}",
        f"- isochore: {len(summary['temperatures'])} temperatures from "
        f"{cfg.isotherm_temperature:g} to {cfg.t_min:g} (equal steps in 1/T); landscape fits "
        f"use T <= {cfg.landscape_max_temperature:g}",
        f"- hbar = {cfg.hbar:g} in reduced units (s and s_vib depend on it, s_c does not); "
        "anharmonic correction " + ("on" if cfg.anharmonic else "off") + _anh(summary),
        "",
    ]
    if cfg.preset == "smoke":
        lines += [
            "**Note:** the `smoke` preset runs only high temperatures with one short replica "
            "per state point; its Kauzmann numbers are wild extrapolations. Use `laptop` or "
            "`paper` for numbers to compare.",
            "",
        ]
    lines += [
        "## s_c against T and e_IS",
        "",
        "| T | u | <e_IS> | s (total) | s_vib | s_anh | s_c | ± | the KA local-diffusivity paper "
        "s_c(e_IS) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k, T in enumerate(summary["temperatures"]):
        lines.append(
            f"| {T:.4g} | {_f(summary['u'][k])} | {_f(summary['e_is'][k])} | "
            f"{_f(summary['s_total'][k])} | {_f(summary['s_vib'][k])} | "
            f"{_f(summary['s_anh'][k])} | {_f(summary['s_c'][k])} | "
            f"{_f(summary['s_c_err'][k])} | {_f(summary['ka_paper_s_c_at_e_is'][k])} |"
        )
    lines += [
        "",
        "s_anh is applied only at T <= anharmonic_max_temperature (where e_anh was fitted; — "
        "above). The last column is the KA local-diffusivity paper's Gaussian s_c(e) = 0.78 - (e "
        "- e0)^2/(2 "
        "sigma_int^2) at our <e_IS> (N = 155): the curve its Fig 4 compares with TI.",
    ]
    lines += [
        "",
        "## Kauzmann point and landscape parameters",
        "",
        "| quantity | this run: TI extrapolation | this run: Gaussian fit | KA local-diffusivity "
        "paper, Gaussian "
        "(N = 155) | published |",
        "|---|---|---|---|---|",
        f"| T_K | {_f(ti['T_K'], '.3f')} | {_f(g.get('T_K'), '.3f')} | "
        f"{_f(seed['T_K'], '.5f')} | {pub['value']:g} (tolerance ± {pub['tolerance']:g}) |",
        f"| e_K | {_f(ti['e_K'], '.4f')} | {_f(g.get('e_K'), '.4f')} | {_f(seed['e_K'], '.5f')} "
        "| — |",
        f"| alpha (s_c at the top of the landscape) | — | {_f(g.get('alpha'), '.4f')} | "
        f"{seed['alpha']:g} | — |",
        f"| e0 | — | {_f(g.get('e0'), '.4f')} | {_f(seed['e0'], '.5f')} | — |",
        f"| sigma_int^2 | — | {_f(g.get('sigma2_int'), '.4f')} | {_f(seed['sigma2_int'], '.5f')}"
        " | — |",
        "",
        "TI extrapolation: the zero of the straight line s_c = A - B/T through the landscape "
        "temperatures (T_K), and of the straight line s_c(e_IS) (e_K). Gaussian fit: e0 and "
        "sigma_int^2 from <e_IS>(T) = e0 - sigma_int^2/T, alpha from s_c(T) + sigma_int^2/(2T^2) "
        f"(rms misfit {_f(g.get('alpha_rms_residual'), '.4f')}); T_K = sigma_int/(2 alpha)^1/2.",
        "",
        f"Published: {pub['source']}. Sciortino, Kob and Tartaglia (1999) also determine T_K "
        "from their TI s_c; their value is not quoted here (not checked against the paper). "
        f"Tolerance ± {pub['tolerance']:g}: {pub['tolerance_reason']}. Within tolerance: TI "
        f"{'yes' if pub['T_K_ti_within_tolerance'] else 'no'}, Gaussian "
        f"{'yes' if pub['T_K_gaussian_within_tolerance'] else 'no'}.",
        "",
        "The state-point averages the integration rests on (u and Z - 1 of one NVT run) are "
        "checked against published KA values (Pedersen, Schroeder and Dyre, Phys. Rev. Lett. "
        "120, 165501 (2018): u = -5.974, W/N = 7.444 at T = 1.028, rho = 1.2) by "
        "tests/validation/test_ka_published_state_point.py: agreement to 0.1 % in u.",
        "",
        "## Checks",
        "",
        f"- replicas that reached the MSD target (isotherm, per density): "
        f"{checks['isotherm_equilibrated']} of {checks['replicas']}",
        f"- replicas that reached the MSD target (isochore, per T): "
        f"{checks['isochore_equilibrated']} of {checks['replicas']}",
        f"- quenches converged per T: {checks['quenches_converged']} of {checks['quenches']}",
        f"- Hessians used per T: {checks['hessians']} (with non-positive modes, excluded: "
        f"{checks['hessians_with_negative_modes']})",
        "- The three translations are treated as in the references (the O(ln N / N) centre-of-"
        "mass terms are not separated).",
        "",
        "## Figures",
        "",
        "- `figures/fig4_sconf.png`: s_c(e_IS) by TI against the Gaussian-landscape fits "
        "(ours and the KA local-diffusivity paper's), with e_K; s_c against 1/T with both "
        "Kauzmann extrapolations",
        "- `figures/entropy_path.png`: the integration path (isotherm, isochore, entropies)",
    ]
    folder.write_report("\n".join(lines))
