"""`snapset validate`."""
