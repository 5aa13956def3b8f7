"""Assembly of the Typer application from the subcommand modules."""

from __future__ import annotations

import typer

from pelkit import __version__

app = typer.Typer(
    name="pelkit",
    help="pelkit: potential energy landscapes of glasses and supercooled liquids.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pelkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """pelkit: potential energy landscapes of glasses and supercooled liquids."""


from pelkit.cli import analysis as _analysis  # noqa: E402
from pelkit.cli import basin_hopping as _basin_hopping  # noqa: E402
from pelkit.cli import build as _build  # noqa: E402
from pelkit.cli import connect as _connect  # noqa: E402
from pelkit.cli import convert as _convert  # noqa: E402
from pelkit.cli import db as _db  # noqa: E402
from pelkit.cli import energy as _energy  # noqa: E402
from pelkit.cli import modes as _modes  # noqa: E402
from pelkit.cli import neb as _neb  # noqa: E402
from pelkit.cli import saddle as _saddle  # noqa: E402
from pelkit.cli import simulate as _simulate  # noqa: E402
from pelkit.cli import swap_mc as _swap_mc  # noqa: E402
from pelkit.cli import tunnel as _tunnel  # noqa: E402
from pelkit.cli.study import study_app  # noqa: E402
from pelkit.cli.theory import theory_app  # noqa: E402

_build.register(app)
_analysis.register(app)
_energy.register(app)
_convert.register(app)
_simulate.register(app)
_modes.register(app)
_swap_mc.register(app)
_tunnel.register(app)
_neb.register(app)
_saddle.register(app)
_connect.register(app)
_basin_hopping.register(app)
_db.register(app)

app.add_typer(theory_app, name="theory", help="Analytical landscape models (REM, hypercube, ...).")
app.add_typer(study_app, name="study", help="Paper-scale studies: list, run, analyze.")
