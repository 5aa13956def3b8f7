"""A potential energy surface as the saddle searches, connections and databases see it.

A :class:`Surface` bundles, for flat coordinates x (n,) in sigma:

    energy_gradient(x) -> (U in eps, dU/dx (n,) in eps/sigma)
    hessian_vector(x, v) -> H v (n,), H = d^2U/dx dx in eps/sigma^2 (Cartesian)
    zero_modes(x) -> (n, k) orthonormal Cartesian directions to project out (rigid-body motions)

and counts the calls (``gradient_calls``, ``hvp_calls``). For particles it is made from a
:class:`pelkit.engine.calculator.Calculator` (exact Hessian-vector products from the pair
kernels; 3 translations under periodic boundaries, 3 translations + 3 rotations for a cluster
with open boundaries). For any other objective (e.g. a 2-D test surface) H v is the central
difference of gradients, (g(x + h v) - g(x - h v)) / (2 h) with h = ``fd_step`` / |v|, which
costs two gradient calls.

Saddle searches run in Cartesian coordinates: by Sylvester's law of inertia H and the
mass-weighted M^-1/2 H M^-1/2 have the same number of negative eigenvalues, so the Hessian index
(the test of a transition state) does not depend on the masses; frequencies do and use them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]
EnergyGradient = Callable[[FloatArray], tuple[float, FloatArray]]

DENSE_MAX = 1500
"""Up to this many coordinates the Hessian index is counted from all eigenvalues (dense)."""


def rigid_body_modes(
    x: ArrayLike, block: int = 3, rotations: bool = False, masses: ArrayLike | None = None
) -> FloatArray:
    """Orthonormal rigid-body directions (n, k) of particle coordinates x (n,) = (N, block).

    k = ``block`` translations, plus (``rotations``, 3-D only) the 3 infinitesimal rotations
    omega x (r_i - r_c) about the centre of mass r_c. With ``masses`` (N,) the vectors are
    mass-weighted (sqrt(m_i) times the Cartesian motion), as for H^M. Linearly dependent
    rotations (linear or single-particle clusters) are dropped.
    """
    pos = np.asarray(x, dtype=np.float64).reshape(-1, block)
    n = pos.shape[0]
    m = np.ones(n) if masses is None else np.asarray(masses, dtype=np.float64).reshape(n)
    w = np.sqrt(m)
    vecs = []
    for a in range(block):
        t = np.zeros((n, block))
        t[:, a] = w
        vecs.append(t.reshape(-1))
    if rotations:
        if block != 3:
            raise InputError("rotational zero modes need 3-D coordinates (block = 3)")
        r = pos - (m[:, None] * pos).sum(axis=0) / m.sum()
        for a in range(3):
            axis = np.zeros(3)
            axis[a] = 1.0
            vecs.append((np.cross(axis, r) * w[:, None]).reshape(-1))
    z = np.array(vecs).T
    q, r_fac = np.linalg.qr(z)
    keep = np.abs(np.diag(r_fac)) > 1e-10 * max(1.0, float(np.abs(r_fac).max()))
    return np.ascontiguousarray(q[:, keep])


@dataclass
class Surface:
    """Energy, gradient, Hessian-vector products and zero modes of one system (module doc).

    Attributes:
        energy_gradient: x (n,) -> (U, dU/dx (n,)).
        n: number of coordinates.
        block: coordinates per particle (3; 2 for a 2-D surface).
        hvp: x, v -> H v (n,), or None for central differences of gradients.
        zero_modes: x -> (n, k) orthonormal Cartesian directions removed from every Hessian
            (k = 0 allowed), or None for none.
        masses: (n,) per-coordinate masses (m), for frequencies.
        box: periodic box lengths (block,) or None (open boundaries / no particles).
        dense_hessian: x -> (n, n) Cartesian Hessian, or None (then built from n products).
        fd_step: length of the finite-difference step for H v, sigma.
        gradient_calls, hvp_calls: counters (a finite-difference product adds 2 gradient calls).
    """

    energy_gradient: EnergyGradient
    n: int
    block: int = 3
    hvp: Callable[[FloatArray, FloatArray], FloatArray] | None = None
    zero_modes: Callable[[FloatArray], FloatArray] | None = None
    masses: FloatArray | None = None
    box: FloatArray | None = None
    dense_hessian: Callable[[FloatArray], FloatArray] | None = None
    fd_step: float = 1e-5
    gradient_calls: int = 0
    hvp_calls: int = 0
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.masses is None:
            self.masses = np.ones(self.n)
        self.masses = np.asarray(self.masses, dtype=np.float64).reshape(-1)
        if self.masses.shape != (self.n,):
            raise InputError(f"masses must have {self.n} entries, got {self.masses.size}")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_calculator(cls, calc) -> Surface:  # noqa: ANN001 - Calculator (keeps import light)
        """The surface of a :class:`pelkit.engine.calculator.Calculator`'s model and system."""
        periodic = bool(calc.system.box.periodic)
        n = 3 * calc.n

        def eg(x: FloatArray) -> tuple[float, FloatArray]:
            return calc.objective(np.asarray(x, dtype=np.float64))

        def hvp(x: FloatArray, v: FloatArray) -> FloatArray:
            return calc.hessian_vector(v, positions=np.asarray(x).reshape(-1, 3))

        def zero(x: FloatArray) -> FloatArray:
            return rigid_body_modes(x, 3, rotations=not periodic)

        def dense(x: FloatArray) -> FloatArray:
            return calc.hessian(np.asarray(x).reshape(-1, 3))

        return cls(
            energy_gradient=eg, n=n, block=3, hvp=hvp, zero_modes=zero,
            masses=np.repeat(calc.masses, 3),
            box=np.asarray(calc.system.box.lengths) if periodic else None,
            dense_hessian=dense, info={"periodic": periodic},
        )

    # ------------------------------------------------------------------ evaluations
    def gradient(self, x: FloatArray) -> tuple[float, FloatArray]:
        """(U, dU/dx) at x, counted."""
        self.gradient_calls += 1
        e, g = self.energy_gradient(np.asarray(x, dtype=np.float64))
        g = np.asarray(g, dtype=np.float64).reshape(-1)
        if g.shape != (self.n,):
            raise InputError(f"the gradient has {g.size} entries, expected {self.n}")
        return float(e), g

    def hessian_vector(self, x: FloatArray, v: FloatArray) -> FloatArray:
        """H v at x (exact when ``hvp`` is given, else a central difference), counted."""
        self.hvp_calls += 1
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        if self.hvp is not None:
            return np.asarray(self.hvp(x, v), dtype=np.float64).reshape(-1)
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            return np.zeros_like(v)
        h = self.fd_step / norm
        _, gp = self.gradient(x + h * v)
        _, gm = self.gradient(x - h * v)
        return (gp - gm) / (2.0 * h)

    def zero_basis(self, x: FloatArray) -> FloatArray:
        """(n, k) orthonormal zero-mode directions at x (k may be 0)."""
        if self.zero_modes is None:
            return np.zeros((self.n, 0))
        return self.zero_modes(x)

    def hessian(self, x: FloatArray) -> FloatArray:
        """Dense Cartesian Hessian (n, n) at x (symmetrised)."""
        if self.dense_hessian is not None:
            h = np.asarray(self.dense_hessian(x), dtype=np.float64)
        else:
            eye = np.eye(self.n)
            h = np.array([self.hessian_vector(x, eye[k]) for k in range(self.n)])
        return 0.5 * (h + h.T)

    # ------------------------------------------------------------------ spectra
    def reduced_hessian(self, x: FloatArray, mass_weighted: bool = True) -> FloatArray:
        """Hessian restricted to the complement of the zero modes, (n - k, n - k).

        Mass-weighted H^M = M^-1/2 H M^-1/2 (eps/(sigma^2 m)) by default; the zero modes are
        then the mass-weighted rigid-body motions.
        """
        return self._reduced(x, mass_weighted)[0]

    def eigenpairs(
        self, x: FloatArray, mass_weighted: bool = True
    ) -> tuple[FloatArray, FloatArray]:
        """All eigenpairs of the reduced Hessian: values (n - k,) ascending and vectors
        (n, n - k) in the full (mass-weighted when asked) coordinates, orthonormal."""
        hr, q = self._reduced(x, mass_weighted)
        vals, vecs = sla.eigh(hr)
        return vals, vecs if q is None else q @ vecs

    def _reduced(
        self, x: FloatArray, mass_weighted: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        h = self.hessian(x)
        assert self.masses is not None
        if mass_weighted:
            s = 1.0 / np.sqrt(self.masses)
            h = h * s[:, None] * s[None, :]
        z = self.zero_basis(x)
        if mass_weighted and z.shape[1]:
            z = z * np.sqrt(self.masses)[:, None]
            z, _ = np.linalg.qr(z)
        if z.shape[1] == 0:
            return h, None
        q = sla.qr(z, mode="full")[0][:, z.shape[1]:]
        hr = q.T @ h @ q
        return 0.5 * (hr + hr.T), q

    def eigenvalues(self, x: FloatArray, mass_weighted: bool = True) -> FloatArray:
        """All eigenvalues of the reduced Hessian (zero modes removed), ascending."""
        return sla.eigvalsh(self.reduced_hessian(x, mass_weighted))

    def projected_operator(self, x: FloatArray, seed: int = 0) -> spla.LinearOperator:
        """P H P + c Z Z^T as a LinearOperator (n, n): the Cartesian Hessian at x with the zero
        modes Z lifted to c = 1.5 x (a power-iteration estimate of the largest |eigenvalue|),
        just above the spectrum, so that the lowest eigenpairs are the physical ones and the
        Lanczos convergence (which depends on the spread of the spectrum) is not slowed."""
        z = self.zero_basis(x)

        def phvp(v: FloatArray) -> FloatArray:
            p = v - z @ (z.T @ v) if z.shape[1] else v
            hp = self.hessian_vector(x, p)
            return hp - z @ (z.T @ hp) if z.shape[1] else hp

        rng = np.random.default_rng(seed)
        w = rng.standard_normal(self.n)
        norm = 1.0
        for _ in range(15):
            w /= np.linalg.norm(w)
            w = phvp(w)
            norm = float(np.linalg.norm(w))
        c = 1.5 * max(norm, 1e-12)

        def matvec(v: FloatArray) -> FloatArray:
            v = np.asarray(v, dtype=np.float64).reshape(-1)
            out = phvp(v)
            return out + c * (z @ (z.T @ v)) if z.shape[1] else out

        return spla.LinearOperator((self.n, self.n), matvec=matvec, dtype=np.float64)

    def lowest_eigenvalues(self, x: FloatArray, k: int = 2) -> FloatArray:
        """The k lowest Cartesian eigenvalues with zero modes removed (dense or ARPACK Lanczos)."""
        if self.n <= DENSE_MAX:
            return self.eigenvalues(x, mass_weighted=False)[:k]
        op = self.projected_operator(x)
        rng = np.random.default_rng(0)
        vals = spla.eigsh(op, k=k, which="SA", v0=rng.standard_normal(self.n),
                          return_eigenvectors=False, tol=1e-8)
        return np.sort(vals)

    def count_negative(self, x: FloatArray, lambda_tol: float = 1e-8) -> tuple[int, FloatArray]:
        """Hessian index at x: eigenvalues below -lambda_tol (eps/sigma^2), zero modes removed.

        Returns (index, the lowest eigenvalues examined). With more than :data:`DENSE_MAX`
        coordinates only the two lowest eigenvalues are computed, so the index is reported as
        0, 1 or 2 (2 meaning "at least 2").
        """
        vals = self.lowest_eigenvalues(x, 2) if self.n > DENSE_MAX else self.eigenvalues(
            x, mass_weighted=False
        )
        return int(np.sum(vals < -lambda_tol)), np.asarray(vals[: min(vals.size, 4)])
