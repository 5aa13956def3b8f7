"""Kob-Andersen 80:20 binary Lennard-Jones mixture.

W. Kob and H. C. Andersen, Phys. Rev. Lett. 73, 1376 (1994) and Phys. Rev. E 51, 4626 (1995);
the N = 155 local-diffusivity study of docs/physics/ka-landscape.md uses it at density 1.2
(docs/physics/models.md).

phi_ab(r) = 4 eps_ab [(sigma_ab/r)^12 - (sigma_ab/r)^6], r < 2.5 sigma_ab, masses 1, density 1.2.
Pair parameters: AA (1.0, 1.0), AB (1.5, 0.8), BB (0.5, 0.88) as (eps, sigma). Default cutoff
scheme ``shift`` (LAMMPS ``pair_modify shift yes``); ``smooth`` for Hessian/NEB work (a different
model: never compare its energies with ``shift`` values).
"""

from __future__ import annotations

import numpy as np

from pelkit.models.base import PairPotential

KA_EPSILON = np.array([[1.0, 1.5], [1.5, 0.5]])
KA_SIGMA = np.array([[1.0, 0.8], [0.8, 0.88]])
KA_DENSITY = 1.2
KA_FRACTION_A = 0.8
LJ_TERMS = np.array([[4.0, -12.0, 0.0], [-4.0, -6.0, 0.0]])


def kob_andersen(scheme: str = "shift", x_cut: float = 2.5) -> PairPotential:
    """The Kob-Andersen model with cutoff ``x_cut`` sigma_ab and the given cutoff scheme."""
    return PairPotential(
        name="ka" if scheme == "shift" else f"ka-{scheme}",
        terms=LJ_TERMS,
        x_cut=x_cut,
        scheme=scheme,
        mixing="species",
        epsilon=KA_EPSILON,
        sigma=KA_SIGMA,
        species_names=("A", "B"),
        overlap_x=0.5,
        description=f"Kob-Andersen 80:20 LJ, cutoff {x_cut} sigma_ab, scheme {scheme}",
    )


def lennard_jones(
    epsilon: float = 1.0, sigma: float = 1.0, x_cut: float = 2.5, scheme: str = "shift"
) -> PairPotential:
    """Monodisperse Lennard-Jones, one species."""
    return PairPotential(
        name="lj",
        terms=LJ_TERMS,
        x_cut=x_cut,
        scheme=scheme,
        mixing="species",
        epsilon=np.array([[epsilon]]),
        sigma=np.array([[sigma]]),
        species_names=("A",),
        overlap_x=0.5,
        description=f"Lennard-Jones, cutoff {x_cut} sigma, scheme {scheme}",
    )


LJ_CLUSTER_CUTOFF = 1.0e6
"""Cutoff of ``lj-cluster`` in sigma: |phi| < 4e-36 eps there, far below double precision."""


def lennard_jones_cluster(epsilon: float = 1.0, sigma: float = 1.0) -> PairPotential:
    """Full-range Lennard-Jones for clusters in vacuum (open boundaries), no shift.

    phi(r) = 4 eps [(sigma/r)^12 - (sigma/r)^6] for all r (the cutoff at
    :data:`LJ_CLUSTER_CUTOFF` sigma changes no energy in double precision). Global minima of
    these clusters are tabulated by Wales & Doye, J. Phys. Chem. A 101, 5111 (1997). A
    periodic box is refused (it would need sides of 2e6 sigma).
    """
    return PairPotential(
        name="lj-cluster",
        terms=LJ_TERMS,
        x_cut=LJ_CLUSTER_CUTOFF,
        scheme="none",
        mixing="species",
        epsilon=np.array([[epsilon]]),
        sigma=np.array([[sigma]]),
        species_names=("A",),
        overlap_x=0.5,
        description="Lennard-Jones cluster, full range (no cutoff, no shift), open boundaries",
    )
