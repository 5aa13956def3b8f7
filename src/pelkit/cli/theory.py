"""``pelkit theory ...``: the analytical landscape models (docs/physics/theory.md).

Each subcommand module has a ``register(app)`` function; they are registered here explicitly
(no module registers itself on import, so there is no import cycle).
"""

from __future__ import annotations

import typer

from pelkit.cli import (
    theory_hypercube,
    theory_master_equation,
    theory_rem,
    theory_soft_potential,
)

theory_app = typer.Typer(no_args_is_help=True, help="Analytical landscape models.")

for _module in (theory_rem, theory_hypercube, theory_master_equation, theory_soft_potential):
    _module.register(theory_app)
