"""Run the CUDA kernels of ``pelkit.engine.cuda`` in Numba's CUDA simulator (no GPU needed).

``NUMBA_ENABLE_CUDASIM`` must be set before ``numba.cuda`` is first imported. Other test
modules of the same pytest process may already have imported numba (which reads its
configuration once), so the configuration is reloaded here; nothing in pelkit imports
``numba.cuda`` before a kernel is used, so the simulator is then what the kernels get. If
something did import the real ``numba.cuda`` first, the tests fail with a message instead of
silently running elsewhere. Setting ``NUMBA_ENABLE_CUDASIM=0`` in the environment runs the same
tests on a real GPU.

The simulator runs every CUDA thread as a Python thread and the launching thread polls them;
a short GIL switch interval (restored after each test) makes its barriers ~6x faster.
"""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
from numba.core import config  # noqa: E402

if "numba.cuda" not in sys.modules:
    config.reload_config()
    import numba.cuda  # noqa: E402, F401  (fix the simulator/driver choice now)

WANT_SIMULATOR = os.environ["NUMBA_ENABLE_CUDASIM"] != "0"
ON_SIMULATOR = "numba.cuda.simulator_init" in sys.modules


@pytest.fixture(autouse=True)
def _cuda_backend():
    """Fail clearly if the simulator was requested but the real numba.cuda got loaded; speed
    up the simulator's thread barriers for the duration of the test."""
    if WANT_SIMULATOR and not ON_SIMULATOR:
        pytest.fail(
            "numba.cuda was imported without the CUDA simulator before these tests; run them "
            "with NUMBA_ENABLE_CUDASIM=1 in the environment"
        )
    if not WANT_SIMULATOR:
        from pelkit.engine.cuda import cuda_available

        if not cuda_available(simulator=False):
            pytest.skip("NUMBA_ENABLE_CUDASIM=0 but no CUDA GPU is available")
    old = sys.getswitchinterval()
    sys.setswitchinterval(5e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(old)

