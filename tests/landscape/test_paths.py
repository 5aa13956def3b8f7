"""pelkit.landscape.paths: NEB settings, and the analysis of a relaxed band on an analytic
surface (the saddle, barrier and frequencies are known in closed form)."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.landscape.neb import NEBOptions, neb
from pelkit.landscape.paths import NEBSettings, analyse_band, band_profile, neb_summary


def surface(p):
    """V(x, y) = (x^2 - 1)^2 + 2 y^2 + 0.1 x: two minima near x = -+1, saddle near x = 0."""
    x, y = p
    return ((x * x - 1.0) ** 2 + 2.0 * y * y + 0.1 * x,
            np.array([4.0 * x * (x * x - 1.0) + 0.1, 4.0 * y]))


def test_settings_defaults_and_one_line_errors():
    s = NEBSettings()
    assert (s.n_images, s.method, s.initial_path, s.climb) == (40, "lbfgs", "linear", True)
    assert s.replace(n_images=7).n_images == 7
    cases = [
        ({"n_images": 2}, "at least 3"),
        ({"fmax": 0.0}, "fmax"),
        ({"climb_fmax": -1.0}, "climb_fmax"),
        ({"spring_constant": float("nan")}, "spring constant"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"method": "bfgs"}, "method"),
        ({"initial_path": "x"}, "initial_path"),
        ({"lbfgs_max_step": 0.0}, "lbfgs_max_step"),
    ]
    for kwargs, text in cases:
        with pytest.raises(InputError, match=text):
            NEBSettings(**kwargs)
    with pytest.raises(InputError, match="method"):
        s.replace(method="sd")


def test_band_analysis_matches_the_surface():
    from scipy.optimize import brentq

    a, b = (brentq(lambda x: 4 * x * (x * x - 1) + 0.1, lo, hi)
            for lo, hi in ((-1.5, -0.5), (0.5, 1.5)))
    saddle = brentq(lambda x: 4 * x * (x * x - 1) + 0.1, -0.5, 0.5)

    def v(x):
        return (x * x - 1.0) ** 2 + 0.1 * x

    res = neb(surface, [a, 0.0], [b, 0.0], n_images=11, block=2,
              options=NEBOptions(spring_constant=5.0))
    assert res.converged
    an = analyse_band(res)
    assert an.is_double_well and an.saddle_index == res.climbing_index
    assert an.e_s == pytest.approx(v(saddle), abs=1e-10)
    assert an.barrier == pytest.approx(v(saddle) - min(v(a), v(b)), abs=1e-10)
    assert an.asymmetry == pytest.approx(abs(v(a) - v(b)), abs=1e-10)
    # the path is the x axis: xi_B = b - a, and V''(xi = 0) = V''(a) = 12 a^2 - 4
    assert an.xi_b == pytest.approx(b - a, rel=1e-8)
    assert an.omega_a_profile == pytest.approx(np.sqrt(12 * a * a - 4), rel=2e-2)
    assert band_profile(res).method == "hermite"
    summary = neb_summary(res)
    assert summary["converged"] and summary["climbing_index"] == res.climbing_index
