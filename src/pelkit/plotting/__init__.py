"""pelkit.plotting."""
