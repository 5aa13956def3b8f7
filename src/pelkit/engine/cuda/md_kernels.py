"""The fused MD kernel: many velocity-Verlet steps of M replicas in one launch.

One thread block per replica runs ``n_steps`` steps with the equations of
:func:`pelkit.dynamics.integrators.run_chunk` (same splitting, same order of operations):

    NVE / Bussi / NHC step:  [NHC half step]  v += (dt/2) F/m ; x += dt v (wrapped, images)
                             F(x) ; v += (dt/2) F/m ; [NHC half step | Bussi rescale]
    Langevin (BAOAB):        v += (dt/2) F/m ; x += (dt/2) v ; v = c1 v + c2 sqrt(T/m) xi ;
                             x += (dt/2) v ; F(x) ; v += (dt/2) F/m
    with c1 = exp(-gamma dt), c2 = sqrt(1 - c1^2), xi standard normal.

NHC: the Trotter-factorised half step of Martyna, Tuckerman, Tobias & Klein, Mol. Phys. 87,
1117 (1996), exactly as :func:`pelkit.dynamics.integrators.nhc_half_step` (run by thread 0 on
the replica's chain). Bussi: Bussi, Donadio & Parrinello, J. Chem. Phys. 126, 014101 (2007),
K' = K + (1-c)(Kt (R1^2 + S)/Nf - K) + 2 R1 sqrt(c (1-c) Kt K / Nf), as
:func:`pelkit.dynamics.integrators.bussi_rescale`; S, a chi-square variate with Nf - 1
degrees of freedom, is drawn on the block's threads as a sum of floor((Nf-1)/2) chi^2_2 =
-2 log U variates plus one squared normal when Nf - 1 is odd (exact in distribution; the CPU
draws 2 Gamma((Nf-1)/2)). Langevin BAOAB: Leimkuhler & Matthews, J. Chem. Phys. 138, 174102
(2013), both Box-Muller normals used. Random numbers: one xoroshiro128+ stream per (replica,
thread) (:mod:`pelkit.engine.cuda.rng`), so the streams differ from the CPU engine's.

A step whose energy is not finite or exceeds the limit (|U| > limit), or whose kinetic energy is
not finite, sets the replica's status to 1 and freezes it at that step; the other blocks go on.
"""

from __future__ import annotations

import math
from functools import cache

from numba import float64, int64

from pelkit.engine.cuda._cuda import cuda
from pelkit.engine.cuda.device import (
    exp2_variate,
    make_block_forces,
    make_block_reductions,
    normal_pair,
    wrap,
)

NVE, NOSE_HOOVER, BUSSI, LANGEVIN = 0, 1, 2, 3  # as pelkit.dynamics.integrators
# layout of the float parameter vector ``prm``
P_DT, P_TEMP, P_DOF, P_TAU, P_GAMMA, P_LIMIT, P_C1, P_C2 = range(8)
N_PRM = 8


@cuda.jit(device=True)
def _nhc_force(k, ke2, dof, temperature, q, vxi, r):
    if k == 0:
        return (ke2 - dof * temperature) / q[r, 0]
    return (q[r, k - 1] * vxi[r, k - 1] * vxi[r, k - 1] - temperature) / q[r, k]


@cuda.jit(device=True)
def nhc_half(r, q, xi, vxi, ke2, dof, temperature, dt):
    """Chain half step of replica r over dt/2; returns the velocity scale exp(-vxi_0 dt/2)."""
    m = q.shape[1]
    dt2 = 0.5 * dt
    dt4 = 0.25 * dt
    dt8 = 0.125 * dt
    vxi[r, m - 1] += _nhc_force(m - 1, ke2, dof, temperature, q, vxi, r) * dt4
    for k in range(m - 2, -1, -1):
        vxi[r, k] *= math.exp(-vxi[r, k + 1] * dt8)
        vxi[r, k] += _nhc_force(k, ke2, dof, temperature, q, vxi, r) * dt4
        vxi[r, k] *= math.exp(-vxi[r, k + 1] * dt8)
    scale = math.exp(-vxi[r, 0] * dt2)
    ke2 *= scale * scale
    for k in range(m):
        xi[r, k] += vxi[r, k] * dt2
    for k in range(m - 1):
        vxi[r, k] *= math.exp(-vxi[r, k + 1] * dt8)
        vxi[r, k] += _nhc_force(k, ke2, dof, temperature, q, vxi, r) * dt4
        vxi[r, k] *= math.exp(-vxi[r, k + 1] * dt8)
    vxi[r, m - 1] += _nhc_force(m - 1, ke2, dof, temperature, q, vxi, r) * dt4
    return scale


@cuda.jit(device=True)
def bussi_alpha(ke2, dof, temperature, tau, dt, r1, chi2):
    """(velocity scale alpha, kinetic energy added) of the Bussi rescaling over dt."""
    ke = 0.5 * ke2
    if ke <= 0.0:
        return 1.0, 0.0
    c = math.exp(-dt / tau) if tau > 0 else 0.0
    kt = 0.5 * dof * temperature
    s = chi2 if dof > 1 else 0.0
    new = ke + (1.0 - c) * (kt * (r1 * r1 + s) / dof - ke) + 2.0 * r1 * math.sqrt(
        c * (1.0 - c) * kt * ke / dof
    )
    new = max(new, 0.0)
    return math.sqrt(new / ke), new - ke


@cache
def md_kernel(form: int, mixing: int, n_species: int, threads: int, thermostat: int):
    """Compiled ``kernel[M, T](pos, vel, img, frc, masses, box, species, diam, tab, coef, mp,
    prm, q, xi, vxi, states, energy, virial, work, status, steps_done, blow_step, sums,
    n_steps)``.

    Arrays (device, replica-major): pos/vel/frc (M, N, 3) float64, img (M, N, 3) int64,
    masses (N,), box (M, 3), species (M, N) int64, diam (M, N), q/xi/vxi (M, C), states
    (M T,) xoroshiro128+, energy/virial/work (M,), status/steps_done/blow_step (M,) int64,
    sums (M, 3) (overwritten: sum over this launch's steps of T = 2 KE/dof, U, W). ``frc``,
    ``energy`` and ``virial`` must hold the values at ``pos`` on entry.
    """
    t_max = threads
    block_forces = make_block_forces(form, mixing, n_species, threads)
    block_sum = make_block_reductions(threads)[0]
    nhc = thermostat == NOSE_HOOVER
    bussi = thermostat == BUSSI
    langevin = thermostat == LANGEVIN

    @cuda.jit(device=True)
    def local_ke2(vel, masses, r, n):
        t = cuda.threadIdx.x
        acc = 0.0
        for i in range(t, n, t_max):
            vx = vel[r, i, 0]
            vy = vel[r, i, 1]
            vz = vel[r, i, 2]
            acc += masses[i] * (vx * vx + vy * vy + vz * vz)
        return acc

    @cuda.jit(device=True)
    def scale_velocities(vel, r, n, scale):
        t = cuda.threadIdx.x
        for i in range(t, n, t_max):
            vel[r, i, 0] *= scale
            vel[r, i, 1] *= scale
            vel[r, i, 2] *= scale

    @cuda.jit(device=True)
    def drift(pos, vel, img, box, r, n, h):
        t = cuda.threadIdx.x
        for i in range(t, n, t_max):
            for a in range(3):
                x, im = wrap(pos[r, i, a] + h * vel[r, i, a], box[r, a], img[r, i, a])
                pos[r, i, a] = x
                img[r, i, a] = im

    @cuda.jit(device=True)
    def kick(vel, frc, masses, r, n, h):
        t = cuda.threadIdx.x
        for i in range(t, n, t_max):
            w = h / masses[i]
            for a in range(3):
                vel[r, i, a] += w * frc[r, i, a]

    @cuda.jit
    def kernel(pos, vel, img, frc, masses, box, species, diam, tab, coef, mp, prm, q, xi, vxi,
               states, energy, virial, work, status, steps_done, blow_step, sums, n_steps):
        r = cuda.blockIdx.x
        t = cuda.threadIdx.x
        sh_pos = cuda.shared.array((t_max, 3), float64)
        sh_f = cuda.shared.array(t_max, float64)
        sh_i = cuda.shared.array(t_max, int64)
        red = cuda.shared.array((4, t_max), float64)
        bc = cuda.shared.array(2, float64)
        n = pos.shape[1]
        if status[r] != 0:
            if t == 0:
                sums[r, 0] = 0.0
                sums[r, 1] = 0.0
                sums[r, 2] = 0.0
            return
        dt = prm[P_DT]
        temp = prm[P_TEMP]
        dof = prm[P_DOF]
        tau = prm[P_TAU]
        limit = prm[P_LIMIT]
        c1 = prm[P_C1]
        c2 = prm[P_C2]
        hdt = 0.5 * dt
        n_chi = int64(dof - 1.0 + 0.5)  # degrees of freedom of S
        sidx = r * t_max + t
        u = energy[r]
        w = virial[r]
        wk = work[r]
        s_t = 0.0
        s_u = 0.0
        s_w = 0.0
        done = 0
        blown = False
        for _step in range(n_steps):
            if nhc:
                ke2 = block_sum(local_ke2(vel, masses, r, n), red)
                if t == 0:
                    bc[0] = nhc_half(r, q, xi, vxi, ke2, dof, temp, dt)
                cuda.syncthreads()
                scale_velocities(vel, r, n, bc[0])
            if langevin:
                kick(vel, frc, masses, r, n, hdt)
                drift(pos, vel, img, box, r, n, hdt)
                ke_before = 0.5 * block_sum(local_ke2(vel, masses, r, n), red)
                spare = 0.0
                have = False
                for i in range(t, n, t_max):
                    sd = math.sqrt(temp / masses[i])
                    for a in range(3):
                        if have:
                            z = spare
                            have = False
                        else:
                            z, spare = normal_pair(states, sidx)
                            have = True
                        vel[r, i, a] = c1 * vel[r, i, a] + c2 * sd * z
                ke_after = 0.5 * block_sum(local_ke2(vel, masses, r, n), red)
                wk += ke_after - ke_before
                drift(pos, vel, img, box, r, n, hdt)
            else:
                # kick then drift particle by particle (the CPU ``_kick_drift``)
                for i in range(t, n, t_max):
                    wm = hdt / masses[i]
                    for a in range(3):
                        v = vel[r, i, a] + wm * frc[r, i, a]
                        vel[r, i, a] = v
                        x, im = wrap(pos[r, i, a] + dt * v, box[r, a], img[r, i, a])
                        pos[r, i, a] = x
                        img[r, i, a] = im
            # block_forces synchronises before it reads the new positions
            u, w, _gg, _mx = block_forces(r, pos, box, species, diam, tab, coef, mp, frc,
                                          sh_pos, sh_f, sh_i, red)
            kick(vel, frc, masses, r, n, hdt)
            ke2 = block_sum(local_ke2(vel, masses, r, n), red)
            if nhc:
                if t == 0:
                    bc[0] = nhc_half(r, q, xi, vxi, ke2, dof, temp, dt)
                cuda.syncthreads()
                scale_velocities(vel, r, n, bc[0])
                ke2 = block_sum(local_ke2(vel, masses, r, n), red)
            elif bussi:
                acc = 0.0
                for _k in range(t, n_chi // 2, t_max):
                    acc += exp2_variate(states, sidx)
                chi2 = block_sum(acc, red)
                if t == 0:
                    r1, z = normal_pair(states, sidx)
                    if n_chi % 2 == 1:
                        chi2 += z * z
                    alpha, added = bussi_alpha(ke2, dof, temp, tau, dt, r1, chi2)
                    bc[0] = alpha
                    wk += added
                cuda.syncthreads()
                scale_velocities(vel, r, n, bc[0])
                ke2 = block_sum(local_ke2(vel, masses, r, n), red)
            s_t += ke2 / dof
            s_u += u
            s_w += w
            done += 1
            if not (math.isfinite(u) and math.isfinite(ke2)) or abs(u) > limit:
                blown = True
                break
        if t == 0:
            energy[r] = u
            virial[r] = w
            work[r] = wk
            sums[r, 0] = s_t
            sums[r, 1] = s_u
            sums[r, 2] = s_w
            steps_done[r] += done
            if blown:
                status[r] = 1
                blow_step[r] = steps_done[r]

    return kernel
