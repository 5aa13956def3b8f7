"""CUDA device functions shared by the force, MD and FIRE kernels (float64 throughout).

Layout: one thread block per replica; thread t of a block of T threads (a power of two) owns
particles i = t, t + T, t + 2T, ... Factories (``make_*``) close over compile-time constants
(the form of g, the mixing rule, T) so each compiled kernel holds one code path; they are
cached by their arguments.

- :func:`make_block_reductions`: tree sums / maxima over the threads of a block in shared
  memory (deterministic order; every thread gets the result).
- :func:`make_block_forces`: all-pairs energy, virial and forces of one replica (the pair
  arithmetic of :mod:`pelkit.engine.pair`: minimum image x - L floor(x/L + 1/2), the
  Lennard-Jones z = (sigma/r)^6 form or Horner in y = (r/sigma)^2 or x = r/sigma).
- :func:`wrap` (into [0, L) with image counts, as :mod:`pelkit.dynamics.integrators`).
- Random numbers: :func:`uniform` draws from the thread's xoroshiro128+ stream (Blackman &
  Vigna, ACM TOMS 47, 36 (2021); states (K, 2) uint64 seeded by :mod:`pelkit.engine.cuda.rng`),
  bit for bit the generator and 53-bit uniforms of ``numba.cuda.random``, written here on plain
  uint64 words (the 64-bit sum in two 32-bit halves, so the CUDA simulator never overflows a
  NumPy scalar, and ~4x faster there than Numba's object-mode helpers); :func:`normal_pair`
  gives two independent standard normals by Box-Muller (Numba's normal uses 24-bit uniforms
  and discards one); :func:`exp2_variate` is chi^2_2 = -2 log U.
"""

from __future__ import annotations

import math
from functools import cache

from numba import float64, int64, uint64

from pelkit.engine.cuda._cuda import cuda, floor
from pelkit.engine.pair import EVEN_NEG, FORM_EVEN, FORM_LJ, ODD_NEG, POS

TWO_PI = 2.0 * math.pi
_LOW32 = 0xFFFFFFFF
_TWO_M53 = 1.0 / 9007199254740992.0  # 2^-53


@cuda.jit(device=True)
def wrap(x, length, image):
    """(x wrapped into [0, L), image count updated), the arithmetic of the CPU ``_wrap``."""
    if x >= length:
        shift = floor(x / length)
        x -= shift * length
        image += int64(shift)
    elif x < 0.0:
        shift = floor(x / length)
        x -= shift * length
        image += int64(shift)
        if x >= length:
            x -= length
            image += 1
    return x, image


@cuda.jit(device=True)
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@cuda.jit(device=True)
def next_u64(states, index):
    """The next 64-bit output of xoroshiro128+ stream ``index`` (states (K, 2) uint64)."""
    s0 = states[index, 0]
    s1 = states[index, 1]
    low = uint64(_LOW32)
    lo = (s0 & low) + (s1 & low)
    hi = (s0 >> uint64(32)) + (s1 >> uint64(32)) + (lo >> uint64(32))
    result = ((hi & low) << uint64(32)) | (lo & low)  # s0 + s1 mod 2^64
    s1 ^= s0
    states[index, 0] = _rotl(s0, 55) ^ s1 ^ (s1 << uint64(14))
    states[index, 1] = _rotl(s1, 36)
    return result


@cuda.jit(device=True)
def uniform(states, index):
    """A uniform float64 in [0, 1) with 53 random bits."""
    return float64(next_u64(states, index) >> uint64(11)) * _TWO_M53


@cuda.jit(device=True)
def normal_pair(states, index):
    """Two independent standard normal deviates (Box-Muller, float64)."""
    rho = math.sqrt(-2.0 * math.log(1.0 - uniform(states, index)))  # 1 - u in (0, 1]
    phi = TWO_PI * uniform(states, index)
    return rho * math.cos(phi), rho * math.sin(phi)


@cuda.jit(device=True)
def exp2_variate(states, index):
    """A chi-square variate with 2 degrees of freedom: -2 log U (U uniform in (0, 1])."""
    return -2.0 * math.log(1.0 - uniform(states, index))


@cuda.jit(device=True)
def horner(coef, row, z, size):
    """sum_k coef[row, k] z^k for k < size."""
    h = coef[row, size - 1]
    for k in range(size - 2, -1, -1):
        h = h * z + coef[row, k]
    return h


@cache
def make_block_reductions(threads: int):
    """(block_sum, block_sum3, block_max, block_sum3_max) for blocks of ``threads`` threads.

    Each takes the calling thread's value(s) and a shared scratch array red (4, threads)
    float64 and returns the block totals (maximum) to every thread; all threads of the block
    must call it (it synchronises). ``block_sum3_max(a, b, c, x, red)`` returns the sums of
    a, b, c and the maximum of x in one pass. Maxima propagate NaN.
    """
    t_max = threads

    @cuda.jit(device=True)
    def block_sum(value, red):
        t = cuda.threadIdx.x
        red[0, t] = value
        cuda.syncthreads()
        s = t_max // 2
        while s > 0:
            if t < s:
                red[0, t] += red[0, t + s]
            cuda.syncthreads()
            s //= 2
        total = red[0, 0]
        cuda.syncthreads()
        return total

    @cuda.jit(device=True)
    def block_sum3(a, b, c, red):
        t = cuda.threadIdx.x
        red[0, t] = a
        red[1, t] = b
        red[2, t] = c
        cuda.syncthreads()
        s = t_max // 2
        while s > 0:
            if t < s:
                red[0, t] += red[0, t + s]
                red[1, t] += red[1, t + s]
                red[2, t] += red[2, t + s]
            cuda.syncthreads()
            s //= 2
        ta = red[0, 0]
        tb = red[1, 0]
        tc = red[2, 0]
        cuda.syncthreads()
        return ta, tb, tc

    @cuda.jit(device=True)
    def block_max(value, red):
        t = cuda.threadIdx.x
        red[0, t] = value
        cuda.syncthreads()
        s = t_max // 2
        while s > 0:
            if t < s:
                other = red[0, t + s]
                # NaN wins, so a non-finite value is never hidden by the maximum
                if other > red[0, t] or other != other:
                    red[0, t] = other
            cuda.syncthreads()
            s //= 2
        total = red[0, 0]
        cuda.syncthreads()
        return total

    @cuda.jit(device=True)
    def block_sum3_max(a, b, c, x, red):
        t = cuda.threadIdx.x
        red[0, t] = a
        red[1, t] = b
        red[2, t] = c
        red[3, t] = x
        cuda.syncthreads()
        s = t_max // 2
        while s > 0:
            if t < s:
                red[0, t] += red[0, t + s]
                red[1, t] += red[1, t + s]
                red[2, t] += red[2, t + s]
                other = red[3, t + s]
                if other > red[3, t] or other != other:
                    red[3, t] = other
            cuda.syncthreads()
            s //= 2
        ta = red[0, 0]
        tb = red[1, 0]
        tc = red[2, 0]
        tx = red[3, 0]
        cuda.syncthreads()
        return ta, tb, tc, tx

    return block_sum, block_sum3, block_max, block_sum3_max


@cache
def make_radial(form: int):
    """Device function (eps g(x), s = -phi'(r)/r) from x^2, eps, 1/sigma^2 and the Horner
    coefficients ``coef`` (4, 14) of :func:`pelkit.engine.pair.force_plan` (as ``_radial``)."""
    if form == FORM_LJ:

        @cuda.jit(device=True)
        def radial(x2, eps, isig2, coef):
            iy = 1.0 / x2
            z = iy * iy * iy
            g = coef[0, 0] + z * (coef[0, 3] + z * coef[0, 6])
            big = iy * z * (coef[2, 4] + z * coef[2, 7])
            return eps * g, -eps * big * isig2

    elif form == FORM_EVEN:

        @cuda.jit(device=True)
        def radial(x2, eps, isig2, coef):
            iy = 1.0 / x2
            g = horner(coef, 0, iy, EVEN_NEG) + x2 * horner(coef, 1, x2, POS)
            big = horner(coef, 2, iy, EVEN_NEG + 1) + x2 * horner(coef, 3, x2, POS)
            return eps * g, -eps * big * isig2

    else:

        @cuda.jit(device=True)
        def radial(x2, eps, isig2, coef):
            y = math.sqrt(x2)
            iy = 1.0 / y
            g = horner(coef, 0, iy, ODD_NEG) + y * horner(coef, 1, y, POS)
            big = horner(coef, 2, iy, ODD_NEG + 1) + y * horner(coef, 3, y, POS)
            return eps * g, -eps * big * iy * isig2

    return radial


@cache
def make_block_forces(form: int, mixing: int, n_species: int, threads: int):
    """Device function: energy U, virial W and forces of replica r, by all pairs.

    ``block_forces(r, pos, box, species, diam, tab, coef, mp, forces, sh_pos, sh_f, sh_i,
    red) -> (U, W, sum_i |F_i|^2, max_i |F_i|^2)``, called by every thread of the block.
    pos (M, N, 3), box (M, 3), species (M, N) int64, diam (M, N), tab (3, S*S) and coef (4, 14) from
    :class:`pelkit.engine.cuda.plan.DeviceModel`, mp = (eps0, x_c^2, k_na); forces (M, N, 3)
    is written for the thread's particles (eps/sigma). Shared scratch: sh_pos (T, 3), sh_f
    (T,), sh_i (T,) int64, red (4, T).

    Each thread sums the force on its particle i over all j != i, reading the positions tile
    by tile (T particles at a time) from shared memory: F_i = sum_j s_ij r_ij with s = -phi'/r;
    U = (1/2) sum_i sum_j phi_ij and W = -(1/6) sum_i sum_j r phi'(r) (each pair seen twice).
    """
    t_max = threads
    radial = make_radial(form)
    block_sum3_max = make_block_reductions(threads)[3]
    species_rule = mixing == 0
    n_sp = n_species

    @cuda.jit(device=True)
    def block_forces(r, pos, box, species, diam, tab, coef, mp, forces, sh_pos, sh_f, sh_i, red):
        t = cuda.threadIdx.x
        n = pos.shape[1]
        lx = box[r, 0]
        ly = box[r, 1]
        lz = box[r, 2]
        ilx = 1.0 / lx
        ily = 1.0 / ly
        ilz = 1.0 / lz
        eps0 = mp[0]
        xc2 = mp[1]
        k_na = mp[2]
        e_acc = 0.0
        w_acc = 0.0
        f2_acc = 0.0
        f2_max = 0.0
        for i0 in range(0, n, t_max):
            i = i0 + t
            active = i < n
            ii = i if active else n - 1
            xi = pos[r, ii, 0]
            yi = pos[r, ii, 1]
            zi = pos[r, ii, 2]
            row = species[r, ii] * n_sp
            di = diam[r, ii]
            fx = 0.0
            fy = 0.0
            fz = 0.0
            for base in range(0, n, t_max):
                cuda.syncthreads()
                j = base + t
                if j < n:
                    sh_pos[t, 0] = pos[r, j, 0]
                    sh_pos[t, 1] = pos[r, j, 1]
                    sh_pos[t, 2] = pos[r, j, 2]
                    if species_rule:
                        sh_i[t] = species[r, j]
                    else:
                        sh_f[t] = diam[r, j]
                cuda.syncthreads()
                if active:
                    for jj in range(min(t_max, n - base)):
                        if base + jj == i:
                            continue
                        dx = xi - sh_pos[jj, 0]
                        dy = yi - sh_pos[jj, 1]
                        dz = zi - sh_pos[jj, 2]
                        # minimum image as pelkit.engine.geometry.minimum_image, written
                        # out: a CUDA device kernel cannot call the CPU-jitted helper
                        dx -= lx * floor(dx * ilx + 0.5)
                        dy -= ly * floor(dy * ily + 0.5)
                        dz -= lz * floor(dz * ilz + 0.5)
                        r2 = dx * dx + dy * dy + dz * dz
                        if species_rule:
                            k = row + sh_i[jj]
                            eps = tab[0, k]
                            isig2 = tab[1, k]
                            inside = r2 < tab[2, k]
                        else:
                            dj = sh_f[jj]
                            sig = 0.5 * (di + dj) * (1.0 - k_na * abs(di - dj))
                            isig2 = 1.0 / (sig * sig)
                            eps = eps0
                            inside = r2 * isig2 < xc2
                        if inside:
                            e, s = radial(r2 * isig2, eps, isig2, coef)
                            e_acc += 0.5 * e
                            w_acc += 0.5 * (s * r2)
                            fx += s * dx
                            fy += s * dy
                            fz += s * dz
            if active:
                forces[r, i, 0] = fx
                forces[r, i, 1] = fy
                forces[r, i, 2] = fz
                f2 = fx * fx + fy * fy + fz * fz
                f2_acc += f2
                if f2 > f2_max or f2 != f2:
                    f2_max = f2
        energy, virial, gg, big = block_sum3_max(e_acc, w_acc, f2_acc, f2_max, red)
        return energy, virial / 3.0, gg, big

    return block_forces

