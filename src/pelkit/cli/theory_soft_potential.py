"""``pelkit theory soft-potential``: registered on :data:`pelkit.cli.theory.theory_app`."""

from __future__ import annotations

from pelkit.cli.theory import theory_app  # noqa: F401
