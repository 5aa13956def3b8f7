"""Per-replica seeding of the device random streams (xoroshiro128+, host side, no CUDA).

Replica r with seed s_r owns T streams (one per thread of its block): stream 0 starts from
SplitMix64(s_r) (Steele, Lea & Flood, OOPSLA 2014) in both state words, and stream k + 1 is
stream k advanced by 2^64 steps with the xoroshiro128+ jump polynomial (Blackman & Vigna,
"Scrambled linear pseudorandom number generators", ACM TOMS 47, 36 (2021)). This is the state
layout and generator of :mod:`numba.cuda.random` (viewed as :data:`STATE_DTYPE` records the
states are what its ``init_xoroshiro128p_states`` produces), computed here in compiled CPU
code: Numba's own host initialiser falls back to object mode (slow, with warnings) under the
CUDA simulator. The device side draws with :func:`pelkit.engine.cuda.device.uniform`.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

STATE_DTYPE = np.dtype([("s0", np.uint64), ("s1", np.uint64)], align=True)
"""The dtype of one stream's state (equal to ``numba.cuda.random.xoroshiro128p_dtype``)."""

_JUMP = np.array([0xBEAC0467EBA5FACB, 0xD86B048B86AA9922], dtype=np.uint64)


@njit(cache=True, nogil=True)
def _splitmix64(seed):
    z = seed + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, nogil=True)
def _next(s0, s1):
    """One xoroshiro128+ step (a = 55, b = 14, c = 36): the new (s0, s1)."""
    s1 ^= s0
    return _rotl(s0, 55) ^ s1 ^ (s1 << np.uint64(14)), _rotl(s1, 36)


@njit(cache=True, nogil=True)
def _fill(out, seeds, per_replica, jump):
    """out (M * per_replica, 2) uint64: the streams of each replica (module doc)."""
    one = np.uint64(1)
    for r in range(seeds.shape[0]):
        z = _splitmix64(seeds[r])
        s0 = z
        s1 = z
        for k in range(per_replica):
            if k > 0:
                j0 = np.uint64(0)
                j1 = np.uint64(0)
                for w in range(2):
                    for b in range(64):
                        if jump[w] & (one << np.uint64(b)):
                            j0 ^= s0
                            j1 ^= s1
                        s0, s1 = _next(s0, s1)
                s0 = j0
                s1 = j1
            out[r * per_replica + k, 0] = s0
            out[r * per_replica + k, 1] = s1


def replica_streams(seeds: ArrayLike, per_replica: int) -> NDArray[np.uint64]:
    """(M * per_replica, 2) uint64 stream states (s0, s1) for seeds (M,) >= 0; view them as
    :data:`STATE_DTYPE` records for ``numba.cuda.random``."""
    s = np.ascontiguousarray(seeds, dtype=np.uint64).reshape(-1)
    raw = np.zeros((s.shape[0] * int(per_replica), 2), dtype=np.uint64)
    _fill(raw, s, int(per_replica), _JUMP)
    return raw
