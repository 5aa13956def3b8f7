"""Overlaps between a displacement field and modes (Khomenko, Reichman and Zamponi 2021, eqs 7-8;
docs/physics/modes.md).

* c = |r . v| / (|r| |v|)                                         (Khomenko, Reichman and Zamponi
  2021, eq 7)
* a = sum_i |r_i| |v_i| / [(sum_i |r_i|^2)^1/2 (sum_i |v_i|^2)^1/2]   (Khomenko, Reichman and
  Zamponi 2021, eq 8)

Both lie in [0, 1]; a ignores the polarisation of each particle's displacement.

Fields are Cartesian 3N-vectors (or (N, 3) arrays).  With ``masses`` both fields are mass-weighted
first (x_i -> sqrt(m_i) x_i), the (recommended) comparison for unequal masses; for equal masses
this is
the paper's definition.  To compare a Cartesian field r with the modes of a
:class:`~pelkit.modes.normal.Modes` use :func:`mode_overlaps`, which does this correctly
(r -> M^1/2 r against the mass-weighted eigenvectors e).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError

FloatArray = NDArray[np.float64]


def _field(r: ArrayLike, name: str) -> FloatArray:
    try:
        v = np.asarray(r, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric: {exc}") from None
    v = v.reshape(-1)
    if v.size == 0 or v.size % 3 != 0:
        raise InputError(f"{name} must be a 3N-vector or an (N, 3) array, got {v.size} values")
    if not np.all(np.isfinite(v)):
        raise InputError(f"{name} contains NaN or infinite values")
    return v


def _modes_arg(v: ArrayLike, n3: int) -> tuple[FloatArray, bool]:
    """v as rows (k, 3N) and whether a single field was given ((3N,) or (N, 3))."""
    arr = np.asarray(v, dtype=np.float64)
    if arr.size == n3 and (arr.ndim == 1 or (arr.ndim == 2 and arr.shape == (n3 // 3, 3))):
        return arr.reshape(1, n3), True
    if arr.ndim == 2 and arr.shape[1] == n3:
        return arr, False
    raise InputError(
        f"v must have shape ({n3},), ({n3 // 3}, 3) or (k, {n3}) (modes as rows), got {arr.shape}"
    )


def _weights(masses: ArrayLike | None, n3: int) -> FloatArray | None:
    if masses is None:
        return None
    m = np.asarray(masses, dtype=np.float64).reshape(-1)
    if 3 * m.size != n3:
        raise InputError(f"got {m.size} masses for fields of {n3 // 3} particles")
    if np.any(m <= 0) or not np.all(np.isfinite(m)):
        raise InputError("masses must be positive and finite")
    return np.repeat(np.sqrt(m), 3)


def overlap_c(r: ArrayLike, v: ArrayLike, masses: ArrayLike | None = None) -> float | FloatArray:
    """c = |r . v| / (|r| |v|) (Khomenko, Reichman and Zamponi 2021, eq 7).

    Args:
        r: field (3N,) or (N, 3), e.g. r_AB or r_tan, in sigma.
        v: one field of the same shape, or (k, 3N) fields as rows.
        masses: optional (N,) masses: compare sqrt(m) r with sqrt(m) v.

    Returns:
        float, or (k,) array for several v.
    """
    rr = _field(r, "r")
    vv, single = _modes_arg(v, rr.size)
    w = _weights(masses, rr.size)
    if w is not None:
        rr = rr * w
        vv = vv * w[None, :]
    nr = np.linalg.norm(rr)
    nv = np.linalg.norm(vv, axis=1)
    if nr == 0.0 or np.any(nv == 0.0):
        raise InputError("overlap with a zero vector is undefined")
    c = np.abs(vv @ rr) / (nr * nv)
    return float(c[0]) if single else c


def overlap_a(r: ArrayLike, v: ArrayLike, masses: ArrayLike | None = None) -> float | FloatArray:
    """a = sum_i |r_i||v_i| / [(sum_i |r_i|^2)^1/2 (sum_i |v_i|^2)^1/2] (Khomenko, Reichman and
    Zamponi 2021, eq 8).

    Arguments as for :func:`overlap_c`.
    """
    rr = _field(r, "r")
    vv, single = _modes_arg(v, rr.size)
    w = _weights(masses, rr.size)
    if w is not None:
        rr = rr * w
        vv = vv * w[None, :]
    n = rr.size // 3
    ri = np.linalg.norm(rr.reshape(n, 3), axis=1)
    vi = np.linalg.norm(vv.reshape(vv.shape[0], n, 3), axis=2)
    nr = np.linalg.norm(ri)
    nv = np.linalg.norm(vi, axis=1)
    if nr == 0.0 or np.any(nv == 0.0):
        raise InputError("overlap with a zero vector is undefined")
    a = (vi @ ri) / (nr * nv)
    return float(a[0]) if single else a


def mode_overlaps(r: ArrayLike, modes, kind: str = "c") -> FloatArray:
    """Overlaps c (or a) of a Cartesian field r with every mode of a ``Modes``
    (docs/physics/modes.md).

    Compared in mass-weighted space: sqrt(m) r against the eigenvectors e_k.

    Args:
        r: Cartesian field (3N,) or (N, 3).
        modes: :class:`pelkit.modes.normal.Modes`.
        kind: "c" (eq 7) or "a" (eq 8).

    Returns:
        (k,) overlaps, in the order of ``modes``.
    """
    rr = _field(r, "r")
    if rr.size != modes.eigenvectors.shape[0]:
        raise InputError(f"r has {rr.size} components, the modes {modes.eigenvectors.shape[0]}")
    q = rr * np.repeat(np.sqrt(modes.masses), 3)
    if kind == "c":
        return np.atleast_1d(overlap_c(q, modes.eigenvectors.T))
    if kind == "a":
        return np.atleast_1d(overlap_a(q, modes.eigenvectors.T))
    raise InputError(f"kind must be 'c' or 'a', got {kind!r}")
