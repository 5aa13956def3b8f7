"""Molecular dynamics against statistical mechanics (issue 3 "Check it independently").

Kob-Andersen 80:20, N = 155, rho = 1.2 (SCIENCE.md section 1a), dt = 0.005 tau.

* NVE (velocity Verlet): the conserved energy E = U + K drifts by less than 1e-3 eps per particle
  over 2e4 steps (100 tau), and its fluctuation about the mean scales as dt^2 (ratio 4 when dt is
  halved: a second-order symplectic integrator; a wrong half-kick makes it first order or
  unstable). Total momentum is conserved and the centre of mass of the unwrapped positions
  moves at constant velocity. Negative control: in NVE, Var(K) is well below the canonical value
  (Lebowitz, Percus & Verlet, Phys. Rev. 153, 250 (1967): <dK^2>_NVE = (dof T^2/2)(1 - dof/(2C_V))).
* NVT, every thermostat (Nose-Hoover chain, Bussi, Langevin): mean kinetic temperature = T (for
  Langevin BAOAB up to its known kinetic bias -(dt omega_E/2)^2, 0.4 %) and
  Var(K) = (dof/2) T^2 (canonical; dof = 3N - 3 with momentum conserved, 3N for Langevin) within
  block-average errors; the potential-energy distributions at T1 = 1.0 and T2 = 1.07 are
  consistent by reweighting, P_T2(U) ~ P_T1(U) exp(-U (1/T2 - 1/T1)): the reweighted mean and
  variance of U equal the direct ones within jackknife errors (both directions).
* Maxwell-Boltzmann start: zero momentum, exactly the target temperature, Gaussian components.
* Blow-up: dt = 0.1 from a dense start raises MDBlowUp naming the step.
* Restart: 2n steps = n steps, extended XYZ write/read, n steps. The file round trip is exact;
  the resumed run rebuilds its neighbour list, so forces agree to round-off only and the runs
  agree to < 1e-9 after 1 tau (NVE; Nose-Hoover once the chain variables, which the XYZ file does
  not hold, are carried over); Bussi/Langevin: a restart with a given seed is reproducible, but
  its noise is a fresh stream, not the continuation of the 2n run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import stats

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import MDBlowUp, MDSimulation, maxwell_boltzmann
from pelkit.io.formats import read_system, write_system
from pelkit.models import get_model
from pelkit.system import System

N = 155
DT = 0.005
T1, T2 = 1.0, 1.07
NVT_EQUIL = 2_000
NVT_STEPS = 30_000
NVT_LOG = 5
N_BLOCKS = 20
THERMOSTATS = ("nose-hoover", "bussi", "langevin")
# BAOAB reports the kinetic energy at the end of a step, (dt omega/2)^2 low for a harmonic mode of
# frequency omega (exact for the oscillator; configurations are sampled without this error). For
# KA at T = 1, omega_E^2 = tr H / 3N = 626, so 0.4 % at dt = 0.005.
BAOAB_KINETIC_BIAS = (DT / 2) ** 2 * 626.0


# ------------------------------------------------------------------------------------ statistics
def block_mean_error(x: np.ndarray, n_blocks: int = N_BLOCKS) -> tuple[float, float]:
    """Mean of a correlated series and its standard error from ``n_blocks`` block averages."""
    length = x.size // n_blocks
    blocks = x[: length * n_blocks].reshape(n_blocks, length).mean(axis=1)
    return float(x.mean()), float(blocks.std(ddof=1) / np.sqrt(n_blocks))


def reweighted_moments(
    u: np.ndarray, dbeta: float, n_blocks: int = N_BLOCKS
) -> tuple[float, float, float, float]:
    """<U> and Var(U) at beta + dbeta from samples at beta (weights exp(-dbeta U)), with
    block-jackknife errors: (mean, mean_err, var, var_err). dbeta = 0 gives the direct values."""
    length = u.size // n_blocks
    u = u[: length * n_blocks]
    w = np.exp(-dbeta * (u - u.mean()))
    sw = (w).reshape(n_blocks, length).sum(axis=1)
    swu = (w * u).reshape(n_blocks, length).sum(axis=1)
    swu2 = (w * u * u).reshape(n_blocks, length).sum(axis=1)

    def moments(a: float, b: float, c: float) -> tuple[float, float]:
        mean = b / a
        return mean, c / a - mean * mean

    mean, var = moments(sw.sum(), swu.sum(), swu2.sum())
    jack = np.array(
        [moments(sw.sum() - sw[k], swu.sum() - swu[k], swu2.sum() - swu2[k])
         for k in range(n_blocks)]
    )
    err = np.sqrt((n_blocks - 1) / n_blocks * ((jack - jack.mean(axis=0)) ** 2).sum(axis=0))
    return float(mean), float(err[0]), float(var), float(err[1])


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def ka():
    return get_model("ka")


@pytest.fixture(scope="module")
def liquid(ka) -> System:
    """An equilibrated KA liquid at T = 0.8 with velocities (Bussi thermostat, 4000 steps)."""
    sim = MDSimulation(ka, kob_andersen_system(N, seed=7), 0.8, thermostat="bussi", seed=7)
    sim.advance(4_000)
    return sim.snapshot()


@pytest.fixture(scope="module")
def nvt_runs(ka, liquid) -> dict[tuple[str, float], dict]:
    """Six NVT runs (3 thermostats x 2 temperatures), two at a time in threads."""

    def run(job: tuple[str, float]) -> dict:
        thermostat, temperature = job
        start = liquid.copy()
        start.velocities = None  # fresh Maxwell-Boltzmann velocities at this temperature
        sim = MDSimulation(ka, start, temperature, thermostat=thermostat, dt=DT, seed=11)
        sim.advance(NVT_EQUIL)
        res = sim.run(NVT_STEPS, log_every=NVT_LOG)
        final = sim.snapshot()
        assert final.velocities is not None
        return {
            "K": res.log["kinetic_energy_per_particle"] * N,
            "U": res.log["potential_energy_per_particle"] * N,
            "T": res.log["temperature"],
            "dof": sim.dof,
            "momentum": np.abs(final.velocities.sum(axis=0)).max(),
        }

    jobs = [(th, t) for th in THERMOSTATS for t in (T1, T2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(run, jobs), strict=True))


# ------------------------------------------------------------------------------------ NVE
@pytest.mark.parametrize("model_name, bound", [("ka-smooth", 1e-3), ("ka", 3e-3)])
def test_nve_energy_drift(model_name: str, bound: float, liquid: System) -> None:
    """Conserved-energy drift per particle over 2e4 steps, and Var(K) below canonical (NVE)."""
    model = get_model(model_name)
    sim = MDSimulation(model, liquid, 0.8, thermostat="nve", dt=DT)
    steps = 20_000
    res = sim.run(steps, log_every=20)
    e = res.log["conserved_energy_per_particle"]
    t = res.log["time"]
    slope = np.polyfit(t, e, 1)[0]
    drift = slope * t[-1]
    excursion = np.abs(e - e[0]).max()
    print(f"\n{model_name}: NVE drift per particle over {steps} steps = {drift:.2e} "
          f"(last - first {e[-1] - e[0]:.2e}, max excursion {excursion:.2e}) eps")
    assert abs(drift) < bound
    assert excursion < 2 * bound
    # negative control for the canonical test below: NVE kinetic fluctuations are sub-canonical
    k = res.log["kinetic_energy_per_particle"] * N
    temperature = 2.0 * k.mean() / sim.dof
    ratio = k.var() / (0.5 * sim.dof * temperature**2)
    print(f"{model_name}: NVE Var(K) / canonical = {ratio:.3f}")
    assert ratio < 0.8


def test_nve_error_is_second_order(liquid: System) -> None:
    """RMS fluctuation of E over the same 5 tau at dt and dt/2: ratio 4 for velocity Verlet."""
    model = get_model("ka-smooth")
    rms = []
    for dt in (DT, DT / 2):
        sim = MDSimulation(model, liquid, 0.8, thermostat="nve", dt=dt)
        steps = int(round(5.0 / dt))
        res = sim.run(steps, log_every=int(round(0.01 / dt)))
        e = res.log["conserved_energy_per_particle"]
        rms.append(e.std())
    ratio = rms[0] / rms[1]
    print(f"\nRMS energy fluctuation dt={DT}: {rms[0]:.3e}, dt/2: {rms[1]:.3e}, ratio {ratio:.2f}")
    assert 3.2 < ratio < 4.8


def test_nve_momentum_and_centre_of_mass(ka, liquid: System) -> None:
    """Zero momentum stays zero; a boosted start keeps its momentum and the centre of mass of the
    unwrapped positions moves by V t (image counts are tracked through every wrap)."""
    sim = MDSimulation(ka, liquid, 0.8, thermostat="nve", dt=DT)
    sim.advance(2_000)
    p = sim.snapshot().velocities.sum(axis=0)
    assert np.abs(p).max() < 1e-11

    boost = np.array([0.7, -0.4, 0.25])
    start = liquid.copy()
    start.velocities = start.velocities + boost
    com0 = start.unwrapped_positions().mean(axis=0)
    sim = MDSimulation(ka, start, 0.8, thermostat="nve", dt=DT)
    steps = 2_000
    sim.advance(steps)
    final = sim.snapshot()
    assert np.allclose(final.velocities.mean(axis=0), boost, rtol=0, atol=1e-12)
    com = final.unwrapped_positions().mean(axis=0)
    assert np.allclose(com - com0, boost * steps * DT, rtol=0, atol=1e-9)
    # the boost is a rigid translation: several boxes travelled, so images were counted
    assert np.abs(final.images).max() >= 1


# ------------------------------------------------------------------------------------ NVT
@pytest.mark.parametrize("thermostat", THERMOSTATS)
def test_nvt_kinetic_energy_is_canonical(thermostat: str, nvt_runs) -> None:
    """<T> = target and Var(K) = (dof/2) T^2 within 4 block-average standard errors."""
    for temperature in (T1, T2):
        run = nvt_runs[(thermostat, temperature)]
        mean_t, err_t = block_mean_error(run["T"])
        k = run["K"]
        scale = 0.5 * run["dof"] * temperature**2
        var_k, err_var = block_mean_error((k - k.mean()) ** 2 / scale)
        print(f"\n{thermostat} T={temperature}: <T> = {mean_t:.4f} +- {err_t:.4f}, "
              f"Var(K)/canonical = {var_k:.3f} +- {err_var:.3f}")
        bias = BAOAB_KINETIC_BIAS * temperature if thermostat == "langevin" else 0.0
        assert abs(mean_t - temperature) < 4 * err_t + bias
        assert abs(mean_t - temperature) < 0.015 * temperature
        assert abs(var_k - 1.0) < 4 * err_var
        assert abs(var_k - 1.0) < 0.2


@pytest.mark.parametrize("thermostat", THERMOSTATS)
def test_nvt_potential_energy_reweighting(thermostat: str, nvt_runs) -> None:
    """P_T2(U) ~ P_T1(U) exp(-U (1/T2 - 1/T1)): reweighted <U>, Var(U) = direct ones."""
    u1 = nvt_runs[(thermostat, T1)]["U"]
    u2 = nvt_runs[(thermostat, T2)]["U"]
    dbeta = 1.0 / T2 - 1.0 / T1
    direct1 = reweighted_moments(u1, 0.0)
    direct2 = reweighted_moments(u2, 0.0)
    rw12 = reweighted_moments(u1, dbeta)
    rw21 = reweighted_moments(u2, -dbeta)
    shift = direct2[0] - direct1[0]
    shift_err = np.hypot(direct1[1], direct2[1])
    print(f"\n{thermostat}: <U>(T1) = {direct1[0]:.2f} +- {direct1[1]:.2f}, "
          f"<U>(T2) = {direct2[0]:.2f} +- {direct2[1]:.2f}, "
          f"reweighted T1->T2 {rw12[0]:.2f} +- {rw12[1]:.2f}, "
          f"T2->T1 {rw21[0]:.2f} +- {rw21[1]:.2f}")
    print(f"{thermostat}: Var U (T1) = {direct1[2]:.1f} +- {direct1[3]:.1f}, reweighted from T2 "
          f"{rw21[2]:.1f} +- {rw21[3]:.1f}; (T2) = {direct2[2]:.1f} +- {direct2[3]:.1f}, "
          f"reweighted from T1 {rw12[2]:.1f} +- {rw12[3]:.1f}")
    # the test has power: the temperature step moves <U> by many standard errors
    assert shift > 6 * shift_err
    for rw, direct in ((rw12, direct2), (rw21, direct1)):
        assert abs(rw[0] - direct[0]) < 4 * np.hypot(rw[1], direct[1])
        assert abs(rw[2] - direct[2]) < 4 * np.hypot(rw[3], direct[3])


@pytest.mark.parametrize("thermostat", ("nose-hoover", "bussi"))
def test_global_thermostats_keep_zero_momentum(thermostat: str, nvt_runs) -> None:
    """Nose-Hoover and Bussi scale all velocities by one factor: zero momentum stays zero."""
    for temperature in (T1, T2):
        assert nvt_runs[(thermostat, temperature)]["momentum"] < 1e-11


# ------------------------------------------------------------------------------------ start
def test_maxwell_boltzmann_velocities() -> None:
    """Zero total momentum, exact temperature over 3N - 3 dof, Gaussian scaled components."""
    rng = np.random.default_rng(5)
    masses = rng.uniform(0.5, 3.0, size=2000)
    temperature = 0.45
    v = maxwell_boltzmann(masses, temperature, seed=3)
    p = (masses[:, None] * v).sum(axis=0)
    assert np.abs(p).max() < 1e-12
    t = float((masses[:, None] * v**2).sum()) / (3 * masses.size - 3)
    assert t == pytest.approx(temperature, rel=1e-13)
    z = (v * np.sqrt(masses / temperature)[:, None]).ravel()
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # same seed, same velocities
    assert np.array_equal(v, maxwell_boltzmann(masses, temperature, seed=3))


def test_md_draws_exact_initial_temperature(ka, liquid: System) -> None:
    start = liquid.copy()
    start.velocities = None
    sim = MDSimulation(ka, start, 0.63, thermostat="nve", seed=4)
    assert sim.instantaneous_temperature() == pytest.approx(0.63, rel=1e-13)
    assert np.abs(sim.snapshot().velocities.sum(axis=0)).max() < 1e-12


# ------------------------------------------------------------------------------------ blow-up
def test_blow_up_names_the_step(ka) -> None:
    sim = MDSimulation(ka, kob_andersen_system(N, seed=3), 0.8, thermostat="nve", dt=0.1, seed=1)
    with pytest.raises(MDBlowUp, match=r"step \d+") as info:
        sim.run(1_000)
    step = int(str(info.value).split("step ")[1].split(":")[0])
    assert 1 <= step < 1_000
    assert step == sim.step


# ------------------------------------------------------------------------------------ restart
def _restart(model, start: System, thermostat: str, n: int, tmp_path, seed: int = 0):
    """(continuous 2n run, first-half run, state read back from extxyz)."""
    full = MDSimulation(model, start, 0.8, thermostat=thermostat, dt=DT, seed=seed)
    full.advance(2 * n)
    half = MDSimulation(model, start, 0.8, thermostat=thermostat, dt=DT, seed=seed)
    half.advance(n)
    path = tmp_path / "restart.xyz"
    write_system(path, half.snapshot())
    return full, half, read_system(path)


# A resumed run rebuilds its neighbour list at the restart step, so pair forces are summed in
# another order: forces agree to round-off (~1e-13), not bit for bit, and the difference then grows
# at the Lyapunov rate (about x e^4 per tau for KA at T = 0.8; 200 steps = 1 tau).
RESTART_STEPS = 200
ROUND_OFF = 1e-12


def test_restart_nve_matches_continuous_run(ka, liquid: System, tmp_path) -> None:
    n = RESTART_STEPS
    full, half, back = _restart(ka, liquid, "nve", n, tmp_path)
    # the file round trip itself is exact
    assert np.array_equal(back.positions, half.pos)
    assert np.array_equal(back.velocities, half.vel)
    assert np.array_equal(back.images, half.images)
    resumed = MDSimulation(ka, back, 0.8, thermostat="nve", dt=DT)
    assert np.abs(resumed.forces - half.forces).max() < ROUND_OFF
    resumed.advance(n)
    dx, dv = np.abs(resumed.pos - full.pos).max(), np.abs(resumed.vel - full.vel).max()
    print(f"\nNVE restart after {n} more steps: max |dx| = {dx:.1e}, |dv| = {dv:.1e}")
    assert dx < 1e3 * ROUND_OFF
    assert dv < 1e3 * ROUND_OFF
    assert np.array_equal(resumed.images, full.images)
    assert resumed.conserved_energy() == pytest.approx(full.conserved_energy(), abs=1e-9)


def test_restart_nose_hoover_needs_chain_state(ka, liquid: System, tmp_path) -> None:
    """The extxyz file holds positions, velocities and images; with the chain variables (xi,
    v_xi) carried over by hand the resumed Nose-Hoover run matches the continuous one."""
    n = RESTART_STEPS
    full, half, back = _restart(ka, liquid, "nose-hoover", n, tmp_path)
    resumed = MDSimulation(ka, back, 0.8, thermostat="nose-hoover", dt=DT)
    resumed.xi[:] = half.xi
    resumed.vxi[:] = half.vxi
    resumed.advance(n)
    assert np.abs(resumed.pos - full.pos).max() < 1e3 * ROUND_OFF
    assert np.abs(resumed.vel - full.vel).max() < 1e3 * ROUND_OFF
    assert np.allclose(resumed.vxi, full.vxi, rtol=1e-9, atol=1e-12)
    assert resumed.conserved_energy() == pytest.approx(full.conserved_energy(), abs=1e-9)


@pytest.mark.parametrize("thermostat", ("bussi", "langevin"))
def test_restart_stochastic_is_reproducible(thermostat: str, ka, liquid, tmp_path) -> None:
    """Stochastic thermostats: the state is restored exactly and a resumed run is a function of
    (file, seed); it is not the continuation of the 2n run (its noise is a fresh stream)."""
    n = 300
    _, half, back = _restart(ka, liquid, thermostat, n, tmp_path, seed=5)
    runs = []
    for _ in range(2):
        sim = MDSimulation(ka, back, 0.8, thermostat=thermostat, dt=DT, seed=9)
        sim.advance(n)
        runs.append(sim.snapshot())
    assert np.array_equal(runs[0].positions, runs[1].positions)
    assert np.array_equal(runs[0].velocities, runs[1].velocities)
    other = MDSimulation(ka, back, 0.8, thermostat=thermostat, dt=DT, seed=10)
    other.advance(n)
    assert not np.array_equal(other.vel, runs[0].velocities)
