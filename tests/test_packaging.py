"""The package builds (sdist + wheel) and the wheel works outside the repository.

``python -m build`` makes both archives; the wheel is installed into a fresh virtual
environment in a temporary folder, and the commands run from there: ``pelkit --version``,
``pelkit energy`` on the example shipped inside the package, and one
``pelkit study run ka-landscape --preset smoke``.

To keep the suite's time bounded, the fresh environment gets the wheel's own files only
(``pip install --no-deps``) and sees its dependencies through a ``.pth`` file pointing at the
running environment's site-packages (where ``pelkit`` itself is an editable install, which a
``.pth``-added folder does not activate: the test checks that ``pelkit`` is imported from the
wheel). ``pip check`` then confirms that the wheel's declared dependencies are satisfied. Set
``PELKIT_WHEEL_FULL_INSTALL=1`` to install the dependencies from the package index instead
(about 100 s more here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

import pelkit

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env=env, check=False)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


def test_version_is_defined_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    citation = (ROOT / "CITATION.cff").read_text()
    assert f"\nversion: {pelkit.__version__}\n" in citation
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_wheel_installs_and_runs_outside_the_repository(tmp_path):
    pytest.importorskip("build", reason="the 'build' package is not installed (dev extra)")
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(ROOT)],
        cwd=tmp_path)
    wheels = list(dist.glob("pelkit-*.whl"))
    assert len(wheels) == 1 and len(list(dist.glob("pelkit-*.tar.gz"))) == 1
    assert wheels[0].name.startswith(f"pelkit-{pelkit.__version__}-")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    py = venv / "bin" / "python"
    if os.environ.get("PELKIT_WHEEL_FULL_INSTALL") == "1":
        run([str(py), "-m", "pip", "install", "-q", str(wheels[0])], cwd=tmp_path)
    else:
        run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheels[0])], cwd=tmp_path)
        site = run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=tmp_path).stdout.strip()
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (Path(site) / "_pelkit_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
        run([str(py), "-m", "pip", "check"], cwd=tmp_path)

    work = tmp_path / "work"
    work.mkdir()
    where = run([str(py), "-c", "import pelkit; print(pelkit.__file__)"], cwd=work).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    pelkit_cli = str(venv / "bin" / "pelkit")
    out = run([pelkit_cli, "--version"], cwd=work).stdout
    assert out.strip() == f"pelkit {pelkit.__version__}"

    example = run([str(py), "-c", "from pelkit.examples import example_path as p; "
                   "print(p('ka_155.xyz'))"], cwd=work).stdout.strip()
    assert Path(example).is_relative_to(venv)
    energy = json.loads(run([pelkit_cli, "energy", example, "--model", "ka", "--json"],
                            cwd=work).stdout)
    from pelkit.engine.calculator import summarize
    from pelkit.examples import example_path
    from pelkit.io.formats import read_system
    from pelkit.models import get_model

    expected = summarize(get_model("ka"), read_system(example_path("ka_155.xyz")))
    assert energy["energy"] == expected["energy"] and energy["n_particles"] == 155

    run([pelkit_cli, "study", "run", "ka-landscape", "--preset", "smoke", "--out", "smoke",
         "--scheduler", "sync", "--quiet"], cwd=work)
    summary = json.loads((work / "smoke" / "summary.json").read_text())
    assert summary
    assert (work / "smoke" / "report.md").is_file()
