"""The device random streams: seeding and draws equal numba.cuda.random's xoroshiro128+."""

from __future__ import annotations

import warnings

import numpy as np
from numba import cuda

from pelkit.engine.cuda.device import uniform
from pelkit.engine.cuda.rng import STATE_DTYPE, replica_streams

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # under the simulator numba.cuda.random is object mode
    from numba.cuda.random import (
        init_xoroshiro128p_states_cpu,
        xoroshiro128p_dtype,
        xoroshiro128p_uniform_float64,
    )


@cuda.jit
def _draw(states, out):
    t = cuda.threadIdx.x
    for k in range(out.shape[1]):
        out[t, k] = uniform(states, t)


@cuda.jit
def _draw_numba(states, out):
    t = cuda.threadIdx.x
    for k in range(out.shape[1]):
        out[t, k] = xoroshiro128p_uniform_float64(states, t)


def test_seeding_equals_numba_initialiser():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Numba's host initialiser is object mode here
        assert STATE_DTYPE == xoroshiro128p_dtype
        for seed in (0, 12345, 2**63 + 11):
            ref = np.empty(4, dtype=xoroshiro128p_dtype)
            init_xoroshiro128p_states_cpu(ref, np.uint64(seed), 0)
            ours = replica_streams([seed], 4).view(STATE_DTYPE).reshape(-1)
            np.testing.assert_array_equal(ours, ref)
    both = replica_streams([5, 6], 3)
    np.testing.assert_array_equal(both[:3], replica_streams([5], 3))
    np.testing.assert_array_equal(both[3:], replica_streams([6], 3))


def test_device_uniforms_equal_numba_draws():
    states = replica_streams([42], 4)
    ours = np.zeros((4, 16))
    _draw[1, 4](states.copy(), ours)
    ref = np.zeros((4, 16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _draw_numba[1, 4](states.view(STATE_DTYPE).reshape(-1).copy(), ref)
    np.testing.assert_array_equal(ours, ref)
    assert np.all((ours >= 0.0) & (ours < 1.0)) and len(np.unique(ours)) == ours.size
