"""snapset.web (see ../../DESIGN layers in README)."""
