# ruff: noqa: E501 - notebook cell texts keep their own line lengths
"""Writes the example notebooks under examples/notebooks/ (without outputs) from the cell texts
below; edit here and run ``python tools/make_notebooks.py``, or edit the notebooks in Jupyter and
clear their outputs."""

import json
from pathlib import Path


def nb(cells):
    out = []
    for kind, text in cells:
        text = text.strip("\n")
        cell = {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        out.append(cell)
    return {"cells": out, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}, "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}

SMALL = '''import os
SMALL = os.environ.get("PELKIT_NOTEBOOK_SMALL") == "1"  # the test suite runs small sizes'''

a = [
("markdown", """# From a Kob-Andersen configuration to inherent structures, modes and participation

A Kob-Andersen 80:20 Lennard-Jones mixture (Kob and Andersen, Phys. Rev. E 51, 4626 (1995)) is
melted, run at a moderate temperature, and quenched to its inherent structure (Stillinger and
Weber, Phys. Rev. A 25, 978 (1982)). The Hessian of the minimum gives the normal modes and their
participation ratios; the lowest modes of small glasses are often quasi-localized."""),
("code", SMALL + '''
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import MDSimulation
from pelkit.engine.calculator import Calculator
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.normal import all_modes

model = get_model("ka")
n_steps = 400 if SMALL else 20_000'''),
("code", '''system = kob_andersen_system(155, seed=1)
sim = MDSimulation(model, system, temperature=0.8, seed=3)
run = sim.run(n_steps)
print(f"T = {run.mean_temperature:.3f}, U/N = {run.mean_potential_energy_per_particle:.4f}")'''),
("code", '''q = quench(model, sim.snapshot(), method="lbfgs", fmax=1e-10)
print("e_IS =", q.energy_per_particle, "converged:", q.minimize.converged, "max force", q.minimize.max_force)
assert q.minimize.converged'''),
("code", '''modes = all_modes(Calculator(model, q.system).hessian(), q.system.masses)
omega = modes.frequencies
pr = modes.participation_ratio
print("lowest frequencies:", np.round(omega[:5], 4))
print("their participation ratios:", np.round(pr[:5], 3))
assert np.all(omega > 0)  # a minimum: no imaginary frequency once translations are removed'''),
("code", '''fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogy(omega, pr, ".", ms=3)
ax.set_xlabel(r"$\\omega$ ($\\tau^{-1}$)")
ax.set_ylabel("participation ratio")
fig.tight_layout()
fig.savefig("ka_participation.png", dpi=80)'''),
]

b = [
("markdown", """# A small seed-004 analysis on a smoke run

The `ka-landscape` study (local diffusivity against inherent-structure energy in the Kob-Andersen
mixture) runs MD at a few temperatures, quenches frames along the trajectories and fits the
Gaussian landscape. Here it runs at the `smoke` preset, reduced further in the test suite, and
its summary is read back. With so few samples the numbers only show the mechanics, not the
physics; `make run` (laptop preset) gives those."""),
("code", SMALL + '''
import json
from pathlib import Path

from pelkit.studies.ka_landscape.analysis import analyze
from pelkit.studies.ka_landscape.config import load_config
from pelkit.studies.ka_landscape.runner import run_study

overrides = dict(temperatures=[1.6, 2.0], n_replicas=1, bootstrap=0, inm_snapshots=0,
                 eq_min_time=1.0, melt_time=0.5, low_t_max=2.0) if SMALL else {}
cfg = load_config("smoke", **overrides)
out = Path("smoke-run")
run_study(cfg, out, scheduler="sync")  # phase A (equilibration) and B (production, quenches)
# Gaussian landscape fits, D(e_IS); figures and report only for the full smoke run (with one
# replica the log-scaled figure axes can be empty)
summary = analyze(out, cfg, outputs=not SMALL)
print(sorted(p.name for p in out.iterdir()))'''),
("code", '''print(json.dumps(summary, indent=1, default=str)[:1500])
figures = sorted((out / "figures").glob("*.png")) if (out / "figures").is_dir() else []
print([f.name for f in figures])'''),
]

c = [
("markdown", """# A double well and its tunnel splitting

A symmetric quartic double well V(x) = V_b (1 - (x/a)^2)^2 has two minima at x = +-a and a
barrier V_b. Quantum mechanically its two lowest levels split by E_t, which falls off
exponentially with the WKB action of the barrier (Landau and Lifshitz, Quantum Mechanics, sec. 50).
pelkit solves the 1-D Schroedinger equation on grids halved until E_t converges (the same solver
`pelkit tunnel` applies to NEB paths); here its answers are checked against one very fine grid,
and against the trend that a larger hbar~ (less action under the barrier) splits the levels
more."""),
("code", SMALL + '''
import numpy as np

from pelkit.landscape.tunneling import converged_levels, grid_levels

v_b, a = 1.0, 1.0
def potential(x):
    return v_b * (1.0 - (x / a) ** 2) ** 2

hbars = [0.15, 0.2, 0.3] if SMALL else np.linspace(0.15, 0.4, 11)
splittings = []
for hbar in hbars:
    res = converged_levels(potential, -3.0, 3.0, hbar, h0=0.05, n_levels=4, rtol=1e-4)
    assert res.converged
    splittings.append(res.levels[1] - res.levels[0])
    print(f"hbar~ = {hbar:.3f}: E0 = {res.levels[0]:.6f}, E_t = {splittings[-1]:.3e}, converged {res.converged}")'''),
("code", '''# independent check: a single very fine grid gives the same splitting
fine, h = grid_levels(potential, -3.0, 3.0, hbars[0], 20_000, 2)
print("fine grid E_t:", fine[1] - fine[0], "converged solver:", splittings[0])
assert abs((fine[1] - fine[0]) - splittings[0]) < 1e-3 * splittings[0]
# the splitting grows with hbar~ (less action under the barrier)
assert np.all(np.diff(splittings) > 0)'''),
]

d = [
("markdown", """# Stillinger's hypercube and the soft-potential model

Two analytical landscape models. Stillinger's hypercube (F. H. Stillinger, J. Chem. Phys. 88,
7818 (1988)) has liquid and crystal branches of the free energy; pelkit follows both and finds
where they cross (melting). The soft-potential model (Buchenau, Galperin, Gurevich, Parshin and
Schober, Phys. Rev. B 46, 2798 (1992)) describes soft quasi-localized vibrations; its stability
condition gives curves eps_k / eps_m against eta_k."""),
("code", SMALL + '''
import numpy as np

from pelkit.theory import hypercube, soft_potential

onset = hypercube.crystal_onset()
melt = hypercube.melting_point()
print("crystal branch born at beta_s =", onset)
print("melting:", melt)'''),
("code", '''table = hypercube.branch_table(n=40 if SMALL else 400)
print(sorted(table)[:8])'''),
("code", '''curve = soft_potential.stability_curve(3.0, n_points=41 if SMALL else 241)
print(type(curve).__name__)'''),
]

folder = Path(__file__).resolve().parents[1] / "examples" / "notebooks"
for name, cells in [("01_ka_inherent_structures_modes.ipynb", a), ("02_seed004_smoke_analysis.ipynb", b),
                    ("03_double_well_tunnel_splitting.ipynb", c), ("04_hypercube_soft_potential.ipynb", d)]:
    (folder / name).write_text(json.dumps(nb(cells), indent=1) + "\n")
