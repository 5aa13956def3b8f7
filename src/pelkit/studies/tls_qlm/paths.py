"""Minimum-energy paths between two minima: CI-NEB, splitting at interior minima, double wells.

SCIENCE.md 4.3-4.5 (seed 003 section II and Fig 1):

* orientation: the seed treats minimum A as arbitrary; a rule such as "A is the lower minimum"
  would bias every quantity measured at A (modes, overlaps with r_tan, omega_tan). The study
  orients each pair at random with the pair task's recorded seed (``orientation="given"`` here,
  after the caller's coin flip); ``orientation="lower"`` keeps the earlier rule (every segment
  with A the lower end). Sub-segments of a split path keep the order of the chain from A to B;
* CI-NEB (:func:`pelkit.landscape.neb.neb`) with the improved tangent, climbing image switched on
  after a loose convergence, global L-BFGS (or FIRE 2.0), convergence on the largest
  per-particle NEB force;
* the profile V(xi) is tested for a single double well
  (:func:`pelkit.landscape.doublewell.classify_profile`); if it has interior minima, the image
  next to each is quenched, new minima are inserted between A and B, and the sub-pairs are
  connected in turn (recursion down to ``max_depth``);
* a double well gets its path quantities (barrier, asymmetry, d_AB, r_AB, r_AS, r_tan,
  omega_tan at A and B from Hessian-vector products) and its tunnel splitting in every unit
  system (:func:`pelkit.landscape.tunneling.tunnel_splitting`), with the landscape sampled
  beyond the ends along the end tangents (:mod:`pelkit.landscape.path_extension`) and, for
  comparison, with harmonic walls of the Hessian frequencies (``splitting_harmonic``).

Each image is evaluated by its own :class:`~pelkit.engine.calculator.Calculator` (one Verlet
list per image, :class:`BandEnergy`); one shared list would be rebuilt at nearly every image
because neighbouring images differ by more than half the skin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from pelkit.engine.calculator import Calculator
from pelkit.engine.neighbors import max_displacement_sq
from pelkit.errors import InputError
from pelkit.landscape.doublewell import DoubleWellAnalysis
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.neb import NEBResult, neb
from pelkit.landscape.path_extension import (
    EndContinuation,
    line_continuation,
    relaxed_continuation,
)
from pelkit.landscape.quench import quench
from pelkit.landscape.tunneling import UnitSystem, tunnel_splitting
from pelkit.models.base import PairPotential
from pelkit.modes.localization import double_well_participation
from pelkit.studies.tls_qlm.config import NEBConfig
from pelkit.system import System

FloatArray = NDArray[np.float64]


class BandEnergy:
    """``x (3N,) -> (U, dU/dx)`` for NEB images, with one Verlet list per image.

    For each call the first cached calculator whose list is still valid for ``x`` (no particle
    moved more than half the skin since its build) is used, starting after the one used last
    (images are evaluated in order); otherwise a new calculator is made, up to ``max_lists``,
    after which the next one in turn is rebuilt.

    Args:
        model: pair potential; system: any configuration of the same particles (box,
            diameters, masses); max_lists: cache size (number of images); skin: list skin.
    """

    def __init__(self, model: PairPotential, system: System, max_lists: int, skin: float = 0.3):
        self.model = model
        self.system = system
        self.max_lists = max(1, int(max_lists))
        self.skin = float(skin)
        self.calcs: list[Calculator] = []
        self.next = 0
        self.evaluations = 0

    def _valid(self, calc: Calculator, pos: FloatArray) -> bool:
        ref = calc.verlet.reference
        return ref is not None and bool(
            max_displacement_sq(pos, ref, calc.box) <= (0.5 * self.skin) ** 2
        )

    def __call__(self, x: FloatArray) -> tuple[float, FloatArray]:
        pos = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1, 3))
        n = len(self.calcs)
        chosen = None
        for k in range(n):
            idx = (self.next + k) % n
            if self._valid(self.calcs[idx], pos):
                chosen = idx
                break
        if chosen is None:
            if n < self.max_lists:
                self.calcs.append(
                    Calculator(self.model, self.system, skin=self.skin, check_overlap=False)
                )
                chosen = n
            else:
                chosen = self.next % n
        self.next = (chosen + 1) % max(len(self.calcs), 1)
        self.evaluations += 1
        return self.calcs[chosen].objective(pos.reshape(-1))


@dataclass
class Segment:
    """One NEB between two minima of a pair's local list.

    Attributes:
        a, b: indices into the local minima list (A the lower end with orientation "lower").
        depth: recursion depth (0 = the pair itself).
        status: "double_well", "split" (interior minima, sub-pairs connected),
            "interior_minima" (interior minima but no recursion left or nothing new found),
            "no_barrier" (monotonic profile), "not_double_well" (other shapes).
        result: the relaxed band.
        analysis: path quantities (with Hessian frequencies for double wells).
        reason: the double-well test's explanation.
    """

    a: int
    b: int
    depth: int
    status: str
    result: NEBResult
    analysis: DoubleWellAnalysis
    reason: str = ""
    tunnel: dict[str, dict] = field(default_factory=dict)
    pr_dw: float = float("nan")


@dataclass
class PairPaths:
    """All segments of one pair and the minima they connect.

    Attributes:
        minima: local list of (positions (N, 3), total energy); 0 and 1 are the pair's minima.
        segments: every NEB run, in the order run.
        quenches: interior-minimum quenches (converged flags).
    """

    minima: list[tuple[FloatArray, float]]
    segments: list[Segment]
    quenches: list[bool] = field(default_factory=list)


def run_neb(energy: BandEnergy, x_a: FloatArray, x_b: FloatArray, system: System,
             cfg: NEBConfig, n_images: int | None = None,
             max_iterations: int | None = None) -> NEBResult:
    """CI-NEB between ``x_a`` and ``x_b`` with the settings of ``cfg`` (optimiser, initial path,
    band size and iteration limit overridable), minimum image in ``system``'s box, its masses."""
    return neb(
        energy, x_a.ravel(), x_b.ravel(), n_images=n_images or cfg.n_images,
        spring_constant=cfg.spring_constant, fmax=cfg.fmax, climb=cfg.climb,
        climb_fmax=cfg.climb_fmax, block=3, masses=system.masses, box=system.box.lengths,
        max_iterations=max_iterations or cfg.max_iterations, method=cfg.method,
        initial_path=cfg.initial_path, lbfgs_max_step=cfg.lbfgs_max_step,
    )


def connect_pair(
    model: PairPotential,
    system: System,
    x_a: FloatArray,
    e_a: float,
    x_b: FloatArray,
    e_b: float,
    cfg: NEBConfig,
    quench_method: str = "lbfgs",
    quench_fmax: float = 1e-10,
    de: float = 1e-7,
    dr: float = 0.005,
    orientation: str = "given",
) -> PairPaths:
    """Connect two minima by CI-NEB, splitting at interior minima (module docstring).

    Args:
        model, system: the potential and a configuration of the same particles.
        x_a, x_b: (N, 3) positions of the minima; e_a, e_b: their total energies.
        cfg: :class:`NEBConfig`.
        quench_method, quench_fmax: minimizer for interior minima.
        de, dr: same-minimum tolerances (SCIENCE.md 2.2).
        orientation: "given" (x_a is A; sub-segments follow the chain from A to B) or "lower"
            (every segment runs from its lower-energy end).
    """
    if orientation not in ("given", "lower"):
        raise InputError(f"unknown orientation {orientation!r}; choose given or lower")
    energy = BandEnergy(model, system, cfg.n_images + 2)
    minima: list[tuple[FloatArray, float]] = [
        (np.asarray(x_a, dtype=np.float64).reshape(-1, 3), float(e_a)),
        (np.asarray(x_b, dtype=np.float64).reshape(-1, 3), float(e_b)),
    ]
    out = PairPaths(minima=minima, segments=[])
    calc = Calculator(model, system, check_overlap=False)

    def known(pos: FloatArray, e: float) -> int | None:
        probe = system.with_positions(pos)
        for k, (p, ek) in enumerate(minima):
            if same_minimum(system.with_positions(p), ek, probe, e, de, dr):
                return k
        return None

    def run(i: int, j: int, depth: int) -> None:
        if orientation == "lower" and minima[j][1] < minima[i][1]:
            i, j = j, i
        res = run_neb(energy, minima[i][0], minima[j][0], system, cfg)
        an = res.analyse(wiggle_tol=cfg.wiggle_tol)
        shape = an.shape
        if an.is_double_well:
            out.segments.append(Segment(i, j, depth, "double_well", res, an, ""))
            return
        if not shape.interior_minima:
            status = "no_barrier" if len(shape.extrema) == 2 else "not_double_well"
            out.segments.append(Segment(i, j, depth, status, res, an, shape.reason))
            return
        chain = [i]
        if depth < cfg.max_depth:
            for ext in shape.interior_minima:
                q = quench(model, system.with_positions(res.images[ext.image].reshape(-1, 3)),
                           method=quench_method, fmax=quench_fmax, calculator=calc)
                out.quenches.append(bool(q.minimize.converged))
                if not q.minimize.converged:
                    continue
                pos = q.system.positions.copy()
                k = known(pos, q.energy)
                if k is None:
                    minima.append((pos, float(q.energy)))
                    k = len(minima) - 1
                if k not in chain and k != j:
                    chain.append(k)
        chain.append(j)
        if len(chain) == 2:
            out.segments.append(Segment(i, j, depth, "interior_minima", res, an, shape.reason))
            return
        out.segments.append(Segment(i, j, depth, "split", res, an, shape.reason))
        for p, r in zip(chain[:-1], chain[1:], strict=True):
            run(p, r, depth + 1)

    run(0, 1, 0)
    return out


def end_continuations(
    model: PairPotential,
    system: System,
    result: NEBResult,
    omega_a: float,
    omega_b: float,
    hbar_max: float,
    n_lengths: float = 8.0,
    n_points: int = 24,
    relaxed: bool = False,
) -> tuple[EndContinuation, EndContinuation]:
    """The landscape beyond both ends of a band, along its end tangents (mass-weighted):
    before A along -tau^_0, beyond B along +tau^_{M-1}, out to ``n_lengths`` harmonic lengths
    (hbar_max / omega)^{1/2} of the largest hbar~ used (:mod:`pelkit.landscape.path_extension`;
    the straight line, or with ``relaxed`` the constrained minima on the perpendicular planes).
    """
    calc = Calculator(model, system, check_overlap=False)
    sqrt_m = np.sqrt(result.masses)
    out = []
    for x_end, direction, omega in ((result.images[0], -result.tangents[0], omega_a),
                                    (result.images[-1], result.tangents[-1], omega_b)):
        length = n_lengths * float(np.sqrt(hbar_max / omega))
        if relaxed:
            out.append(relaxed_continuation(calc.objective, x_end, direction, sqrt_m,
                                            omega=omega, length=length, n_points=n_points,
                                            block=result.block))
        else:
            out.append(line_continuation(calc.objective, x_end, direction, sqrt_m,
                                         omega=omega, length=length, n_points=n_points))
    return out[0], out[1]


def double_well_quantities(
    model: PairPotential,
    system: System,
    segment: Segment,
    units: list[tuple[str, UnitSystem]],
    wiggle_tol: float,
    rtol: float = 1e-4,
    n_levels: int = 4,
    walls: str = "landscape",
) -> None:
    """Fill a double-well segment: Hessian frequencies along the path at A and B, PR_DW, and the
    tunnel splitting in each unit system (``segment.analysis``, ``.pr_dw``, ``.tunnel``).

    ``walls="landscape"`` (or ``"relaxed"``): outside the path the potential is sampled along
    the end tangents (or minimised on the planes perpendicular to them,
    :func:`end_continuations`); the splitting with harmonic walls of the Hessian frequencies
    (SCIENCE.md 4.5) is recorded beside it as ``splitting_harmonic`` and their relative
    difference as ``wall_effect`` (the bias the harmonic walls would have made).
    ``walls="harmonic"``: harmonic walls only. A unit system for which the solver fails records
    NaN and the message.
    """
    res = segment.result
    x_a = res.images[0].reshape(-1, 3)
    x_b = res.images[-1].reshape(-1, 3)
    calc_a = Calculator(model, system, check_overlap=False)
    calc_b = Calculator(model, system, check_overlap=False)
    segment.analysis = res.analyse(
        hvp_a=lambda u: calc_a.hessian_vector(u, positions=x_a),
        hvp_b=lambda u: calc_b.hessian_vector(u, positions=x_b),
        wiggle_tol=wiggle_tol,
    )
    an = segment.analysis
    segment.pr_dw = double_well_participation(an.fields.r_ab, system.masses)
    continuation = None
    monotonic = True
    if walls in ("landscape", "relaxed") and an.omega_a > 0.0 and an.omega_b > 0.0 and units:
        hbar_max = max(unit.hbar_tilde for _, unit in units)
        continuation = end_continuations(model, system, res, an.omega_a, an.omega_b, hbar_max,
                                         relaxed=walls == "relaxed")
        monotonic = continuation[0].monotonic and continuation[1].monotonic
    for label, unit in units:
        try:
            t = tunnel_splitting(an.profile, unit.hbar_tilde, omega_a=an.omega_a,
                                 omega_b=an.omega_b, rtol=rtol, n_levels=n_levels,
                                 continuation=continuation)
            harmonic = t
            if continuation is not None:
                harmonic = tunnel_splitting(an.profile, unit.hbar_tilde, omega_a=an.omega_a,
                                            omega_b=an.omega_b, rtol=rtol, n_levels=n_levels)
            segment.tunnel[label] = {
                "splitting": t.splitting, "active": bool(unit.is_active(t.splitting)),
                "converged": t.converged, "stop_reason": t.stop_reason,
                "relative_change": t.relative_change, "h": t.h,
                "splitting_extrapolated": t.splitting_extrapolated,
                "ground": float(t.levels[0]), "message": "",
                "walls": walls if continuation is not None else t.walls,
                "splitting_harmonic": harmonic.splitting,
                "wall_effect": harmonic.splitting / t.splitting - 1.0,
                "walls_monotonic": monotonic,
            }
        except InputError as exc:
            segment.tunnel[label] = {
                "splitting": float("nan"), "active": False, "converged": False,
                "stop_reason": "error", "relative_change": float("nan"), "h": float("nan"),
                "splitting_extrapolated": float("nan"), "ground": float("nan"),
                "message": str(exc), "walls": walls, "splitting_harmonic": float("nan"),
                "wall_effect": float("nan"), "walls_monotonic": monotonic,
            }


def _check_same_particles(a: System, b: System) -> None:
    if a.n_particles != b.n_particles:
        raise InputError(f"A has {a.n_particles} particles and B has {b.n_particles}")
    if not np.allclose(a.box.lengths, b.box.lengths, rtol=1e-12, atol=0.0):
        raise InputError(
            f"A and B have different boxes ({a.box.lengths.tolist()} and "
            f"{b.box.lengths.tolist()})"
        )
    for name in ("species", "diameters", "masses"):
        va, vb = getattr(a, name), getattr(b, name)
        if (va is None) != (vb is None) or (va is not None and not np.array_equal(va, vb)):
            raise InputError(f"A and B differ in their {name}: they are not the same particles")


def neb_between(
    model: PairPotential,
    system_a: System,
    system_b: System,
    *,
    n_images: int = 40,
    climb: bool = True,
    spring_constant: float = 1.0,
    fmax: float = 1e-6,
    climb_fmax: float = 1e-2,
    max_iterations: int = 20000,
    endpoint_fmax: float = 1e-6,
    quench_ends: bool = True,
    quench_fmax: float = 1e-10,
    wiggle_tol: float = 1e-8,
    out: str | None = None,
    method: str = "lbfgs",
    initial_path: str = "linear",
) -> dict:
    """CI-NEB between two configurations of the same particles (``pelkit neb``).

    End points with max force above ``endpoint_fmax`` are quenched to ``quench_fmax`` (or
    refused when ``quench_ends`` is False); ends that are the same minimum are refused. A is
    kept as given (no reordering by energy). Returns the JSON summary (barrier, asymmetry,
    is_double_well, n_images, converged, max_force, energies, omega_tan at both ends, ...);
    ``out`` writes the path file for ``pelkit tunnel``.
    """
    if n_images < 3:
        raise InputError(f"a band needs at least 3 images (end points included), got {n_images}")
    try:
        cfg = NEBConfig(n_images=n_images, spring_constant=spring_constant, fmax=fmax,
                        climb=climb, climb_fmax=climb_fmax, max_iterations=max_iterations,
                        wiggle_tol=wiggle_tol, method=method, initial_path=initial_path)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"invalid NEB setting {err['loc'][0]}: {err['msg']}") from None
    _check_same_particles(system_a, system_b)
    ends = []
    quenched = []
    for name, s in (("A", system_a), ("B", system_b)):
        calc = Calculator(model, s)
        e, f = calc.energy_forces()
        fnorm = float(np.sqrt(np.einsum("ij,ij->i", f, f)).max())
        if fnorm > endpoint_fmax:
            if not quench_ends:
                raise InputError(
                    f"end point {name} is not a minimum: max force {fnorm:.3g} > "
                    f"{endpoint_fmax:g}; quench it first or drop --no-quench"
                )
            q = quench(model, s, method="lbfgs", fmax=quench_fmax, calculator=calc)
            if not q.minimize.converged:
                raise InputError(
                    f"end point {name} could not be quenched to max force {quench_fmax:g} "
                    f"(reached {q.minimize.max_force:.3g})"
                )
            s, e = q.system, q.energy
        quenched.append(fnorm > endpoint_fmax)
        ends.append((s, float(e)))
    (sa, ea), (sb, eb) = ends
    if same_minimum(sa, ea, sb, eb):
        raise InputError("A and B are the same minimum: there is no path to relax")
    energy = BandEnergy(model, sa, n_images + 2)
    res = run_neb(energy, sa.positions, sb.positions, sa, cfg)
    calc_a = Calculator(model, sa, check_overlap=False)
    calc_b = Calculator(model, sa, check_overlap=False)
    x_a, x_b = res.images[0].reshape(-1, 3), res.images[-1].reshape(-1, 3)
    an = res.analyse(hvp_a=lambda u: calc_a.hessian_vector(u, positions=x_a),
                     hvp_b=lambda u: calc_b.hessian_vector(u, positions=x_b),
                     wiggle_tol=wiggle_tol)
    if out is not None:
        res.write_path(out, omega_a=an.omega_a if an.omega_a > 0 else None,
                       omega_b=an.omega_b if an.omega_b > 0 else None)
    summary = an.summary()
    summary.update(
        n_images=res.n_images, converged=res.converged, max_force=res.max_force,
        iterations=res.iterations, evaluations=res.evaluations, climbing=res.climbing,
        method=res.method, initial_path=res.initial_path, fallback=res.history["fallback"],
        climbing_index=res.climbing_index, spring_constant=spring_constant, fmax=fmax,
        energies=res.energies, xi=res.xi, quenched_a=quenched[0], quenched_b=quenched[1],
        pr_dw=double_well_participation(an.fields.r_ab, sa.masses),
        out=None if out is None else str(out),
    )
    return summary
