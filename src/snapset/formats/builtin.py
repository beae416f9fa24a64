"""Imports every bundled format module so each registers itself."""

from snapset.formats import coco, manifest, yolo  # noqa: F401
