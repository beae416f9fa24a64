"""Imports every bundled format module so each registers itself."""

from snapset.formats import coco, yolo  # noqa: F401
