"""GPU backend for batched replicas (numba-cuda; optional extra ``gpu``).

M replicas of one model (each with its own positions, box, species or diameters, velocities,
thermostat state and random stream) are evaluated and integrated on one CUDA device, in
float64, with replica-major arrays ((M, N, 3), (M,)). One thread block owns one replica for
the whole call: the MD steps (:class:`~pelkit.engine.cuda.md.CudaReplicaMD`) and FIRE 2.0
iterations (:func:`~pelkit.engine.cuda.quench.fire2_quench`) run inside one kernel launch per
chunk, with block-level reductions of energy, virial and kinetic energy, so nothing returns to
the host between steps. Forces are all-pairs with minimum image, positions tiled through shared
memory (:mod:`pelkit.engine.cuda.forces` explains the choice).

Nothing here imports ``numba.cuda`` when :mod:`pelkit` is imported: this package imports it on
first use. Without a GPU the kernels run in Numba's CUDA simulator when the environment sets
``NUMBA_ENABLE_CUDASIM=1`` before ``numba.cuda`` is first imported (this is how the test suite
checks them); the simulator runs every CUDA thread as a Python thread, so it is for tiny
systems only.

    from pelkit.engine.cuda import cuda_available, device_name, batched_forces
    if cuda_available(simulator=False):
        ev = batched_forces(model, positions, boxes, species=species)
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = [
    "CudaReplicaMD",
    "batched_forces",
    "cuda_available",
    "device_name",
    "fire2_quench",
    "is_simulator",
]


def is_simulator() -> bool:
    """True when ``numba.cuda`` is (or, once imported, will be) Numba's CUDA simulator."""
    if "numba.cuda" in sys.modules:
        return "numba.cuda.simulator_init" in sys.modules
    try:
        from numba.core import config
    except Exception:  # numba missing or broken: no simulator either
        return False
    return bool(getattr(config, "ENABLE_CUDASIM", 0))


def cuda_available(simulator: bool = True) -> bool:
    """True when the CUDA kernels of this package can run.

    With ``simulator=True`` (default) Numba's CUDA simulator counts as available (tests);
    with ``simulator=False`` only a real GPU with a working driver does (use this to pick a
    device for production work: the simulator is thousands of times slower than the CPU
    engine). Never raises: a missing numba-cuda, driver or device gives False.
    """
    try:
        sim = is_simulator()
        if sim and not simulator:
            return False
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # any failure to load the driver means "no"
        return False


def device_name() -> str:
    """Name of the CUDA device the kernels run on, for provenance.

    E.g. "NVIDIA H100 80GB HBM3", "CUDA simulator", or "none" when no device is usable.
    """
    if not cuda_available():
        return "none"
    if is_simulator():
        return "CUDA simulator"
    try:
        from numba import cuda

        name = cuda.get_current_device().name
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:  # report, never fail, in provenance
        return "unknown CUDA device"


def __getattr__(name: str) -> Any:
    """Lazy access to the kernels' public API (imports ``numba.cuda`` on first use)."""
    if name == "batched_forces":
        from pelkit.engine.cuda.forces import batched_forces

        return batched_forces
    if name == "CudaReplicaMD":
        from pelkit.engine.cuda.md import CudaReplicaMD

        return CudaReplicaMD
    if name == "fire2_quench":
        from pelkit.engine.cuda.quench import fire2_quench

        return fire2_quench
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
