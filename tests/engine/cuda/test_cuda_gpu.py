"""The CUDA backend on a real GPU (skipped, with a message, where there is none)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NO_GPU = 77


@pytest.mark.gpu
def test_kernels_on_a_real_gpu():
    """Runs gpu_check.py in a fresh process without the simulator (see its docstring)."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    script = Path(__file__).with_name("gpu_check.py")
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=1200)
    if proc.returncode == NO_GPU:
        pytest.skip("no CUDA GPU here (numba-cuda found no device): the real-device check of "
                    "pelkit.engine.cuda needs one")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK on" in proc.stdout
