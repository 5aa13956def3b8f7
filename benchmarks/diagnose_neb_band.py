"""Why does one pair's band stall? Transverse curvature, image count and restarts of a study NEB.

Run:  .venv/bin/python benchmarks/diagnose_neb_band.py --from-run DIR --pair KEY
      [--images 8 12 16] [--out benchmarks/results_neb_diagnosis.md]

``DIR`` is a tls-qlm run folder (config.toml and glass task files, e.g. from ``pelkit study
run tls-qlm --preset laptop --out DIR``) and ``KEY`` one of its pair tasks (for example
``tf0.1300_g002_p0005``). The pair is connected exactly as the study's pair phase does it
(:func:`pelkit.studies.tls_qlm.tasks.pair_paths`: orientation coin flip, band size, splitting).
For every NEB run (segment) of the pair:

1. the band as returned: per interior image the energy above A, the largest per-particle NEB
   force and the lowest transverse curvature kappa of the mass-weighted Hessian with the
   tangent and the rigid translations left out
   (:func:`pelkit.landscape.band_curvature.transverse_curvatures`; kappa < 0: the band runs
   along a ridge there);
2. the same segment relaxed again from the straight line with fewer images (``--images``),
   same settings otherwise: converged, iterations, force calls, barrier;
3. L-BFGS restarted from the returned band (climbing image on): iterations to converge.

Output: a markdown report on stdout and in ``--out``. One BLAS thread, one process.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_neb import study_pairs  # noqa: E402

from pelkit.blas_threads import limit_blas_threads  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.landscape.band_curvature import transverse_curvatures  # noqa: E402
from pelkit.landscape.neb import neb  # noqa: E402
from pelkit.landscape.paths import BandEnergy, neb_in_box  # noqa: E402
from pelkit.landscape.surface import rigid_body_modes  # noqa: E402
from pelkit.models import get_model  # noqa: E402
from pelkit.studies.tls_qlm.paths import neb_settings  # noqa: E402
from pelkit.studies.tls_qlm.tasks import pair_paths  # noqa: E402


def stages(res) -> str:  # noqa: ANN001
    return "; ".join(f"{s['method']} {s['iterations']} ({s['stop_reason']}, "
                     f"{s['max_force']:.1e})" for s in res.history["stages"])


def diagnose_segment(model, system, seg, settings, images: list[int]) -> list[str]:  # noqa: ANN001
    res = seg.result
    calc = Calculator(model, system, check_overlap=False)
    kappa = transverse_curvatures(
        res, lambda x: calc.hessian(x.reshape(-1, 3)),
        zero_modes=lambda x: rigid_body_modes(x, masses=system.masses))[:, 0]
    e0 = res.energies[0]
    lines = [
        f"### Segment {seg.a} -> {seg.b} ({seg.status}): {res.n_images} images, converged "
        f"{res.converged}, max force {res.max_force:.2e}, {res.iterations} iterations, "
        f"{res.evaluations} force calls, climbing image {res.climbing_index}",
        "", f"Stages: {stages(res)}", "",
        "| image | E - E_A (eps) | max NEB force | lowest transverse curvature kappa |",
        "|---|---|---|---|",
    ]
    for i in range(1, res.n_images - 1):
        lines.append(f"| {i} | {res.energies[i] - e0:.6g} | {res.image_forces[i - 1]:.2e} | "
                     f"{kappa[i - 1]:.3f} |")
    lines.append(f"| B ({res.n_images - 1}) | {res.energies[-1] - e0:.6g} | | |")
    n_ridge = int(np.sum(kappa < 0.0))
    lines += ["", f"Images on a ridge (kappa < 0): {n_ridge} of {res.n_images - 2}.", ""]
    x_a, x_b = res.images[0], res.images[-1]
    lines += ["Relaxed again from the straight line (same settings, other band sizes):", "",
              "| images | converged | max force | iterations | force calls | CPU (s) | "
              "barrier from A (eps) | stages |", "|---|---|---|---|---|---|---|---|"]
    for m in [*images, res.n_images]:
        s = settings.replace(n_images=m)
        c0 = time.process_time()
        r = neb_in_box(BandEnergy(model, system, m + 2), x_a, x_b, system, s)
        cpu = time.process_time() - c0
        barrier = r.energies[r.saddle_index] - r.energies[0]
        lines.append(f"| {m} | {r.converged} | {r.max_force:.2e} | {r.iterations} | "
                     f"{r.evaluations} | {cpu:.1f} | {barrier:.10f} | {stages(r)} |")
    s = settings.replace(climb_fmax=settings.fmax)  # climbing from the start
    r = neb(BandEnergy(model, system, res.n_images + 2), x_a, x_b, options=s,
            n_images=res.n_images, block=3, masses=system.masses, box=system.box.lengths,
            initial_images=res.images)
    lines += ["", f"L-BFGS restarted from the returned band (climbing on): converged "
              f"{r.converged}, max force {r.max_force:.2e}, {r.iterations} iterations, "
              f"{r.evaluations} force calls; stages: {stages(r)}", ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-run", type=Path, required=True)
    parser.add_argument("--pair", required=True, help="pair task key, e.g. tf0.1300_g002_p0005")
    parser.add_argument("--images", type=int, nargs="+", default=[8, 12, 16])
    parser.add_argument("--out", type=Path, default=HERE / "results_neb_diagnosis.md")
    args = parser.parse_args()
    cfg, tasks = study_pairs(args.from_run, None)
    chosen = [t for t in tasks if t.key == args.pair]
    if not chosen:
        raise SystemExit(f"diagnose_neb_band: no pair {args.pair!r} in {args.from_run}")
    kw = chosen[0].kwargs
    model = get_model(cfg.model)
    load0 = os.getloadavg()[0]
    c0 = time.process_time()
    with limit_blas_threads(1):
        system, paths, flipped = pair_paths(cfg, model, kw["x_a"], kw["e_a"], kw["x_b"],
                                            kw["e_b"], kw["diameters"], kw["box"], kw["seed"])
        cpu = time.process_time() - c0
        lines = [
            f"# NEB band diagnosis: pair {args.pair} of `{args.from_run}`", "",
            f"N = {cfg.n_particles}, {cfg.neb.n_images} images, fmax {cfg.neb.fmax:g}, "
            f"climbing from {cfg.neb.climb_fmax:g}, spring constant {cfg.neb.spring_constant:g}, "
            f"method {cfg.neb.method}, iteration limit {cfg.neb.max_iterations}; pair flipped: "
            f"{flipped}. The study's NEB step took {cpu:.1f} CPU-s and "
            f"{sum(s.result.evaluations for s in paths.segments)} force calls "
            f"({len(paths.segments)} NEB runs). Load average {load0:.1f} at the start.", "",
        ]
        settings = neb_settings(cfg.neb)
        for seg in paths.segments:
            lines += diagnose_segment(model, system, seg, settings, args.images)
    lines.append(f"Load average at the end: {os.getloadavg()[0]:.1f}.")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
