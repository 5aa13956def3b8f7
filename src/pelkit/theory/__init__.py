"""pelkit.theory."""
