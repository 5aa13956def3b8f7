"""OVITO's Python module (an independent reader) opens pelkit's extended XYZ and LAMMPS dumps.

OVITO is large (a 116 MB wheel) and not part of the validation extra; install it with
``pip install ovito`` to run these checks. OVITO's number parser is not correctly rounded, so
positions agree to a few ulp rather than bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.examples import example_path
from pelkit.io.extxyz import read_extxyz
from pelkit.io.lammps_dump import write_lammps_dump

ovito_io = pytest.importorskip(
    "ovito.io", reason="OVITO is not installed (pip install ovito; not in the validation extra)"
)

pytestmark = pytest.mark.validation


def test_ovito_reads_extxyz_species_apart():
    path = example_path("ka_155.xyz")
    system = read_extxyz(path)
    data = ovito_io.import_file(str(path)).compute()
    assert data.particles.count == system.n_particles
    np.testing.assert_allclose(np.asarray(data.particles.positions), system.positions,
                               rtol=0, atol=4e-15)
    types = data.particles.particle_types
    names = {t.id: t.name for t in types.types}
    labels = [names[int(t)] for t in np.asarray(types)]
    assert labels == [("H", "He")[c] for c in system.species]
    assert np.allclose(np.diag(np.asarray(data.cell)[:, :3]), system.box.lengths)


def test_ovito_reads_lammps_dump(tmp_path):
    system = read_extxyz(example_path("ka_155.xyz"))
    rng = np.random.default_rng(1)
    frames = [system.with_positions(system.positions + rng.normal(0, 0.5, (155, 3)))
              for _ in range(3)]
    write_lammps_dump(tmp_path / "t.dump", frames, [0, 100, 200])
    pipeline = ovito_io.import_file(str(tmp_path / "t.dump"))
    assert pipeline.source.num_frames == 3
    for k, frame in enumerate(frames):
        data = pipeline.compute(k)
        assert data.attributes["Timestep"] == 100 * k
        np.testing.assert_allclose(np.asarray(data.particles.positions), frame.positions,
                                   rtol=0, atol=4e-15)
        assert np.array_equal(np.asarray(data.particles["Periodic Image"]), frame.images)
        assert np.array_equal(np.asarray(data.particles.particle_types), frame.species + 1)
