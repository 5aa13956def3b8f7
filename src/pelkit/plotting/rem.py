"""Figures of the random energy model study (Keyes c. 2000; docs/physics/theory.md).

Each function writes one PNG and returns its path. Inputs are the dictionaries of
:func:`pelkit.theory.rem_report.rem_report` (or of the functions it calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from pelkit.theory.rem import REMParameters, f_u_of_energy, log_mean_f_u


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    return out


def plot_f_u_vs_energy(
    binned: Mapping[str, np.ndarray], params: REMParameters, path: str | Path
) -> Path:
    """Per-state f_u binned in E (mean +- SE) against the exact f_u(E) = p_c^<(E) (Keyes c. 2000,
    eq 3).

    Args:
        binned: output of :func:`pelkit.theory.rem_sampling.binned_f_u`.
        params: the REM parameters (for the exact curve).
        path: PNG file to write.
    """
    plt = _pyplot()
    e = np.asarray(binned["E_center"])
    z = (e - params.eps) / params.delta
    zz = np.linspace(z.min() - 0.3, z.max() + 0.3, 400)
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    ax.plot(
        zz,
        f_u_of_energy(params.eps + params.delta * zz, params),
        "k-",
        lw=1.2,
        label=r"exact $f_u(E)=p_<(E)$",
    )
    ax.errorbar(
        z,
        binned["f_u_mean"],
        yerr=binned["f_u_se"],
        fmt="o",
        ms=3.5,
        color="C3",
        capsize=2,
        label="sampled $n/Nv$ (bin mean)",
    )
    ax.set_xlabel(r"$(E-\varepsilon)/\Delta$")
    ax.set_ylabel(r"$f_u$")
    ax.set_title("REM: unstable fraction against energy")
    ax.legend(frameon=False)
    try:
        return _save(fig, path)
    finally:
        plt.close(fig)


def plot_entropy_vs_ln_f_u(
    exact: Mapping[str, np.ndarray],
    params: REMParameters,
    path: str | Path,
    sampled: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """S against ln <f_u> and ln p_<(E*) (Keyes c. 2000, eqs 5b, 10-11), with the sampled points.

    Args:
        exact: exact table (:func:`pelkit.theory.rem.exact_table`) at the fit temperatures.
        params: the REM parameters (for the dense exact curves).
        path: PNG file to write.
        sampled: optional sampled table
            (:func:`pelkit.theory.rem_sampling.sampled_canonical_table`); its entropy refers
            to ln M, so it is shifted by ln Omega - ln M for display (the slope is unchanged);
            only points above the freezing temperature are drawn.
    """
    plt = _pyplot()
    t = np.asarray(exact["T"])
    t_dense = np.linspace(t.min(), t.max(), 200)
    s_dense = params.ln_omega - params.delta**2 / (2.0 * t_dense**2)
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    ax.plot(
        log_mean_f_u(t_dense, params),
        s_dense,
        "k-",
        lw=1.2,
        label=r"$S$ vs $\ln\langle f_u\rangle$",
    )
    ax.plot(exact["ln_f_u"], exact["S"], "ko", ms=4)
    ax.plot(
        exact["ln_p_less_Estar"],
        exact["S"],
        "s--",
        color="C0",
        ms=4,
        label=r"$S$ vs $\ln p_<(E^*)$",
    )
    if sampled is not None:
        keep = (np.asarray(sampled["above_freezing"]) > 0.5) & (np.asarray(sampled["f_u"]) > 0)
        if np.any(keep):
            shift = params.ln_omega - (
                sampled["S_theory"][keep] + params.delta**2 / (2.0 * sampled["T"][keep] ** 2)
            )
            ax.plot(
                sampled["ln_f_u"][keep],
                sampled["S"][keep] + shift,
                "^",
                color="C3",
                ms=6,
                label=r"sampled (shifted by $\ln\Omega-\ln M$)",
            )
    ax.set_xlabel(r"$\ln f$")
    ax.set_ylabel(r"$S$")
    ax.set_title("REM: entropy against log unstable fraction")
    ax.legend(frameon=False)
    try:
        return _save(fig, path)
    finally:
        plt.close(fig)


def plot_rate_vs_f_u(
    exact: Mapping[str, np.ndarray],
    params: REMParameters,
    path: str | Path,
    sampled: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Hopping rates R_A, R_B (in units of R_0 Nv) against <f_u>, log-log (Keyes c. 2000, eqs
    12-16).

    Exact points from ``exact`` with the line R/(R_0 Nv) = f_u (R_A = R_B exactly for G_c = G),
    and the sampled R_A, R_B with standard errors if ``sampled`` is given.
    """
    plt = _pyplot()
    scale = params.r0 * params.n_neighbors
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    f_all = [np.asarray(exact["f_u"])]
    if sampled is not None:
        f_all.append(np.asarray(sampled["f_u"]))
    f_pos = np.concatenate([f[f > 0.0] for f in f_all])
    ff = np.geomspace(float(f_pos.min()) / 2.0, float(f_pos.max()) * 2.0, 50)
    ax.plot(ff, ff, "k-", lw=1.0, label=r"$R_A=R_B=R_0Nv\langle f_u\rangle$")
    ax.plot(
        exact["f_u"],
        np.asarray(exact["R_A"]) / scale,
        "o",
        mfc="none",
        color="C0",
        ms=7,
        label=r"exact $R_A$ (quadrature, eq 12)",
    )
    ax.plot(
        exact["f_u"],
        np.asarray(exact["R_B"]) / scale,
        "x",
        color="C1",
        ms=5,
        label=r"exact $R_B$ (eq 13)",
    )
    if sampled is not None:
        ax.errorbar(
            sampled["f_u"],
            np.asarray(sampled["R_A"]) / scale,
            yerr=np.asarray(sampled["R_A_se"]) / scale,
            fmt="^",
            color="C3",
            ms=5,
            capsize=2,
            label=r"sampled $R_A$",
        )
        ax.errorbar(
            sampled["f_u"],
            np.asarray(sampled["R_B"]) / scale,
            yerr=np.asarray(sampled["R_B_se"]) / scale,
            fmt="v",
            color="C2",
            ms=5,
            capsize=2,
            label=r"sampled $R_B$",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\langle f_u\rangle$")
    ax.set_ylabel(r"$\langle R\rangle/(R_0 Nv)$")
    ax.set_title("REM: hopping rates against unstable fraction")
    ax.legend(frameon=False, fontsize=8)
    try:
        return _save(fig, path)
    finally:
        plt.close(fig)
