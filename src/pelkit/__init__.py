"""pelkit: a toolkit for the potential energy landscape of glasses and supercooled liquids.

Reduced Lennard-Jones units with k_B = 1 throughout (see docs/physics/models.md).
"""

__version__ = "0.1.0"

from pelkit.errors import InputError

__all__ = ["InputError", "__version__"]
