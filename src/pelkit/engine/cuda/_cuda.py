"""The ``cuda`` name every kernel module of this package uses (real numba.cuda on a GPU).

Under Numba's CUDA simulator a device function temporarily swaps its module's global ``cuda``
for the simulated kernel API while it runs and swaps it back when it returns. When threads of
a simulated block run device functions of a module other than the kernel's own at the same
time, the first to return restores the real module under the feet of the others
("module 'numba.cuda' has no attribute 'syncthreads'"). Under the simulator, ``cuda`` is
therefore a small proxy that the simulator never swaps: it forwards to the running kernel's
simulated API and otherwise to ``numba.cuda``. On a real device it *is* ``numba.cuda``.
"""

from __future__ import annotations

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
else:
    cuda = _numba_cuda

__all__ = ["cuda"]
