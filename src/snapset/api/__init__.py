"""snapset.api (see ../../DESIGN layers in README)."""
