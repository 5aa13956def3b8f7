"""pelkit.models."""
