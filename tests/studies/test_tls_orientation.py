"""Seed-003 pipeline orientation: the same pair analysed A -> B and B -> A gives mirrored
quantities (issue 13: the seed treats A as arbitrary, so the study orients pairs at random)."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import swap_system
from pelkit.engine.calculator import Calculator
from pelkit.landscape.inherent import same_minimum
from pelkit.landscape.paths import double_well_quantities
from pelkit.landscape.quench import quench
from pelkit.models import get_model
from pelkit.modes.normal import all_modes
from pelkit.studies.tls_qlm.config import NEBConfig, default_units
from pelkit.studies.tls_qlm.paths import connect_pair


@pytest.fixture(scope="module")
def both_ways():
    model = get_model("swap")
    qa = quench(model, swap_system(80, seed=11), method="lbfgs", fmax=1e-10)
    calc = Calculator(model, qa.system)
    modes = all_modes(calc.hessian(), qa.system.masses)
    found = None
    for k in range(5):
        u = modes.displacements()[:, k].reshape(-1, 3)
        u /= np.linalg.norm(u, axis=1).max()
        for amp in (0.3, 0.5):
            for sign in (1.0, -1.0):
                pushed = qa.system.with_positions(qa.system.positions + sign * amp * u)
                qb = quench(model, pushed, method="lbfgs", fmax=1e-10, calculator=calc)
                if qb.minimize.converged and not same_minimum(qa.system, qa.energy, qb.system,
                                                              qb.energy):
                    found = qb
                    break
            if found:
                break
        if found:
            break
    assert found is not None
    cfg = NEBConfig(n_images=12, fmax=1e-7, max_iterations=20000, max_depth=0)
    units = [(u.label, u.resolve()) for u in default_units()]
    out = []
    for (xa, ea), (xb, eb) in (((qa.system.positions, qa.energy), (found.system.positions,
                                                                    found.energy)),
                               ((found.system.positions, found.energy),
                                (qa.system.positions, qa.energy))):
        paths = connect_pair(model, qa.system, xa, ea, xb, eb, cfg, orientation="given")
        seg = paths.segments[0]
        assert seg.status == "double_well" and seg.result.converged
        double_well_quantities(model, qa.system, seg, units, cfg.wiggle_tol)
        out.append(seg)
    return out


def test_orientation_as_given(both_ways):
    fwd, bwd = both_ways
    assert fwd.analysis.e_a == pytest.approx(bwd.analysis.e_b, abs=1e-12)
    assert fwd.analysis.e_b == pytest.approx(bwd.analysis.e_a, abs=1e-12)


def test_mirrored_path_quantities(both_ways):
    fwd, bwd = (s.analysis for s in both_ways)
    assert fwd.barrier == pytest.approx(bwd.barrier, abs=1e-9)
    assert fwd.barrier_a == pytest.approx(bwd.barrier_b, abs=1e-9)
    assert fwd.barrier_b == pytest.approx(bwd.barrier_a, abs=1e-9)
    assert fwd.asymmetry == pytest.approx(bwd.asymmetry, abs=1e-12)
    assert fwd.d_ab == pytest.approx(bwd.d_ab, rel=1e-10)
    assert fwd.xi_b == pytest.approx(bwd.xi_b, rel=1e-4)
    assert fwd.omega_a == pytest.approx(bwd.omega_b, rel=1e-3)
    assert fwd.omega_b == pytest.approx(bwd.omega_a, rel=1e-3)
    np.testing.assert_allclose(fwd.fields.r_ab, -bwd.fields.r_ab, atol=1e-10)
    assert both_ways[0].pr_dw == pytest.approx(both_ways[1].pr_dw, rel=1e-10)
    # the band itself, reversed
    r0, r1 = both_ways[0].result, both_ways[1].result
    np.testing.assert_allclose(r0.energies, r1.energies[::-1], atol=1e-7)


def test_mirrored_tunnel_splittings(both_ways):
    fwd, bwd = both_ways
    for label in ("ar", "nip"):
        a, b = fwd.tunnel[label], bwd.tunnel[label]
        assert a["walls"] == "landscape"
        assert a["splitting"] == pytest.approx(b["splitting"], rel=2e-3)
        assert a["splitting_harmonic"] == pytest.approx(b["splitting_harmonic"], rel=2e-3)
        assert np.isfinite(a["wall_effect"])
