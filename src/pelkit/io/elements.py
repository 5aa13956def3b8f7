"""Chemical element symbols, for files read by programs that expect them (ASE, OVITO).

pelkit's species have free names (``A``, ``B``, ...). Where a file format or another program
needs chemical symbols, a species with a name that is not one is written under the placeholder
symbol of atomic number ``code + 1`` (``H`` for code 0, ``He`` for code 1, ...), and its own
name goes in a separate column (see :mod:`pelkit.io.extxyz`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pelkit.errors import InputError

__all__ = ["CHEMICAL_SYMBOLS", "is_chemical_symbol", "placeholder_symbols"]

#: element symbols by atomic number 1..118 (IUPAC names as of 2016)
CHEMICAL_SYMBOLS: tuple[str, ...] = tuple(
    """H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As
    Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd
    Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am
    Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og""".split()
)
_SYMBOLS = frozenset(CHEMICAL_SYMBOLS)


def is_chemical_symbol(name: str) -> bool:
    """True when ``name`` is an element symbol (case-sensitive, e.g. ``"Ar"`` but not ``"AR"``)."""
    return name in _SYMBOLS


def placeholder_symbols(names: Sequence[str]) -> tuple[str, ...]:
    """Symbols to write for species ``names`` (codes 0, 1, ...).

    If every name is already an element symbol, the names themselves; otherwise the element of
    atomic number ``code + 1`` for each code (``("A", "B") -> ("H", "He")``), so that distinct
    species stay distinct for a reader that only knows elements.
    """
    if all(is_chemical_symbol(n) for n in names):
        return tuple(names)
    if len(names) > len(CHEMICAL_SYMBOLS):
        raise InputError(
            f"{len(names)} species cannot be given distinct element symbols "
            f"(at most {len(CHEMICAL_SYMBOLS)})"
        )
    return CHEMICAL_SYMBOLS[: len(names)]
