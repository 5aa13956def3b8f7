"""pelkit.engine."""
