"""A band along a ridge in 2-D: how the NEB optimisers fare against the band size.

Run:  .venv/bin/python benchmarks/bench_neb_ridge.py [--images 8 16 32 64] [--out FILE]

The surface (x, y in sigma, V in epsilon) is

    V(x, y) = 16 h x^2 (1 - x)^2 + c(x) y^2 / 2 + y^4 / 4,
    c(x) = 1 - a [exp(-((x - 0.25) / 0.1)^2) + exp(-((x - 0.75) / 0.1)^2)],

with h = 1: minima A = (0, 0) and B = (1, 0), saddle (0.5, 0), and, for a = 2.5, transverse
curvature c < 0 on two stretches of the straight path, between each minimum and the saddle. The
minimum energy path is the line y = 0 by symmetry, so it follows a ridge there, as the path of
the stalling tls-qlm laptop pair does (`diagnose_neb_band.py`). The surface with a = 0 (a valley
everywhere) is the control.

Each band starts on the line with a small bump y = 1e-3 sin(pi s) and is relaxed by CI-NEB to a
max force of 1e-8 (20000 iterations at most), with the global L-BFGS (FIRE 2.0 fallback) and with
FIRE 2.0 alone. The table gives iterations, whether L-BFGS fell back, and the final max force,
with the lowest transverse curvature along the band
(:func:`pelkit.landscape.band_curvature.transverse_curvatures`).
Output: markdown on stdout and in ``--out`` (default ``benchmarks/results_neb_ridge.md``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pelkit.landscape.band_curvature import transverse_curvatures
from pelkit.landscape.neb import NEBOptions, neb

HERE = Path(__file__).resolve().parent


def surface(a_ridge: float, h: float = 1.0):  # noqa: ANN201
    """(energy_gradient, hessian) of the ridge surface (module docstring)."""

    def c(x: float) -> tuple[float, float, float]:
        e1, e2 = np.exp(-((x - 0.25) / 0.1) ** 2), np.exp(-((x - 0.75) / 0.1) ** 2)
        d1, d2 = -2 * (x - 0.25) / 0.01, -2 * (x - 0.75) / 0.01
        value = 1.0 - a_ridge * (e1 + e2)
        first = -a_ridge * (e1 * d1 + e2 * d2)
        second = -a_ridge * (e1 * (d1 * d1 - 2 / 0.01) + e2 * (d2 * d2 - 2 / 0.01))
        return value, first, second

    def energy_gradient(p: np.ndarray) -> tuple[float, np.ndarray]:
        x, y = p
        cv, c1, _ = c(x)
        u = 16 * h * x**2 * (1 - x) ** 2
        du = 16 * h * (2 * x * (1 - x) ** 2 - 2 * x**2 * (1 - x))
        return (float(u + 0.5 * cv * y**2 + 0.25 * y**4),
                np.array([du + 0.5 * c1 * y**2, cv * y + y**3]))

    def hessian(p: np.ndarray) -> np.ndarray:
        x, y = p
        cv, c1, c2 = c(x)
        d2u = 16 * h * (2 * (1 - x) ** 2 - 8 * x * (1 - x) + 2 * x**2)
        return np.array([[d2u + 0.5 * c2 * y**2, c1 * y], [c1 * y, cv + 3 * y**2]])

    return energy_gradient, hessian


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--out", type=Path, default=HERE / "results_neb_ridge.md")
    args = parser.parse_args()
    lines = ["# CI-NEB along a 2-D ridge (`bench_neb_ridge.py`)", "",
             "| surface | images | method | iterations | L-BFGS fell back | converged | "
             "max force | lowest transverse curvature | CPU (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, a_ridge in (("ridge (a = 2.5)", 2.5), ("valley (a = 0)", 0.0)):
        energy_gradient, hessian = surface(a_ridge)
        for m in args.images:
            s = np.linspace(0.0, 1.0, m)
            start = np.stack([s, 1e-3 * np.sin(np.pi * s)], axis=1)
            for method in ("lbfgs", "fire2"):
                c0 = time.process_time()
                res = neb(energy_gradient, start[0], start[-1], initial_images=start, block=2,
                          options=NEBOptions(fmax=1e-8, max_iterations=20000, method=method))
                cpu = time.process_time() - c0
                kappa = transverse_curvatures(res, hessian).min()
                lines.append(f"| {label} | {m} | {method} | {res.iterations} | "
                             f"{res.history['fallback'] if method == 'lbfgs' else '-'} | "
                             f"{res.converged} | {res.max_force:.1e} | {kappa:.2f} | {cpu:.1f} |")
                print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
