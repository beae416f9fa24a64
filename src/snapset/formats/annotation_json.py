"""snapset's own JSON form of one annotation (used by the manifest and the platform).

    {"type": "box", "label": "car", "bbox": [x0, y0, x1, y1], "angle": 30}
    {"type": "polygon", "label": "car", "polygons": [[x, y, x, y, ...], ...]}
    {"type": "polyline", "label": "lane", "points": [x, y, ...]}
    {"type": "mask", "label": "road", "size": [h, w], "counts": [runs...]}
    {"type": "keypoints", "label": "person", "points": [x, y, ...], "visibility": [2, 1, 0]}
    {"type": "tag", "label": "daytime"}

Optional on all: id, attributes, iscrowd, annotator, score, track, text; `bbox` on
polygon, mask and keypoints is the object's box when known. Coordinates follow the model's
convention (pixels, continuous, top-left corner = 0, 0).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from snapset.formats.errors import FormatError
from snapset.formats.model import (
    NO_CATEGORY,
    Box,
    BoxesBuilder,
    Dataset,
    Keypoints,
    Mask,
    Polygon,
    Polyline,
    Shape,
    Tag,
)

_COMMON = ("id", "attributes", "iscrowd", "annotator", "score", "track", "text")


def _common(obj: Box | Shape, label: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if label is not None:
        d["label"] = label
    for key in _COMMON:
        v = getattr(obj, key)
        if v not in (None, False, {}):
            d[key] = v
    return d


def box_to_json(box: Box, label: str | None) -> dict[str, Any]:
    d = {"type": "box", **_common(box, label), "bbox": [round(v, 4) for v in box.xyxy]}
    if box.angle:
        d["angle"] = box.angle
    return d


def shape_to_json(s: Shape, label: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {"type": s.kind, **_common(s, label)}
    if isinstance(s, Polygon):
        d["polygons"] = [ring.ravel().round(4).tolist() for ring in s.rings]
    elif isinstance(s, Polyline):
        d["points"] = s.points.ravel().round(4).tolist()
    elif isinstance(s, Mask):
        d["size"], d["counts"] = [s.height, s.width], [int(c) for c in s.counts]
    elif isinstance(s, Keypoints):
        d["points"] = s.points.ravel().round(4).tolist()
        d["visibility"] = [int(v) for v in s.visibility]
    if s.box is not None:
        d["bbox"] = list(s.box)
    return d


def image_annotations(ds: Dataset, by_image_boxes: dict[int, list[int]],
                      by_image_shapes: dict[int, list[Shape]], index: int) -> list[dict]:
    def label(c: int) -> str | None:
        return None if c == NO_CATEGORY else ds.categories[c].name

    out = [box_to_json(ds.boxes.row(r), label(int(ds.boxes.category[r])))
           for r in by_image_boxes.get(index, [])]
    out += [shape_to_json(s, label(s.category)) for s in by_image_shapes.get(index, [])]
    return out


def _numbers(path: Path, place: str, v: Any, *, multiple_of: int = 1, minimum: int = 0
             ) -> np.ndarray:
    if not isinstance(v, list) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in v):
        raise FormatError(path, place, "expected a list of numbers")
    arr = np.asarray(v, np.float64)
    if len(arr) % multiple_of or len(arr) < minimum or not np.isfinite(arr).all():
        raise FormatError(path, place, f"expected at least {minimum} finite numbers, "
                                       f"a multiple of {multiple_of}")
    return arr


def add_from_json(path: Path, place: str, d: Any, ds: Dataset, image: int,
                  boxes: BoxesBuilder) -> None:
    """Parse one annotation object into `ds` (shapes) or `boxes`; errors name the place."""
    if not isinstance(d, dict):
        raise FormatError(path, place, "expected an object")
    kind = d.get("type")
    label = d.get("label")
    if label is not None and not isinstance(label, str):
        raise FormatError(path, f"{place}.label", "expected a string")
    cat = NO_CATEGORY if label is None else ds.ensure_category(label)
    common: dict[str, Any] = {}
    for key in _COMMON:
        if key in d:
            common[key] = d[key]
    if not isinstance(common.get("attributes", {}), dict):
        raise FormatError(path, f"{place}.attributes", "expected an object")
    box = None
    if "bbox" in d:
        b = _numbers(path, f"{place}.bbox", d["bbox"], multiple_of=4, minimum=4)
        if len(b) != 4:
            raise FormatError(path, f"{place}.bbox", "expected 4 numbers")
        box = tuple(float(x) for x in b)
    if kind == "box":
        if box is None:
            raise FormatError(path, f"{place}.bbox", "missing")
        angle = d.get("angle", 0.0)
        boxes.add(image, cat, box, angle=float(angle), score=common.get("score"),
                  iscrowd=bool(common.get("iscrowd", False)), track=common.get("track"),
                  id=common.get("id"), attributes=common.get("attributes"),
                  text=common.get("text"), annotator=common.get("annotator"))
        return
    common["iscrowd"] = bool(common.get("iscrowd", False))
    shape: Shape
    if kind == "polygon":
        rings = d.get("polygons")
        if not isinstance(rings, list) or not rings:
            raise FormatError(path, f"{place}.polygons", "expected a list of rings")
        shape = Polygon(image=image, category=cat, box=box, rings=[
            _numbers(path, f"{place}.polygons[{j}]", r, multiple_of=2, minimum=6)
            .reshape(-1, 2) for j, r in enumerate(rings)], **common)
    elif kind == "polyline":
        pts = _numbers(path, f"{place}.points", d.get("points"), multiple_of=2, minimum=4)
        shape = Polyline(image=image, category=cat, box=box, points=pts.reshape(-1, 2),
                         **common)
    elif kind == "mask":
        size = d.get("size")
        if not (isinstance(size, list) and len(size) == 2
                and all(isinstance(x, int) and x > 0 for x in size)):
            raise FormatError(path, f"{place}.size", "expected [height, width]")
        counts = _numbers(path, f"{place}.counts", d.get("counts"))
        if (counts < 0).any() or counts.sum() != size[0] * size[1]:
            raise FormatError(path, f"{place}.counts", "run lengths must cover height x width")
        shape = Mask(image=image, category=cat, box=box, counts=counts.astype(np.uint32),
                     height=size[0], width=size[1], **common)
    elif kind == "keypoints":
        pts = _numbers(path, f"{place}.points", d.get("points"), multiple_of=2, minimum=2)
        vis = _numbers(path, f"{place}.visibility", d.get("visibility", [2] * (len(pts) // 2)))
        if len(vis) != len(pts) // 2 or not np.isin(vis, (0, 1, 2)).all():
            raise FormatError(path, f"{place}.visibility", "expected 0, 1 or 2 per point")
        shape = Keypoints(image=image, category=cat, box=box, points=pts.reshape(-1, 2),
                          visibility=vis.astype(np.uint8), **common)
    elif kind == "tag":
        shape = Tag(image=image, category=cat, **common)
    else:
        raise FormatError(path, f"{place}.type", f"unknown annotation type {kind!r}")
    ds.shapes.append(shape)
