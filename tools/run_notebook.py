"""Run the code cells of a Jupyter notebook as one script (no Jupyter kernel needed).

    python tools/run_notebook.py examples/notebooks/01_ka_inherent_structures_modes.ipynb

The cells run in order in one namespace, in the current directory, with matplotlib's Agg
backend; an exception in any cell fails the run (exit status 1) and names the cell. The test
suite runs every notebook under ``examples/`` this way with ``PELKIT_NOTEBOOK_SMALL=1``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path


def run_notebook(path: Path) -> None:
    """Execute the code cells of ``path``; raise RuntimeError naming the failing cell."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    notebook = json.loads(path.read_text())
    namespace: dict = {"__name__": "__main__"}
    code_cells = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
    for k, cell in enumerate(code_cells):
        source = "".join(cell["source"])
        try:
            exec(compile(source, f"{path.name}[cell {k}]", "exec"), namespace)  # noqa: S102
        except Exception as exc:
            raise RuntimeError(
                f"{path.name}: code cell {k} failed:\n{traceback.format_exc()}"
            ) from exc


if __name__ == "__main__":
    for name in sys.argv[1:]:
        run_notebook(Path(name).resolve())
