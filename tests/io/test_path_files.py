"""Path files (pelkit.io.paths): round trips, bad files, the tunnelling pipeline, NEB bands,
and the deprecated aliases of the old locations (moved from tests/landscape/test_tunneling.py)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.io.paths import (
    read_path_h5,
    tunnel_from_path_file,
    write_neb_path,
    write_path_h5,
)
from pelkit.landscape.doublewell import path_profile
from pelkit.landscape.tunneling import tunnel_splitting, unit_system


def quartic_path(n_images: int = 41):
    """Images of the symmetric double well V(x) = (x^2 - 1)^2 from x = -1 to 1: (xi, V, dV/dxi)."""
    x = np.linspace(-1.0, 1.0, n_images)
    return x + 1.0, (x * x - 1.0) ** 2, 4.0 * x * (x * x - 1.0)


# ---------------------------------------------------------------------------------------- files


def test_path_file_round_trip(tmp_path):
    xi, v, dv = quartic_path(31)
    f = tmp_path / "path.h5"
    write_path_h5(f, energy=v, xi=xi, dv_dxi=dv, omega_a=2.8, omega_b=2.9, attrs={"seed": 7})
    data = read_path_h5(f)
    np.testing.assert_array_equal(data.xi, xi)
    np.testing.assert_array_equal(data.energy, v)
    np.testing.assert_array_equal(data.dv_dxi, dv)
    assert (data.omega_a, data.omega_b, data.attrs["seed"]) == (2.8, 2.9, 7)
    assert data.attrs["format"] == "pelkit-neb-path"
    assert data.profile().method == "hermite"


def test_path_file_from_images_and_masses(tmp_path):
    """xi is computed from images (minimum image, masses) when the file has no /xi."""
    rng = np.random.default_rng(3)
    n_part, box = 4, np.array([5.0, 5.0, 5.0])
    start = rng.uniform(0, 5, (n_part, 3))
    step = rng.normal(scale=0.01, size=(n_part, 3))
    images = np.array([(start + k * step) % box for k in range(7)]).reshape(7, -1)
    masses = np.array([1.0, 2.0, 1.0, 3.0])
    energy = np.sin(np.linspace(0, np.pi, 7)) ** 2
    f = tmp_path / "p.h5"
    with h5py.File(f, "w") as h:
        h["energy"] = energy
        h["images"] = images
        h["masses"] = masses
        h["box"] = box
        h.attrs["block"] = 3
    data = read_path_h5(f)
    expected = np.sqrt(np.sum(np.repeat(masses, 3) * step.ravel() ** 2))
    np.testing.assert_allclose(np.diff(data.xi), expected, rtol=1e-10)
    assert data.dv_dxi is None and data.profile().method == "spline"


def test_bad_path_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_path_h5(tmp_path / "missing.h5")
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    with pytest.raises(InputError, match="HDF5"):
        read_path_h5(junk)
    no_energy = tmp_path / "noe.h5"
    with h5py.File(no_energy, "w") as h:
        h["xi"] = np.arange(5.0)
    with pytest.raises(InputError, match="energy"):
        read_path_h5(no_energy)
    bad_xi = tmp_path / "badxi.h5"
    with h5py.File(bad_xi, "w") as h:
        h["xi"] = np.array([0.0, 1.0, 1.0, 2.0])
        h["energy"] = np.zeros(4)
    with pytest.raises(InputError, match="increasing"):
        read_path_h5(bad_xi)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as h:
        h.attrs["format"] = "something-else"
        h["xi"] = np.arange(4.0)
        h["energy"] = np.zeros(4)
    with pytest.raises(InputError, match="format"):
        read_path_h5(other)
    with pytest.raises(InputError):
        write_path_h5(tmp_path / "x.h5", energy=np.zeros(4))


def test_file_pipeline_refuses_non_double_well(tmp_path):
    x = np.linspace(-1.5, 1.5, 31)  # three minima along the path: not a simple double well
    v = np.cos(2 * np.pi * x / 1.5) * -1.0
    f = tmp_path / "triple.h5"
    write_path_h5(f, energy=v, xi=x - x[0], dv_dxi=2 * np.pi / 1.5 * np.sin(2 * np.pi * x / 1.5))
    units = unit_system("custom", hbar_tilde=0.1)
    with pytest.raises(InputError, match="not a simple double well"):
        tunnel_from_path_file(f, units)
    res, _ = tunnel_from_path_file(f, units, require_double_well=False)
    assert res.shape is not None and not res.shape.is_double_well


def test_file_pipeline_matches_direct_call(tmp_path):
    xi, v, dv = quartic_path(41)
    f = tmp_path / "dw.h5"
    write_path_h5(f, energy=v, xi=xi, dv_dxi=dv, omega_a=np.sqrt(8.0), omega_b=np.sqrt(8.0))
    units = unit_system("argon-khomenko2021", hbar_tilde=0.3)
    res, _ = tunnel_from_path_file(f, units)
    direct = tunnel_splitting(path_profile(xi, v, dv), 0.3, omega_a=np.sqrt(8.0),
                              omega_b=np.sqrt(8.0))
    assert res.splitting == direct.splitting
    assert res.omega_source == "given"
    assert units.is_active(res.splitting) == (res.splitting <= 0.0015)


# ---------------------------------------------------------------------------- NEB bands, aliases


def _quartic_surface(p):
    """V(x, y) = (x^2 - 1)^2 + 2 y^2: minima (+-1, 0), saddle (0, 0) at V = 1."""
    x, y = p
    return (x * x - 1.0) ** 2 + 2.0 * y * y, np.array([4.0 * x * (x * x - 1.0), 4.0 * y])


@pytest.fixture(scope="module")
def band():
    from pelkit.landscape.neb import NEBOptions, neb

    return neb(_quartic_surface, [-1.0, 0.0], [1.0, 0.0], n_images=9, block=2,
               options=NEBOptions(spring_constant=5.0))


def test_neb_band_round_trip(tmp_path, band):
    f = tmp_path / "band.h5"
    write_neb_path(f, band, omega_a=2.0, omega_b=None)
    data = read_path_h5(f)
    np.testing.assert_array_equal(data.images, band.images)
    np.testing.assert_array_equal(data.energy, band.energies)
    np.testing.assert_array_equal(data.dv_dxi, band.dv_dxi)
    np.testing.assert_array_equal(data.xi, band.xi)
    assert data.block == 2 and data.omega_a == 2.0 and data.omega_b is None
    assert data.attrs["climbing_index"] == band.climbing_index
    assert bool(data.attrs["converged"]) == band.converged
    # the saddle of the surface is at V = 1 and x = 0 (independent of the NEB code)
    assert data.energy[band.climbing_index] == pytest.approx(1.0, abs=1e-10)


def test_deprecated_aliases_warn_and_delegate(tmp_path, band):
    from pelkit.io import paths as io_paths
    from pelkit.landscape import tunneling
    from pelkit.landscape.paths import analyse_band, band_profile, neb_summary

    with pytest.warns(DeprecationWarning, match="pelkit.io.paths.read_path_h5"):
        assert tunneling.read_path_h5 is io_paths.read_path_h5
    with pytest.warns(DeprecationWarning, match="PATH_FORMAT"):
        assert tunneling.PATH_FORMAT == "pelkit-neb-path"
    with pytest.raises(AttributeError):
        tunneling.no_such_name  # noqa: B018
    old, new = tmp_path / "old.h5", tmp_path / "new.h5"
    with pytest.warns(DeprecationWarning, match="write_neb_path"):
        band.write_path(old, omega_a=2.0, omega_b=2.1)
    write_neb_path(new, band, omega_a=2.0, omega_b=2.1)
    a, b = read_path_h5(old), read_path_h5(new)
    np.testing.assert_array_equal(a.images, b.images)
    assert (a.omega_a, a.omega_b) == (b.omega_a, b.omega_b) == (2.0, 2.1)
    with pytest.warns(DeprecationWarning, match="analyse_band"):
        an = band.analyse()
    assert an.summary() == analyse_band(band).summary()
    with pytest.warns(DeprecationWarning, match="band_profile"):
        assert band.profile().method == band_profile(band).method == "hermite"
    with pytest.warns(DeprecationWarning, match="neb_summary"):
        assert band.summary().keys() == neb_summary(band).keys()


def test_moved_study_names_warn():
    from pelkit.landscape import paths as landscape_paths
    from pelkit.studies.tls_qlm import paths as study_paths

    for name in ("Segment", "end_continuations", "double_well_quantities"):
        with pytest.warns(DeprecationWarning, match=f"pelkit.landscape.paths.{name}"):
            assert getattr(study_paths, name) is getattr(landscape_paths, name)
    with pytest.raises(AttributeError):
        study_paths.no_such_name  # noqa: B018
