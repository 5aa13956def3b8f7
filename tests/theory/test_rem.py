"""Unit tests of the random energy model (seed 000; SCIENCE.md section 6)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.special import logsumexp, ndtr

from pelkit.errors import InputError
from pelkit.theory.rem import (
    REMParameters,
    asymptotic_forms,
    canonical_quadrature,
    dominant_energy,
    entropy,
    exact_table,
    f_u_of_energy,
    landscape_fits,
    linear_fit,
    log_omega_p,
    log_partition_fixed_p,
    mean_f_u,
    mean_rate_downhill,
    p_less,
    p_min_canonical,
    p_min_fixed_energy,
)
from pelkit.theory.rem_report import rem_report
from pelkit.theory.rem_sampling import (
    binned_f_u,
    canonical_weights,
    sample_rem,
    sampled_canonical_table,
)

# --------------------------------------------------------------------------------------------
# Parameters and static distributions
# --------------------------------------------------------------------------------------------


def test_parameter_defaults_are_the_reference_case() -> None:
    p = REMParameters()
    assert p.n_neighbors == 200
    assert p.ln_omega == pytest.approx(100.0 * math.log(3.0), rel=1e-15)
    assert REMParameters(log_omega=12.0).ln_omega == 12.0
    assert p.as_dict()["n_neighbors"] == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delta": -1.0},
        {"delta": float("nan")},
        {"n_regions": 0},
        {"v": 0},
        {"neighbor_width": 0.0},
        {"r0": -2.0},
        {"log_omega": -3.0},
        {"n_regions": 2.5},
    ],
)
def test_parameter_validation(kwargs: dict) -> None:
    with pytest.raises(InputError):
        REMParameters(**kwargs)


def test_log_omega_p_counts_states_eq2() -> None:
    n, v = 12, 2
    p = np.arange(n + 1) / n
    lo = log_omega_p(n, v, p)
    direct = np.array([math.log(math.comb(n, k) * v ** (n - k)) for k in range(n + 1)])
    np.testing.assert_allclose(lo, direct, rtol=1e-13)
    # sum over Np of Omega(Np) = (1 + v)^N (binomial theorem) = the default ln Omega
    assert logsumexp(lo) == pytest.approx(REMParameters(n_regions=n, v=v).ln_omega, rel=1e-13)
    with pytest.raises(InputError):
        log_omega_p(n, v, [1.5])


def test_p_less_and_f_u_of_energy() -> None:
    p = REMParameters(delta=3.0, eps=1.0)
    assert p_less(1.0, p) == pytest.approx(0.5)
    assert p_less(1.0 - 3.0, p) == pytest.approx(ndtr(-1.0), rel=1e-14)
    broad = REMParameters(delta=3.0, eps=1.0, neighbor_width=2.0)
    assert f_u_of_energy(1.0 - 6.0, broad) == pytest.approx(ndtr(-1.0), rel=1e-14)


def test_partition_function_and_dominant_energy() -> None:
    p = REMParameters(delta=2.0, eps=-1.0)
    t = 1.3
    e = np.linspace(-40.0, 30.0, 200001)
    g = np.exp(-((e - p.eps) ** 2) / (2 * p.delta**2)) / math.sqrt(2 * math.pi * p.delta**2)
    integrand = g * np.exp(-e / t)
    q_num = np.trapezoid(integrand, e)
    assert math.log(q_num) == pytest.approx(log_partition_fixed_p([t], p)[0], rel=1e-10)
    # E* maximises G e^{-E/T} (eq 5c with Delta squared)
    assert e[np.argmax(integrand)] == pytest.approx(dominant_energy([t], p)[0], abs=1e-3)
    assert entropy([t], p)[0] == pytest.approx(p.ln_omega - 4.0 / (2 * t * t))


def test_mean_f_u_closed_forms() -> None:
    p = REMParameters()
    t = np.array([1.0, 2.5, 5.0])
    np.testing.assert_allclose(mean_f_u(t, p), ndtr(-10.0 / (math.sqrt(2.0) * t)), rtol=1e-15)
    # broadened G_c with c^2 = N: Phi(-Delta/(T sqrt(N + 1))) (SCIENCE.md section 6, option)
    n = 4
    broad = REMParameters(n_regions=n, neighbor_width=math.sqrt(n))
    np.testing.assert_allclose(
        mean_f_u(t, broad), ndtr(-10.0 / (t * math.sqrt(n + 1.0))), rtol=1e-15
    )


def test_quadrature_of_eq12_against_naive_double_integral() -> None:
    """Eq 12 on a 2-D grid, with G_c broader than G (c = 1.7), against the 1-D reduction."""
    for c in (1.0, 1.7):
        p = REMParameters(delta=1.5, eps=0.3, n_regions=2, v=3, neighbor_width=c, r0=0.7)
        t = 1.1
        e = np.linspace(p.eps - 14 * p.delta, p.eps + 9 * p.delta, 1801)
        ep = np.linspace(p.eps - 12 * c * p.delta, p.eps + 12 * c * p.delta, 1801)
        g = np.exp(-((e - p.eps) ** 2) / (2 * p.delta**2)) / math.sqrt(2 * math.pi) / p.delta
        gc = np.exp(-((ep - p.eps) ** 2) / (2 * (c * p.delta) ** 2))
        gc /= math.sqrt(2 * math.pi) * c * p.delta
        de = ep[None, :] - e[:, None]
        inner = np.where(de > 0, np.exp(-np.where(de > 0, de, 0.0) / t), 0.0) * gc[None, :]
        inner_int = np.trapezoid(inner, ep, axis=1)
        w = g * np.exp(-e / t)
        r_a = p.r0 * p.n_neighbors * np.trapezoid(w * inner_int, e) / np.trapezoid(w, e)
        assert canonical_quadrature([t], p, "R_A")[0] == pytest.approx(r_a, rel=2e-4)
        fu = np.trapezoid(w * f_u_of_energy(e, p), e) / np.trapezoid(w, e)
        assert canonical_quadrature([t], p, "f_u")[0] == pytest.approx(fu, rel=1e-8)


def test_rates_split_and_equality() -> None:
    p = REMParameters()
    t = np.array([1.5, 3.0, 5.0])
    r_a = canonical_quadrature(t, p, "R_A")
    r_a1 = canonical_quadrature(t, p, "R_A1")
    r_a2 = canonical_quadrature(t, p, "R_A2")
    np.testing.assert_allclose(r_a1 + r_a2, r_a, rtol=1e-12)
    np.testing.assert_allclose(r_a, mean_rate_downhill(t, p), rtol=1e-12)
    np.testing.assert_allclose(canonical_quadrature(t, p, "R_B"), r_a, rtol=1e-12)
    # with broader neighbours detailed balance is lost: R_A != R_B
    broad = REMParameters(neighbor_width=2.0)
    ratio = canonical_quadrature([5.0], broad, "R_A")[0] / mean_rate_downhill([5.0], broad)[0]
    assert abs(ratio - 1.0) > 0.2


def test_p_min_fixed_energy_and_canonical() -> None:
    p = REMParameters()
    e = np.array([-30.0, -20.0, 0.0])
    out = p_min_fixed_energy(e, p)
    exact = (1.0 - ndtr(e / 10.0)) ** 200
    np.testing.assert_allclose(out["exact"], exact, rtol=1e-12)
    np.testing.assert_allclose(out["exp_form"], np.exp(-200 * ndtr(e / 10.0)), rtol=1e-12)
    # at fixed E deep in the tail exp(-Nv f_u) is an excellent approximation
    assert out["exp_form"][0] == pytest.approx(out["exact"][0], rel=1e-3)
    pm = p_min_canonical([5.0], p)
    assert pm["exact"][0] > 1e5 * pm["exp_of_mean_f_u"][0]


def test_asymptotic_forms() -> None:
    p = REMParameters()
    t = np.array([0.5, 1.0, 5.0])
    asym = asymptotic_forms(t, p)
    exact = exact_table(t, p)
    # eq 10 is the large Delta/T asymptote of Phi_N(-Delta/(sqrt 2 T))
    ratio = exact["f_u"] / asym["f_u_eq10"]
    assert 0.99 < ratio[0] < 1.0 and ratio[0] > ratio[1] > ratio[2]
    # eq 11 with eq 10 is eq 5b identically; eqs 14 and 15 coincide
    np.testing.assert_allclose(asym["S_eq11"], exact["S"], rtol=1e-13)
    np.testing.assert_allclose(asym["R_A1_eq15"], asym["R_A1_eq14"], rtol=1e-12)
    # the exact E < E* part tends to half of eq 14
    assert exact["R_A1"][0] / asym["R_A1_eq14"][0] == pytest.approx(0.5, abs=0.03)
    assert exact["R_A1"][0] / asym["R_A1_split_asymptote"][0] == pytest.approx(1.0, abs=0.01)
    # eq 16 is an artefact: at T = 5 it overshoots the exact R_A = R_B by > 30 %
    assert asym["R_A_eq16"][2] > 1.3 * exact["R_A"][2]
    # no warnings or NaN from underflow at very low T
    low = asymptotic_forms([0.01], p)
    assert low["f_u_eq10"][0] == 0.0 and math.isfinite(low["S_eq11"][0])


def test_linear_fit_and_landscape_fits() -> None:
    x = np.array([0.0, 1.0, 2.0, 4.0])
    fit = linear_fit(x, 3.0 * x - 2.0)
    assert fit.slope == pytest.approx(3.0) and fit.intercept == pytest.approx(-2.0)
    assert fit.r2 == pytest.approx(1.0)
    with pytest.raises(InputError):
        linear_fit([1.0, 1.0], [0.0, 2.0])
    with pytest.raises(InputError):
        linear_fit([1.0], [0.0])
    p = REMParameters()
    # the slope of S against ln <f_u> tends to 2 at low T (eq 11), of S vs ln p_<(E*) to 1
    low = landscape_fits(exact_table(np.linspace(0.4, 0.6, 5), p))
    high = landscape_fits(exact_table(np.arange(1.0, 4.01, 0.5), p))
    assert abs(low["S_vs_ln_f_u"].slope - 2.0) < abs(high["S_vs_ln_f_u"].slope - 2.0)
    assert abs(low["S_vs_ln_p_less_Estar"].slope - 1.0) < 0.01
    assert high["R_vs_f_u"].slope == pytest.approx(2.0 * p.r0 * p.n_neighbors, rel=1e-12)


def test_bad_inputs() -> None:
    p = REMParameters()
    with pytest.raises(InputError):
        canonical_quadrature([1.0], p, "nonsense")
    with pytest.raises(InputError):
        mean_f_u([-1.0], p)
    with pytest.raises(InputError):
        exact_table([], p)


# --------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------


def test_sampling_is_seeded() -> None:
    p = REMParameters(n_regions=10, v=2)
    a = sample_rem(p, [2.0], n_states=500, seed=7)
    b = sample_rem(p, [2.0], n_states=500, seed=7)
    c = sample_rem(p, [2.0], n_states=500, seed=8)
    np.testing.assert_array_equal(a.energies, b.energies)
    np.testing.assert_array_equal(a.n_lower, b.n_lower)
    np.testing.assert_array_equal(a.uphill_sums, b.uphill_sums)
    assert not np.array_equal(a.energies, c.energies)
    assert a.seed == 7
    assert sample_rem(p, [2.0], n_states=10, seed=np.random.default_rng(1)).seed is None
    assert np.all((a.n_lower >= 0) & (a.n_lower <= 20))
    np.testing.assert_allclose(a.f_u, a.n_lower / 20.0)


def _hamming_bruteforce(energies: np.ndarray, n: int, v: int, t: float):
    states = list(itertools.product(range(v + 1), repeat=n))
    index = {s: sum(d * (v + 1) ** k for k, d in enumerate(s)) for s in states}
    n_lower = np.zeros(len(states), dtype=int)
    up = np.zeros(len(states))
    for s in states:
        i = index[s]
        for k in range(n):
            for d in range(v + 1):
                if d == s[k]:
                    continue
                j = index[s[:k] + (d,) + s[k + 1 :]]
                if energies[j] < energies[i]:
                    n_lower[i] += 1
                elif energies[j] > energies[i]:
                    up[i] += math.exp(-(energies[j] - energies[i]) / t)
    return n_lower, up


def test_hamming_graph_against_bruteforce() -> None:
    p = REMParameters(n_regions=3, v=2, delta=1.0)
    s = sample_rem(p, [0.7], neighbors="hamming", seed=3)
    assert s.n_states == 27
    n_lower, up = _hamming_bruteforce(s.energies, 3, 2, 0.7)
    np.testing.assert_array_equal(s.n_lower, n_lower)
    np.testing.assert_allclose(s.uphill_sums[0], up, rtol=1e-13)


@pytest.mark.parametrize("kind", ["hamming", "regular"])
def test_symmetric_graphs_have_detailed_balance(kind: str) -> None:
    p = REMParameters(n_regions=10, v=1, delta=2.0)
    s = sample_rem(p, [0.8, 2.0], n_states=1024, neighbors=kind, seed=11)
    tab = sampled_canonical_table(s)
    np.testing.assert_allclose(tab["R_A"], tab["R_B"], rtol=1e-11)


def test_sampling_bad_inputs() -> None:
    p = REMParameters(n_regions=4, v=1)
    with pytest.raises(InputError):
        sample_rem(p, [1.0], n_states=11, neighbors="regular")
    with pytest.raises(InputError):
        sample_rem(p, [1.0], n_states=10, neighbors="ring")
    with pytest.raises(InputError):
        sample_rem(p, [1.0], n_states=1)
    with pytest.raises(InputError):
        sample_rem(p, [1.0], n_states=10, seed=-1)
    with pytest.raises(InputError):
        sample_rem(REMParameters(n_regions=100, v=2), [1.0], neighbors="hamming")
    with pytest.raises(InputError):
        sample_rem(REMParameters(n_regions=4, v=1, neighbor_width=2.0), [1.0], neighbors="regular")


def test_canonical_weights_and_infinite_temperature_entropy() -> None:
    e = np.random.default_rng(0).normal(size=1000)
    w, log_w = canonical_weights(e, 1.0)
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(np.exp(log_w), w)
    p = REMParameters(n_regions=4, v=1, delta=1.0)
    s = sample_rem(p, [1e9], n_states=4096, seed=2)
    tab = sampled_canonical_table(s)
    assert tab["S"][0] == pytest.approx(math.log(4096), rel=1e-6)
    assert tab["n_effective"][0] == pytest.approx(4096, rel=1e-6)


def test_binned_f_u_structure() -> None:
    p = REMParameters(n_regions=20, v=2, delta=1.0)
    s = sample_rem(p, [1.0], n_states=20000, seed=5)
    b = binned_f_u(s, n_bins=10, z_range=2.0)
    assert b["E_center"].shape == (10,)
    assert b["count"].sum() == np.count_nonzero(np.abs(s.energies) < 2.0)
    assert np.all(np.diff(b["f_u_mean"]) > 0)
    assert np.all(np.isfinite(b["z_score"]))
    with pytest.raises(InputError):
        binned_f_u(s, n_bins=0)


def test_rem_report_structure() -> None:
    p = REMParameters(n_regions=20, v=2, delta=3.0)
    res, sample = rem_report(p, [1.0, 2.0, 3.0], [2.0, 3.0], n_states=2000, seed=4, n_bins=8)
    assert sample is not None and res["seed"] == 4
    for key in ("slope_S_vs_ln_fu", "slope_R_vs_fu", "exact", "asymptotic", "sampled", "fits"):
        assert key in res
    assert res["slope_R_vs_fu"] == pytest.approx(2.0 * p.n_neighbors, rel=1e-10)
    assert res["sampled"]["binned_f_u"]["E_center"].shape == (8,)
    res2, sample2 = rem_report(p, [2.0], None)
    assert sample2 is None and res2["slope_S_vs_ln_fu"] is None and "sampled" not in res2
