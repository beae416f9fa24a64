"""snapset.privacy (see ../../DESIGN layers in README)."""
