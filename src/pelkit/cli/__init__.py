"""The ``pelkit`` command line. Each subcommand is a thin wrapper over a public function."""

from __future__ import annotations

from pelkit.cli.app import app
from pelkit.cli.common import guard

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the Typer app; bad input exits with one line and status 2."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped to one clean line when it is user input
        guard(exc)

