"""Limit the BLAS thread pool while a solver or a task runs.

Iterative solvers on long vectors (NEB bands, Lanczos on 3N-vectors) call level-1/2 BLAS on
arrays just above OpenBLAS's threading threshold, where a thread team costs more than it saves.
The NEB band vectors (M - 2) * 3N exceed OpenBLAS's threading threshold for dot products
(~10^4 elements), so every FIRE step starts and joins a thread team. On a machine whose cores
are busy (Dask workers, other processes) that synchronisation dominated: measured on 2 cores,
300 NEB iterations of N = 200 with 20 images took 15.5 s with the default pool and 1.3 s with
one thread. Dask's nanny already starts workers with OPENBLAS_NUM_THREADS=1; this context
manager does the same for tasks run in-process (scheduler "sync" or "threads").

It calls the ``*_set_num_threads`` entry points of the OpenBLAS libraries already loaded into
the process (numpy's and scipy's wheels bundle one each, with prefixed symbol names), as
``threadpoolctl`` does; other BLAS libraries (MKL) and libraries it cannot find are left alone.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_SET = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
        "openblas_set_num_threads64_", "openblas_set_num_threads")
_GET = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
        "openblas_get_num_threads64_", "openblas_get_num_threads")


def _openblas_handles() -> list[tuple[object, object]]:
    """(set, get) function pairs of every OpenBLAS library mapped into this process."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            paths = sorted({line.split()[-1] for line in fh if "openblas" in line.lower()
                            and line.split()[-1].startswith("/")})
    except OSError:
        return []
    handles = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SET if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GET if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            getter.restype = ctypes.c_int
            handles.append((setter, getter))
    return handles


_LOCK = threading.Lock()
_STATE: dict = {"depth": 0, "restore": []}


@contextmanager
def limit_blas_threads(n: int = 1) -> Iterator[None]:
    """Run the block with at most ``n`` BLAS threads; the previous sizes are restored when the
    last of any nested or concurrent (scheduler "threads") blocks ends, so that no task ever
    runs with the restored pool while another is inside the block (thread counts change the
    summation order of BLAS reductions, hence the last bits of results)."""
    with _LOCK:
        if _STATE["depth"] == 0:
            _STATE["restore"] = _apply(n)
        _STATE["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _STATE["depth"] -= 1
            if _STATE["depth"] == 0:
                for undo in _STATE["restore"]:
                    undo()
                _STATE["restore"] = []


def _apply(n: int) -> list:
    """Set the BLAS pools to ``n`` threads; returns the callables that undo it."""
    undo = []
    for setter, getter in _openblas_handles():
        old = int(getter())
        setter(ctypes.c_int(n))
        undo.append(lambda setter=setter, old=old: setter(ctypes.c_int(old)))
    return undo
