"""Fokker-Planck equation of the hypercube model (Stillinger 1984, eqs 5.7-5.11;
docs/physics/theory.md).

Continuum limit of the lumped master equation (:mod:`pelkit.theory.hypercube_master`):
dQ/dt = -div(mu F Q) + beta^{-1} div(mu grad Q) (Stillinger 1984, eq 5.9) with F = beta^{-1} grad
ln Q_eq (5.11)
and the CORRECTED mobility (the printed eq 5.10 of Stillinger 1984 has beta B D^-2; one hop
changes x or y by 2/D, so the mobility scales as D^-1; docs/physics/theory.md)
mu_xx = mu_yy = beta B D^{-1} [sqrt(1-(x+y)^2) + sqrt(1-(x-y)^2)],
mu_xy = beta B D^{-1} [sqrt(1-(x+y)^2) - sqrt(1-(x-y)^2)].
In s = x + y, d = x - y the diffusion tensor beta^{-1} mu is diagonal with
D_ss = (4B/D) sqrt(1 - s^2), D_dd = (4B/D) sqrt(1 - d^2), and the equation splits into
dQ/dt = d_u [D_uu (d_u Q - Q d_u ln Q_eq)], u = s, d, with the full
Q_eq ∝ exp(D (w - beta phi)) = exp(D f_s(s)) exp(D h(d)), f_s(s) = -g(s)/4 - beta s.

Discretisation: finite volumes of width h on [-1, 1] (cell centres u_i), cell probabilities
P_i, equilibrium pi_i ∝ exp(D f(u_i)). Fluxes use the Scharfetter-Gummel (exponential fitting)
form: with Delta_i = ln pi_{i+1} - ln pi_i and D_f the diffusion coefficient at the face,
k_{i->i+1} = (D_f/h^2) Bern(-Delta_i), k_{i+1->i} = (D_f/h^2) Bern(Delta_i),
Bern(z) = z/(e^z - 1). Their ratio is exactly pi_{i+1}/pi_i, so the discrete equation obeys
detailed balance with respect to pi for any h (and is exact for a linear potential). The
symmetrised generator is tridiagonal with off-diagonal -(D_f/h^2) (Delta/2)/sinh(Delta/2).
The 2-D generator on the (s, d) grid is the Kronecker sum of the two 1-D generators.

Rates are in units of B (time unit 1/B); they are O(1), independent of D, as D -> infinity they
approach the Ornstein-Uhlenbeck values nu_s = 2B cosh(2 beta) and nu_d = -4B sqrt(1-d_m^2) h''(d_m)
(:func:`pelkit.theory.hypercube.ou_rates`, re-exported here with ``ou_rates_xy``, the same
rates from eig(M H) in (x, y)).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigh_tridiagonal
from scipy.sparse.linalg import eigsh
from scipy.special import exprel

from pelkit.errors import InputError
from pelkit.theory.hypercube import OURates, g, h_d, ou_rates, ou_rates_xy

__all__ = [
    "OURates",
    "default_cells",
    "fp_chain_lowest",
    "fp_chain_rates_matrix",
    "fp_chain_tridiagonal",
    "fp_generator_2d",
    "fp_lowest_rates",
    "fp_lowest_rates_2d",
    "fp_stationary_residual",
    "ou_rates",
    "ou_rates_xy",
    "rate_comparison",
]


def _check(beta: float, D: float, n_cells: int, B: float) -> None:
    if not (isinstance(beta, (int, float, np.floating)) and math.isfinite(beta) and beta > 0):
        raise InputError(f"beta must be a finite positive number, got {beta!r}.")
    if not (math.isfinite(D) and D > 0):
        raise InputError(f"D must be a finite positive number, got {D!r}.")
    if isinstance(n_cells, bool) or not isinstance(n_cells, (int, np.integer)) or n_cells < 3:
        raise InputError(f"n_cells must be an integer >= 3, got {n_cells!r}.")
    if not (math.isfinite(B) and B > 0):
        raise InputError(f"B must be a finite positive rate, got {B!r}.")


def default_cells(D: float) -> int:
    """Grid size resolving the equilibrium width ~ D^{-1/2}: max(400, 80 sqrt(D)) cells."""
    return int(max(400, math.ceil(80.0 * math.sqrt(D))))


def cell_centres(n_cells: int) -> np.ndarray:
    """Centres of n_cells equal cells on [-1, 1]; shape (n_cells,)."""
    h = 2.0 / n_cells
    return -1.0 + h * (np.arange(n_cells) + 0.5)


def log_equilibrium(beta: float, D: float, chain: str, n_cells: int) -> np.ndarray:
    """ln pi_i = D f(u_i) (unnormalised) at the cell centres; chain "s": f = -g(s)/4 - beta s,
    chain "d": f = h(d) = -g(d)/4 - beta phi_d(d). Shape (n_cells,)."""
    u = cell_centres(n_cells)
    if chain == "s":
        return D * (-0.25 * g(u) - beta * u)
    if chain == "d":
        return D * h_d(u, beta)
    raise InputError(f"chain must be 's' or 'd', got {chain!r}.")


def _bern(z: np.ndarray) -> np.ndarray:
    """Bernoulli function z/(e^z - 1), stable for all z (1 at z = 0, -> 0 for large z)."""
    with np.errstate(over="ignore"):
        return 1.0 / exprel(z)


def fp_chain_rates_matrix(
    beta: float, D: float, chain: str = "d", n_cells: int | None = None, B: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One-dimensional finite-volume generator for chain u in {s, d}.

    Returns (k_up (n-1,), k_down (n-1,), log_pi (n,), u (n,)): k_up[i] is the rate from cell i
    to i+1, k_down[i] from i+1 to i (units of B), log_pi the discrete equilibrium.
    """
    _check(beta, D, 3 if n_cells is None else n_cells, B)
    n = default_cells(D) if n_cells is None else n_cells
    hcell = 2.0 / n
    log_pi = log_equilibrium(beta, D, chain, n)
    u = cell_centres(n)
    faces = -1.0 + hcell * np.arange(1, n)
    dface = (4.0 * B / D) * np.sqrt(1.0 - faces**2)
    delta = log_pi[1:] - log_pi[:-1]
    pref = dface / hcell**2
    return pref * _bern(-delta), pref * _bern(delta), log_pi, u


def fp_chain_tridiagonal(
    beta: float, D: float, chain: str = "d", n_cells: int | None = None, B: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrised 1-D generator: (diagonal (n,), off-diagonal (n-1,)); eigenvalues = rates."""
    k_up, k_dn, log_pi, _ = fp_chain_rates_matrix(beta, D, chain, n_cells, B)
    diag = np.zeros(log_pi.size)
    diag[:-1] += k_up
    diag[1:] += k_dn
    # -sqrt(k_up k_dn) computed without overflow: pref * (Delta/2)/sinh(Delta/2)
    off = -np.sqrt(k_up * k_dn)
    return diag, off


def fp_chain_lowest(
    beta: float,
    D: float,
    chain: str = "d",
    k: int = 4,
    n_cells: int | None = None,
    B: float = 1.0,
) -> np.ndarray:
    """k lowest Fokker-Planck rates of one chain (ascending, first ~ 0); shape (k,)."""
    diag, off = fp_chain_tridiagonal(beta, D, chain, n_cells, B)
    k = min(k, diag.size)
    return eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(0, k - 1))


def fp_lowest_rates(
    beta: float, D: float, k: int = 6, n_cells: int | None = None, B: float = 1.0
) -> np.ndarray:
    """k lowest rates of the 2-D (s, d) Fokker-Planck generator from its two chains.

    The 2-D operator is the Kronecker sum of the s and d operators, so its spectrum is
    {lambda_s + lambda_d}. Shape (k,), ascending.
    """
    ls = fp_chain_lowest(beta, D, "s", k, n_cells, B)
    ld = fp_chain_lowest(beta, D, "d", k, n_cells, B)
    return np.sort((ls[:, None] + ld[None, :]).ravel())[:k]


def fp_rate_resolution(
    beta: float, D: float, n_cells: int | None = None, B: float = 1.0
) -> float:
    """Absolute accuracy of :func:`fp_lowest_rates`, sum over the s and d chains of
    n eps 2 max(diagonal) (units of B; the convention of
    :func:`pelkit.theory.hypercube_master.rate_resolution`): smaller rates are noise."""
    eps = float(np.finfo(float).eps)
    total = 0.0
    for chain in ("s", "d"):
        diag, _ = fp_chain_tridiagonal(beta, D, chain, n_cells, B)
        total += diag.size * eps * 2.0 * float(np.max(np.abs(diag)))
    return total


def fp_generator_2d(
    beta: float, D: float, n_s: int = 60, n_d: int = 60, B: float = 1.0
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Symmetrised 2-D finite-volume generator on the n_s x n_d (s, d) grid.

    Returns (S, log_pi): S sparse symmetric (n_s n_d, n_s n_d), index i_s * n_d + i_d;
    log_pi (n_s n_d,) the normalised discrete equilibrium ln pi = D (w - beta phi) + const.
    """
    ds, os_ = fp_chain_tridiagonal(beta, D, "s", n_s, B)
    dd, od = fp_chain_tridiagonal(beta, D, "d", n_d, B)
    Ss = sp.diags([os_, ds, os_], [-1, 0, 1], format="csr")
    Sd = sp.diags([od, dd, od], [-1, 0, 1], format="csr")
    S = (sp.kron(Ss, sp.identity(n_d)) + sp.kron(sp.identity(n_s), Sd)).tocsr()
    lp = (
        log_equilibrium(beta, D, "s", n_s)[:, None] + log_equilibrium(beta, D, "d", n_d)[None, :]
    ).ravel()
    lp -= np.logaddexp.reduce(lp)
    return S, lp


def fp_lowest_rates_2d(
    beta: float, D: float, k: int = 6, n_s: int = 60, n_d: int = 60, B: float = 1.0
) -> np.ndarray:
    """k lowest eigenvalues of the assembled 2-D generator (sparse shift-invert); shape (k,)."""
    S, _ = fp_generator_2d(beta, D, n_s, n_d, B)
    if S.shape[0] <= 400:
        return np.linalg.eigvalsh(S.toarray())[:k]
    vals = eigsh(S.tocsc(), k=k, sigma=-1e-3 * B, which="LM", return_eigenvectors=False, tol=0)
    return np.sort(vals)


def fp_stationary_residual(beta: float, D: float, chain: str = "d", n_cells: int = 200) -> float:
    """max |L pi| / max(escape rate * pi) for the 1-D generator L (checks detailed balance)."""
    k_up, k_dn, log_pi, _ = fp_chain_rates_matrix(beta, D, chain, n_cells)
    p = np.exp(log_pi - log_pi.max())
    flow = np.zeros_like(p)
    flux = k_up * p[:-1] - k_dn * p[1:]
    flow[:-1] -= flux
    flow[1:] += flux
    esc = np.zeros_like(p)
    esc[:-1] += k_up
    esc[1:] += k_dn
    return float(np.max(np.abs(flow)) / np.max(esc * p))


def rate_comparison(
    beta: float, Ds: list[int] | np.ndarray, k: int = 3, B: float = 1.0
) -> dict[str, object]:
    """Lowest non-zero rates of the master equation and the Fokker-Planck equation against D.

    Master equation: exact, from the s- and d-chains (factorised spectrum, docs/physics/theory.md).
    Fokker-Planck:
    the finite-volume (s, d) operator (:func:`fp_lowest_rates`). OU: the linearised rates of each
    existing branch at beta. Returns {"beta", "D" (nD,), "master" (nD, k), "fokker_planck"
    (nD, k), "ou": {branch: {"rate_d", "rate_s"}}, "barrier_top" (float or None, see
    :func:`pelkit.theory.hypercube.barrier_top_rate`), "resolution" (nD, 2)}; rates below
    1e3 eps ||matrix|| (not resolved in double precision) are NaN.
    """
    from pelkit.theory.hypercube import BRANCHES, barrier_top_rate
    from pelkit.theory.hypercube_master import chain_tridiagonal, factorised_rates

    Ds = np.asarray(Ds, dtype=int)
    me = np.full((Ds.size, k), np.nan)
    fp = np.full((Ds.size, k), np.nan)
    res = np.zeros((Ds.size, 2))
    tiny = 1e3 * np.finfo(float).eps
    for i, D in enumerate(Ds):
        norm_me = sum(
            2.0 * np.max(np.abs(chain_tridiagonal(beta, int(D), c, B)[0])) for c in ("s", "d")
        )
        norm_fp = sum(
            2.0 * np.max(np.abs(fp_chain_tridiagonal(beta, float(D), c, None, B)[0]))
            for c in ("s", "d")
        )
        res[i] = tiny * norm_me, tiny * norm_fp
        r_me = factorised_rates(beta, int(D), k + 1, B)[1:]
        r_fp = fp_lowest_rates(beta, float(D), k + 1, None, B)[1:]
        me[i] = np.where(r_me > res[i, 0], r_me, np.nan)
        fp[i] = np.where(r_fp > res[i, 1], r_fp, np.nan)
    ou = {}
    for br in BRANCHES:
        r = ou_rates(beta, br, B)
        if r is not None:
            ou[br] = {"rate_d": r.rate_d, "rate_s": r.rate_s}
    return {
        "beta": beta,
        "D": Ds,
        "master": me,
        "fokker_planck": fp,
        "ou": ou,
        "barrier_top": barrier_top_rate(beta, B),
        "resolution": res,
    }
