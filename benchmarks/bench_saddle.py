"""Saddle searches on a KA glass and basin-hopping on LJ38 (issue 16).

Run:  .venv/bin/python benchmarks/bench_saddle.py [--n 1000] [--modes 3] [--bh-steps 50]

* KA (smooth cutoff, rho = 1.2) inherent structure of N particles. For each of the ``--modes``
  softest modes: hybrid eigenvector-following (HEF) from the minimum displaced 0.1 sigma along
  the mode, and the dimer from the same start; force calls (gradient calls + Hessian-vector
  products, each about one force evaluation) and wall time per converged transition state
  (max force 1e-6, exactly one negative eigenvalue). The NEB route to the same saddle: CI-NEB
  (10 images, climbing image on, max NEB force 1e-3) between the two minima the HEF saddle
  joins, then HEF refinement of the climbing image to 1e-6 (what ``pelkit connect`` does).
* LJ38 basin-hopping from a random cluster (T = 0.8, step 0.4 sigma, quench to 1e-6):
  steps per second. pele (``pele.basinhopping.BasinHopping`` with its C++ LJ and L-BFGS,
  ``pip install --target DIR pele`` gives a binary wheel) is timed on the same task when it
  imports (``--pele-path DIR``).

Timings are CPU time of this process (time.process_time, single thread), which a loaded
machine inflates less than wall time; compare ratios only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.landscape.basin_hopping import BasinHoppingOptions, basin_hopping, random_cluster  # noqa: E402
from pelkit.landscape.connect import minima_of_saddle  # noqa: E402
from pelkit.landscape.neb import NEBOptions, neb  # noqa: E402
from pelkit.landscape.quench import quench  # noqa: E402
from pelkit.landscape.saddle import SaddleOptions, dimer, hef, start_from_mode  # noqa: E402
from pelkit.landscape.surface import Surface  # noqa: E402
from pelkit.models import get_model  # noqa: E402


def ka_saddles(n: int, modes: int) -> list[dict]:
    model = get_model("ka-smooth")
    q = quench(model, kob_andersen_system(n, seed=1), method="lbfgs", fmax=1e-10)
    surf = Surface.from_calculator(Calculator(model, q.system))
    x_min = q.system.positions.reshape(-1)
    rows = []
    for k in range(1, modes + 1):
        x0, v0 = start_from_mode(surf, x_min, k, step=0.1)
        row: dict = {"mode": k}
        for name, run in (("hef", hef), ("dimer", dimer)):
            t0 = time.process_time()
            res = run(surf, x0, v0, fmax=1e-6, max_iterations=2000, max_energy_rise=5.0,
                      check_index=False)
            row[name + "_s"] = time.process_time() - t0
            row[name + "_calls"] = res.force_calls
            row[name + "_converged"] = res.converged
            row[name + "_energy"] = res.energy
            if name == "hef":
                ts = res
        # index check once (counts separately: it is the same for every method)
        t0 = time.process_time()
        n_neg, _ = surf.count_negative(ts.positions)
        row["index_check_s"] = time.process_time() - t0
        row["n_negative"] = n_neg
        if ts.converged and n_neg == 1:
            sides = minima_of_saddle(surf, ts.positions, ts.eigenvector, fmax=1e-8)
            if sides is not None:
                calls0 = surf.gradient_calls + surf.hvp_calls
                t0 = time.process_time()
                band = neb(surf.gradient, sides.minus.positions, sides.plus.positions,
                           n_images=10, box=surf.box,
                           options=NEBOptions(fmax=1e-3, max_iterations=20000))
                kci = band.saddle_index
                ref = hef(surf, band.images[kci], band.tangents[kci], fmax=1e-6,
                          max_iterations=500, options=SaddleOptions(check_index=False))
                row["neb_s"] = time.process_time() - t0
                row["neb_calls"] = surf.gradient_calls + surf.hvp_calls - calls0
                row["neb_band_calls"] = band.evaluations
                row["neb_converged"] = bool(band.converged and ref.converged)
                row["neb_same_saddle"] = abs(ref.energy - ts.energy) < 1e-6
        rows.append(row)
        print(row, flush=True)
    return rows


def lj38_bh(steps: int, pele_path: str | None) -> dict:
    model = get_model("lj-cluster")
    start = random_cluster(38, seed=5)
    basin_hopping(model, start, steps=2, seed=5)  # compile
    t0 = time.process_time()
    res = basin_hopping(model, start, steps=steps, temperature=0.8, seed=5,
                        options=BasinHoppingOptions(step_size=0.4, fmax=1e-6))
    out = {"pelkit_steps_per_s": steps / (time.process_time() - t0),
           "pelkit_lowest": res.lowest_energy,
           "pelkit_evals_per_step": res.quench_evaluations / max(steps, 1)}
    if pele_path:
        sys.path.insert(0, pele_path)
    try:
        from pele.basinhopping import BasinHopping
        from pele.optimize import lbfgs_cpp
        from pele.potentials import LJ
        from pele.takestep import RandomDisplacement
    except Exception as exc:  # noqa: BLE001
        out["pele"] = f"not available ({type(exc).__name__}: {exc})"
        return out
    pot = LJ()
    # pele's tol is on the RMS gradient; tol / sqrt(N) keeps max force below ~1e-6 as ours
    tol = 1e-6 / np.sqrt(38)

    def pele_quench(x):  # noqa: ANN001, ANN202
        return lbfgs_cpp(x, pot, tol=tol)

    bh = BasinHopping(start.positions.reshape(-1).copy(), pot,
                      RandomDisplacement(stepsize=0.4), temperature=0.8, quench=pele_quench)
    import logging

    logging.getLogger("pele").setLevel(logging.WARNING)
    t0 = time.process_time()
    bh.run(steps)
    out["pele_steps_per_s"] = steps / (time.process_time() - t0)
    out["pele_lowest"] = float(bh.markovE)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--modes", type=int, default=3)
    ap.add_argument("--bh-steps", type=int, default=50)
    ap.add_argument("--pele-path", default=None)
    args = ap.parse_args()
    rows = ka_saddles(args.n, args.modes)
    ok = [r for r in rows if r["hef_converged"] and r["n_negative"] == 1]
    if ok:
        hef_calls = np.mean([r["hef_calls"] for r in ok])
        hef_s = np.mean([r["hef_s"] for r in ok])
        print(f"KA N={args.n}: HEF {len(ok)}/{len(rows)} transition states, "
              f"{hef_calls:.0f} force calls and {hef_s:.2f} s per saddle "
              f"({1 / hef_s:.3f} searches/s)")
        dim = [r for r in ok if r["dimer_converged"]]
        if dim:
            print(f"  dimer: {np.mean([r['dimer_calls'] for r in dim]):.0f} force calls, "
                  f"{np.mean([r['dimer_s'] for r in dim]):.2f} s per saddle ({len(dim)} conv.)")
        nb = [r for r in ok if "neb_calls" in r]
        if nb:
            print(f"  NEB route: {np.mean([r['neb_calls'] for r in nb]):.0f} force calls, "
                  f"{np.mean([r['neb_s'] for r in nb]):.2f} s per saddle "
                  f"(band alone {np.mean([r['neb_band_calls'] for r in nb]):.0f})")
    print("LJ38 basin-hopping:", lj38_bh(args.bh_steps, args.pele_path))


if __name__ == "__main__":
    main()
