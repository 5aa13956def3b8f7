"""Path files: HDF5 read and write of relaxed bands and energy profiles (``pelkit neb --out``).

Format "pelkit-neb-path", version 1, written by :func:`write_path_h5` (or :func:`write_neb_path`
for a :class:`~pelkit.landscape.neb.NEBResult`) and read by :func:`read_path_h5`; ``pelkit
tunnel`` reads it (:func:`tunnel_from_path_file`):

    /energy     (M,)   float64  image energies V_k, epsilon (total energies)       required
    /xi         (M,)   float64  mass-weighted arc length, sqrt(m) sigma           required
                                 unless /images is present (then computed from it)
    /dV_dxi     (M,)   float64  tangential derivative dV/dxi                       optional
    /images     (M, n) float64  band configurations, sigma                         optional
    /masses     (n,) or (n/block,) float64  masses in m                            optional
    /box        (block,) float64  periodic box lengths, sigma                      optional
    attributes: format = "pelkit-neb-path", version = 1, block (int, with /images),
                omega_a, omega_b (omega_tan at A and B in 1/tau, e.g. from the Hessian),
                climbing_index, converged, max_force, n_images                     optional

xi is the mass-weighted arc length of :func:`pelkit.landscape.path_geometry.arc_length`; the
profile V(xi) is the cubic Hermite interpolation of :func:`pelkit.landscape.doublewell.path_profile`
(the climbing-image NEB band of Henkelman, Uberuaga & Jonsson, J. Chem. Phys. 113, 9901 (2000)).
This module sits above :mod:`pelkit.landscape` (it needs the path geometry); nothing in
``landscape`` imports it. See ``docs/physics/landscape.md`` (tunnel splitting).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pelkit.errors import InputError
from pelkit.landscape.doublewell import DEFAULT_WIGGLE_TOL, PathProfile, path_profile
from pelkit.landscape.path_geometry import arc_length
from pelkit.landscape.tunneling import TunnelResult, UnitSystem, path_tunnel_splitting

if TYPE_CHECKING:
    from pelkit.landscape.neb import NEBResult
    from pelkit.landscape.paths import PathBetween

FloatArray = NDArray[np.float64]

PATH_FORMAT = "pelkit-neb-path"
PATH_FORMAT_VERSION = 1


@dataclass
class PathData:
    """Contents of a path file (layout in the module docstring).

    Attributes:
        xi: (M,) arc length, sqrt(m) sigma.
        energy: (M,) energies, epsilon.
        dv_dxi: (M,) or None.
        images: (M, n) or None.
        masses: (n,) or (n/block,) or None.
        box: (block,) or None.
        block: coordinates per particle (None without images).
        omega_a, omega_b: stored frequencies at the ends, 1/tau, or None.
        attrs: every other attribute of the file.
    """

    xi: FloatArray
    energy: FloatArray
    dv_dxi: FloatArray | None = None
    images: FloatArray | None = None
    masses: FloatArray | None = None
    box: FloatArray | None = None
    block: int | None = None
    omega_a: float | None = None
    omega_b: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def profile(self) -> PathProfile:
        """V(xi): Hermite with the stored slopes, else the clamped spline."""
        return path_profile(self.xi, self.energy, self.dv_dxi)


def write_path_h5(
    filename: str | os.PathLike[str],
    *,
    energy: ArrayLike,
    xi: ArrayLike | None = None,
    dv_dxi: ArrayLike | None = None,
    images: ArrayLike | None = None,
    masses: ArrayLike | None = None,
    box: ArrayLike | None = None,
    block: int | None = None,
    omega_a: float | None = None,
    omega_b: float | None = None,
    attrs: dict[str, Any] | None = None,
) -> None:
    """Write a path file (format "pelkit-neb-path" v1; layout in the module docstring).

    ``xi`` is computed from ``images`` (with ``masses``, ``box``, ``block``) when left out.
    The file is written to a temporary name and renamed (atomic).
    """
    import h5py

    e = np.asarray(energy, dtype=np.float64).ravel()
    if images is not None:
        R = np.asarray(images, dtype=np.float64)
        if R.ndim != 2 or R.shape[0] != e.size:
            raise InputError("images must be (M, n) with one row per energy")
        if block is None:
            raise InputError("block (coordinates per particle) is required with images")
        if xi is None:
            xi = arc_length(R, masses, box, block)
    elif xi is None:
        raise InputError("a path file needs xi or images")
    x = np.asarray(xi, dtype=np.float64).ravel()
    path_profile(x, e, dv_dxi)  # validates shapes, finiteness and monotonic xi
    tmp = f"{os.fspath(filename)}.tmp{os.getpid()}"
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = PATH_FORMAT
        f.attrs["version"] = PATH_FORMAT_VERSION
        f.create_dataset("energy", data=e)
        f.create_dataset("xi", data=x)
        if dv_dxi is not None:
            f.create_dataset("dV_dxi", data=np.asarray(dv_dxi, dtype=np.float64).ravel())
        if images is not None:
            f.create_dataset("images", data=np.asarray(images, dtype=np.float64))
            f.attrs["block"] = int(block)  # type: ignore[arg-type]
        if masses is not None:
            f.create_dataset("masses", data=np.asarray(masses, dtype=np.float64).ravel())
        if box is not None:
            f.create_dataset("box", data=np.asarray(box, dtype=np.float64).ravel())
        if omega_a is not None:
            f.attrs["omega_a"] = float(omega_a)
        if omega_b is not None:
            f.attrs["omega_b"] = float(omega_b)
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
    os.replace(tmp, filename)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def read_path_h5(filename: str | os.PathLike[str]) -> PathData:
    """Read a path file written by :func:`write_path_h5` (or any file with that layout).

    Raises :class:`InputError` for a file that is not HDF5, lacks ``energy`` or both ``xi`` and
    ``images``, or holds inconsistent shapes; FileNotFoundError for a missing file.
    """
    import h5py

    name = os.fspath(filename)
    if not os.path.exists(name):
        raise FileNotFoundError(2, "No such file", name)
    try:
        f = h5py.File(name, "r")
    except OSError as exc:
        raise InputError(f"{name} is not a readable HDF5 file ({exc})") from None
    with f:
        attrs = {k: _plain(v) for k, v in f.attrs.items()}
        fmt = attrs.get("format")
        if fmt is not None and fmt != PATH_FORMAT:
            raise InputError(f"{name} has format {fmt!r}, expected {PATH_FORMAT!r}")

        def get(key: str) -> FloatArray | None:
            if key not in f:
                return None
            obj = f[key]
            if not isinstance(obj, h5py.Dataset):
                raise InputError(f"{name}: /{key} is not a dataset")
            return np.asarray(obj[()], dtype=np.float64)

        energy = get("energy")
        if energy is None:
            raise InputError(f"{name} has no /energy dataset")
        xi, images, masses, box = get("xi"), get("images"), get("masses"), get("box")
        dv = get("dV_dxi")
    energy = energy.ravel()
    block = attrs.get("block")
    if images is not None:
        if images.ndim != 2 or images.shape[0] != energy.size:
            raise InputError(f"{name}: /images must be (M, n) with M = {energy.size}")
        if block is None:
            raise InputError(f"{name}: /images needs the 'block' attribute")
        block = int(block)
    if xi is None:
        if images is None:
            raise InputError(f"{name} has neither /xi nor /images")
        xi = arc_length(images, masses, box, block)  # type: ignore[arg-type]
    xi = xi.ravel()
    if xi.size != energy.size:
        raise InputError(f"{name}: /xi has {xi.size} values but /energy has {energy.size}")
    if energy.size < 3:
        raise InputError(f"{name}: a path needs at least 3 images")
    omega_a = attrs.pop("omega_a", None)
    omega_b = attrs.pop("omega_b", None)
    data = PathData(
        xi=xi,
        energy=energy,
        dv_dxi=None if dv is None else dv.ravel(),
        images=images,
        masses=masses,
        box=box,
        block=None if block is None else int(block),
        omega_a=None if omega_a is None else float(omega_a),
        omega_b=None if omega_b is None else float(omega_b),
        attrs=attrs,
    )
    data.profile()  # validate
    return data


def write_neb_path(
    filename: str | os.PathLike[str],
    result: NEBResult,
    *,
    omega_a: float | None = None,
    omega_b: float | None = None,
) -> None:
    """Write a relaxed band as a path file: energies, xi, dV/dxi, images, masses, box, and the
    run's climbing index (-1 without climbing), convergence, max force, band size, spring
    constant and fmax as attributes. ``omega_a``/``omega_b``: omega_tan at the ends (1/tau)."""
    write_path_h5(
        filename,
        energy=result.energies,
        xi=result.xi,
        dv_dxi=result.dv_dxi,
        images=result.images,
        masses=result.masses,
        box=result.box,
        block=result.block,
        omega_a=omega_a,
        omega_b=omega_b,
        attrs={
            "climbing_index": -1 if result.climbing_index is None else result.climbing_index,
            "converged": result.converged,
            "max_force": result.max_force,
            "n_images": result.n_images,
            "spring_constant": result.spring_constant,
            "fmax": result.fmax,
        },
    )


def write_path_between(filename: str | os.PathLike[str], path: PathBetween) -> None:
    """Write the band of :func:`pelkit.landscape.paths.neb_between` as a path file, with its
    Hessian omega_tan at A and B where they are positive (``pelkit neb --out``)."""
    an = path.analysis
    write_neb_path(filename, path.result, omega_a=an.omega_a if an.omega_a > 0 else None,
                   omega_b=an.omega_b if an.omega_b > 0 else None)


def tunnel_from_path_file(
    filename: str | os.PathLike[str],
    units: UnitSystem,
    *,
    omega_a: float | None = None,
    omega_b: float | None = None,
    n_levels: int = 4,
    rtol: float = 1e-4,
    wiggle_tol: float = DEFAULT_WIGGLE_TOL,
    require_double_well: bool = True,
) -> tuple[TunnelResult, PathData]:
    """Read a path file, check the double well and compute the splitting.

    ``omega_a``/``omega_b`` override the stored values; otherwise stored values are used, and
    the profile curvature where none is stored
    (:func:`pelkit.landscape.tunneling.path_tunnel_splitting`). Raises InputError when the
    profile is not a simple double well and ``require_double_well`` is set.
    """
    data = read_path_h5(filename)
    result = path_tunnel_splitting(
        data.profile(), units,
        omega_a=omega_a if omega_a is not None else data.omega_a,
        omega_b=omega_b if omega_b is not None else data.omega_b,
        n_levels=n_levels, rtol=rtol, wiggle_tol=wiggle_tol,
        require_double_well=require_double_well,
    )
    return result, data
