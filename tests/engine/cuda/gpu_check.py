"""Real-device check of the CUDA backend (run by test_cuda_gpu.py in a fresh process with
NUMBA_ENABLE_CUDASIM=0; exit status 77 means "no GPU here").

KA N = 155: forces of 8 replicas against the CPU engine (1e-12), 100 NVE steps of 4 replicas
against MDSimulation (1e-10), FIRE 2.0 of 4 pre-relaxed replicas against the CPU FIRE 2.0
(same minimum, energies to 1e-10), 200 Langevin steps of 64 replicas (mean T within 3 %).
"""

from __future__ import annotations

import sys

import numpy as np

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import MDSimulation, maxwell_boltzmann
from pelkit.engine.calculator import Calculator
from pelkit.engine.cuda import batched_forces, cuda_available, device_name, is_simulator
from pelkit.engine.cuda.md import CudaReplicaMD
from pelkit.engine.cuda.plan import stack_systems
from pelkit.engine.cuda.quench import fire2_quench
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.quench import quench
from pelkit.models.ka import kob_andersen


def main() -> int:
    if is_simulator() or not cuda_available(simulator=False):
        print("no CUDA GPU")
        return 77
    model = kob_andersen()
    systems = [kob_andersen_system(155, seed=s) for s in range(8)]
    pos, box, sp, dia = stack_systems(model, systems)
    ev = batched_forces(model, pos, box, species=sp)
    for r, s in enumerate(systems):
        ref = Calculator(model, s).evaluate()
        assert abs(ev.energies[r] - ref.energy) <= 1e-12 * abs(ref.energy)
        assert np.abs(ev.forces[r] - ref.forces).max() <= 1e-12 * np.abs(ref.forces).max()
    vel = np.stack([maxwell_boltzmann(s.masses, 0.8, seed=r) for r, s in enumerate(systems)])
    md = CudaReplicaMD(model, pos[:4], vel[:4], boxes=box[:4], species=sp[:4],
                       temperature=0.8, thermostat="nve")
    md.advance(100)
    st = md.state()
    for r in range(4):
        s = systems[r].copy()
        s.velocities = vel[r]
        sim = MDSimulation(model, s, 0.8, thermostat="nve")
        sim.advance(100)
        assert np.abs(st.positions[r] - sim.pos).max() < 1e-10
        assert abs(st.energies[r] - sim.energy) < 1e-10 * abs(sim.energy)
    starts = [quench(model, s, method="fire2", fmax=1e-4).system for s in systems[:4]]
    p0, b0, s0, _ = stack_systems(model, starts)
    res = fire2_quench(model, p0, b0, s0, fmax=1e-10)
    assert res.converged.all()
    for r, s in enumerate(starts):
        ref = quench(model, s, method="fire2", fmax=1e-10)
        assert abs(res.energies[r] - ref.energy) < 1e-10
        assert same_minimum(s.with_positions(res.positions[r]), res.energies[r], ref.system,
                            ref.energy)
    many = np.repeat(pos[:1], 64, axis=0)
    md = CudaReplicaMD(model, many, np.repeat(vel[:1], 64, axis=0), boxes=box[0],
                       species=sp[0], temperature=0.8, thermostat="langevin",
                       seeds=np.arange(64))
    md.advance(100)
    out = md.advance(200)
    assert np.all(out.status == 0)
    assert abs(out.sums[:, 0].mean() / 200 - 0.8) < 0.03 * 0.8
    print(f"OK on {device_name()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
