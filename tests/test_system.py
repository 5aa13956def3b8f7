"""Box and System: validation, minimum image, wrapping, image counts and unwrapped positions
(SCIENCE.md section 0: orthorhombic periodic boxes, minimum image, MSD from unwrapped positions)."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.system import Box, System

L3 = np.array([4.0, 5.0, 7.5])


# --------------------------------------------------------------------------- Box
def test_box_basic() -> None:
    box = Box(L3)
    assert box.lengths.dtype == np.float64
    assert box.volume == pytest.approx(150.0)
    cube = Box.cubic(3.0)
    np.testing.assert_array_equal(cube.lengths, [3.0, 3.0, 3.0])
    assert Box([1, 2, 3]).lengths.dtype == np.float64


@pytest.mark.parametrize(
    "lengths",
    [[1.0, 2.0], [[1.0, 2.0, 3.0]], [1.0, 0.0, 2.0], [1.0, -2.0, 3.0], [np.nan, 1.0, 1.0],
     [np.inf, 1.0, 1.0], ["a", "b", "c"]],
)
def test_box_rejects_bad_lengths(lengths) -> None:
    with pytest.raises(InputError):
        Box(lengths)


def test_minimum_image() -> None:
    box = Box(L3)
    rng = np.random.default_rng(0)
    d = rng.uniform(-30, 30, size=(1000, 3))
    m = box.minimum_image(d)
    assert np.all(np.abs(m) <= L3 / 2 + 1e-12)
    # differs from d by whole box lengths
    k = (d - m) / L3
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    np.testing.assert_allclose(box.minimum_image([3.9, 0.1, -7.0]), [-0.1, 0.1, 0.5])


def test_wrap_into_box_with_shifts() -> None:
    box = Box(L3)
    rng = np.random.default_rng(1)
    pos = rng.uniform(-50, 50, size=(500, 3))
    wrapped, shift = box.wrap(pos)
    assert shift.dtype == np.int64
    assert np.all(wrapped >= 0.0) and np.all(wrapped < L3)
    np.testing.assert_allclose(wrapped + shift * L3, pos, rtol=0, atol=1e-12)


def test_wrap_edge_values() -> None:
    box = Box(L3)
    pos = np.array([[-1e-18, 0.0, 7.5], [4.0, 5.0 - 1e-16, -7.5], [8.0, -5.0, 15.0]])
    wrapped, shift = box.wrap(pos)
    assert np.all(wrapped >= 0.0) and np.all(wrapped < L3)
    np.testing.assert_allclose(wrapped + shift * L3, pos, atol=1e-12)
    np.testing.assert_array_equal(shift[0], [0, 0, 1])  # -1e-18 rounds into the box: image 0
    np.testing.assert_array_equal(shift[2], [2, -1, 2])


def test_check_cutoff() -> None:
    box = Box(L3)
    box.check_cutoff(2.0)  # exactly min(L)/2 is allowed
    with pytest.raises(InputError, match="cutoff"):
        box.check_cutoff(2.0001)


# --------------------------------------------------------------------------- System validation
def _positions(n: int = 6, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, size=(n, 3)) * L3


def test_system_defaults() -> None:
    s = System(positions=_positions(), box=Box(L3))
    assert s.n_particles == 6
    np.testing.assert_array_equal(s.masses, np.ones(6))
    np.testing.assert_array_equal(s.images, np.zeros((6, 3), dtype=np.int64))
    assert s.density == pytest.approx(6 / 150.0)
    assert s.species_labels() == ["A"] * 6
    assert s.velocities is None


def test_box_given_as_array_is_converted() -> None:
    s = System(positions=_positions(), box=L3)
    assert isinstance(s.box, Box)
    np.testing.assert_array_equal(s.box.lengths, L3)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"positions": np.zeros((4, 2))},
        {"positions": np.zeros(12)},
        {"positions": np.zeros((0, 3))},
        {"positions": [[0.0, np.nan, 0.0]]},
        {"positions": [[0.0, np.inf, 0.0]]},
        {"positions": [["x", 0, 0]]},
    ],
)
def test_system_rejects_bad_positions(kwargs) -> None:
    with pytest.raises(InputError):
        System(box=Box(L3), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"species": np.zeros(5, dtype=int)},  # wrong length
        {"species": np.zeros(6)},  # not integer codes
        {"species": np.array([0, 1, 0, -1, 0, 0])},  # negative code
        {"species": np.array([0, 1, 2, 0, 0, 0])},  # code 2 has no name in ("A", "B")
        {"diameters": np.ones(5)},
        {"diameters": np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0])},
        {"diameters": np.array([1.0, 1.0, -1.0, 1.0, 1.0, 1.0])},
        {"diameters": np.array([1.0, 1.0, np.nan, 1.0, 1.0, 1.0])},
        {"masses": np.ones(7)},
        {"masses": np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0])},
        {"masses": np.array([1.0, -2.0, 1.0, 1.0, 1.0, 1.0])},
        {"masses": np.array([1.0, np.nan, 1.0, 1.0, 1.0, 1.0])},
        {"velocities": np.zeros((6, 2))},
        {"velocities": np.full((6, 3), np.nan)},
        {"images": np.zeros((5, 3), dtype=int)},
    ],
)
def test_system_rejects_bad_attributes(kwargs) -> None:
    with pytest.raises(InputError):
        System(positions=_positions(), box=Box(L3), **kwargs)


def test_species_labels_and_names() -> None:
    s = System(
        positions=_positions(), box=Box(L3), species=np.array([0, 1, 2, 0, 1, 2]),
        species_names=("A", "B", "C"),
    )
    assert s.species_labels() == ["A", "B", "C", "A", "B", "C"]
    assert s.species.dtype == np.int64


# --------------------------------------------------------------------------- wrapping and images
def test_positions_outside_are_wrapped_and_unwrapped_recovers_them() -> None:
    rng = np.random.default_rng(3)
    raw = rng.uniform(-40, 40, size=(50, 3))
    s = System(positions=raw, box=Box(L3))
    assert np.all(s.positions >= 0) and np.all(s.positions < L3)
    np.testing.assert_allclose(s.unwrapped_positions(), raw, rtol=0, atol=1e-12)


def test_given_images_are_kept_and_updated() -> None:
    pos = np.array([[1.0, 1.0, 1.0], [4.5, -1.0, 8.0]])
    images = np.array([[2, 0, -1], [0, 3, 0]])
    s = System(positions=pos, box=Box(L3), images=images)
    np.testing.assert_array_equal(s.images, [[2, 0, -1], [1, 2, 1]])
    np.testing.assert_allclose(s.unwrapped_positions(), pos + images * L3, atol=1e-12)


def test_with_positions_accumulates_images_along_a_trajectory() -> None:
    """Small steps that cross the boundary many times: unwrapped = start + sum of steps."""
    rng = np.random.default_rng(4)
    s = System(positions=_positions(10, 5), box=Box(L3))
    start = s.unwrapped_positions()
    total = np.zeros((10, 3))
    for _ in range(400):
        step = rng.normal(scale=0.4, size=(10, 3)) + np.array([0.3, -0.2, 0.5])
        total += step
        s = s.with_positions(s.positions + step)
        assert np.all(s.positions >= 0) and np.all(s.positions < L3)
    assert np.abs(s.images).max() >= 10
    np.testing.assert_allclose(s.unwrapped_positions(), start + total, rtol=0, atol=1e-9)


def test_with_positions_shape_error_and_independence() -> None:
    s = System(positions=_positions(), box=Box(L3))
    with pytest.raises(InputError):
        s.with_positions(np.zeros((5, 3)))
    t = s.with_positions(s.positions)
    t.positions[0, 0] = -99.0
    assert s.positions[0, 0] != -99.0


def test_copy_is_deep() -> None:
    s = System(
        positions=_positions(), box=Box(L3), species=np.array([0, 1, 0, 1, 0, 1]),
        diameters=np.ones(6), masses=np.full(6, 2.0), velocities=np.ones((6, 3)),
        info={"seed": 3},
    )
    c = s.copy()
    for name in ("positions", "species", "diameters", "masses", "velocities", "images"):
        a, b = getattr(s, name), getattr(c, name)
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b), name
    c.info["seed"] = 4
    assert s.info["seed"] == 3
    assert c.species_names == s.species_names


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_with_positions_rejects_non_finite(bad: float) -> None:
    """New positions go through the same finiteness check as the constructor's."""
    s = System(positions=_positions(), box=Box(L3))
    pos = s.positions.copy()
    pos[2, 1] = bad
    with pytest.raises(InputError, match="NaN or infinite"):
        s.with_positions(pos)
