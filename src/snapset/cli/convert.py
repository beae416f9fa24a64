"""`snapset convert`."""
