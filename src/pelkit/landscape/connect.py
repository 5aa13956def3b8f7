"""Connections: the two minima of a transition state, and paths of minima and transition states.

* :func:`minima_of_saddle`: step from the transition state by +/- ``push`` (largest particle
  displacement, sigma) along its unstable mode and quench both sides (L-BFGS, FIRE 2.0
  fallback) to max force ``fmax``; pushes of 2x, 4x, 1/2x and 1/4x are tried when one side's
  energy is not below the saddle's, and the result is refused if a quench ends above it.
* :func:`connect`: a path between two stored minima A and B, in the spirit of OPTIM's
  ``connect`` (Trygubenko & Wales, J. Chem. Phys. 120, 2082 (2004), much simplified): keep a
  chain of minima A ... B; for the first neighbouring pair (p, q) of the chain not yet joined
  in the database, relax a climbing-image NEB between them (:func:`pelkit.landscape.neb.neb`,
  loose tolerance), refine the climbing image by hybrid eigenvector-following
  (:func:`pelkit.landscape.saddle.hef`, the band tangent as first guess), find the two minima of
  the transition state, store all three, and insert the new minima between p and q (ordered by
  distance from p). Gaps are filled recursively until A and B are joined through stored
  transition states or the attempt budget is spent; an attempt that gives no transition state
  doubles the number of images for that gap next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.landscape.database import LandscapeDatabase, harmonic_data
from pelkit.landscape.minimize import minimize
from pelkit.landscape.neb import NEBOptions, neb
from pelkit.landscape.objective import MinimizeResult, max_block_norm
from pelkit.landscape.saddle import SaddleResult, hef
from pelkit.landscape.surface import Surface

FloatArray = NDArray[np.float64]


@dataclass
class SaddleMinima:
    """The two quenches from a transition state (``minus`` along -v, ``plus`` along +v)."""

    minus: MinimizeResult
    plus: MinimizeResult
    push: float


def minima_of_saddle(
    surface: Surface, x_ts: FloatArray, mode: FloatArray, *, push: float = 0.05,
    fmax: float = 1e-8, method: str = "lbfgs", max_iterations: int = 100_000,
) -> SaddleMinima | None:
    """Quench from x_ts +/- push v (module doc); both minimizer results, or None when no push
    lowers the energy on both sides or a quench ends above the saddle."""
    x_ts = np.asarray(x_ts, dtype=np.float64).reshape(-1)
    v = np.asarray(mode, dtype=np.float64).reshape(-1)
    v = v / max_block_norm(v, surface.block)
    e_ts, _ = surface.gradient(x_ts)

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        return surface.gradient(x)

    # the smallest push (of push x 1, 2, 4, 1/2, 1/4) that lowers the energy on both sides
    step = None
    for factor in (1.0, 2.0, 4.0, 0.5, 0.25):
        trial = float(push) * factor
        e_m, _ = surface.gradient(x_ts - trial * v)
        e_p, _ = surface.gradient(x_ts + trial * v)
        if e_m < e_ts and e_p < e_ts:
            step = trial
            break
    if step is None:
        return None
    masses = surface.masses if surface.masses is not None and np.any(surface.masses != 1) else None
    res = [
        minimize(objective, x_ts + sign * step * v, method=method, fmax=fmax,
                 block=surface.block, masses=masses, max_iterations=max_iterations)
        for sign in (-1.0, 1.0)
    ]
    if not all(r.energy < e_ts for r in res):
        return None
    return SaddleMinima(res[0], res[1], step)


@dataclass
class ConnectResult:
    """Outcome of :func:`connect`.

    connected: A and B are joined through stored transition states; path: alternating
    minimum and transition-state ids [A, ts, m, ts, ..., B] (empty if not connected);
    attempts: NEB + HEF rounds; transition_states: ids of the transition states found;
    failures: descriptions of rounds that gave no transition state; force_calls: gradient
    calls plus Hessian-vector products spent.
    """

    connected: bool
    path: list[int]
    attempts: int
    transition_states: list[int]
    failures: list[str] = field(default_factory=list)
    force_calls: int = 0

    def summary(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "connected": self.connected, "path": self.path, "attempts": self.attempts,
            "transition_states": self.transition_states, "failures": self.failures,
            "force_calls": self.force_calls,
        }


def find_path(db: LandscapeDatabase, a: int, b: int) -> list[int]:
    """Shortest path [a, ts, m, ..., b] (minimum and transition-state ids) in the database,
    breadth-first over transition states; [] if none."""
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for t in db.transition_states():
        adjacency.setdefault(t.minimum1, []).append((t.id, t.minimum2))
        adjacency.setdefault(t.minimum2, []).append((t.id, t.minimum1))
    previous: dict[int, tuple[int, int] | None] = {int(a): None}
    queue = [int(a)]
    while queue:
        k = queue.pop(0)
        if k == int(b):
            path = [k]
            while previous[k] is not None:
                ts, k = previous[k]  # type: ignore[misc]
                path = [k, ts] + path
            return path
        for ts, j in adjacency.get(k, []):
            if j not in previous:
                previous[j] = (ts, k)
                queue.append(j)
    return []


def store_saddle(
    db: LandscapeDatabase, surface: Surface, saddle: SaddleResult, *, fmax: float = 1e-8,
    push: float = 0.05, harmonic: bool = True, info: dict | None = None,
) -> tuple[int, int, int] | None:
    """Find the minima of a transition state and store all three; (ts id, m1, m2) or None
    when a side does not quench (nothing is stored then)."""
    if not saddle.is_transition_state:
        raise InputError("only a converged saddle with one negative eigenvalue can be stored")
    sides = minima_of_saddle(surface, saddle.positions, saddle.eigenvector, push=push, fmax=fmax)
    if sides is None or not (sides.minus.converged and sides.plus.converged):
        return None
    ids = []
    for res in (sides.minus, sides.plus):
        sys_min = db.system(res.positions.reshape(-1, 3))
        data = harmonic_data(surface, res.positions) if harmonic else None
        ids.append(db.add_minimum(sys_min, res.energy, harmonic=data, max_force=res.max_force))
    data = harmonic_data(surface, saddle.positions) if harmonic else None
    ts = db.add_transition_state(
        db.system(saddle.positions.reshape(-1, 3)), saddle.energy, ids[0], ids[1],
        harmonic=data, max_force=saddle.max_force, info=info or {},
    )
    return ts, ids[0], ids[1]


def connect(
    surface: Surface,
    db: LandscapeDatabase,
    a: int,
    b: int,
    *,
    n_images: int = 12,
    max_attempts: int = 10,
    neb_fmax: float = 0.05,
    neb_iterations: int = 3000,
    ts_fmax: float = 1e-7,
    quench_fmax: float = 1e-8,
    harmonic: bool = True,
) -> ConnectResult:
    """Join stored minima a and b by a path of transition states (module doc)."""
    a, b = int(a), int(b)
    if a == b:
        raise InputError("connect needs two different minima")
    rec = {m.id: m for m in db.minima()}
    for k in (a, b):
        if k not in rec:
            raise InputError(f"no minimum {k} in {db.path}")
    calls0 = surface.gradient_calls + surface.hvp_calls
    chain = [a, b]
    images_for: dict[tuple[int, int], int] = {}
    found: list[int] = []
    failures: list[str] = []
    attempts = 0
    while not db.connected(a, b) and attempts < max_attempts:
        gap = next(
            ((p, q) for p, q in zip(chain[:-1], chain[1:], strict=True)
             if not db.connected(p, q)),
            None,
        )
        if gap is None:
            break
        p, q = gap
        attempts += 1
        rec = {m.id: m for m in db.minima()}
        x_p = rec[p].positions.reshape(-1)
        x_q = rec[q].positions.reshape(-1)
        m_img = images_for.get(gap, n_images)
        band = neb(surface.gradient, x_p, x_q, n_images=m_img, block=surface.block,
                   options=NEBOptions(fmax=neb_fmax, climb_fmax=max(0.5, 4 * neb_fmax),
                                      max_iterations=neb_iterations),
                   masses=surface.masses, box=surface.box)
        k = band.saddle_index
        saddle = hef(surface, band.images[k], band.tangents[k] / np.sqrt(surface.masses),
                     fmax=ts_fmax, max_iterations=500)
        stored = store_saddle(db, surface, saddle, fmax=quench_fmax, harmonic=harmonic,
                              info={"source": "connect", "gap": [p, q]}) \
            if saddle.is_transition_state else None
        if stored is None:
            failures.append(f"gap {p}-{q}: no transition state ({saddle.stop_reason}, "
                            f"index {saddle.n_negative}) with {m_img} images")
            images_for[gap] = 2 * m_img
            continue
        ts, m1, m2 = stored
        found.append(ts)
        rec = {m.id: m for m in db.minima()}
        new = [m for m in (m1, m2) if m not in (p, q)]
        if not new:
            continue  # the transition state joins p and q (or one of them to itself)
        new.sort(key=lambda m: _distance(rec[p].positions, rec[m].positions, surface.box))
        i = chain.index(q)
        chain[i:i] = [m for m in new if m not in chain]
    force_calls = surface.gradient_calls + surface.hvp_calls - calls0
    path = find_path(db, a, b)
    return ConnectResult(bool(path), path, attempts, found, failures, force_calls)


def _distance(x: FloatArray, y: FloatArray, box: FloatArray | None) -> float:
    d = (np.asarray(y) - np.asarray(x)).reshape(-1, 3)
    if box is not None:
        d = d - box * np.round(d / box)
    d -= d.mean(axis=0)
    return float(np.linalg.norm(d))
