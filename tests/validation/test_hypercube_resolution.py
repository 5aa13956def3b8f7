"""Hypercube master-equation rates below double-precision resolution are flagged, not reported.

Independent reference: the liquid <-> crystal hop rate of the d-chain from mean first-passage
times of a birth-death chain, T(a -> b) = sum_{k=a}^{b-1} [sum_{j<=k} pi_j] / (pi_k k_up(k)),
evaluated in log space (no cancellation at any size), with lambda_1 ~ 1/T(L -> C) + 1/T(C -> L)
for well-separated wells (van Kampen, Stochastic Processes in Physics and Chemistry, ch. XII).
The chain (states m = 0..D/2, d = 4m/D - 1, W = C(D/2, m), Phi = D phi_d(d), edge rates
exp(-beta Delta Phi / 2)) is written out here from seed 001 eqs 4.9-4.11 and 5.2.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaln, logsumexp

from pelkit.cli.theory_hypercube import hypercube_report
from pelkit.theory import hypercube_master as hm


def _hop_rate(beta: float, D: int) -> float:
    h = D // 2
    m = np.arange(h + 1)
    d = 4.0 * m / D - 1.0
    phi = D * (-((d + 0.2) ** 2) + 0.38 * (d + 0.2) ** 3)
    log_pi = gammaln(h + 1) - gammaln(m + 1) - gammaln(h - m + 1) - beta * phi
    log_up = np.log(h - m[:-1]) - 0.5 * beta * (phi[1:] - phi[:-1])  # m -> m + 1
    log_dn = np.log(m[1:]) - 0.5 * beta * (phi[:-1] - phi[1:])  # m + 1 -> m
    left = int(np.argmax(np.where(d < 0, log_pi, -np.inf)))
    right = int(np.argmax(np.where(d > 0, log_pi, -np.inf)))
    below = np.logaddexp.accumulate(log_pi)
    above = np.logaddexp.accumulate(log_pi[::-1])[::-1]
    k = np.arange(left, right)
    log_t_lr = logsumexp(below[k] - log_pi[k] - log_up[k])
    log_t_rl = logsumexp(above[k + 1] - log_pi[k + 1] - log_dn[k])
    return float(np.exp(-log_t_lr) + np.exp(-log_t_rl))


@pytest.mark.parametrize(("beta", "D"), [(0.5, 40), (0.5, 100), (1.0, 40)])
def test_resolved_hops_match_first_passage_estimate(beta, D):
    rates = hm.lowest_rates(beta, D, 3)
    assert rates[1] > hm.rate_resolution(beta, D)
    assert rates[1] == pytest.approx(_hop_rate(beta, D), rel=2e-2)
    row = hypercube_report([beta], D, 3)["master_equation"]["rates"][0]
    assert row["slowest"] == pytest.approx(rates[1], rel=1e-9)
    assert not row["slowest_below_resolution"]
    assert row["rates"][0] == 0.0 and np.all(row["resolved"][1:])


def test_unresolved_hop_is_flagged_at_beta_1_D_100():
    true_hop = _hop_rate(1.0, 100)
    res = hm.rate_resolution(1.0, 100)
    assert true_hop < 1e-18 and res > 1e-12  # the hop is far below what float64 resolves
    raw = hm.lowest_rates(1.0, 100, 3)
    assert abs(raw[1]) < res  # what the eigensolver returns is noise ...
    assert abs(raw[1] - true_hop) > 100 * true_hop  # ... unrelated to the true value
    row = hypercube_report([1.0], 100, 3)["master_equation"]["rates"][0]
    assert row["slowest"] is None and row["slowest_below_resolution"]
    assert row["rate_resolution"] == pytest.approx(res)
    assert np.isnan(row["rates"][1]) and row["rates"][0] == 0.0
    assert list(row["resolved"]) == [False, False, True]
    assert row["rates"][2] == pytest.approx(raw[2])
    # the Fokker-Planck rates of the same state are flagged the same way
    assert np.isnan(row["fokker_planck_rates"][1]) and row["fokker_planck_rates"][2] > 1.0
    # large D takes the factorised chains: same flag
    big = hypercube_report([1.0], 1000, 3)["master_equation"]
    assert big["method"].startswith("exact factorisation")
    assert big["rates"][0]["slowest"] is None and big["rates"][0]["slowest_below_resolution"]
