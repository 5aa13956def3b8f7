"""pelkit.analysis."""
