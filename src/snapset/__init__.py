"""snapset: crowd-collected, quality-checked, annotated image datasets."""

__version__ = "0.1.0"
