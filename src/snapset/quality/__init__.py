"""snapset.quality (see ../../DESIGN layers in README)."""
