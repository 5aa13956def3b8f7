"""Numba MD kernels: velocity Verlet with NVE, Nose-Hoover chain, Bussi and Langevin (BAOAB).

One kernel runs a chunk of steps entirely in compiled code (forces, thermostat, neighbour-list
checks and rebuilds, wrapping with image counts), accumulating the thermodynamic sums the Python
driver (:mod:`pelkit.dynamics.md`) logs. Thermostat codes: 0 NVE, 1 Nose-Hoover chain, 2 Bussi
stochastic velocity rescaling, 3 Langevin (BAOAB splitting).

References: Martyna, Klein & Tuckerman, J. Chem. Phys. 97, 2635 (1992) and Martyna et al., Mol.
Phys. 87, 1117 (1996) (NHC, Trotter-factorised half steps); Bussi, Donadio & Parrinello, J. Chem.
Phys. 126, 014101 (2007); Leimkuhler & Matthews, J. Chem. Phys. 138, 174102 (2013) (BAOAB).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pelkit.engine.geometry import nearest_image
from pelkit.engine.neighbors import forces_with_list
from pelkit.engine.pair import force_plan, species_tables, vector_form

NVE, NOSE_HOOVER, BUSSI, LANGEVIN = 0, 1, 2, 3
THERMOSTATS = {"nve": NVE, "nose-hoover": NOSE_HOOVER, "bussi": BUSSI, "langevin": LANGEVIN}


@njit(cache=True, nogil=True)
def kinetic2(vel, masses):
    """sum_i m_i |v_i|^2 (twice the kinetic energy)."""
    s = 0.0
    for i in range(vel.shape[0]):
        s += masses[i] * (vel[i, 0] ** 2 + vel[i, 1] ** 2 + vel[i, 2] ** 2)
    return s


@njit(cache=True, nogil=True)
def _nhc_force(k, ke2, dof, temperature, q, vxi):
    if k == 0:
        return (ke2 - dof * temperature) / q[0]
    return (q[k - 1] * vxi[k - 1] ** 2 - temperature) / q[k]


@njit(cache=True, nogil=True)
def nhc_half_step(vel, masses, dof, temperature, q, xi, vxi, dt):
    """Propagate the Nose-Hoover chain (xi, vxi, masses q) and scale velocities over dt/2."""
    m = q.shape[0]
    dt2 = 0.5 * dt
    dt4 = 0.25 * dt
    dt8 = 0.125 * dt
    ke2 = kinetic2(vel, masses)
    vxi[m - 1] += _nhc_force(m - 1, ke2, dof, temperature, q, vxi) * dt4
    for k in range(m - 2, -1, -1):
        vxi[k] *= np.exp(-vxi[k + 1] * dt8)
        vxi[k] += _nhc_force(k, ke2, dof, temperature, q, vxi) * dt4
        vxi[k] *= np.exp(-vxi[k + 1] * dt8)
    scale = np.exp(-vxi[0] * dt2)
    for i in range(vel.shape[0]):
        for a in range(3):
            vel[i, a] *= scale
    ke2 *= scale * scale
    for k in range(m):
        xi[k] += vxi[k] * dt2
    for k in range(m - 1):
        vxi[k] *= np.exp(-vxi[k + 1] * dt8)
        vxi[k] += _nhc_force(k, ke2, dof, temperature, q, vxi) * dt4
        vxi[k] *= np.exp(-vxi[k + 1] * dt8)
    vxi[m - 1] += _nhc_force(m - 1, ke2, dof, temperature, q, vxi) * dt4


@njit(cache=True, nogil=True)
def nhc_energy(dof, temperature, q, xi, vxi):
    """Thermostat part of the NHC conserved quantity: sum Q vxi^2/2 + dof T xi_0 + T sum xi_k."""
    e = 0.0
    for k in range(q.shape[0]):
        e += 0.5 * q[k] * vxi[k] ** 2
        e += (dof if k == 0 else 1.0) * temperature * xi[k]
    return e


@njit(cache=True, nogil=True)
def bussi_rescale(vel, masses, dof, temperature, tau, dt):
    """Bussi-Donadio-Parrinello stochastic velocity rescaling over dt; returns the change in KE.

    K' = K + (1-c)(Kt (R1^2 + S)/Nf - K) + 2 R1 sqrt(c (1-c) Kt K / Nf), c = exp(-dt/tau),
    Kt = Nf T / 2, S = sum of Nf - 1 squared normals (a chi-square / 2 Gamma variate).
    """
    ke = 0.5 * kinetic2(vel, masses)
    if ke <= 0.0:
        return 0.0
    c = np.exp(-dt / tau) if tau > 0 else 0.0
    kt = 0.5 * dof * temperature
    r1 = np.random.standard_normal()
    s = 2.0 * np.random.gamma(0.5 * (dof - 1.0), 1.0) if dof > 1 else 0.0
    new = ke + (1.0 - c) * (kt * (r1 * r1 + s) / dof - ke) + 2.0 * r1 * np.sqrt(
        c * (1.0 - c) * kt * ke / dof
    )
    alpha = np.sqrt(max(new, 0.0) / ke)
    for i in range(vel.shape[0]):
        for a in range(3):
            vel[i, a] *= alpha
    return max(new, 0.0) - ke


@njit(cache=True, nogil=True, inline="always")
def _wrap(x, length, image):
    """(x wrapped into [0, L), image count updated) for a coordinate x."""
    if x >= length:
        shift = np.floor(x / length)
        x -= shift * length
        image += int(shift)
    elif x < 0.0:
        shift = np.floor(x / length)
        x -= shift * length
        image += int(shift)
        if x >= length:
            x -= length
            image += 1
    return x, image


@njit(cache=True, nogil=True)
def _drift(pos, vel, images, box, h, ref):
    """x <- x + h v, wrapping into [0, L) and counting images; returns
    max_i |minimum-image(x_i - ref_i)|^2 (NaN if a position is not finite), the displacement
    since the neighbour list was built (same value as ``max_displacement_sq``)."""
    big = 0.0
    nan = False
    for i in range(pos.shape[0]):
        s = 0.0
        for a in range(3):
            x, images[i, a] = _wrap(pos[i, a] + h * vel[i, a], box[a], images[i, a])
            pos[i, a] = x
            d = x - ref[i, a]
            d = nearest_image(d, box[a])
            s += d * d
        if s != s:
            nan = True
        elif s > big:
            big = s
    return np.nan if nan else big


@njit(cache=True, nogil=True)
def _kick_drift(pos, vel, images, forces, masses, box, hk, hd, ref):
    """v <- v + hk F/m, then x <- x + hd v (wrapped, images counted), particle by particle (the
    same arithmetic as a kick followed by :func:`_drift`); returns the displacement of
    :func:`_drift`."""
    big = 0.0
    nan = False
    for i in range(pos.shape[0]):
        w = hk / masses[i]
        s = 0.0
        for a in range(3):
            v = vel[i, a] + w * forces[i, a]
            vel[i, a] = v
            x, images[i, a] = _wrap(pos[i, a] + hd * v, box[a], images[i, a])
            pos[i, a] = x
            d = x - ref[i, a]
            d = nearest_image(d, box[a])
            s += d * d
        if s != s:
            nan = True
        elif s > big:
            big = s
    return np.nan if nan else big


@njit(cache=True, nogil=True)
def _kick(vel, forces, masses, h):
    """v <- v + h F/m; returns sum_i m_i |v_i|^2 after the kick (as :func:`kinetic2`)."""
    ke2 = 0.0
    for i in range(vel.shape[0]):
        w = h / masses[i]
        for a in range(3):
            vel[i, a] += w * forces[i, a]
        ke2 += masses[i] * (vel[i, 0] ** 2 + vel[i, 1] ** 2 + vel[i, 2] ** 2)
    return ke2


@njit(cache=True, nogil=True)
def run_chunk(pos, vel, images, forces, masses, box, params, lists, bath, control, out):
    """Advance velocity-Verlet steps in place.

    Args:
        pos, vel (N, 3) (sigma, sigma/tau), images (N, 3) int64, forces (N, 3) (eps/sigma),
        masses (N,), box (3,): the state, updated in place; positions wrapped, images counted.
        params: (mixing, species, diameters, eps_table, sigma_table, nonadditivity, terms,
        x_cut), :class:`pelkit.models.base.KernelParams` as a tuple.
        lists: (nbr, counts, ref, builds (1,), skin, r_list), the Verlet list of
        :meth:`pelkit.engine.neighbors.VerletList.kernel_state` (rebuilt in place, builds
        counted).
        bath: (thermostat code, temperature, dof, tau, gamma, q, xi, vxi, seed): Nose-Hoover
        chain masses q and variables xi, vxi (updated in place); seed >= 0 seeds Numba's
        generator.
        control: (dt, n_steps, energy_limit, start_mid, energy_in, virial_in, step0,
        sample_every): step0 is the absolute number of the step before the first one of this
        chunk; the potential energy and virial are computed on the steps whose absolute number
        is a multiple of ``sample_every`` (the sampled steps, summed in ``out``) and on the
        last step of the chunk; the other steps evaluate the forces only
        (:func:`pelkit.engine.pair.forces_only_core`, the same forces bit for bit, so the
        trajectory does not depend on ``sample_every``). ``sample_every`` 1: every step.
        out (8,): the results below.

    ``forces`` must hold the forces of ``pos`` on entry (and holds those of the final state on
    exit). With ``start_mid`` the first step starts at its second half (the forces of the drifted
    positions, with energy ``energy_in`` and virial ``virial_in``, are already in ``forces``):
    this resumes a step interrupted by a neighbour-list overflow. ``out`` (8,) receives:
    [0] steps completed, [1] sum T (every step), [2] sum U, [3] sum W (virial) over the
    sampled steps, [4] last U, [5] last W (those of the last step completed), [6] cumulative
    thermostat work (kinetic energy added by Bussi/Langevin), [7] status (0 ok, 1 blow-up, 2
    neighbour-list overflow: the current step stopped after its drift). A step whose energy is
    not finite or exceeds ``energy_limit`` (total) is a blow-up; on a step without the energy,
    a kinetic energy that is not finite or exceeds ``energy_limit`` (the energy is then
    computed for the report), so a runaway of U alone is caught at the next step with energy.
    """
    mixing, _, _, eps_t, sig_t, _, terms, x_cut = params
    ref = lists[2]
    thermostat, temperature, dof, tau, gamma, q, xi, vxi, seed = bath
    dt, n_steps, energy_limit, start_mid, energy_in, virial_in, step0, sample_every = control
    if seed >= 0:
        np.random.seed(seed)
    form, coef = force_plan(terms)
    form = vector_form(form, mixing, eps_t.shape[0])
    tab = species_tables(eps_t, sig_t, x_cut)
    plan = (form, tab, coef)
    n = pos.shape[0]
    out[:] = 0.0
    energy = energy_in
    virial = virial_in
    work = 0.0
    c1 = np.exp(-gamma * dt)
    c2 = np.sqrt(1.0 - c1 * c1)
    for step in range(n_steps):
        sampled = sample_every <= 1 or (step0 + step + 1) % sample_every == 0
        need = sampled or step == n_steps - 1
        if not (start_mid and step == 0):
            if thermostat == NOSE_HOOVER:
                nhc_half_step(vel, masses, dof, temperature, q, xi, vxi, dt)
            if thermostat == LANGEVIN:
                _kick(vel, forces, masses, 0.5 * dt)
                _drift(pos, vel, images, box, 0.5 * dt, ref)
                ke_before = 0.5 * kinetic2(vel, masses)
                for i in range(n):
                    sd = np.sqrt(temperature / masses[i])
                    for a in range(3):
                        vel[i, a] = c1 * vel[i, a] + c2 * sd * np.random.standard_normal()
                work += 0.5 * kinetic2(vel, masses) - ke_before
                disp2 = _drift(pos, vel, images, box, 0.5 * dt, ref)
            else:
                disp2 = _kick_drift(pos, vel, images, forces, masses, box, 0.5 * dt, dt, ref)
            energy, virial, ok = forces_with_list(pos, box, params, lists, plan, forces, disp2,
                                                  need)
            if not ok:
                out[6] = work
                out[7] = 2.0
                return
        ke2 = _kick(vel, forces, masses, 0.5 * dt)
        if thermostat == NOSE_HOOVER:
            nhc_half_step(vel, masses, dof, temperature, q, xi, vxi, dt)
            ke2 = kinetic2(vel, masses)
        elif thermostat == BUSSI:
            work += bussi_rescale(vel, masses, dof, temperature, tau, dt)
            ke2 = kinetic2(vel, masses)
        out[0] = step + 1
        out[1] += ke2 / dof
        out[6] = work
        if not need and not (np.isfinite(ke2) and 0.5 * ke2 <= energy_limit):
            # blow-up on a force-only step: the energy for the report (list still valid)
            energy, virial, _ = forces_with_list(pos, box, params, lists, plan, forces, 0.0,
                                                 True)
            need = True
            sampled = False
            ke2 = np.nan
        if sampled:
            out[2] += energy
            out[3] += virial
        if need:
            out[4] = energy
            out[5] = virial
            if not (np.isfinite(energy) and np.isfinite(ke2)) or abs(energy) > energy_limit:
                out[7] = 1.0
                return
