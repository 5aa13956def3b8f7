"""The ``pelkit`` command line. Each subcommand is a thin wrapper over a public function.

:func:`main` runs the Typer app with Click's standalone handling switched off so that usage
errors (unknown option, missing argument, bad value) are one line ``pelkit: error: ...`` on
stderr with exit status 2, like every other bad input (no boxed panel).
"""

from __future__ import annotations

import sys

import typer

try:  # recent Typer ships its own copy of Click; older versions use Click itself
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click import exceptions as click  # type: ignore[no-redef]

from pelkit.cli.app import app
from pelkit.cli.common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, guard

__all__ = ["app", "main"]


def _usage_line(exc) -> str:  # noqa: ANN001 - a Click UsageError
    """``pelkit: error: MESSAGE (see 'pelkit CMD --help')`` for a usage error."""
    ctx = exc.ctx
    where = f"{ctx.command_path} --help" if ctx is not None else "pelkit --help"
    return f"pelkit: error: {exc.format_message()} (see '{where}')\n"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the Typer app; bad input exits with one line and status 2."""
    try:
        status = app(args=argv, prog_name="pelkit", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        # a group called without a subcommand: its help, as Click's standalone mode prints it
        if exc.ctx is not None:
            sys.stdout.write(exc.ctx.get_help() + "\n")
        raise SystemExit(0) from None
    except click.UsageError as exc:
        sys.stderr.write(_usage_line(exc))
        raise SystemExit(EXIT_BAD_INPUT) from None
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("pelkit: error: interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except click.ClickException as exc:
        sys.stderr.write(f"pelkit: error: {exc.format_message()}\n")
        raise SystemExit(exc.exit_code) from None
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - mapped to one clean line when it is user input
        guard(exc)
    raise SystemExit(status if isinstance(status, int) else 0)
