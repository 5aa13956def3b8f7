"""pelkit.io."""
