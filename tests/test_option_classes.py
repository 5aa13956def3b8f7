"""The frozen option dataclasses that hold the tuning knobs of long library functions.

Each one is validated on construction (one-line InputError naming the field), and the old
keyword arguments still work for one release: they warn (DeprecationWarning naming the option
class) and give exactly the result of the same settings passed as options.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pelkit.deprecation import options_with_legacy
from pelkit.dynamics.swap_mc import SwapMCOptions, run_swap_mc
from pelkit.errors import InputError
from pelkit.landscape.basin_hopping import BasinHoppingOptions
from pelkit.landscape.doublewell import EndCurvatures, analyse_path
from pelkit.landscape.lbfgs import LBFGSOptions, lbfgs
from pelkit.landscape.neb import NEBOptions, neb
from pelkit.landscape.paths import NEBSettings, SplitOptions
from pelkit.landscape.saddle import SaddleOptions, hef
from pelkit.landscape.sd_flow import SDFlowOptions, sd_flow
from pelkit.landscape.surface import Surface
from pelkit.modes.solver_options import ModeSolverOptions

BAD = [
    (NEBOptions, {"spring_constant": 0.0}, "spring constant"),
    (NEBOptions, {"max_step": -1.0}, "max_step"),
    (NEBOptions, {"dt": 0.0}, "dt"),
    (NEBOptions, {"lbfgs_memory": 0}, "lbfgs_memory"),
    (NEBOptions, {"method": "bfgs"}, "method"),
    (SwapMCOptions, {"p_swap": 1.5}, "p_swap"),
    (SwapMCOptions, {"delta_max": 0.0}, "delta_max"),
    (SwapMCOptions, {"target_acceptance": 1.0}, "target acceptance"),
    (SwapMCOptions, {"snapshot_every": 0}, "snapshot_every"),
    (SwapMCOptions, {"tune_block": 2.5}, "tune_block"),
    (SaddleOptions, {"max_step": 0.0}, "max_step"),
    (SaddleOptions, {"memory": 0}, "memory"),
    (SaddleOptions, {"max_energy_rise": -1.0}, "max_energy_rise"),
    (BasinHoppingOptions, {"step_size": 0.0}, "step size"),
    (BasinHoppingOptions, {"method": "newton"}, "minimizer"),
    (BasinHoppingOptions, {"container_radius": -2.0}, "container radius"),
    (SplitOptions, {"max_depth": -1}, "max_depth"),
    (SplitOptions, {"dr": 0.0}, "dr"),
    (LBFGSOptions, {"memory": 0}, "memory"),
    (LBFGSOptions, {"initial_scale": -1.0}, "initial_scale"),
    (SDFlowOptions, {"ode_method": "RK45"}, "ode_method"),
    (SDFlowOptions, {"atol": 0.0}, "atol"),
    (EndCurvatures, {"hvp_a": 3.0}, "hvp_a"),
    (ModeSolverOptions, {"factorization": "lu"}, "factorization"),
    (ModeSolverOptions, {"preconditioner": "ilu"}, "preconditioner"),
    (ModeSolverOptions, {"ncv": 0}, "ncv"),
    (ModeSolverOptions, {"tol": -1.0}, "tol"),
]


@pytest.mark.parametrize(("cls", "kwargs", "text"), BAD)
def test_options_reject_bad_values_in_one_line(cls, kwargs, text) -> None:
    with pytest.raises(InputError, match=text) as err:
        cls(**kwargs)
    assert "\n" not in str(err.value)
    cls()  # the defaults are valid
    with pytest.raises(dataclasses.FrozenInstanceError):
        cls().__setattr__(next(iter(kwargs)), 1)


def test_neb_settings_extend_neb_options() -> None:
    s = NEBSettings(n_images=7, spring_constant=5.0)
    assert isinstance(s, NEBOptions) and s.max_iterations == 20000
    assert NEBOptions().max_iterations == 50_000
    with pytest.raises(InputError, match="at least 3"):
        NEBSettings(n_images=2)


def test_legacy_keywords_override_options_and_unknown_ones_fail() -> None:
    base = LBFGSOptions(memory=4)
    assert options_with_legacy(LBFGSOptions, base, {}, "f") is base
    with pytest.warns(DeprecationWarning, match=r"f\(options=LBFGSOptions"):
        got = options_with_legacy(LBFGSOptions, base, {"max_line_search": 3}, "f")
    assert got == LBFGSOptions(memory=4, max_line_search=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'memroy'"):
        options_with_legacy(LBFGSOptions, None, {"memroy": 3}, "f")


def _quadratic(x):
    a = np.diag([1.0, 4.0, 9.0])
    return 0.5 * float(x @ a @ x), a @ x


def _valley(p):
    x, y = p
    u = y - 0.3 * x * x
    return ((x * x - 1.0) ** 2 + 2.0 * u * u + 0.1 * x,
            np.array([4 * x * (x * x - 1.0) - 2.4 * x * u + 0.1, 4.0 * u]))


def _same(a, b) -> None:
    for name in ("positions", "energy", "iterations", "images", "energies", "barrier"):
        if hasattr(a, name):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_old_keywords_warn_and_equal_the_options() -> None:
    x0 = np.array([1.0, -0.5, 0.25])
    cases = [
        (lambda **k: lbfgs(_quadratic, x0, fmax=1e-10, block=1, **k),
         LBFGSOptions(memory=3, max_line_search=4), {"memory": 3, "max_line_search": 4}),
        (lambda **k: sd_flow(_quadratic, x0, fmax=1e-8, block=1, **k),
         SDFlowOptions(rtol=1e-7, ode_method="BDF"), {"rtol": 1e-7, "ode_method": "BDF"}),
        (lambda **k: neb(_valley, [-1.0, 0.3], [1.0, 0.3], n_images=7, block=2, **k),
         NEBOptions(spring_constant=5.0, fmax=1e-5), {"spring_constant": 5.0, "fmax": 1e-5}),
    ]
    for run, options, old in cases:
        new = run(options=options)
        with pytest.warns(DeprecationWarning, match=type(options).__name__):
            legacy = run(**old)
        _same(new, legacy)
    band = new.images
    energies = new.energies
    h = np.diag([8.0, 4.0])
    an = analyse_path(band, energies, block=2, ends=EndCurvatures(hessian_a=h, hessian_b=h))
    with pytest.warns(DeprecationWarning, match="EndCurvatures"):
        old = analyse_path(band, energies, block=2, hessian_a=h, hessian_b=h)
    assert an.summary() == old.summary() and an.omega_a_hessian is not None


def test_old_keywords_of_saddle_search_and_swap_mc() -> None:
    surf = Surface(_valley, n=2, block=2, hvp=None)
    new = hef(surf, [0.1, 0.3], [1.0, 0.0], fmax=1e-8,
              options=SaddleOptions(max_step=0.05, check_index=False))
    with pytest.warns(DeprecationWarning, match="SaddleOptions"):
        old = hef(surf, [0.1, 0.3], [1.0, 0.0], fmax=1e-8, max_step=0.05, check_index=False)
    assert new.converged and np.array_equal(new.positions, old.positions)

    from pelkit.build import swap_system
    from pelkit.models import get_model

    model, system = get_model("swap"), swap_system(64, seed=2)
    a, _ = run_swap_mc(model, system, 0.3, 4, seed=1,
                       options=SwapMCOptions(p_swap=0.5, delta_max=0.05))
    with pytest.warns(DeprecationWarning, match="SwapMCOptions"):
        b, _ = run_swap_mc(model, system, 0.3, 4, seed=1, p_swap=0.5, delta_max=0.05)
    np.testing.assert_array_equal(a.energy_per_particle, b.energy_per_particle)
    assert a.p_swap == 0.5 and a.delta_max == 0.05


def test_old_keywords_of_lowest_modes() -> None:
    from pelkit.build import kob_andersen_system
    from pelkit.engine.calculator import Calculator
    from pelkit.models import get_model
    from pelkit.modes.normal import lowest_modes

    system = kob_andersen_system(155, seed=3)
    h = Calculator(get_model("ka"), system).hessian(system.positions)  # INM: Lanczos handles it
    new = lowest_modes(h, system.masses, 4, method="lanczos",
                       options=ModeSolverOptions(ncv=40))
    with pytest.warns(DeprecationWarning, match="ModeSolverOptions"):
        old = lowest_modes(h, system.masses, 4, method="lanczos", ncv=40)
    np.testing.assert_array_equal(new.eigenvalues, old.eigenvalues)
    assert new.info["ncv"] == 40
