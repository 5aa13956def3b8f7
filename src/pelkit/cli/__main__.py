"""``python -m pelkit.cli`` runs the command line."""

from pelkit.cli import main

if __name__ == "__main__":  # guard: Dask's spawned workers re-import the main module
    main()
