"""Analysis of a converged nudged-elastic-band path: profile V(xi), double-well test, quantities.

Everything follows docs/physics/landscape.md (Khomenko, Reichman and Zamponi 2021, "Double wells
and path quantities"):

* mass-weighted arc length  xi_0 = 0,  xi_{k+1} = xi_k + |M^{1/2} (R_{k+1} - R_k)|
  (minimum image per particle when a periodic box is given), in sqrt(m) sigma
  (:func:`pelkit.landscape.path_geometry.arc_length`, with the other geometry helpers);
* the profile V(xi): piecewise cubic Hermite interpolation of (xi_k, V_k, dV/dxi_k)
  (``scipy.interpolate.CubicHermiteSpline``) when the tangential derivatives
  dV/dxi = grad_q V . tau_q (q = M^{1/2} R) are known, otherwise a cubic spline through
  (xi_k, V_k) with zero slope at both ends (the ends are minima);
* the double-well decision: exactly two minima (the end points) and one interior maximum once
  wiggles smaller than ``wiggle_tol`` (1e-8 epsilon) are ignored; interior minima are listed
  with the nearest image so that the caller can quench there and recurse on the two sub-pairs;
* barrier E_S - min(E_A, E_B), E_S - E_A, E_S - E_B, asymmetry |E_A - E_B|, distance
  d_AB = |M^{1/2} r_AB|;
* the fields r_AB, r_AS, r_tan = R_1 - R_0 (per particle, minimum image, mass-weighted mean
  displacement removed; Khomenko, Reichman and Zamponi (2021), Fig 1);
* omega_tan^2 = rhat^T H^M(A) rhat with rhat the mass-weighted unit r_tan, from a Hessian or a
  Hessian-vector product at A, and independently as the curvature V''(xi = 0) of the profile.

Array conventions: a band is ``images`` (M, n) with n = N * block flat coordinates per image;
``masses`` are per coordinate (n,) or per particle (N,) (expanded over the block); ``box`` holds
the periodic lengths (block,) in sigma or is None (no periodicity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicHermiteSpline, CubicSpline

from pelkit.deprecation import options_with_legacy
from pelkit.errors import InputError
from pelkit.landscape.path_geometry import (  # noqa: F401 - arc_length re-exported
    arc_length,
    check_box,
    coordinate_masses,
    minimum_image,
    remove_drift,
)

FloatArray = NDArray[np.float64]

DEFAULT_WIGGLE_TOL = 1e-8
"""Extrema of V(xi) shallower than this (epsilon, absolute) are ignored [recommended;
docs/physics/landscape.md]."""


# --------------------------------------------------------------------------------------------
# the profile V(xi)
# --------------------------------------------------------------------------------------------


@dataclass
class PathProfile:
    """The energy profile V(xi) along a path, interpolated between the images.

    Attributes:
        xi: (M,) mass-weighted arc length in sqrt(m) sigma, strictly increasing, xi[0] = 0.
        energy: (M,) image energies V_k in epsilon (total energies, as given).
        dv_dxi: (M,) tangential derivatives dV/dxi in epsilon / (sqrt(m) sigma), or None.
        method: "hermite" (CubicHermiteSpline through V_k with slopes dv_dxi) or "spline"
            (CubicSpline through V_k, zero slope at both ends).
    """

    xi: FloatArray
    energy: FloatArray
    dv_dxi: FloatArray | None
    method: str
    _interp: Any = field(repr=False)

    def __call__(self, x: ArrayLike, nu: int = 0) -> FloatArray:
        """V(x) (nu = 0) or its nu-th derivative, for x inside [0, xi_B]."""
        return np.asarray(self._interp(np.asarray(x, dtype=np.float64), nu), dtype=np.float64)

    @property
    def xi_end(self) -> float:
        """Total arc length xi_B in sqrt(m) sigma."""
        return float(self.xi[-1])

    def curvature_start(self) -> float:
        """V''(0) in epsilon / (m sigma^2): omega_tan^2 at A from the profile
        (docs/physics/landscape.md)."""
        return float(self._interp(0.0, 2))

    def curvature_end(self) -> float:
        """V''(xi_B): the squared frequency along the path at B."""
        return float(self._interp(self.xi_end, 2))

    def derivative_roots(self) -> FloatArray:
        """Sorted zeros of V'(xi) strictly inside (0, xi_B) (duplicates merged)."""
        roots = np.asarray(self._interp.derivative().roots(extrapolate=False), dtype=np.float64)
        roots = np.sort(roots[np.isfinite(roots)])
        span = self.xi_end
        roots = roots[(roots > 1e-12 * span) & (roots < span * (1.0 - 1e-12))]
        if roots.size > 1:
            keep = np.concatenate(([True], np.diff(roots) > 1e-12 * span))
            roots = roots[keep]
        return roots


def path_profile(
    xi: ArrayLike, energy: ArrayLike, dv_dxi: ArrayLike | None = None
) -> PathProfile:
    """Build V(xi) from image arc lengths (M,), energies (M,) and optional slopes (M,).

    With slopes: piecewise cubic Hermite interpolation (C^1, exact for piecewise cubics)
    [recommended; docs/physics/landscape.md]; without: a cubic spline clamped to zero slope at both
    ends.
    """
    x = np.asarray(xi, dtype=np.float64).ravel()
    v = np.asarray(energy, dtype=np.float64).ravel()
    if x.size < 2 or v.size != x.size:
        raise InputError(f"xi ({x.size}) and energy ({v.size}) need the same length >= 2")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
        raise InputError("xi and energy must be finite")
    if np.any(np.diff(x) <= 0.0):
        raise InputError("xi must be strictly increasing (two images coincide?)")
    if dv_dxi is not None:
        s = np.asarray(dv_dxi, dtype=np.float64).ravel()
        if s.size != x.size or not np.all(np.isfinite(s)):
            raise InputError("dV/dxi must be finite with one value per image")
        return PathProfile(x, v, s, "hermite", CubicHermiteSpline(x, v, s, extrapolate=False))
    if x.size == 2:
        s = np.zeros(2)
        return PathProfile(x, v, None, "spline", CubicHermiteSpline(x, v, s, extrapolate=False))
    spline = CubicSpline(x, v, bc_type=((1, 0.0), (1, 0.0)), extrapolate=False)
    return PathProfile(x, v, None, "spline", spline)


# --------------------------------------------------------------------------------------------
# double-well decision
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extremum:
    """A stationary point of V(xi) (or an end of the path).

    Attributes:
        kind: "min" or "max".
        xi: position in sqrt(m) sigma.
        energy: V there, epsilon.
        image: index of the nearest image (for a minimum: the lower of the two bracketing
            images, the natural start for a quench).
    """

    kind: str
    xi: float
    energy: float
    image: int


@dataclass
class ProfileShape:
    """Outcome of the double-well test on V(xi) (docs/physics/landscape.md).

    Attributes:
        is_double_well: end points are minima with exactly one maximum between them.
        extrema: the reduced sequence of extrema, ends included, alternating min/max.
        interior_minima: the interior minima (quench from ``image`` and recurse).
        interior_maxima: the interior maxima.
        wiggle_tol: energy tolerance used to discard wiggles, epsilon.
        reason: a short explanation when the path is not a simple double well.
    """

    is_double_well: bool
    extrema: list[Extremum]
    interior_minima: list[Extremum]
    interior_maxima: list[Extremum]
    wiggle_tol: float
    reason: str


def _nearest_image(xi: FloatArray, energy: FloatArray, x: float, kind: str) -> int:
    k = int(np.clip(np.searchsorted(xi, x), 1, xi.size - 1))
    pair = (k - 1, k)
    if kind == "min":
        return min(pair, key=lambda j: energy[j])
    return max(pair, key=lambda j: energy[j])


def classify_profile(profile: PathProfile, wiggle_tol: float = DEFAULT_WIGGLE_TOL) -> ProfileShape:
    """Decide whether V(xi) is a simple double well (docs/physics/landscape.md).

    The stationary points are the sign changes of V'(xi) of the interpolant; together with the
    two ends they form an alternating sequence of minima and maxima. Adjacent pairs whose energy
    difference is below ``wiggle_tol`` are removed (smallest first; next to an end only the
    interior point is removed) until none is left. The path is a double well iff the reduced
    sequence is (end minimum, maximum, end minimum).
    """
    if not wiggle_tol >= 0.0:
        raise InputError("wiggle_tol must be >= 0")
    xi, energy = profile.xi, profile.energy
    roots = profile.derivative_roots()
    bounds = np.concatenate(([0.0], roots, [profile.xi_end]))
    slopes = profile(0.5 * (bounds[:-1] + bounds[1:]), 1)
    signs = np.sign(slopes)
    # keep a root only where V' really changes sign (drop inflection points / flat touches)
    points: list[tuple[float, float]] = [(0.0, float(energy[0]))]
    current = signs[0]
    for j, r in enumerate(roots):
        nxt = signs[j + 1]
        if nxt != 0 and current != 0 and nxt != current:
            points.append((float(r), float(profile(r))))
            current = nxt
        elif current == 0:
            current = nxt
    points.append((profile.xi_end, float(energy[-1])))

    # remove wiggles
    while len(points) > 2:
        diffs = [abs(points[i][1] - points[i + 1][1]) for i in range(len(points) - 1)]
        i = int(np.argmin(diffs))
        if diffs[i] >= wiggle_tol:
            break
        last = len(points) - 1
        if i == 0:
            del points[1]
        elif i + 1 == last:
            del points[i]
        else:
            del points[i : i + 2]

    extrema: list[Extremum] = []
    for j, (x, v) in enumerate(points):
        neighbours = [points[j - 1][1]] if j > 0 else []
        if j + 1 < len(points):
            neighbours.append(points[j + 1][1])
        kind = "min" if all(v < w for w in neighbours) else "max"
        if j == 0:
            image = 0
        elif j == len(points) - 1:
            image = xi.size - 1
        else:
            image = _nearest_image(xi, energy, x, kind)
        extrema.append(Extremum(kind, x, v, image))

    interior = extrema[1:-1]
    minima = [e for e in interior if e.kind == "min"]
    maxima = [e for e in interior if e.kind == "max"]
    is_dw = (
        len(extrema) == 3
        and extrema[0].kind == "min"
        and extrema[-1].kind == "min"
        and extrema[1].kind == "max"
    )
    if is_dw:
        reason = ""
    elif len(extrema) == 2:
        reason = "no interior maximum: V(xi) is monotonic (no barrier between A and B)"
    elif minima:
        where = ", ".join(f"xi={e.xi:.6g} (image {e.image})" for e in minima)
        reason = f"interior minima at {where}: quench there and recurse on the two sub-pairs"
    else:
        reason = "the ends are not minima of V(xi)"
    return ProfileShape(is_dw, extrema, minima, maxima, float(wiggle_tol), reason)


# --------------------------------------------------------------------------------------------
# fields, frequencies, overlaps
# --------------------------------------------------------------------------------------------


@dataclass
class PathFields:
    """Displacement fields of a path (Khomenko, Reichman and Zamponi 2021, Fig 1), each (N, block)
    in sigma.

    Per particle, minimum image, mass-weighted mean displacement removed
    (docs/physics/landscape.md):
    r_AB = R_B - R_A, r_AS = R_S - R_A, r_tan = R_1 - R_0.
    """

    r_ab: FloatArray
    r_as: FloatArray
    r_tan: FloatArray


def path_fields(
    images: ArrayLike,
    saddle_index: int,
    masses: ArrayLike | None = None,
    box: ArrayLike | None = None,
    block: int = 3,
    remove_mean: bool = True,
) -> PathFields:
    """r_AB, r_AS and r_tan from a band ``images`` (M, n) and the saddle (climbing) image index."""
    R = np.asarray(images, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] < 2:
        raise InputError(f"images must have shape (M, n) with M >= 2, got {R.shape}")
    if not 0 <= saddle_index < R.shape[0]:
        raise InputError(f"saddle index {saddle_index} outside the band of {R.shape[0]} images")
    m = coordinate_masses(masses, R.shape[1], block)
    lengths = check_box(box, block)

    def field_(a: int, b: int) -> FloatArray:
        d = minimum_image(R[b] - R[a], lengths, block)
        if remove_mean:
            d = remove_drift(d, m, block)
        return d.reshape(-1, block)

    return PathFields(field_(0, -1 % R.shape[0]), field_(0, saddle_index), field_(0, 1))


def signed_frequency(omega_sq: float) -> float:
    """omega = sqrt(lambda) for lambda >= 0 and -sqrt(|lambda|) otherwise
    (docs/physics/modes.md)."""
    return float(np.sign(omega_sq) * np.sqrt(abs(omega_sq)))


def omega_tan_squared(
    r_tan: ArrayLike,
    masses: ArrayLike | None = None,
    *,
    hessian: ArrayLike | None = None,
    hvp: Callable[[FloatArray], FloatArray] | None = None,
    block: int = 3,
) -> float:
    """omega_tan^2 = rhat^T H^M rhat (docs/physics/landscape.md), in 1/tau^2.

    rhat = M^{1/2} r_tan / |M^{1/2} r_tan| is the mass-weighted unit tangent and
    H^M = M^{-1/2} H M^{-1/2}, so omega^2 = u^T H u with the Cartesian u = M^{-1/2} rhat.

    Args:
        r_tan: tangent field (N, block) or flat (n,) in sigma.
        masses: per coordinate (n,) or per particle masses; None = 1.
        hessian: Cartesian Hessian (n, n) in epsilon / sigma^2 at A, or
        hvp: a function u (n,) -> H u (n,) (Hessian-vector product at A). Exactly one.
    """
    r = np.asarray(r_tan, dtype=np.float64).ravel()
    m = coordinate_masses(masses, r.size, block)
    q = np.sqrt(m) * r
    norm = np.linalg.norm(q)
    if norm == 0.0:
        raise InputError("r_tan is zero: the first two images coincide")
    u = q / norm / np.sqrt(m)
    if (hessian is None) == (hvp is None):
        raise InputError("give exactly one of hessian and hvp")
    if hessian is not None:
        H = np.asarray(hessian, dtype=np.float64)
        if H.shape != (r.size, r.size):
            raise InputError(f"hessian has shape {H.shape}, expected ({r.size}, {r.size})")
        hu = H @ u
    else:
        hu = np.asarray(hvp(u), dtype=np.float64).ravel()
        if hu.size != r.size:
            raise InputError("the Hessian-vector product returned a vector of the wrong size")
    return float(u @ hu)


def best_mode_overlap(
    field_: ArrayLike,
    eigenvectors: ArrayLike,
    eigenvalues: ArrayLike,
    masses: ArrayLike | None = None,
    block: int = 3,
) -> tuple[int, float, float]:
    """The mode with the largest overlap c = |r.e| / (|r||e|) with a field (Khomenko, Reichman and
    Zamponi 2021, eq 7).

    Compared in mass-weighted space r -> M^{1/2} r (docs/physics/modes.md). ``eigenvectors`` is (n,
    K)
    with mass-weighted eigenvectors in columns and ``eigenvalues`` (K,) in 1/tau^2. Returns
    (column index, c, signed frequency omega of that mode).
    """
    r = np.asarray(field_, dtype=np.float64).ravel()
    E = np.asarray(eigenvectors, dtype=np.float64)
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if E.ndim != 2 or E.shape[0] != r.size or E.shape[1] != lam.size:
        raise InputError("eigenvectors must be (n, K) with K eigenvalues and n = field size")
    q = np.sqrt(coordinate_masses(masses, r.size, block)) * r
    c = np.abs(q @ E) / (np.linalg.norm(q) * np.linalg.norm(E, axis=0))
    k = int(np.argmax(c))
    return k, float(c[k]), signed_frequency(float(lam[k]))


# --------------------------------------------------------------------------------------------
# all quantities of one path
# --------------------------------------------------------------------------------------------


@dataclass
class DoubleWellAnalysis:
    """Path quantities of one band (docs/physics/landscape.md). Energies in epsilon, lengths in
    sigma.

    Attributes:
        profile: the interpolated V(xi).
        shape: the double-well decision (interior minima to recurse on).
        is_double_well: shortcut for ``shape.is_double_well``.
        saddle_index: image taken as the saddle S (the climbing image).
        e_a, e_b, e_s: energies of A, B and S.
        barrier: E_S - min(E_A, E_B); barrier_a = E_S - E_A; barrier_b = E_S - E_B.
        asymmetry: |E_A - E_B|.
        d_ab: |M^{1/2} r_AB| in sqrt(m) sigma.
        xi_b: total arc length.
        fields: r_AB, r_AS, r_tan.
        omega_a_profile, omega_b_profile: signed sqrt of V''(0) and V''(xi_B), 1/tau.
        omega_a_hessian, omega_b_hessian: omega_tan from the Hessian at A (resp. B, along
            R_{M-2} - R_{M-1}) when one was given, else None.
    """

    profile: PathProfile
    shape: ProfileShape
    is_double_well: bool
    saddle_index: int
    e_a: float
    e_b: float
    e_s: float
    barrier: float
    barrier_a: float
    barrier_b: float
    asymmetry: float
    d_ab: float
    xi_b: float
    fields: PathFields
    omega_a_profile: float
    omega_b_profile: float
    omega_a_hessian: float | None = None
    omega_b_hessian: float | None = None

    @property
    def omega_a(self) -> float:
        """omega_tan at A: from the Hessian if available, else from the profile curvature."""
        return self.omega_a_hessian if self.omega_a_hessian is not None else self.omega_a_profile

    @property
    def omega_b(self) -> float:
        """omega_tan at B: from the Hessian if available, else from the profile curvature."""
        return self.omega_b_hessian if self.omega_b_hessian is not None else self.omega_b_profile

    def summary(self) -> dict[str, Any]:
        """Scalar results as a plain dictionary (for JSON / HDF5 attributes)."""
        return {
            "is_double_well": self.is_double_well,
            "reason": self.shape.reason,
            "interior_minima": [
                {"xi": e.xi, "energy": e.energy, "image": e.image}
                for e in self.shape.interior_minima
            ],
            "saddle_index": self.saddle_index,
            "e_a": self.e_a,
            "e_b": self.e_b,
            "e_s": self.e_s,
            "barrier": self.barrier,
            "barrier_a": self.barrier_a,
            "barrier_b": self.barrier_b,
            "asymmetry": self.asymmetry,
            "d_ab": self.d_ab,
            "xi_b": self.xi_b,
            "omega_a": self.omega_a,
            "omega_b": self.omega_b,
            "omega_a_profile": self.omega_a_profile,
            "omega_b_profile": self.omega_b_profile,
            "omega_a_hessian": self.omega_a_hessian,
            "omega_b_hessian": self.omega_b_hessian,
            "profile_method": self.profile.method,
            "wiggle_tol": self.shape.wiggle_tol,
        }


@dataclass(frozen=True, eq=False)
class EndCurvatures:
    """Second derivatives of V at the end points A and B, for omega_tan of :func:`analyse_path`.

    Give, for each end, the Hessian or a Hessian-vector product (the Hessian is used when
    both are given); an end with neither gets no Hessian frequency.

    Attributes:
        hessian_a, hessian_b: Hessians (n, n) at A and B, epsilon / sigma^2.
        hvp_a, hvp_b: u (n,) -> H u (n,) at A and B, epsilon / sigma^2 times u.
    """

    hessian_a: ArrayLike | None = None
    hvp_a: Callable[[FloatArray], FloatArray] | None = None
    hessian_b: ArrayLike | None = None
    hvp_b: Callable[[FloatArray], FloatArray] | None = None

    def __post_init__(self) -> None:
        for name in ("hvp_a", "hvp_b"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise InputError(f"{name} must be a function u -> H u, got {type(value).__name__}")


def analyse_path(
    images: ArrayLike,
    energies: ArrayLike,
    *,
    dv_dxi: ArrayLike | None = None,
    masses: ArrayLike | None = None,
    box: ArrayLike | None = None,
    block: int = 3,
    saddle_index: int | None = None,
    ends: EndCurvatures | None = None,
    remove_mean: bool | None = None,
    wiggle_tol: float = DEFAULT_WIGGLE_TOL,
    **legacy: Any,
) -> DoubleWellAnalysis:
    """Analyse a converged band (docs/physics/landscape.md).

    Args:
        images: (M, n) band R_0 = A .. R_{M-1} = B in sigma.
        energies: (M,) image energies in epsilon.
        dv_dxi: (M,) tangential derivatives (from the NEB result); None = spline fallback.
        masses, box, block: as in :func:`arc_length`.
        saddle_index: the climbing image; None = the highest interior image.
        ends: optional Hessians or Hessian-vector products at A and B for omega_tan
            (:class:`EndCurvatures`).
        remove_mean: remove the mass-weighted mean displacement from the fields and d_AB;
            None = only when a periodic box is given (particles).
        wiggle_tol: energy tolerance of the double-well test, epsilon.
        legacy: hessian_a, hvp_a, hessian_b, hvp_b given as keywords (deprecated; they
            override ``ends`` and warn).
    """
    curv = options_with_legacy(EndCurvatures, ends, legacy,
                               "pelkit.landscape.doublewell.analyse_path")
    hessian_a, hvp_a, hessian_b, hvp_b = curv.hessian_a, curv.hvp_a, curv.hessian_b, curv.hvp_b
    R = np.asarray(images, dtype=np.float64)
    V = np.asarray(energies, dtype=np.float64).ravel()
    if R.ndim != 2 or R.shape[0] < 3 or V.size != R.shape[0]:
        raise InputError("a path needs images (M, n) with M >= 3 and one energy per image")
    m = coordinate_masses(masses, R.shape[1], block)
    if remove_mean is None:
        remove_mean = box is not None
    xi = arc_length(R, m, box, block)
    profile = path_profile(xi, V, dv_dxi)
    shape = classify_profile(profile, wiggle_tol)
    if saddle_index is None:
        saddle_index = 1 + int(np.argmax(V[1:-1]))
    fields = path_fields(R, saddle_index, m, box, block, remove_mean)
    e_a, e_b, e_s = float(V[0]), float(V[-1]), float(V[saddle_index])

    omega_a_h = omega_b_h = None
    if hessian_a is not None or hvp_a is not None:
        omega_a_h = signed_frequency(
            omega_tan_squared(fields.r_tan, m, hessian=hessian_a, hvp=hvp_a, block=block)
        )
    if hessian_b is not None or hvp_b is not None:
        lengths = check_box(box, block)
        t_b = minimum_image(R[-2] - R[-1], lengths, block)
        if remove_mean:
            t_b = remove_drift(t_b, m, block)
        omega_b_h = signed_frequency(
            omega_tan_squared(t_b, m, hessian=hessian_b, hvp=hvp_b, block=block)
        )
    return DoubleWellAnalysis(
        profile=profile,
        shape=shape,
        is_double_well=shape.is_double_well,
        saddle_index=int(saddle_index),
        e_a=e_a,
        e_b=e_b,
        e_s=e_s,
        barrier=e_s - min(e_a, e_b),
        barrier_a=e_s - e_a,
        barrier_b=e_s - e_b,
        asymmetry=abs(e_a - e_b),
        d_ab=float(np.linalg.norm(np.sqrt(m) * fields.r_ab.ravel())),
        xi_b=profile.xi_end,
        fields=fields,
        omega_a_profile=signed_frequency(profile.curvature_start()),
        omega_b_profile=signed_frequency(profile.curvature_end()),
        omega_a_hessian=omega_a_h,
        omega_b_hessian=omega_b_h,
    )
