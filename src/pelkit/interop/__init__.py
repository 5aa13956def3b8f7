"""Bridges to other programs (optional extras): :mod:`pelkit.interop.ase` for ASE."""
