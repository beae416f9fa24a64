"""snapset.store (see ../../DESIGN layers in README)."""
