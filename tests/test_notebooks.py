"""Every notebook under ``examples/`` runs, at small sizes, so the worked examples never rot.

Each runs in its own process from a temporary folder through ``tools/run_notebook.py`` (the code
cells in order, one namespace, matplotlib's Agg backend) with ``PELKIT_NOTEBOOK_SMALL=1``, which
the notebooks read to shrink their runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").rglob("*.ipynb"))


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 4, names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(notebook, tmp_path):
    content = json.loads(notebook.read_text())
    assert content["nbformat"] == 4
    assert all(not c.get("outputs") for c in content["cells"]), "commit notebooks without outputs"
    env = dict(os.environ, PELKIT_NOTEBOOK_SMALL="1", MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "run_notebook.py"), str(notebook)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
