"""Exact master equation of the hypercube model on the (n, n1) lattice (Stillinger 1984, section V;
docs/physics/theory.md).

States: for even D, the lumped classes (n, n1) with 0 <= n1 <= D/2 and 0 <= m = n - n1 <= D/2,
i.e. (D/2 + 1)^2 states. x = 2n/D - 1, y = (4n1 - 2n)/D (Stillinger 1984, eq 4.6), hence s = x + y
= 4n1/D - 1
and d = x - y = 4m/D - 1: n1 carries s, m carries d.

Rates (Stillinger 1984, eqs 5.2 to 5.6): every hypercube edge carries L = B exp(-beta Delta/2),
Delta the change of
Phi = D phi. From (n, n1): D/2 - n1 edges to (n+1, n1+1); D/2 - m edges to (n+1, n1); n1 edges
to (n-1, n1-1); m edges to (n-1, n1). The lumped probabilities Q = W P (Stillinger 1984, eq 5.5),
with
W(n, n1) = C(D/2, n1) C(D/2, m) (Stillinger 1984, eq 4.9), obey dQ/dt = G Q with
G[b, a] = N_{a->b} B exp(-beta (Phi_b - Phi_a)/2) and G[a, a] = -sum_b G[b, a], whose stationary
state is Q_eq ∝ W exp(-beta D phi).

Symmetrisation: S = Pi^{-1/2} (-G) Pi^{1/2}, Pi = diag(Q_eq), has off-diagonal entries
-B sqrt(N_{a->b} N_{b->a}) (independent of beta) and the rates of -G as eigenvalues.

Factorisation: a move changes n1 (s-chain) or m (d-chain) only and phi = s + phi_d(d) is
separable, so G is a Kronecker sum and its spectrum is {lambda_s + lambda_d}. The s-chain is D/2
free spins in a field, spectrum k 2B cosh(2 beta), k = 0..D/2. For large D use the 1-D chains
(tridiagonal, solved with LAPACK's banded eigensolver).

Units: B is the rate unit (time unit 1/B); beta = 1/T with k_B = 1; phi per D as in
:mod:`pelkit.theory.hypercube`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigh_tridiagonal
from scipy.sparse.linalg import eigsh
from scipy.special import gammaln, logsumexp

from pelkit.errors import InputError
from pelkit.theory.hypercube import phi_d

# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check(beta: float, D: int, B: float = 1.0) -> None:
    if not (isinstance(beta, (int, float, np.floating)) and math.isfinite(beta) and beta > 0):
        raise InputError(f"beta must be a finite positive number, got {beta!r}.")
    if isinstance(D, bool) or not isinstance(D, (int, np.integer)) or D < 2 or D % 2:
        raise InputError(f"D must be an even integer >= 2, got {D!r}.")
    if not (math.isfinite(B) and B > 0):
        raise InputError(f"B must be a finite positive rate, got {B!r}.")


# --------------------------------------------------------------------------------------------
# The (n, n1) lattice
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lattice:
    """The lumped states of the hypercube for even D.

    Index of state (n1, m) is ``n1 * (D/2 + 1) + m``. Arrays have shape ((D/2+1)^2,):
    n1, m, n = n1 + m, x, y, s, d, phi (per D), log_w = ln W(n, n1) (exact, via lgamma).
    """

    D: int
    n1: np.ndarray
    m: np.ndarray
    n: np.ndarray
    x: np.ndarray
    y: np.ndarray
    s: np.ndarray
    d: np.ndarray
    phi: np.ndarray
    log_w: np.ndarray

    @property
    def size(self) -> int:
        return int(self.n1.size)

    def index(self, n: int, n1: int) -> int:
        """Flat index of the state (n, n1)."""
        h = self.D // 2
        m = n - n1
        if not (0 <= n1 <= h and 0 <= m <= h):
            raise InputError(f"(n, n1) = ({n}, {n1}) is not a state of the D = {self.D} lattice.")
        return n1 * (h + 1) + m


def _log_binom(h: int, k: np.ndarray) -> np.ndarray:
    return gammaln(h + 1.0) - gammaln(k + 1.0) - gammaln(h - k + 1.0)


def lattice(D: int) -> Lattice:
    """Build the (n, n1) lattice for even D (docs/physics/theory.md, states (D/2 + 1)^2)."""
    _check(1.0, D)
    h = D // 2
    n1, m = np.meshgrid(np.arange(h + 1), np.arange(h + 1), indexing="ij")
    n1 = n1.ravel()
    m = m.ravel()
    n = n1 + m
    s = 4.0 * n1 / D - 1.0
    d = 4.0 * m / D - 1.0
    x = 2.0 * n / D - 1.0
    y = (4.0 * n1 - 2.0 * n) / D
    phi_vals = s + phi_d(d)
    log_w = _log_binom(h, n1) + _log_binom(h, m)
    return Lattice(D, n1, m, n, x, y, s, d, phi_vals, log_w)


def log_stationary(beta: float, D: int) -> np.ndarray:
    """ln Q_eq = ln W - beta D phi - ln Z, normalised (sum Q_eq = 1); shape ((D/2+1)^2,)."""
    _check(beta, D)
    lat = lattice(D)
    a = lat.log_w - beta * D * lat.phi
    return a - logsumexp(a)


def _edges(lat: Lattice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All directed lumped edges (a, b, N_{a->b}) with N > 0, in both directions."""
    h = lat.D // 2
    idx = np.arange(lat.size)
    src, dst, cnt = [], [], []
    # n1 -> n1 + 1 (s-chain): D/2 - n1 edges; reverse n1 + 1 -> n1: n1 + 1 edges
    up = lat.n1 < h
    src += [idx[up], idx[up] + (h + 1)]
    dst += [idx[up] + (h + 1), idx[up]]
    cnt += [h - lat.n1[up], lat.n1[up] + 1]
    # m -> m + 1 (d-chain): D/2 - m edges; reverse: m + 1 edges
    up = lat.m < h
    src += [idx[up], idx[up] + 1]
    dst += [idx[up] + 1, idx[up]]
    cnt += [h - lat.m[up], lat.m[up] + 1]
    return np.concatenate(src), np.concatenate(dst), np.concatenate(cnt).astype(float)


def generator(beta: float, D: int, B: float = 1.0) -> sp.csr_matrix:
    """Sparse generator G of dQ/dt = G Q (Stillinger 1984, eq 5.6); shape ((D/2+1)^2, (D/2+1)^2),
    units of B.

    G[b, a] = N_{a->b} B exp(-beta D (phi_b - phi_a)/2) for a != b, columns sum to zero.
    """
    _check(beta, D, B)
    lat = lattice(D)
    a, b, cnt = _edges(lat)
    rate = B * cnt * np.exp(-0.5 * beta * D * (lat.phi[b] - lat.phi[a]))
    out = np.bincount(a, weights=rate, minlength=lat.size)
    rows = np.concatenate([b, np.arange(lat.size)])
    cols = np.concatenate([a, np.arange(lat.size)])
    vals = np.concatenate([rate, -out])
    return sp.csr_matrix((vals, (rows, cols)), shape=(lat.size, lat.size))


def stationary_residual(beta: float, D: int, B: float = 1.0) -> float:
    """max |G Q_eq| / max(|G_aa| Q_eq,a) with Q_eq ∝ W exp(-beta D phi) (should be ~1e-15)."""
    G = generator(beta, D, B)
    q = np.exp(log_stationary(beta, D))
    scale = np.max(np.abs(G.diagonal()) * q)
    return float(np.max(np.abs(G @ q)) / scale)


def detailed_balance_log_error(beta: float, D: int, B: float = 1.0) -> float:
    """max over edges |ln(L_{a->b} Q_a) - ln(L_{b->a} Q_b)| for the lumped rates (log form)."""
    _check(beta, D, B)
    lat = lattice(D)
    a, b, cnt = _edges(lat)
    log_q = log_stationary(beta, D)
    log_rate = math.log(B) + np.log(cnt) - 0.5 * beta * D * (lat.phi[b] - lat.phi[a])
    fwd = log_rate + log_q[a]
    # the reverse edge of (a, b) is (b, a): look it up through a dict of keys
    key = a * lat.size + b
    order = np.argsort(key)
    rkey = b * lat.size + a
    pos = np.searchsorted(key[order], rkey)
    rev = fwd[order][pos]
    return float(np.max(np.abs(fwd - rev)))


def symmetrised_generator(beta: float, D: int, B: float = 1.0) -> sp.csr_matrix:
    """S = Pi^{-1/2} (-G) Pi^{1/2}, symmetric positive semi-definite; same eigenvalues as -G.

    Off-diagonal S_ab = -B sqrt(N_{a->b} N_{b->a}); diagonal = total escape rate of a.
    """
    _check(beta, D, B)
    lat = lattice(D)
    a, b, cnt = _edges(lat)
    rate = B * cnt * np.exp(-0.5 * beta * D * (lat.phi[b] - lat.phi[a]))
    out = np.bincount(a, weights=rate, minlength=lat.size)
    key = a * lat.size + b
    order = np.argsort(key)
    pos = np.searchsorted(key[order], b * lat.size + a)
    cnt_rev = cnt[order][pos]
    off = -B * np.sqrt(cnt * cnt_rev)
    rows = np.concatenate([a, np.arange(lat.size)])
    cols = np.concatenate([b, np.arange(lat.size)])
    return sp.csr_matrix((np.concatenate([off, out]), (rows, cols)), shape=(lat.size,) * 2)


def lowest_rates(beta: float, D: int, k: int = 6, B: float = 1.0) -> np.ndarray:
    """The k lowest eigenvalues of -G (relaxation rates, ascending, the first ~ 0); shape (k,).

    Sparse shift-invert Lanczos (ARPACK) on the symmetrised generator with a small negative shift,
    so that exponentially small rates keep full relative accuracy. Falls back to dense ``eigh``
    for lattices of at most 400 states.
    """
    S = symmetrised_generator(beta, D, B)
    n = S.shape[0]
    if k < 1:
        raise InputError("k must be >= 1.")
    k = min(k, n)
    if n <= 400 or k >= n - 1:
        return np.linalg.eigvalsh(S.toarray())[:k]
    sigma = -1e-3 * B
    vals = eigsh(S.tocsc(), k=k, sigma=sigma, which="LM", return_eigenvectors=False, tol=0)
    return np.sort(vals)


def rate_resolution(beta: float, D: int, B: float = 1.0, factorised: bool = False) -> float:
    """Absolute accuracy of the computed rates, n eps 2 max(escape rate), in units of B.

    The same convention as :attr:`pelkit.theory.master_equation.MasterEquation.resolution`:
    a backward-stable symmetric eigensolver returns eigenvalues with absolute errors of order
    n eps ||S||, and ||S|| <= 2 max_a S_aa (Gershgorin; S_aa is the escape rate of state a), so
    rates below this value (the exponentially small liquid <-> crystal hop at large beta D) are
    numerical noise, not results.  ``factorised``: the error of lambda_s + lambda_d from the two
    1-D chains (:func:`factorised_rates`, n = D/2 + 1 each) instead of the 2-D lattice.
    """
    eps = float(np.finfo(float).eps)
    if factorised:
        total = 0.0
        for chain in ("s", "d"):
            diag, _ = chain_tridiagonal(beta, D, chain, B)
            total += diag.size * eps * 2.0 * float(np.max(diag))
        return total
    S = symmetrised_generator(beta, D, B)
    return S.shape[0] * eps * 2.0 * float(np.max(S.diagonal()))


# --------------------------------------------------------------------------------------------
# The 1-D chains
# --------------------------------------------------------------------------------------------


def chain_tridiagonal(
    beta: float, D: int, chain: str = "d", B: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrised tridiagonal generator of one chain: (diagonal (D/2+1,), off-diagonal (D/2,)).

    chain "d": index m, d = 4m/D - 1, Phi = D phi_d(d); chain "s": index n1, s = 4n1/D - 1,
    Phi = D s. Up-rate from k: (D/2 - k) B exp(-beta Delta Phi/2); down-rate: k B exp(...);
    off-diagonal -B sqrt((D/2 - k)(k + 1)).
    """
    _check(beta, D, B)
    if chain not in ("d", "s"):
        raise InputError(f"chain must be 'd' or 's', got {chain!r}.")
    h = D // 2
    k = np.arange(h + 1, dtype=float)
    u = 4.0 * k / D - 1.0
    energy = D * (phi_d(u) if chain == "d" else u)
    de_up = np.append(energy[1:] - energy[:-1], 0.0)
    de_dn = np.insert(energy[:-1] - energy[1:], 0, 0.0)
    up = (h - k) * np.exp(-0.5 * beta * de_up)
    dn = k * np.exp(-0.5 * beta * de_dn)
    diag = B * (up + dn)
    off = -B * np.sqrt((h - k[:-1]) * (k[:-1] + 1.0))
    return diag, off


def chain_rates(beta: float, D: int, chain: str = "d", k: int = 6, B: float = 1.0) -> np.ndarray:
    """k lowest relaxation rates of one chain (ascending, first ~ 0); shape (k,).

    LAPACK tridiagonal bisection + inverse iteration (``eigh_tridiagonal``), O(D) memory; usable
    up to D ~ 1e5.
    """
    diag, off = chain_tridiagonal(beta, D, chain, B)
    k = min(k, diag.size)
    return eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(0, k - 1))


def factorised_rates(beta: float, D: int, k: int = 6, B: float = 1.0) -> np.ndarray:
    """k lowest rates of the full lattice from the chains: sorted {lambda_s + lambda_d}; (k,)."""
    ls = chain_rates(beta, D, "s", k, B)
    ld = chain_rates(beta, D, "d", k, B)
    return np.sort((ls[:, None] + ld[None, :]).ravel())[:k]


def s_chain_exact(beta: float, D: int, B: float = 1.0) -> np.ndarray:
    """Exact s-chain spectrum j 2B cosh(2 beta), j = 0..D/2 (D/2 free spins); shape (D/2+1,)."""
    _check(beta, D, B)
    return np.arange(D // 2 + 1) * 2.0 * B * math.cosh(2.0 * beta)


def stationary_peak(beta: float, D: int) -> dict[str, float]:
    """Most probable lattice state of Q_eq: its n, n1, x, y and probability.

    Q_eq(n1, m) = Q_s(n1) Q_d(m) factorises (phi = s + phi_d(d), W = C(D/2, n1) C(D/2, m)), so
    the peak is found on the two chains: O(D) work for any D.
    """
    _check(beta, D)
    h = D // 2
    k = np.arange(h + 1, dtype=float)
    u = 4.0 * k / D - 1.0
    lw = _log_binom(h, k)
    a_s = lw - beta * D * u
    a_d = lw - beta * D * phi_d(u)
    n1 = int(np.argmax(a_s))
    m = int(np.argmax(a_d))
    log_p = a_s[n1] - logsumexp(a_s) + a_d[m] - logsumexp(a_d)
    n = n1 + m
    return {
        "n": n,
        "n1": n1,
        "x": 2.0 * n / D - 1.0,
        "y": (4.0 * n1 - 2.0 * n) / D,
        "probability": float(math.exp(log_p)),
    }
