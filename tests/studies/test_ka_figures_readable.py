"""Figures and report text a reader can use (issue 11, item 8): the MSD on log-log axes with its
regimes, a diverging model <D><1/D> said rather than plotted, percentages in words."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pelkit.studies.ka_landscape.figures import (
    DINVD_DIVERGES,
    _finite_part,
    msd_plateau,
    plot_msd_loglog,
)
from pelkit.studies.ka_landscape.report import _product


def _caged_msd(t, temperature, plateau, D):
    """Ballistic 3 T t^2 at short times, a plateau, then 6 D t (an analytic model curve)."""
    return plateau * (1 - np.exp(-3 * temperature * t**2 / plateau)) + 6 * D * t


def test_msd_plateau_found_between_ballistic_and_diffusive():
    t = np.geomspace(1e-3, 1e4, 200)
    msd = _caged_msd(t, 0.45, 0.02, 1e-6)
    tp, mp = msd_plateau(t, msd, 0.45)
    # the slope minimum sits where the plateau gives way to 6 D t: MSD within 2x of 0.02
    assert 0.02 <= mp < 0.04 and 0.1 < tp < 1e4
    assert math.isnan(msd_plateau(t[:3], msd[:3], 0.45)[1])


def test_msd_loglog_figure(tmp_path):
    t = np.geomspace(5e-3, 1e3, 80)
    per_T = [{"T": T, "msd_mean_lag_times": t, "msd_mean": _caged_msd(t, T, 0.03, D)}
             for T, D in ((0.45, 1e-4), (0.6, 5e-3))]
    path = plot_msd_loglog({"D_direct": [1e-4, 5e-3]}, per_T, tmp_path / "msd.png")
    assert path.is_file() and path.stat().st_size > 10_000


def test_diverging_model_product_is_said_not_plotted():
    values = np.array([1.5, 5.54e26, np.inf, np.nan])
    shown, div = _finite_part(values)
    assert div.tolist() == [False, True, True, False]
    assert shown[0] == 1.5 and np.isnan(shown[1:]).all()
    assert _product(5.54e26).startswith("diverges") and "e+26" not in _product(5.54e26)
    assert _product(1.5) == "1.5"
    assert _product(DINVD_DIVERGES / 2) != _product(DINVD_DIVERGES * 2)


def test_tls_report_fractions_are_percentages():
    from pelkit.studies.tls_qlm.report import _percent

    assert _percent(1.0) == "100 %" and _percent(0.25) == "25 %"
    assert _percent(None) == "n/a" and _percent(float("nan")) == "n/a"


@pytest.mark.parametrize("name", ["fig2_msd_loglog.png"])
def test_new_figure_is_listed_and_described(name):
    from pelkit.studies.ka_landscape.figures import FIGURES
    from pelkit.studies.ka_landscape.report import _FIGURE_TEXT

    assert name in FIGURES and name in _FIGURE_TEXT
