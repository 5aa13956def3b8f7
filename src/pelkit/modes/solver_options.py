"""Tuning knobs of the lowest-mode eigensolvers (:func:`pelkit.modes.normal.lowest_modes`)."""

from __future__ import annotations

from dataclasses import dataclass

from pelkit.errors import InputError
from pelkit.modes.lobpcg import PRECONDITIONERS

FACTORIZATIONS = ("auto", "cholmod", "superlu")


@dataclass(frozen=True)
class ModeSolverOptions:
    """How the lowest modes are iterated to convergence; the defaults suit every method.

    Attributes:
        tol: ARPACK relative tolerance (0 = machine precision); for LOBPCG the absolute residual
            tolerance in epsilon/(sigma^2 m) (0 = 1e-12 ||H^M||).
        maxiter: iteration limit of ARPACK or LOBPCG (None: the solver's default).
        ncv: ARPACK basis size (None: max(2k + 1, 20) for shift-invert, max(3k, 60) for
            Lanczos, 2 (k + g) + 1 for the filtered Lanczos).
        preconditioner: LOBPCG only: "auto", "amg" (optional pyamg), "jacobi" (3x3 block
            Jacobi) or "none".
        factorization: sparse shift-invert only: "auto" (CHOLMOD when cvxopt is installed),
            "cholmod" or "superlu".
        filter_degree: filtered Lanczos only: degree d of the Chebyshev filter (None: the
            measured default, :func:`pelkit.modes.filtered_lanczos.default_degree`: 10, 20 from
            3N = 10^5 on).
    """

    tol: float = 0.0
    maxiter: int | None = None
    ncv: int | None = None
    preconditioner: str = "auto"
    factorization: str = "auto"
    filter_degree: int | None = None

    def __post_init__(self) -> None:
        if not self.tol >= 0.0:
            raise InputError(f"tol must be >= 0, got {self.tol!r}")
        for name in ("maxiter", "ncv", "filter_degree"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise InputError(f"{name} must be a positive integer or None, got {value!r}")
        if self.preconditioner not in PRECONDITIONERS:
            raise InputError(f"preconditioner must be one of {', '.join(PRECONDITIONERS)}, "
                             f"got {self.preconditioner!r}")
        if self.factorization not in FACTORIZATIONS:
            raise InputError(f"factorization must be 'auto', 'cholmod' or 'superlu', got "
                             f"{self.factorization!r}")
