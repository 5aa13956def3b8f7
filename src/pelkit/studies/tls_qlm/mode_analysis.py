"""Linear and non-linear modes of minimum A against the path fields of a double well.

docs/physics/modes.md (Khomenko, Reichman and Zamponi 2021, sections III-IV):

* all 3N - 3 non-zero modes of H^M at A (dense) or the lowest k (shift-invert); participation
  ratio PR = [N sum_i |e_i|^4]^-1 (the paper's eq 4); QLM = PR < 0.1 at low frequency (the rule of
  :func:`pelkit.modes.localization.quasi_localized`);
* overlaps c (eq 7) and a (eq 8) of every mode with r_AB, r_AS and r_tan (mass-weighted
  comparison, docs/physics/modes.md); mode numbers follow the paper: 4 = the softest non-zero mode;
* cubic non-linear modes (eqs 5-6) from r_AB / |r_AB| and from the softest QLM (the softest
  mode when no mode qualifies), and their overlaps with the same fields;
* the energy U(R_A + s pi) along each non-linear mode (straight line, no relaxation) and the
  double-well test: at least two local minima along the line (one is A itself at s = 0) with a
  maximum between them (seed: ~95 % of non-linear modes show none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pelkit.engine.calculator import Calculator
from pelkit.errors import InputError
from pelkit.landscape.doublewell import PathFields
from pelkit.modes.inm import analyse_profile, mode_profile
from pelkit.modes.localization import QLMSelection, quasi_localized
from pelkit.modes.nonlinear import cubic_nonlinear_mode
from pelkit.modes.normal import Modes, all_modes, lowest_modes
from pelkit.modes.overlap import mode_overlaps, overlap_a, overlap_c
from pelkit.studies.tls_qlm.config import ModesConfig

FloatArray = NDArray[np.float64]

FIRST_MODE_NUMBER = 4
"""Khomenko, Reichman and Zamponi (2021) numbers modes from 1 with the three translations first:
mode 4 is the softest."""


@dataclass
class MinimumModes:
    """Modes of one minimum.

    Attributes:
        positions: (N, 3) the minimum; hessian: sparse Cartesian Hessian there.
        modes: the non-zero modes (all, or the lowest k), ascending.
        qlm: the QLM selection; complete: all 3N - 3 modes held.
    """

    positions: FloatArray
    hessian: Any
    modes: Modes
    qlm: QLMSelection
    complete: bool

    @property
    def softest_qlm(self) -> int:
        """Index of the softest QLM (the softest mode when there is none)."""
        return int(self.qlm.indices[0]) if self.qlm.indices.size else 0


def modes_at_minimum(calc: Calculator, positions: FloatArray, cfg: ModesConfig) -> MinimumModes:
    """Diagonalise H^M at ``positions`` (dense when 3N <= cfg.dense_max_dof)."""
    pos = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    masses = calc.masses
    h = calc.hessian(positions=pos, sparse=True)
    n3 = 3 * pos.shape[0]
    if n3 <= cfg.dense_max_dof:
        modes = all_modes(h, masses)
    else:
        modes = lowest_modes(h, masses, min(cfg.n_lowest, n3 - 3), seed=0)
    qlm = quasi_localized(modes, cfg.pr_max, cfg.extended_pr)
    return MinimumModes(pos, h, modes, qlm, modes.is_complete)


def _best(c: FloatArray) -> tuple[int, float]:
    k = int(np.argmax(c))
    return k, float(c[k])


def field_overlaps(mm: MinimumModes, fields: PathFields) -> dict[str, Any]:
    """c_alpha of every mode with r_tan, r_AS, r_AB; a_alpha with r_AB; the best of each.

    Returns scalars (``c_max_tan``, ``mode_tan`` (the paper's numbering), ``omega_mode_tan``,
    ``pr_mode_tan``, the same for ``as`` and ``ab``, ``a_max_ab``, ``mode_a_ab``) and the arrays
    ``c_tan``, ``c_as``, ``c_ab``, ``a_ab`` (n_modes,).
    """
    modes = mm.modes
    omega = modes.frequencies
    pr = mm.qlm.participation_ratio
    out: dict[str, Any] = {}
    for name, r in (("tan", fields.r_tan), ("as", fields.r_as), ("ab", fields.r_ab)):
        c = mode_overlaps(r, modes, "c")
        k, cmax = _best(c)
        out[f"c_{name}"] = c
        out[f"c_max_{name}"] = cmax
        out[f"mode_{name}"] = k + FIRST_MODE_NUMBER
        out[f"omega_mode_{name}"] = float(omega[k])
        out[f"pr_mode_{name}"] = float(pr[k])
    a = mode_overlaps(fields.r_ab, modes, "a")
    k, amax = _best(a)
    out["a_ab"] = a
    out["a_max_ab"] = amax
    out["mode_a_ab"] = k + FIRST_MODE_NUMBER
    return out


def line_double_well(
    calc: Calculator,
    positions: FloatArray,
    direction: FloatArray,
    n_points: int,
    max_displacement: float,
) -> dict[str, Any]:
    """U(R + s d) on a straight line through the minimum R along the Cartesian direction d,
    and the double-well test (module docstring).

    Returns ``is_dw``, ``line_barrier`` (lowest maximum between two minima above the higher of
    them, NaN if no DW), ``s`` and ``energy`` arrays (s is the mass-weighted amplitude).
    """
    pos = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    x0 = pos.ravel()

    def energy(x: FloatArray) -> float:
        return calc.energy(np.asarray(x).reshape(-1, 3))

    prof = mode_profile(energy, x0, direction, calc.masses, n_points=n_points,
                        max_displacement=max_displacement)
    ana = analyse_profile(prof)
    mins = ana.minima[np.argsort(ana.minima[:, 0])] if ana.minima.size else ana.minima
    barrier = float("nan")
    is_dw = False
    for (s1, u1), (s2, u2) in zip(mins[:-1], mins[1:], strict=True):
        between = ana.maxima[(ana.maxima[:, 0] > s1) & (ana.maxima[:, 0] < s2)]
        if between.size:
            is_dw = True
            b = float(between[:, 1].min() - max(u1, u2))
            barrier = b if np.isnan(barrier) else min(barrier, b)
    return {"is_dw": is_dw, "line_barrier": barrier, "s": prof.s,
            "energy": prof.energies - prof.energies[prof.s.size // 2]}


def nonlinear_analysis(
    calc: Calculator, mm: MinimumModes, fields: PathFields, cfg: ModesConfig
) -> dict[str, Any]:
    """Non-linear modes from r_AB and from the softest QLM, their overlaps and line profiles.

    Returns scalars prefixed ``nl_ab_`` (start r_AB: ``c_ab``, ``a_ab``, ``c_as``, ``c_tan``,
    ``converged``, ``iterations``, ``residual``, ``barrier3`` (cubic barrier), ``is_dw``,
    ``line_barrier``), ``nl_qlm_`` (the same from the softest QLM), ``qlm_c_ab`` and
    ``qlm_a_ab`` (the softest QLM itself against r_AB) and the vectors ``nl_ab_mode``,
    ``nl_qlm_mode`` (3N,) Cartesian unit vectors.
    """
    pos = mm.positions

    def u3(v: FloatArray) -> FloatArray:
        return calc.third_order_vv(v, positions=pos)

    masses = calc.masses
    k = mm.softest_qlm
    e_qlm = mm.modes.eigenvectors[:, k]
    start_qlm = e_qlm / np.repeat(np.sqrt(masses), 3)
    out: dict[str, Any] = {
        "qlm_c_ab": float(overlap_c(fields.r_ab, start_qlm, masses)),
        "qlm_a_ab": float(overlap_a(fields.r_ab, start_qlm, masses)),
        "qlm_omega": float(mm.modes.frequencies[k]),
        "qlm_pr": float(mm.qlm.participation_ratio[k]),
        "qlm_is_qlm": bool(mm.qlm.indices.size > 0),
    }
    for tag, start in (("nl_ab", fields.r_ab.ravel()), ("nl_qlm", start_qlm)):
        try:
            res = cubic_nonlinear_mode(mm.hessian, u3, start, tol=cfg.nonlinear_tol,
                                       max_iter=cfg.nonlinear_max_iter)
        except InputError as exc:
            out.update({f"{tag}_converged": False, f"{tag}_message": str(exc)})
            for key in ("c_ab", "a_ab", "c_as", "c_tan", "a_as", "iterations", "residual",
                        "barrier3", "line_barrier"):
                out[f"{tag}_{key}"] = float("nan")
            out[f"{tag}_is_dw"] = False
            out[f"{tag}_mode"] = np.full(pos.size, np.nan)
            continue
        pi = res.mode
        line = line_double_well(calc, pos, pi, cfg.profile_points, cfg.profile_max_displacement)
        out.update({
            f"{tag}_c_ab": float(overlap_c(fields.r_ab, pi, masses)),
            f"{tag}_a_ab": float(overlap_a(fields.r_ab, pi, masses)),
            f"{tag}_c_as": float(overlap_c(fields.r_as, pi, masses)),
            f"{tag}_a_as": float(overlap_a(fields.r_as, pi, masses)),
            f"{tag}_c_tan": float(overlap_c(fields.r_tan, pi, masses)),
            f"{tag}_converged": bool(res.converged),
            f"{tag}_iterations": float(res.iterations),
            f"{tag}_residual": float(res.relative_residual),
            f"{tag}_barrier3": float(res.barrier),
            f"{tag}_is_dw": bool(line["is_dw"]),
            f"{tag}_line_barrier": float(line["line_barrier"]),
            f"{tag}_mode": pi,
            f"{tag}_message": "",
            f"{tag}_profile_s": line["s"],
            f"{tag}_profile_energy": line["energy"],
        })
    return out
