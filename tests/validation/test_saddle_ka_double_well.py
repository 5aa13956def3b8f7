"""A Kob-Andersen double well: HEF refinement of the CI-NEB climbing image.

The pair of minima comes from a small KA glass (N = 150, smooth cutoff, rho = 1.2): a minimum A
and the minimum B reached over a transition state found from A along its softest mode. The
independent check is the climbing-image NEB between A and B (pelkit.landscape.neb, its own
code path): hybrid eigenvector-following started from the climbing image must converge to a
first-order saddle whose energy equals the NEB barrier top (to the NEB's force tolerance) and
whose two sides quench to A and B again (pelkit.landscape.inherent.same_minimum); the
gradient-only dimer from the same image must reach the same saddle. ``connect`` must then join
A and B in a database through that transition state.
"""

from __future__ import annotations

import pytest

from pelkit.build import kob_andersen_system
from pelkit.engine.calculator import Calculator
from pelkit.landscape.connect import connect, minima_of_saddle
from pelkit.landscape.database import LandscapeDatabase
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.neb import NEBOptions, neb
from pelkit.landscape.quench import quench
from pelkit.landscape.saddle import dimer, hef, start_from_mode
from pelkit.landscape.surface import Surface
from pelkit.models import get_model


@pytest.fixture(scope="module")
def double_well():
    model = get_model("ka-smooth")
    q = quench(model, kob_andersen_system(150, seed=2), method="lbfgs", fmax=1e-10)
    surf = Surface.from_calculator(Calculator(model, q.system))
    x0, v0 = start_from_mode(surf, q.system.positions.reshape(-1), 1, step=0.1)
    ts = hef(surf, x0, v0, fmax=1e-8, max_iterations=300)
    assert ts.is_transition_state
    sides = minima_of_saddle(surf, ts.positions, ts.eigenvector, fmax=1e-10)
    ends = [q.system.with_positions(r.positions.reshape(-1, 3)) for r in (sides.minus, sides.plus)]
    energies = [sides.minus.energy, sides.plus.energy]
    k_a = 0 if same_minimum(q.system, q.energy, ends[0], energies[0]) else 1
    assert same_minimum(q.system, q.energy, ends[k_a], energies[k_a])
    return model, surf, ends[k_a], energies[k_a], ends[1 - k_a], energies[1 - k_a]


@pytest.fixture(scope="module")
def band(double_well):
    _, surf, a, _, b, _ = double_well
    return neb(surf.gradient, a.positions.reshape(-1), b.positions.reshape(-1), n_images=8,
               box=surf.box, options=NEBOptions(fmax=5e-3, max_iterations=5000))


def test_hef_from_neb_climbing_image(double_well, band):
    _, surf, a, e_a, b, e_b = double_well
    assert not same_minimum(a, e_a, b, e_b)
    assert band.converged
    k = band.saddle_index
    e_neb = band.energies[k]
    ts = hef(surf, band.images[k], band.tangents[k], fmax=1e-8, max_iterations=200)
    assert ts.is_transition_state and ts.n_negative == 1
    # the climbing image sits at the saddle to within its force tolerance: dE ~ F^2 / |lambda|
    assert ts.energy == pytest.approx(e_neb, abs=1e-4)
    assert ts.energy - min(e_a, e_b) == pytest.approx(e_neb - min(e_a, e_b), abs=1e-4)
    sides = minima_of_saddle(surf, ts.positions, ts.eigenvector, fmax=1e-10)
    got = [a.with_positions(r.positions.reshape(-1, 3)) for r in (sides.minus, sides.plus)]
    e_got = [sides.minus.energy, sides.plus.energy]
    matches = {("A" if same_minimum(a, e_a, g, eg) else "B" if same_minimum(b, e_b, g, eg)
                else "?") for g, eg in zip(got, e_got, strict=True)}
    assert matches == {"A", "B"}
    # the HEF refinement costs far fewer force calls than the band that located it
    assert ts.force_calls < band.evaluations


def test_dimer_agrees_with_hef(double_well, band):
    """The gradient-only dimer from the climbing image reaches the saddle HEF finds."""
    _, surf, _, _, _, _ = double_well
    k = band.saddle_index
    ref = hef(surf, band.images[k], band.tangents[k], fmax=1e-8, max_iterations=200)
    dim = dimer(surf, band.images[k], band.tangents[k], fmax=1e-7, max_iterations=500)
    assert dim.is_transition_state
    assert dim.energy == pytest.approx(ref.energy, abs=1e-8)
    # the dimer's unstable direction is a finite-difference rotation estimate (converged to a
    # few degrees); the saddle itself agrees to 1e-8 in energy
    assert abs(float(dim.eigenvector @ ref.eigenvector)) == pytest.approx(1.0, abs=5e-3)
    assert dim.hvp_calls == 0


def test_connect_joins_the_two_minima(double_well, tmp_path):
    model, surf, a, e_a, b, e_b = double_well
    with LandscapeDatabase(tmp_path / "ka.sqlite", a, model="ka-smooth") as db:
        ia = db.add_minimum(a, e_a)
        ib = db.add_minimum(b, e_b)
        res = connect(surf, db, ia, ib, n_images=8, harmonic=False)
        assert res.connected
        assert res.path[0] == ia and res.path[-1] == ib
        assert db.counts()[1] >= 1
        ts = {t.id: t for t in db.transition_states()}[res.path[1]]
        assert ts.energy > max(e_a, e_b) or len(res.path) > 3
