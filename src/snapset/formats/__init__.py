"""Dataset import/export: one annotation model, one module per format, one registry.

    from snapset.formats import read_dataset, write_dataset
    ds = read_dataset("coco128/annotations/instances_train2017.json")
    warnings = write_dataset(ds, "out/yolo", "yolo", images="link")
"""

from snapset.formats.errors import FormatError
from snapset.formats.model import (
    NO_CATEGORY,
    Box,
    Boxes,
    BoxesBuilder,
    Category,
    Dataset,
    Image,
    Keypoints,
    Mask,
    Polygon,
    Polyline,
    Shape,
    Tag,
)
from snapset.formats.registry import (
    ALL_KINDS,
    DropReport,
    FormatInfo,
    WriteContext,
    detect_format,
    formats,
    get_format,
    read_dataset,
    write_dataset,
)

__all__ = [
    "ALL_KINDS", "NO_CATEGORY", "Box", "Boxes", "BoxesBuilder", "Category", "Dataset",
    "DropReport", "FormatError", "FormatInfo", "Image", "Keypoints", "Mask", "Polygon",
    "Polyline", "Shape", "Tag", "WriteContext", "detect_format", "formats", "get_format",
    "read_dataset", "write_dataset",
]
