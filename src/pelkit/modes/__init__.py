"""pelkit.modes."""
