"""The tls-qlm study (seed 003) end to end on the smoke preset, resume, and config errors."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.io.extxyz import read_extxyz
from pelkit.parallel import load_result
from pelkit.studies.tls_qlm.config import PRESETS, load_config
from pelkit.studies.tls_qlm.runner import run_study

REQUIRED_COLUMNS = (
    "key", "t_f", "glass", "pair_rank", "pair_count", "unique", "e_a", "e_b", "e_s", "barrier",
    "barrier_a", "barrier_b", "asymmetry", "d_ab", "xi_b", "pr_dw", "omega_a", "omega_b",
    "neb_converged", "neb_max_force", "n_images", "n_qlm", "c_max_tan", "c_max_as",
    "c_max_ab", "a_max_ab", "mode_tan", "qlm_c_ab", "qlm_a_ab", "nl_ab_c_ab", "nl_ab_a_ab",
    "nl_ab_c_as", "nl_ab_c_tan", "nl_ab_converged", "nl_ab_is_dw", "nl_qlm_c_ab",
    "nl_qlm_is_dw", "splitting_ar", "active_ar", "splitting_nip", "active_nip",
)
OVERLAPS = ("c_max_tan", "c_max_as", "c_max_ab", "a_max_ab", "qlm_c_ab", "qlm_a_ab",
            "nl_ab_c_ab", "nl_ab_a_ab", "nl_ab_c_as", "nl_ab_c_tan", "nl_qlm_c_ab",
            "nl_qlm_a_ab")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("tls") / "run"
    cfg = load_config("smoke")
    calls = []
    summary = run_study(cfg, out, scheduler="sync",
                        progress=lambda phase, done, total: calls.append((phase, done, total)))
    return out, cfg, summary, calls


def _read_h5(path):
    """Every dataset of results.h5 except /timings, as {path: array}."""
    data = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and not name.startswith("timings"):
            data[name] = obj[()]

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return data


def test_outputs_exist(smoke):
    out, _, summary, calls = smoke
    for name in ("config.toml", "provenance.json", "summary.json", "results.h5", "report.md"):
        assert (out / name).is_file(), name
    for name in ("fig2_participation.png", "fig3_modes.png", "fig4_tangent_qlm.png",
                 "fig5_max_overlap.png", "fig6_splitting_omega.png",
                 "fig7_nonlinear_linear.png", "fig8_qlm_overlap.png"):
        assert (out / "figures" / name).stat().st_size > 1000, name
    assert {c[0] for c in calls} == {"glasses", "pairs", "scan"}
    assert calls[-1] == ("scan", 1, 1)
    report = (out / "report.md").read_text()
    assert "14202" in report and "Fig 5" in report
    # per-phase CPU and NEB timings (issue 14): the NEB part of a task is part of its time
    t = summary["timings"]
    for key in ("glasses_cpu_s", "pairs_cpu_s", "pairs_neb_cpu_s", "pairs_neb_wall_s",
                "scan_cpu_s", "scan_neb_cpu_s", "glasses_prep_wall_s"):
        assert t[key] > 0.0, key
    assert t["pairs_neb_wall_s"] <= t["pair_tasks_s"]
    assert t["pairs_neb_cpu_s"] <= t["pairs_cpu_s"]
    assert t["glasses_prep_wall_s"] + t["glasses_explore_wall_s"] <= t["glass_tasks_s"]
    assert "pair NEB CPU" in report


def test_library_invariants(smoke):
    out, cfg, summary, _ = smoke
    with h5py.File(out / "results.h5", "r") as f:
        lib = {k: f["library"][k][()] for k in f["library"]}
        n_neb = f["segments"]["seg_status"].shape[0]
        n_visited = f["pairs"]["pair_a"].shape[0]
    for col in REQUIRED_COLUMNS:
        assert col in lib, col
    n = lib["key"].shape[0]
    assert n >= 1, "the smoke preset must find at least one double well"
    assert all(lib[c].shape == (n,) for c in REQUIRED_COLUMNS)
    assert np.all(lib["barrier"] > 0)
    assert np.all(lib["barrier_a"] > 0) and np.all(lib["barrier_b"] > 0)
    assert np.all(lib["asymmetry"] >= 0)
    np.testing.assert_allclose(lib["asymmetry"], np.abs(lib["e_a"] - lib["e_b"]), atol=1e-12)
    np.testing.assert_allclose(lib["barrier"], lib["e_s"] - np.minimum(lib["e_a"], lib["e_b"]),
                               atol=1e-12)
    # orientation at random (recorded): a_is_lower says which end A is
    np.testing.assert_array_equal(lib["a_is_lower"], lib["e_a"] <= lib["e_b"])
    assert np.all(lib["omega_a"] > 0) and np.all(lib["omega_b"] > 0)
    assert np.all((lib["pr_dw"] >= 1) & (lib["pr_dw"] <= cfg.n_particles))
    for col in OVERLAPS:
        v = lib[col][np.isfinite(lib[col])]
        assert np.all((v >= 0) & (v <= 1 + 1e-12)), col
    for u in ("ar", "nip"):
        assert np.all(np.isfinite(lib[f"splitting_{u}"]) & (lib[f"splitting_{u}"] > 0))
    # counts in the summary agree with the table
    tf = f"{cfg.t_f[0]:g}"
    row = summary["per_tf"][tf]
    assert row["double_wells"] == n == summary["double_wells"]
    assert row["neb_runs"] == n_neb and row["pairs_visited"] == n_visited
    assert row["active"]["ar"] == int(np.sum(lib["active_ar"] & lib["unique"]))
    assert row["glasses"] == cfg.glasses_per_tf


def test_scan_and_fig3_files(smoke):
    out, cfg, summary, _ = smoke
    scan = load_result(out / "tasks" / "scan" / "scan.npz")
    c = scan["scan_c"]
    assert c.shape == (len(cfg.neb.scan_images), 3 * cfg.n_particles - 3)
    assert np.all((c >= 0) & (c <= 1 + 1e-12))
    # the modes are orthonormal, so the squared overlaps of one field sum to 1 (complete set)
    np.testing.assert_allclose(np.sum(c**2, axis=1), 1.0, rtol=1e-10)
    frame = read_extxyz(out / "figures" / "fig3_modes.xyz")
    cols = frame.info["columns"]
    for name in ("r_ab", "linear_mode", "nonlinear_mode"):
        assert cols[name].shape == (cfg.n_particles, 3)
    assert int(cols["top10_r_ab"].sum()) == 10
    np.testing.assert_allclose(cols["r_ab"], scan["r_ab"])
    assert summary["fig4"]["n_images"] == cfg.neb.scan_images


def test_resume_is_bit_identical(smoke, tmp_path):
    out, cfg, _, _ = smoke
    copy = tmp_path / "resumed"
    shutil.copytree(out, copy)
    pair_files = sorted((copy / "tasks" / "pairs").glob("*.npz"))
    removed = [pair_files[-1], copy / "tasks" / "scan" / "scan.npz"]
    for path in removed:
        path.unlink()
    for name in ("results.h5", "summary.json", "report.md"):
        (copy / name).unlink()
    calls = []
    run_study(cfg, copy, scheduler="sync", resume=True,
              progress=lambda phase, done, total: calls.append((phase, done, total)))
    # only the deleted tasks ran: the first call of each phase reports the finished ones
    first = {}
    for phase, done, total in calls:
        first.setdefault(phase, (done, total))
    assert first["glasses"] == (1, 1)
    assert first["pairs"] == (len(pair_files) - 1, len(pair_files))
    assert first["scan"] == (0, 1)
    for path in removed:
        original = load_result(out / path.relative_to(copy))
        again = load_result(path)
        assert original.keys() == again.keys()
        for key in original:
            if key.endswith("_time"):  # wall_time, cpu_time, neb_cpu_time, ...
                continue
            np.testing.assert_array_equal(np.asarray(again[key]), np.asarray(original[key]),
                                          err_msg=key)
    a, b = _read_h5(out / "results.h5"), _read_h5(copy / "results.h5")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_resume_refuses_another_config(smoke, tmp_path):
    out, _, _, _ = smoke
    copy = tmp_path / "other"
    shutil.copytree(out, copy)
    changed = load_config("smoke", overrides={"exploration": {"n_quenches": 81}})
    with pytest.raises(InputError, match="exploration.n_quenches"):
        run_study(changed, copy, scheduler="sync", resume=True)
    with pytest.raises(InputError, match="already holds a campaign"):
        run_study(load_config("smoke"), copy, scheduler="sync", resume=False)


@pytest.mark.parametrize(
    "toml, field",
    [
        ("[neb]\nn_images = 2\n", "neb.n_images"),
        ("[exploration]\ntemperature = -1.0\n", "exploration.temperature"),
        ("[neb]\nimages = 40\n", "neb.images"),
        ("n_particles = 20\n", "n_particles"),
        ('model = "ka"\n', "model"),
        ("[[tunnel.units]]\nname = \"argon-khomenko2021\"\nlabel = \"ar\"\n", "tunnel.units"),
        ("[preparation]\nmethod = \"annealing\"\n", "preparation.method"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, toml, field):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(InputError) as info:
        load_config("smoke", path)
    message = str(info.value)
    assert message.startswith("invalid tls-qlm config:") and field in message
    assert "\n" not in message


def test_config_sources():
    with pytest.raises(InputError, match="unknown preset"):
        load_config("huge")
    paper = load_config("paper")
    assert paper.n_particles == 1500 and paper.t_f == [0.062, 0.07, 0.092]
    assert paper.neb.n_images == 40 and 600 in paper.neb.scan_images
    assert paper.exploration.temperature == 0.04 and paper.exploration.fmax == 1e-10
    assert set(PRESETS) == {"smoke", "laptop", "paper"}
    units = {u.label: u.resolve() for u in paper.tunnel.units}
    # one convention: threshold = k_B T_Q / epsilon with T_Q = 1 K for both mappings
    assert units["ar"].threshold == pytest.approx(1.0 / 120.0, rel=1e-12)
    assert units["nip"].threshold == pytest.approx(0.0002, rel=1e-12)
    assert units["ar"].hbar_tilde == pytest.approx(0.0296, abs=2e-4)  # SCIENCE.md 4.6
    seed = {u.label: u.seed_threshold for u in paper.tunnel.units}
    assert seed == {"ar": 0.0015, "nip": 0.0002}


def test_user_unit_mapping(tmp_path):
    """epsilon, sigma, mass and T_Q (or the threshold) are settable; hbar~ checked by hand."""
    path = tmp_path / "units.toml"
    path.write_text(
        "[[tunnel.units]]\nlabel = \"kr\"\nepsilon_k = 171.0\nsigma_angstrom = 3.6\n"
        "mass_u = 83.8\nt_q_kelvin = 2.0\n"
        "[[tunnel.units]]\nlabel = \"direct\"\nhbar_tilde = 0.01\nthreshold = 0.001\n"
    )
    cfg = load_config("smoke", path)
    kr, direct = (u.resolve() for u in cfg.tunnel.units)
    hbar, k_b, amu = 1.054571817e-34, 1.380649e-23, 1.66053906660e-27
    expected = hbar / (3.6e-10 * np.sqrt(83.8 * amu * 171.0 * k_b))
    assert kr.hbar_tilde == pytest.approx(expected, rel=1e-9)
    assert kr.threshold == pytest.approx(2.0 / 171.0, rel=1e-12)
    assert direct.hbar_tilde == 0.01 and direct.threshold == 0.001


def test_band_energy_matches_a_fresh_calculator():
    from pelkit.build import swap_system
    from pelkit.engine.calculator import Calculator
    from pelkit.landscape.paths import BandEnergy
    from pelkit.models import get_model

    model = get_model("swap")
    system = swap_system(80, seed=4)
    rng = np.random.default_rng(1)
    images = [system.positions + 0.2 * k * rng.normal(size=(80, 3)) / 3 for k in range(4)]
    band = BandEnergy(model, system, max_lists=3)
    for _ in range(2):  # second sweep reuses the cached lists
        for x in images:
            e, g = band(x.ravel())
            e_ref, g_ref = Calculator(model, system, check_overlap=False).objective(x.ravel())
            assert e == pytest.approx(e_ref, rel=1e-13)
            np.testing.assert_allclose(g, g_ref, rtol=1e-11, atol=1e-11)
    assert len(band.calcs) == 3 and band.evaluations == 8


def test_pair_ranking_order():
    from collections import Counter

    from pelkit.studies.tls_qlm.explore import Exploration, rank_pairs
    from pelkit.system import Box, System

    box = Box.cubic(5.0)
    base = np.random.default_rng(0).random((10, 3)) * 5.0
    minima = []
    for k in range(4):
        pos = base.copy()
        pos[k] += 0.1  # minimum k differs from minimum 0 by one particle (k > 0)
        pos[:k] += 0.05 * (k > 1)
        minima.append(System(pos, box))
    energies = np.array([0.0, 0.3, 0.1, 0.2])
    transitions = Counter({(0, 1): 3, (0, 2): 3, (1, 3): 5, (2, 3): 1})
    exp = Exploration(minima, energies, np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(1),
                      transitions, 0, 0.0)
    table = rank_pairs(exp, min_count=2)
    order = list(zip(table.a.tolist(), table.b.tolist(), strict=True))
    # count first (5), then the smaller asymmetry among the two pairs seen 3 times
    assert order[:3] == [(3, 1), (0, 2), (0, 1)]
    assert table.rank.tolist() == [0, 1, 2, -1]
    assert np.all(energies[table.a] <= energies[table.b])


def test_blas_thread_limit_is_restored():
    from pelkit.blas_threads import _openblas_handles, limit_blas_threads

    handles = _openblas_handles()
    if not handles:
        pytest.skip("no OpenBLAS library loaded")
    before = [int(get()) for _, get in handles]
    with limit_blas_threads(1):
        with limit_blas_threads(1):
            assert [int(get()) for _, get in handles] == [1] * len(handles)
        assert [int(get()) for _, get in handles] == [1] * len(handles)
    assert [int(get()) for _, get in handles] == before


def test_cli_bodies(smoke, tmp_path):
    from pelkit.cli.study_tls import analyze_tls_qlm, run_tls_qlm

    out, _, summary, _ = smoke
    bad = tmp_path / "bad.toml"
    bad.write_text("[exploration]\nmin_count = 0\n")
    with pytest.raises(InputError, match="exploration.min_count"):
        run_tls_qlm("smoke", tmp_path / "never", "sync", False, bad, True, False)
    assert not (tmp_path / "never").exists()
    again = analyze_tls_qlm(out)
    assert again["per_tf"] == summary["per_tf"]
    assert again["fig4"] == summary["fig4"]
