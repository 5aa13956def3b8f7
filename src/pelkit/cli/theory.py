"""``pelkit theory ...``: the analytical landscape models (seeds 000, 001, 002)."""

from __future__ import annotations

import typer

theory_app = typer.Typer(no_args_is_help=True, help="Analytical landscape models.")

# The subcommand modules register themselves on ``theory_app`` when imported.
from pelkit.cli import (  # noqa: E402,F401
    theory_hypercube,
    theory_master_equation,
    theory_rem,
    theory_soft_potential,
)
