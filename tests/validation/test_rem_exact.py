"""REM (seed 000) exact results against sampling and against SCIENCE.md section 6 [RECOMP] values.

Reference case: Delta = 10, Nv = 200 (N = 100, v = 2, ln Omega = 100 ln 3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr

from pelkit.theory.rem import (
    REMParameters,
    canonical_quadrature,
    exact_table,
    landscape_fits,
    mean_f_u,
    p_min_canonical,
)
from pelkit.theory.rem_sampling import binned_f_u, sample_rem, sampled_canonical_table

REF = REMParameters(delta=10.0, n_regions=100, v=2)
Z_MAX = 4.5  # sampled averages must lie within this many standard errors of the exact values


def test_quadrature_of_eq12_equals_phi_closed_form() -> None:
    """SCIENCE.md: quadrature of eq 12 equals Phi_N(-Delta/(sqrt 2 T)) to ~1e-15."""
    t = np.arange(1.0, 5.01, 0.25)
    closed = ndtr(-REF.delta / (math.sqrt(2.0) * t))
    r_a = canonical_quadrature(t, REF, "R_A") / (REF.r0 * REF.n_neighbors)
    f_u = canonical_quadrature(t, REF, "f_u")
    np.testing.assert_allclose(r_a, closed, rtol=2e-14)
    np.testing.assert_allclose(f_u, closed, rtol=2e-14)


def test_headline_slopes() -> None:
    """Slopes of S against ln f over T = 1..4 step 0.5: 1.907 (ln<f_u>) and 0.975 (ln p_<(E*))."""
    fits = landscape_fits(exact_table(np.arange(1.0, 4.01, 0.5), REF))
    assert round(fits["S_vs_ln_f_u"].slope, 3) == 1.907
    assert round(fits["S_vs_ln_p_less_Estar"].slope, 3) == 0.975
    assert fits["R_vs_f_u"].slope == pytest.approx(2.0 * REF.n_neighbors, rel=1e-12)


def test_reference_theory_values_at_t5() -> None:
    """T = 5, M = 2^18: <f_u> = 0.07865, S = 10.477, exp(-Nv<f_u>) = 1.5e-7, P_min ~ 0.248."""
    sample_params = REMParameters(delta=10.0, n_regions=100, v=2, log_omega=18 * math.log(2.0))
    ex = exact_table([5.0], sample_params)
    assert round(ex["f_u"][0], 5) == 0.07865
    assert round(ex["S"][0], 3) == 10.477
    pm = p_min_canonical([5.0], REF)
    assert f"{pm['exp_of_mean_f_u'][0]:.1e}" == "1.5e-07"
    # exact canonical P_min = 0.2450; SCIENCE.md's sampled value is 0.248
    assert pm["exact"][0] == pytest.approx(0.248, abs=0.005)
    assert ex["R_A"][0] / REF.n_neighbors == pytest.approx(0.07868, abs=5e-5)


@pytest.fixture(scope="module")
def reference_sample():
    return sample_rem(REF, [4.0, 5.0], n_states=1 << 16, neighbors="annealed", seed=2024)


def test_sampled_f_u_of_energy_is_p_less(reference_sample) -> None:
    """Binned per-state f_u = n/Nv against p_<(E) over eps +- 3 Delta (eq 3)."""
    b = binned_f_u(reference_sample, n_bins=24, z_range=3.0)
    z = b["z_score"]
    assert np.all(np.isfinite(z))
    assert np.max(np.abs(z)) < Z_MAX
    assert np.mean(z**2) < 2.0  # chi^2 per bin ~ 1 for pure binomial noise
    assert np.mean(np.abs(z) < 2.0) > 0.8


def test_sampled_canonical_averages_match_exact(reference_sample) -> None:
    tab = sampled_canonical_table(reference_sample)
    ex = exact_table(tab["T"], REF)
    for key in ("f_u", "R_A", "R_B", "P_min"):
        z = (tab[key] - ex[key]) / tab[key + "_se"]
        assert np.all(np.abs(z) < Z_MAX), (key, z)
    # R_A = R_B (SCIENCE.md [CORR]): equal within the sampling error
    diff = np.abs(tab["R_A"] - tab["R_B"]) / np.hypot(tab["R_A_se"], tab["R_B_se"])
    assert np.all(diff < Z_MAX)
    # entropy of the sample against ln M - Delta^2/(2 T^2) (T_f = 2.1 here)
    assert tab["S"][1] == pytest.approx(tab["S_theory"][1], abs=0.2)
    # the canonical P_min is nowhere near exp(-Nv <f_u>)
    assert tab["P_min"][1] > 1e5 * math.exp(-REF.n_neighbors * tab["f_u"][1])


def test_broadened_neighbours_sampled_against_exact() -> None:
    """G_c = N(eps, (2 Delta)^2): <f_u> = Phi(-b/sqrt 5) and R_A != R_B, both as sampled."""
    p = REMParameters(delta=10.0, n_regions=100, v=2, neighbor_width=2.0)
    s = sample_rem(p, [5.0, 8.0], n_states=1 << 15, seed=99)
    tab = sampled_canonical_table(s)
    ex = exact_table(tab["T"], p)
    np.testing.assert_allclose(ex["f_u"], ndtr(-(10.0 / tab["T"]) / math.sqrt(5.0)), rtol=1e-14)
    for key in ("f_u", "R_A", "R_B"):
        z = (tab[key] - ex[key]) / tab[key + "_se"]
        assert np.all(np.abs(z) < Z_MAX), (key, z)
    assert np.all(np.abs(ex["R_A"] / ex["R_B"] - 1.0) > 0.2)


def test_hamming_graph_sample() -> None:
    """Hamming graph (N = 16, v = 1): f_u(E) = p_<(E) and R_A = R_B exactly on the sample."""
    p = REMParameters(delta=10.0, n_regions=16, v=1)
    s = sample_rem(p, [5.0, 8.0], neighbors="hamming", seed=5)
    b = binned_f_u(s, n_bins=16, z_range=2.5)
    assert np.max(np.abs(b["z_score"])) < Z_MAX
    tab = sampled_canonical_table(s)
    np.testing.assert_allclose(tab["R_A"], tab["R_B"], rtol=1e-11)
    z = (tab["f_u"] - mean_f_u(tab["T"], p)) / tab["f_u_se"]
    assert np.all(np.abs(z) < Z_MAX)
