"""pelkit.dynamics."""
