"""Fused batched MD on the CUDA simulator: deterministic integrators against the CPU engine,
stochastic thermostats by their canonical statistics, blow-ups confined to their replica."""

from __future__ import annotations

import numpy as np
import pytest
from cuda_helpers import ka_short, ka_systems, stacked, with_velocities

from pelkit.dynamics.md import MDSimulation
from pelkit.engine.cuda.md import CudaReplicaMD, ReplicaMDOptions
from pelkit.errors import InputError

N, DENSITY, THREADS = 24, 0.85, 8


def make_md(systems, thermostat, temperature, seeds=None, **settings):
    model = ka_short()
    pos, box, sp, _, vel = stacked(model, systems)
    return CudaReplicaMD(model, pos, vel, boxes=box, species=sp, temperature=temperature,
                         thermostat=thermostat, seeds=seeds,
                         options=ReplicaMDOptions(threads=THREADS, **settings))


@pytest.mark.parametrize("thermostat", ["nve", "nose-hoover"])
def test_deterministic_integrators_match_cpu(thermostat):
    """100 steps of NVE and of the Nose-Hoover chain (no random numbers): every replica equals
    the single-system CPU MDSimulation from the same start to 1e-10."""
    model = ka_short()
    systems = with_velocities(ka_systems(model, N, DENSITY, (1, 2)), 1.0, seed=10)
    md = make_md(systems, thermostat, 0.8, dt=0.005)
    out = md.advance(100)
    st = md.state()
    assert np.all(out.status == 0) and np.all(out.steps == 100)
    for r, s in enumerate(systems):
        sim = MDSimulation(model, s, 0.8, thermostat=thermostat, dt=0.005)
        sums = sim.advance(100)
        assert np.abs(st.positions[r] - sim.pos).max() < 1e-10
        assert np.array_equal(st.images[r], sim.images)
        assert np.abs(st.velocities[r] - sim.vel).max() < 1e-10
        assert abs(st.energies[r] - sim.energy) < 1e-10 * abs(sim.energy)
        assert abs(st.virials[r] - sim.virial) < 1e-10 * abs(sim.virial)
        np.testing.assert_allclose(out.sums[r], sums, rtol=1e-10)
        np.testing.assert_allclose(st.xi[r], sim.xi, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(st.vxi[r], sim.vxi, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(st.q[r], sim.q, rtol=1e-15)
        cpu_h = sim.conserved_energy()
        assert abs(md.conserved_energies(st)[r] - cpu_h) < 1e-10 * abs(cpu_h)
    unwrapped = md.unwrapped_positions()
    np.testing.assert_array_equal(unwrapped, st.positions + st.images * md.boxes[:, None, :])


def test_bussi_resampling_limit_is_canonical():
    """tau -> 0 makes each Bussi step draw K' from the canonical Gamma(Nf/2, T) law
    (K' = Kt (R1^2 + S)/Nf): per-step T = 2K'/Nf has mean T0 and variance 2 T0^2 / Nf."""
    model = ka_short()
    t0 = 0.8
    systems = with_velocities(ka_systems(model, N, DENSITY, (3, 4, 5, 6)), t0, seed=20)
    md = make_md(systems, "bussi", t0, dt=0.002, tau=1e-9, seeds=[11, 12, 13, 14])
    temps = np.array([md.advance(1).sums[:, 0] for _ in range(60)])  # (steps, M)
    assert temps.shape == (60, 4)
    n_samples = temps.size
    mean, var = temps.mean(), temps.var()
    sigma_mean = t0 * np.sqrt(2.0 / md.dof / n_samples)
    assert abs(mean - t0) < 4.5 * sigma_mean, (mean, sigma_mean)
    expected_var = 2.0 * t0**2 / md.dof
    assert abs(var / expected_var - 1.0) < 0.3, (var, expected_var)
    # the injected work is accounted for: U + K - work is conserved to integration error
    h = md.conserved_energies()
    md.advance(20)
    assert np.abs(md.conserved_energies() - h).max() / N < 2e-3


def test_langevin_temperature_and_work():
    """BAOAB Langevin (dof = 3N): mean T over a run within a few sigma of T0; U + K - work
    changes only by the integration error."""
    model = ka_short()
    t0 = 0.8
    systems = with_velocities(ka_systems(model, N, DENSITY, (7, 8)), t0, seed=30)
    md = make_md(systems, "langevin", t0, dt=0.005, gamma=20.0, seeds=[5, 6])
    assert md.dof == 3 * N
    md.advance(30)  # let the potential energy settle
    h0 = md.conserved_energies()
    out = md.advance(150)
    mean_t = out.sums[:, 0].mean() / 150
    # velocity memory 1/(2 gamma) = 5 steps: ~60 independent samples, sigma ~ 2.3 %
    assert abs(mean_t - t0) < 0.08 * t0, mean_t
    assert np.abs(md.conserved_energies() - h0).max() / N < 2e-2


def test_streams_follow_the_replica_seed():
    """Identical starts: same seed -> bitwise the same Langevin trajectory, another seed -> not."""
    model = ka_short()
    base = with_velocities(ka_systems(model, N, DENSITY, (9,)), 0.8, seed=40)[0]
    md = make_md([base, base, base], "langevin", 0.8, seeds=[3, 3, 4])
    md.advance(5)
    st = md.state()
    np.testing.assert_array_equal(st.positions[0], st.positions[1])
    assert np.abs(st.positions[0] - st.positions[2]).max() > 1e-8
    np.testing.assert_array_equal(md.seeds, np.array([3, 3, 4], dtype=np.uint64))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the simulator's 0/0 in NumPy scalars
def test_blow_up_freezes_only_its_replica():
    """Replica 1 starts with two particles on top of each other: it blows up at its first
    step and stays frozen; replicas 0 and 2 run exactly as they do without it."""
    model = ka_short()
    systems = with_velocities(ka_systems(model, N, DENSITY, (1, 2, 3)), 1.0, seed=50)
    bad = systems[1].copy()
    bad.positions[1] = bad.positions[0]
    systems[1] = bad
    md = make_md(systems, "nve", 1.0)
    out = md.advance(10)
    np.testing.assert_array_equal(out.status, [0, 1, 0])
    np.testing.assert_array_equal(out.steps, [10, 1, 10])
    assert out.blowup_step[1] == 1 and out.blowup_step[0] == -1
    frozen = md.state().positions[1].copy()
    out2 = md.advance(5)
    np.testing.assert_array_equal(out2.steps, [5, 0, 5])
    np.testing.assert_array_equal(md.state().positions[1], frozen)
    good = make_md([systems[0], systems[2]], "nve", 1.0)
    good.advance(15)
    np.testing.assert_array_equal(md.state().positions[[0, 2]], good.state().positions)


def test_bad_input_is_refused():
    model = ka_short()
    systems = with_velocities(ka_systems(model, N, DENSITY, (1,)), 1.0, seed=1)
    with pytest.raises(InputError, match="unknown thermostat"):
        make_md(systems, "berendsen", 1.0)
    with pytest.raises(InputError, match="seeds"):
        make_md(systems, "langevin", 1.0, seeds=[1, 2])
    with pytest.raises(InputError, match="positive temperature"):
        make_md(systems, "bussi", 0.0)
