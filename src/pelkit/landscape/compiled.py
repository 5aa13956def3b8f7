"""Minimizers compiled end to end (no Python per iteration), one replica per call.

:func:`fire2_replica` and :func:`lbfgs_replica` are Numba versions of
:func:`pelkit.landscape.fire.fire2` and :func:`pelkit.landscape.lbfgs.lbfgs` with the same
parameters, the same per-iteration steps and the same stopping test (largest per-particle
force norm max_i |F_i| < fmax, checked at the top of every iteration on the forces of the
current positions). They run on a particle system directly: positions (N, 3) in sigma, updated
in place; forces from the engine's kernels through a private padded half Verlet list that is
rebuilt when a particle has moved more than half the skin since the last build.
:mod:`pelkit.landscape.batched_quench` runs them over many replicas on threads.

L-BFGS here is the line-search variant of :mod:`pelkit.landscape.lbfgs` (memory 10, two-loop
recursion in mass-weighted coordinates, Armijo or approximate-Wolfe acceptance, block step
cap 0.1 sigma) without the FIRE 2.0 fallback: a replica whose line search stalls stops with
code STALLED and the batched driver finishes it with the single-system L-BFGS, which has the
fallback.

Dot products are explicit loops (no BLAS call per iteration, so threads never oversubscribe).

Outputs ``stats`` (4,): [0] iterations, [1] evaluations, [2] stop code, [3] final energy (eps).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pelkit.engine.neighbors import fill_half_list, max_displacement_sq
from pelkit.engine.pair import FORM_GENERAL, forces_core, forces_terms
from pelkit.landscape.fire import FIRE2_PARAMS
from pelkit.landscape.lbfgs import ARMIJO_C1, ENERGY_NOISE, WOLFE_DELTA

CONVERGED, MAX_ITERATIONS, STUCK, STALLED, NON_FINITE = 0, 1, 2, 3, 4
STOP_REASONS = ("converged", "max_iterations", "stuck", "stalled", "non-finite energy or gradient")

_N_DELAY = FIRE2_PARAMS["n_delay"]
_F_INC = FIRE2_PARAMS["f_inc"]
_F_DEC = FIRE2_PARAMS["f_dec"]
_ALPHA_START = FIRE2_PARAMS["alpha_start"]
_F_ALPHA = FIRE2_PARAMS["f_alpha"]
_MAX_UPHILL = FIRE2_PARAMS["max_uphill"]
LBFGS_MEMORY = 10
LBFGS_INITIAL_SCALE = 0.01
LBFGS_MAX_LINE_SEARCH = 10


@njit(cache=True, nogil=True)
def dot3(a, b):
    """sum_ia a[i, a] b[i, a] for (N, 3) arrays (a plain loop)."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i, 0] * b[i, 0] + a[i, 1] * b[i, 1] + a[i, 2] * b[i, 2]
    return s


@njit(cache=True, nogil=True)
def max_row_norm2(a):
    """max_i |a_i|^2 of an (N, 3) array."""
    big = 0.0
    for i in range(a.shape[0]):
        t = a[i, 0] * a[i, 0] + a[i, 1] * a[i, 1] + a[i, 2] * a[i, 2]
        if t > big:
            big = t
    return big


@njit(cache=True, nogil=True)
def force_converged(forces, ff, fmax):
    """max_i |F_i| < fmax, given ff = F.F (the row scan runs only when ff < N fmax^2)."""
    if ff >= forces.shape[0] * fmax * fmax:
        return False
    return np.sqrt(max_row_norm2(forces)) < fmax


@njit(cache=True, nogil=True)
def cap_rows(dx, max_step):
    """Scale dx (N, 3) so that no row is longer than max_step (direction kept)."""
    if dot3(dx, dx) <= max_step * max_step:
        return
    big = np.sqrt(max_row_norm2(dx))
    if big > max_step:
        f = max_step / big
        for i in range(dx.shape[0]):
            for a in range(3):
                dx[i, a] *= f


@njit(cache=True, nogil=True)
def list_for(pos, box, nbr, counts, ref, skin, r_list, mixing, species, diameters, eps_t,
             sig_t, nonadd, x_cut):
    """The neighbour list (possibly a wider new array) valid at ``pos``: rebuilt in place when
    a particle moved more than skin/2 since ``ref`` (never for non-finite positions)."""
    if max_displacement_sq(pos, ref, box) > (0.5 * skin) ** 2:
        while not fill_half_list(pos, box, skin, r_list, x_cut, mixing, species, diameters,
                                 eps_t, sig_t, nonadd, nbr, counts):
            nbr = np.empty((nbr.shape[0], 2 * nbr.shape[1]), dtype=np.int64)
        ref[:, :] = pos
    return nbr


@njit(cache=True, nogil=True)
def new_list(pos, box, width, skin, r_list, mixing, species, diameters, eps_t, sig_t, nonadd,
             x_cut):
    """(nbr (N, K), counts (N,), ref (N, 3)) built at ``pos`` (width doubled until it fits)."""
    n = pos.shape[0]
    nbr = np.empty((n, width), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    while not fill_half_list(pos, box, skin, r_list, x_cut, mixing, species, diameters, eps_t,
                             sig_t, nonadd, nbr, counts):
        nbr = np.empty((n, 2 * nbr.shape[1]), dtype=np.int64)
    ref = pos.copy()
    return nbr, counts, ref


@njit(cache=True, nogil=True)
def energy_forces(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t, nonadd,
                  terms, x_cut, form, tab, coef, forces):
    """U (eps) with the forces (N, 3) written into ``forces`` (the engine's kernels)."""
    if form == FORM_GENERAL:
        e, _ = forces_terms(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                            nonadd, terms, x_cut, forces)
    else:
        e, _ = forces_core(pos, box, nbr, counts, mixing, species, diameters, eps_t, nonadd,
                           x_cut, form, tab, coef, forces)
    return e


@njit(cache=True, nogil=True)
def fire2_replica(pos, box, masses, unit_masses, skin, r_list, width, mixing, species, diameters,
                  eps_t, sig_t, nonadd, terms, x_cut, form, tab, coef, fmax, max_iterations,
                  dt0, max_step, stats):
    """FIRE 2.0 (Guenole et al., Comput. Mater. Sci. 175, 109584 (2020)) on one system.

    The steps of :func:`pelkit.landscape.fire.fire2` (its docstring states them) with the same
    parameters: N_delay 20, f_inc 1.1, f_dec 0.5, alpha_start 0.25, f_alpha 0.99, dt_max = 10 dt0,
    dt_min = 0.02 dt0, "stuck" after 2000 consecutive P <= 0. ``pos`` (N, 3) is updated in
    place; masses (N,) enter the dynamics unless ``unit_masses``.
    """
    n = pos.shape[0]
    nbr, counts, ref = new_list(pos, box, width, skin, r_list, mixing, species, diameters, eps_t,
                                sig_t, nonadd, x_cut)
    f = np.empty((n, 3))
    v = np.zeros((n, 3))
    acc = np.empty((n, 3))
    dx = np.empty((n, 3))
    energy = energy_forces(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                           nonadd, terms, x_cut, form, tab, coef, f)
    evals = 1
    dt = dt0
    dt_max = 10.0 * dt0
    dt_min = 0.02 * dt0
    alpha = _ALPHA_START
    n_pos = 0
    n_neg = 0
    it = 0
    stop = MAX_ITERATIONS
    while True:
        ff_plain = dot3(f, f)
        if not (np.isfinite(ff_plain) and np.isfinite(energy)):
            stop = NON_FINITE
            break
        if force_converged(f, ff_plain, fmax):
            stop = CONVERGED
            break
        if it >= max_iterations:
            stop = MAX_ITERATIONS
            break
        it += 1
        # acc = F/m; ff = |F|^2 in the 1/M metric
        for i in range(n):
            w = 1.0 if unit_masses else 1.0 / masses[i]
            for a in range(3):
                acc[i, a] = f[i, a] * w
        ff = ff_plain if unit_masses else dot3(acc, f)
        power = dot3(f, v)
        if power > 0.0:
            n_pos += 1
            n_neg = 0
            if n_pos > _N_DELAY:
                dt = min(dt * _F_INC, dt_max)
                alpha *= _F_ALPHA
            vv = 0.0
            for i in range(n):
                mi = 1.0 if unit_masses else masses[i]
                vv += mi * (v[i, 0] * v[i, 0] + v[i, 1] * v[i, 1] + v[i, 2] * v[i, 2])
            mix = alpha * np.sqrt(vv / ff)
            for i in range(n):
                for a in range(3):
                    v[i, a] = (v[i, a] + dt * acc[i, a]) * (1.0 - alpha) + mix * acc[i, a]
        else:
            n_pos = 0
            n_neg += 1
            if n_neg >= _MAX_UPHILL:
                stop = STUCK
                it -= 1
                break
            if it > _N_DELAY:
                alpha = _ALPHA_START
                if dt * _F_DEC >= dt_min:
                    dt *= _F_DEC
            for i in range(n):
                for a in range(3):
                    dx[i, a] = -0.5 * dt * v[i, a]
            cap_rows(dx, max_step)
            for i in range(n):
                for a in range(3):
                    pos[i, a] += dx[i, a]
                    v[i, a] = dt * acc[i, a]
        for i in range(n):
            for a in range(3):
                dx[i, a] = dt * v[i, a]
        cap_rows(dx, max_step)
        for i in range(n):
            for a in range(3):
                pos[i, a] += dx[i, a]
        nbr = list_for(pos, box, nbr, counts, ref, skin, r_list, mixing, species, diameters,
                       eps_t, sig_t, nonadd, x_cut)
        energy = energy_forces(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                               nonadd, terms, x_cut, form, tab, coef, f)
        evals += 1
    stats[0] = it
    stats[1] = evals
    stats[2] = stop
    stats[3] = energy


@njit(cache=True, nogil=True)
def _lbfgs_direction(f, S, Y, rho, head, count, gamma, isqrt_m, max_step, coef_buf, d):
    """d = M^-1/2 H_q M^-1/2 F (two-loop recursion, Nocedal 1980), rows capped at max_step;
    returns the slope -F.d = g.d. S, Y: (memory, N, 3) ring buffers in q = sqrt(m) x."""
    mem = S.shape[0]
    n = f.shape[0]
    for i in range(n):
        for a in range(3):
            d[i, a] = -f[i, a] * isqrt_m[i]  # the gradient in q
    for k in range(count):
        j = (head - 1 - k) % mem
        c = rho[j] * dot3(S[j], d)
        coef_buf[j] = c
        for i in range(n):
            for a in range(3):
                d[i, a] -= c * Y[j, i, a]
    for i in range(n):
        for a in range(3):
            d[i, a] *= -gamma
    for k in range(count - 1, -1, -1):
        j = (head - 1 - k) % mem
        c = -coef_buf[j] - rho[j] * dot3(Y[j], d)
        for i in range(n):
            for a in range(3):
                d[i, a] += c * S[j, i, a]
    for i in range(n):
        for a in range(3):
            d[i, a] *= isqrt_m[i]
    cap_rows(d, max_step)
    return -dot3(f, d)


@njit(cache=True, nogil=True)
def lbfgs_replica(pos, box, masses, unit_masses, skin, r_list, width, mixing, species,
                  diameters, eps_t, sig_t, nonadd, terms, x_cut, form, tab, coef, fmax,
                  max_iterations, max_step, stats):
    """L-BFGS (Nocedal 1980) with the line search of :func:`pelkit.landscape.lbfgs.lbfgs`.

    Memory 10, H_q^0 = gamma I (gamma = s.y/y.y of the newest pair, 0.01 before the first),
    direction rows capped at ``max_step``; trial alpha = 1 accepted by the Armijo test
    phi(alpha) - phi(0) <= c1 alpha phi'(0) (c1 = 1e-4) or, within the energy noise
    1e-12 |U|, by the approximate-Wolfe test phi'(alpha) <= (2 delta - 1) phi'(0) (Hager &
    Zhang, SIAM J. Optim. 16, 170 (2005), delta = 0.1); otherwise alpha shrinks to the secant
    zero of phi' safeguarded to [0.1, 0.5] alpha (0.1 alpha for non-finite trials), at most 10
    trials. A failed line search clears the memory; two failures in a row with an empty memory
    stop the replica with code STALLED. ``pos`` (N, 3) is updated in place.
    """
    n = pos.shape[0]
    mem = LBFGS_MEMORY
    nbr, counts, ref = new_list(pos, box, width, skin, r_list, mixing, species, diameters, eps_t,
                                sig_t, nonadd, x_cut)
    isqrt_m = np.empty(n)
    for i in range(n):
        isqrt_m[i] = 1.0 if unit_masses else 1.0 / np.sqrt(masses[i])
    f = np.empty((n, 3))
    f1 = np.empty((n, 3))
    xt = np.empty((n, 3))
    d = np.empty((n, 3))
    S = np.zeros((mem, n, 3))
    Y = np.zeros((mem, n, 3))
    rho = np.zeros(mem)
    coef_buf = np.zeros(mem)
    energy = energy_forces(pos, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                           nonadd, terms, x_cut, form, tab, coef, f)
    evals = 1
    count = 0
    head = 0
    gamma = LBFGS_INITIAL_SCALE
    failures = 0
    it = 0
    stop = MAX_ITERATIONS
    while True:
        ff = dot3(f, f)
        if not (np.isfinite(ff) and np.isfinite(energy)):
            stop = NON_FINITE
            break
        if force_converged(f, ff, fmax):
            stop = CONVERGED
            break
        if it >= max_iterations:
            stop = MAX_ITERATIONS
            break
        it += 1
        slope0 = _lbfgs_direction(f, S, Y, rho, head, count, gamma, isqrt_m, max_step,
                                  coef_buf, d)
        if not slope0 < 0.0:
            count = 0
            head = 0
            slope0 = _lbfgs_direction(f, S, Y, rho, 0, 0, gamma, isqrt_m, max_step, coef_buf, d)
        noise = ENERGY_NOISE * abs(energy)
        alpha = 1.0
        accepted = False
        e1 = energy
        for _ in range(LBFGS_MAX_LINE_SEARCH):
            for i in range(n):
                for a in range(3):
                    xt[i, a] = pos[i, a] + alpha * d[i, a]
            nbr = list_for(xt, box, nbr, counts, ref, skin, r_list, mixing, species, diameters,
                           eps_t, sig_t, nonadd, x_cut)
            e1 = energy_forces(xt, box, nbr, counts, mixing, species, diameters, eps_t, sig_t,
                               nonadd, terms, x_cut, form, tab, coef, f1)
            evals += 1
            slope = -dot3(f1, d)
            if np.isfinite(e1) and np.isfinite(slope):
                de = e1 - energy
                if de <= ARMIJO_C1 * alpha * slope0 or (
                    de <= noise and slope <= (2.0 * WOLFE_DELTA - 1.0) * slope0
                ):
                    accepted = True
                    break
                if slope > slope0:
                    alpha = min(max(alpha * slope0 / (slope0 - slope), 0.1 * alpha), 0.5 * alpha)
                else:
                    alpha *= 0.5
            else:
                alpha *= 0.1
        if not accepted:
            failures += 1
            if count == 0 and failures >= 2:
                stop = STALLED
                break
            count = 0
            head = 0
            continue
        failures = 0
        # s_q = sqrt(m) (xt - x), y_q = (g1 - g)/sqrt(m) = (f - f1)/sqrt(m)
        sy = 0.0
        yy = 0.0
        ss = 0.0
        for i in range(n):
            for a in range(3):
                s_ = (xt[i, a] - pos[i, a]) / isqrt_m[i]
                y_ = (f[i, a] - f1[i, a]) * isqrt_m[i]
                S[head, i, a] = s_
                Y[head, i, a] = y_
                sy += s_ * y_
                yy += y_ * y_
                ss += s_ * s_
        if sy > 1e-10 * np.sqrt(ss * yy) and yy > 0.0:
            rho[head] = 1.0 / sy
            gamma = sy / yy
            head = (head + 1) % mem
            count = min(count + 1, mem)
        for i in range(n):
            for a in range(3):
                pos[i, a] = xt[i, a]
                f[i, a] = f1[i, a]
        energy = e1
    stats[0] = it
    stats[1] = evals
    stats[2] = stop
    stats[3] = energy

