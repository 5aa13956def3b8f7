"""Stillinger's hypercube model: equilibrium branches (Stillinger 1984, section IV;
docs/physics/theory.md).

The 2^D vertices of a D-cube, sigma = D^{-1/2}(+-1, ..., +-1), stand for the packing structures.
Two order parameters x = sigma.u_x, y = sigma.u_y (Stillinger 1984, eqs 4.4 to 4.7) project them on
the square
|x| + |y| <= 1 (the printed eq 4.8 of Stillinger 1984 reads |x + y| <= 1, which is a misprint:
the projections of the cube vertices fill the square |x| + |y| <= 1). Per unit D (all quantities
here are
dimensionless, energies in the model's unit, beta = 1/T with k_B = 1):

- combinatorial entropy (Stillinger 1984, eq 4.10)
  w(x, y) = ln 2 - 1/4 [(1+x+y)ln(1+x+y) + (1+x-y)ln(1+x-y) + (1-x+y)ln(1-x+y) + (1-x-y)ln(1-x-y)]
- packing energy (Stillinger 1984, eq 4.11)
  phi(x, y) = x + y - (x - y + 0.2)^2 + 0.38 (x - y + 0.2)^3
- equilibrium: maxima of f = w - beta*phi (Stillinger 1984, eq 4.13; "minima" in the Fig 1 text is
  a misprint).

Separable form (docs/physics/theory.md): with s = x + y, d = x - y and
g(u) = (1+u)ln(1+u) + (1-u)ln(1-u),
w = ln 2 - [g(s) + g(d)]/4 and phi = s + phi_d(d), phi_d(d) = -(d+0.2)^2 + 0.38(d+0.2)^3.
The s-part is maximised by s* = -tanh(2 beta) on every branch; the d-part is
h(d) = -g(d)/4 - beta*phi_d(d), whose maxima are the *liquid* (d > 0) and *crystal* (d < 0)
branches. Internally d = tanh(t) so that 1 +- d is exact near the vertices (t = artanh d).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy.optimize import brentq
from scipy.special import xlogy

from pelkit.errors import InputError

Branch = Literal["liquid", "crystal"]
BRANCHES: tuple[Branch, Branch] = ("liquid", "crystal")

#: Coefficients of phi_d(d) = -(d + D_SHIFT)^2 + CUBIC (d + D_SHIFT)^3 (Stillinger 1984, eq 4.11).
D_SHIFT = 0.2
CUBIC = 0.38

#: Default beta range for branch continuation and the figures (docs/physics/theory.md).
BETA_RANGE = (0.05, 3.0)


# --------------------------------------------------------------------------------------------
# Elementary functions of the model
# --------------------------------------------------------------------------------------------


def _check_domain(x: np.ndarray, y: np.ndarray) -> None:
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("hypercube order parameters x, y must be finite numbers.")
    if np.any(np.abs(x) + np.abs(y) > 1.0 + 1e-12):
        raise InputError("hypercube order parameters must satisfy |x| + |y| <= 1 "
                         "(docs/physics/theory.md).")


def g(u: np.ndarray | float) -> np.ndarray:
    """g(u) = (1+u)ln(1+u) + (1-u)ln(1-u) for |u| <= 1 (0 ln 0 = 0); shape of ``u``."""
    u = np.asarray(u, dtype=float)
    return xlogy(1.0 + u, 1.0 + u) + xlogy(1.0 - u, 1.0 - u)


def w(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """Combinatorial entropy per D, w(x, y) (Stillinger 1984, eq 4.10); x, y broadcastable, |x| +
    |y| <= 1.

    Evaluated as ln 2 - [g(x+y) + g(x-y)]/4 (docs/physics/theory.md, separable form).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    _check_domain(x, y)
    return math.log(2.0) - 0.25 * (g(np.clip(x + y, -1, 1)) + g(np.clip(x - y, -1, 1)))


def phi_d(d: np.ndarray | float) -> np.ndarray:
    """d-part of the packing energy, phi_d(d) = -(d+0.2)^2 + 0.38(d+0.2)^3 (Stillinger 1984, eq
    4.11)."""
    z = np.asarray(d, dtype=float) + D_SHIFT
    return -(z**2) + CUBIC * z**3


def phi(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """Packing energy per D, phi(x, y) = x + y - (x-y+0.2)^2 + 0.38(x-y+0.2)^3 (Stillinger 1984, eq
    4.11)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    _check_domain(x, y)
    return x + y + phi_d(x - y)


def free_energy(x: np.ndarray | float, y: np.ndarray | float, beta: float) -> np.ndarray:
    """f = w - beta*phi (Stillinger 1984, eq 4.13): -beta times the free energy per D; maximal at
    equilibrium."""
    _check_beta(beta)
    return w(x, y) - beta * phi(x, y)


def phi_second_derivatives(x: float, y: float) -> tuple[float, float, float]:
    """(phi_xx, phi_xy, phi_yy) with phi_xx = phi_yy = -phi_xy = -2 + 2.28(x - y + 0.2)
    (docs/physics/theory.md)."""
    a = -2.0 + 6.0 * CUBIC * (x - y + D_SHIFT)
    return a, -a, a


def s_star(beta: float | np.ndarray) -> np.ndarray:
    """Maximiser of the s-part, s* = -tanh(2 beta), common to both branches
    (docs/physics/theory.md)."""
    return -np.tanh(2.0 * np.asarray(beta, dtype=float))


def _check_beta(beta: float) -> None:
    if not (isinstance(beta, (int, float, np.floating)) and math.isfinite(beta) and beta > 0):
        raise InputError(f"beta must be a finite positive number, got {beta!r}.")


# d-part in the variable t = artanh(d) -------------------------------------------------------


def _one_pm(t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(1 + tanh t, 1 - tanh t), both accurate to round-off for any t."""
    t = np.asarray(t, dtype=float)
    return 2.0 / (1.0 + np.exp(-2.0 * t)), 2.0 / (1.0 + np.exp(2.0 * t))


def _g_t(t: np.ndarray | float) -> np.ndarray:
    """g(tanh t) computed from accurate 1 +- d (logs via log-add-exp)."""
    t = np.asarray(t, dtype=float)
    p, m = _one_pm(t)
    ln_p = math.log(2.0) - np.logaddexp(0.0, -2.0 * t)
    ln_m = math.log(2.0) - np.logaddexp(0.0, 2.0 * t)
    return p * ln_p + m * ln_m


def h_d(d: np.ndarray | float, beta: float) -> np.ndarray:
    """d-part of f: h(d) = -g(d)/4 + beta(d+0.2)^2 - 0.38 beta(d+0.2)^3 (docs/physics/theory.md)."""
    return -0.25 * g(d) - beta * phi_d(d)


def h_d_prime(d: np.ndarray | float, beta: float) -> np.ndarray:
    """h'(d) = -artanh(d)/2 + 2 beta(d+0.2) - 1.14 beta(d+0.2)^2 (docs/physics/theory.md)."""
    d = np.asarray(d, dtype=float)
    z = d + D_SHIFT
    return -0.5 * np.arctanh(d) + 2.0 * beta * z - 3.0 * CUBIC * beta * z**2


def h_d_second(d: np.ndarray | float, beta: float) -> np.ndarray:
    """h''(d) = -1/(2(1-d^2)) + 2 beta - 2.28 beta(d+0.2)."""
    d = np.asarray(d, dtype=float)
    return -0.5 / (1.0 - d * d) + 2.0 * beta - 6.0 * CUBIC * beta * (d + D_SHIFT)


def _hp_t(t: float, beta: float) -> float:
    z = math.tanh(t) + D_SHIFT
    return -0.5 * t + 2.0 * beta * z - 3.0 * CUBIC * beta * z * z


def _hpp_t(t: float, beta: float) -> float:
    """h''(d) at d = tanh t, with 1 - d^2 = sech^2 t (cosh^2 t may overflow to inf: then -inf)."""
    c = math.cosh(t) if abs(t) < 700 else math.inf
    z = math.tanh(t) + D_SHIFT
    return -0.5 * c * c + 2.0 * beta - 6.0 * CUBIC * beta * z


def _t_bound(beta: float) -> float:
    # |2 beta z - 1.14 beta z^2| <= beta (2*1.2 + 1.14*1.44) < 4.05 beta for |d| <= 1, so every
    # root of h' = -t/2 + (that) has |t| <= 8.1 beta.
    return 8.1 * beta + 1.0


def d_stationary_points(beta: float) -> list[tuple[float, float, str]]:
    """All stationary points of h(d) on (-1, 1) at inverse temperature beta.

    Returns a list of (d, t = artanh d, kind) sorted by d, with kind "max" (h'' < 0), "min" or
    "degenerate". Roots are bracketed on a fine grid in t and polished with Brent's method.
    """
    _check_beta(beta)
    tb = _t_bound(beta)
    grid = np.linspace(-tb, tb, 4001)
    z = np.tanh(grid) + D_SHIFT
    vals = -0.5 * grid + 2.0 * beta * z - 3.0 * CUBIC * beta * z * z
    out: list[tuple[float, float, str]] = []
    sign = np.sign(vals)
    for i in np.nonzero(sign[:-1] * sign[1:] <= 0)[0]:
        if vals[i] == 0.0 and i > 0 and sign[i - 1] * sign[i + 1] > 0:
            continue
        if vals[i + 1] == 0.0:
            continue
        t = brentq(_hp_t, grid[i], grid[i + 1], args=(beta,), xtol=1e-15, rtol=1e-15, maxiter=200)
        h2 = _hpp_t(t, beta)
        kind = "max" if h2 < 0 else ("min" if h2 > 0 else "degenerate")
        out.append((math.tanh(t), t, kind))
    out.sort(key=lambda r: r[1])
    return out


# --------------------------------------------------------------------------------------------
# Branch points
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchPoint:
    """One maximum of f = w - beta*phi (a liquid or crystal state), per unit D.

    Attributes: beta, branch, s = x + y, d = x - y, t = artanh d, x, y, phi (Stillinger 1984, eq
    4.11),
    w (Stillinger 1984, eq 4.10), free_energy = w - beta*phi, h2 = h''(d) (< 0 at a maximum).
    """

    beta: float
    branch: str
    s: float
    d: float
    t: float
    x: float
    y: float
    phi: float
    w: float
    free_energy: float
    h2: float

    def as_dict(self) -> dict[str, float | str]:
        return asdict(self)


def _point_from_t(beta: float, t: float, branch: str) -> BranchPoint:
    s = float(s_star(beta))
    d = math.tanh(t)
    x = 0.5 * (s + d)
    y = 0.5 * (s - d)
    ts = -2.0 * beta  # artanh(s*)
    g_s = float(_g_t(ts))
    g_d = float(_g_t(t))
    w_val = math.log(2.0) - 0.25 * (g_s + g_d)
    phi_val = s + float(phi_d(d))
    return BranchPoint(
        beta=float(beta),
        branch=branch,
        s=s,
        d=d,
        t=float(t),
        x=x,
        y=y,
        phi=phi_val,
        w=w_val,
        free_energy=w_val - beta * phi_val,
        h2=_hpp_t(t, beta),
    )


def branch_point(beta: float, branch: Branch) -> BranchPoint | None:
    """The maximum of w - beta*phi on ``branch`` ("liquid": d > 0, "crystal": d < 0) at beta.

    Returns None where the branch does not exist (the crystal for beta < beta_s). Found from the
    complete set of stationary points of h(d) (:func:`d_stationary_points`).
    """
    if branch not in BRANCHES:
        raise InputError(f"unknown branch {branch!r}; use 'liquid' or 'crystal'.")
    maxima = [r for r in d_stationary_points(beta) if r[2] == "max"]
    if branch == "liquid":
        cand = [r for r in maxima if r[0] > 0]
        pick = max(cand, key=lambda r: r[0]) if cand else None
    else:
        cand = [r for r in maxima if r[0] < 0]
        pick = min(cand, key=lambda r: r[0]) if cand else None
        if pick is None and beta > crystal_onset().beta:
            # Just above the saddle-node the two roots may share one grid cell.
            t = _crystal_near_onset(beta)
            return None if t is None else _point_from_t(beta, t, branch)
    return None if pick is None else _point_from_t(beta, pick[1], branch)


def equilibrium_point(beta: float) -> BranchPoint:
    """The stable (global) maximum of w - beta*phi at beta."""
    pts = [p for p in (branch_point(beta, b) for b in BRANCHES) if p is not None]
    return max(pts, key=lambda p: p.free_energy)


# --------------------------------------------------------------------------------------------
# Onset (saddle-node) and melting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Onset:
    """Saddle-node where the crystal branch appears: h'(d) = h''(d) = 0 (docs/physics/theory.md)."""

    beta: float
    temperature: float
    d: float
    s: float
    x: float
    y: float


def _beta_on_fold(d: float) -> float:
    # h''(d) = 0  <=>  beta = 1 / (2 (1 - d^2) (2 - 2.28 (d + 0.2)))
    return 1.0 / (2.0 * (1.0 - d * d) * (2.0 - 6.0 * CUBIC * (d + D_SHIFT)))


@functools.cache
def crystal_onset() -> Onset:
    """beta_s where the crystal maximum is born (saddle-node of h on d < 0).

    Solved as one equation in d: with beta(d) from h''(d) = 0, find the root of h'(d; beta(d)) on
    d < 0 (beta_s = 0.336429, recomputed; docs/physics/theory.md).
    """
    f = lambda d: float(h_d_prime(d, _beta_on_fold(d)))  # noqa: E731
    grid = np.linspace(-0.999, -1e-6, 2000)
    vals = np.array([f(d) for d in grid])
    idx = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
    if idx.size == 0:
        raise RuntimeError("no saddle-node of the crystal branch found on d < 0")
    roots = [brentq(f, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15) for i in idx]
    d = min(roots, key=_beta_on_fold)
    beta = _beta_on_fold(d)
    s = float(s_star(beta))
    return Onset(beta, 1.0 / beta, d, s, 0.5 * (s + d), 0.5 * (s - d))


def _crystal_near_onset(beta: float) -> float | None:
    """t of the crystal maximum for beta slightly above beta_s, by Newton from the fold normal form.

    Near the fold h'(t; beta) ~ a (t - t_s)^2 + c (beta - beta_s); the crystal maximum is the root
    t_s - sqrt(-c (beta - beta_s)/a) (more negative d than the companion minimum).
    """
    on = crystal_onset()
    t_s = math.atanh(on.d)
    z = on.d + D_SHIFT
    sech2 = 1.0 - on.d * on.d
    curv = -6.0 * CUBIC * sech2 * sech2 - 2.0 * (2.0 - 6.0 * CUBIC * z) * sech2 * on.d
    a = 0.5 * on.beta * curv
    c = 2.0 * z - 3.0 * CUBIC * z * z
    disc = -c * (beta - on.beta) / a
    if disc <= 0:
        return None
    t = _newton_t(t_s - math.sqrt(disc), beta)
    return t if t is not None and t < t_s else None


@dataclass(frozen=True)
class Melting:
    """Melting point: equal w - beta*phi on both branches (Stillinger 1984, eq 4.14).

    d_saddle is the minimum of h(d) between the two maxima; barrier = h(d_max) - h(d_saddle)
    per D (the free-energy barrier, in units of k_B T, divided by D).
    """

    beta: float
    temperature: float
    liquid: BranchPoint
    crystal: BranchPoint
    free_energy: float
    d_saddle: float
    barrier: float


def _branch_gap(beta: float) -> float:
    liq = branch_point(beta, "liquid")
    cry = branch_point(beta, "crystal")
    if liq is None or cry is None:
        raise RuntimeError(f"both branches are needed at beta = {beta}")
    return liq.free_energy - cry.free_energy


def melting_point(beta_max: float = BETA_RANGE[1]) -> Melting:
    """beta_m from f_liquid(beta) = f_crystal(beta), beta_s < beta < beta_max (Brent's method)."""
    b_lo = crystal_onset().beta + 1e-3
    beta = brentq(_branch_gap, b_lo, beta_max, xtol=1e-15, rtol=1e-15)
    liq = branch_point(beta, "liquid")
    cry = branch_point(beta, "crystal")
    assert liq is not None and cry is not None
    mins = [r for r in d_stationary_points(beta) if r[2] == "min" and cry.d < r[0] < liq.d]
    d_sad = mins[0][0]
    barrier = float(h_d(liq.d, beta) - h_d(d_sad, beta))
    return Melting(
        beta=beta,
        temperature=1.0 / beta,
        liquid=liq,
        crystal=cry,
        free_energy=0.5 * (liq.free_energy + cry.free_energy),
        d_saddle=d_sad,
        barrier=barrier,
    )


# --------------------------------------------------------------------------------------------
# Continuation over beta and the tables behind Figs 1-4
# --------------------------------------------------------------------------------------------


def _newton_t(t0: float, beta: float, tol: float = 1e-14, maxiter: int = 60) -> float | None:
    """Newton on h'(tanh t) = 0 in t from t0; None if it fails or lands on a non-maximum."""
    t = t0
    for _ in range(maxiter):
        f = _hp_t(t, beta)
        c = math.cosh(t)
        fp = -0.5 + (2.0 * beta - 6.0 * CUBIC * beta * (math.tanh(t) + D_SHIFT)) / (c * c)
        if fp == 0.0 or not math.isfinite(fp):
            return None
        step = f / fp
        t -= step
        if abs(step) <= tol * max(1.0, abs(t)):
            break
    else:
        return None
    return t if _hpp_t(t, beta) < 0 else None


def continue_branch(betas: np.ndarray, branch: Branch) -> list[BranchPoint | None]:
    """Track one branch of maxima through the increasing grid ``betas`` by continuation.

    Newton in t = artanh(d), started from the previous beta's solution (and halving the beta
    step when Newton fails or jumps to the other branch). The liquid branch starts at the first
    beta; the crystal branch starts at the first beta above the saddle-node beta_s. Entries where
    the branch does not exist are None. ``betas``: shape (n,), strictly increasing, > 0.
    """
    betas = np.asarray(betas, dtype=float)
    if betas.ndim != 1 or betas.size == 0 or np.any(~np.isfinite(betas)) or np.any(betas <= 0):
        raise InputError("betas must be a non-empty 1-D array of finite positive numbers.")
    if np.any(np.diff(betas) <= 0):
        raise InputError("betas must be strictly increasing for continuation.")
    if branch not in BRANCHES:
        raise InputError(f"unknown branch {branch!r}; use 'liquid' or 'crystal'.")
    sign = 1.0 if branch == "liquid" else -1.0
    out: list[BranchPoint | None] = []
    t_prev: float | None = None
    b_prev: float | None = None
    b_start = crystal_onset().beta if branch == "crystal" else 0.0
    for b in betas:
        if b <= b_start:
            out.append(None)
            continue
        if t_prev is None:
            p = branch_point(b, branch)
            if p is not None:
                t_prev, b_prev = p.t, b
            out.append(p)
            continue
        assert b_prev is not None
        # continuation from (b_prev, t_prev) to b, subdividing if necessary
        t_cur, b_cur = t_prev, b_prev
        target = b
        while b_cur < b:
            t_new = _newton_t(t_cur, target)
            if t_new is not None and sign * t_new > 0:
                t_cur, b_cur = t_new, target
                target = b
            else:
                target = 0.5 * (b_cur + target)
                if target - b_cur < 1e-12:
                    raise RuntimeError(f"continuation of the {branch} branch failed at beta={b}")
        t_prev, b_prev = t_cur, b_cur
        out.append(_point_from_t(b, t_cur, branch))
    return out


FIELDS = ("x", "y", "s", "d", "phi", "w", "free_energy")


def branch_table(betas: np.ndarray | None = None, n: int = 400) -> dict[str, np.ndarray | float]:
    """Both branches on a beta grid: the data behind Figs 1-4 of Stillinger (1984).

    ``betas`` defaults to a geometric grid of ``n`` points over BETA_RANGE (0.05 to 3) with the
    onset beta_s and melting beta_m inserted. Returns arrays of shape (n,): "beta", "T" = 1/beta,
    "<branch>_<field>" for field in x, y, s, d, phi, w, free_energy (NaN where the branch does not
    exist), "<branch>_stable" (bool: that branch is the global maximum), plus the scalars
    "beta_onset", "onset_x", "onset_y" and "beta_melt".
    """
    onset = crystal_onset()
    melt = melting_point()
    if betas is None:
        grid = np.geomspace(BETA_RANGE[0], BETA_RANGE[1], n)
        betas = np.unique(np.concatenate([grid, [onset.beta * (1 + 1e-9), melt.beta]]))
    betas = np.asarray(betas, dtype=float)
    table: dict[str, np.ndarray | float] = {"beta": betas, "T": 1.0 / betas}
    for br in BRANCHES:
        pts = continue_branch(betas, br)
        for f in FIELDS:
            table[f"{br}_{f}"] = np.array([np.nan if p is None else getattr(p, f) for p in pts])
    fl = np.asarray(table["liquid_free_energy"])
    fc = np.asarray(table["crystal_free_energy"])
    crystal_stable = np.where(np.isnan(fc), False, fc > np.where(np.isnan(fl), -np.inf, fl))
    table["crystal_stable"] = crystal_stable
    table["liquid_stable"] = ~crystal_stable & ~np.isnan(fl)
    table["beta_onset"] = onset.beta
    table["onset_x"] = onset.x
    table["onset_y"] = onset.y
    table["beta_melt"] = melt.beta
    return table


# --------------------------------------------------------------------------------------------
# Gaussian equilibrium and linearised (Ornstein-Uhlenbeck) rates
# --------------------------------------------------------------------------------------------


def gaussian_coefficients(point: BranchPoint) -> tuple[float, float, float]:
    """(E11, E12, E22) of the Gaussian Q_eq about a maximum (Stillinger 1984, eqs 5.7 and 5.8).

    Q_eq ~ C exp{-D[E11 dx^2 + E12 dx dy + E22 dy^2]}, with E11 = -f_xx/2, E12 = -f_xy,
    E22 = -f_yy/2 for f = w - beta*phi:
    E11 = E22 = [1/(1-(x+y)^2) + 1/(1-(x-y)^2)]/4 + beta*phi_xx/2,
    E12 = [1/(1-(x+y)^2) - 1/(1-(x-y)^2)]/2 + beta*phi_xy.
    """
    a_s = 1.0 / (1.0 - point.s**2)
    a_d = math.cosh(point.t) ** 2  # 1/(1 - d^2), exact near d = +-1
    pxx, pxy, pyy = phi_second_derivatives(point.x, point.y)
    b = point.beta
    e11 = 0.25 * (a_s + a_d) + 0.5 * b * pxx
    e12 = 0.5 * (a_s - a_d) + b * pxy
    e22 = 0.25 * (a_s + a_d) + 0.5 * b * pyy
    return e11, e12, e22


def ou_rates_xy(point: BranchPoint, B: float = 1.0) -> np.ndarray:
    """Linearised Fokker-Planck (OU) relaxation rates from eig(M H) in (x, y)
    (docs/physics/theory.md).

    M = B[[s+ + s-, s+ - s-], [s+ - s-, s+ + s-]], s+- = sqrt(1 - (x +- y)^2) (the corrected
    mobility times D/beta: the printed Stillinger 1984, eq 5.10 has D^-2 where D^-1 is right) and H
    = [[2E11, E12], [E12, 2E22]]. Returns the two
    rates, ascending, shape (2,), in units of B.
    """
    e11, e12, e22 = gaussian_coefficients(point)
    sp = math.sqrt(1.0 - point.s**2)
    sm = 1.0 / math.cosh(point.t)
    mob = B * np.array([[sp + sm, sp - sm], [sp - sm, sp + sm]])
    hess = np.array([[2 * e11, e12], [e12, 2 * e22]])
    return np.sort(np.linalg.eigvals(mob @ hess).real)


@dataclass(frozen=True)
class OURates:
    """Linearised rates about a maximum: nu_d = -4B sqrt(1-d^2) h''(d), nu_s = 2B cosh(2 beta)."""

    beta: float
    branch: str
    rate_d: float
    rate_s: float

    def spectrum(self, n_max: int = 3) -> np.ndarray:
        """OU spectrum n1*nu_s + n2*nu_d for 0 <= n1, n2 <= n_max, sorted; shape ((n_max+1)^2,)."""
        k = np.arange(n_max + 1)
        return np.sort((k[:, None] * self.rate_s + k[None, :] * self.rate_d).ravel())


def ou_rates(beta: float, branch: Branch = "liquid", B: float = 1.0) -> OURates | None:
    """OU rates about the ``branch`` maximum at beta (None if it does not exist). Units of B."""
    p = branch_point(beta, branch)
    if p is None:
        return None
    rate_d = -4.0 * B * p.h2 / math.cosh(p.t)
    rate_s = 2.0 * B * math.cosh(2.0 * beta)
    return OURates(float(beta), branch, rate_d, rate_s)


def barrier_top_rate(beta: float, B: float = 1.0) -> float | None:
    """Barrier-top rate 4B sqrt(1 - d_b^2) h''(d_b) at the minimum d_b of h between the two
    maxima (bistable range beta > beta_s only, else None). In the large-D d-chain spectrum it
    follows the exponentially small hopping rate (2.30015 at beta = 0.5; docs/physics/theory.md)."""
    mins = [r for r in d_stationary_points(beta) if r[2] == "min"]
    if not mins:
        return None
    t = mins[0][1]
    return 4.0 * B * _hpp_t(t, beta) / math.cosh(t)
