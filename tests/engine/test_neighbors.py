"""Verlet lists against a brute-force pair search (SCIENCE.md section 0: minimum image).

Checks, after many random moves with automatic rebuilds: every pair within its cutoff r_c,ij is
listed (none missed); right after a build the list is exactly the brute-force set of pairs within
r_c,ij + skin; each pair is listed once (no duplicates, no self pairs; rows hold j > i on the
small-box path). Small boxes (N = 1000 KA included) use the O(N^2) j > i path, large boxes
(at least 5 cells of (r_c + skin)/2 per side, more than FORWARD_MIN_CELLS cells: N = 1500 KA)
the forward half-stencil cell path; a non-cubic box and a polydisperse non-additive model are
covered.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from pelkit.engine.calculator import Calculator
from pelkit.engine.neighbors import FORWARD_MIN_CELLS, VerletList
from pelkit.models.ka import kob_andersen
from pelkit.models.swap import swap_diameters, swap_model
from pelkit.system import Box, System

SKIN = 0.3


class BruteForce:
    """All N(N-1)/2 pairs with their cutoffs x_cut sigma_ij from the mixing rule written here
    (KA table or seed-003 non-additive rule), independent of the engine."""

    def __init__(self, system: System, model) -> None:
        n = system.n_particles
        self.n = n
        self.lengths = system.box.lengths
        self.i, self.j = np.triu_indices(n, k=1)
        if model.mixing == "species":
            sig_table = np.array([[1.0, 0.8], [0.8, 0.88]])
            sig = sig_table[system.species[self.i], system.species[self.j]]
        else:
            di, dj = system.diameters[self.i], system.diameters[self.j]
            sig = 0.5 * (di + dj) * (1.0 - 0.2 * np.abs(di - dj))
        self.r_cut = model.x_cut * sig

    def pairs(self, positions: np.ndarray, extra: float) -> np.ndarray:
        """Sorted keys i N + j of the pairs with minimum-image distance < r_c,ij + extra."""
        d = positions[self.i] - positions[self.j]
        d -= self.lengths * np.round(d / self.lengths)
        r = np.sqrt(np.einsum("ij,ij->i", d, d))
        close = r < self.r_cut + extra
        return self.i[close] * self.n + self.j[close]


def listed_pairs(verlet: VerletList) -> np.ndarray:
    """Sorted keys i N + j (i < j) of the listed pairs (checks: no self pairs, each pair listed
    once, whichever row holds it; on the small-box path the row is that of the smaller index)."""
    oriented = verlet.pairs(oriented=True)
    assert np.all(oriented[:, 0] != oriented[:, 1]), "a particle listed as its own partner"
    if not uses_cell_list(verlet):
        assert np.all(oriented[:, 0] < oriented[:, 1]), "small boxes list j > i in row i"
    pairs = verlet.pairs()
    keys = np.sort(pairs[:, 0] * verlet.counts.size + pairs[:, 1])
    assert np.all(np.diff(keys) > 0), "duplicate pairs in the Verlet list"
    return keys


def ka_random(box_lengths, n: int, seed: int) -> System:
    rng = np.random.default_rng(seed)
    lengths = np.asarray(box_lengths, dtype=float)
    species = (rng.random(n) < 0.2).astype(np.int64)
    return System(positions=rng.random((n, 3)) * lengths, box=Box(lengths), species=species)


def swap_random(side: float, n: int, seed: int) -> System:
    rng = np.random.default_rng(seed)
    return System(
        positions=rng.random((n, 3)) * side, box=Box.cubic(side),
        diameters=swap_diameters(n, seed=seed),
    )


def uses_cell_list(verlet: VerletList) -> bool:
    """The builder takes the cell-list path when every side holds >= 5 cells of (r_c + skin)/2
    and there are more than FORWARD_MIN_CELLS cells."""
    cells = verlet.box // (0.5 * (verlet.r_cut_max + verlet.skin))
    return bool(np.all(cells >= 5) and np.prod(cells) > FORWARD_MIN_CELLS)


CASES = {
    # name: (model, system factory, expected path)
    "ka-small-cubic": (kob_andersen(), lambda: ka_random([5.2, 5.2, 5.2], 170, 1), False),
    "ka-small-noncubic": (kob_andersen(), lambda: ka_random([5.1, 6.3, 7.9], 300, 2), False),
    "ka-mixed-path": (kob_andersen(), lambda: ka_random([5.5, 9.0, 9.0], 500, 3), False),
    "ka-large-cubic": (kob_andersen(), lambda: ka_random([10.77] * 3, 1500, 4), True),
    "ka-j-above-i-1000": (kob_andersen(), lambda: ka_random([9.41] * 3, 1000, 9), False),
    "ka-large-noncubic": (kob_andersen(), lambda: ka_random([8.7, 11.5, 14.3], 1200, 5), True),
    "swap-small": (swap_model(), lambda: swap_random(5.0, 125, 6), False),
    "swap-large": (swap_model(), lambda: swap_random(10.5, 1150, 7), True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_verlet_list_matches_brute_force_under_random_moves(name: str) -> None:
    model, factory, cell_path = CASES[name]
    system = factory()
    calc = Calculator(model, system, skin=SKIN, check_overlap=False)
    verlet = calc.verlet
    assert uses_cell_list(verlet) == cell_path
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    pos = system.positions.copy()
    n = pos.shape[0]
    brute = BruteForce(system, model)
    builds_seen = 0
    quiet_steps = 0
    for step in range(30):
        if step % 7 == 3:
            # one particle jumps by more than skin/2: forces a rebuild
            pos[rng.integers(n)] += rng.normal(size=3) * SKIN
        else:
            # small moves; some accumulate past skin/2 over several steps
            pos += rng.normal(scale=0.01, size=pos.shape)
        before = verlet.builds
        calc.energy(pos)
        rebuilt = verlet.builds > before
        listed = listed_pairs(verlet)
        within_cut = brute.pairs(pos, 0.0)
        missing = np.setdiff1d(within_cut, listed)
        assert missing.size == 0, (
            f"step {step}: {missing.size} pairs within r_c missing, e.g. {divmod(missing[0], n)}"
        )
        if rebuilt:
            builds_seen += 1
            np.testing.assert_array_equal(listed, brute.pairs(pos, SKIN))
        else:
            quiet_steps += 1
    assert builds_seen >= 5 and quiet_steps >= 5, (builds_seen, quiet_steps)
    # energy after all the moves equals a calculator built from scratch on the final positions
    fresh = Calculator(model, system.with_positions(pos), skin=SKIN, check_overlap=False)
    assert calc.energy(pos) == pytest.approx(fresh.energy(), rel=1e-13, abs=1e-10)


def test_unwrapped_positions_give_the_same_list() -> None:
    system = ka_random([10.77] * 3, 1500, 8)  # cell path (the j > i path: ka-mixed-path)
    model = kob_andersen()
    shifts = np.random.default_rng(9).integers(-3, 4, size=(1500, 3)) * system.box.lengths
    a = VerletList(model.kernel_params(system), system.box.lengths, model.max_cutoff(), SKIN)
    b = VerletList(model.kernel_params(system), system.box.lengths, model.max_cutoff(), SKIN)
    a.build(system.positions)
    b.build(system.positions + shifts)
    np.testing.assert_array_equal(listed_pairs(a), listed_pairs(b))
    ca = Calculator(model, system, check_overlap=False)
    # random positions overlap (pair energies up to ~1e13): the rounding of x + k L (|k L| up
    # to 32) is amplified 12-fold by r^-12, hence 1e-11 rather than machine precision
    assert ca.energy(system.positions + shifts) == pytest.approx(
        ca.energy(system.positions), rel=1e-11
    )


def test_no_rebuild_for_small_moves_and_rebuild_for_large() -> None:
    system = ka_random([5.2, 5.2, 5.2], 170, 10)
    calc = Calculator(kob_andersen(), system, skin=SKIN, check_overlap=False)
    calc.energy()
    builds = calc.verlet.builds
    pos = system.positions.copy()
    pos[0, 0] += 0.49 * SKIN
    assert calc.verlet.update(pos) is False
    assert calc.verlet.builds == builds
    pos[1, 2] -= 0.51 * SKIN
    assert calc.verlet.update(pos) is True
    assert calc.verlet.builds == builds + 1


def test_row_overflow_widens_the_list() -> None:
    """A dense cluster overflows the initial row width; the builder retries wider."""
    rng = np.random.default_rng(11)
    pos = rng.random((400, 3)) * 1.5  # 400 particles in a 1.5^3 corner of a 6^3 box
    system = System(positions=pos, box=Box.cubic(6.0), species=np.zeros(400, dtype=np.int64))
    model = kob_andersen()
    verlet = VerletList(model.kernel_params(system), system.box.lengths, model.max_cutoff(), SKIN)
    verlet.build(system.positions)
    assert verlet.width > 64
    np.testing.assert_array_equal(
        listed_pairs(verlet), BruteForce(system, model).pairs(system.positions, SKIN)
    )


def test_is_valid_follows_the_half_skin_rule_across_the_boundary() -> None:
    """``is_valid`` (used by the NEB band cache) is the test ``update`` rebuilds on: False
    before a build, for a move beyond skin/2 (minimum image: a wrap is no move), for another
    particle count and for non-finite positions; it never rebuilds."""
    system = ka_random([5.2, 5.2, 5.2], 170, 12)
    verlet = Calculator(kob_andersen(), system, skin=SKIN, check_overlap=False).verlet
    pos = system.positions.copy()
    assert not verlet.is_valid(pos)
    verlet.build(pos)
    builds = verlet.builds
    moved = pos.copy()
    moved[3] += system.box.lengths  # a whole box away: the same periodic image
    moved[0, 1] += 0.49 * SKIN
    assert verlet.is_valid(moved)
    moved[0, 1] += 0.02 * SKIN
    assert not verlet.is_valid(moved)
    assert not verlet.is_valid(pos[:-1])
    bad = pos.copy()
    bad[5, 0] = np.nan
    assert not verlet.is_valid(bad)
    assert verlet.builds == builds
