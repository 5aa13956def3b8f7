"""Every built-in model, a custom-family model and a user-registered potential pass the shared
potential checks (``potential_checks.PotentialChecks``); plus the model registry.

Each reference radial function g(x) below is written from its closed form (SCIENCE.md section 1d
table: LJ, power law, swap polynomial; Morse, Yukawa and the user potential differentiated by
hand), independently of ``pelkit.models.base``.
"""

from __future__ import annotations

import numpy as np
import pytest
from potential_checks import (
    KA_EPS,
    KA_SIG,
    PotentialChecks,
    ReferencePotential,
    lj_g,
    power_g,
)

from pelkit.build import kob_andersen_system, random_system, swap_system
from pelkit.errors import InputError
from pelkit.models import PairPotential, get_model, model_names, register_model
from pelkit.models.custom import morse, yukawa
from pelkit.models.ka import kob_andersen, lennard_jones
from pelkit.models.soft_sphere import binary_diameters, soft_spheres
from pelkit.models.swap import SWAP_C0, SWAP_C2, SWAP_C4, SWAP_X_CUT, swap_model


# --------------------------------------------------------------------------- closed forms
# (lj_g and power_g, the LJ and power-law rows of the SCIENCE.md section 1d table, are in
# potential_checks; the swap polynomial row, Morse, Yukawa and the user potential are here)
def swap_constants(x_c: float = 1.25) -> np.ndarray:
    """c0, c2, c4 solved from v(x_c) = v'(x_c) = v''(x_c) = 0, v = x^-12 + c0 + c2 x^2 + c4 x^4."""
    mat = np.array(
        [[1.0, x_c**2, x_c**4], [0.0, 2 * x_c, 4 * x_c**3], [0.0, 2.0, 12 * x_c**2]]
    )
    rhs = -np.array([x_c**-12, -12 * x_c**-13, 156 * x_c**-14])
    return np.linalg.solve(mat, rhs)


def swap_g(x: np.ndarray, order: int) -> np.ndarray:
    """x^-12 plus the polynomial part: (2c2 x + 4c4 x^3), (2c2 + 12c4 x^2), 24 c4 x."""
    c0, c2, c4 = swap_constants()
    poly = {
        0: c0 + c2 * x**2 + c4 * x**4,
        1: 2 * c2 * x + 4 * c4 * x**3,
        2: 2 * c2 + 12 * c4 * x**2,
        3: 24 * c4 * x,
    }[order]
    return power_g(12.0)(x, order) + poly


def morse_g(alpha: float):
    """e^{-2a(x-1)} - 2 e^{-a(x-1)}; d^k: (-2a)^k e^{-2a(x-1)} - 2 (-a)^k e^{-a(x-1)}."""

    def g(x: np.ndarray, order: int) -> np.ndarray:
        e1 = np.exp(-alpha * (x - 1.0))
        return (-2 * alpha) ** order * e1 * e1 - 2.0 * (-alpha) ** order * e1

    return g


def yukawa_g(kappa: float):
    """e^{-k x}/x and its derivatives (hand-differentiated)."""

    def g(x: np.ndarray, order: int) -> np.ndarray:
        e = np.exp(-kappa * x)
        kx = kappa * x
        poly = {0: 1.0, 1: -(kx + 1), 2: kx**2 + 2 * kx + 2, 3: -(kx**3 + 3 * kx**2 + 6 * kx + 6)}
        return e * poly[order] / x ** (order + 1)

    return g


def user_g(x: np.ndarray, order: int) -> np.ndarray:
    """g = 3 x^-7.5 e^{-x/2} - 2 e^{-x} (non-integer power times an exponential), by hand.

    With q = x^-7.5 e^{-x/2}: q' = q (-7.5/x - 1/2), q'' = q [(7.5/x + 1/2)^2 + 7.5/x^2],
    q''' = q [-(7.5/x + 1/2)^3 - 3 (7.5/x + 1/2) 7.5/x^2 - 15/x^3].
    """
    q = x**-7.5 * np.exp(-0.5 * x)
    w = 7.5 / x + 0.5
    qd = {
        0: q,
        1: -q * w,
        2: q * (w**2 + 7.5 / x**2),
        3: q * (-(w**3) - 3 * w * 7.5 / x**2 - 15.0 / x**3),
    }[order]
    return 3.0 * qd - 2.0 * (-1.0) ** order * np.exp(-x)


def user_potential() -> PairPotential:
    """A user-defined potential: additive diameters, smooth cutoff at 2.2 sigma_ij."""
    return PairPotential(
        name="test-user-potential",
        terms=[[3.0, -7.5, 0.5], [-2.0, 0.0, 1.0]],
        x_cut=2.2,
        scheme="smooth",
        mixing="additive",
        overlap_x=0.4,
        description="test: 3 x^-7.5 e^{-x/2} - 2 e^{-x}",
    )


register_model("test-user-potential", user_potential)


# --------------------------------------------------------------------------- model test classes
class TestKobAndersenShift(PotentialChecks):
    def make_model(self):
        return get_model("ka")

    def make_system(self):
        return kob_andersen_system(155, seed=3)

    def make_reference(self):
        return ReferencePotential(lj_g, 2.5, "shift", "species", KA_EPS, KA_SIG)


class TestKobAndersenSmooth(PotentialChecks):
    def make_model(self):
        return get_model("ka-smooth")

    def make_system(self):
        return kob_andersen_system(155, seed=4, model=kob_andersen("smooth"))

    def make_reference(self):
        return ReferencePotential(lj_g, 2.5, "smooth", "species", KA_EPS, KA_SIG)


class TestLennardJones(PotentialChecks):
    def make_model(self):
        return get_model("lj")

    def make_system(self):
        return random_system(lennard_jones(), 150, 1.0, seed=5)

    def make_reference(self):
        return ReferencePotential(lj_g, 2.5, "shift", "species", 1.0, 1.0)


class TestSoftSphere12Binary(PotentialChecks):
    def make_model(self):
        return get_model("soft-sphere-12")

    def make_system(self):
        d = binary_diameters(200, 0.5, 1.2, seed=6)
        return random_system(soft_spheres(12), 200, 0.9, diameters=d, seed=6)

    def make_reference(self):
        return ReferencePotential(power_g(12.0), 2.5, "smooth", "additive", 1.0)


class TestSoftSphere6Polydisperse(PotentialChecks):
    def make_model(self):
        return get_model("soft-sphere-6")

    def make_system(self):
        d = np.random.default_rng(7).uniform(0.9, 1.1, size=160)
        return random_system(soft_spheres(6), 160, 0.9, diameters=d, seed=7)

    def make_reference(self):
        return ReferencePotential(power_g(6.0), 2.5, "smooth", "additive", 1.0)


class TestSwap(PotentialChecks):
    def make_model(self):
        return get_model("swap")

    def make_system(self):
        return swap_system(150, seed=8)

    def make_reference(self):
        return ReferencePotential(swap_g, 1.25, "none", "nonadditive", 1.0, nonadditivity=0.2)

    def test_swap_constants(self) -> None:
        """c0, c2, c4 of SCIENCE.md section 1c: closed forms, printed values, linear solve."""
        x_c = 1.25
        assert SWAP_X_CUT == x_c
        assert SWAP_C0 == pytest.approx(-28.0 / x_c**12, rel=1e-15)
        assert SWAP_C2 == pytest.approx(48.0 / x_c**14, rel=1e-15)
        assert SWAP_C4 == pytest.approx(-21.0 / x_c**16, rel=1e-15)
        assert SWAP_C0 == pytest.approx(-1.924145348608, abs=1e-12)
        assert SWAP_C2 == pytest.approx(2.111062325330, abs=1e-12)
        assert SWAP_C4 == pytest.approx(-0.591097451092, abs=1e-12)
        np.testing.assert_allclose(swap_constants(x_c), [SWAP_C0, SWAP_C2, SWAP_C4], rtol=1e-12)
        # the integer checks printed in SCIENCE.md
        assert 1 - 28 + 48 - 21 == 0 and -12 + 96 - 84 == 0 and 156 + 96 - 252 == 0

    def test_swap_pair_diameter_rule(self) -> None:
        model = swap_model()
        eps, sig = model.pair_scales(0, 0, np.array([1.0, 0.8]), np.array([1.4, 0.8]))
        np.testing.assert_allclose(sig, [1.2 * (1 - 0.2 * 0.4), 0.8], rtol=1e-15)
        np.testing.assert_allclose(eps, 1.0)


class TestMorseForceShift(PotentialChecks):
    def make_model(self):
        return morse(alpha=6.0, x_cut=2.0, scheme="force-shift")

    def make_system(self):
        return random_system(self.make_model(), 120, 1.0, seed=9)

    def make_reference(self):
        return ReferencePotential(morse_g(6.0), 2.0, "force-shift", "species", 1.0, 1.0)


class TestYukawaShift(PotentialChecks):
    def make_model(self):
        return yukawa(kappa=2.0, x_cut=2.5, scheme="shift")

    def make_system(self):
        return random_system(self.make_model(), 150, 0.8, seed=10)

    def make_reference(self):
        return ReferencePotential(yukawa_g(2.0), 2.5, "shift", "species", 1.0, 1.0)


class TestUserRegistered(PotentialChecks):
    def make_model(self):
        return get_model("test-user-potential")

    def make_system(self):
        d = np.random.default_rng(11).uniform(0.9, 1.1, size=150)
        return random_system(user_potential(), 150, 0.9, diameters=d, seed=11)

    def make_reference(self):
        return ReferencePotential(user_g, 2.2, "smooth", "additive", 1.0)


# --------------------------------------------------------------------------- the registry
def test_builtin_names_resolve() -> None:
    for name in ("ka", "ka-smooth", "ka-force-shift", "lj", "soft-sphere", "soft-sphere-12",
                 "soft-sphere-6", "swap"):
        assert name in model_names()
        assert isinstance(get_model(name), PairPotential)
    assert get_model("ka").scheme == "shift"
    assert get_model("ka-smooth").scheme == "smooth"
    assert get_model("ka", scheme="force-shift").scheme == "force-shift"


def test_get_model_from_file_spec(tmp_path) -> None:
    path = tmp_path / "my_models.py"
    path.write_text(
        "from pelkit.models import PairPotential\n"
        "def wca():\n"
        "    return PairPotential(name='wca', terms=[[4, -12, 0], [-4, -6, 0]],\n"
        "                         x_cut=2 ** (1 / 6), scheme='shift')\n"
        "def not_a_model():\n"
        "    return 42\n"
        "VALUE = 3\n"
    )
    model = get_model(f"{path}:wca")
    assert model.name == "wca" and model.scheme == "shift"
    # WCA: phi(r_c) = 0 and phi(1) = 4 (1 - 1) + 1 = 1 with the shift eps
    assert float(model.phi(2 ** (1 / 6) * 0.999999999)) == pytest.approx(0.0, abs=1e-8)
    assert float(model.phi(1.0)) == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(InputError, match="PairPotential"):
        get_model(f"{path}:not_a_model")
    with pytest.raises(InputError, match="no model factory"):
        get_model(f"{path}:VALUE")
    with pytest.raises(InputError, match="no model factory"):
        get_model(f"{path}:missing")
    with pytest.raises(InputError, match="not found"):
        get_model(f"{tmp_path / 'absent.py'}:wca")


def test_get_model_from_module_spec() -> None:
    model = get_model("pelkit.models.custom:yukawa")
    assert model.name == "yukawa"
    with pytest.raises(InputError, match="cannot import"):
        get_model("pelkit.no_such_module:factory")


def test_unknown_model_and_scheme() -> None:
    with pytest.raises(InputError, match="unknown model"):
        get_model("no-such-model")
    with pytest.raises(InputError, match="cutoff scheme"):
        get_model("ka", scheme="cubic")
    with pytest.raises(InputError):
        PairPotential(name="bad", terms=[], x_cut=2.0)
    with pytest.raises(InputError):
        PairPotential(name="bad", terms=[[1, -12, 0]], x_cut=-1.0)
    with pytest.raises(InputError):
        PairPotential(name="bad", terms=[[1, -12, 0]], x_cut=2.0, mixing="geometric")
    with pytest.raises(InputError):
        PairPotential(
            name="bad", terms=[[1, -12, 0]], x_cut=2.0, epsilon=[[1, 2], [3, 1]],
            sigma=[[1, 1], [1, 1]],
        )
