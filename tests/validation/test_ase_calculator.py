"""PelkitCalculator against pelkit itself, ASE's own Lennard-Jones calculator, finite strains,
ASE's finite-difference vibrations, ASE's optimisers and ASE's NEB.

Cutoff handling in the comparison with ``ase.calculators.lj.LennardJones``: ASE's calculator
with ``smooth=False`` truncates at ``rc`` and shifts each pair energy by phi(rc) (forces are
not shifted), which is pelkit's ``shift`` scheme. ASE's calculator knows one species only, so
the comparison uses KA with every particle of species A (eps = sigma = 1, cutoff 2.5 sigma).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pelkit.build import kob_andersen_system, swap_system
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.system import Box, System

ase = pytest.importorskip(
    "ase", reason="ASE is not installed (pip install 'pelkit[ase]', also in the validation extra)"
)
from ase.calculators.lj import LennardJones  # noqa: E402

from pelkit.interop.ase import PelkitCalculator, from_ase, to_ase  # noqa: E402

pytestmark = pytest.mark.validation


@pytest.fixture(scope="module")
def ka():
    return get_model("ka")


@pytest.fixture(scope="module")
def hot(ka):
    """A KA configuration (N = 155) off its minimum: relaxed random packing plus noise."""
    system = kob_andersen_system(155, seed=11)
    rng = np.random.default_rng(0)
    return system.with_positions(system.positions + rng.normal(0.0, 0.03, system.positions.shape))


def voigt(tensor: np.ndarray) -> np.ndarray:
    return np.array([tensor[0, 0], tensor[1, 1], tensor[2, 2], tensor[1, 2], tensor[0, 2],
                     tensor[0, 1]])


def test_calculator_equals_pelkit(ka, hot):
    atoms = to_ase(hot)
    atoms.calc = PelkitCalculator(ka)
    calc = Calculator(ka, hot)
    ev = calc.evaluate()
    assert atoms.get_potential_energy() == ev.energy
    assert atoms.get_forces().tobytes() == ev.forces.tobytes()
    assert np.isclose(atoms.get_potential_energies().sum(), ev.energy, rtol=1e-13)
    stress = atoms.get_stress()
    # -trace/3 is the virial pressure W/V of pelkit's scalar virial
    assert np.isclose(-stress[:3].sum() / 3.0, calc.pressure(), rtol=1e-12)


def test_stress_is_the_strain_derivative(ka, hot):
    """sigma_ab = (1/V) dU/d eps_ab by central differences of a homogeneous strain."""
    atoms = to_ase(hot)
    atoms.calc = PelkitCalculator(ka)
    stress = atoms.get_stress(voigt=False)
    volume = atoms.get_volume()
    h = 1e-6
    fd = np.zeros((3, 3))
    for a, b in [(0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (0, 2)]:
        values = []
        for sign in (1.0, -1.0):
            strain = np.eye(3)
            strain[a, b] += sign * h / (1 if a == b else 2)
            strain[b, a] += 0.0 if a == b else sign * h / 2
            pos = hot.unwrapped_positions() @ strain.T
            cell = np.diag(hot.box.lengths) @ strain.T
            # orthorhombic cells only: shear by moving positions in a box that stays the same
            # is not a strain, so evaluate the sheared configuration with an all-pairs energy
            values.append(_all_pairs_energy(ka, hot, pos, cell))
        fd[a, b] = fd[b, a] = (values[0] - values[1]) / (2 * h) / volume
    np.testing.assert_allclose(stress, fd, atol=1e-6 * np.abs(fd).max())


def _all_pairs_energy(model, system: System, pos: np.ndarray, cell: np.ndarray) -> float:
    """Naive U of a (possibly sheared) periodic cell: every pair, minimum image in fractional
    coordinates (valid: the cutoff is below half of every cell height here)."""
    inv = np.linalg.inv(cell)
    frac = pos @ inv
    d = frac[:, None, :] - frac[None, :, :]
    d -= np.round(d)
    r = np.linalg.norm(d @ cell, axis=-1)
    i, j = np.triu_indices(system.n_particles, 1)
    eps = model.epsilon[system.species[i], system.species[j]]
    sig = model.sigma[system.species[i], system.species[j]]
    return float(np.sum(model.phi(r[i, j], eps, sig)))


def test_matches_ase_lennard_jones():
    """One-component LJ (rc = 2.5, energies shifted): pelkit's ``lj`` vs ASE's LennardJones."""
    base = kob_andersen_system(155, seed=12)
    scale = (1.2 / 0.95) ** (1.0 / 3.0)  # density 0.95 so that no AA pair overlaps
    system = System(base.positions * scale, Box(base.box.lengths * scale),
                    species=np.zeros(155, dtype=np.int64))
    atoms = to_ase(system)
    reference = atoms.copy()
    atoms.calc = PelkitCalculator(get_model("lj"))
    reference.calc = LennardJones(sigma=1.0, epsilon=1.0, rc=2.5, smooth=False)
    e_ref = reference.get_potential_energy()
    assert np.isclose(atoms.get_potential_energy(), e_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(atoms.get_forces(), reference.get_forces(), rtol=0, atol=1e-11)
    np.testing.assert_allclose(atoms.get_stress(), reference.get_stress(), rtol=0, atol=1e-12)


def test_hessian_matches_ase_finite_differences(ka, tmp_path, monkeypatch):
    """ASE's Vibrations (central differences of forces) against the analytic Hessian. With a
    smooth cutoff (ka-smooth): the truncated-shifted KA has a force jump at the cutoff, which
    a finite difference straddling it turns into a spike."""
    from ase.vibrations import Vibrations

    monkeypatch.chdir(tmp_path)
    smooth = get_model("ka-smooth")
    system = quench(smooth, kob_andersen_system(155, seed=13), method="lbfgs", fmax=1e-10).system
    atoms = to_ase(system)
    calc = PelkitCalculator(smooth)
    atoms.calc = calc
    indices = [0, 17, 60, 130, 154]  # A and B particles; ASE's rows for them only (fast)
    vib = Vibrations(atoms, indices=indices, delta=1e-4, nfree=2, name=str(tmp_path / "vib"))
    vib.run()
    fd = vib.get_vibrations().get_hessian_2d()
    exact = calc.get_hessian(atoms)
    rows = np.ravel([[3 * i, 3 * i + 1, 3 * i + 2] for i in indices])
    np.testing.assert_allclose(fd, exact[np.ix_(rows, rows)], rtol=0,
                               atol=2e-5 * np.abs(exact).max())
    data = calc.get_vibrations(atoms)
    assert np.array_equal(data.get_hessian_2d(), exact)


@pytest.mark.parametrize("optimizer", ["FIRE", "BFGS"])
def test_ase_optimizers_reach_pelkit_minima(optimizer):
    """ASE's optimiser with PelkitCalculator stops at max force 1e-5 (swap glass, N = 80);
    pelkit's quench from there (to 1e-10) stays in the same minimum: same energy, particles
    hardly move, and the Hessian there has no negative eigenvalue."""
    import ase.optimize

    model = get_model("swap")
    start = swap_system(80, seed=11)
    rng = np.random.default_rng(0)
    start = start.with_positions(start.positions + rng.normal(0.0, 0.03, start.positions.shape))
    atoms = to_ase(start)
    atoms.calc = PelkitCalculator(model)
    # ASE's default maximum step (0.2) is meant for Angstrom; 0.05 sigma keeps BFGS's first
    # steps from pushing particles into each other
    opt = getattr(ase.optimize, optimizer)(atoms, logfile=None, maxstep=0.05)
    assert opt.run(fmax=1e-5, steps=20_000)
    found = from_ase(atoms)
    confirmed = quench(model, found, method="lbfgs", fmax=1e-10)
    assert confirmed.minimize.converged
    assert abs(confirmed.minimize.energy - atoms.get_potential_energy()) < 1e-8
    moved = np.abs(confirmed.system.unwrapped_positions() - found.unwrapped_positions()).max()
    assert moved < 1e-3
    eig = np.linalg.eigvalsh(Calculator(model, confirmed.system).hessian())
    assert eig[3] > 1e-6 and abs(eig[:3]).max() < 1e-8


def test_ase_neb_finds_pelkit_barrier(tmp_path):
    """ASE's climbing-image NEB with PelkitCalculator against `pelkit neb` on the same pair of
    neighbouring minima of a small swap glass (N = 80), both with 5 images, k = 1 and a
    climbing image; ASE stops at NEB force 1e-4 (barrier error ~ force^2), pelkit at 1e-6."""
    from ase.mep import NEB
    from ase.optimize import LBFGS
    from typer.testing import CliRunner

    from pelkit.cli.app import app
    from pelkit.io.formats import write_system

    model = get_model("swap")
    a, b = _neighbouring_minima(model)
    write_system(tmp_path / "a.xyz", a)
    write_system(tmp_path / "b.xyz", b)
    r = CliRunner().invoke(app, ["neb", str(tmp_path / "a.xyz"), str(tmp_path / "b.xyz"),
                                 "--model", "swap", "--images", "5", "--json"])
    assert r.exit_code == 0, r.output
    ours = json.loads(r.stdout)
    assert ours["converged"]

    start, end = to_ase(a), to_ase(b)
    end.positions = a.positions + a.box.minimum_image(b.positions - a.positions)
    images = [start] + [start.copy() for _ in range(3)] + [end]
    for image in images:
        image.calc = PelkitCalculator(model)
    band = NEB(images, k=1.0, climb=True, method="improvedtangent")
    band.interpolate()
    # ASE's L-BFGS on the band (its FIRE needs 4x the steps for the same answer)
    assert LBFGS(band, logfile=None, maxstep=0.05).run(fmax=1e-4, steps=5_000)
    energies = np.array([image.get_potential_energy() for image in images])
    barrier = energies.max() - min(energies[0], energies[-1])
    assert np.isclose(barrier, ours["barrier"], rtol=1e-5, atol=1e-8)


def _neighbouring_minima(model):
    """Two minima of an N = 80 swap glass: a quenched liquid, and the minimum found by pushing
    it along its softest mode (either way) and quenching again (deterministic)."""
    from pelkit.modes.normal import all_modes

    qa = quench(model, swap_system(80, seed=3), method="lbfgs", fmax=1e-10)
    a = qa.system
    modes = all_modes(Calculator(model, a).hessian(), a.masses)
    soft = modes.eigenvectors[:, 0].reshape(-1, 3)
    for amplitude in (0.1, -0.1, 0.2, -0.2, 0.3, -0.3):
        trial = a.with_positions(a.unwrapped_positions() + amplitude * soft / np.abs(soft).max())
        try:
            b = quench(model, trial, method="lbfgs", fmax=1e-10)
        except InputError:  # pushed into an overlap
            continue
        shift = a.box.minimum_image(b.system.positions - a.positions)
        if abs(b.minimize.energy - qa.minimize.energy) > 1e-6 and np.abs(shift).max() < 1.0:
            return a, b.system
    raise AssertionError("no neighbouring minimum found along the softest mode")
