"""The potential beyond the end minima of a path, for the 1-D tunnelling problem.

The tunnel splitting of a double well (:func:`pelkit.landscape.tunneling.tunnel_splitting`)
needs V(xi) outside [0, xi_B], where the ground-state wave function still lives: its tails
reach several harmonic lengths (hbar~/omega)^{1/2} beyond each minimum. Harmonic walls
V_A + omega_A^2 xi^2 / 2 ignore the anharmonicity there and bias the splitting: for
V = (x^2 - 1)^2 at hbar~ = 0.3 the walls are softer than the quartic beyond the minima, the
states spread outwards and E_t drops from 8.96e-3 to 7.37e-3 (-18 %).

This module supplies the true landscape instead: beyond each end the path is continued along
the straight line through the end minimum in the direction of the path's end tangent,
mass-weighted,

    q(t) = q_A - t tau^_A   (t >= 0, beyond A),    q(t) = q_B + t tau^_B   (beyond B),

tau^ the unit end tangents of the band (q = M^{1/2} R). V(t) and dV/dt = grad_q V . (-/+ tau^)
are sampled on ``n_points`` points up to ``length`` and interpolated by cubic Hermite
polynomials; beyond the last sample the potential grows quadratically with the end frequency.
A straight line is an upper bound of the valley floor beyond the minimum (other coordinates do
not relax), as the harmonic wall is its lowest-order approximation; where V along the line turns
down again (another basin ahead) its running maximum is used, interpolated monotonically
(PCHIP, Fritsch & Carlson, SIAM J. Numer. Anal. 17, 238 (1980)), and ``monotonic`` is False. For a
one-dimensional potential the continuation is exact. Energies in epsilon, t in sqrt(m) sigma.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicHermiteSpline, PchipInterpolator

from pelkit.errors import InputError
from pelkit.landscape.doublewell import PathProfile

FloatArray = NDArray[np.float64]
EnergyGradient = Callable[[FloatArray], tuple[float, FloatArray]]


@dataclass
class EndContinuation:
    """V along the continuation beyond one end of a path.

    Attributes:
        t: (K,) distance beyond the end minimum, sqrt(m) sigma, t[0] = 0, increasing.
        energy: (K,) V(t) in epsilon (running maximum where the line turns down).
        slope: (K,) dV/dt in epsilon / (sqrt(m) sigma) (0 where the running maximum holds).
        omega: end frequency (1/tau) for the quadratic growth beyond t[-1].
        monotonic: False if V along the line fell somewhere (clipped to its running maximum).
    """

    t: FloatArray
    energy: FloatArray
    slope: FloatArray
    omega: float
    monotonic: bool = True

    def __post_init__(self) -> None:
        self.t = np.asarray(self.t, dtype=np.float64)
        self.energy = np.asarray(self.energy, dtype=np.float64)
        self.slope = np.asarray(self.slope, dtype=np.float64)
        if self.t.ndim != 1 or self.t.size < 2 or self.t[0] != 0.0 or np.any(np.diff(self.t) <= 0):
            raise InputError("a continuation needs increasing t >= 0 starting at 0")
        if self.energy.shape != self.t.shape or self.slope.shape != self.t.shape:
            raise InputError("continuation energies and slopes need one value per t")
        if not (np.all(np.isfinite(self.energy)) and np.all(np.isfinite(self.slope))):
            raise InputError("the continuation potential is not finite")
        if not (np.isfinite(self.omega) and self.omega > 0.0):
            raise InputError(f"the end frequency must be positive, got {self.omega}")
        self._spline = CubicHermiteSpline(self.t, self.energy, self.slope, extrapolate=False)

    def __call__(self, t: ArrayLike) -> FloatArray:
        """V(t) for t >= 0 (vectorised)."""
        t = np.asarray(t, dtype=np.float64)
        out = np.empty_like(t)
        inside = t <= self.t[-1]
        out[inside] = self._spline(t[inside])
        dt = t[~inside] - self.t[-1]
        out[~inside] = (self.energy[-1] + max(self.slope[-1], 0.0) * dt
                        + 0.5 * self.omega**2 * dt * dt)
        return out

    @classmethod
    def from_samples(cls, t: ArrayLike, energy: ArrayLike, slope: ArrayLike,
                     omega: float) -> EndContinuation:
        """Build from raw samples, clipping V to its running maximum (module docstring)."""
        t = np.asarray(t, dtype=np.float64)
        v = np.asarray(energy, dtype=np.float64).copy()
        s = np.asarray(slope, dtype=np.float64).copy()
        running = np.maximum.accumulate(v)
        clipped = v < running
        s[0] = 0.0  # the end is a minimum: V'(0) = 0 to the accuracy of the minimisation
        if np.any(clipped):  # monotone (PCHIP) slopes through the running maximum
            v = running
            s = PchipInterpolator(t, v).derivative()(t)
        return cls(t, v, s, float(omega), monotonic=not bool(np.any(clipped)))


def _continuation_inputs(
    x_end: ArrayLike, direction_q: ArrayLike, sqrt_m: ArrayLike, length: float, n_points: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Checked (n,) end point, sqrt(masses) and unit outward direction of a continuation."""
    if not (np.isfinite(length) and length > 0.0):
        raise InputError(f"the continuation length must be positive, got {length}")
    if n_points < 3:
        raise InputError("a continuation needs at least 3 points")
    x0 = np.asarray(x_end, dtype=np.float64).ravel()
    rm = np.asarray(sqrt_m, dtype=np.float64).ravel()
    u = np.asarray(direction_q, dtype=np.float64).ravel()
    norm = float(np.linalg.norm(u))
    if norm == 0.0 or u.shape != x0.shape or rm.shape != x0.shape:
        raise InputError("the continuation direction must be a non-zero (n,) vector")
    return x0, rm, u / norm


def line_continuation(
    energy_gradient: EnergyGradient,
    x_end: ArrayLike,
    direction_q: ArrayLike,
    sqrt_m: ArrayLike,
    *,
    length: float,
    omega: float,
    n_points: int = 24,
) -> EndContinuation:
    """Sample V(x_end + t u / M^{1/2}) for t in [0, length], u the unit ``direction_q``.

    Args:
        energy_gradient: x (n,) -> (V in epsilon, dV/dx (n,)); unwrapped positions allowed.
        x_end: (n,) the end minimum, sigma.
        direction_q: (n,) outward direction in mass-weighted space (normalised here).
        sqrt_m: (n,) square roots of the per-coordinate masses.
        length: largest t, sqrt(m) sigma.
        omega: end frequency for the growth beyond ``length``, 1/tau.
        n_points: samples, t[0] = 0 included (points are denser near the minimum:
            t_k = length (k / (K - 1))^1.5).
    """
    x0, rm, u = _continuation_inputs(x_end, direction_q, sqrt_m, length, n_points)
    step_x = u / rm
    t = length * np.linspace(0.0, 1.0, n_points) ** 1.5
    energy = np.empty(n_points)
    slope = np.empty(n_points)
    for k, tk in enumerate(t):
        e, g = energy_gradient(x0 + tk * step_x)
        energy[k] = float(e)
        slope[k] = float(np.asarray(g, dtype=np.float64).ravel() @ step_x)
    return EndContinuation.from_samples(t, energy, slope, omega)


def relaxed_continuation(
    energy_gradient: EnergyGradient,
    x_end: ArrayLike,
    direction_q: ArrayLike,
    sqrt_m: ArrayLike,
    *,
    length: float,
    omega: float,
    n_points: int = 24,
    block: int = 3,
    fmax: float = 1e-6,
    max_iterations: int = 2000,
) -> EndContinuation:
    """The valley beyond an end minimum: V minimised on each hyperplane u . (q - q_end) = t.

    For t_k = length (k / (K - 1))^1.5 the point of the previous plane is moved by
    (t_k - t_{k-1}) u and relaxed with the gradient projected on the plane (band L-BFGS,
    :func:`pelkit.landscape.band_lbfgs.band_lbfgs`, to ``fmax`` per particle in the
    mass-weighted metric). The 1-D coordinate is the arc length of the chain of relaxed points
    (xi >= t, the valley may curve) and the slopes come from a monotone PCHIP interpolation of
    V(xi). V_relaxed(t) <= V_line(t): with :func:`line_continuation` it brackets the landscape
    beyond the end between a rigid and a fully relaxed continuation. Arguments as in
    :func:`line_continuation`; ``block`` coordinates per particle.
    """
    from pelkit.landscape.band_lbfgs import band_lbfgs

    x0, rm, u = _continuation_inputs(x_end, direction_q, sqrt_m, length, n_points)

    def on_plane(z: FloatArray) -> tuple[float, FloatArray]:
        e, g = energy_gradient(z / rm)
        gq = np.asarray(g, dtype=np.float64).ravel() / rm
        return float(e), gq - float(gq @ u) * u

    t = length * np.linspace(0.0, 1.0, n_points) ** 1.5
    z = x0 * rm
    energy = [float(energy_gradient(x0)[0])]
    xi = [0.0]
    for k in range(1, n_points):
        start = z + (t[k] - t[k - 1]) * u
        res = band_lbfgs(on_plane, start, fmax=fmax, block=block,
                         max_iterations=max_iterations, max_step=0.05)
        xi.append(xi[-1] + float(np.linalg.norm(res.positions - z)))
        z = res.positions
        energy.append(float(res.energy))
    xi_arr = np.asarray(xi)
    running = np.maximum.accumulate(np.asarray(energy))
    slope = PchipInterpolator(xi_arr, running).derivative()(xi_arr)
    slope[0] = 0.0
    return EndContinuation(xi_arr, running, slope, float(omega),
                           monotonic=bool(np.all(np.diff(energy) >= 0.0)))


def continued_potential(
    profile: PathProfile,
    before_a: EndContinuation,
    beyond_b: EndContinuation,
    reference: float = 0.0,
) -> Callable[[FloatArray], FloatArray]:
    """V(xi) - reference on the whole line: ``before_a(-xi)`` for xi < 0, the profile on
    [0, xi_B], ``beyond_b(xi - xi_B)`` for xi > xi_B. Each continuation is shifted to meet the
    profile's end energy exactly (they differ by round-off at most)."""
    xi_b = profile.xi_end
    shift_a = float(profile.energy[0]) - float(before_a.energy[0])
    shift_b = float(profile.energy[-1]) - float(beyond_b.energy[0])

    def potential(x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        out = np.empty_like(x)
        left, right = x < 0.0, x > xi_b
        mid = ~(left | right)
        out[left] = before_a(-x[left]) + shift_a
        out[right] = beyond_b(x[right] - xi_b) + shift_b
        out[mid] = profile(x[mid])
        return out - reference

    return potential
