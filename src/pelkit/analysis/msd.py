"""Mean-square displacement (MSD) per species from unwrapped trajectories.

Definition (the KA local-diffusivity paper; docs/physics/ka-landscape.md, "Per-trajectory
quantities"):

    MSD_s(dt) = < |r_i(t0 + dt) - r_i(t0)|^2 >_{i in species s, origins t0}

averaged over the particles of species ``s`` and over many time origins ``t0``. Positions must be
*unwrapped* (wrapped position + image count * L); :func:`unwrap_with_images` and
:func:`unwrap_by_continuity` build them.

Lags are integer numbers of frames (the frame times must be equally spaced), either log-spaced
(default) or linear. For a lag of ``l`` frames every origin frame ``k`` (0, stride, 2 stride, ...)
with ``k + l < n_frames`` (and, if ``origin_max_time`` is given, ``t_k - t_0 <= origin_max_time``)
contributes; the number of origins used per lag is returned. The sum over lags, origins and
particles is a Numba kernel (O(n_lags n_origins N)); ``tests/validation/test_msd_reference.py``
checks it against a naive double loop.

Units: positions in sigma, times in tau, MSD in sigma^2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = [
    "MSDResult",
    "MSDBlocks",
    "log_spaced_lags",
    "linear_lags",
    "compute_msd",
    "msd_blocks",
    "per_trajectory_msd",
    "unwrap_with_images",
    "unwrap_by_continuity",
]


@dataclass(frozen=True)
class MSDResult:
    """MSD per species.

    Attributes:
        lag_frames: (n_lags,) lags in frames (int).
        lag_times: (n_lags,) lags in tau, ``times[l] - times[0]``.
        msd: (n_species, n_lags) MSD in sigma^2, row ``s`` for ``species[s]``.
        species: (n_species,) the species labels, sorted.
        n_particles: (n_species,) particles of each species.
        n_origins: (n_lags,) time origins averaged at each lag.
    """

    lag_frames: IntArray
    lag_times: FloatArray
    msd: FloatArray
    species: np.ndarray
    n_particles: IntArray
    n_origins: IntArray

    def of(self, label: object) -> FloatArray:
        """MSD (n_lags,) of the species with label ``label``."""
        hits = np.flatnonzero(self.species == label)
        if hits.size != 1:
            raise InputError(f"species {label!r} is not among {self.species.tolist()}")
        return self.msd[int(hits[0])]


@dataclass(frozen=True)
class MSDBlocks:
    """MSD of contiguous time blocks of one trajectory (for block error bars).

    Attributes:
        lag_frames: (n_lags,) lags in frames.
        lag_times: (n_lags,) lags in tau.
        msd: (n_blocks, n_species, n_lags) MSD of each block, sigma^2.
        species: (n_species,) species labels.
        n_origins: (n_blocks, n_lags) origins per block and lag.
        block_frames: frames per block.
    """

    lag_frames: IntArray
    lag_times: FloatArray
    msd: FloatArray
    species: np.ndarray
    n_origins: IntArray
    block_frames: int


@njit(cache=True, nogil=True, fastmath=False)
def _msd_sums(
    pos: np.ndarray,
    species_idx: np.ndarray,
    n_species: int,
    lag_frames: np.ndarray,
    origin_stride: int,
    n_origin_frames: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Sums of |r_i(k + l) - r_i(k)|^2 per species and lag, and the number of origins per lag.

    pos (F, N, 3) float64; species_idx (N,) int64 in [0, n_species); lag_frames (L,) int64 >= 1.
    Origins are k = 0, stride, 2 stride, ... < n_origin_frames with k + l < F.
    Returns sums (n_species, L) and counts (L,).
    """
    n_frames = pos.shape[0]
    n_part = pos.shape[1]
    n_lags = lag_frames.shape[0]
    sums = np.zeros((n_species, n_lags))
    counts = np.zeros(n_lags, dtype=np.int64)
    acc = np.zeros(n_species)
    for il in range(n_lags):
        lag = lag_frames[il]
        for s in range(n_species):
            acc[s] = 0.0
        k = 0
        while k < n_origin_frames and k + lag < n_frames:
            counts[il] += 1
            for i in range(n_part):
                dx = pos[k + lag, i, 0] - pos[k, i, 0]
                dy = pos[k + lag, i, 1] - pos[k, i, 1]
                dz = pos[k + lag, i, 2] - pos[k, i, 2]
                acc[species_idx[i]] += dx * dx + dy * dy + dz * dz
            k += origin_stride
        for s in range(n_species):
            sums[s, il] = acc[s]
    return sums, counts


def log_spaced_lags(max_lag: int, n_lags: int = 60) -> IntArray:
    """Distinct integer lags (frames), log-spaced from 1 to ``max_lag`` (both included).

    Returns (<= n_lags,) int64; fewer than ``n_lags`` when rounding makes short lags coincide.
    """
    max_lag = int(max_lag)
    if max_lag < 1:
        raise InputError(f"the largest lag must be at least 1 frame, got {max_lag}")
    if n_lags < 2:
        raise InputError(f"n_lags must be at least 2, got {n_lags}")
    raw = np.geomspace(1.0, float(max_lag), int(n_lags))
    return np.unique(np.round(raw).astype(np.int64))


def linear_lags(max_lag: int, step: int = 1) -> IntArray:
    """Lags step, 2 step, ... <= ``max_lag`` frames, (n_lags,) int64."""
    if step < 1 or max_lag < step:
        raise InputError(f"need 1 <= step <= max_lag, got step={step}, max_lag={max_lag}")
    return np.arange(int(step), int(max_lag) + 1, int(step), dtype=np.int64)


def _check_positions(positions: ArrayLike) -> FloatArray:
    try:
        pos = np.ascontiguousarray(positions, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"positions must be numeric: {exc}") from None
    if pos.ndim != 3 or pos.shape[2] != 3 or pos.shape[0] < 2 or pos.shape[1] < 1:
        raise InputError(
            f"positions must have shape (n_frames >= 2, N >= 1, 3), got {pos.shape}"
        )
    if not np.all(np.isfinite(pos)):
        raise InputError("positions contain NaN or infinite values")
    return pos


def _check_times(times: ArrayLike, n_frames: int) -> FloatArray:
    t = np.asarray(times, dtype=np.float64)
    if t.shape != (n_frames,):
        raise InputError(f"times must have shape ({n_frames},), got {t.shape}")
    if not np.all(np.isfinite(t)):
        raise InputError("times contain NaN or infinite values")
    dt = np.diff(t)
    if np.any(dt <= 0.0):
        raise InputError("frame times must be strictly increasing")
    mean_dt = (t[-1] - t[0]) / (n_frames - 1)
    if np.max(np.abs(dt - mean_dt)) > 1e-6 * mean_dt:
        raise InputError("frame times must be equally spaced for lag-based MSD averaging")
    return t


def _species_index(species: ArrayLike | None, n_part: int) -> tuple[np.ndarray, IntArray]:
    if species is None:
        return np.array([0]), np.zeros(n_part, dtype=np.int64)
    sp = np.asarray(species)
    if sp.shape != (n_part,):
        raise InputError(f"species must have shape ({n_part},), got {sp.shape}")
    labels, inverse = np.unique(sp, return_inverse=True)
    return labels, inverse.astype(np.int64)


def _resolve_lags(
    lags: str | ArrayLike,
    max_lag: int,
    n_lags: int,
    lag_step: int,
) -> IntArray:
    if isinstance(lags, str):
        if lags == "log":
            return log_spaced_lags(max_lag, n_lags)
        if lags == "linear":
            return linear_lags(max_lag, lag_step)
        raise InputError(f"lags must be 'log', 'linear' or an array of frame lags, got {lags!r}")
    arr = np.asarray(lags)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise InputError("explicit lags must be a non-empty 1-D array of integer frame counts")
    arr = arr.astype(np.int64)
    if np.any(arr < 1) or np.any(arr > max_lag):
        raise InputError(f"explicit lags must lie in [1, {max_lag}] frames")
    if np.any(np.diff(arr) <= 0):
        raise InputError("explicit lags must be strictly increasing")
    return arr


def _max_lag_frames(t: FloatArray, max_lag_time: float | None) -> int:
    n_frames = t.size
    if max_lag_time is None:
        return n_frames - 1
    dt = (t[-1] - t[0]) / (n_frames - 1)
    m = int(np.floor(max_lag_time / dt * (1.0 + 1e-9)))
    if m < 1:
        raise InputError(f"max_lag_time {max_lag_time:g} is shorter than one frame ({dt:g})")
    return min(m, n_frames - 1)


def _origin_frames(t: FloatArray, origin_max_time: float | None) -> int:
    if origin_max_time is None:
        return t.size
    if origin_max_time < 0.0:
        raise InputError(f"origin_max_time must be >= 0, got {origin_max_time:g}")
    span = t - t[0]
    tol = 1e-9 * max(span[-1], 1.0)
    return int(np.count_nonzero(span <= origin_max_time + tol))


def compute_msd(
    positions: ArrayLike,
    times: ArrayLike,
    species: ArrayLike | None = None,
    *,
    lags: str | ArrayLike = "log",
    n_lags: int = 60,
    lag_step: int = 1,
    max_lag_time: float | None = None,
    origin_stride: int = 1,
    origin_max_time: float | None = None,
) -> MSDResult:
    """MSD per species averaged over particles and time origins.

    Args:
        positions: (n_frames, N, 3) unwrapped positions, sigma.
        times: (n_frames,) equally spaced frame times, tau.
        species: (N,) labels (any sortable type); None = one species labelled 0.
        lags: "log" (``n_lags`` log-spaced), "linear" (every ``lag_step`` frames) or an explicit
            increasing int array of frame lags.
        max_lag_time: largest lag in tau (default: the whole run).
        origin_stride: use every ``origin_stride``-th frame as a time origin.
        origin_max_time: only origins with t0 - times[0] <= origin_max_time (the KA
        local-diffusivity paper's
            window t0 in [0, t_MSD=1]); default all.

    Returns:
        :class:`MSDResult`, MSD_s(dt) = sum_{t0} sum_{i in s} |r_i(t0+dt) - r_i(t0)|^2
        / (n_origins * N_s).

    Raises:
        InputError: bad shapes, non-finite input, unequally spaced times, or a lag with no origin.
    """
    pos = _check_positions(positions)
    t = _check_times(times, pos.shape[0])
    labels, idx = _species_index(species, pos.shape[1])
    if int(origin_stride) < 1:
        raise InputError(f"origin_stride must be >= 1, got {origin_stride}")
    lag_frames = _resolve_lags(lags, _max_lag_frames(t, max_lag_time), n_lags, lag_step)
    n_origin_frames = _origin_frames(t, origin_max_time)
    sums, counts = _msd_sums(
        pos, idx, labels.size, lag_frames, int(origin_stride), n_origin_frames
    )
    if np.any(counts == 0):
        bad = lag_frames[counts == 0][0]
        raise InputError(f"lag of {bad} frames has no time origin: the run is too short for it")
    n_per = np.bincount(idx, minlength=labels.size).astype(np.int64)
    msd = sums / (counts[None, :] * n_per[:, None])
    return MSDResult(
        lag_frames=lag_frames,
        lag_times=t[lag_frames] - t[0],
        msd=msd,
        species=labels,
        n_particles=n_per,
        n_origins=counts,
    )


def msd_blocks(
    positions: ArrayLike,
    times: ArrayLike,
    species: ArrayLike | None = None,
    *,
    n_blocks: int = 4,
    lags: str | ArrayLike = "log",
    n_lags: int = 40,
    lag_step: int = 1,
    origin_stride: int = 1,
) -> MSDBlocks:
    """MSD of ``n_blocks`` contiguous, non-overlapping time blocks of one trajectory.

    Each block of ``F // n_blocks`` frames is analysed on its own (lags shorter than a block),
    giving nearly independent MSD curves whose spread feeds a block error on D
    (:func:`pelkit.analysis.diffusion.fit_diffusion` ``msd_blocks=``).

    Args: as :func:`compute_msd`; positions (F, N, 3) sigma, times (F,) tau.
    Returns: :class:`MSDBlocks` with msd (n_blocks, n_species, n_lags).
    """
    pos = _check_positions(positions)
    t = _check_times(times, pos.shape[0])
    if n_blocks < 2:
        raise InputError(f"n_blocks must be at least 2, got {n_blocks}")
    block = pos.shape[0] // int(n_blocks)
    if block < 2:
        raise InputError(f"{pos.shape[0]} frames cannot be split into {n_blocks} blocks")
    lag_frames = _resolve_lags(lags, block - 1, n_lags, lag_step)
    labels, idx = _species_index(species, pos.shape[1])
    n_per = np.bincount(idx, minlength=labels.size).astype(np.int64)
    out = np.empty((n_blocks, labels.size, lag_frames.size))
    counts_all = np.empty((n_blocks, lag_frames.size), dtype=np.int64)
    for b in range(n_blocks):
        chunk = np.ascontiguousarray(pos[b * block : (b + 1) * block])
        sums, counts = _msd_sums(chunk, idx, labels.size, lag_frames, int(origin_stride), block)
        out[b] = sums / (counts[None, :] * n_per[:, None])
        counts_all[b] = counts
    return MSDBlocks(
        lag_frames=lag_frames,
        lag_times=t[lag_frames] - t[0],
        msd=out,
        species=labels,
        n_origins=counts_all,
        block_frames=block,
    )


def per_trajectory_msd(
    trajectories: Sequence[ArrayLike] | ArrayLike,
    times: ArrayLike,
    species: ArrayLike | None = None,
    *,
    select: object = None,
    origin_max_time: float | None = None,
    max_lag_time: float | None = None,
    lags: str | ArrayLike = "linear",
    n_lags: int = 60,
    lag_step: int = 1,
    origin_stride: int = 1,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """MSD_i(dt) of one species for each of many independent trajectories (the KA local-diffusivity
    paper; docs/physics/ka-landscape.md).

    The recipe of the KA local-diffusivity paper (docs/physics/ka-landscape.md): run each
    trajectory to 2 t_MSD=1 and average over origins t0 in [0, t_MSD=1] (``origin_max_time``)
    at lags dt <= t_MSD=1 (``max_lag_time``).

    Args:
        trajectories: (n_traj, F, N, 3) array or a sequence of (F, N, 3) unwrapped positions, sigma.
        times: (F,) equally spaced frame times shared by all trajectories, tau.
        species: (N,) labels; ``select`` picks the species analysed (default: the first label;
            with species None all particles).
        Other args: as :func:`compute_msd` (linear lags by default).

    Returns:
        lag_times (n_lags,) tau, msd (n_traj, n_lags) sigma^2, n_origins (n_lags,).
    """
    trajs = list(trajectories)
    if not trajs:
        raise InputError("no trajectories given")
    first = _check_positions(trajs[0])
    t = _check_times(times, first.shape[0])
    labels, idx = _species_index(species, first.shape[1])
    chosen = labels[0] if select is None else select
    hits = np.flatnonzero(labels == chosen)
    if hits.size != 1:
        raise InputError(f"species {chosen!r} is not among {labels.tolist()}")
    mask = idx == int(hits[0])
    lag_frames = _resolve_lags(lags, _max_lag_frames(t, max_lag_time), n_lags, lag_step)
    n_origin_frames = _origin_frames(t, origin_max_time)
    sub_idx = np.zeros(int(mask.sum()), dtype=np.int64)
    out = np.empty((len(trajs), lag_frames.size))
    counts = np.zeros(lag_frames.size, dtype=np.int64)
    for j, traj in enumerate(trajs):
        pos = first if j == 0 else _check_positions(traj)
        if pos.shape != first.shape:
            raise InputError(
                f"trajectory {j} has shape {pos.shape}, expected {first.shape} like trajectory 0"
            )
        sel = np.ascontiguousarray(pos[:, mask, :])
        sums, counts = _msd_sums(
            sel, sub_idx, 1, lag_frames, int(origin_stride), n_origin_frames
        )
        if np.any(counts == 0):
            bad = lag_frames[counts == 0][0]
            raise InputError(f"lag of {bad} frames has no time origin: the run is too short")
        out[j] = sums[0] / (counts * sub_idx.size)
    return t[lag_frames] - t[0], out, counts


def unwrap_with_images(
    wrapped: ArrayLike, images: ArrayLike, box_lengths: ArrayLike
) -> FloatArray:
    """Unwrapped positions r + n L from wrapped positions and integer image counts.

    wrapped (..., N, 3) sigma, images (..., N, 3) int, box_lengths (3,) sigma.
    """
    r = np.asarray(wrapped, dtype=np.float64)
    n = np.asarray(images)
    L = np.asarray(box_lengths, dtype=np.float64)
    if r.shape != n.shape or r.shape[-1] != 3 or L.shape != (3,):
        raise InputError(
            f"wrapped {r.shape} and images {n.shape} must match with last axis 3; box (3,)"
        )
    return r + n * L


def unwrap_by_continuity(wrapped: ArrayLike, box_lengths: ArrayLike) -> FloatArray:
    """Unwrap a wrapped trajectory (F, N, 3) assuming no particle moves more than L/2 per frame.

    r_u(0) = r(0); r_u(k) = r_u(k-1) + minimum_image(r(k) - r(k-1)). Valid only for frames close
    enough in time; prefer :func:`unwrap_with_images` when image counts are stored.
    """
    r = _check_positions(wrapped)
    L = np.asarray(box_lengths, dtype=np.float64)
    if L.shape != (3,) or np.any(L <= 0):
        raise InputError("box_lengths must be three positive numbers")
    d = np.diff(r, axis=0)
    d -= L * np.round(d / L)
    out = np.empty_like(r)
    out[0] = r[0]
    np.cumsum(d, axis=0, out=out[1:])
    out[1:] += r[0]
    return out
