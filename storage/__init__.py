"""Storage layer: SQL lives here and only here. Nothing in this package imports telegram."""
