"""Small periodic test systems with NumPy energy, gradient, Hessian and third-order contraction.

Independent of pelkit's engine: every quantity follows SCIENCE.md section 1d directly and is
checked against finite differences in the tests.

* :func:`soft_sphere_glass`: binary 50:50 soft spheres v = (sigma_ij/r)^12 (sigma_B/sigma_A = 1.2,
  additive), quadratically smoothed at 1.5 sigma_ij, N = 64 at rho = 1, quenched to max force
  < 1e-11 (L-BFGS then Newton).
* :func:`spring_network`: a simple-cubic lattice of harmonic springs to the 6 nearest and 12
  next-nearest neighbours, optionally jittered; every rest length equals the initial bond length,
  so the initial configuration is an exact minimum (U = 0).  Without jitter the spectrum is known
  from Bloch's theorem (:func:`sc_lattice_spectrum`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import scipy.optimize as so
import scipy.sparse as sp

Radial = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


class PairToy:
    """U = sum over listed pairs phi_p(|r_i - r_j|) (minimum image) + an optional tether.

    Args:
        box: cubic box side L.
        pi, pj: (P,) particle indices of the pairs.
        radial: r (P,) -> (phi, phi', phi'', phi''') (P,) each, per pair.
        n: number of particles.
        tether: optional (particle, stiffness, reference position (3,)) adding
            (k/2)|r_p - r_ref|^2, which breaks translation invariance.
    """

    def __init__(self, box: float, pi, pj, radial: Radial, n: int, tether=None) -> None:
        self.box = float(box)
        self.pi = np.asarray(pi, dtype=np.int64)
        self.pj = np.asarray(pj, dtype=np.int64)
        self.radial = radial
        self.n = n
        self.tether = tether

    def geometry(self, x):
        pos = np.asarray(x, dtype=np.float64).reshape(self.n, 3)
        d = pos[self.pi] - pos[self.pj]
        d -= self.box * np.round(d / self.box)
        r = np.linalg.norm(d, axis=1)
        return d, r, d / r[:, None]

    def energy(self, x) -> float:
        _, r, _ = self.geometry(x)
        e = float(np.sum(self.radial(r)[0]))
        if self.tether is not None:
            p, k, ref = self.tether
            e += 0.5 * k * float(np.sum((np.reshape(x, (-1, 3))[p] - ref) ** 2))
        return e

    def gradient(self, x) -> np.ndarray:
        _, r, nv = self.geometry(x)
        f = self.radial(r)[1][:, None] * nv
        g = np.zeros((self.n, 3))
        np.add.at(g, self.pi, f)
        np.add.at(g, self.pj, -f)
        if self.tether is not None:
            p, k, ref = self.tether
            g[p] += k * (np.reshape(x, (-1, 3))[p] - ref)
        return g.reshape(-1)

    def blocks(self, x) -> np.ndarray:
        """K = phi'' n n^T + (phi'/r)(I - n n^T) per pair, (P, 3, 3)."""
        _, r, nv = self.geometry(x)
        _, d1, d2, _ = self.radial(r)
        nn = nv[:, :, None] * nv[:, None, :]
        return d2[:, None, None] * nn + (d1 / r)[:, None, None] * (np.eye(3)[None] - nn)

    def hessian(self, x) -> np.ndarray:
        k = self.blocks(x)
        h = np.zeros((self.n, self.n, 3, 3))
        np.add.at(h, (self.pi, self.pj), -k)
        np.add.at(h, (self.pj, self.pi), -k)
        np.add.at(h, (self.pi, self.pi), k)
        np.add.at(h, (self.pj, self.pj), k)
        if self.tether is not None:
            p, kt, _ = self.tether
            h[p, p] += kt * np.eye(3)
        return h.transpose(0, 2, 1, 3).reshape(3 * self.n, 3 * self.n)

    def hessian_sparse(self, x) -> sp.csr_matrix:
        return sp.csr_matrix(self.hessian(x))

    def hvp(self, x, v) -> np.ndarray:
        _, r, nv = self.geometry(x)
        _, d1, d2, _ = self.radial(r)
        vv = np.reshape(v, (self.n, 3))
        u = vv[self.pi] - vv[self.pj]
        nu = np.sum(nv * u, axis=1)
        f = d2[:, None] * nu[:, None] * nv + (d1 / r)[:, None] * (u - nu[:, None] * nv)
        out = np.zeros((self.n, 3))
        np.add.at(out, self.pi, f)
        np.add.at(out, self.pj, -f)
        if self.tether is not None:
            p, kt, _ = self.tether
            out[p] += kt * vv[p]
        return out.reshape(-1)

    def third_order_vv(self, x, v) -> np.ndarray:
        """(U:vv)_i = sum_j t_ij, t_ij = A (n.u)^2 n + B [(u.u) n + 2 (n.u) u] (SCIENCE.md 1d)."""
        _, r, nv = self.geometry(x)
        _, d1, d2, d3 = self.radial(r)
        a = d3 - 3.0 * d2 / r + 3.0 * d1 / r**2
        b = d2 / r - d1 / r**2
        vv = np.reshape(v, (self.n, 3))
        u = vv[self.pi] - vv[self.pj]
        nu = np.sum(nv * u, axis=1)
        uu = np.sum(u * u, axis=1)
        t = (a * nu**2)[:, None] * nv + b[:, None] * (uu[:, None] * nv + 2.0 * nu[:, None] * u)
        out = np.zeros((self.n, 3))
        np.add.at(out, self.pi, t)
        np.add.at(out, self.pj, -t)
        return out.reshape(-1)


# ---------------------------------------------------------------------------------------------
# soft-sphere glass
# ---------------------------------------------------------------------------------------------


def smoothed_power_law(sig: np.ndarray, x_cut: float = 1.5, power: int = 12) -> Radial:
    """v = (sigma/r)^n with phi, phi', phi'' all zero at r_c = x_cut sigma (quadratic Taylor)."""
    rc = x_cut * sig

    def raw(r):
        v = (sig / r) ** power
        return (
            v,
            -power * v / r,
            power * (power + 1) * v / r**2,
            -power * (power + 1) * (power + 2) * v / r**3,
        )

    v_c, d1_c, d2_c, _ = raw(rc)

    def radial(r):
        inside = r < rc
        v, d1, d2, d3 = raw(r)
        dr = r - rc
        phi = v - v_c - dr * d1_c - 0.5 * dr**2 * d2_c
        p1 = d1 - d1_c - dr * d2_c
        p2 = d2 - d2_c
        return tuple(np.where(inside, q, 0.0) for q in (phi, p1, p2, d3))

    return radial


def _newton_polish(toy: PairToy, x: np.ndarray, steps: int = 8) -> np.ndarray:
    for _ in range(steps):
        g = toy.gradient(x)
        if np.max(np.linalg.norm(g.reshape(-1, 3), axis=1)) < 1e-12:
            break
        dx = np.linalg.lstsq(toy.hessian(x), -g, rcond=1e-12)[0]
        x = x + dx
    return x


@lru_cache(maxsize=4)
def soft_sphere_glass(seed: int = 3, cells: int = 4) -> tuple[PairToy, np.ndarray]:
    """(toy, x_min): a quenched binary soft-sphere glass, N = cells^3 at rho = 1."""
    rng = np.random.default_rng(seed)
    n = cells**3
    box = float(cells)  # rho = 1
    grid = np.array(list(itertools.product(range(cells), repeat=3)), dtype=np.float64)
    x0 = (grid + 0.5 + rng.uniform(-0.3, 0.3, size=grid.shape)).reshape(-1)
    diam = np.where(rng.permutation(n) < n // 2, 1.0, 1.2)
    pi, pj = np.triu_indices(n, k=1)
    sig = 0.5 * (diam[pi] + diam[pj])
    toy = PairToy(box, pi, pj, smoothed_power_law(sig), n)
    res = so.minimize(
        toy.energy, x0, jac=toy.gradient, method="L-BFGS-B",
        options={"maxiter": 20000, "gtol": 1e-9, "ftol": 1e-15, "maxcor": 20},
    )
    x = _newton_polish(toy, res.x)
    return toy, x


def perturbed(x: np.ndarray, amplitude: float, seed: int) -> np.ndarray:
    """x plus independent Gaussian displacements of standard deviation ``amplitude``."""
    rng = np.random.default_rng(seed)
    return x + amplitude * rng.normal(size=x.shape)


# ---------------------------------------------------------------------------------------------
# spring networks
# ---------------------------------------------------------------------------------------------

_NN = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
_NNN = [(1, 1, 0), (1, -1, 0), (1, 0, 1), (1, 0, -1), (0, 1, 1), (0, 1, -1)]


def spring_network(
    cells: int = 4,
    k1: float = 1.0,
    k2: float = 0.5,
    jitter: float = 0.0,
    seed: int = 0,
    free_particle: int | None = None,
    tether: float | None = None,
) -> tuple[PairToy, np.ndarray]:
    """(toy, x): simple-cubic spring network (NN k1, face-diagonal NNN k2), lattice constant 1.

    Rest lengths equal the initial bond lengths, so x is an exact minimum.  ``free_particle``
    removes every bond of that particle (3 extra zero modes); ``tether`` ties particle 0 to its
    position with that stiffness (no translational zero modes).
    """
    rng = np.random.default_rng(seed)
    n = cells**3
    grid = np.array(list(itertools.product(range(cells), repeat=3)), dtype=np.int64)
    index = {tuple(g): i for i, g in enumerate(grid)}
    pi, pj, kk = [], [], []
    for i, g in enumerate(grid):
        for vecs, k in ((_NN, k1), (_NNN, k2)):
            for b in vecs:
                j = index[tuple((g + np.array(b)) % cells)]
                if free_particle is not None and free_particle in (i, j):
                    continue
                pi.append(i)
                pj.append(j)
                kk.append(k)
    x = (grid + rng.uniform(-jitter, jitter, size=grid.shape)).astype(np.float64).reshape(-1)
    pi_a, pj_a = np.array(pi), np.array(pj)
    d = x.reshape(-1, 3)[pi_a] - x.reshape(-1, 3)[pj_a]
    d -= cells * np.round(d / cells)
    r0 = np.linalg.norm(d, axis=1)
    kk_a = np.array(kk)

    def radial(r):
        z = np.zeros_like(r)
        return 0.5 * kk_a * (r - r0) ** 2, kk_a * (r - r0), kk_a + z, z

    teth = None if tether is None else (0, float(tether), x.reshape(-1, 3)[0].copy())
    return PairToy(float(cells), pi_a, pj_a, radial, n, teth), x


def sc_lattice_spectrum(cells: int, k1: float, k2: float, mass: float = 1.0) -> np.ndarray:
    """All 3N eigenvalues of H^M for the perfect lattice of :func:`spring_network` (Bloch).

    D(q) = sum over the 18 neighbour vectors b of k_b (1 - cos q.b) b^ b^T, q = 2 pi n / L.
    """
    bonds = []
    for vecs, k in ((_NN, k1), (_NNN, k2)):
        for b in vecs:
            b = np.array(b, dtype=np.float64)
            bonds += [(b, k), (-b, k)]
    vals = []
    for nq in itertools.product(range(cells), repeat=3):
        q = 2.0 * np.pi * np.array(nq) / cells
        dq = np.zeros((3, 3))
        for b, k in bonds:
            bh = b / np.linalg.norm(b)
            dq += k * (1.0 - np.cos(q @ b)) * np.outer(bh, bh)
        vals.extend(np.linalg.eigvalsh(dq) / mass)
    return np.sort(np.array(vals))
