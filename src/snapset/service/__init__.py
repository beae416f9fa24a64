"""snapset.service (see ../../DESIGN layers in README)."""
