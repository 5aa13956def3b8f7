"""Minimum-energy paths between minima of a particle system: NEB, connection, double wells.

The general tools behind ``pelkit neb`` and the TLS survey of a glass:

* :class:`BandEnergy`: the energy function of the images, one Verlet list per image (one shared
  list would be rebuilt at nearly every image, since neighbouring images differ by more than half
  the skin);
* :func:`neb_in_box`: climbing-image NEB (:func:`pelkit.landscape.neb.neb`; Henkelman & Jonsson,
  J. Chem. Phys. 113, 9978 (2000); Henkelman, Uberuaga & Jonsson, J. Chem. Phys. 113, 9901
  (2000)) between two configurations of a :class:`~pelkit.system.System`, in its periodic box
  and with its masses, with the settings of :class:`NEBSettings`;
* :func:`band_profile`, :func:`analyse_band`, :func:`neb_summary`: the analysis of a relaxed band
  (:class:`~pelkit.landscape.neb.NEBResult` is data only): the profile V(xi), the double-well
  test and path quantities of :mod:`pelkit.landscape.doublewell`, the JSON scalars;
* :func:`connect_minima`: connect two minima, splitting the path at interior minima of V(xi)
  (each is quenched, inserted between A and B, and the sub-pairs are connected in turn down to
  ``max_depth``), as in the automated searches of Wales, "Energy Landscapes", Cambridge
  University Press (2003) and Trygubenko & Wales, J. Chem. Phys. 120, 2082 (2004);
* :func:`double_well_quantities`: omega_tan at both ends from Hessian-vector products, the
  double-well participation ratio and the tunnel splitting in several unit systems
  (:func:`pelkit.landscape.tunneling.tunnel_splitting`), with the landscape sampled beyond the
  ends along the end tangents (:mod:`pelkit.landscape.path_extension`) and, for comparison, with
  harmonic walls of the Hessian frequencies; the one-dimensional path model of two-level
  systems follows Heuer & Silbey, Phys. Rev. Lett. 70, 3911 (1993) and Khomenko et al.,
  Phys. Rev. Lett. 124, 225901 (2020);
* :func:`neb_between`: the ``pelkit neb`` pipeline: end points checked (quenched when they are
  not minima), NEB, analysis with Hessian frequencies (:class:`PathBetween`).

Energies in epsilon, lengths in sigma, arc length in sqrt(m) sigma, frequencies in 1/tau. Path
files are written by :mod:`pelkit.io.paths`. See ``docs/physics/landscape.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.deprecation import options_with_legacy
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.doublewell import (
    DEFAULT_WIGGLE_TOL,
    DoubleWellAnalysis,
    EndCurvatures,
    PathProfile,
    analyse_path,
    path_profile,
)
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.minimize import METHODS
from pelkit.landscape.neb import (
    DEFAULT_N_IMAGES,
    NEBOptions,
    NEBResult,
    check_neb_settings,
    neb,
)
from pelkit.landscape.path_extension import (
    EndContinuation,
    line_continuation,
    relaxed_continuation,
)
from pelkit.landscape.quench import quench
from pelkit.landscape.tunneling import UnitSystem, tunnel_splitting
from pelkit.models.base import PairPotential
from pelkit.modes.localization import double_well_participation
from pelkit.system import System

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# settings, energy function, one band
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NEBSettings(NEBOptions):
    """Settings of one climbing-image NEB of the path tools: the band size and the
    :class:`~pelkit.landscape.neb.NEBOptions` (all their fields; here ``max_iterations``
    defaults to 20000), validated.

    Attributes:
        n_images: images, end points included (>= 3).
    """

    max_iterations: int = 20000
    n_images: int = DEFAULT_N_IMAGES

    def __post_init__(self) -> None:
        check_neb_settings(
            n_images=self.n_images, spring_constant=self.spring_constant, fmax=self.fmax,
            climb_fmax=self.climb_fmax, max_iterations=self.max_iterations, method=self.method,
            initial_path=self.initial_path,
        )
        super().__post_init__()


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

    def __call__(self, x: FloatArray) -> tuple[float, FloatArray]:
        pos = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1, 3))
        n = len(self.calcs)
        chosen = None
        for k in range(n):
            idx = (self.next + k) % n
            if self.calcs[idx].verlet.is_valid(pos):
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


def neb_in_box(
    energy: BandEnergy,
    x_a: FloatArray,
    x_b: FloatArray,
    system: System,
    settings: NEBSettings | None = None,
) -> NEBResult:
    """CI-NEB between ``x_a`` and ``x_b`` ((N, 3) or (3N,) in sigma) with ``settings``
    (default :class:`NEBSettings`), minimum image in ``system``'s box and its masses."""
    s = settings if settings is not None else NEBSettings()
    return neb(energy, np.ravel(x_a), np.ravel(x_b), options=s, n_images=s.n_images, block=3,
               masses=system.masses, box=system.box.lengths)


# --------------------------------------------------------------------------------------------
# analysis of a relaxed band
# --------------------------------------------------------------------------------------------


def band_profile(result: NEBResult) -> PathProfile:
    """V(xi) by cubic Hermite interpolation of (xi_k, V_k, dV/dxi_k) of a relaxed band."""
    return path_profile(result.xi, result.energies, result.dv_dxi)


def analyse_band(result: NEBResult, **kwargs: Any) -> DoubleWellAnalysis:
    """:func:`pelkit.landscape.doublewell.analyse_path` on a relaxed band.

    The band's images, energies, dV/dxi, masses, box and saddle (the climbing image, else the
    highest interior image) are used; keyword arguments (ends, wiggle_tol, remove_mean) are
    passed on.
    """
    kwargs.setdefault("wiggle_tol", DEFAULT_WIGGLE_TOL)
    return analyse_path(
        result.images,
        result.energies,
        dv_dxi=result.dv_dxi,
        masses=result.masses,
        box=result.box,
        block=result.block,
        saddle_index=result.saddle_index,
        **kwargs,
    )


def neb_summary(result: NEBResult) -> dict[str, Any]:
    """Scalars of an NEB run (and the energies and arc lengths), for JSON."""
    return {
        "converged": result.converged,
        "max_force": result.max_force,
        "iterations": result.iterations,
        "evaluations": result.evaluations,
        "climbing": result.climbing,
        "climbing_index": result.climbing_index,
        "climb_iteration": result.climb_iteration,
        "stop_reason": result.stop_reason,
        "n_images": result.n_images,
        "spring_constant": result.spring_constant,
        "fmax": result.fmax,
        "climb_fmax": result.climb_fmax,
        "method": result.method,
        "initial_path": result.initial_path,
        "climbing_force": result.climbing_force,
        "energies": result.energies,
        "xi": result.xi,
    }


def analyse_with_frequencies(
    model: PairPotential, system: System, result: NEBResult, wiggle_tol: float
) -> DoubleWellAnalysis:
    """:func:`analyse_band` with omega_tan at A and B from Hessian-vector products of ``model``
    at the band's end images (``system`` gives the box and particles)."""
    x_a = result.images[0].reshape(-1, 3)
    x_b = result.images[-1].reshape(-1, 3)
    calc_a = Calculator(model, system, check_overlap=False)
    calc_b = Calculator(model, system, check_overlap=False)
    return analyse_band(
        result,
        ends=EndCurvatures(hvp_a=lambda u: calc_a.hessian_vector(u, positions=x_a),
                           hvp_b=lambda u: calc_b.hessian_vector(u, positions=x_b)),
        wiggle_tol=wiggle_tol,
    )


# --------------------------------------------------------------------------------------------
# connecting two minima
# --------------------------------------------------------------------------------------------


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
        tunnel: per unit-system label, the splitting record of :func:`double_well_quantities`.
        pr_dw: double-well participation ratio of r_AB (NaN until computed).
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


@dataclass(frozen=True)
class SplitOptions:
    """How :func:`connect_minima` splits a path at interior minima, validated on construction.

    Attributes:
        max_depth: recursion levels of splitting (0 = no splitting).
        quench_method: minimizer of the interior minima (one of
            ``pelkit.landscape.minimize.METHODS``).
        quench_fmax: force tolerance of those quenches, epsilon / sigma.
        de: same-minimum energy tolerance, epsilon (:func:`pelkit.landscape.inherent.same_minimum`).
        dr: same-minimum largest particle displacement, sigma.
    """

    max_depth: int = 2
    quench_method: str = "lbfgs"
    quench_fmax: float = 1e-10
    de: float = 1e-7
    dr: float = 0.005

    def __post_init__(self) -> None:
        if int(self.max_depth) != self.max_depth or self.max_depth < 0:
            raise InputError(f"max_depth must be a non-negative integer, got {self.max_depth}")
        if self.quench_method not in METHODS:
            raise InputError(f"unknown minimizer {self.quench_method!r}; choose one of "
                             f"{', '.join(METHODS)}.")
        for name in ("quench_fmax", "de", "dr"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"{name} must be positive, got {value}")


def connect_minima(
    model: PairPotential,
    system: System,
    x_a: FloatArray,
    e_a: float,
    x_b: FloatArray,
    e_b: float,
    *,
    settings: NEBSettings | None = None,
    split: SplitOptions | None = None,
    wiggle_tol: float = DEFAULT_WIGGLE_TOL,
    orientation: str = "given",
    **legacy: Any,
) -> PairPaths:
    """Connect two minima by CI-NEB, splitting at interior minima (module docstring).

    Args:
        model, system: the potential and a configuration of the same particles.
        x_a, x_b: (N, 3) positions of the minima; e_a, e_b: their total energies (epsilon).
        settings: the NEB settings (default :class:`NEBSettings`).
        split: recursion depth, quench of interior minima and same-minimum tolerances
            (:class:`SplitOptions`; default ``SplitOptions()``).
        wiggle_tol: energy tolerance of the double-well test, epsilon.
        orientation: "given" (x_a is A; sub-segments follow the chain from A to B) or "lower"
            (every segment runs from its lower-energy end).
        legacy: the fields of :class:`SplitOptions` given as keywords (deprecated; they
            override ``split`` and warn).
    """
    opts = options_with_legacy(SplitOptions, split, legacy,
                               "pelkit.landscape.paths.connect_minima")
    max_depth, quench_method, quench_fmax, de, dr = (opts.max_depth, opts.quench_method,
                                                     opts.quench_fmax, opts.de, opts.dr)
    if orientation not in ("given", "lower"):
        raise InputError(f"unknown orientation {orientation!r}; choose given or lower")
    s = settings if settings is not None else NEBSettings()
    energy = BandEnergy(model, system, s.n_images + 2)
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
        res = neb_in_box(energy, minima[i][0], minima[j][0], system, s)
        an = analyse_band(res, wiggle_tol=wiggle_tol)
        shape = an.shape
        if an.is_double_well:
            out.segments.append(Segment(i, j, depth, "double_well", res, an, ""))
            return
        if not shape.interior_minima:
            status = "no_barrier" if len(shape.extrema) == 2 else "not_double_well"
            out.segments.append(Segment(i, j, depth, status, res, an, shape.reason))
            return
        chain = [i]
        if depth < max_depth:
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


# --------------------------------------------------------------------------------------------
# double-well quantities
# --------------------------------------------------------------------------------------------


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

    ``units`` are (label, :class:`~pelkit.landscape.tunneling.UnitSystem`) pairs; ``rtol`` and
    ``n_levels`` are passed to :func:`~pelkit.landscape.tunneling.tunnel_splitting`.

    ``walls="landscape"`` (or ``"relaxed"``): outside the path the potential is sampled along
    the end tangents (or minimised on the planes perpendicular to them,
    :func:`end_continuations`); the splitting with harmonic walls of the Hessian frequencies
    is recorded beside it as ``splitting_harmonic`` and their relative
    difference as ``wall_effect`` (the bias the harmonic walls would have made).
    ``walls="harmonic"``: harmonic walls only. A unit system for which the solver fails records
    NaN and the message.
    """
    res = segment.result
    segment.analysis = analyse_with_frequencies(model, system, res, wiggle_tol)
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


# --------------------------------------------------------------------------------------------
# one path between two given configurations (pelkit neb)
# --------------------------------------------------------------------------------------------


def check_same_particles(a: System, b: System) -> None:
    """Raise InputError unless ``a`` and ``b`` hold the same particles in the same box."""
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


@dataclass
class PathBetween:
    """A relaxed path between two end points (:func:`neb_between`).

    Attributes:
        result: the relaxed band (images unwrapped relative to A).
        analysis: path quantities with omega_tan at A and B from the Hessian.
        system_a, system_b: the end points as used (quenched where they were not minima).
        quenched_a, quenched_b: whether the end point was quenched first.
        pr_dw: double-well participation ratio of r_AB.
    """

    result: NEBResult
    analysis: DoubleWellAnalysis
    system_a: System
    system_b: System
    quenched_a: bool
    quenched_b: bool
    pr_dw: float

    def summary(self) -> dict[str, Any]:
        """The JSON of ``pelkit neb``: the path quantities, the run's scalars, energies, xi."""
        res = self.result
        out = self.analysis.summary()
        out.update(
            n_images=res.n_images, converged=res.converged, max_force=res.max_force,
            iterations=res.iterations, evaluations=res.evaluations, climbing=res.climbing,
            method=res.method, initial_path=res.initial_path,
            fallback=res.history.get("fallback", False), climbing_index=res.climbing_index,
            spring_constant=res.spring_constant, fmax=res.fmax, energies=res.energies,
            xi=res.xi, quenched_a=self.quenched_a, quenched_b=self.quenched_b,
            pr_dw=self.pr_dw,
        )
        return out


def _end_point(
    model: PairPotential, system: System, name: str, endpoint_fmax: float,
    quench_ends: bool, quench_fmax: float,
) -> tuple[System, float, bool]:
    """The end point as a minimum: (system, total energy, whether it was quenched)."""
    calc = Calculator(model, system)
    e, f = calc.energy_forces()
    fnorm = float(np.sqrt(np.einsum("ij,ij->i", f, f)).max())
    if fnorm <= endpoint_fmax:
        return system, float(e), False
    if not quench_ends:
        raise InputError(
            f"end point {name} is not a minimum: max force {fnorm:.3g} > "
            f"{endpoint_fmax:g}; quench it first or drop --no-quench"
        )
    q = quench(model, system, method="lbfgs", fmax=quench_fmax, calculator=calc)
    if not q.minimize.converged:
        raise InputError(
            f"end point {name} could not be quenched to max force {quench_fmax:g} "
            f"(reached {q.minimize.max_force:.3g})"
        )
    return q.system, float(q.energy), True


def neb_between(
    model: PairPotential,
    system_a: System,
    system_b: System,
    *,
    settings: NEBSettings | None = None,
    endpoint_fmax: float = 1e-6,
    quench_ends: bool = True,
    quench_fmax: float = 1e-10,
    wiggle_tol: float = DEFAULT_WIGGLE_TOL,
) -> PathBetween:
    """CI-NEB between two configurations of the same particles (``pelkit neb``).

    End points with a largest per-particle force above ``endpoint_fmax`` (epsilon / sigma) are
    quenched to ``quench_fmax`` (or refused when ``quench_ends`` is False); ends that are the
    same minimum are refused. A is kept as given (no reordering by energy). The analysis has
    omega_tan at both ends from Hessian-vector products.
    """
    s = settings if settings is not None else NEBSettings()
    if not wiggle_tol >= 0.0:
        raise InputError(f"wiggle_tol must be >= 0, got {wiggle_tol}")
    check_same_particles(system_a, system_b)
    sa, ea, quenched_a = _end_point(model, system_a, "A", endpoint_fmax, quench_ends,
                                    quench_fmax)
    sb, eb, quenched_b = _end_point(model, system_b, "B", endpoint_fmax, quench_ends,
                                    quench_fmax)
    if same_minimum(sa, ea, sb, eb):
        raise InputError("A and B are the same minimum: there is no path to relax")
    res = neb_in_box(BandEnergy(model, sa, s.n_images + 2), sa.positions, sb.positions, sa, s)
    an = analyse_with_frequencies(model, sa, res, wiggle_tol)
    return PathBetween(
        result=res, analysis=an, system_a=sa, system_b=sb, quenched_a=quenched_a,
        quenched_b=quenched_b, pr_dw=double_well_participation(an.fields.r_ab, sa.masses),
    )
