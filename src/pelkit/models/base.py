"""Pair potentials as data: a dimensionless radial function, a cutoff scheme and a mixing rule.

Every pelkit pair potential has the form (docs/physics/models.md)

    phi_ij(r) = eps_ij * g(r / sigma_ij),        g(x) = sum_k a_k x^{p_k} exp(-b_k x),

for x < x_c and 0 beyond, so r_c,ij = x_c sigma_ij. The radial function is stored as a table of
terms (a_k, p_k, b_k); this covers Lennard-Jones, Mie and inverse-power soft spheres, the
polynomial-smoothed swap potential of Khomenko, Reichman and Zamponi (2021), Yukawa, Morse and
Buckingham forms. Keeping the
potential as *data* lets the Numba kernels be compiled once and cached on disk (a kernel that
takes a jitted function as an argument is never a cache hit).

Cutoff schemes (applied in x, identical to applying them in r):
    none         g itself (the function must vanish smoothly at x_c, e.g. the swap model)
    shift        g(x) - g(x_c)                                   (LAMMPS pair_modify shift yes)
    force-shift  g(x) - g(x_c) - (x - x_c) g'(x_c)                (phi, phi' continuous)
    smooth       g(x) - g(x_c) - (x - x_c) g'(x_c) - (x - x_c)^2 g''(x_c) / 2
                                                     (phi, phi', phi'' continuous;
                                                     docs/physics/models.md)
Each scheme adds polynomial terms (powers 0, 1, 2) to the table, so kernels see one table.

Mixing rules give (eps_ij, sigma_ij) for a pair:
    species       tables eps[s_i, s_j], sigma[s_i, s_j]           (Kob-Andersen)
    additive      eps, sigma_ij = (sigma_i + sigma_j)/2            (soft spheres)
    nonadditive   eps, sigma_ij = (sigma_i + sigma_j)/2 (1 - k |sigma_i - sigma_j|)  (Khomenko,
    Reichman and Zamponi 2021)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

SCHEMES = ("none", "shift", "force-shift", "smooth")
MIXING_CODES = {"species": 0, "additive": 1, "nonadditive": 2}


def radial_terms_value(terms: NDArray[np.float64], x: ArrayLike, order: int = 0) -> NDArray:
    """Evaluate d^order g / dx^order for g(x) = sum a x^p exp(-b x), order 0..3 (NumPy).

    With f = a x^p e^{-bx} and u = p/x - b:  f' = f u,  f'' = f (u^2 + u'),
    f''' = f (u^3 + 3 u u' + u''),  u' = -p/x^2,  u'' = 2p/x^3.
    """
    x = np.asarray(x, dtype=np.float64)
    total = np.zeros_like(x)
    for a, p, b in np.asarray(terms, dtype=np.float64).reshape(-1, 3):
        f = a * x**p * np.exp(-b * x)
        u = p / x - b
        if order == 0:
            total = total + f
        elif order == 1:
            total = total + f * u
        elif order == 2:
            total = total + f * (u * u - p / x**2)
        elif order == 3:
            total = total + f * (u**3 + 3.0 * u * (-p / x**2) + 2.0 * p / x**3)
        else:
            raise ValueError("order must be 0..3")
    return total


def scheme_terms(
    terms: NDArray[np.float64], x_cut: float, scheme: str
) -> NDArray[np.float64]:
    """Polynomial terms (powers 0, 1, 2) that implement ``scheme`` at x_cut (see module doc)."""
    if scheme not in SCHEMES:
        raise InputError(f"unknown cutoff scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    g0, g1, g2 = (float(radial_terms_value(terms, x_cut, k)) for k in range(3))
    c0 = c1 = c2 = 0.0  # correction = c0 + c1 x + c2 x^2
    if scheme in ("shift", "force-shift", "smooth"):
        c0 -= g0
    if scheme in ("force-shift", "smooth"):
        # - g1 (x - xc)
        c0 += g1 * x_cut
        c1 -= g1
    if scheme == "smooth":
        # - g2/2 (x - xc)^2 = -g2/2 x^2 + g2 xc x - g2 xc^2/2
        c2 -= 0.5 * g2
        c1 += g2 * x_cut
        c0 -= 0.5 * g2 * x_cut * x_cut
    extra = [(c, float(p), 0.0) for c, p in ((c0, 0), (c1, 1), (c2, 2)) if c != 0.0]
    return np.array(extra, dtype=np.float64).reshape(-1, 3)


class KernelParams(NamedTuple):
    """Plain arrays handed to every Numba pair kernel (see ``pelkit.engine``).

    mixing: 0 species tables, 1 additive diameters, 2 non-additive diameters.
    species: (N,) int64 codes (zeros when unused); diameters: (N,) float64 (ones when unused).
    eps_table, sigma_table: (S, S) float64. nonadditivity: k of the non-additive rule.
    terms: (K, 3) float64 rows (a, p, b), cutoff scheme included. x_cut: cutoff in sigma_ij.
    """

    mixing: int
    species: NDArray[np.int64]
    diameters: NDArray[np.float64]
    eps_table: NDArray[np.float64]
    sigma_table: NDArray[np.float64]
    nonadditivity: float
    terms: NDArray[np.float64]
    x_cut: float


@dataclass(frozen=True)
class PairPotential:
    """A pair potential phi_ij(r) = eps_ij g(r / sigma_ij), r < x_cut sigma_ij (module doc).

    Attributes:
        name: model name recorded in outputs.
        terms: (K, 3) rows (a, p, b) of g(x) = sum a x^p exp(-b x), *without* the scheme terms.
        x_cut: cutoff in units of sigma_ij.
        scheme: one of :data:`SCHEMES`.
        mixing: "species", "additive" or "nonadditive".
        epsilon: (S, S) eps table for species mixing, or a (1, 1) table holding eps otherwise.
        sigma: (S, S) sigma table for species mixing, or (1, 1) unused otherwise.
        nonadditivity: k in sigma_ij = (sigma_i+sigma_j)/2 (1 - k|sigma_i - sigma_j|).
        species_names: names of the species codes (species mixing).
        overlap_x: particles closer than overlap_x sigma_ij are rejected as overlapping.
        description: one line for humans and provenance.
    """

    name: str
    terms: NDArray[np.float64]
    x_cut: float
    scheme: str = "shift"
    mixing: str = "species"
    epsilon: NDArray[np.float64] = field(default_factory=lambda: np.ones((1, 1)))
    sigma: NDArray[np.float64] = field(default_factory=lambda: np.ones((1, 1)))
    nonadditivity: float = 0.0
    species_names: tuple[str, ...] = ("A",)
    overlap_x: float = 0.5
    description: str = ""

    def __post_init__(self) -> None:
        terms = np.array(self.terms, dtype=np.float64).reshape(-1, 3)
        if terms.shape[0] == 0 or not np.all(np.isfinite(terms)):
            raise InputError("a pair potential needs at least one finite term (a, p, b)")
        object.__setattr__(self, "terms", terms)
        if self.mixing not in MIXING_CODES:
            raise InputError(f"unknown mixing rule {self.mixing!r}")
        if self.scheme not in SCHEMES:
            raise InputError(
                f"unknown cutoff scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}"
            )
        if not (np.isfinite(self.x_cut) and self.x_cut > 0):
            raise InputError("x_cut must be positive and finite")
        eps = np.atleast_2d(np.array(self.epsilon, dtype=np.float64))
        sig = np.atleast_2d(np.array(self.sigma, dtype=np.float64))
        if eps.shape != sig.shape or eps.shape[0] != eps.shape[1]:
            raise InputError("epsilon and sigma tables must be square and of equal shape")
        if not (np.allclose(eps, eps.T) and np.allclose(sig, sig.T)):
            raise InputError("epsilon and sigma tables must be symmetric")
        if np.any(sig <= 0):
            raise InputError("sigma values must be positive")
        object.__setattr__(self, "epsilon", eps)
        object.__setattr__(self, "sigma", sig)

    # ---------------------------------------------------------------- derived quantities
    @property
    def kernel_terms(self) -> NDArray[np.float64]:
        """(K', 3) term table including the cutoff-scheme polynomial."""
        return np.vstack([self.terms, scheme_terms(self.terms, self.x_cut, self.scheme)])

    @property
    def uses_species(self) -> bool:
        """True for species-table mixing (KA), False for diameter-based models."""
        return self.mixing == "species"

    def with_scheme(self, scheme: str) -> PairPotential:
        """The same potential with another cutoff scheme (a different model: never mix energies)."""
        from dataclasses import replace

        return replace(self, scheme=scheme)

    def pair_scales(
        self, species_i: ArrayLike, species_j: ArrayLike, diam_i: ArrayLike, diam_j: ArrayLike
    ) -> tuple[NDArray, NDArray]:
        """Vectorised (eps_ij, sigma_ij) for arrays of pairs (NumPy reference for tests)."""
        if self.mixing == "species":
            si, sj = np.asarray(species_i), np.asarray(species_j)
            return self.epsilon[si, sj], self.sigma[si, sj]
        di, dj = np.asarray(diam_i, dtype=float), np.asarray(diam_j, dtype=float)
        sig = 0.5 * (di + dj)
        if self.mixing == "nonadditive":
            sig = sig * (1.0 - self.nonadditivity * np.abs(di - dj))
        return np.full_like(sig, self.epsilon[0, 0]), sig

    def phi(self, r: ArrayLike, eps: ArrayLike = 1.0, sig: ArrayLike = 1.0, order: int = 0):
        """d^order phi / dr^order at r (0 beyond the cutoff), NumPy; scheme included."""
        r = np.asarray(r, dtype=np.float64)
        eps = np.asarray(eps, dtype=np.float64)
        sig = np.asarray(sig, dtype=np.float64)
        x = r / sig
        inside = x < self.x_cut
        xs = np.where(inside, x, 1.0)
        value = eps * radial_terms_value(self.kernel_terms, xs, order) / sig**order
        return np.where(inside, value, 0.0)

    def max_cutoff(self, diameters: NDArray[np.float64] | None = None) -> float:
        """Largest pair cutoff x_cut sigma_ij in the system, in sigma."""
        if self.mixing == "species":
            return float(self.x_cut * self.sigma.max())
        if diameters is None or len(diameters) == 0:
            raise InputError(f"model {self.name!r} needs particle diameters")
        # sigma_ij over a grid of the system's diameters (quantiles incl. min and max), which
        # covers non-monotone non-additive rules without an O(N^2) scan.
        grid = np.unique(np.quantile(np.asarray(diameters, dtype=float), np.linspace(0, 1, 129)))
        a, b = np.meshgrid(grid, grid)
        sig = float(np.max(self.pair_scales(0, 0, a, b)[1]))
        return float(self.x_cut * sig)

    def kernel_params(self, system) -> KernelParams:  # noqa: ANN001 - System (avoid cycle)
        """Arrays for the Numba kernels for ``system`` (checks species/diameters are present)."""
        n = system.n_particles
        if self.mixing == "species":
            if system.species is None:
                if self.epsilon.shape[0] == 1:
                    species = np.zeros(n, dtype=np.int64)
                else:
                    raise InputError(f"model {self.name!r} needs particle species")
            else:
                species = np.ascontiguousarray(system.species, dtype=np.int64)
            if int(species.max()) >= self.epsilon.shape[0]:
                raise InputError(
                    f"model {self.name!r} has {self.epsilon.shape[0]} species but the "
                    f"configuration uses species code {int(species.max())}"
                )
            diameters = np.ones(n)
        else:
            if system.diameters is None:
                raise InputError(f"model {self.name!r} needs particle diameters")
            species = np.zeros(n, dtype=np.int64)
            diameters = np.ascontiguousarray(system.diameters, dtype=np.float64)
        return KernelParams(
            mixing=MIXING_CODES[self.mixing],
            species=species,
            diameters=diameters,
            eps_table=np.ascontiguousarray(self.epsilon),
            sigma_table=np.ascontiguousarray(self.sigma),
            nonadditivity=float(self.nonadditivity),
            terms=np.ascontiguousarray(self.kernel_terms),
            x_cut=float(self.x_cut),
        )

    def describe(self) -> dict:
        """JSON-able description for provenance (name, scheme, cutoff, terms, tables)."""
        return {
            "name": self.name,
            "description": self.description,
            "scheme": self.scheme,
            "x_cut": self.x_cut,
            "mixing": self.mixing,
            "terms": self.terms.tolist(),
            "epsilon": self.epsilon.tolist(),
            "sigma": self.sigma.tolist(),
            "nonadditivity": self.nonadditivity,
            "species_names": list(self.species_names),
        }


def _placeholders_to_model_names(names: list[str], model_names: tuple[str, ...]) -> list[str]:
    """Element symbols that pelkit writes for species without chemical names (code k as the
    element of atomic number k + 1, :mod:`pelkit.io.elements`), read back from a file that
    lost the names (CIF, POSCAR, ...), are mapped to the model's names: ``H`` -> code 0, ``He``
    -> code 1, ... Only when no name is the model's own and every one is such a placeholder."""
    from pelkit.io.elements import CHEMICAL_SYMBOLS

    placeholders = CHEMICAL_SYMBOLS[: len(model_names)]
    if any(n in model_names for n in names) or not all(n in placeholders for n in names):
        return names
    return [model_names[placeholders.index(n)] for n in names]


def match_species(  # noqa: ANN201 - System in, System out
    model: PairPotential, system, species_map: Mapping[str, str] | None = None  # noqa: ANN001
):
    """Return ``system`` with species codes renumbered to the model's ``species_names``.

    Files name species (e.g. "A", "B"); the model's tables are indexed by its own name order.
    Diameter models need ``system.diameters``; species models need known species names: a
    species present in the file that the model does not know is an error (never silently
    treated as another), unless ``species_map`` maps it explicitly, e.g. ``{"B": "A"}`` to
    treat the file's B particles as the model's A.
    """
    species_map = dict(species_map or {})
    if not model.uses_species:
        if species_map:
            raise InputError(f"model {model.name!r} uses diameters, not species; a species map "
                             "does not apply")
        if system.diameters is None:
            raise InputError(
                f"model {model.name!r} needs per-particle diameters (a 'diameter' column)"
            )
        return system
    for target in species_map.values():
        if target not in model.species_names:
            raise InputError(
                f"species map target {target!r} is not a species of model {model.name!r} "
                f"(species {', '.join(model.species_names)})"
            )
    if system.species is None:
        if model.epsilon.shape[0] == 1:
            return system
        raise InputError(f"model {model.name!r} needs species labels {model.species_names}")
    names = [system.species_names[int(c)] for c in range(len(system.species_names))]
    names = _placeholders_to_model_names(names, model.species_names)
    present = set(np.unique(system.species).tolist())
    mapping = np.zeros(len(names), dtype=np.int64)
    unknown = []
    for code, name in enumerate(names):
        target = species_map.get(name, name)
        if target in model.species_names:
            mapping[code] = model.species_names.index(target)
        elif code in present:
            unknown.append(name)
    if unknown:
        raise InputError(
            f"species {', '.join(map(repr, unknown))} of the configuration "
            f"{'is' if len(unknown) == 1 else 'are'} not part of model {model.name!r} (species "
            f"{', '.join(model.species_names)}); map {'it' if len(unknown) == 1 else 'them'} "
            f"explicitly, e.g. --species-map {unknown[0]}={model.species_names[0]}"
        )
    new = system.copy()
    new.species = mapping[system.species]
    new.species_names = tuple(model.species_names)
    return new
