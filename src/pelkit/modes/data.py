"""Mode data: eigenpairs of the mass-weighted Hessian and what follows from them alone.

:class:`Modes` holds eigenvalues, eigenvectors and masses (how the Hessian was made and
diagonalised is :mod:`pelkit.modes.normal`'s business) and offers frequencies (negative for
imaginary modes), participation numbers and ratios (Buchenau, Phil. Mag. B 65, 303 (1992); see
docs/physics/modes.md) and unstable counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.modes.localization import participation_number

FloatArray = NDArray[np.float64]

#: default tolerance (epsilon/(sigma^2 m)) below which a negative eigenvalue counts as unstable
#: (docs/physics/modes.md, (recommended) lambda_tol = 1e-8)
LAMBDA_TOL = 1e-8


def check_masses(masses: ArrayLike) -> FloatArray:
    """Masses (N,) as positive finite float64; raises :class:`InputError` otherwise."""
    try:
        m = np.asarray(masses, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"masses must be numeric: {exc}") from None
    if m.ndim != 1 or m.size < 2:
        raise InputError(f"masses must be a 1-D array of N >= 2 values, got shape {m.shape}")
    if not np.all(np.isfinite(m)) or np.any(m <= 0.0):
        raise InputError("masses must be positive and finite")
    return m


@dataclass(frozen=True)
class Modes:
    """Eigenpairs of the mass-weighted Hessian (docs/physics/modes.md).

    Attributes:
        eigenvalues: (k,) lambda_k of H^M in epsilon/(sigma^2 m), ascending.
        eigenvectors: (3N, k) mass-weighted unit eigenvectors e_k as *columns* (as from ``eigh``).
        masses: (N,) particle masses in m.
        n_zero_modes: number of zero modes identified (and removed) by the constructor (3).
        info: how the modes were obtained (method, shift, tolerances, ...).
    """

    eigenvalues: FloatArray
    eigenvectors: FloatArray
    masses: FloatArray
    n_zero_modes: int = 3
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        m = check_masses(self.masses)
        lam = np.asarray(self.eigenvalues, dtype=np.float64).reshape(-1)
        vec = np.asarray(self.eigenvectors, dtype=np.float64)
        if vec.ndim != 2 or vec.shape != (3 * m.size, lam.size):
            raise InputError(
                f"eigenvectors have shape {vec.shape}, expected ({3 * m.size}, {lam.size})"
            )
        object.__setattr__(self, "masses", m)
        object.__setattr__(self, "eigenvalues", lam)
        object.__setattr__(self, "eigenvectors", vec)

    @property
    def n_particles(self) -> int:
        """Number of particles N."""
        return int(self.masses.size)

    @property
    def n_modes(self) -> int:
        """Number of modes k held."""
        return int(self.eigenvalues.size)

    @property
    def is_complete(self) -> bool:
        """True when all 3N - 3 non-zero modes are held (translations dropped)."""
        return self.n_modes == 3 * self.n_particles - 3 and self.n_zero_modes == 3

    @property
    def frequencies(self) -> FloatArray:
        """(k,) omega_k = sign(lambda_k) sqrt(|lambda_k|) in 1/tau; imaginary ones negative."""
        lam = self.eigenvalues
        return np.sign(lam) * np.sqrt(np.abs(lam))

    def displacements(self) -> FloatArray:
        """(3N, k) Cartesian displacement fields u_k = M^-1/2 e_k (docs/physics/modes.md), in sigma
        per unit mass-weighted amplitude (sigma sqrt(m))."""
        return self.eigenvectors / np.repeat(np.sqrt(self.masses), 3)[:, None]

    @property
    def participation_number(self) -> FloatArray:
        """(k,) N_k = [sum_i |e_i|^4]^-1 (Buchenau 1992, eq 2), a particle count in [1, N]."""
        return np.atleast_1d(participation_number(self.eigenvectors, axis=0))

    @property
    def participation_ratio(self) -> FloatArray:
        """(k,) PR = N_k / N (Khomenko, Reichman and Zamponi 2021, eq 4), in [1/N, 1]."""
        return self.participation_number / self.n_particles

    def count_negative(self, lambda_tol: float = LAMBDA_TOL) -> int:
        """Number of modes with lambda_k < -lambda_tol (imaginary frequency)."""
        return int(np.count_nonzero(self.eigenvalues < -abs(lambda_tol)))

    @property
    def n_negative(self) -> int:
        """Number of modes with lambda_k < -1e-8 (docs/physics/modes.md (recommended)
        lambda_tol)."""
        return self.count_negative(LAMBDA_TOL)

    @property
    def fraction_imaginary(self) -> float:
        """n_negative / k; for a complete set (k = 3N - 3) this is f_u (docs/physics/modes.md)."""
        return self.n_negative / max(self.n_modes, 1)

    def density_of_states(
        self,
        bins: int | ArrayLike = 50,
        variable: Literal["omega", "lambda"] = "omega",
        limits: tuple[float, float] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Normalised density of states of the held modes, rho(x) = k^-1 sum_k delta(x - x_k).

        Args:
            bins: number of bins or bin edges (as for ``numpy.histogram``).
            variable: "omega" (imaginary frequencies on the negative axis, 1/tau) or "lambda"
                (eigenvalues, epsilon/(sigma^2 m)).
            limits: histogram range (lo, hi); default the data range.

        Returns:
            (density (nbins,), edges (nbins+1,)); sum(density * diff(edges)) = fraction of modes
            inside the range (1 for the default range).  For the INM convention normalised by
            3N - 3 see :func:`pelkit.modes.inm.inm_density_of_states`.
        """
        if variable == "omega":
            x = self.frequencies
        elif variable == "lambda":
            x = self.eigenvalues
        else:
            raise InputError(f"variable must be 'omega' or 'lambda', got {variable!r}")
        counts, edges = np.histogram(x, bins=bins, range=limits)
        density = counts / (max(self.n_modes, 1) * np.diff(edges))
        return density, edges

    def select(self, indices: ArrayLike) -> Modes:
        """A :class:`Modes` holding only the modes ``indices`` (order kept)."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        return Modes(
            self.eigenvalues[idx],
            self.eigenvectors[:, idx],
            self.masses,
            self.n_zero_modes,
            dict(self.info, selected=idx.tolist()),
        )


# --------------------------------------------------------------------------------------------
# all modes (dense)
# --------------------------------------------------------------------------------------------
