"""The compiled Metropolis loop of swap Monte Carlo (the Monte Carlo logic only).

Moves (Grigera & Parisi, Phys. Rev. E 63, 045102, 2001; Ninarello, Berthier & Coslovich, Phys.
Rev. X 7, 021039, 2017): with probability p_swap two distinct particles chosen uniformly exchange
their diameters, otherwise a uniformly chosen particle is displaced by a vector uniform in
[-delta, delta]^3; acceptance min(1, exp(-Delta U / T)) (Metropolis et al., J. Chem. Phys. 21,
1087, 1953). The energy changes and the incremental neighbour list are those of
:mod:`pelkit.engine.local` (its module doc defines the ``params``, ``plan`` and ``state`` tuples
and the list invariant that keeps the chain exactly the Metropolis chain).

Per-sweep statistics rows: [displacements attempted, accepted, swaps attempted, accepted,
swaps rejected by the |sigma_i - sigma_j| bound].
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from pelkit.engine.geometry import box_sides, minimum_image_r2
from pelkit.engine.local import (
    displacement_energy_change,
    relist_particle,
    swap_energy_change,
)
from pelkit.engine.radial import power_tables

STAT_DISP_ATT, STAT_DISP_ACC, STAT_SWAP_ATT, STAT_SWAP_ACC, STAT_SWAP_RESTRICTED = range(5)
N_STATS = 5


@njit(cache=True, nogil=True, error_model="numpy")
def mc_sweeps(pos, images, box, params, plan, state, nbr, cuts, moves, energy, record):
    """Run sweeps of N attempted moves each (Metropolis); returns (energy, nbr).

    Args:
        pos (N, 3) wrapped positions and images (N, 3) int64 image counts, updated in place;
        box (3,); params, plan, state: :mod:`pelkit.engine.local` tuples (the diameters in
        ``params`` change in place on accepted swaps); nbr: the current list rows (may grow: the
        returned array replaces it).
        cuts = (cut_key (N,) int64, rc2_key): particle -> row of the squared largest-cutoff
        bounds (sigma^2); cut_key is carried along by accepted swaps.
        moves = (temperature, p_swap, delta, swap_bound, skin, n_sweeps, seed): swaps with
        |sigma_i - sigma_j| >= swap_bound are rejected outright; skin >= sqrt(3) delta is the
        list skin (sigma); Numba's generator is seeded with ``seed``.
        energy: the running energy U (eps) on entry.
        record = (energies_out (S,), stats_out (S, N_STATS) int64, snap_every, sweep0,
        snap_pos (K, N, 3), snap_diam (K, N), counters (1,) int64): after sweep s the running
        energy goes to energies_out[s] and the counts to stats_out[s] (module doc); after
        global sweep g = sweep0 + s + 1 with g % snap_every == 0 the unwrapped positions and
        diameters go to snapshot slot g // snap_every; counters[0] += number of reference
        moves (local relists).
    """
    temperature, p_swap, delta, swap_bound, skin, n_sweeps, seed = moves
    energies_out, stats_out, snap_every, sweep0, snap_pos, snap_diam, counters = record
    cut_key, rc2_key = cuts
    counts = state[2]
    ref = state[0]
    diam = params[2]
    np.random.seed(seed)
    n = pos.shape[0]
    beta = 1.0 / temperature
    half_skin2 = 0.25 * skin * skin
    lx, ly, lz, ilx, ily, ilz = box_sides(box)
    neg, pw = power_tables(plan[1], plan[2])
    for s in range(n_sweeps):
        for _ in range(n):
            if p_swap > 0.0 and np.random.random() < p_swap:
                i = np.random.randint(0, n)
                j = np.random.randint(0, n - 1)
                if j >= i:
                    j += 1
                stats_out[s, STAT_SWAP_ATT] += 1
                di = diam[i]
                dj = diam[j]
                if abs(di - dj) >= swap_bound:
                    stats_out[s, STAT_SWAP_RESTRICTED] += 1
                    continue
                ki = cut_key[i]
                kj = cut_key[j]
                rc2_max = max(rc2_key[ki], rc2_key[kj])
                du = swap_energy_change(i, j, pos, box, nbr, counts, rc2_max, params, plan, neg,
                                        pw)
                if du <= 0.0 or np.random.random() < math.exp(-beta * du):
                    diam[i] = dj
                    diam[j] = di
                    cut_key[i] = kj
                    cut_key[j] = ki
                    energy += du
                    stats_out[s, STAT_SWAP_ACC] += 1
            else:
                i = np.random.randint(0, n)
                ddx = (2.0 * np.random.random() - 1.0) * delta
                ddy = (2.0 * np.random.random() - 1.0) * delta
                ddz = (2.0 * np.random.random() - 1.0) * delta
                stats_out[s, STAT_DISP_ATT] += 1
                tx = pos[i, 0] + ddx
                ty = pos[i, 1] + ddy
                tz = pos[i, 2] + ddz
                e2 = minimum_image_r2(tx - ref[i, 0], ty - ref[i, 1], tz - ref[i, 2], lx, ly, lz,
                                      ilx, ily, ilz)
                if e2 > half_skin2:
                    nbr = relist_particle(i, pos[i, 0] + 0.5 * ddx, pos[i, 1] + 0.5 * ddy,
                                          pos[i, 2] + 0.5 * ddz, box, state, nbr)
                    counters[0] += 1
                du = displacement_energy_change(i, tx, ty, tz, pos, box, nbr, counts,
                                                rc2_key[cut_key[i]], params, plan, neg, pw)
                if du <= 0.0 or np.random.random() < math.exp(-beta * du):
                    t = (tx, ty, tz)
                    for a in range(3):
                        v = t[a]
                        if v >= box[a]:
                            v -= box[a]
                            images[i, a] += 1
                        elif v < 0.0:
                            v += box[a]
                            images[i, a] -= 1
                            if v >= box[a]:  # round-off: v + L == L for tiny negative v
                                v -= box[a]
                                images[i, a] += 1
                        pos[i, a] = v
                    energy += du
                    stats_out[s, STAT_DISP_ACC] += 1
        energies_out[s] = energy
        g = sweep0 + s + 1
        if snap_every > 0 and g % snap_every == 0:
            slot = g // snap_every
            if slot < snap_pos.shape[0]:
                for k in range(n):
                    for a in range(3):
                        snap_pos[slot, k, a] = pos[k, a] + images[k, a] * box[a]
                    snap_diam[slot, k] = diam[k]
    return energy, nbr
