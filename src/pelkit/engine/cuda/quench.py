"""Batched FIRE 2.0 quench of M replicas on the GPU, with per-replica state and a stop mask.

    res = fire2_quench(model, positions (M, N, 3), boxes, species=..., fmax=1e-10)
    res.energies (M,), res.max_force (M,), res.converged (M,), res.positions (M, N, 3)

The algorithm is that of :func:`pelkit.landscape.fire.fire2` (Guenole et al., Comput. Mater.
Sci. 175, 109584 (2020), Algorithm 2, with the parameters :data:`FIRE2_PARAMS`, dt_max = 10 dt,
dt_min = 0.02 dt, the whole-step displacement cap ``max_step`` per particle, velocity mixing in
the kinetic-energy metric), written step for step in the same order of operations: one thread
block per replica holds x, v and F = -dU/dx on the device, and the per-replica scalars (dt,
alpha, the P > 0 / P <= 0 counters) live in registers and are saved between chunks. Each
launch runs up to ``chunk`` iterations of every live replica; between launches only the (M,)
stop flags come back. A stopped replica (converged, max_iterations, stuck after ``max_uphill``
consecutive P <= 0, non-finite) does not move again.

Honesty (as :func:`pelkit.landscape.objective.finish`): at the end the forces are evaluated
afresh at the returned positions, max_force = max_i |F_i| is computed from them on the host,
and ``converged`` is max_force < fmax (and a finite energy), nothing else.

Positions are the minimizer's coordinates: they start from the given positions and are not
wrapped (minimum image makes that irrelevant for the energy; wrap with
:meth:`pelkit.system.Box.wrap`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numba import float64, int64
from numpy.typing import ArrayLike, NDArray

from pelkit.engine.cuda._cuda import cuda
from pelkit.engine.cuda.device import make_block_forces, make_block_reductions
from pelkit.engine.cuda.forces import launch_forces, model_arguments
from pelkit.engine.cuda.plan import device_model, prepare_batch, threads_for
from pelkit.errors import InputError
from pelkit.landscape.fire import DT_MD, FIRE2_PARAMS
from pelkit.models.base import PairPotential

RUNNING, CONVERGED, MAX_ITERATIONS, STUCK, NON_FINITE = 0, 1, 2, 3, 4
STOP_REASONS = {
    CONVERGED: "converged",
    MAX_ITERATIONS: "max_iterations",
    STUCK: "stuck",
    NON_FINITE: "non-finite energy or gradient",
}
# float parameters prm and per-replica integer state ist
Q_FMAX, Q_DT_MAX, Q_DT_MIN, Q_MAX_STEP, Q_F_INC, Q_F_DEC, Q_ALPHA0, Q_F_ALPHA = range(8)
S_NPOS, S_NNEG, S_UPHILL, S_IT, S_EVALS = range(5)


@dataclass
class BatchedQuenchResult:
    """Per-replica outcome of :func:`fire2_quench` (host arrays).

    Attributes:
        positions: (M, N, 3) final coordinates (sigma, not wrapped).
        energies: (M,) U at ``positions`` (eps), recomputed there.
        max_force: (M,) max_i |F_i| at ``positions`` (eps/sigma), recomputed there.
        iterations, evaluations: (M,) FIRE iterations and force evaluations.
        converged: (M,) bool, max_force < fmax at ``positions``.
        stop_reason: per replica, as :class:`pelkit.landscape.objective.MinimizeResult`.
        fmax: the tolerance; method: "fire2"; device: the device name.
    """

    positions: NDArray[np.float64]
    energies: NDArray[np.float64]
    max_force: NDArray[np.float64]
    iterations: NDArray[np.int64]
    evaluations: NDArray[np.int64]
    converged: NDArray[np.bool_]
    stop_reason: list[str]
    fmax: float
    method: str = "fire2"
    device: str = ""


@cache
def fire2_kernel(form: int, mixing: int, n_species: int, threads: int):
    """Compiled ``kernel[M, T](x, v, f, inv_m, mass, box, species, diam, tab, coef, mp,
    energy, fst, ist, stop, prm, n_iter, max_iterations, n_delay, max_uphill)``: up to
    ``n_iter`` FIRE 2.0 iterations per live replica (fst (M, 2) = dt, alpha; ist (M, 5) =
    n_pos, n_neg, uphill, iterations, evaluations; stop (M,) int64)."""
    t_max = threads
    block_forces = make_block_forces(form, mixing, n_species, threads)
    _, block_sum3, block_max, block_sum3_max = make_block_reductions(threads)

    @cuda.jit
    def kernel(x, v, f, inv_m, mass, box, species, diam, tab, coef, mp, energy, fst, ist, stop,
               prm, n_iter, max_iterations, n_delay, max_uphill):
        r = cuda.blockIdx.x
        t = cuda.threadIdx.x
        sh_pos = cuda.shared.array((t_max, 3), float64)
        sh_f = cuda.shared.array(t_max, float64)
        sh_i = cuda.shared.array(t_max, int64)
        red = cuda.shared.array((4, t_max), float64)
        if stop[r] != RUNNING:
            return
        n = x.shape[1]
        fmax = prm[Q_FMAX]
        dt_max = prm[Q_DT_MAX]
        dt_min = prm[Q_DT_MIN]
        max_step = prm[Q_MAX_STEP]
        f_inc = prm[Q_F_INC]
        f_dec = prm[Q_F_DEC]
        alpha_start = prm[Q_ALPHA0]
        f_alpha = prm[Q_F_ALPHA]
        dt = fst[r, 0]
        alpha = fst[r, 1]
        n_pos = ist[r, S_NPOS]
        n_neg = ist[r, S_NNEG]
        uphill = ist[r, S_UPHILL]
        it = ist[r, S_IT]
        evals = ist[r, S_EVALS]
        e = energy[r]
        reason = RUNNING
        # |F|^2 sum and max at x (later iterations get them from block_forces)
        gg_l = 0.0
        mx_l = 0.0
        for i in range(t, n, t_max):
            fi2 = f[r, i, 0] * f[r, i, 0] + f[r, i, 1] * f[r, i, 1] + f[r, i, 2] * f[r, i, 2]
            gg_l += fi2
            if fi2 > mx_l or fi2 != fi2:
                mx_l = fi2
        gg, _, _, mx = block_sum3_max(gg_l, 0.0, 0.0, mx_l, red)
        for _k in range(n_iter):
            # stop test on F at x (the CPU stop_check)
            if not (math.isfinite(gg) and math.isfinite(e)):
                reason = NON_FINITE
                break
            if math.sqrt(mx) < fmax:
                reason = CONVERGED
                break
            if it >= max_iterations:
                reason = MAX_ITERATIONS
                break
            it += 1
            # ff = |F|^2 in the 1/M metric, P = F.v = -g.v, vv = |v|^2 in the M metric
            ff_l = 0.0
            pw_l = 0.0
            vv_l = 0.0
            for i in range(t, n, t_max):
                im = inv_m[i]
                mi = mass[i]
                for a in range(3):
                    g = -f[r, i, a]
                    vi = v[r, i, a]
                    ff_l += (g * im) * g
                    pw_l += g * vi
                    vv_l += (vi * mi) * vi
            ff, pw, vv = block_sum3(ff_l, pw_l, vv_l, red)
            power = -pw
            if power > 0.0:
                n_pos += 1
                n_neg = 0
                if n_pos > n_delay:
                    dt = min(dt * f_inc, dt_max)
                    alpha *= f_alpha
                mix = alpha * math.sqrt(vv / ff)
                for i in range(t, n, t_max):
                    im = inv_m[i]
                    for a in range(3):
                        acc = -f[r, i, a] * im
                        vn = v[r, i, a] - acc * dt
                        vn *= 1.0 - alpha
                        v[r, i, a] = vn - acc * mix
            else:
                n_pos = 0
                n_neg += 1
                uphill += 1
                if n_neg >= max_uphill:
                    reason = STUCK
                    it -= 1
                    break
                if it > n_delay:
                    alpha = alpha_start
                    if dt * f_dec >= dt_min:
                        dt *= f_dec
                # half step back, capped; then v = -dt F/m
                h = -0.5 * dt
                d2_l = 0.0
                for i in range(t, n, t_max):
                    d0 = v[r, i, 0] * h
                    d1 = v[r, i, 1] * h
                    dd = v[r, i, 2] * h
                    d2 = d0 * d0 + d1 * d1 + dd * dd
                    if d2 > d2_l or d2 != d2:
                        d2_l = d2
                big = math.sqrt(block_max(d2_l, red))
                factor = max_step / big if big > max_step else 1.0
                for i in range(t, n, t_max):
                    im = inv_m[i]
                    for a in range(3):
                        d = v[r, i, a] * h
                        if factor != 1.0:
                            d *= factor
                        x[r, i, a] += d
                        v[r, i, a] = (-f[r, i, a] * im) * -dt
            # x += dt v, capped at max_step per particle (whole step scaled)
            d2_l = 0.0
            for i in range(t, n, t_max):
                d0 = v[r, i, 0] * dt
                d1 = v[r, i, 1] * dt
                dd = v[r, i, 2] * dt
                d2 = d0 * d0 + d1 * d1 + dd * dd
                if d2 > d2_l or d2 != d2:
                    d2_l = d2
            big = math.sqrt(block_max(d2_l, red))
            factor = max_step / big if big > max_step else 1.0
            for i in range(t, n, t_max):
                for a in range(3):
                    d = v[r, i, a] * dt
                    if factor != 1.0:
                        d *= factor
                    x[r, i, a] += d
            e, _w, gg, mx = block_forces(r, x, box, species, diam, tab, coef, mp, f, sh_pos,
                                         sh_f, sh_i, red)
            evals += 1
        if t == 0:
            fst[r, 0] = dt
            fst[r, 1] = alpha
            ist[r, S_NPOS] = n_pos
            ist[r, S_NNEG] = n_neg
            ist[r, S_UPHILL] = uphill
            ist[r, S_IT] = it
            ist[r, S_EVALS] = evals
            energy[r] = e
            stop[r] = reason

    return kernel


def fire2_quench(
    model: PairPotential,
    positions: ArrayLike,
    boxes: ArrayLike,
    species: ArrayLike | None = None,
    diameters: ArrayLike | None = None,
    *,
    fmax: float = 1e-10,
    max_iterations: int = 200_000,
    masses: ArrayLike | None = None,
    dt: float | None = None,
    max_step: float = 0.1,
    chunk: int = 500,
    threads: int | None = None,
) -> BatchedQuenchResult:
    """Quench M replicas of ``model`` with FIRE 2.0 on the CUDA device (module doc).

    Args:
        model: pair potential (Laurent-polynomial g).
        positions: (M, N, 3) starts in sigma. boxes: (M, 3) or (3,).
        species, diameters: (M, N) or (N,) per-replica species codes / diameters.
        fmax: tolerance on max_i |F_i| (eps/sigma). max_iterations: per replica.
        masses: (N,) particle masses (FIRE dynamics; default 1).
        dt: initial FIRE time step (default 0.01 tau; dt_max = 10 dt, dt_min = 0.02 dt).
        max_step: largest displacement of a particle in one step (sigma).
        chunk: iterations per kernel launch between reads of the stop flags.
        threads: threads per block (power of two <= 512; default from N).
    """
    dm = device_model(model)
    batch = prepare_batch(model, positions, boxes, species, diameters)
    if not (np.isfinite(fmax) and fmax > 0):
        raise InputError(f"fmax must be a positive finite number, got {fmax}")
    if int(max_iterations) < 0 or int(chunk) < 1:
        raise InputError("max_iterations must be >= 0 and chunk >= 1")
    dt0 = DT_MD if dt is None else float(dt)
    if not (np.isfinite(dt0) and dt0 > 0 and np.isfinite(max_step) and max_step > 0):
        raise InputError("dt and max_step must be positive and finite")
    m, n = batch.n_replicas, batch.n_particles
    mass = np.ones(n) if masses is None else np.ascontiguousarray(masses, dtype=np.float64)
    if mass.shape != (n,) or not (np.all(np.isfinite(mass)) and np.all(mass > 0)):
        raise InputError(f"masses must be {n} positive finite numbers")
    inv_m = 1.0 / mass
    t = threads_for(n, threads)
    p = FIRE2_PARAMS
    prm = np.array([fmax, 10.0 * dt0, 0.02 * dt0, max_step, p["f_inc"], p["f_dec"],
                    p["alpha_start"], p["f_alpha"]], dtype=np.float64)
    fst = np.empty((m, 2))
    fst[:, 0] = dt0
    fst[:, 1] = p["alpha_start"]
    ist = np.zeros((m, 5), dtype=np.int64)
    ist[:, S_EVALS] = 1
    tab, coef, mp = model_arguments(dm)
    to = cuda.to_device
    d_x = to(batch.positions)
    d_box, d_sp, d_dia = to(batch.boxes), to(batch.species), to(batch.diameters)
    d_tab, d_coef, d_mp = to(tab), to(coef), to(mp)
    d_f = cuda.device_array((m, n, 3), dtype=np.float64)
    d_e = cuda.device_array(m, dtype=np.float64)
    d_w = cuda.device_array(m, dtype=np.float64)
    launch_forces(dm, t, d_x, d_box, d_sp, d_dia, d_tab, d_coef, d_mp, d_f, d_e, d_w)
    d_v = to(np.zeros((m, n, 3)))
    d_fst, d_ist = to(fst), to(ist)
    d_stop = to(np.zeros(m, dtype=np.int64))
    d_im, d_mass, d_prm = to(inv_m), to(1.0 / inv_m), to(prm)
    kernel = fire2_kernel(dm.form, dm.mixing, dm.n_species, t)
    # every replica stops within max_iterations + max_uphill + 1 passes of the loop
    for _ in range(0, int(max_iterations) + int(p["max_uphill"]) + 2, int(chunk)):
        kernel[m, t](d_x, d_v, d_f, d_im, d_mass, d_box, d_sp, d_dia, d_tab, d_coef, d_mp, d_e,
                     d_fst, d_ist, d_stop, d_prm, int(chunk), int(max_iterations),
                     int(p["n_delay"]), int(p["max_uphill"]))
        if np.all(d_stop.copy_to_host() != RUNNING):
            break
    stop = d_stop.copy_to_host()
    ist = d_ist.copy_to_host()
    # honest ending: fresh forces at the returned positions
    launch_forces(dm, t, d_x, d_box, d_sp, d_dia, d_tab, d_coef, d_mp, d_f, d_e, d_w)
    forces = d_f.copy_to_host()
    energies = d_e.copy_to_host()
    max_force = np.sqrt(np.max(np.einsum("mia,mia->mi", forces, forces), axis=1))
    converged = np.isfinite(energies) & (max_force < fmax)
    reasons = []
    for r in range(m):
        reason = STOP_REASONS.get(int(stop[r]), "max_iterations")
        if reason == "converged" and not converged[r]:
            reason = "not converged"
        reasons.append(reason)
    from pelkit.engine.cuda import device_name

    return BatchedQuenchResult(
        positions=d_x.copy_to_host(),
        energies=energies,
        max_force=max_force,
        iterations=ist[:, S_IT].copy(),
        evaluations=ist[:, S_EVALS].copy(),
        converged=converged,
        stop_reason=reasons,
        fmax=float(fmax),
        device=device_name(),
    )
