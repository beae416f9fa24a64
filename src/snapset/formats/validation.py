"""Annotation problems in a dataset, with stable codes (what `snapset validate` reports).

Pure over the model plus image-header reads; every problem names its image and, where
there is one, the annotation (`box 12` = row 12 of the box table, `shape 3` = item 3 of
the other shapes, in the order the reader produced).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from snapset.formats import geometry
from snapset.formats.io import image_size
from snapset.formats.model import NO_CATEGORY, Dataset, Keypoints, Mask, Polygon, Polyline

Severity = Literal["error", "warning", "info"]

#: code -> (severity, what it means). Codes are stable: scripts may rely on them.
CODES: dict[str, tuple[Severity, str]] = {
    "unreadable_annotations": ("error", "the annotation files could not be read"),
    "annotation_on_missing_image": ("error", "annotations refer to an image not in the dataset"),
    "unknown_category": ("error", "annotation without a known category"),
    "image_file_missing": ("error", "image file listed but not on disk"),
    "image_unreadable": ("error", "image file cannot be opened as an image"),
    "image_size_mismatch": ("error", "annotated size differs from the image file's size"),
    "box_outside_image": ("warning", "box extends past the image border"),
    "polygon_outside_image": ("warning", "polygon, line or mask extends past the image border"),
    "zero_area": ("warning", "box or polygon with zero or negative area"),
    "duplicate_annotation": ("warning", "two boxes of one category overlap with IoU > 0.95"),
    "keypoints_outside_box": ("warning", "visible keypoints outside their object's box"),
    "image_without_annotations": ("info", "image has no annotation"),
    "unused_category": ("info", "category has no annotation"),
    "class_imbalance": ("info", "most frequent class over 10x the least frequent"),
}
TOLERANCE = 0.5  # pixels: coordinates this far past the border are rounding, not errors
DUPLICATE_IOU = 0.95


@dataclass
class Problem:
    code: str
    message: str
    image: str | None = None
    annotation: str | None = None

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    images: int = 0
    annotations: int = 0
    class_counts: dict[str, int] = field(default_factory=dict)

    def add(self, code: str, message: str, image: str | None = None,
            annotation: str | None = None) -> None:
        self.problems.append(Problem(code, message, image, annotation))

    def counts(self) -> dict[str, int]:
        return dict(Counter(p.code for p in self.problems))

    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {"images": self.images, "annotations": self.annotations,
                        "problems": self.counts(), "class_counts": self.class_counts},
            "problems": [{**asdict(p), "severity": p.severity} for p in self.problems],
        }


def validate(ds: Dataset, *, check_files: bool = True) -> ValidationReport:
    rep = ValidationReport(images=len(ds.images), annotations=len(ds.boxes) + len(ds.shapes))
    for w in ds.warnings:
        if "no matching image" in w:
            rep.add("annotation_on_missing_image", w)
    if check_files and ds.root is not None:
        _check_files(ds, rep)
    _check_boxes(ds, rep)
    _check_shapes(ds, rep)
    _check_duplicates(ds, rep)
    _check_coverage(ds, rep)
    return rep


def _check_files(ds: Dataset, rep: ValidationReport) -> None:
    assert ds.root is not None
    for im in ds.images:
        p = Path(ds.root) / im.file
        if not p.is_file():
            rep.add("image_file_missing", f"{im.file} not found", im.file)
            continue
        size = image_size(p)
        if size is None:
            rep.add("image_unreadable", f"{im.file} is not a readable image", im.file)
        elif im.width and im.height and size != (im.width, im.height):
            rep.add("image_size_mismatch", f"annotated {im.width}x{im.height}, file is "
                    f"{size[0]}x{size[1]}", im.file)


def _check_boxes(ds: Dataset, rep: ValidationReport) -> None:
    b = ds.boxes
    if not len(b):
        return
    n_cat = len(ds.categories)
    bad_cat = (b.category == NO_CATEGORY) | (b.category >= n_cat) | (b.category < -1)
    for r in np.flatnonzero(bad_cat).tolist():
        rep.add("unknown_category", "box without a known category",
                ds.images[int(b.image[r])].file, f"box {r}")
    zero = (b.xyxy[:, 2] <= b.xyxy[:, 0]) | (b.xyxy[:, 3] <= b.xyxy[:, 1])
    for r in np.flatnonzero(zero).tolist():
        x0, y0, x1, y1 = b.xyxy[r].tolist()
        rep.add("zero_area", f"box {x0:g},{y0:g},{x1:g},{y1:g} has width {x1 - x0:g} and "
                f"height {y1 - y0:g}", ds.images[int(b.image[r])].file, f"box {r}")
    wh = np.array([(im.width, im.height) for im in ds.images], np.float64)[b.image]
    known = (wh > 0).all(axis=1)
    outside = known & ((b.xyxy[:, 0] < -TOLERANCE) | (b.xyxy[:, 1] < -TOLERANCE)
                       | (b.xyxy[:, 2] > wh[:, 0] + TOLERANCE)
                       | (b.xyxy[:, 3] > wh[:, 1] + TOLERANCE)) & (b.angle == 0)
    for r in np.flatnonzero(outside).tolist():
        x0, y0, x1, y1 = b.xyxy[r].tolist()
        im = ds.images[int(b.image[r])]
        rep.add("box_outside_image", f"box {x0:g},{y0:g},{x1:g},{y1:g} outside "
                f"{im.width}x{im.height}", im.file, f"box {r}")


def _check_shapes(ds: Dataset, rep: ValidationReport) -> None:
    for k, s in enumerate(ds.shapes):
        im = ds.images[s.image]
        where = f"shape {k} ({s.kind})"
        if s.category == NO_CATEGORY or s.category >= len(ds.categories):
            rep.add("unknown_category", f"{s.kind} without a known category", im.file, where)
        if isinstance(s, Polygon | Polyline | Mask):
            x0, y0, x1, y1 = s.bbox()
            if im.width and (x0 < -TOLERANCE or y0 < -TOLERANCE
                             or x1 > im.width + TOLERANCE or y1 > im.height + TOLERANCE):
                rep.add("polygon_outside_image", f"{s.kind} spans {x0:g},{y0:g},{x1:g},{y1:g}"
                        f" outside {im.width}x{im.height}", im.file, where)
        if isinstance(s, Polygon):
            area = sum(geometry.polygon_area(r) for r in s.rings)
            if area <= 0:
                rep.add("zero_area", "polygon with zero area", im.file, where)
        elif isinstance(s, Mask) and geometry.rle_area(s.counts) == 0:
            rep.add("zero_area", "empty mask", im.file, where)
        elif isinstance(s, Keypoints) and s.box is not None:
            x0, y0, x1, y1 = s.box
            p = s.points[s.visibility > 0]
            out = ((p[:, 0] < x0 - TOLERANCE) | (p[:, 0] > x1 + TOLERANCE)
                   | (p[:, 1] < y0 - TOLERANCE) | (p[:, 1] > y1 + TOLERANCE))
            if out.any():
                rep.add("keypoints_outside_box", f"{int(out.sum())} visible keypoints outside "
                        f"box {x0:g},{y0:g},{x1:g},{y1:g}", im.file, where)


def _check_duplicates(ds: Dataset, rep: ValidationReport) -> None:
    """Same-image, same-category box pairs with IoU > 0.95, vectorised: after sorting by
    (image, category), compare each box with the one d places later for d = 1, 2, ...
    while any such pair still shares its group."""
    b = ds.boxes
    if len(b) < 2:
        return
    order = np.lexsort((b.category, b.image))
    key = b.image[order].astype(np.int64) * (len(ds.categories) + 2) + b.category[order]
    boxes = b.xyxy[order]
    for d in range(1, len(order)):
        same = np.flatnonzero(key[:-d] == key[d:])
        if not len(same):
            break
        iou = geometry.iou_pairs(boxes[same], boxes[same + d])
        for k in np.flatnonzero(iou > DUPLICATE_IOU).tolist():
            ra, rc = sorted((int(order[same[k]]), int(order[same[k] + d])))
            rep.add("duplicate_annotation", f"boxes {ra} and {rc} overlap with IoU "
                    f"{iou[k]:.3f}", ds.images[int(b.image[ra])].file, f"box {rc}")


def _check_coverage(ds: Dataset, rep: ValidationReport) -> None:
    annotated = set(ds.boxes.image.tolist()) | {s.image for s in ds.shapes}
    for i, im in enumerate(ds.images):
        if i not in annotated:
            rep.add("image_without_annotations", f"{im.file} has no annotation", im.file)
    counts = np.bincount(ds.boxes.category[ds.boxes.category >= 0],
                         minlength=len(ds.categories))[:len(ds.categories)]
    for s in ds.shapes:
        if 0 <= s.category < len(ds.categories):
            counts[s.category] += 1
    rep.class_counts = {c.name: int(n) for c, n in zip(ds.categories, counts, strict=True)}
    for c, n in zip(ds.categories, counts, strict=True):
        if n == 0:
            rep.add("unused_category", f"category {c.name!r} has no annotation")
    used = counts[counts > 0]
    if len(used) > 1 and used.max() > 10 * used.min():
        most = ds.categories[int(np.argmax(counts))].name
        least = ds.categories[int(np.flatnonzero(counts == used.min())[0])].name
        rep.add("class_imbalance", f"{most!r} has {int(used.max())} annotations, {least!r} "
                f"only {int(used.min())} ({used.max() / used.min():.0f}x)")
