"""`snapset qc`."""
