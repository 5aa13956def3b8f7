"""Shared fixtures of the command-line tests: run ``pelkit`` in-process through its real entry
point (:func:`pelkit.cli.main`, so usage errors and the error guard are those a user sees) or
as a subprocess, and small start configurations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pelkit.build import kob_andersen_system
from pelkit.io.extxyz import write_extxyz


@dataclass
class CliResult:
    """Exit status and the captured streams of one ``pelkit`` call."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        """stdout parsed as JSON."""
        return json.loads(self.stdout)

    def one_error_line(self, status: int = 2) -> str:
        """Assert one ``pelkit: error:`` line on stderr (no traceback) and exit ``status``;
        return the line."""
        assert self.exit_code == status, (self.exit_code, self.stdout, self.stderr)
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pelkit: error: "), self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


@pytest.fixture
def cli(capsys):
    """``cli("energy", "ka.xyz", "-m", "ka")`` -> :class:`CliResult` (in-process)."""
    from pelkit.cli import main

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@pytest.fixture
def pelkit_process():
    """``pelkit_process("md", ...)`` starts ``python -m pelkit.cli ARGS`` as a subprocess (pipes
    for stdout and stderr); processes still running at the end of the test are killed."""
    started: list[subprocess.Popen] = []

    def start(*args: str | Path, cwd: Path | None = None) -> subprocess.Popen:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pelkit.cli", *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture(scope="session")
def ka_file(tmp_path_factory) -> Path:
    """A Kob-Andersen liquid, N = 155 at density 1.2 (species A and B), as extended XYZ."""
    path = tmp_path_factory.mktemp("start") / "ka.xyz"
    write_extxyz(path, kob_andersen_system(155, seed=3))
    return path
