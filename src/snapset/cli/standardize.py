"""`snapset standardize`."""
