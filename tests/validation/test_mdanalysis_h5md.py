"""MDAnalysis, an independent H5MD reader, opens pelkit's MD trajectories.

MDAnalysis's H5MD reader (Gowers et al., Proc. 15th Python in Science Conf., 2016) needs unit
attributes it recognises and the box edges as a time-dependent element; pelkit writes both (its
reduced units labelled Angstrom and ps, which MDAnalysis leaves unconverted). MDAnalysis keeps
coordinates in float32, so every frame must equal pelkit's own reading rounded to float32.
The species come from a topology file: pelkit's extended XYZ, whose first column holds the
element placeholders (H for A, He for B) that MDAnalysis's XYZ parser takes as atom names.
"""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.build import kob_andersen_system
from pelkit.dynamics.md import MDSimulation
from pelkit.io.extxyz import write_extxyz
from pelkit.io.h5md import read_trajectory
from pelkit.models import get_model

mda = pytest.importorskip(
    "MDAnalysis", reason="MDAnalysis is not installed (pip install MDAnalysis, part of the "
    "'validation' extra)"
)

pytestmark = pytest.mark.validation


def test_mdanalysis_reads_every_frame(tmp_path):
    sim = MDSimulation(get_model("ka"), kob_andersen_system(155, seed=1), temperature=0.8, seed=1)
    sim.run(300, trajectory=tmp_path / "traj.h5", stride=20, log_every=10)
    traj = read_trajectory(tmp_path / "traj.h5")
    write_extxyz(tmp_path / "top.xyz", traj.system(0))

    universe = mda.Universe(str(tmp_path / "top.xyz"), str(tmp_path / "traj.h5"), format="H5MD")
    reader = universe.trajectory
    assert reader.n_frames == traj.n_frames == 16
    assert reader.units["length"] == "Angstrom" and reader.units["time"] == "ps"
    names = universe.atoms.names
    assert np.array_equal(names == "He", traj.species == 1)  # species told apart
    seen = 0
    for ts in reader:
        i = ts.frame
        assert np.array_equal(ts.positions, traj.positions[i].astype(np.float32))
        assert np.array_equal(ts.velocities, traj.velocities[i].astype(np.float32))
        assert np.array_equal(ts.dimensions[:3], traj.box.lengths.astype(np.float32))
        assert np.array_equal(ts.dimensions[3:], [90.0, 90.0, 90.0])
        assert ts.data["step"] == traj.steps[i]
        assert np.isclose(ts.time, traj.times[i], rtol=1e-6)
        seen += 1
    assert seen == traj.n_frames
