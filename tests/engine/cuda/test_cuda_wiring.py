"""The GPU path of BatchedMD and quench_batch (device="gpu") on the CUDA simulator: the same
trajectories and minima as the CPU path of the same API, the active mask, blow-up reports."""

from __future__ import annotations

import numpy as np
import pytest
from cuda_helpers import ka_short, ka_systems, with_velocities

from pelkit.dynamics.batched_md import BatchedMD, resolve_device
from pelkit.errors import InputError
from pelkit.landscape.batched_quench import quench_batch
from pelkit.landscape.inherent import same_minimum

N, DENSITY = 24, 0.85


@pytest.fixture
def simulator_counts(monkeypatch):
    monkeypatch.setenv("PELKIT_CUDA_SIMULATOR", "1")


def test_simulator_is_not_a_device_unless_asked(monkeypatch):
    """auto never picks the simulator; gpu refuses it with one error unless opted in."""
    monkeypatch.delenv("PELKIT_CUDA_SIMULATOR", raising=False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(InputError, match="no CUDA device"):
        resolve_device("gpu")
    monkeypatch.setenv("PELKIT_CUDA_SIMULATOR", "1")
    assert resolve_device("gpu") == "gpu"
    assert resolve_device("auto") == "cpu"


@pytest.mark.usefixtures("simulator_counts")
def test_batched_md_gpu_equals_cpu_nve_and_respects_active():
    """100 NVE steps on device="gpu" equal device="cpu" to 1e-10 per replica; a replica left
    out by ``active`` does not move."""
    model = ka_short()
    systems = with_velocities(ka_systems(model, N, DENSITY, (1, 2)), 1.0, seed=3)
    gpu = BatchedMD(model, systems, 1.0, thermostat="nve", device="gpu", seeds=5)
    cpu = BatchedMD(model, systems, 1.0, thermostat="nve", device="cpu", seeds=5)
    assert gpu.device == "gpu" and cpu.device == "cpu"
    start = gpu.unwrapped_positions().copy()
    sg = gpu.advance(60)
    sc = cpu.advance(60)
    np.testing.assert_allclose(sg, sc, rtol=1e-10)
    np.testing.assert_allclose(gpu.unwrapped_positions(), cpu.unwrapped_positions(),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(gpu.conserved_energies(), cpu.conserved_energies(), rtol=1e-10)
    held = gpu.unwrapped_positions().copy()
    gpu.advance(40, active=np.array([True, False]))
    cpu.advance(40, active=np.array([True, False]))
    np.testing.assert_array_equal(gpu.unwrapped_positions()[1], held[1])
    np.testing.assert_allclose(gpu.unwrapped_positions(), cpu.unwrapped_positions(),
                               rtol=0, atol=1e-10)
    assert list(gpu.step) == [100, 60] == list(cpu.step)
    assert not np.allclose(start[0], gpu.unwrapped_positions()[0])


@pytest.mark.usefixtures("simulator_counts")
def test_gpu_needs_one_temperature():
    model = ka_short()
    systems = ka_systems(model, N, DENSITY, (1, 2))
    with pytest.raises(InputError, match="one temperature"):
        BatchedMD(model, systems, [0.8, 0.9], device="gpu")


@pytest.mark.usefixtures("simulator_counts")
def test_quench_batch_gpu_reaches_the_cpu_minimum():
    """FIRE 2.0 on device="gpu" and on the CPU reach the same minimum, honestly converged.

    The starts are first relaxed to max force 1e-3 (inside a basin): from a random packing two
    implementations that differ only in summation order may descend into different basins
    (the descent is chaotic there), which says nothing about the GPU code."""
    model = ka_short()
    raw = ka_systems(model, N, DENSITY, (7, 8))
    systems = quench_batch(model, raw, method="fire2", fmax=1e-3, device="cpu").systems()
    g = quench_batch(model, systems, method="fire2", fmax=1e-8, device="gpu")
    c = quench_batch(model, systems, method="fire2", fmax=1e-8, device="cpu")
    assert g.device.startswith("gpu") and c.device == "cpu"
    assert g.converged.all() and (g.max_force < 1e-8).all()
    for a, ea, b, eb in zip(g.systems(), g.energies, c.systems(), c.energies, strict=True):
        assert same_minimum(a, ea, b, eb)
    np.testing.assert_allclose(g.energies, c.energies, rtol=1e-12)
