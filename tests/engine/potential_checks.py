"""Shared potential test base class: every pelkit pair potential must pass these checks.

A subclass (named ``Test...``) provides three factories:

    make_model()      -> PairPotential under test
    make_system()     -> System (a relaxed configuration suitable for that model)
    make_reference()  -> ReferencePotential: the same potential written independently *here*
                         from closed forms (SCIENCE.md section 1d table), with the cutoff scheme and
                         mixing rule implemented from their definitions (SCIENCE.md sections 1a-1c)

and inherits the test methods below. The reference never calls
``pelkit.models.base.radial_terms_value`` or any engine kernel: energies, forces, virial, Hessian
and U:vv are recomputed by naive O(N^2) minimum-image sums over all pairs. Finite differences use
the :class:`pelkit.engine.calculator.Calculator` itself (forces from energies, Hessian from forces,
U:vv from gradients and from Hv), so derivative consistency is checked independently of the
reference.

Cutoff discontinuities: with the ``shift`` scheme phi' jumps at r_c (with ``force-shift`` phi'',
with ``smooth`` phi'''). A finite difference whose stencil moves a pair across its cutoff is then
meaningless, so particles in a pair within ``FLAG_DISTANCE`` of its cutoff are "flagged": finite
differences displace only unflagged particles (and v is zero on flagged particles), with steps
small enough that no pair distance changes by more than FLAG_DISTANCE / 2. The analytic naive
references still cover every particle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray

from pelkit.engine.calculator import Calculator
from pelkit.engine.local import LocalNeighborList, energy_plan, local_params
from pelkit.models.base import PairPotential
from pelkit.system import Box, System

FloatArray = NDArray[np.float64]
RadialFunction = Callable[[FloatArray, int], FloatArray]

FLAG_DISTANCE = 1e-3
VANISHING_ORDERS = {"shift": 1, "force-shift": 2, "smooth": 3}


# --------------------------------------------------------------------------- closed forms
# Kob-Andersen tables (SCIENCE.md section 1a) and the LJ / power-law rows of the section 1d table.
KA_EPS = np.array([[1.0, 1.5], [1.5, 0.5]])
KA_SIG = np.array([[1.0, 0.8], [0.8, 0.88]])


def lj_g(x: np.ndarray, order: int) -> np.ndarray:
    """4 (x^-12 - x^-6) and the table's derivatives 4(-12 s^12 + 6 s^6)/r, ... (r = x, s = 1/x)."""
    s6 = x**-6.0
    s12 = s6 * s6
    coef = {0: (1.0, -1.0), 1: (-12.0, 6.0), 2: (156.0, -42.0), 3: (-2184.0, 336.0)}[order]
    return 4.0 * (coef[0] * s12 + coef[1] * s6) / x**order


def power_g(n: float):
    """x^-n: phi' = -n phi/r, phi'' = n(n+1) phi/r^2, phi''' = -n(n+1)(n+2) phi/r^3."""

    def g(x: np.ndarray, order: int) -> np.ndarray:
        base = x**-n
        factor = {0: 1.0, 1: -n, 2: n * (n + 1), 3: -n * (n + 1) * (n + 2)}[order]
        return factor * base / x**order

    return g


# --------------------------------------------------------------------------- reference potential
@dataclass
class ReferencePotential:
    """phi_ij(r) = eps_ij g_s(r / sigma_ij) for r < x_cut sigma_ij, written from definitions.

    Attributes:
        g: closed-form g^(order)(x) of the bare radial function, order 0..3.
        x_cut: cutoff in sigma_ij.
        scheme: "none", "shift", "force-shift" or "smooth" (SCIENCE.md section 1a):
            shift        g(x) - g(x_c)
            force-shift  g(x) - g(x_c) - (x - x_c) g'(x_c)
            smooth       g(x) - g(x_c) - (x - x_c) g'(x_c) - (x - x_c)^2 g''(x_c) / 2
        mixing: "species" (tables), "additive" or "nonadditive" (seed 003).
        epsilon, sigma: (S, S) tables (species) or epsilon[0, 0] (diameter models).
        nonadditivity: k of sigma_ij = (s_i + s_j)/2 (1 - k |s_i - s_j|).
    """

    g: RadialFunction
    x_cut: float
    scheme: str
    mixing: str = "species"
    epsilon: FloatArray | float = 1.0
    sigma: FloatArray | float = 1.0
    nonadditivity: float = 0.0

    def g_scheme(self, x: FloatArray, order: int) -> FloatArray:
        """d^order/dx^order of the scheme-corrected radial function (inside the cutoff)."""
        x = np.asarray(x, dtype=float)
        xc = np.full_like(x, self.x_cut)
        dx = x - self.x_cut
        value = self.g(x, order)
        if self.scheme in ("shift", "force-shift", "smooth") and order == 0:
            value = value - self.g(xc, 0)
        if self.scheme in ("force-shift", "smooth"):
            if order == 0:
                value = value - dx * self.g(xc, 1)
            elif order == 1:
                value = value - self.g(xc, 1)
        if self.scheme == "smooth":
            if order == 0:
                value = value - 0.5 * dx**2 * self.g(xc, 2)
            elif order == 1:
                value = value - dx * self.g(xc, 2)
            elif order == 2:
                value = value - self.g(xc, 2)
        return value

    def phi(self, r: FloatArray, eps: FloatArray, sig: FloatArray, order: int = 0) -> FloatArray:
        """d^order phi / dr^order, zero at and beyond r_c = x_cut sigma_ij."""
        r = np.asarray(r, dtype=float)
        x = r / sig
        inside = x < self.x_cut
        safe = np.where(inside, x, 0.5 * self.x_cut)
        return np.where(inside, eps * self.g_scheme(safe, order) / sig**order, 0.0)

    def scales(self, system: System) -> tuple[FloatArray, FloatArray]:
        """(eps_ij, sigma_ij), both (N, N), from the mixing rule."""
        n = system.n_particles
        if self.mixing == "species":
            eps_t = np.atleast_2d(np.asarray(self.epsilon, dtype=float))
            sig_t = np.atleast_2d(np.asarray(self.sigma, dtype=float))
            s = np.zeros(n, dtype=int) if system.species is None else system.species
            return eps_t[s[:, None], s[None, :]], sig_t[s[:, None], s[None, :]]
        d = np.asarray(system.diameters, dtype=float)
        sig = 0.5 * (d[:, None] + d[None, :])
        if self.mixing == "nonadditive":
            sig = sig * (1.0 - self.nonadditivity * np.abs(d[:, None] - d[None, :]))
        eps = np.full((n, n), float(np.asarray(self.epsilon).flat[0]))
        return eps, sig


# --------------------------------------------------------------------------- naive O(N^2) sums
@dataclass
class PairTable:
    """All pairs i < j: indices, minimum-image separation r_ij = r_i - r_j, distance, scales."""

    i: NDArray[np.int64]
    j: NDArray[np.int64]
    d: FloatArray
    r: FloatArray
    eps: FloatArray
    sig: FloatArray


def all_pairs(ref: ReferencePotential, system: System, positions: FloatArray) -> PairTable:
    """Naive minimum-image table of every pair i < j (no neighbour list)."""
    pos = np.asarray(positions, dtype=float).reshape(-1, 3)
    i, j = np.triu_indices(pos.shape[0], k=1)
    lengths = system.box.lengths
    d = pos[i] - pos[j]
    d = d - lengths * np.round(d / lengths)
    r = np.sqrt(np.sum(d * d, axis=1))
    eps, sig = ref.scales(system)
    return PairTable(i, j, d, r, eps[i, j], sig[i, j])


def naive_energy(ref: ReferencePotential, system: System, positions: FloatArray) -> float:
    """U = sum_{i<j} phi(r_ij)."""
    t = all_pairs(ref, system, positions)
    return float(np.sum(ref.phi(t.r, t.eps, t.sig, 0)))


def naive_per_particle(
    ref: ReferencePotential, system: System, positions: FloatArray
) -> FloatArray:
    """e_i = (1/2) sum_j phi(r_ij)."""
    t = all_pairs(ref, system, positions)
    half = 0.5 * ref.phi(t.r, t.eps, t.sig, 0)
    out = np.zeros(system.n_particles)
    np.add.at(out, t.i, half)
    np.add.at(out, t.j, half)
    return out


def naive_forces(ref: ReferencePotential, system: System, positions: FloatArray) -> FloatArray:
    """F_i = -sum_j phi'(r_ij) n_ij, shape (N, 3)."""
    t = all_pairs(ref, system, positions)
    f = -(ref.phi(t.r, t.eps, t.sig, 1) / t.r)[:, None] * t.d
    out = np.zeros((system.n_particles, 3))
    np.add.at(out, t.i, f)
    np.add.at(out, t.j, -f)
    return out


def naive_virial(ref: ReferencePotential, system: System, positions: FloatArray) -> float:
    """W = -(1/3) sum_{i<j} r_ij phi'(r_ij)."""
    t = all_pairs(ref, system, positions)
    return float(-np.sum(t.r * ref.phi(t.r, t.eps, t.sig, 1)) / 3.0)


def naive_hessian(ref: ReferencePotential, system: System, positions: FloatArray) -> FloatArray:
    """Dense (3N, 3N) Hessian from K = phi'' nn + (phi'/r)(I - nn) (SCIENCE.md section 1d)."""
    t = all_pairs(ref, system, positions)
    n = system.n_particles
    keep = t.r < ref.x_cut * t.sig
    nvec = t.d[keep] / t.r[keep, None]
    d1 = ref.phi(t.r[keep], t.eps[keep], t.sig[keep], 1)
    d2 = ref.phi(t.r[keep], t.eps[keep], t.sig[keep], 2)
    nn = nvec[:, :, None] * nvec[:, None, :]
    k = d2[:, None, None] * nn + (d1 / t.r[keep])[:, None, None] * (np.eye(3) - nn)
    h = np.zeros((n, 3, n, 3))
    for a, b, blk in zip(t.i[keep], t.j[keep], k, strict=True):
        h[a, :, b, :] -= blk
        h[b, :, a, :] -= blk
        h[a, :, a, :] += blk
        h[b, :, b, :] += blk
    return h.reshape(3 * n, 3 * n)


def naive_third_order_vv(
    ref: ReferencePotential, system: System, positions: FloatArray, v: FloatArray
) -> FloatArray:
    """U:vv with t_ij = A (n.u)^2 n + B [(u.u) n + 2 (n.u) u] (SCIENCE.md section 1d)."""
    t = all_pairs(ref, system, positions)
    keep = t.r < ref.x_cut * t.sig
    r = t.r[keep]
    nvec = t.d[keep] / r[:, None]
    d1 = ref.phi(r, t.eps[keep], t.sig[keep], 1)
    d2 = ref.phi(r, t.eps[keep], t.sig[keep], 2)
    d3 = ref.phi(r, t.eps[keep], t.sig[keep], 3)
    coef_a = d3 - 3.0 * d2 / r + 3.0 * d1 / r**2
    coef_b = d2 / r - d1 / r**2
    vv = np.asarray(v, dtype=float).reshape(-1, 3)
    u = vv[t.i[keep]] - vv[t.j[keep]]
    nu = np.sum(nvec * u, axis=1)
    uu = np.sum(u * u, axis=1)
    tij = (coef_a * nu**2 + coef_b * uu)[:, None] * nvec + (2.0 * coef_b * nu)[:, None] * u
    out = np.zeros_like(vv)
    np.add.at(out, t.i[keep], tij)
    np.add.at(out, t.j[keep], -tij)
    return out.reshape(-1)


def cutoff_margin(ref: ReferencePotential, system: System, positions: FloatArray) -> FloatArray:
    """|r_ij - r_c,ij| for every pair (N(N-1)/2,) and the PairTable it came from."""
    t = all_pairs(ref, system, positions)
    return np.abs(t.r - ref.x_cut * t.sig), t


def steepest_descent(calc: Calculator, positions: FloatArray, steps: int = 300) -> FloatArray:
    """A few hundred capped steepest-descent steps x += min(a |F_i|, 0.01) F_i/|F_i|."""
    pos = positions.copy()
    for _ in range(steps):
        _, f = calc.energy_forces(pos)
        norm = np.maximum(np.linalg.norm(f, axis=1), 1e-300)
        step = np.minimum(2e-4 * norm, 0.01) / norm
        pos = pos + step[:, None] * f
    return pos


# --------------------------------------------------------------------------- the base class
@dataclass
class Case:
    """Everything one test class needs, built once per class."""

    model: PairPotential
    system: System
    ref: ReferencePotential
    calc: Calculator
    pos: FloatArray
    free: NDArray[np.int64]  # unflagged particles used by finite differences
    margin: float  # smallest |r_ij - r_c,ij| over all pairs


class PotentialChecks:
    """Test methods shared by every pair potential (see module docstring)."""

    energy_rtol = 1e-12
    seed = 1234
    fd_particles = 40

    # -- factories provided by subclasses
    def make_model(self) -> PairPotential:  # pragma: no cover - abstract
        raise AssertionError("subclasses provide make_model")

    def make_system(self) -> System:  # pragma: no cover - abstract
        raise AssertionError("subclasses provide make_system")

    def make_reference(self) -> ReferencePotential:  # pragma: no cover - abstract
        raise AssertionError("subclasses provide make_reference")

    # -- fixtures
    @pytest.fixture(scope="class")
    @classmethod
    def case(cls) -> Case:
        self = cls()
        model = self.make_model()
        system = self.make_system()
        ref = self.make_reference()
        calc = Calculator(model, system)
        pos = system.positions.copy()
        gap, t = cutoff_margin(ref, system, pos)
        close = gap < FLAG_DISTANCE
        flagged = np.zeros(system.n_particles, dtype=bool)
        flagged[t.i[close]] = True
        flagged[t.j[close]] = True
        free = np.flatnonzero(~flagged)
        assert free.size >= system.n_particles // 2, "too many pairs sit at their cutoff"
        # finite differences displace about fd_particles of them, spread over the system
        free = free[:: max(1, free.size // self.fd_particles)]
        return Case(model, system, ref, calc, pos, free, float(gap.min()))

    @pytest.fixture
    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    # -- the potential itself
    def test_phi_matches_closed_form(self, case: Case) -> None:
        """model.phi (orders 0..3) equals the closed form on a grid of r for each pair scale."""
        eps_all, sig_all = case.ref.scales(case.system)
        flat = zip(eps_all.ravel()[:4000], sig_all.ravel()[:4000], strict=True)
        pairs = {(float(e), float(s)) for e, s in flat}
        for eps, sig in sorted(pairs)[:: max(1, len(pairs) // 8)]:
            r = np.linspace(case.model.overlap_x * sig, case.model.x_cut * sig * 0.999999, 257)
            for order in range(4):
                want = case.ref.phi(r, eps, sig, order)
                got = case.model.phi(r, eps, sig, order)
                scale = np.maximum(np.abs(want), eps / sig**order)
                np.testing.assert_array_less(np.abs(got - want) / scale, 1e-11)
            beyond = case.model.phi(np.array([1 + 1e-12, 1.5]) * case.model.x_cut * sig, eps, sig)
            assert np.all(beyond == 0.0)

    def test_cutoff_scheme_properties(self, case: Case) -> None:
        """phi^(k)(r_c^-) = 0 for the orders the scheme makes continuous; the next one is not."""
        model = case.model
        n_zero = 3 if case.ref.scheme == "none" else VANISHING_ORDERS[case.ref.scheme]
        _, sig_all = case.ref.scales(case.system)
        eps_all, _ = case.ref.scales(case.system)
        for eps, sig in {(float(eps_all[0, 0]), float(sig_all[0, 0])),
                         (float(eps_all[0, -1]), float(sig_all[0, -1]))}:
            rc = model.x_cut * sig
            for k in range(4):
                inside = float(model.phi(rc * (1.0 - 1e-9), eps, sig, k))
                if k < n_zero:
                    assert abs(inside) < 1e-6 * eps / sig**k, (k, inside)
                else:
                    assert abs(inside) > 1e-4 * eps / sig**k, (k, inside)
                assert float(model.phi(rc, eps, sig, k)) == 0.0

    # -- energies
    def test_energy_matches_naive_sum(self, case: Case) -> None:
        want = naive_energy(case.ref, case.system, case.pos)
        got = case.calc.energy(case.pos)
        assert got == pytest.approx(want, rel=self.energy_rtol, abs=1e-12)

    def test_per_particle_energies(self, case: Case) -> None:
        e = case.calc.per_particle_energies(case.pos)
        assert e.shape == (case.system.n_particles,)
        assert e.sum() == pytest.approx(case.calc.energy(case.pos), rel=1e-13, abs=1e-12)
        want = naive_per_particle(case.ref, case.system, case.pos)
        np.testing.assert_allclose(e, want, rtol=1e-11, atol=1e-12 * np.abs(want).max())

    # -- forces
    def test_forces_match_naive(self, case: Case) -> None:
        _, f = case.calc.energy_forces(case.pos)
        want = naive_forces(case.ref, case.system, case.pos)
        np.testing.assert_allclose(f, want, rtol=0, atol=1e-11 * np.abs(want).max())
        np.testing.assert_allclose(f.sum(axis=0), 0.0, atol=1e-10 * np.abs(want).max())

    def test_forces_match_energy_differences(self, case: Case) -> None:
        """F = -dU/dx by the 4th-order central stencil on every coordinate of free particles."""
        h = min(1e-4, FLAG_DISTANCE / 4)
        _, f = case.calc.energy_forces(case.pos)
        worst = 0.0
        for p in case.free:
            for a in range(3):
                e = []
                for k in (-2, -1, 1, 2):
                    x = case.pos.copy()
                    x[p, a] += k * h
                    e.append(case.calc.energy(x))
                grad = (e[0] - 8 * e[1] + 8 * e[2] - e[3]) / (12 * h)
                worst = max(worst, abs(-grad - f[p, a]))
        assert worst < 1e-7 * max(1.0, np.abs(f).max()), worst

    # -- virial and pressure
    def test_virial_matches_naive(self, case: Case) -> None:
        ev = case.calc.evaluate(case.pos)
        want = naive_virial(case.ref, case.system, case.pos)
        assert ev.virial == pytest.approx(want, rel=1e-12, abs=1e-12)
        volume = case.system.box.volume
        n = case.system.n_particles
        assert case.calc.pressure(case.pos) == pytest.approx(want / volume, rel=1e-12, abs=1e-12)
        assert case.calc.pressure(case.pos, temperature=0.7) == pytest.approx(
            0.7 * n / volume + want / volume, rel=1e-12
        )

    def test_pressure_is_volume_derivative(self, case: Case) -> None:
        """W/V = -dU/dV under affine scaling r -> s r, L -> s L (dU/dV = dU/ds / (3V))."""
        rc_max = case.model.max_cutoff(case.system.diameters)
        ds = min(1e-5, 0.25 * case.margin / rc_max)
        energies = []
        for k in (-2, -1, 1, 2):
            s = 1.0 + k * ds
            scaled = System(
                positions=case.pos * s,
                box=Box(case.system.box.lengths * s),
                species=case.system.species,
                species_names=case.system.species_names,
                diameters=case.system.diameters,
            )
            energies.append(Calculator(case.model, scaled, check_overlap=False).energy())
        du_ds = (energies[0] - 8 * energies[1] + 8 * energies[2] - energies[3]) / (12 * ds)
        volume = case.system.box.volume
        p_fd = -du_ds / (3.0 * volume)
        p = case.calc.pressure(case.pos)
        assert p == pytest.approx(p_fd, rel=1e-7, abs=1e-8 * max(1.0, abs(p)))

    # -- Hessian
    def test_hessian_matches_naive(self, case: Case) -> None:
        h = case.calc.hessian(case.pos)
        want = naive_hessian(case.ref, case.system, case.pos)
        np.testing.assert_allclose(h, want, rtol=0, atol=1e-11 * np.abs(want).max())

    def test_hessian_matches_force_differences(self, case: Case) -> None:
        """Column (p, a) of H equals -dF/dx_pa (4th-order stencil), for free particles."""
        h_step = min(1e-4, FLAG_DISTANCE / 4)
        h = case.calc.hessian(case.pos)
        worst = 0.0
        for p in case.free:
            for a in range(3):
                f = []
                for k in (-2, -1, 1, 2):
                    x = case.pos.copy()
                    x[p, a] += k * h_step
                    f.append(case.calc.energy_forces(x)[1].reshape(-1))
                col = -(f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h_step)
                worst = max(worst, float(np.abs(col - h[:, 3 * p + a]).max()))
        assert worst < 1e-7 * np.abs(h).max(), worst

    def test_sparse_equals_dense(self, case: Case) -> None:
        dense = case.calc.hessian(case.pos)
        sparse = case.calc.hessian(case.pos, sparse=True)
        assert sp.issparse(sparse)
        assert sparse.shape == dense.shape
        atol = 1e-13 * np.abs(dense).max()
        np.testing.assert_allclose(sparse.toarray(), dense, rtol=0, atol=atol)
        sparse_m = case.calc.hessian(case.pos, sparse=True, mass_weighted=True).toarray()
        dense_m = case.calc.hessian(case.pos, mass_weighted=True)
        np.testing.assert_allclose(sparse_m, dense_m, rtol=0, atol=1e-13 * np.abs(dense).max())

    def test_hessian_symmetric_rows_sum_to_zero(self, case: Case) -> None:
        h = case.calc.hessian(case.pos)
        scale = np.abs(h).max()
        np.testing.assert_allclose(h, h.T, rtol=0, atol=1e-13 * scale)
        n = case.system.n_particles
        block_rows = h.reshape(3 * n, n, 3).sum(axis=1)  # sum over j of H_{i a, j b}
        np.testing.assert_allclose(block_rows, 0.0, atol=1e-11 * scale)

    def test_three_translational_zero_modes(self, case: Case) -> None:
        """After a brief steepest descent, H^M has exactly 3 zero eigenvalues and the 3
        translation vectors are null vectors to round-off, so they span the zero modes."""
        pos = steepest_descent(case.calc, case.pos)
        hm = case.calc.hessian(pos, mass_weighted=True)
        lam = np.linalg.eigvalsh(hm)
        scale = np.abs(lam).max()
        zero = np.flatnonzero(np.abs(lam) < 1e-9 * scale)
        assert zero.size == 3, np.sort(np.abs(lam))[:6]
        n = case.system.n_particles
        sqrt_m = np.sqrt(case.system.masses)
        trans = np.zeros((3 * n, 3))
        for a in range(3):
            trans[a::3, a] = sqrt_m
        trans /= np.linalg.norm(trans, axis=0)
        np.testing.assert_allclose(hm @ trans, 0.0, atol=1e-11 * scale)

    def test_hessian_vector_product(self, case: Case, rng: np.random.Generator) -> None:
        n3 = 3 * case.system.n_particles
        h = case.calc.hessian(case.pos)
        for _ in range(3):
            v = rng.normal(size=n3)
            hv = case.calc.hessian_vector(v, case.pos)
            np.testing.assert_allclose(hv, h @ v, rtol=0, atol=1e-12 * np.abs(h @ v).max())

    def test_mass_weighted_hessian(self, case: Case, rng: np.random.Generator) -> None:
        """H^M = M^-1/2 H M^-1/2 with unequal masses (dense, sparse and H^M v)."""
        system = case.system.copy()
        system.masses = rng.uniform(0.5, 3.0, size=system.n_particles)
        calc = Calculator(case.model, system)
        h = calc.hessian(case.pos)
        s = np.repeat(1.0 / np.sqrt(system.masses), 3)
        want = s[:, None] * h * s[None, :]
        scale = np.abs(want).max()
        np.testing.assert_allclose(
            calc.hessian(case.pos, mass_weighted=True), want, atol=1e-13 * scale
        )
        np.testing.assert_allclose(
            calc.hessian(case.pos, mass_weighted=True, sparse=True).toarray(), want,
            atol=1e-13 * scale,
        )
        v = rng.normal(size=h.shape[0])
        np.testing.assert_allclose(
            calc.hessian_vector(v, case.pos, mass_weighted=True), want @ v,
            atol=1e-12 * np.abs(want @ v).max(),
        )

    # -- third order
    def _free_direction(self, case: Case, rng: np.random.Generator) -> FloatArray:
        v = np.zeros((case.system.n_particles, 3))
        v[case.free] = rng.normal(size=(case.free.size, 3))
        return (v / np.linalg.norm(v)).reshape(-1)

    def test_third_order_matches_naive(self, case: Case, rng: np.random.Generator) -> None:
        v = rng.normal(size=3 * case.system.n_particles)
        got = case.calc.third_order_vv(v, case.pos)
        want = naive_third_order_vv(case.ref, case.system, case.pos, v)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 * np.abs(want).max())

    def test_third_order_matches_gradient_differences(
        self, case: Case, rng: np.random.Generator
    ) -> None:
        """U:vv = [grad U(R + hv) - 2 grad U(R) + grad U(R - hv)] / h^2 (SCIENCE.md section 1d)."""
        v = self._free_direction(case, rng)
        vmax = np.abs(v.reshape(-1, 3)).max() * 2 * np.sqrt(3)
        h = min(1e-3, FLAG_DISTANCE / (2 * vmax))
        x0 = case.pos.reshape(-1)
        grad = [-case.calc.energy_forces(x0 + k * h * v)[1].reshape(-1) for k in (-1, 0, 1)]
        fd = (grad[0] - 2 * grad[1] + grad[2]) / h**2
        got = case.calc.third_order_vv(v, case.pos)
        assert np.linalg.norm(fd - got) < 2e-5 * np.linalg.norm(got), (
            np.linalg.norm(fd - got) / np.linalg.norm(got)
        )

    def test_third_order_matches_hv_differences(self, case: Case, rng: np.random.Generator) -> None:
        """U:vv = d/dh [H(R + hv) v] at h = 0 (4th-order stencil)."""
        v = self._free_direction(case, rng)
        vmax = np.abs(v.reshape(-1, 3)).max() * 2 * np.sqrt(3)
        h = min(1e-4, FLAG_DISTANCE / (4 * vmax))
        x0 = case.pos.reshape(-1)
        hv = [case.calc.hessian_vector(v, x0 + k * h * v) for k in (-2, -1, 1, 2)]
        fd = (hv[0] - 8 * hv[1] + 8 * hv[2] - hv[3]) / (12 * h)
        got = case.calc.third_order_vv(v, case.pos)
        assert np.linalg.norm(fd - got) < 1e-7 * np.linalg.norm(got), (
            np.linalg.norm(fd - got) / np.linalg.norm(got)
        )
        # the cubic coefficient tau = v . (U:vv) is the third derivative of U along v
        e = [case.calc.energy(x0 + k * h * 10 * v) for k in (-2, -1, 1, 2)]
        tau_fd = (-e[0] + 2 * e[1] - 2 * e[2] + e[3]) / (2 * (10 * h) ** 3)
        assert float(v @ got) == pytest.approx(tau_fd, rel=1e-3, abs=1e-3 * np.linalg.norm(got))

    # -- local Monte Carlo energy changes (engine.local, used by swap Monte Carlo)
    def test_local_energy_change_matches_full_difference(
        self, case: Case, rng: np.random.Generator
    ) -> None:
        """Delta U of single-particle displacements (and, for diameter models, of diameter
        exchanges) from the local kernels equals the difference of two full Calculator energies."""
        calc = case.calc
        box = np.ascontiguousarray(case.system.box.lengths, dtype=np.float64)
        pos = np.ascontiguousarray(case.pos - box * np.floor(case.pos / box))
        params = local_params(calc.params)
        plan = energy_plan(params[6])
        skin = 0.3
        lists = LocalNeighborList(case.system.n_particles)
        lists.build(pos, box, calc.r_cut_max + skin)
        rc2_max = calc.r_cut_max**2 * (1.0 + 1e-12)
        u0 = calc.energy(pos)
        tol = 1e-11 * (abs(u0) + case.system.n_particles)
        n = case.system.n_particles
        # total over the local list
        assert lists.total_energy(pos, box, params, plan) == pytest.approx(u0, abs=tol)
        for i in rng.choice(n, size=8, replace=False):
            step = rng.normal(size=3)
            step *= 0.45 * skin * rng.random() / np.linalg.norm(step)  # within skin/2
            trial = pos[i] + step
            got = lists.displacement_change(i, trial, pos, box, params, plan, rc2_max)
            moved = pos.copy()
            moved[i] = trial
            assert got == pytest.approx(calc.energy(moved) - u0, abs=tol), i
        if params[0] == 0:
            return
        diam = case.system.diameters
        assert diam is not None
        for _ in range(4):
            i, j = rng.choice(n, size=2, replace=False)
            got = lists.swap_change(i, j, pos, box, params, plan, rc2_max)
            swapped = case.system.copy()
            swapped.positions = pos.copy()
            d = diam.copy()
            d[i], d[j] = d[j], d[i]
            swapped.diameters = d
            want = Calculator(case.model, swapped, check_overlap=False).energy() - u0
            assert got == pytest.approx(want, abs=tol), (i, j)
