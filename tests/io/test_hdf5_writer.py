"""pelkit.io.results.atomic_write_hdf5: layout, determinism, atomicity."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from pelkit.io.results import HDF5Group, atomic_write_hdf5


def _tree(scale: float = 1.0) -> HDF5Group:
    inner = HDF5Group(attrs={"T": 0.5, "flags": "a\nb"},
                      datasets={"x": scale * np.arange(4.0), "ok": np.array([True, False])})
    return HDF5Group(attrs={"n": 3, "source": "config"},
                     groups={"temperatures": HDF5Group(groups={"T0.500": inner}),
                             "table": HDF5Group(datasets={"D": [1.0, np.nan]})})


def test_tree_round_trips(tmp_path):
    path = atomic_write_hdf5(tmp_path / "sub" / "r.h5", _tree())
    with h5py.File(path, "r") as h5:
        assert h5.attrs["n"] == 3 and h5.attrs["source"] == "config"
        g = h5["temperatures/T0.500"]
        assert g.attrs["T"] == 0.5 and g.attrs["flags"] == "a\nb"
        np.testing.assert_array_equal(g["x"][()], np.arange(4.0))
        assert g["ok"].dtype == bool
        np.testing.assert_array_equal(h5["table/D"][()], [1.0, np.nan])
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["r.h5"]


def test_same_tree_gives_the_same_bytes(tmp_path):
    a = atomic_write_hdf5(tmp_path / "a.h5", _tree()).read_bytes()
    b = atomic_write_hdf5(tmp_path / "b.h5", _tree()).read_bytes()
    assert a == b
    assert atomic_write_hdf5(tmp_path / "c.h5", _tree(2.0)).read_bytes() != a


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = atomic_write_hdf5(tmp_path / "r.h5", _tree())
    before = path.read_bytes()
    bad = HDF5Group(datasets={"obj": np.array([object(), 1], dtype=object)})
    with pytest.raises(TypeError):
        atomic_write_hdf5(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.h5"]


def test_strings_and_none_datasets(tmp_path):
    path = atomic_write_hdf5(tmp_path / "s.h5", HDF5Group(datasets={"name": "ka é", "gap": None}))
    with h5py.File(path, "r") as h5:
        assert h5["name"][()].decode() == "ka é"
        assert np.isnan(h5["gap"][()])
