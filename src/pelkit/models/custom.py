"""Adding your own pair potential from Python.

A pelkit potential is data: phi_ij(r) = eps_ij g(r/sigma_ij) with
g(x) = sum_k a_k x^{p_k} exp(-b_k x) (see :mod:`pelkit.models.base`). To add a model, build a
:class:`~pelkit.models.base.PairPotential` from its terms and register a factory::

    import numpy as np
    from pelkit.models import PairPotential, register_model

    def wca_like() -> PairPotential:
        # 4 eps [(s/r)^12 - (s/r)^6] cut and shifted at its minimum 2^(1/6) sigma
        return PairPotential(name="wca", terms=[[4, -12, 0], [-4, -6, 0]],
                             x_cut=2 ** (1 / 6), scheme="shift")

    register_model("wca", wca_like)

or put the factory in a file and pass it on the command line: ``pelkit energy conf.xyz --model
my_models.py:wca_like``. The engine derives phi', phi'', phi''' analytically from the terms, so
forces, Hessians and third-order contractions are exact, and the Numba kernels stay cached.
Every new model should pass the shared potential test base class
(``tests/engine/potential_checks.py``): energy against a naive sum, forces and Hessian against
finite differences, U:vv against finite differences of Hv.

This module also offers ready-made families: Mie (n-m), Yukawa and Morse.
"""

from __future__ import annotations

import numpy as np

from pelkit.errors import InputError
from pelkit.models.base import PairPotential


def mie(
    n: float = 12.0, m: float = 6.0, x_cut: float = 2.5, scheme: str = "shift"
) -> PairPotential:
    """Mie potential C eps [(s/r)^n - (s/r)^m], C = n/(n-m) (n/m)^(m/(n-m)) (min depth eps)."""
    if not n > m > 0:
        raise InputError("Mie exponents need n > m > 0")
    c = n / (n - m) * (n / m) ** (m / (n - m))
    return PairPotential(
        name=f"mie-{n:g}-{m:g}",
        terms=np.array([[c, -n, 0.0], [-c, -m, 0.0]]),
        x_cut=x_cut,
        scheme=scheme,
        description=f"Mie {n:g}-{m:g}, cutoff {x_cut} sigma, scheme {scheme}",
    )


def yukawa(kappa: float = 1.0, x_cut: float = 3.0, scheme: str = "shift") -> PairPotential:
    """Screened Coulomb eps exp(-kappa x)/x with x = r/sigma."""
    return PairPotential(
        name="yukawa",
        terms=np.array([[1.0, -1.0, float(kappa)]]),
        x_cut=x_cut,
        scheme=scheme,
        overlap_x=0.05,
        description=f"Yukawa exp(-{kappa:g} x)/x, cutoff {x_cut} sigma, scheme {scheme}",
    )


def morse(alpha: float = 6.0, x_cut: float = 2.0, scheme: str = "shift") -> PairPotential:
    """Morse eps [e^{-2 alpha (x - 1)} - 2 e^{-alpha (x - 1)}], minimum -eps at x = 1."""
    a = float(alpha)
    return PairPotential(
        name="morse",
        terms=np.array([[np.exp(2 * a), 0.0, 2 * a], [-2.0 * np.exp(a), 0.0, a]]),
        x_cut=x_cut,
        scheme=scheme,
        overlap_x=0.3,
        description=f"Morse alpha={a:g}, cutoff {x_cut} sigma, scheme {scheme}",
    )
