"""``python -m pelkit.cli`` runs the command line."""

from pelkit.cli import main

main()
