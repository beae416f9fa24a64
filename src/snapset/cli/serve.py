"""`snapset serve`."""
