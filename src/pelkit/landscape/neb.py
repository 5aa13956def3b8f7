"""Climbing-image nudged elastic band (CI-NEB) on a generic single-configuration objective.

* band R_0 = A, ..., R_{M-1} = B with fixed end points; M (``n_images``) counts the end points;
* initial path: linear interpolation of the minimum-image displacement r_AB
  (:func:`pelkit.landscape.path_geometry.interpolate_band`);
* improved tangent of Henkelman & Jonsson, J. Chem. Phys. 113, 9978 (2000)
  (:func:`pelkit.landscape.path_geometry.improved_tangents`);
* NEB force F_i = -grad V_i + (grad V_i . tau^) tau^ + k (|R_{i+1} - R_i| - |R_i - R_{i-1}|) tau^
  (Jonsson, Mills & Jacobsen, in "Classical and Quantum Dynamics in Condensed Phase
  Simulations", World Scientific (1998));
* climbing image (Henkelman, Uberuaga & Jonsson, J. Chem. Phys. 113, 9901 (2000)): the highest
  interior image feels -grad V + 2 (grad V . tau^) tau^ and no spring; switched on after a loose
  convergence to ``climb_fmax``;
* everything in the mass-weighted metric q = M^{1/2} R (Cartesian for equal masses): the
  tangent, the projections and the spring lengths are taken in q, and the force applied to the
  Cartesian coordinates is F_R = M^{1/2} F_q;
* relaxation of all interior images together, the band being one objective (sum of interior
  energies, -F_R stacked over the interior images), by one of
  - ``method="lbfgs"`` (default): global L-BFGS on the NEB force with a per-particle trust
    radius (:func:`pelkit.landscape.band_lbfgs.band_lbfgs`; Sheppard, Terrell & Henkelman,
    J. Chem. Phys. 128, 134106 (2008)); if it stalls or runs out of its share of the budget,
    FIRE 2.0 continues from its best band (recorded in ``history["fallback"]``; if FIRE 2.0
    does not converge either and ends with a larger force, the stalled L-BFGS band is
    returned; with ``fallback_patience`` FIRE 2.0 stops early when it makes no progress);
  - ``method="fire2"``: FIRE 2.0 (``pelkit.landscape.minimize.fire2``; Guenole et al., Comput.
    Mater. Sci. 175, 109584 (2020)) with per-coordinate masses m, which is FIRE on q with unit
    masses;
* initial band: the straight line (``initial_path="linear"``) or the image-dependent pair
  potential path (``"idpp"``, :func:`pelkit.landscape.idpp.idpp_band`; Smidstrup et al.,
  J. Chem. Phys. 140, 214106 (2014)), for particle systems;
* converged when the largest per-particle NEB force over the interior images is below ``fmax``
  (1e-6), re-checked on the returned band.

The spring constant k is in epsilon / (m sigma^2) (epsilon / sigma^2 for unit masses).
For periodic particle systems (``box`` given) the images are kept unwrapped relative to A
(R_{M-1} = A + r_AB, which may differ from the given B by lattice vectors); the energy function
must accept unwrapped positions.

:class:`NEBResult` is data only; its analysis (profile V(xi), double-well quantities, JSON
summary) is in :mod:`pelkit.landscape.paths` and its path file in :mod:`pelkit.io.paths`.
See ``docs/physics/landscape.md`` (nudged elastic band).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.deprecation import options_with_legacy, warn_deprecated
from pelkit.errors import InputError
from pelkit.landscape.band_lbfgs import band_lbfgs
from pelkit.landscape.minimize import fire2
from pelkit.landscape.objective import max_block_norm
from pelkit.landscape.path_geometry import (  # noqa: F401 - interpolate_band re-exported
    arc_length,
    check_box,
    coordinate_masses,
    improved_tangents,
    interpolate_band,
)

if TYPE_CHECKING:
    from pelkit.landscape.doublewell import DoubleWellAnalysis, PathProfile

FloatArray = NDArray[np.float64]
EnergyGradient = Callable[[FloatArray], tuple[float, FloatArray]]

DEFAULT_N_IMAGES = 40
"""Images including the end points (the band size of the double-well survey)."""

NEB_METHODS = ("lbfgs", "fire2")
INITIAL_PATHS = ("linear", "idpp")


def check_neb_settings(
    *,
    n_images: int | None = None,
    spring_constant: float = 1.0,
    fmax: float = 1e-6,
    climb_fmax: float = 1e-2,
    max_iterations: int | None = None,
    method: str = "lbfgs",
    initial_path: str = "linear",
) -> None:
    """Raise :class:`InputError` (one line naming the setting) for an invalid NEB setting.

    ``n_images`` and ``max_iterations`` are checked only when given.
    """
    if n_images is not None and n_images < 3:
        raise InputError(f"a band needs at least 3 images (end points included), got {n_images}")
    if not (np.isfinite(fmax) and fmax > 0.0):
        raise InputError(f"fmax must be positive, got {fmax}")
    if not (np.isfinite(climb_fmax) and climb_fmax > 0.0):
        raise InputError(f"climb_fmax must be positive, got {climb_fmax}")
    if not (np.isfinite(spring_constant) and spring_constant > 0.0):
        raise InputError(f"the spring constant must be positive, got {spring_constant}")
    if max_iterations is not None and max_iterations < 1:
        raise InputError(f"max_iterations must be at least 1, got {max_iterations}")
    if method not in NEB_METHODS:
        raise InputError(f"unknown NEB optimiser method {method!r}; choose lbfgs or fire2")
    if initial_path not in INITIAL_PATHS:
        raise InputError(f"unknown initial_path {initial_path!r}; choose linear or idpp")


def neb_forces(
    images: FloatArray,
    energies: FloatArray,
    gradients: FloatArray,
    *,
    spring_constant: float,
    sqrt_m: FloatArray,
    box: FloatArray | None,
    block: int,
    climbing_index: int | None,
) -> tuple[FloatArray, FloatArray]:
    """NEB forces on the interior images (module docstring).

    Args:
        images: (M, n) band in sigma; energies (M,) in epsilon; gradients (M, n) dV/dR.
        spring_constant: k in epsilon / (m sigma^2).
        sqrt_m: (n,) square roots of the per-coordinate masses.
        box: periodic lengths (block,) or None; block: coordinates per particle.
        climbing_index: interior image that climbs (no spring, inverted parallel force) or None.

    Returns:
        (forces (M - 2, n) Cartesian F_R = M^{1/2} F_q in epsilon / sigma, tangents (M, n)).
    """
    tau, dq = improved_tangents(images, energies, sqrt_m, box, block)
    lengths = np.linalg.norm(dq, axis=1)
    g_q = gradients[1:-1] / sqrt_m
    t = tau[1:-1]
    parallel = np.einsum("ij,ij->i", g_q, t)
    f_q = -g_q + parallel[:, None] * t
    spring = spring_constant * (lengths[1:] - lengths[:-1])
    f_q += spring[:, None] * t
    if climbing_index is not None:
        c = climbing_index - 1
        f_q[c] = -g_q[c] + 2.0 * parallel[c] * t[c]
    return f_q * sqrt_m, tau


@dataclass
class NEBResult:
    """A relaxed band: data only (analysis in :mod:`pelkit.landscape.paths`).

    Attributes:
        images: (M, n) band in sigma, images[0] = A, images[-1] = A + r_AB.
        energies: (M,) image energies in epsilon.
        gradients: (M, n) dV/dR at the images, epsilon / sigma.
        tangents: (M, n) unit tangents in mass-weighted space (improved tangent inside).
        forces: (M - 2, n) final NEB forces on the interior images (climbing force included).
        xi: (M,) mass-weighted arc length, sqrt(m) sigma.
        dv_dxi: (M,) tangential derivative grad_q V . tau^_q, epsilon / (sqrt(m) sigma).
        converged: max_force < fmax on the returned band, with the climbing image on when
            ``climb`` was asked for.
        max_force: largest per-particle NEB force over interior images, epsilon / sigma.
        iterations: optimiser iterations (band force evaluations) over both stages, the
            IDPP initial path excluded (it costs no energy evaluations).
        evaluations: calls of the energy function (image evaluations).
        climbing: whether the climbing image was on at the end.
        climbing_index: the climbing (highest interior) image, or None.
        climb_iteration: iteration at which the climbing image was switched on, or None.
        stop_reason: the last stage's stop reason ("converged", "max_iterations", "stuck", ...).
        n_images, spring_constant, fmax, climb_fmax, block: the settings.
        masses: (n,) per-coordinate masses; box: periodic lengths or None.
        method: "lbfgs" or "fire2" (the optimiser asked for).
        initial_path: "linear", "idpp" or "given".
        image_forces: (M - 2,) largest per-particle NEB force of each interior image on the
            returned band (the climbing image's entry is its climbing force), epsilon / sigma.
        history: per-stage optimiser information ("stages"), the IDPP relaxation ("idpp"),
            whether FIRE 2.0 took over from L-BFGS ("fallback") and, when FIRE 2.0 did not
            converge either and ended with a larger force, "fallback_kept" = "lbfgs" (the band
            returned is then the one where L-BFGS stalled).
    """

    images: FloatArray
    energies: FloatArray
    gradients: FloatArray
    tangents: FloatArray
    forces: FloatArray
    xi: FloatArray
    dv_dxi: FloatArray
    converged: bool
    max_force: float
    iterations: int
    evaluations: int
    climbing: bool
    climbing_index: int | None
    climb_iteration: int | None
    stop_reason: str
    n_images: int
    spring_constant: float
    fmax: float
    climb_fmax: float | None
    block: int
    masses: FloatArray
    box: FloatArray | None
    method: str = "fire2"
    initial_path: str = "linear"
    image_forces: FloatArray | None = None
    history: dict[str, Any] = field(default_factory=dict)

    @property
    def climbing_force(self) -> float | None:
        """Largest per-particle climbing force on the returned band, or None without climbing."""
        if self.climbing_index is None or self.image_forces is None:
            return None
        return float(self.image_forces[self.climbing_index - 1])

    @property
    def saddle_index(self) -> int:
        """The climbing image if any, else the highest interior image."""
        if self.climbing_index is not None:
            return self.climbing_index
        return 1 + int(np.argmax(self.energies[1:-1]))

    def profile(self) -> PathProfile:
        """Deprecated: use :func:`pelkit.landscape.paths.band_profile`."""
        from pelkit.landscape.paths import band_profile

        warn_deprecated("NEBResult.profile()", "pelkit.landscape.paths.band_profile(result)")
        return band_profile(self)

    def analyse(self, **kwargs: Any) -> DoubleWellAnalysis:
        """Deprecated: use :func:`pelkit.landscape.paths.analyse_band`."""
        from pelkit.landscape.paths import analyse_band

        warn_deprecated("NEBResult.analyse()", "pelkit.landscape.paths.analyse_band(result)")
        return analyse_band(self, **kwargs)

    def summary(self) -> dict[str, Any]:
        """Deprecated: use :func:`pelkit.landscape.paths.neb_summary`."""
        from pelkit.landscape.paths import neb_summary

        warn_deprecated("NEBResult.summary()", "pelkit.landscape.paths.neb_summary(result)")
        return neb_summary(self)

    def write_path(
        self,
        filename: str | os.PathLike[str],
        *,
        omega_a: float | None = None,
        omega_b: float | None = None,
    ) -> None:
        """Deprecated: use :func:`pelkit.io.paths.write_neb_path`."""
        from pelkit.io.paths import write_neb_path

        warn_deprecated("NEBResult.write_path()",
                        "pelkit.io.paths.write_neb_path(filename, result)")
        write_neb_path(filename, self, omega_a=omega_a, omega_b=omega_b)


@dataclass(frozen=True)
class NEBOptions:
    """Tuning of one band relaxation (:func:`neb`), validated on construction.

    Attributes:
        spring_constant: k in epsilon / (m sigma^2) (epsilon / sigma^2 for unit masses).
        fmax: convergence on the largest per-particle NEB force of the interior images,
            epsilon / sigma.
        climb: switch the climbing image on after the loose convergence to ``climb_fmax``.
        climb_fmax: the loose tolerance (epsilon / sigma) at which the climbing image is
            switched on; if the first stage does not reach it, climbing is switched on anyway
            while budget remains. Checked only when ``climb`` is true.
        max_iterations: optimiser iterations (band evaluations) over both stages.
        method: "lbfgs" (global L-BFGS with FIRE 2.0 fallback) or "fire2".
        initial_path: "linear" or "idpp" (needs at least two particles; ignored when
            :func:`neb` is given ``initial_images``).
        dt: FIRE 2.0 initial time step in tau (None: FIRE's default 0.01).
        max_step: FIRE 2.0 per-particle step cap, sigma.
        lbfgs_max_step: L-BFGS trust radius, the largest per-particle step in sigma.
        lbfgs_memory: stored L-BFGS (s, y) pairs.
        fallback_patience: iterations the FIRE 2.0 fallback (after an L-BFGS stall) may run
            without halving its best max force before it stops as "stuck" (None: it runs to
            the iteration limit). A band whose stationary state lies along a ridge (negative
            transverse curvature, :mod:`pelkit.landscape.band_curvature`) can make FIRE 2.0
            creep for thousands of iterations without reaching ``fmax``. The fallback then
            continues from the band with the smallest force it passed through, and the band
            returned is reported unconverged, as at the iteration limit.
    """

    spring_constant: float = 1.0
    fmax: float = 1e-6
    climb: bool = True
    climb_fmax: float = 1e-2
    max_iterations: int = 50_000
    method: str = "lbfgs"
    initial_path: str = "linear"
    dt: float | None = None
    max_step: float = 0.1
    lbfgs_max_step: float = 0.05
    lbfgs_memory: int = 20
    fallback_patience: int | None = None

    def __post_init__(self) -> None:
        check_neb_settings(
            spring_constant=self.spring_constant, fmax=self.fmax,
            climb_fmax=self.climb_fmax if self.climb else 1e-2,
            max_iterations=self.max_iterations, method=self.method,
            initial_path=self.initial_path,
        )
        if not (np.isfinite(self.lbfgs_max_step) and self.lbfgs_max_step > 0.0):
            raise InputError(f"lbfgs_max_step must be positive, got {self.lbfgs_max_step}")
        if not (np.isfinite(self.max_step) and self.max_step > 0.0):
            raise InputError(f"max_step must be positive, got {self.max_step}")
        if self.dt is not None and not (np.isfinite(self.dt) and self.dt > 0.0):
            raise InputError(f"dt must be positive, got {self.dt}")
        if int(self.lbfgs_memory) != self.lbfgs_memory or self.lbfgs_memory < 1:
            raise InputError(f"lbfgs_memory must be a positive integer, got {self.lbfgs_memory}")
        patience = self.fallback_patience
        if patience is not None and (int(patience) != patience or patience < 1):
            raise InputError(f"fallback_patience must be a positive integer or None, "
                             f"got {patience}")

    def replace(self, **changes: Any) -> NEBOptions:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _stage(climbing: bool, tol: float, res: Any) -> dict[str, Any]:
    return {"climbing": climbing, "fmax": tol, "method": res.method,
            "iterations": res.iterations, "max_force": res.max_force,
            "stop_reason": res.stop_reason}


class _ProgressCheck:
    """A FIRE 2.0 callback that is true once ``patience`` iterations have passed since the
    max force last fell below half its reference value (the reference is then reset to it);
    it also keeps the band with the smallest max force seen (``best_force``, ``best_x``)."""

    def __init__(self, patience: int, block: int) -> None:
        self.patience, self.block = int(patience), int(block)
        self.ref, self.at = np.inf, 0
        self.best_force: float = np.inf
        self.best_x: FloatArray | None = None

    def __call__(self, iteration: int, x: FloatArray, energy: float,
                 gradient: FloatArray) -> bool:
        f = max_block_norm(gradient, self.block)
        if f < self.best_force and x is not None:
            self.best_force, self.best_x = f, np.array(x, dtype=np.float64)
        if f < 0.5 * self.ref:
            self.ref, self.at = f, iteration
        return iteration - self.at >= self.patience


def _evaluate(energy_gradient: EnergyGradient, x: FloatArray) -> tuple[float, FloatArray]:
    e, g = energy_gradient(np.array(x, dtype=np.float64))
    g = np.asarray(g, dtype=np.float64).ravel()
    if g.shape != x.shape:
        raise InputError(f"the energy function returned a gradient of size {g.size}, not {x.size}")
    return float(e), g


def neb(
    energy_gradient: EnergyGradient,
    x_a: ArrayLike,
    x_b: ArrayLike,
    *,
    options: NEBOptions | None = None,
    n_images: int = DEFAULT_N_IMAGES,
    block: int = 3,
    masses: ArrayLike | None = None,
    box: ArrayLike | None = None,
    remove_mean: bool | None = None,
    initial_images: ArrayLike | None = None,
    **legacy: Any,
) -> NEBResult:
    """Relax a (climbing-image) nudged elastic band between A and B (module docstring).

    Args:
        energy_gradient: x (n,) -> (V in epsilon, dV/dx (n,) in epsilon / sigma) for one
            configuration (unwrapped positions allowed when ``box`` is given).
        x_a, x_b: end points (n,) in sigma (minima, ideally converged to ~1e-10).
        options: spring constant, tolerances, climbing switch, optimiser and budget
            (:class:`NEBOptions`; default ``NEBOptions()``).
        n_images: M, images including both end points (40).
        block: coordinates per particle (3 particles, 2 for a 2-D surface).
        masses: per coordinate (n,) or per particle (n/block,) masses in m; None = 1.
        box: periodic box lengths (block,) in sigma for minimum-image interpolation and
            displacements, or None.
        remove_mean: remove the mass-weighted mean of r_AB before interpolating; None = only
            when ``box`` is given.
        initial_images: (M, n) starting band instead of the linear interpolation (its end
            points replace A and B).
        legacy: the fields of :class:`NEBOptions` given as keywords (deprecated; they
            override ``options`` and warn).

    Returns:
        :class:`NEBResult`; ``converged`` is honest (re-checked on the returned band).
    """
    opts = options_with_legacy(NEBOptions, options, legacy, "pelkit.landscape.neb.neb")
    spring_constant, fmax, climb, climb_fmax = (opts.spring_constant, opts.fmax, opts.climb,
                                                opts.climb_fmax)
    max_iterations, method, initial_path = opts.max_iterations, opts.method, opts.initial_path
    lengths = check_box(box, block)
    if remove_mean is None:
        remove_mean = lengths is not None
    if initial_images is not None:
        images = np.array(initial_images, dtype=np.float64)
        if images.ndim != 2 or images.shape[0] < 3:
            raise InputError(f"initial_images must be (M, n) with M >= 3, got {images.shape}")
        if not np.all(np.isfinite(images)):
            raise InputError("initial_images contain NaN or infinite values")
        n_images = images.shape[0]
    else:
        a = np.asarray(x_a, dtype=np.float64).ravel()
        b = np.asarray(x_b, dtype=np.float64).ravel()
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise InputError("A and B must be finite")
        images = interpolate_band(
            a, b, n_images, box=lengths, block=block, masses=masses, remove_mean=remove_mean
        )
    history: dict[str, Any] = {"stages": [], "fallback": False}
    path_kind = "given" if initial_images is not None else initial_path
    if initial_images is None and initial_path == "idpp":
        from pelkit.landscape.idpp import idpp_band

        ip = idpp_band(images, box=lengths, block=block, masses=masses,
                       spring_constant=spring_constant)
        images = ip.images
        history["idpp"] = {"iterations": ip.iterations, "max_force": ip.max_force,
                           "converged": ip.converged}
    M, n = images.shape
    m = coordinate_masses(masses, n, block)
    sqrt_m = np.sqrt(m)

    energies = np.empty(M)
    gradients = np.empty((M, n))
    for k in (0, M - 1):
        energies[k], gradients[k] = _evaluate(energy_gradient, images[k])
    counter = {"evaluations": 2}
    state: dict[str, Any] = {"climbing": False, "index": None}

    def band(x: FloatArray) -> tuple[float, FloatArray]:
        images[1:-1] = x.reshape(M - 2, n)
        for k in range(1, M - 1):
            energies[k], gradients[k] = _evaluate(energy_gradient, images[k])
        counter["evaluations"] += M - 2
        index = 1 + int(np.argmax(energies[1:-1])) if state["climbing"] else None
        state["index"] = index
        forces, _ = neb_forces(
            images,
            energies,
            gradients,
            spring_constant=spring_constant,
            sqrt_m=sqrt_m,
            box=lengths,
            block=block,
            climbing_index=index,
        )
        return float(np.sum(energies[1:-1])), -forces.ravel()

    fire_masses = None if np.all(m == 1.0) else np.tile(m, M - 2)
    x = images[1:-1].ravel().copy()
    iterations = 0
    climb_iteration = None
    stages: list[tuple[bool, float]] = []
    if climb and climb_fmax > fmax:
        stages = [(False, float(climb_fmax)), (True, float(fmax))]
    else:
        stages = [(bool(climb), float(fmax))]
    stop_reason = "max_iterations"
    for climbing, tol in stages:
        budget = max_iterations - iterations
        if budget <= 0:
            break
        state["climbing"] = climbing
        if climbing and climb_iteration is None:
            climb_iteration = iterations
        res = None
        stalled = None  # (max force, band) where L-BFGS stalled
        if method == "lbfgs":
            res = band_lbfgs(band, x, fmax=tol, block=block, masses=fire_masses,
                             max_iterations=budget, memory=opts.lbfgs_memory,
                             max_step=opts.lbfgs_max_step)
            x = res.positions.copy()
            iterations += res.iterations
            history["stages"].append(_stage(climbing, tol, res))
            budget = max_iterations - iterations
            if not res.converged and res.stop_reason == "stuck" and budget > 0:
                history["fallback"] = True
                stalled = (res.max_force, x.copy())
                res = None
        if res is None:
            patience = None if stalled is None else opts.fallback_patience
            progress = None if patience is None else _ProgressCheck(patience, block)
            res = fire2(
                band,
                x,
                fmax=tol,
                block=block,
                masses=fire_masses,
                max_iterations=budget,
                dt=opts.dt,
                max_step=opts.max_step,
                callback=progress,
            )
            if res.stop_reason == "callback":  # no progress within the patience
                res.stop_reason = "stuck"
            x = res.positions.copy()
            if (progress is not None and progress.best_x is not None
                    and not res.converged and progress.best_force < res.max_force):
                # the best band FIRE 2.0 passed through (re-checked below)
                x, res.max_force = progress.best_x, progress.best_force
            iterations += res.iterations
            history["stages"].append(_stage(climbing, tol, res))
            if stalled is not None and not res.converged and res.max_force > stalled[0]:
                # FIRE 2.0 did not finish either and ended further from convergence: return
                # the band where L-BFGS stalled (its force is re-checked below)
                x = stalled[1]
                history["fallback_kept"] = "lbfgs"
        stop_reason = res.stop_reason
        if res.stop_reason not in ("converged", "max_iterations", "stuck"):
            break

    # honest final state: re-evaluate the returned band
    _, minus_f = band(x)
    forces = -minus_f.reshape(M - 2, n)
    max_force = max_block_norm(minus_f, block)
    image_forces = np.array([max_block_norm(f, block) for f in forces])
    _, tangents = neb_forces(
        images,
        energies,
        gradients,
        spring_constant=spring_constant,
        sqrt_m=sqrt_m,
        box=lengths,
        block=block,
        climbing_index=state["index"],
    )
    dv_dxi = np.einsum("ij,ij->i", gradients / sqrt_m, tangents)
    xi = arc_length(images, m, lengths, block)
    return NEBResult(
        images=images.copy(),
        energies=energies.copy(),
        gradients=gradients.copy(),
        tangents=tangents,
        forces=forces,
        xi=xi,
        dv_dxi=dv_dxi,
        converged=bool(max_force < fmax and (state["climbing"] or not climb)),
        max_force=max_force,
        iterations=iterations,
        evaluations=counter["evaluations"],
        climbing=bool(state["climbing"]),
        climbing_index=state["index"],
        climb_iteration=climb_iteration,
        stop_reason=stop_reason,
        n_images=M,
        spring_constant=float(spring_constant),
        fmax=float(fmax),
        climb_fmax=float(climb_fmax) if climb else None,
        block=block,
        masses=m,
        box=lengths,
        method=method,
        initial_path=path_kind,
        image_forces=image_forces,
        history=history,
    )
