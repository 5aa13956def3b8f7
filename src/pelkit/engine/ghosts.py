"""Periodic images as ghost particles: the MD force loop without the minimum image.

In a box at least two list radii wide along every axis (L >= 2 (r_c,max + skin)), the periodic
image through which a listed pair interacts cannot change before the list is rebuilt: at the
build the listed separation d is the minimum image, |d| < r_list, so any other image is at
least L - |d| > r_list away, and until the next rebuild each separation changes by less than
the skin (each particle moves less than skin/2), so no other image comes within the cutoff.
The image of each listed pair is therefore fixed at the list build, as the integer vector k
(components -1, 0, 1) with d = x_i - (x_j + k L) (the minimum image of
:func:`pelkit.engine.geometry.minimum_image`).

The force loop then needs no minimum image: for each pair with k != 0 the partner is a ghost
particle, a copy of x_j + k L after the N particles, one per distinct (j, k) of the list
(:func:`build_ghosts`, at each list build); each step the positions continuous since the
build, p_i = x_i - L round((x_i - x_i^build) / L) (x_i itself unless i was wrapped back into
the box since), and the ghosts p_j + k L are written into an (N + G, 3) array
(:func:`fill_ghosts`), the vectorised kernel (:func:`pelkit.engine.pair.forces_core`'s row
loop with plain differences) runs over it, and the ghosts' forces are added to their particles
(:func:`fold_ghosts`). Energies and forces agree with the minimum-image kernel to rounding (the
separations of image pairs and the order of the force sums differ in the last bits). Ghost
images in molecular simulation: Allen & Tildesley, Computer Simulation of Liquids, Oxford
1987, section 5.3; LAMMPS's ghost atoms: Thompson et al., Comput. Phys. Commun. 271, 108171
(2022).

Variants: two species at most (species-pair table by a select), g of the Lennard-Jones, even
or odd form (:func:`pelkit.engine.pair.vector_form`), with or without energies; other models
keep the minimum-image kernel (:func:`ghosts_apply`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pelkit.engine.neighbors import fill_half_list, uses_cell_path
from pelkit.engine.pair import FORM_EVEN, FORM_LJ, FORM_ODD, LANES, TWO_SPECIES, _core

CENTRE = 13  # code (k0 + 1) 9 + (k1 + 1) 3 + (k2 + 1) of k = (0, 0, 0)


def ghosts_apply(box: np.ndarray, r_list: float, form: int, mixing: int,
                 n_species: int) -> bool:
    """True when a run may use ghost images: every box side >= 2 ``r_list`` (module doc), the
    small-box list path (rows j > i: :func:`pelkit.engine.neighbors.fill_half_list`), at most
    two species with a species-pair table, and a vectorised form of g."""
    box = np.asarray(box, dtype=np.float64)
    return bool(
        np.all(box >= 2.0 * r_list)
        and not uses_cell_path(box, r_list)
        and mixing == 0
        and n_species <= 2
        and form in (FORM_LJ, FORM_EVEN, FORM_ODD)
    )


def no_ghosts() -> tuple:
    """The ghost tuple of :func:`pelkit.dynamics.integrators.run_chunk` for runs without ghost
    images (minimum-image kernel): (False, empty arrays of the right types)."""
    return (False, np.empty((0, 0), dtype=np.int32), np.empty((0, 0), dtype=np.int64),
            np.empty(0, dtype=np.int64), np.empty((0, 3)), np.zeros(1, dtype=np.int64),
            np.empty((0, 3)), np.empty((0, 3)), np.empty(0, dtype=np.int64))


class GhostImages:
    """Arrays of the ghost images of one system (N particles, species (N,)).

    ``capacity`` ghosts at most (4 N + 64 to start; :meth:`resize` with ``widen`` doubles
    it); rows of ``neighbors`` as wide as the Verlet list's (:meth:`resize`)."""

    def __init__(self, species: np.ndarray, width: int, capacity: int | None = None) -> None:
        n = species.shape[0]
        self.n = n
        self.species = np.ascontiguousarray(species, dtype=np.int64)
        self.capacity = int(capacity if capacity is not None else 4 * n + 64)
        self.table = np.full((27, n), -1, dtype=np.int64)
        self.n_ghosts = np.zeros(1, dtype=np.int64)
        self._allocate(width)

    def _allocate(self, width: int) -> None:
        n, cap = self.n, self.capacity
        self.neighbors = np.empty((n, width), dtype=np.int32)
        self.source = np.zeros(cap, dtype=np.int64)
        self.shift = np.zeros((cap, 3))
        self.positions = np.zeros((n + cap, 3))
        self.forces = np.zeros((n + cap, 3))
        self.ext_species = np.zeros(n + cap, dtype=np.int64)
        self.ext_species[:n] = self.species

    def resize(self, width: int, widen: bool = False) -> None:
        """Rows of ``width`` (the Verlet list's); ``widen``: double the ghost capacity."""
        if widen:
            self.capacity *= 2
        if widen or width != self.neighbors.shape[1]:
            self._allocate(width)

    def build(self, reference: np.ndarray, box: np.ndarray, nbr: np.ndarray,
              counts: np.ndarray) -> bool:
        """Ghosts of the list (nbr, counts) built around ``reference`` (N, 3); False when the
        capacity is too small (call :meth:`resize` with ``widen`` and build again)."""
        g = build_ghosts(reference, box, nbr, counts, self.neighbors, self.table, self.source,
                         self.shift, self.ext_species)
        if g < 0:
            return False
        self.n_ghosts[0] = g
        return True

    def kernel_state(self) -> tuple:
        """(neighbors, table, source, shift, n_ghosts (1,), positions, forces, ext_species):
        the ghost tuple of :func:`forces_with_ghosts` (updated in place on list rebuilds)."""
        return (self.neighbors, self.table, self.source, self.shift, self.n_ghosts,
                self.positions, self.forces, self.ext_species)


@njit(cache=True, nogil=True, inline="always")
def _wrapped(x, length):
    """x - L floor(x / L): x itself when already in [0, L)."""
    return x - length * np.floor(x / length)


@njit(cache=True, nogil=True, error_model="numpy")
def build_ghosts(ref, box, nbr, counts, gnbr, table, source, shift, ext_species):
    """Ghost rows for the half list (nbr, counts) built around ``ref`` (N, 3).

    Writes ``gnbr`` (N, K) (the list with each partner j seen through image k != 0 replaced by
    its ghost's index N + g, padding copied: module doc), ``source`` (G,) and ``shift`` (G, 3)
    (the ghost's particle j and k L), ``ext_species[N + g]`` = species of j. ``table`` (27, N)
    must hold -1 on entry and does on return. Returns G, or -1 when more than
    ``source.shape[0]`` ghosts are needed."""
    n = counts.shape[0]
    cap = source.shape[0]
    g = 0
    full = False
    k = np.zeros(3)
    for i in range(n):
        cnt = counts[i]
        padded = (cnt + LANES - 1) // LANES * LANES
        for m in range(cnt):
            j = nbr[i, m]
            code = 0
            for a in range(3):
                length = box[a]
                d = _wrapped(ref[i, a], length) - _wrapped(ref[j, a], length)
                k[a] = np.floor(d / length + 0.5)
                code = code * 3 + int(k[a]) + 1
            if code == CENTRE:
                gnbr[i, m] = j
                continue
            t = table[code, j]
            if t < 0:
                if g >= cap:
                    full = True
                    break
                t = n + g
                table[code, j] = t
                source[g] = j
                for a in range(3):
                    shift[g, a] = k[a] * box[a]
                ext_species[t] = ext_species[j]
                g += 1
            gnbr[i, m] = t
        if full:
            break
        for m in range(cnt, padded):
            gnbr[i, m] = nbr[i, m]
    for q in range(g):  # reset the table entries used
        code = 0
        for a in range(3):
            code = code * 3 + int(np.round(shift[q, a] / box[a])) + 1
        table[code, source[q]] = -1
    return -1 if full else g


@njit(cache=True, nogil=True, error_model="numpy")
def fill_ghosts(pos, ref, box, source, shift, n_ghosts, ext):
    """ext[i] = p_i, the position of particle i continuous since the list build (module doc),
    and ext[N + g] = p_j + k L for the ghosts (N + G, 3)."""
    n = pos.shape[0]
    for i in range(n):
        for a in range(3):
            length = box[a]
            x = pos[i, a]
            ext[i, a] = x - length * np.round((x - _wrapped(ref[i, a], length)) / length)
    for q in range(n_ghosts):
        j = source[q]
        for a in range(3):
            ext[n + q, a] = ext[j, a] + shift[q, a]


@njit(cache=True, nogil=True)
def fold_ghosts(ext_forces, source, n_ghosts, forces):
    """forces (N, 3) = the particles' rows of ``ext_forces`` plus their ghosts' rows."""
    n = forces.shape[0]
    forces[:, :] = ext_forces[:n]
    for q in range(n_ghosts):
        j = source[q]
        for a in range(3):
            forces[j, a] += ext_forces[n + q, a]


# the kernel variants (two species, one form each, with or without energies); error_model
# "numpy" as in engine.pair (a division that may raise cannot be vectorised)
@njit(cache=True, nogil=True, error_model="numpy")
def _ghost_lj(pos, box, nbr, counts, species, diameters, eps_t, x_cut, tab, coef, forces):
    return _core(FORM_LJ, TWO_SPECIES, True, pos, box, nbr, counts, 0, species, diameters,
                 eps_t, 0.0, x_cut, tab, coef, forces, False)


@njit(cache=True, nogil=True, error_model="numpy")
def _ghost_even(pos, box, nbr, counts, species, diameters, eps_t, x_cut, tab, coef, forces):
    return _core(FORM_EVEN, TWO_SPECIES, True, pos, box, nbr, counts, 0, species, diameters,
                 eps_t, 0.0, x_cut, tab, coef, forces, False)


@njit(cache=True, nogil=True, error_model="numpy")
def _ghost_odd(pos, box, nbr, counts, species, diameters, eps_t, x_cut, tab, coef, forces):
    return _core(FORM_ODD, TWO_SPECIES, True, pos, box, nbr, counts, 0, species, diameters,
                 eps_t, 0.0, x_cut, tab, coef, forces, False)


@njit(cache=True, nogil=True, error_model="numpy")
def _ghost_lj_f(pos, box, nbr, counts, species, diameters, eps_t, x_cut, tab, coef, forces):
    return _core(FORM_LJ, TWO_SPECIES, False, pos, box, nbr, counts, 0, species, diameters,
                 eps_t, 0.0, x_cut, tab, coef, forces, False)


@njit(cache=True, nogil=True, error_model="numpy")
def _ghost_even_f(pos, box, nbr, counts, species, diameters, eps_t, x_cut, tab, coef, forces):
    return _core(FORM_EVEN, TWO_SPECIES, False, pos, box, nbr, counts, 0, species,
                 diameters, eps_t, 0.0, x_cut, tab, coef, forces, False)


@njit(cache=True, nogil=True, error_model="numpy")
def _ghost_odd_f(pos, box, nbr, counts, species, diameters, eps_t, x_cut, tab, coef, forces):
    return _core(FORM_ODD, TWO_SPECIES, False, pos, box, nbr, counts, 0, species,
                 diameters, eps_t, 0.0, x_cut, tab, coef, forces, False)


@njit(cache=True, nogil=True)
def ghost_forces(form, energies, ext, box, gnbr, counts, ext_species, diameters, eps_t, x_cut,
                 tab, coef, ext_forces):
    """The vectorised kernel over ghost rows: (U, W) ((NaN, NaN) without ``energies``) and the
    forces on the particles and ghosts in ``ext_forces`` (N + G, 3, overwritten)."""
    args = (ext, box, gnbr, counts, ext_species, diameters, eps_t, x_cut, tab, coef, ext_forces)
    if form == FORM_LJ:
        return _ghost_lj(*args) if energies else _ghost_lj_f(*args)
    if form == FORM_EVEN:
        return _ghost_even(*args) if energies else _ghost_even_f(*args)
    return _ghost_odd(*args) if energies else _ghost_odd_f(*args)


@njit(cache=True, nogil=True)
def forces_with_ghosts(pos, box, params, lists, ghosts, plan, forces, disp2, energies):
    """:func:`pelkit.engine.neighbors.forces_with_list` through ghost images (module doc).

    ``ghosts`` = (:meth:`GhostImages.kernel_state`); on a list rebuild the ghosts are rebuilt.
    Returns (energy, virial, ok) (NaN energy and virial without ``energies``); ok False when a
    list row or the ghost capacity overflowed (the caller widens both and rebuilds)."""
    mixing, species, diameters, eps_t, sig_t, nonadd, terms, x_cut = params
    nbr, counts, ref, builds, skin, r_list = lists
    gnbr, table, source, shift, n_ghosts, ext, ext_forces, ext_species = ghosts
    form, tab, coef = plan
    if disp2 > (0.5 * skin) ** 2:
        if not fill_half_list(pos, box, skin, r_list, x_cut, mixing, species, diameters, eps_t,
                              sig_t, nonadd, nbr, counts):
            return 0.0, 0.0, False
        ref[:, :] = pos
        builds[0] += 1
        g = build_ghosts(ref, box, nbr, counts, gnbr, table, source, shift, ext_species)
        if g < 0:
            return 0.0, 0.0, False
        n_ghosts[0] = g
    m = pos.shape[0] + n_ghosts[0]
    fill_ghosts(pos, ref, box, source, shift, n_ghosts[0], ext)
    e, w = ghost_forces(form, energies, ext[:m], box, gnbr, counts, ext_species, diameters, eps_t,
                        x_cut, tab, coef, ext_forces[:m])
    fold_ghosts(ext_forces, source, n_ghosts[0], forces)
    return e, w, True
