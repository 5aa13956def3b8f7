"""Global L-BFGS on a nudged elastic band (the band as one objective), with a trust radius.

The NEB force F (perpendicular true force + tangential spring force, or the climbing force) is
not the gradient of any function, so no line search on an energy is possible. Following the
global quasi-Newton scheme that Sheppard, Terrell & Henkelman (J. Chem. Phys. 128, 134106
(2008)) found fastest for NEB, the band's interior images are stacked into one vector and

    g_k = -F(x_k),  s_k = x_{k+1} - x_k,  y_k = g_{k+1} - g_k,
    d_k = -H_k g_k  (two-loop recursion, Nocedal, Math. Comp. 35, 773 (1980); memory ``memory``,
                     initial scaling gamma_k = s.y / y.y of the newest pair),
    x_{k+1} = x_k + lambda d_k,  lambda = min(1, max_step / max_i |d_k,i|)

with the largest per-particle displacement capped at the trust radius. With no energy to test a
step against, the work of the force along it, W = (F_k + F_{k+1}) . s_k / 2 (trapezoid rule, the
energy decrease it implies), can decide (``reject_uphill``): a step with W < 0 went uphill (it
overshot across a curved valley) and is rejected, the trust radius halved and the memory cleared;
a full-length accepted step doubles the trust radius again, up to ``max_step``. After a reset the
step is the force times the last curvature scale gamma. Pairs
with s.y <= 0 (negative curvature along the step, as near the climbing image) are not stored;
if d_k is not a descent direction (d_k . F_k <= 0) the memory is cleared and the step is the
force times ``initial_step``. The quasi-Newton model lives in the mass-weighted metric
q = M^{1/2} x (Cartesian for unit masses), where the NEB forces are defined.

There is no energy to decrease, so progress is judged on the largest per-particle force: the
best point is kept and the run stops as "stuck" when the best force has not improved for
``stall_iterations`` iterations (the caller then falls back to FIRE 2.0 from the best point).
``converged`` is re-checked on the returned point.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import NDArray

from pelkit.errors import InputError
from pelkit.landscape.objective import MinimizeResult, Objective, max_block_norm

FloatArray = NDArray[np.float64]


def two_loop(g: FloatArray, pairs: deque[tuple[FloatArray, FloatArray, float]],
             gamma: float) -> FloatArray:
    """-H g by the L-BFGS two-loop recursion.

    Args:
        g: (n,) gradient (here minus the NEB force, mass-weighted).
        pairs: (s, y, 1 / (y.s)) oldest first.
        gamma: initial inverse-Hessian scale H_0 = gamma I.
    """
    q = g.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        alphas.append(a)
        q -= a * y
    r = gamma * q
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        b = rho * float(y @ r)
        r += (a - b) * s
    return -r


def band_lbfgs(
    objective: Objective,
    x0: FloatArray,
    *,
    fmax: float,
    block: int = 3,
    masses: FloatArray | None = None,
    max_iterations: int = 10_000,
    memory: int = 20,
    max_step: float = 0.05,
    initial_step: float = 0.01,
    stall_iterations: int = 300,
    min_step: float = 1e-6,
    reject_uphill: bool = False,
) -> MinimizeResult:
    """Relax a band (or any force field given as minus a "gradient") by global L-BFGS.

    Args:
        objective: x (n,) -> (energy, -F (n,)); only the force is used. For a band x stacks
            the interior images, and -F is minus the Cartesian NEB force, epsilon / sigma.
        x0: (n,) start in sigma (not modified).
        fmax: tolerance on the largest per-particle force (per ``block`` coordinates).
        block: coordinates per particle.
        masses: (n,) per-coordinate masses (m) or None for 1; the metric is q = M^{1/2} x.
        max_iterations: force evaluations allowed (one per iteration).
        memory: stored (s, y) pairs.
        max_step: largest per-particle displacement of one step, sigma (trust radius).
        initial_step: H_0 = initial_step (sigma^2 m / epsilon) before any pair is stored and
            after a reset.
        stall_iterations: stop as "stuck" when the best max force has not fallen for this many
            iterations.
        min_step: smallest trust radius (sigma); steps are no longer rejected below it.
        reject_uphill: reject steps with W < 0 (off by default: on Khomenko, Reichman and Zamponi
        (2021) glass bands the
            climbing image makes W a poor guide and rejections doubled the iterations).

    Returns:
        :class:`MinimizeResult` at the best point seen (method "band-lbfgs"); ``history``
        holds "resets" (memory clears) and "skipped" (pairs with s.y <= 0).
    """
    if not (np.isfinite(fmax) and fmax > 0.0):
        raise InputError(f"fmax must be positive, got {fmax}")
    if not (max_step > 0.0 and initial_step > 0.0 and memory >= 1):
        raise InputError("max_step and initial_step must be positive and memory >= 1")
    x = np.array(x0, dtype=np.float64).ravel()
    n = x.size
    sqrt_m = np.ones(n) if masses is None else np.sqrt(np.asarray(masses, dtype=np.float64))
    if sqrt_m.shape != (n,):
        raise InputError(f"masses must have {n} entries, got {sqrt_m.size}")
    pairs: deque[tuple[FloatArray, FloatArray, float]] = deque(maxlen=int(memory))
    energy, minus_f = objective(x)
    minus_f = np.asarray(minus_f, dtype=np.float64)
    evaluations = 1
    fnorm = max_block_norm(minus_f, block)
    best = (fnorm, x.copy(), float(energy), minus_f.copy())
    since_best = 0
    resets = skipped = 0
    iterations = 0
    stop = "converged" if fnorm < fmax else "max_iterations"
    g = minus_f / sqrt_m  # mass-weighted gradient
    gamma = initial_step
    trust = float(max_step)
    rejected = 0
    while fnorm >= fmax and iterations < max_iterations:
        d = two_loop(g, pairs, gamma) if pairs else -gamma * g
        if float(d @ g) >= 0.0:  # not downhill along the NEB force: start the model again
            pairs.clear()
            resets += 1
            d = -gamma * g
        dx = d / sqrt_m
        step_max = max_block_norm(dx, block)
        if step_max > trust:
            dx *= trust / step_max
        x_new = x + dx
        energy, minus_f = objective(x_new)
        minus_f = np.asarray(minus_f, dtype=np.float64)
        evaluations += 1
        iterations += 1
        if not np.all(np.isfinite(minus_f)):
            stop = "non_finite"
            break
        g_new = minus_f / sqrt_m
        s, y = dx * sqrt_m, g_new - g
        # work of the force along the step (trapezoid): the energy decrease it implies
        work = -0.5 * float(s @ (g + g_new))
        if reject_uphill and work < 0.0 and trust > min_step:
            # the step went uphill (overshoot across a curved valley): reject it, shrink the
            # trust radius and rebuild the model
            rejected += 1
            trust = max(0.5 * trust, min_step)
            pairs.clear()
            resets += 1
            since_best += 1
            if since_best >= stall_iterations:
                stop = "stuck"
                break
            continue
        if step_max >= trust and trust < max_step:
            trust = min(2.0 * trust, max_step)
        sy = float(s @ y)
        if sy > 0.0:
            pairs.append((s, y, 1.0 / sy))
            gamma = sy / float(y @ y)
        else:
            skipped += 1
        x, g = x_new, g_new
        fnorm = max_block_norm(minus_f, block)
        if fnorm < best[0]:
            best = (fnorm, x.copy(), float(energy), minus_f.copy())
            since_best = 0
        else:
            since_best += 1
        if fnorm < fmax:
            stop = "converged"
            break
        if since_best >= stall_iterations:
            stop = "stuck"
            break
    fbest, xbest, ebest, _ = best
    return MinimizeResult(
        positions=xbest,
        energy=ebest,
        max_force=fbest,
        iterations=iterations,
        evaluations=evaluations,
        converged=bool(fbest < fmax),
        stop_reason="converged" if fbest < fmax else stop,
        method="band-lbfgs",
        fmax=float(fmax),
        history={"resets": resets, "skipped": skipped, "rejected": rejected,
                 "trust_radius": trust},
    )
