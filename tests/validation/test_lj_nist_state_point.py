"""Energy and pressure of the Lennard-Jones fluid against the NIST Standard Reference Simulation
Website (SRSW).

Source (published numbers, quoted exactly): NIST SRSW, "Lennard-Jones Fluid Properties", page
"MC: NVT Monte Carlo results" (https://mmlapps.nist.gov/srs/LJ_PURE/mc.htm): N = 500, LJ
truncated at 3 sigma with analytic long-range corrections, mean and standard deviation of the
potential energy per particle and of the pressure. Row T* = 0.85, rho* = 0.86:

    U*/N = -6.0305E+00 +- 2.38E-03,   p* = 1.2660E+00 +- 1.36E-02

(the same row, with its error bars, is the reference of a validation test of HOOMD-blue,
glotzerlab/hoomd-blue, ``hoomd/md/pytest/test_lj_equation_of_state.py``, which cites that page).

What is compared. pelkit runs NVT MD (Bussi thermostat) with the ``shift`` cutoff scheme at
3 sigma: its forces are those of the truncated potential, but MD samples exp(-beta U_shift),
while the Monte Carlo of the reference samples exp(-beta U_trunc) (U_trunc - U_shift = n_c
phi(r_c), n_c the pairs inside the cutoff, which fluctuates). The test therefore evaluates, on
each stored configuration, U_trunc with the ``none`` scheme and U_shift with the ``shift`` scheme
(pelkit's Calculator) and reweights by exp(-beta (U_trunc - U_shift)) to the reference ensemble.
The long-range corrections (Allen and Tildesley, Computer Simulation of Liquids, 1987, g(r) = 1
beyond r_c) are added:

    u_LRC = (8/3) pi rho [(1/3) r_c^-9 - r_c^-3],  p_LRC = (16/3) pi rho^2 [(2/3) r_c^-9 - r_c^-3].

Pressure: the virial route of pelkit's Calculator at T = 0.85 plus p_LRC. Tolerance: 3 times
the combined standard error (ours from 10 blocks of the run, the reference's as published).

Measured when written: u = -6.0318 +- 0.0058, p = 1.262 +- 0.032 (reweighted); without the
reweighting -6.0325 and 1.253 (the ensemble difference is within the errors here); the
corrections are u_LRC = -0.267 and p_LRC = -0.459, so a missing tail term or a wrong virial would
fail by tens of standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.build import random_system
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.models import lennard_jones

T, RHO, N, R_CUT = 0.85, 0.86, 500, 3.0
NIST_U, NIST_U_ERR = -6.0305, 2.38e-3
NIST_P, NIST_P_ERR = 1.2660, 1.36e-2
U_LRC = 8.0 / 3.0 * math.pi * RHO * (R_CUT**-9 / 3.0 - R_CUT**-3)
P_LRC = 16.0 / 3.0 * math.pi * RHO**2 * (2.0 / 3.0 * R_CUT**-9 - R_CUT**-3)


@pytest.fixture(scope="module")
def samples() -> dict[str, np.ndarray]:
    """Per configuration: U_trunc/N, U_shift/N and the virial pressure (60 tau, every 0.5 tau)."""
    shifted = lennard_jones(x_cut=R_CUT, scheme="shift")
    truncated = lennard_jones(x_cut=R_CUT, scheme="none")
    system = random_system(shifted, N, RHO, seed=5)
    sim = MDSimulation(shifted, system, T, thermostat="bussi", dt=0.005, seed=5, tau=0.5)
    sim.run(4000)  # 20 tau: the liquid at T = 0.85 relaxes within a few tau
    u_trunc, u_shift, pressure = [], [], []
    for _ in range(120):
        sim.run(100)
        snap = sim.snapshot()
        u_trunc.append(Calculator(truncated, snap).energy() / N)
        calc = Calculator(shifted, snap)
        u_shift.append(calc.energy() / N)
        pressure.append(calc.pressure(temperature=T))
    return {"u_trunc": np.array(u_trunc), "u_shift": np.array(u_shift),
            "p": np.array(pressure)}


def _reweighted_mean_and_error(values: np.ndarray, log_w: np.ndarray) -> tuple[float, float]:
    """Reweighted mean and its standard error from 10 consecutive blocks."""
    w = np.exp(log_w - log_w.max())
    blocks = [np.sum(v * ww) / np.sum(ww)
              for v, ww in zip(np.array_split(values, 10), np.array_split(w, 10), strict=True)]
    mean = float(np.sum(values * w) / np.sum(w))
    return mean, float(np.std(blocks, ddof=1) / np.sqrt(len(blocks)))


def test_reweighting_is_a_small_correction(samples) -> None:
    """The pairs inside the cutoff fluctuate little: the weights stay near 1 (else the
    reweighted averages would rest on few configurations)."""
    log_w = -N * (samples["u_trunc"] - samples["u_shift"]) / T
    w = np.exp(log_w - log_w.max())
    effective = w.sum() ** 2 / np.sum(w**2)
    assert effective > 0.5 * w.size


def test_energy_per_particle_against_nist(samples) -> None:
    log_w = -N * (samples["u_trunc"] - samples["u_shift"]) / T
    u, err = _reweighted_mean_and_error(samples["u_trunc"] + U_LRC, log_w)
    assert 0 < err < 0.01
    assert abs(u - NIST_U) <= 3.0 * math.hypot(err, NIST_U_ERR), (u, err)


def test_pressure_against_nist(samples) -> None:
    log_w = -N * (samples["u_trunc"] - samples["u_shift"]) / T
    p, err = _reweighted_mean_and_error(samples["p"] + P_LRC, log_w)
    assert 0 < err < 0.05
    assert abs(p - NIST_P) <= 3.0 * math.hypot(err, NIST_P_ERR), (p, err)
