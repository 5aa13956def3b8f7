"""pelkit.landscape."""
