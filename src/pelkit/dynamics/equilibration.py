"""Glass-preparation diagnostics: is a swap-MC (or MD, or hybrid) run at equilibrium?

A sample prepared at T_f is called equilibrated only if (the criteria of docs/physics/tls-qlm.md,
"Glasses by swap Monte Carlo"):
1. its energy does not drift: the means of U/N over the two halves of the run differ by less than
   ``z_max`` (default 3) combined standard errors. Each half's error is estimated by block
   averaging (Flyvbjerg & Petersen, J. Chem. Phys. 91, 461 (1989): the largest standard error
   over the blocking levels that keep at least ``min_blocks`` blocks); the combined error is
   sqrt(2) times the smaller of the two (see :func:`halves_test`);
2. its swap acceptance is stable: the same two-halves test on the per-sweep acceptance fraction
   (skipped, and said so, when no swaps were attempted);
3. its structure has relaxed: the self-intermediate scattering function
   F_s(k, t) = < (1/N) sum_i sin(k |dr_i(t)|) / (k |dr_i(t)|) >_origins
   (the exact spherical average of cos(k . dr_i)), at the lag of ``fs_lag_fraction`` (default 1/2)
   of the run, is below ``fs_threshold`` (default 0.1: decayed by a factor 10, "by a large
   factor"); 1/e gives the usual alpha-relaxation criterion. dr_i are unwrapped displacements,
   the centre-of-mass displacement removed by default.
Otherwise the verdict says False with the reasons: the diagnostics refuse to call such a sample
equilibrated.

Wavenumber. The default k is the first peak of the static structure factor. For the swap
model of Khomenko, Reichman and Zamponi (2021) at rho = 1 (per-particle mean diameter 1) we
measured S(k) on a T = 0.15 liquid of N = 1000 and found the peak at k = 7.0 = 1.114
(2 pi / <sigma>); we use k = 7.0 (rho <sigma>^3)^(1/3) / <sigma>. For species models (no
diameters) the Kob-Andersen convention k = 7.25 (rho / 1.2)^(1/3) in sigma_AA^-1 is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]

SWAP_PEAK_K = 7.0  # first S(k) peak, swap model, rho = 1, <sigma> = 1 (module doc)
KA_PEAK_K = 7.25  # Kob-Andersen, rho = 1.2, sigma_AA = 1
DEFAULT_Z_MAX = 3.0
DEFAULT_MIN_BLOCKS = 8
DEFAULT_FS_THRESHOLD = 0.1
DEFAULT_FS_LAG_FRACTION = 0.5
MIN_SAMPLES = 16
MIN_SNAPSHOTS = 3
FS_CHUNK_ELEMENTS = 1_000_000  # particle displacements per F_s batch


class NotEquilibratedError(InputError):
    """A sample was required to be equilibrated and the diagnostics say it is not."""


def default_wavenumber(mean_diameter: float | None, density: float) -> float:
    """First-peak wavenumber k in 1/sigma (module doc).

    Diameter systems: 7.0 (rho <sigma>^3)^(1/3) / <sigma>; species systems (mean_diameter None):
    7.25 (rho / 1.2)^(1/3).
    """
    if not (np.isfinite(density) and density > 0):
        raise InputError(f"density must be positive, got {density}")
    if mean_diameter is None:
        return KA_PEAK_K * (density / 1.2) ** (1.0 / 3.0)
    if not (np.isfinite(mean_diameter) and mean_diameter > 0):
        raise InputError(f"mean diameter must be positive, got {mean_diameter}")
    return SWAP_PEAK_K * (density * mean_diameter**3) ** (1.0 / 3.0) / mean_diameter


def blocking_standard_error(x: ArrayLike, min_blocks: int = DEFAULT_MIN_BLOCKS) -> float:
    """Standard error of the mean of a correlated series by block averaging.

    Level 0 uses blocks of 1 sample; each level halves the number of blocks. At each level the
    error is std(block means, ddof=1) / sqrt(n_blocks); the largest over the levels with at
    least ``min_blocks`` blocks is returned (NaN when the series has fewer than min_blocks
    samples).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if min_blocks < 2:
        raise InputError("block averaging needs at least 2 blocks")
    if x.size < min_blocks:
        return float("nan")
    best = 0.0
    size = 1
    while x.size // size >= min_blocks:
        nb = x.size // size
        means = x[: nb * size].reshape(nb, size).mean(axis=1)
        best = max(best, float(np.std(means, ddof=1) / math.sqrt(nb)))
        size *= 2
    return best


def halves_test(
    x: ArrayLike, z_max: float = DEFAULT_Z_MAX, min_blocks: int = DEFAULT_MIN_BLOCKS
) -> dict:
    """Compare the means of the two halves of a series (drift test).

    Returns a dict: mean_first, mean_second, se_first, se_second (block averaging), difference
    (second - first), z = |difference| / (sqrt(2) min(se_first, se_second)) (0 when both the
    difference and the error vanish, inf when only the error vanishes), z_max, samples, passed.
    The smaller error is used because a transient inflates the blocking error of its own half
    and would otherwise mask the very drift being tested.
    A series shorter than 2 min_blocks fails with ``too_short``.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    out: dict = {"samples": int(x.size), "z_max": float(z_max)}
    if x.size < 2 * min_blocks or not np.all(np.isfinite(x)):
        out.update(passed=False, too_short=bool(x.size < 2 * min_blocks), z=None)
        return out
    half = x.size // 2
    first, second = x[:half], x[x.size - half :]
    m1, m2 = float(first.mean()), float(second.mean())
    s1 = blocking_standard_error(first, min_blocks)
    s2 = blocking_standard_error(second, min_blocks)
    diff = m2 - m1
    # Under stationarity s1 ~ s2. A transient in one half inflates that half's blocking error
    # (its block means follow the trend), which would hide the drift; the smaller of the two
    # errors is the stationary estimate, so the combined error is sqrt(2) min(s1, s2).
    se = math.sqrt(2.0) * min(s1, s2)
    if se > 0:
        z = abs(diff) / se
    else:
        z = 0.0 if diff == 0 else math.inf
    out.update(
        mean_first=m1, mean_second=m2, se_first=s1, se_second=s2, difference=diff, z=z,
        passed=bool(z <= z_max), too_short=False,
    )
    return out


def self_intermediate_scattering(
    snapshots: ArrayLike,
    k: float,
    remove_com: bool = True,
    max_lag: int | None = None,
) -> tuple[NDArray[np.int64], FloatArray, NDArray[np.int64]]:
    """F_s(k, t) from equally spaced snapshots of unwrapped positions, averaged over origins.

    F_s(k, m) = mean over origins o and particles i of sin(k d) / (k d), d = |r_i(o + m) - r_i(o)|
    (minus the centre-of-mass displacement when ``remove_com``). For isotropic Gaussian
    displacements F_s = exp(-k^2 <d^2> / 6).

    Args:
        snapshots: (M, N, 3) unwrapped positions (sigma), equally spaced in time.
        k: wavenumber (1/sigma).
        remove_com: subtract the mean displacement of all particles.
        max_lag: largest lag in snapshot intervals (default M - 1).

    Returns:
        (lags (L,) in snapshot intervals 0..max_lag, F_s (L,), number of origins per lag (L,)).
    """
    snaps = np.asarray(snapshots, dtype=np.float64)
    if snaps.ndim != 3 or snaps.shape[2] != 3 or snaps.shape[0] < 1 or snaps.shape[1] < 1:
        raise InputError(f"snapshots must have shape (M, N, 3), got {snaps.shape}")
    if not (np.isfinite(k) and k > 0):
        raise InputError(f"wavenumber must be positive, got {k}")
    m_frames = snaps.shape[0]
    max_lag = m_frames - 1 if max_lag is None else int(min(max_lag, m_frames - 1))
    lags = np.arange(max_lag + 1, dtype=np.int64)
    fs = np.ones(max_lag + 1)
    origins = (m_frames - lags).astype(np.int64)
    chunk = max(1, FS_CHUNK_ELEMENTS // snaps.shape[1])  # origins per batch (bounded memory)
    for lag in range(1, max_lag + 1):
        total = 0.0
        for start in range(0, m_frames - lag, chunk):
            stop = min(start + chunk, m_frames - lag)
            d = snaps[start + lag : stop + lag] - snaps[start:stop]  # (origins, N, 3)
            if remove_com:
                d = d - d.mean(axis=1, keepdims=True)
            kr = k * np.sqrt(np.einsum("oij,oij->oi", d, d))
            total += float(np.sinc(kr / np.pi).sum())  # np.sinc(x) = sin(pi x)/(pi x)
        fs[lag] = total / ((m_frames - lag) * snaps.shape[1])
    return lags, fs, origins


def relaxation_time(times: ArrayLike, fs: ArrayLike, level: float = math.exp(-1.0)) -> float:
    """First time at which F_s falls below ``level`` (linear interpolation); NaN if never."""
    t = np.asarray(times, dtype=np.float64)
    f = np.asarray(fs, dtype=np.float64)
    below = np.nonzero(f < level)[0]
    if below.size == 0:
        return float("nan")
    j = int(below[0])
    if j == 0:
        return float(t[0])
    f0, f1 = f[j - 1], f[j]
    return float(t[j - 1] + (t[j] - t[j - 1]) * (f0 - level) / (f0 - f1))


@dataclass
class EquilibrationVerdict:
    """The equilibrium verdict of a run (module doc).

    Attributes:
        equilibrated: True only if every applicable check passed.
        reasons: one sentence per check, failures first.
        checks: per check ("energy_drift", "swap_acceptance", "fs_decay") its numbers and
            ``passed``.
        settings: the thresholds used.
    """

    equilibrated: bool
    reasons: list[str]
    checks: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """JSON-able form."""
        return {
            "equilibrated": self.equilibrated,
            "reasons": list(self.reasons),
            "checks": self.checks,
            "settings": self.settings,
        }

    def require(self) -> None:
        """Raise :class:`NotEquilibratedError` unless the sample is equilibrated."""
        if not self.equilibrated:
            failed = [r for r in self.reasons if r.startswith("FAIL")]
            raise NotEquilibratedError(
                "sample is not equilibrated: " + "; ".join(failed or self.reasons)
            )


def equilibration_verdict(
    energies: ArrayLike,
    snapshots: ArrayLike,
    snapshot_times: ArrayLike,
    k: float,
    swap_accepted: ArrayLike | None = None,
    swap_attempted: ArrayLike | None = None,
    z_max: float = DEFAULT_Z_MAX,
    min_blocks: int = DEFAULT_MIN_BLOCKS,
    fs_threshold: float = DEFAULT_FS_THRESHOLD,
    fs_lag_fraction: float = DEFAULT_FS_LAG_FRACTION,
    remove_com: bool = True,
    time_unit: str = "sweeps",
) -> EquilibrationVerdict:
    """Judge a run: energy drift, swap-acceptance stability, F_s decay (module doc).

    Args:
        energies: (S,) energy per particle (eps) at equally spaced times (e.g. after each sweep).
        snapshots: (M, N, 3) unwrapped positions at ``snapshot_times`` (M,), equally spaced.
        k: wavenumber for F_s (1/sigma), e.g. :func:`default_wavenumber`.
        swap_accepted, swap_attempted: (S,) swaps per sweep (None: no swap check).
        z_max: allowed |difference of half means| in combined standard errors.
        min_blocks: fewest blocks in block averaging (series need >= 2 min_blocks samples).
        fs_threshold: F_s must be below this at the test lag (0.1 = decayed tenfold; 1/e is the
            usual tau_alpha criterion).
        fs_lag_fraction: the test lag as a fraction of the snapshot span (default 1/2).
        remove_com: remove centre-of-mass displacement in F_s.
        time_unit: word used in the reasons for the time axis.
    """
    if not (np.isfinite(z_max) and z_max > 0):
        raise InputError(f"z_max must be positive, got {z_max}")
    if not 0 < fs_threshold < 1:
        raise InputError(f"F_s threshold must lie in (0, 1), got {fs_threshold}")
    if not 0 < fs_lag_fraction <= 1:
        raise InputError(f"F_s lag fraction must lie in (0, 1], got {fs_lag_fraction}")
    checks: dict = {}
    passes: list[str] = []
    fails: list[str] = []

    # 1. energy drift between the halves
    e = halves_test(energies, z_max, min_blocks)
    checks["energy_drift"] = e
    if e["z"] is None:
        fails.append(
            f"FAIL energy drift: {e['samples']} energy samples are too few for the two-halves "
            f"test (need at least {2 * min_blocks} finite values)"
        )
    else:
        text = (
            f"energy drift: <e>_2 - <e>_1 = {e['difference']:.3g} is {e['z']:.2f} combined "
            f"standard errors (limit {z_max:g})"
        )
        (passes if e["passed"] else fails).append(("ok " if e["passed"] else "FAIL ") + text)

    # 2. swap acceptance stability
    if swap_attempted is None or swap_accepted is None:
        checks["swap_acceptance"] = {"applicable": False, "passed": True}
        passes.append("ok swap acceptance: not applicable (no swap moves recorded)")
    else:
        acc = np.asarray(swap_accepted, dtype=np.float64).ravel()
        att = np.asarray(swap_attempted, dtype=np.float64).ravel()
        if acc.shape != att.shape:
            raise InputError("swap_accepted and swap_attempted must have the same length")
        if not np.any(att > 0):
            checks["swap_acceptance"] = {"applicable": False, "passed": True}
            passes.append("ok swap acceptance: not applicable (no swaps attempted)")
        else:
            mask = att > 0
            a = halves_test(acc[mask] / att[mask], z_max, min_blocks)
            a["applicable"] = True
            checks["swap_acceptance"] = a
            if a["z"] is None:
                fails.append(
                    f"FAIL swap acceptance: {a['samples']} samples are too few for the "
                    "two-halves test"
                )
            else:
                text = (
                    f"swap acceptance: {a['mean_first']:.4f} then {a['mean_second']:.4f}, "
                    f"{a['z']:.2f} combined standard errors apart (limit {z_max:g})"
                )
                (passes if a["passed"] else fails).append(
                    ("ok " if a["passed"] else "FAIL ") + text
                )

    # 3. decay of F_s
    snaps = np.asarray(snapshots, dtype=np.float64)
    times = np.asarray(snapshot_times, dtype=np.float64).ravel()
    if snaps.ndim != 3 or snaps.shape[0] != times.size:
        raise InputError(
            f"snapshots {snaps.shape} and snapshot times ({times.size},) do not match"
        )
    fs_check: dict = {"k": float(k), "threshold": float(fs_threshold)}
    if times.size < MIN_SNAPSHOTS:
        fs_check.update(passed=False)
        fails.append(
            f"FAIL F_s decay: {times.size} snapshots are too few (need at least {MIN_SNAPSHOTS})"
        )
    else:
        steps = np.diff(times)
        if np.any(steps <= 0) or not np.allclose(steps, steps[0], rtol=1e-9, atol=0):
            raise InputError("snapshot times must be equally spaced and increasing")
        test_lag = max(1, int(math.floor(fs_lag_fraction * (times.size - 1) + 1e-9)))
        lags, fs, origins = self_intermediate_scattering(snaps, k, remove_com)
        lag_times = lags * steps[0]
        value = float(fs[test_lag])
        tau = relaxation_time(lag_times, fs)
        passed = bool(value < fs_threshold)
        fs_check.update(
            test_lag=float(lag_times[test_lag]), fs_at_test_lag=value,
            tau_alpha=tau, lag_times=lag_times.tolist(), fs=fs.tolist(), passed=passed,
        )
        text = (
            f"F_s decay: F_s(k={k:.3g}, t={lag_times[test_lag]:.4g} {time_unit}) = {value:.3g} "
            f"(must be below {fs_threshold:.3g}); tau_alpha(1/e) = "
            + (f"{tau:.4g} {time_unit}" if np.isfinite(tau) else "not reached")
        )
        (passes if passed else fails).append(("ok " if passed else "FAIL ") + text)
    checks["fs_decay"] = fs_check

    equilibrated = not fails
    return EquilibrationVerdict(
        equilibrated=equilibrated,
        reasons=fails + passes,
        checks=checks,
        settings={
            "z_max": z_max, "min_blocks": min_blocks, "fs_threshold": fs_threshold,
            "fs_lag_fraction": fs_lag_fraction, "remove_com": remove_com, "k": float(k),
            "time_unit": time_unit,
        },
    )


def _default_k(result) -> float:  # noqa: ANN001 - SwapMCResult or HybridResult
    diams = result.snapshot_diameters
    mean_d = None if diams is None else float(np.mean(diams[0]))
    return default_wavenumber(mean_d, result.density)


def diagnose_swap_mc(result, k: float | None = None, **kwargs) -> EquilibrationVerdict:  # noqa: ANN001
    """Verdict of a :class:`pelkit.dynamics.swap_mc.SwapMCResult` (time unit: sweeps).

    Uses the per-sweep energies, the per-sweep swap acceptance (when p_swap > 0) and the stored
    snapshots; k defaults to :func:`default_wavenumber` of the run's mean diameter and density.
    Keyword arguments go to :func:`equilibration_verdict`.
    """
    if k is None:
        k = _default_k(result)
    acc, att = result.swap_acceptance_series()
    swaps = result.p_swap > 0
    return equilibration_verdict(
        result.energy_per_particle,
        result.snapshots,
        result.snapshot_sweeps,
        k,
        swap_accepted=acc if swaps else None,
        swap_attempted=att if swaps else None,
        time_unit="sweeps",
        **kwargs,
    )


def diagnose_hybrid(result, k: float | None = None, **kwargs) -> EquilibrationVerdict:  # noqa: ANN001
    """Verdict of a :class:`pelkit.dynamics.hybrid.HybridResult` (time unit: cycles).

    Energies are the per-cycle mean MC energies, swap acceptance per cycle, snapshots after each
    cycle.
    """
    if k is None:
        k = _default_k(result)
    swaps = result.p_swap > 0
    return equilibration_verdict(
        result.energy_per_particle,
        result.snapshots,
        np.arange(result.snapshots.shape[0], dtype=np.float64),
        k,
        swap_accepted=result.swap_accepted if swaps else None,
        swap_attempted=result.swap_attempted if swaps else None,
        time_unit="cycles",
        **kwargs,
    )
