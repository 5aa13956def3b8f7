"""Harmonic transition-state theory rates, kinetic networks, committors and regrouping.

Harmonic TST (Vineyard, J. Phys. Chem. Solids 3, 121 (1957); with point-group orders as in
Wales, *Energy Landscapes*, Cambridge University Press (2003), ch. 7): the rate constant from
minimum a over transition state s is

    k_{a->s} = (o_a / o_s) (prod_{i=1}^{n} nu_i^a / prod_{j=1}^{n-1} nu_j^s) exp(-(E_s - E_a) / T)

with nu = omega / (2 pi), omega^2 = lambda the eigenvalues of the mass-weighted Hessian
M^-1/2 H M^-1/2 (masses m, units eps/(sigma^2 m); time in tau = sigma sqrt(m/eps)), n = 3N - 3
non-zero modes under periodic boundaries (3N - 6 for a cluster), the n - 1 real modes of the
saddle (its unstable mode excluded), o the point-group orders and k_B = 1. In logarithms, with
L = sum ln lambda (``log_product`` of the database):

    ln k = ln(o_a / o_s) + (L_a - L_s) / 2 - ln(2 pi) - (E_s - E_a) / T.

:func:`network_dict` writes a database as the network JSON of ``pelkit theory master-equation``
(:mod:`pelkit.theory.master_equation`, prefactor model ``harmonic``): frequencies omega =
sqrt(lambda), the saddle's imaginary mode as -sqrt(|lambda|), degeneracy 1 / o; it is validated
by that module's loader before it is returned, and the master equation then reproduces exactly
the rates above. :func:`committors` solves for the committor probabilities, and :func:`regroup`
lumps minima joined by low barriers into free-energy groups (local equilibrium inside a group;
Carr & Wales, J. Chem. Phys. 123, 234901 (2005)).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph  # noqa: F401 - sp.csgraph
import scipy.sparse.linalg as spla
from numpy.typing import NDArray
from scipy.special import logsumexp

from pelkit.errors import InputError
from pelkit.landscape.database import LandscapeDatabase

FloatArray = NDArray[np.float64]
LOG_2PI = math.log(2.0 * math.pi)


def harmonic_log_rate(
    e_min: float, log_product_min: float, e_ts: float, log_product_ts: float,
    temperature: float, order_min: int = 1, order_ts: int = 1,
) -> float:
    """ln k of harmonic TST (module doc), k in 1/tau."""
    if not (math.isfinite(temperature) and temperature > 0):
        raise InputError(f"temperature must be positive, got {temperature}")
    return (math.log(order_min / order_ts) + 0.5 * (log_product_min - log_product_ts) - LOG_2PI
            - (e_ts - e_min) / temperature)


def harmonic_rate(
    e_min: float, log_product_min: float, e_ts: float, log_product_ts: float,
    temperature: float, order_min: int = 1, order_ts: int = 1,
) -> float:
    """k = (o_a/o_s) (prod nu_min / prod' nu_ts) exp(-(E_s - E_a)/T) in 1/tau (module doc)."""
    return math.exp(harmonic_log_rate(e_min, log_product_min, e_ts, log_product_ts, temperature,
                                      order_min, order_ts))


@dataclass
class RateNetwork:
    """Directed rate constants between the minima of a database at temperature T.

    ids: (n,) minimum ids; energies: (n,) eps; free_energies: (n,) harmonic F_a = E_a +
    T (L_a / 2 + ln o_a) (constants common to all minima dropped); src, dst, log_rate: (e,)
    edges a -> b with ln k (1/tau); parallel saddles are separate edges (their rates add).
    """

    temperature: float
    ids: list[int]
    energies: FloatArray
    free_energies: FloatArray
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    log_rate: FloatArray

    def rate_matrix(self) -> sp.csr_matrix:
        """K (n, n) with dp/dt = -K p: K[b, a] = -k_{a->b}, K[a, a] = sum_b k_{a->b}."""
        n = len(self.ids)
        k = np.exp(self.log_rate)
        out = np.bincount(self.src, weights=k, minlength=n)
        rows = np.concatenate([self.dst, np.arange(n)])
        cols = np.concatenate([self.src, np.arange(n)])
        return sp.csr_matrix((np.concatenate([-k, out]), (rows, cols)), shape=(n, n))


def rate_network(db: LandscapeDatabase, temperature: float) -> RateNetwork:
    """Harmonic-TST rates of every stored transition state, both directions."""
    mins = db.minima()
    if not mins:
        raise InputError(f"{db.path} holds no minima")
    index = {m.id: k for k, m in enumerate(mins)}
    missing = [m.id for m in mins if m.log_product is None]
    tss = db.transition_states()
    missing_ts = [t.id for t in tss if t.log_product is None]
    if missing or missing_ts:
        raise InputError(
            f"rates need the Hessian eigenvalues of every entry; missing for minima {missing[:5]} "
            f"and transition states {missing_ts[:5]}"
        )
    e = np.array([m.energy for m in mins])
    lp = np.array([m.log_product for m in mins], dtype=float)
    order = np.array([m.point_group_order for m in mins], dtype=float)
    free = e + temperature * (0.5 * lp + np.log(order))
    src, dst, lr = [], [], []
    for t in tss:
        a, b = index[t.minimum1], index[t.minimum2]
        if a == b:
            continue
        for x, y in ((a, b), (b, a)):
            src.append(x)
            dst.append(y)
            lr.append(harmonic_log_rate(e[x], lp[x], t.energy, float(t.log_product),
                                        temperature, int(order[x]), t.point_group_order))
    return RateNetwork(temperature, [m.id for m in mins], e, free,
                       np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64),
                       np.array(lr, dtype=float))


def network_dict(db: LandscapeDatabase, temperature: float | None = None,
                 name: str | None = None) -> dict[str, Any]:
    """The database as network JSON for ``pelkit theory master-equation`` (module doc).

    Minimum ids are the database ids as strings; transition states joining a minimum to itself
    are left out (they cannot change populations). Validated with
    :func:`pelkit.theory.master_equation.network_from_dict` before it is returned.
    """
    from pelkit.theory.master_equation import network_from_dict

    mins = db.minima()
    if not mins:
        raise InputError(f"{db.path} holds no minima")
    for m in mins:
        if m.eigenvalues is None:
            raise InputError(f"minimum {m.id} has no Hessian eigenvalues; cannot export rates")
    out_min = [
        {"id": str(m.id), "energy": m.energy, "degeneracy": 1.0 / m.point_group_order,
         "frequencies": np.sqrt(m.eigenvalues).tolist()}
        for m in mins
    ]
    out_ts = []
    for t in db.transition_states():
        if t.minimum1 == t.minimum2:
            continue
        if t.eigenvalues is None or t.negative_eigenvalue is None:
            raise InputError(f"transition state {t.id} has no Hessian eigenvalues")
        freqs = np.sqrt(t.eigenvalues).tolist() + [-math.sqrt(abs(t.negative_eigenvalue))]
        out_ts.append({"id": f"ts{t.id}", "between": [str(t.minimum1), str(t.minimum2)],
                       "energy": t.energy, "degeneracy": 1.0 / t.point_group_order,
                       "frequencies": freqs})
    data: dict[str, Any] = {
        "name": name or f"{db.model} landscape database {db.path.name}",
        "energy_unit": "epsilon",
        "prefactor_model": "harmonic",
        "minima": out_min,
        "transition_states": out_ts,
    }
    if temperature is not None:
        data["temperature"] = float(temperature)
    with warnings.catch_warnings():  # e.g. "disconnected components": the reader says it again
        warnings.simplefilter("ignore")
        network_from_dict(data)  # raises InputError if the schema is violated
    return data


def committors(net: RateNetwork, sources: list[int], sinks: list[int]) -> FloatArray:
    """Committor q_a (n,): probability to reach ``sinks`` before ``sources`` from minimum a.

    q = 0 on sources, 1 on sinks, and sum_b k_{a->b} (q_b - q_a) = 0 elsewhere (a linear system
    on the rate constants; ids are database minimum ids). Minima not connected to any source or
    sink get NaN.
    """
    n = len(net.ids)
    pos = {mid: k for k, mid in enumerate(net.ids)}
    try:
        a_set = {pos[int(s)] for s in sources}
        b_set = {pos[int(s)] for s in sinks}
    except KeyError as exc:
        raise InputError(f"unknown minimum id {exc.args[0]}") from None
    if not a_set or not b_set or a_set & b_set:
        raise InputError("sources and sinks must be non-empty and disjoint")
    q = np.zeros(n)
    q[list(b_set)] = 1.0
    # minima in components holding no source and no sink have no committor (NaN)
    ncomp, comp = sp.csgraph.connected_components(
        sp.csr_matrix((np.ones(net.src.size), (net.src, net.dst)), shape=(n, n)),
        directed=False,
    )
    del ncomp
    ends = {int(comp[k]) for k in a_set | b_set}
    orphan = np.array([int(comp[k]) not in ends for k in range(n)])
    q[orphan] = np.nan
    free = np.array([k for k in range(n) if k not in a_set and k not in b_set
                     and not orphan[k]], dtype=int)
    if free.size == 0:
        return q
    k = np.exp(net.log_rate)
    gen = sp.csr_matrix((k, (net.src, net.dst)), shape=(n, n)).tolil()
    gen = gen.tocsr()
    gen = gen - sp.diags(np.asarray(gen.sum(axis=1)).ravel())
    lhs = gen[free][:, free]
    rhs = -gen[free][:, list(b_set)] @ np.ones(len(b_set))
    q[free] = spla.spsolve(lhs.tocsc(), rhs)
    return q + 0.0  # no negative zeros


@dataclass
class Regrouped:
    """Minima lumped into groups joined by low barriers, with their free energies and rates.

    groups: list of lists of minimum ids; group_of: minimum id -> group index; free_energy:
    (g,) F_I = -T ln sum_{a in I} exp(-F_a / T); rates: dict (I, J) -> k_{I->J} (1/tau) with
    k_IJ = sum_{a in I, b in J} k_{a->b} exp(-(F_a - F_I)/T) (local equilibrium in I).
    """

    temperature: float
    threshold: float
    groups: list[list[int]]
    group_of: dict[int, int]
    free_energy: FloatArray
    rates: dict[tuple[int, int], float]

    def network_dict(self) -> dict[str, Any]:
        """The regrouped network as master-equation JSON (``symmetric`` model, valid at this
        temperature only): minimum energies F_I, transition-state energies F_I - T ln k_IJ."""
        from pelkit.theory.master_equation import network_from_dict

        t = self.temperature
        data: dict[str, Any] = {
            "name": f"regrouped below barrier {self.threshold:g} at T = {t:g} (free energies)",
            "energy_unit": "epsilon",
            "temperature": t,
            "prefactor_model": "symmetric",
            "minima": [{"id": f"g{k}", "energy": float(f)}
                       for k, f in enumerate(self.free_energy)],
            "transition_states": [
                {"between": [f"g{i}", f"g{j}"], "energy": float(self.free_energy[i]
                                                               - t * math.log(k))}
                for (i, j), k in sorted(self.rates.items()) if i < j
            ],
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            network_from_dict(data)
        return data


def regroup(db: LandscapeDatabase, temperature: float, threshold: float) -> Regrouped:
    """Lump minima joined by a transition state whose barriers from *both* sides,
    E_s - E_a and E_s - E_b, are below ``threshold`` (eps); transitive (union-find)."""
    if not (math.isfinite(threshold) and threshold >= 0):
        raise InputError(f"the barrier threshold must be >= 0, got {threshold}")
    net = rate_network(db, temperature)
    n = len(net.ids)
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    pos = {mid: k for k, mid in enumerate(net.ids)}
    for t in db.transition_states():
        a, b = pos[t.minimum1], pos[t.minimum2]
        if t.energy - min(net.energies[a], net.energies[b]) < threshold:
            parent[root(a)] = root(b)
    roots = sorted({root(k) for k in range(n)}, key=lambda r: min(
        net.free_energies[k] for k in range(n) if root(k) == r))
    gidx = {r: i for i, r in enumerate(roots)}
    member = np.array([gidx[root(k)] for k in range(n)])
    groups = [[net.ids[k] for k in range(n) if member[k] == g] for g in range(len(roots))]
    beta = 1.0 / temperature
    f_group = np.array([-temperature * logsumexp(-beta * net.free_energies[member == g])
                        for g in range(len(roots))])
    rates: dict[tuple[int, int], float] = {}
    for a, b, lr in zip(net.src, net.dst, net.log_rate, strict=True):
        i, j = int(member[a]), int(member[b])
        if i == j:
            continue
        w = math.exp(lr - beta * (net.free_energies[a] - f_group[i]))
        rates[(i, j)] = rates.get((i, j), 0.0) + w
    return Regrouped(float(temperature), float(threshold), groups,
                     {net.ids[k]: int(member[k]) for k in range(n)}, f_group, rates)
