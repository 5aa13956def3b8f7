"""pelkit.studies."""
