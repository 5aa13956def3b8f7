"""The KA landscape analysis on a synthetic campaign with KNOWN parameters.

Fake task files are written with the layout of ``pelkit.studies.ka_landscape.tasks``:
replica i at temperature T is a random walk of N = 155 particles (124 of species A) with
diffusivity D_i = D_inf exp(-f(e_i) / T), f(e) = 1 / (a0 - a1 (e - a2)^2) (seed 004 eq 3 with the
[RECOMP] per-particle coefficients of the seed's landscape), and an e_IS series that alternates
around e_i (so <e_IS>_i = e_i up to delta / n). The analysis must give back a0, a1, a2, the
construction's t_MSD=1 = 1 / (6 mean_i D_i), the eq 5 integral as a brute-force sum, and the
physical trends in T.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from pelkit.analysis.relations import fit_line
from pelkit.errors import InputError
from pelkit.parallel import save_result
from pelkit.studies.ka_landscape.analysis import analyze
from pelkit.studies.ka_landscape.config import load_config
from pelkit.studies.ka_landscape.summary import REFERENCE_VALUES, KASummary

A_TRUE = np.array([0.421622, 2.327327, -7.354839])  # seed 004 [RECOMP] a0, a1, a2
D_INF = 0.155
N, N_A = 155, 124
SIGMA2_INT = 18.0 / 155  # seed landscape: <e_IS>(T) = e0 - sigma_int^2 / T
E0 = -1140.0 / 155
LOW_T = (0.47, 0.55, 0.65)
HIGH_T = (1.0, 1.5, 2.0)
N_LOW, N_HIGH = 24, 4
Q = 25  # frames per t_MSD=1
F_U_SCALE = 0.5


def f_true(e):
    return 1.0 / (A_TRUE[0] - A_TRUE[1] * (np.asarray(e) - A_TRUE[2]) ** 2)


def D_true(e, T):
    return D_INF * np.exp(-f_true(e) / T)


def key(T, r):
    return f"T{T:.3f}_r{r:04d}"


def write_synthetic_campaign(out: Path, seed: int = 11) -> dict:
    """Write equilibrate/production task files; returns the construction's true values."""
    rng = np.random.default_rng(seed)
    species = np.array([0] * N_A + [1] * (N - N_A))
    truth = {"t1": {}, "mean_D": {}, "e_i": {}, "D_i": {}}
    for T in LOW_T + HIGH_T:
        low = T in LOW_T
        n_rep = N_LOW if low else N_HIGH
        mean_e = E0 - SIGMA2_INT / T
        sd = 0.03 if low else 0.004
        e_i = mean_e + sd * np.clip(rng.standard_normal(n_rep), -2.5, 2.5)
        D_i = D_true(e_i, T)
        t1 = 1.0 / (6.0 * D_i.mean())
        frame_dt = t1 / Q
        n_frames = int(math.ceil(2.2 * Q)) + 1
        times = np.arange(n_frames) * frame_dt
        truth["t1"][T], truth["mean_D"][T] = t1, D_i.mean()
        truth["e_i"][T], truth["D_i"][T] = e_i, D_i
        for r in range(n_rep):
            steps = rng.normal(0.0, math.sqrt(2 * D_i[r] * frame_dt), (n_frames - 1, N, 3))
            pos = np.concatenate([rng.uniform(0, 5, (1, N, 3)), steps]).cumsum(axis=0)
            e_is = e_i[r] + 0.003 * (-1.0) ** np.arange(n_frames)
            conv = np.ones(n_frames, bool)
            if T == 0.55 and r == 0:
                conv[[3, 7, 40]] = False  # three failed quenches
            f_u = F_U_SCALE * D_i[r] / D_INF
            inm_t = times[[0, Q // 2, Q]]
            save_result(out / "tasks" / "production" / f"{key(T, r)}.npz", {
                "times": times, "unwrapped": pos, "species": species, "e_is": e_is,
                "quench_converged": conv, "quench_max_force": np.full(n_frames, 5e-7),
                "potential_energy": e_is + 1.5 * T, "temperature_inst": np.full(n_frames, T),
                "inm_times": inm_t, "f_u": np.full(3, f_u), "f_dw": np.full(3, 0.6 * f_u),
                "inm_eigenvalues": np.zeros((3, 3 * N - 3)), "t1_pilot": t1,
                "frame_dt": frame_dt, "seed": r, "temperature": T, "replica": r,
                "wall_time": 0.0,
            })
            save_result(out / "tasks" / "equilibrate" / f"{key(T, r)}.npz", {
                "equilibrated": not (T == 0.65 and r == 1), "msd_reached": True,
                "eis_drift": 0.001 * (r % 3 - 1), "eis_drift_error": 0.002,
                "eq_time": 10 * t1, "eq_msd": 3.0, "temperature": T, "replica": r,
            })
    return truth


def config(**over):
    base = dict(temperatures=list(LOW_T + HIGH_T), n_replicas=N_LOW, low_t_max=0.7,
                d_inf_min_temperature=1.0, bootstrap=100, d_inf=D_INF, cut_sigmas=3.0, seed=5)
    base.update(over)
    return load_config("smoke", **base)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ka_synth")
    truth = write_synthetic_campaign(out)
    summary = analyze(out, config(), outputs=False)
    return out, truth, summary


REQUIRED = ("temperatures", "n_replicas", "mean_eis", "var_eis", "D_direct", "D_eq5", "D_inf",
            "fit", "f_u", "f_dw", "D_times_inv_D", "t_msd1", "sigma2_total")


def test_summary_has_required_keys_with_finite_values(run):
    out, _, summary = run
    on_disk = json.loads((out / "summary.json").read_text())
    for k in REQUIRED:
        assert k in on_disk, k
    nT = len(LOW_T + HIGH_T)
    assert on_disk["temperatures"] == list(LOW_T + HIGH_T)
    for k in ("mean_eis", "var_eis", "D_direct", "D_eq5", "f_u", "f_dw", "D_times_inv_D",
              "t_msd1"):
        assert len(on_disk[k]) == nT, k
        assert all(v is not None and math.isfinite(v) for v in on_disk[k]), (k, on_disk[k])
    for name in ("a0", "a1", "a2", "B", "alpha", "E0", "e_K"):
        entry = on_disk["fit"][name]
        assert math.isfinite(entry["value"]) and entry["error"] > 0, (name, entry)
    assert math.isfinite(on_disk["sigma2_total"]["value"])
    assert on_disk["D_inf"] == D_INF and on_disk["D_inf_source"] == "config"
    assert (out / "results.h5").is_file()


def test_typed_summary_generates_summary_json(run):
    """summary.json is KASummary.to_dict(): same keys in the same order, readable back."""
    out, _, summary = run
    on_disk = json.loads((out / "summary.json").read_text())
    typed = KASummary.read(out)
    assert list(typed.to_dict()) == list(on_disk) == list(summary)
    assert typed.to_dict() == on_disk
    assert typed.D_landscape == on_disk["D_eq5"] and KASummary.json_key("D_landscape") == "D_eq5"
    assert typed.reference_values == on_disk["seed004"] == REFERENCE_VALUES
    assert "figures" not in on_disk and typed.figures is None
    with pytest.warns(DeprecationWarning, match="REFERENCE_VALUES"):
        from pelkit.studies.ka_landscape.analysis import SEED004
    assert SEED004 is REFERENCE_VALUES


def test_t_msd1_matches_the_construction(run):
    _, truth, summary = run
    for T, t1 in zip(summary["temperatures"], summary["t_msd1"], strict=True):
        assert t1 == pytest.approx(truth["t1"][T], rel=0.08), T


def test_collapse_fit_recovers_known_coefficients(run):
    _, _, summary = run
    fit = summary["fit"]
    assert fit["done"] and fit["n_points"] == len(LOW_T) * N_LOW
    assert fit["temperatures"] == list(LOW_T)
    for k, name in enumerate(("a0", "a1", "a2")):
        value, err = fit[name]["value"], fit[name]["error"]
        assert abs(value - A_TRUE[k]) <= 3.0 * err, (name, value, err, A_TRUE[k])
        assert err < 0.2 * abs(A_TRUE[k]), (name, err)  # the data do constrain the fit
    # derived landscape (per-particle eq 4): e_K = a2 - sqrt(a0/a1) independent of sigma^2
    eK_true = A_TRUE[2] - math.sqrt(A_TRUE[0] / A_TRUE[1])
    assert abs(fit["e_K"]["value"] - eK_true) <= 3.0 * fit["e_K"]["error"]
    assert fit["E0"]["value"] == pytest.approx(N * fit["a2"]["value"])
    B = fit["B"]["value"]
    assert B == pytest.approx(N / (2 * summary["sigma2_total"]["value"] * fit["a1"]["value"]))
    assert fit["alpha"]["value"] == pytest.approx(fit["a0"]["value"] * B)


def test_landscape_constrained_fit_recovers_seed_landscape(run):
    """The construction is the seed's Gaussian landscape with B = 1.85, alpha = 0.78 (D_i from
    its f(e), <e_IS>(T) = e0 - sigma_int^2/T): fixing e0, sigma_int^2 from the means and fitting
    only B, alpha must give them back, and e_K = -7.78047 (SCIENCE.md 5.4 [RECOMP])."""
    _, _, summary = run
    cons = summary["fit_constrained"]
    assert cons["available"] and cons["landscape_reading"] and not cons["weakly_constrained"]
    for name, true in (("B", 1.85), ("alpha", 0.78), ("e_K", -7.78047)):
        value, err = cons[name]["value"], cons[name]["error"]
        assert abs(value - true) <= 3.0 * err, (name, value, err)
    assert cons["e0"]["value"] == pytest.approx(summary["mean_eis_fit"]["e0"]["value"])
    # the free fit has a landscape reading here, so it is the model used downstream
    assert summary["model"]["source"] == "free fit"
    assert summary["model"]["a1"] == summary["fit"]["a1"]


def test_per_replica_diffusivities_and_energies(run):
    out, truth, _ = run
    import h5py

    with h5py.File(out / "results.h5", "r") as h5:
        for T in LOW_T:
            g = h5["temperatures"][f"T{T:.3f}"]
            assert np.all(g["D_valid_i"][()])
            ratio = g["D_i"][()] / truth["D_i"][T]
            assert np.median(np.abs(np.log(ratio))) < 0.08
            # <e_IS>_i = e_i up to the alternating +-0.003 over ~Q quenches
            assert np.max(np.abs(g["mean_eis_i"][()] - truth["e_i"][T])) < 0.003


def test_eq5_equals_a_direct_sum(run):
    _, _, summary = run
    a = np.array([summary["fit"][k]["value"] for k in ("a0", "a1", "a2")])
    s = summary["sigma_e"]
    assert s == pytest.approx(math.sqrt(summary["sigma2_total"]["value"]) / N)
    eK = a[2] - math.sqrt(a[0] / a[1])
    for T, m, d5 in zip(summary["temperatures"], summary["mean_eis"], summary["D_eq5"],
                        strict=True):
        e = np.linspace(m - 14 * s, m + 14 * s, 400_001)
        g = a[0] - a[1] * (e - a[2]) ** 2
        with np.errstate(divide="ignore"):
            D = np.where((g > 0) & (e > eK), D_INF * np.exp(-1.0 / np.where(g > 0, g, 1) / T), 0)
        P = np.exp(-0.5 * ((e - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        direct = float(np.sum(D * P) * (e[1] - e[0]))
        assert d5 == pytest.approx(direct, rel=1e-5), T


def test_physical_trends_in_temperature(run):
    _, truth, summary = run
    T = np.array(summary["temperatures"])
    assert np.all(np.diff(T) > 0)
    assert np.all(np.diff(summary["D_direct"]) > 0)  # D increases with T
    assert np.all(np.diff(summary["mean_eis"]) > 0)  # deeper basins at lower T
    assert np.all(np.diff(summary["t_msd1"]) < 0)
    assert np.all(np.diff(summary["D_eq5"]) > 0)
    # direct D = mean_i D_i of the construction
    for t, d in zip(T, summary["D_direct"], strict=True):
        assert d == pytest.approx(truth["mean_D"][t], rel=0.1)
    # heterogeneity: <D><1/D> >= 1 and largest at the lowest T
    dd = np.array(summary["D_times_inv_D"])
    assert np.all(dd >= 1.0) and dd[0] == dd.max()
    # the e_IS widths: N^2 var = sigma^2 total per T
    assert np.allclose(summary["sigma2_total_per_T"], np.array(summary["var_eis"]) * N**2)


def test_inm_relations_and_bookkeeping(run):
    _, _, summary = run
    rel = summary["inm_relations"]["D_vs_f_u_replicas"]
    assert rel["available"]
    assert rel["exponent"]["value"] == pytest.approx(1.0, abs=0.05)  # f_u built proportional
    assert rel["k"]["value"] == pytest.approx(D_INF / F_U_SCALE, rel=0.1)
    assert summary["f_dw"] == pytest.approx(list(0.6 * np.array(summary["f_u"])), rel=1e-12)
    q = summary["quenches"]
    assert q["n_unconverged"] == [0, 3, 0, 0, 0, 0]
    eq = summary["equilibration"]
    assert eq["n_equilibrated"] == [N_LOW, N_LOW, N_LOW - 1, N_HIGH, N_HIGH, N_HIGH]
    assert eq["max_abs_drift_sigmas"][0] == pytest.approx(0.5)
    assert summary["n_nonpositive_slopes"] == [0] * 6
    assert summary["counts"]["n_tasks_found"] == 3 * N_LOW + 3 * N_HIGH


def test_arrhenius_d_inf_equilibrated_subset_figures_and_report(run, tmp_path):
    """Re-analysis of the same tasks (in another run folder) with D_inf from the Arrhenius fit,
    only equilibrated replicas, no bootstrap, and the figures and report drawn."""
    out, truth, _ = run
    other = tmp_path / "again"
    other.mkdir()
    (other / "tasks").symlink_to(out / "tasks", target_is_directory=True)
    s2 = analyze(other, config(d_inf=None, bootstrap=0), outputs=True,
                 require_equilibrated=True)
    # D_inf = the same Arrhenius fit of the construction's mean D at T >= 1
    assert s2["D_inf_source"] == "arrhenius"
    line = fit_line(1 / np.array(HIGH_T), np.log([truth["mean_D"][T] for T in HIGH_T]))
    assert s2["D_inf"] == pytest.approx(math.exp(line.intercept), rel=0.1)
    assert s2["D_inf_arrhenius"]["temperatures"] == list(HIGH_T)
    # no bootstrap: errors fall back to the fit covariance and stay finite
    assert math.isfinite(s2["fit"]["a1"]["error"]) and s2["fit"]["a1"]["error"] > 0
    assert s2["n_replicas_analysed"] == [N_LOW, N_LOW, N_LOW - 1, N_HIGH, N_HIGH, N_HIGH]
    from pelkit.studies.ka_landscape.figures import FIGURES

    for name in FIGURES:
        png = other / "figures" / name
        assert png.is_file() and png.stat().st_size > 10_000, name
    report = (other / "report.md").read_text()
    for text in ("18 ± 2", "0.155", "1.85", "0.78", "-1140", "-7.81", "-7.78047",
                 "fig3_collapse.png", "Where and why"):
        assert text in report, text


def test_bad_input(tmp_path):
    with pytest.raises(InputError):
        analyze(tmp_path, config())  # no tasks
    with pytest.raises(InputError):
        analyze(tmp_path)  # no config.toml


def test_figures_and_report_without_inm_snapshots(tmp_path):
    """A campaign run with ``inm_snapshots = 0`` has empty INM arrays in every production task
    (the layout of ``tasks.production_task``): the analysis must still write all figures and the
    report, with the INM quantities NaN (the D-vs-f_u figure once crashed on log axes)."""
    from pelkit.parallel import load_result
    from pelkit.studies.ka_landscape.figures import FIGURES

    write_synthetic_campaign(tmp_path, seed=3)
    for path in sorted((tmp_path / "tasks" / "production").glob("*.npz")):
        res = load_result(path)
        res.update({"inm_times": np.zeros(0), "f_u": np.zeros(0), "f_dw": np.zeros(0),
                    "inm_eigenvalues": np.zeros((0, 3 * N - 3))})
        save_result(path, res)
    summary = analyze(tmp_path, config(bootstrap=0, inm_snapshots=0), outputs=True)
    assert np.all(np.isnan(np.asarray(summary["f_u"], dtype=float)))
    assert np.all(np.isnan(np.asarray(summary["f_dw"], dtype=float)))
    for name in FIGURES:
        png = tmp_path / "figures" / name
        assert png.is_file() and png.stat().st_size > 5_000, name
    assert "inm_D_vs_fu.png" in (tmp_path / "report.md").read_text()
