"""The ``cuda`` name every kernel module of this package uses (real numba.cuda on a GPU).

Under Numba's CUDA simulator a device function temporarily swaps its module's global ``cuda``
for the simulated kernel API while it runs and swaps it back when it returns. When threads of
a simulated block run device functions of a module other than the kernel's own at the same
time, the first to return restores the real module under the feet of the others
("module 'numba.cuda' has no attribute 'syncthreads'"). Under the simulator, ``cuda`` is
therefore a small proxy that the simulator never swaps: it forwards to the running kernel's
simulated API and otherwise to ``numba.cuda``. On a real device it *is* ``numba.cuda``.

``floor`` is ``math.floor`` on a device (float in, float out, NaN and inf pass through); the
simulator runs Python's ``math.floor``, which raises on NaN and inf, so there it passes
non-finite values through as the device does (a blown-up replica must not crash the launch).
"""

from __future__ import annotations

import math
from typing import Any

from numba import cuda as _numba_cuda
from numba.core import config

if config.ENABLE_CUDASIM:
    from numba.cuda.simulator import kernel as _sim_kernel

    class _SimulatorCuda:
        """Forwards to the simulated kernel API during a launch, else to numba.cuda."""

        def __getattr__(self, name: str) -> Any:
            context = _sim_kernel._get_kernel_context()
            if context is not None:
                try:
                    return getattr(context, name)
                except AttributeError:
                    pass
            return getattr(_numba_cuda, name)

    cuda: Any = _SimulatorCuda()

    def floor(x: float) -> float:
        """math.floor with the device's handling of NaN and inf."""
        return math.floor(x) if math.isfinite(x) else x

else:
    cuda = _numba_cuda
    floor = math.floor

__all__ = ["cuda", "floor"]
