"""Localisation of modes: participation number and ratio, double-well participation, QLM selection.

See docs/physics/modes.md.  All participation measures use the *normalised mass-weighted* vector e
(sum_{i,a} e_{ia}^2 = 1, Buchenau (1992), eq 1) and the per-particle weights |e_i|^2 = sum_a
e_{ia}^2.

Array convention: a single vector has shape (3N,) (particle i's components at 3i, 3i+1, 3i+2);
many vectors are *rows* of a (k, 3N) array.  Columns as returned by ``eigh`` ((3N, k)) are
accepted with ``axis=0`` (``axis`` names the array axis that runs over the 3N components).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]


def _rows(vectors: ArrayLike, axis: int) -> tuple[FloatArray, bool]:
    """Vectors as a (k, 3N) float array and whether a single vector was given."""
    try:
        v = np.asarray(vectors, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"vectors must be numeric: {exc}") from None
    if v.ndim == 1:
        single = True
        v = v[None, :]
    elif v.ndim == 2:
        single = False
        v = np.moveaxis(v, axis, -1)
    else:
        raise InputError(f"vectors must have shape (3N,) or (k, 3N), got {v.shape}")
    if v.shape[-1] % 3 != 0 or v.shape[-1] == 0:
        raise InputError(f"vector length {v.shape[-1]} is not a positive multiple of 3")
    if not np.all(np.isfinite(v)):
        raise InputError("vectors contain NaN or infinite values")
    return v, single


def particle_weights(vectors: ArrayLike, masses: ArrayLike | None = None, axis: int = -1):
    """Normalised per-particle weights w_i = |e_i|^2 / sum_j |e_j|^2 of mass-weighted vectors.

    Args:
        vectors: (3N,) or (k, 3N) (see module docstring for ``axis``).  Without ``masses`` they are
            taken as mass-weighted (or equal-mass) vectors e; with ``masses`` (N,) they are
            Cartesian displacements u and converted to e_i = sqrt(m_i) u_i first.
        masses: optional (N,) masses.
        axis: the axis of a 2-D ``vectors`` that runs over the 3N components.

    Returns:
        (N,) or (k, N) weights summing to 1 per vector.
    """
    v, single = _rows(vectors, axis)
    n = v.shape[-1] // 3
    if masses is not None:
        m = np.asarray(masses, dtype=np.float64).reshape(-1)
        if m.size != n:
            raise InputError(f"got {m.size} masses for vectors of {n} particles")
        if np.any(m <= 0) or not np.all(np.isfinite(m)):
            raise InputError("masses must be positive and finite")
        v = v * np.repeat(np.sqrt(m), 3)[None, :]
    w = np.sum(v.reshape(v.shape[0], n, 3) ** 2, axis=2)
    total = w.sum(axis=1, keepdims=True)
    if np.any(total == 0.0):
        raise InputError("participation of a zero vector is undefined")
    w = w / total
    return w[0] if single else w


def participation_number(
    vectors: ArrayLike, masses: ArrayLike | None = None, *, axis: int = -1
) -> float | FloatArray:
    """Participation number N_k = [sum_i |e_i|^4]^-1 (Buchenau 1992, eq 2; docs/physics/modes.md).

    e is the vector normalised to |e| = 1 (done here), so N_k is a particle count in [1, N].

    Args:
        vectors: (3N,) or (k, 3N) rows; mass-weighted unless ``masses`` is given, in which case
            they are Cartesian displacements and are mass-weighted (e_i = sqrt(m_i) u_i) first.
        masses: optional (N,) masses.
        axis: axis of a 2-D ``vectors`` running over the 3N components (``axis=0`` for the
            (3N, k) columns of ``eigh`` or :attr:`Modes.eigenvectors`).

    Returns:
        float for one vector, (k,) array for many.
    """
    w = particle_weights(vectors, masses, axis)
    nk = 1.0 / np.sum(w**2, axis=-1)
    return float(nk) if np.ndim(nk) == 0 else nk


def participation_ratio(
    vectors: ArrayLike, masses: ArrayLike | None = None, *, axis: int = -1
) -> float | FloatArray:
    """Participation ratio PR = [N sum_i |e_i|^4]^-1 = N_k / N (Khomenko, Reichman and Zamponi
    2021, eq 4), in [1/N, 1].

    A standing plane wave has PR = 2/3, a one-particle vector PR = 1/N.  Arguments as for
    :func:`participation_number`.
    """
    w = particle_weights(vectors, masses, axis)
    n = w.shape[-1]
    pr = 1.0 / (n * np.sum(w**2, axis=-1))
    return float(pr) if np.ndim(pr) == 0 else pr


def double_well_participation(d: ArrayLike, masses: ArrayLike | None = None) -> float:
    """PR_DW = (sum_i |d_i|^2)^2 / sum_i |d_i|^4 for a displacement field d = r_AB.

    Khomenko, Reichman and Zamponi (2021), Fig 5 ("normalised differently"; docs/physics/modes.md):
    a particle count, equal to
    the participation number of d.  With ``masses`` the field is mass-weighted first
    (d_i -> sqrt(m_i) d_i), the (recommended) convention for unequal masses (docs/physics/modes.md).

    Args:
        d: one field, (3N,) or (N, 3), in sigma.
        masses: optional (N,) masses.
    """
    v = np.asarray(d, dtype=np.float64).reshape(-1)
    w = particle_weights(v, masses)
    return float(1.0 / np.sum(w**2))


@dataclass(frozen=True)
class QLMSelection:
    """Quasi-localised modes chosen by :func:`quasi_localized`.

    Attributes:
        indices: (q,) indices of the QLMs in the :class:`Modes` given, ascending in lambda.
        mask: (k,) boolean mask of the QLMs.
        participation_ratio: (k,) PR of every mode.
        omega_extended: lowest omega of a mode with PR >= extended_pr (inf if there is none).
        pr_max: PR threshold below which a low-frequency mode is a QLM.
        extended_pr: PR threshold of an extended mode.
        rule: a one-line statement of the rule (recorded in outputs).
    """

    indices: NDArray[np.int64]
    mask: NDArray[np.bool_]
    participation_ratio: FloatArray
    omega_extended: float
    pr_max: float
    extended_pr: float
    rule: str = field(default="")

    def as_dict(self) -> dict:
        """JSON-ready summary."""
        return {
            "indices": self.indices.tolist(),
            "omega_extended": self.omega_extended,
            "pr_max": self.pr_max,
            "extended_pr": self.extended_pr,
            "rule": self.rule,
        }


def quasi_localized(modes, pr_max: float = 0.1, extended_pr: float = 0.3) -> QLMSelection:
    """Select quasi-localised modes (QLM): low frequency and PR < pr_max (Khomenko, Reichman and
    Zamponi 2021; docs/physics/modes.md).

    "Low frequency" (our choice, configurable): omega below the lowest omega of any mode with
    PR >= extended_pr (the first extended mode).  If no held mode is extended (e.g. a small set
    of lowest modes), every held mode counts as low-frequency and ``omega_extended`` is inf.

    Args:
        modes: a :class:`pelkit.modes.normal.Modes` (normally at a minimum; translations dropped).
        pr_max: PR threshold of a QLM, 0.1 (the paper's value).
        extended_pr: PR threshold of an extended mode, (recommended) 0.3.

    Returns:
        :class:`QLMSelection`.
    """
    if not 0.0 < pr_max <= 1.0 or not 0.0 < extended_pr <= 1.0:
        raise InputError("pr_max and extended_pr must lie in (0, 1]")
    pr = np.asarray(modes.participation_ratio, dtype=np.float64)
    omega = np.asarray(modes.frequencies, dtype=np.float64)
    extended = pr >= extended_pr
    omega_ext = float(np.min(omega[extended])) if np.any(extended) else float("inf")
    mask = (pr < pr_max) & (omega < omega_ext)
    rule = (
        f"PR < {pr_max} and omega < omega_ext = {omega_ext:.6g} "
        f"(lowest omega with PR >= {extended_pr})"
    )
    return QLMSelection(
        np.flatnonzero(mask).astype(np.int64), mask, pr, omega_ext, pr_max, extended_pr, rule
    )
