"""snapset.formats (see ../../DESIGN layers in README)."""
