"""Imports every bundled format module so each registers itself."""

from snapset.formats import coco, cvat, icdar, labelme, manifest, mot, voc, yolo  # noqa: F401
