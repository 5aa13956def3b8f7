"""KA landscape study: the INM model option (``inm_model``) and the paper preset's D_inf."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.models import get_model
from pelkit.modes.normal import all_modes
from pelkit.studies.ka_landscape.config import load_config
from pelkit.studies.ka_landscape.report import _inm_model_line
from pelkit.studies.ka_landscape.tasks import production_block


def test_presets_and_validation():
    assert load_config("paper").d_inf == 0.155  # the seed's value: fits compare like for like
    assert load_config("laptop").d_inf is None and load_config("smoke").d_inf is None
    assert load_config("paper", d_inf=None).d_inf == 0.155  # None overrides are ignored
    assert load_config("smoke").inm_model == "ka"
    assert load_config("smoke", inm_model="ka-smooth").inm_model == "ka-smooth"
    with pytest.raises(InputError, match="inm_model"):
        load_config("smoke", inm_model="lj")


def test_report_names_the_inm_model():
    assert "`shift` cutoff" in _inm_model_line({"inm_model": "ka"})
    assert "`shift` cutoff" in _inm_model_line({})  # summaries written before the option
    assert "`ka-smooth`" in _inm_model_line({"inm_model": "ka-smooth"})


def test_inm_spectra_use_the_chosen_model():
    """A short production block with INM on the first frame: its spectrum equals an independent
    dense diagonalisation with the chosen model at the stored positions, not the other one."""
    system = kob_andersen_system(155, seed=3)
    rng = np.random.default_rng(0)
    start = {"positions": system.positions, "species": system.species,
             "velocities": rng.normal(0.0, np.sqrt(2.0), system.positions.shape)}
    spectra = {}
    for name in ("ka", "ka-smooth"):
        cfg = load_config("smoke", inm_model=name, inm_snapshots=1, inm_points=21,
                          quenches_per_t1=10, production_factor=2.0).model_dump()
        res = production_block(cfg, 2.0, [0], [7], [start], t1_pilot=0.05)[0]
        assert res["inm_eigenvalues"].shape == (1, 3 * 155 - 3)
        spectra[name] = res["inm_eigenvalues"][0]
        snap = system.with_positions(np.asarray(res["unwrapped"][0]))
        ref = all_modes(Calculator(get_model(name), snap, check_overlap=False).hessian(),
                        snap.masses).eigenvalues
        np.testing.assert_allclose(spectra[name], ref, atol=1e-9 * np.max(np.abs(ref)))
    assert np.max(np.abs(spectra["ka"] - spectra["ka-smooth"])) > 1e-3
