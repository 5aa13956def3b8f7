"""Sampling a finite random energy model (Keyes c. 2000; docs/physics/theory.md, "Numerical
experiment").

A sample holds M states with iid energies E_i ~ N(eps, Delta^2) and, per state, the number of
lower neighbours n_i (its critical-point order; f_u = n_i/Nv, eq 3) and the uphill Boltzmann sums
sum_{j ~ i, E_j > E_i} exp(-(E_j - E_i)/T) at the requested temperatures (mechanism A of eq 12).

Neighbour structures (``neighbors``):

- ``"annealed"``: Nv fresh iid neighbour energies per state from G_c = N(eps, (c Delta)^2), the
  paper's assumption; M = ``n_states``.
- ``"hamming"``: the states are the (1 + v)^N strings over {0..v} of length N and two states are
  neighbours when they differ at one site: exactly Nv = N v neighbours, a symmetric graph.
  M = (1 + v)^N (``n_states`` is ignored), so N and v must be small.
- ``"regular"``: a symmetric random Nv-regular multigraph on M = ``n_states`` (even) states, the
  union of Nv independent uniformly random perfect matchings. A pair of states may be joined by
  more than one matching (rarely, for Nv^2 << M); such an edge counts with its multiplicity, so
  every state has exactly Nv neighbour slots.

On the symmetric graphs (hamming, regular) <R_A> = <R_B> holds sample by sample (detailed balance),
on the annealed sample only on average.

Canonical averages use the weights w_i = e^{-E_i/T}/sum_j e^{-E_j/T}; the entropy of the sample is
S = -sum_i w_i ln w_i, to be compared with ln M - Delta^2/(2 T^2) above T_f = Delta/sqrt(2 ln M).
Standard errors are those of a self-normalised weighted mean of independent states,
SE^2 = sum_i w_i^2 (x_i - <x>)^2 (neighbour correlations on the graphs are ignored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.theory.rem import REMParameters, as_temperatures, f_u_of_energy, freezing_temperature

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

NEIGHBOR_KINDS = ("annealed", "hamming", "regular")
MAX_STATES = 1 << 24
_CHUNK = 4096


@dataclass(frozen=True)
class REMSample:
    """A sampled finite REM.

    Attributes:
        energies: state energies E_i (M,).
        n_lower: number of lower neighbours n_i (M,), int64; f_u,i = n_i/Nv.
        temperatures: the temperatures T (nT,) of ``uphill_sums``.
        uphill_sums: (nT, M), sum over neighbours j with E_j > E_i of exp(-(E_j - E_i)/T).
        params: the REM parameters (Nv = params.n_neighbors).
        neighbors: the neighbour structure (one of ``NEIGHBOR_KINDS``).
        seed: the integer seed used, or None when a Generator was passed.
    """

    energies: FloatArray
    n_lower: IntArray
    temperatures: FloatArray
    uphill_sums: FloatArray
    params: REMParameters
    neighbors: str
    seed: int | None

    @property
    def n_states(self) -> int:
        """M, the number of sampled states."""
        return int(self.energies.size)

    @property
    def f_u(self) -> FloatArray:
        """Per-state unstable fraction n_i/Nv (M,) (Keyes c. 2000, eq 3)."""
        return self.n_lower / float(self.params.n_neighbors)

    @property
    def freezing_temperature(self) -> float:
        """T_f = Delta/sqrt(2 ln M) of this sample."""
        return freezing_temperature(self.params.delta, math.log(self.n_states))


def _rng(seed: int | np.random.Generator) -> tuple[np.random.Generator, int | None]:
    if isinstance(seed, np.random.Generator):
        return seed, None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed)), int(seed)


def _accumulate(
    d_e: FloatArray, temperatures: FloatArray, n_lower: IntArray, uphill: FloatArray
) -> None:
    """Add the neighbour energy differences d_e = E_j - E_i (rows: states) to the accumulators."""
    if d_e.ndim == 1:
        d_e = d_e[:, None]
    n_lower += np.count_nonzero(d_e < 0.0, axis=1)
    up = d_e > 0.0
    for k, temp in enumerate(temperatures):
        boltz = np.exp(-d_e / temp, where=up, out=np.zeros_like(d_e))
        uphill[k] += boltz.sum(axis=1)


def sample_rem(
    params: REMParameters,
    temperatures: ArrayLike,
    n_states: int = 1 << 18,
    neighbors: str = "annealed",
    seed: int | np.random.Generator = 0,
) -> REMSample:
    """Sample a finite REM and its per-state critical-point orders (docs/physics/theory.md).

    Args:
        params: REM parameters (Delta, eps, N, v, c); Nv = N v neighbours per state.
        temperatures: temperatures (nT,) at which the uphill sums (rates R_A) are accumulated.
        n_states: M for ``"annealed"`` and ``"regular"`` (ignored for ``"hamming"``).
        neighbors: ``"annealed"``, ``"hamming"`` or ``"regular"`` (module docstring).
        seed: integer seed or numpy Generator.
    Returns: an :class:`REMSample`. Cost O(M Nv nT); memory O(M nT).
    """
    temps = as_temperatures(temperatures)
    if neighbors not in NEIGHBOR_KINDS:
        raise InputError(
            f"unknown REM neighbour structure {neighbors!r}; "
            f"choose from {', '.join(NEIGHBOR_KINDS)}"
        )
    rng, seed_used = _rng(seed)
    nv = params.n_neighbors
    if neighbors == "hamming":
        m_float = (1.0 + params.v) ** params.n_regions
        if m_float > MAX_STATES:
            raise InputError(
                f"the Hamming REM has (1 + v)^N = {m_float:.3g} states, more than {MAX_STATES}; "
                "use smaller N and v"
            )
        m = int(round(m_float))
    else:
        m = int(n_states)
        if m != n_states or m < 2 or m > MAX_STATES:
            raise InputError(f"n_states must be an integer in [2, {MAX_STATES}], got {n_states}")
        if neighbors == "regular" and m % 2:
            raise InputError(f"the random regular REM graph needs an even n_states, got {m}")
    if neighbors != "annealed" and params.neighbor_width != 1.0:
        raise InputError(
            "a neighbour width c != 1 needs annealed neighbours "
            "(graph neighbours are sample states)"
        )

    energies = params.eps + params.delta * rng.standard_normal(m)
    n_lower = np.zeros(m, dtype=np.int64)
    uphill = np.zeros((temps.size, m))

    if neighbors == "annealed":
        sigma_c = params.neighbor_width * params.delta
        for start in range(0, m, _CHUNK):
            stop = min(m, start + _CHUNK)
            e_nb = params.eps + sigma_c * rng.standard_normal((stop - start, nv))
            d_e = e_nb - energies[start:stop, None]
            _accumulate(d_e, temps, n_lower[start:stop], uphill[:, start:stop])
    elif neighbors == "hamming":
        base = int(params.v) + 1
        index = np.arange(m, dtype=np.int64)
        place = 1
        for _site in range(int(params.n_regions)):
            digit = (index // place) % base
            for shift in range(1, base):
                partner = index + ((digit + shift) % base - digit) * place
                _accumulate(energies[partner] - energies, temps, n_lower, uphill)
            place *= base
    else:
        partner = np.empty(m, dtype=np.int64)
        for _round in range(nv):
            perm = rng.permutation(m)
            partner[perm[0::2]] = perm[1::2]
            partner[perm[1::2]] = perm[0::2]
            _accumulate(energies[partner] - energies, temps, n_lower, uphill)

    return REMSample(
        energies=energies,
        n_lower=n_lower,
        temperatures=temps,
        uphill_sums=uphill,
        params=params,
        neighbors=neighbors,
        seed=seed_used,
    )


def canonical_weights(energies: FloatArray, temperature: float) -> tuple[FloatArray, FloatArray]:
    """Normalised Boltzmann weights w (M,) and ln w (M,) of the states at temperature T."""
    log_w = -(energies - energies.min()) / temperature
    log_w -= np.log(np.sum(np.exp(log_w)))
    return np.exp(log_w), log_w


def _weighted_mean(w: FloatArray, x: FloatArray) -> tuple[float, float]:
    mean = float(np.dot(w, x))
    se = float(np.sqrt(np.dot(w * w, (x - mean) ** 2)))
    return mean, se


def sampled_canonical_table(sample: REMSample) -> dict[str, FloatArray]:
    """Canonical averages over the sampled states at the sample's temperatures (arrays (nT,)).

    Keys: ``T``; ``f_u`` and ``f_u_se`` (<n/Nv>); ``ln_f_u``; ``S`` = -sum w ln w; ``S_theory`` =
    ln M - Delta^2/(2 T^2); ``R_A``, ``R_A_se`` (R_0 <uphill sum>); ``R_B``, ``R_B_se``
    (R_0 <n>); ``R`` = R_A + R_B; ``P_min``, ``P_min_se`` (weight of states with n = 0);
    ``n_effective`` = 1/sum w^2; ``above_freezing`` (T > T_f of the sample, as 0/1).
    """
    p = sample.params
    f_u = sample.f_u
    is_min = (sample.n_lower == 0).astype(np.float64)
    down = p.r0 * sample.n_lower.astype(np.float64)
    keys = ("f_u", "f_u_se", "S", "R_A", "R_A_se", "R_B", "R_B_se", "P_min", "P_min_se", "n_eff")
    cols: dict[str, list[float]] = {k: [] for k in keys}
    for k, temp in enumerate(sample.temperatures):
        w, log_w = canonical_weights(sample.energies, float(temp))
        for name, x in (("f_u", f_u), ("R_B", down), ("P_min", is_min)):
            mean, se = _weighted_mean(w, x)
            cols[name].append(mean)
            cols[name + "_se"].append(se)
        mean, se = _weighted_mean(w, p.r0 * sample.uphill_sums[k])
        cols["R_A"].append(mean)
        cols["R_A_se"].append(se)
        cols["S"].append(float(-np.dot(w, log_w)))
        cols["n_eff"].append(float(1.0 / np.dot(w, w)))
    t = sample.temperatures
    out = {"T": t.copy()}
    out.update({k: np.asarray(v) for k, v in cols.items() if k != "n_eff"})
    out["n_effective"] = np.asarray(cols["n_eff"])
    with np.errstate(divide="ignore"):
        out["ln_f_u"] = np.log(out["f_u"])
    out["S_theory"] = math.log(sample.n_states) - p.delta**2 / (2.0 * t**2)
    out["R"] = out["R_A"] + out["R_B"]
    out["above_freezing"] = (t > sample.freezing_temperature).astype(np.float64)
    return out


def binned_f_u(sample: REMSample, n_bins: int = 24, z_range: float = 3.0) -> dict[str, FloatArray]:
    """Per-state f_u binned in energy against the exact f_u(E) = p_c^<(E) (Keyes c. 2000, eq 3).

    Bins are equal-width over eps +- ``z_range`` Delta. For each bin (arrays (n_bins,)):
    ``E_center``, ``count``, ``f_u_mean`` (mean n/Nv), ``f_u_se`` (standard error of the mean
    residual n/Nv - f_u(E_i)), ``theory_mean`` (mean of the exact f_u(E_i) over the bin's states)
    and ``z_score`` = (f_u_mean - theory_mean)/f_u_se. Empty bins give NaN.
    """
    if n_bins < 1 or not math.isfinite(z_range) or z_range <= 0.0:
        raise InputError("binning needs n_bins >= 1 and a positive z_range")
    p = sample.params
    edges = p.eps + p.delta * np.linspace(-z_range, z_range, int(n_bins) + 1)
    idx = np.digitize(sample.energies, edges) - 1
    inside = (idx >= 0) & (idx < n_bins)
    idx = idx[inside]
    f_u = sample.f_u[inside]
    theory = f_u_of_energy(sample.energies[inside], p)
    resid = f_u - theory
    count = np.bincount(idx, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_mean = np.bincount(idx, weights=f_u, minlength=n_bins) / count
        t_mean = np.bincount(idx, weights=theory, minlength=n_bins) / count
        r_mean = np.bincount(idx, weights=resid, minlength=n_bins) / count
        r2 = np.bincount(idx, weights=resid * resid, minlength=n_bins) / count
        var = (r2 - r_mean**2) * count / np.maximum(count - 1.0, 1.0)
        se = np.sqrt(np.maximum(var, 0.0) / count)
        z = (f_mean - t_mean) / se
    bad = count < 2
    for arr in (f_mean, t_mean, se, z):
        arr[bad] = np.nan
    return {
        "E_center": 0.5 * (edges[1:] + edges[:-1]),
        "count": count,
        "f_u_mean": f_mean,
        "f_u_se": se,
        "theory_mean": t_mean,
        "z_score": z,
    }
