"""LabelMe JSON: one `<stem>.json` beside each image.

Shapes: `rectangle` <-> box, `polygon` <-> polygon (rings of one multi-polygon share a
`group_id`), `linestrip`/`line` <-> polyline, `point`s sharing a label and `group_id`
<-> keypoints (the point name in `description` as `<label>:<point>`), `mask` (LabelMe 5:
a PNG of the box region) <-> mask. Image `flags` set true are tags; a shape's
`description` holds its transcription. `circle` shapes are read as polygons of 32 points.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from snapset.formats import geometry
from snapset.formats.errors import FormatError
from snapset.formats.io import (
    atomic_write_text,
    check_size,
    fill_image_sizes,
    place_image,
    read_json,
    safe_relpath,
    unique_names,
)
from snapset.formats.model import (
    NO_CATEGORY,
    BoxesBuilder,
    Dataset,
    Image,
    Keypoints,
    Mask,
    Polygon,
    Polyline,
    Tag,
)
from snapset.formats.registry import WriteContext, drop_unheld, reader, writer

NAME = "labelme"
HOLDS = frozenset({"box", "polygon", "polyline", "keypoints", "mask", "tag", "text"})


def _json_files(src: Path) -> list[Path]:
    if src.is_file():
        return [src] if src.suffix == ".json" else []
    return sorted(p for p in src.rglob("*.json") if p.is_file())


def looks_like_labelme(src: Path) -> bool:
    files = _json_files(src)
    if not files:
        return False
    head = files[0].read_bytes()[:4096]
    return b'"shapes"' in head and b'"imagePath"' in head


def _points(path: Path, place: str, v: Any, minimum: int) -> np.ndarray:
    try:
        pts = np.asarray(v, np.float64)
    except (TypeError, ValueError):
        raise FormatError(path, place, "expected [[x, y], ...]") from None
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < minimum or not np.isfinite(pts).all():
        raise FormatError(path, place, f"expected at least {minimum} [x, y] points")
    return pts


@reader(NAME, extensions=(".json",), description="LabelMe JSON", detect=looks_like_labelme)
def read_labelme(src: Path) -> Dataset:
    root = src.parent if src.is_file() else src
    ds = Dataset(root=root)
    boxes = BoxesBuilder()
    for path in _json_files(src):
        doc = read_json(path, dict[str, Any])
        if "shapes" not in doc:
            continue
        rel_dir = path.parent.relative_to(root).as_posix()
        name = safe_relpath(path, "imagePath", str(doc.get("imagePath") or ""))
        file = safe_relpath(path, "imagePath", f"{rel_dir}/{name}" if rel_dir != "." else name)
        w, h = check_size(path, "image", doc.get("imageWidth", 0) or 0, doc.get("imageHeight", 0)
                          or 0, allow_zero=True)
        ds.images.append(Image(file=file, width=w, height=h))
        index = len(ds.images) - 1
        for flag, on in (doc.get("flags") or {}).items():
            if on is True:
                ds.shapes.append(Tag(image=index, category=ds.ensure_category(flag)))
        if not isinstance(doc["shapes"], list):
            raise FormatError(path, "shapes", "expected a list")
        groups: dict[tuple[str, Any], Any] = {}
        for k, sh in enumerate(doc["shapes"]):
            _read_shape(path, f"shapes[{k}]", sh, ds, index, boxes, groups)
    fill_image_sizes(ds.images, root)
    ds.boxes = boxes.build()
    return ds


def _read_shape(path: Path, place: str, sh: Any, ds: Dataset, image: int,
                boxes: BoxesBuilder, groups: dict[tuple[str, Any], Any]) -> None:
    if not isinstance(sh, dict) or not isinstance(sh.get("label"), str):
        raise FormatError(path, f"{place}.label", "expected a shape with a string label")
    label = sh["label"]
    kind = sh.get("shape_type") or "polygon"
    group = sh.get("group_id")
    desc = sh.get("description") or None
    attrs = {k: v for k, v in (sh.get("flags") or {}).items()}
    cat = ds.ensure_category(label)
    common: dict[str, Any] = dict(image=image, category=cat, attributes=attrs)
    if kind == "rectangle":
        p = _points(path, f"{place}.points", sh.get("points"), 2)
        x0, y0 = p.min(axis=0)
        x1, y1 = p.max(axis=0)
        boxes.add(image, cat, (x0, y0, x1, y1), attributes=attrs or None, text=desc)
    elif kind in ("polygon", "circle"):
        p = _points(path, f"{place}.points", sh.get("points"), 2 if kind == "circle" else 3)
        if kind == "circle":
            r = float(np.hypot(*(p[1] - p[0])))
            t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
            p = np.stack([p[0, 0] + r * np.cos(t), p[0, 1] + r * np.sin(t)], axis=1)
        key = ("polygon", label, group)
        if group is not None and key in groups:
            groups[key].rings.append(p)
            return
        poly = Polygon(rings=[p], text=desc, **common)
        if group is not None:
            groups[key] = poly
        ds.shapes.append(poly)
    elif kind in ("linestrip", "line"):
        ds.shapes.append(Polyline(points=_points(path, f"{place}.points", sh.get("points"), 2),
                                  text=desc, **common))
    elif kind == "point":
        p = _points(path, f"{place}.points", sh.get("points"), 1)[0]
        names = ds.categories[cat].keypoints
        point = desc.split(":", 1)[1] if desc and desc.startswith(f"{label}:") else None
        if point is not None and point not in names:
            names.append(point)
        key = ("point", label, group)
        kp = groups.get(key) if group is not None else None
        if kp is None:
            kp = Keypoints(points=np.zeros((0, 2)), visibility=np.zeros(0, np.uint8), **common)
            ds.shapes.append(kp)
            if group is not None:
                groups[key] = kp
        k = names.index(point) if point is not None else len(kp.points)
        if len(kp.points) <= k:
            kp.points = np.concatenate([kp.points, np.zeros((k + 1 - len(kp.points), 2))])
            kp.visibility = np.concatenate([kp.visibility,
                                            np.zeros(k + 1 - len(kp.visibility), np.uint8)])
        kp.points[k] = p
        kp.visibility[k] = 1 if attrs.pop("hidden", False) else 2
    elif kind == "mask":
        p = _points(path, f"{place}.points", sh.get("points"), 2)
        try:
            crop = np.array(PILImage.open(io.BytesIO(base64.b64decode(sh.get("mask") or ""))))
        except (OSError, ValueError):
            raise FormatError(path, f"{place}.mask", "expected a base64 PNG") from None
        im = ds.images[image]
        if im.width <= 0:
            raise FormatError(path, place, "mask shapes need imageWidth and imageHeight")
        full = np.zeros((im.height, im.width), bool)
        x0, y0 = (round(float(v)) for v in p.min(axis=0))
        region = full[y0:y0 + crop.shape[0], x0:x0 + crop.shape[1]]
        region |= crop[:region.shape[0], :region.shape[1]].astype(bool)
        ds.shapes.append(Mask(counts=geometry.rle_encode(full), height=im.height,
                              width=im.width, text=desc, **common))
    else:
        raise FormatError(path, f"{place}.shape_type", f"unknown shape type {kind!r}")


# ----------------------------------------------------------------------------- writing


def _shape(label: str, kind: str, points: np.ndarray, group: int | None = None,
           description: str | None = None, flags: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    return {"label": label, "points": np.round(points, 2).tolist(), "group_id": group,
            "description": description or "", "shape_type": kind, "flags": flags or {}}


def _mask_shape(label: str, s: Mask) -> dict[str, Any]:
    m = geometry.rle_decode(s.counts, s.height, s.width)
    x0, y0, x1, y1 = (int(v) for v in geometry.rle_bbox(s.counts, s.height, s.width))
    buf = io.BytesIO()
    PILImage.fromarray(m[y0:y1, x0:x1]).save(buf, format="PNG")
    d = _shape(label, "mask", np.array([[x0, y0], [x1 - 1, y1 - 1]], np.float64),
               description=s.text, flags={k: v for k, v in s.attributes.items()
                                          if isinstance(v, bool)})
    d["mask"] = base64.b64encode(buf.getvalue()).decode()
    return d


@writer(NAME, holds=HOLDS, extensions=(".json",), description="LabelMe JSON")
def write_labelme(ds: Dataset, ctx: WriteContext) -> None:
    drop_unheld(ctx, ds, HOLDS | {"rotated_box"}, "LabelMe holds no such annotation")
    fill_image_sizes(ds.images, ds.root)
    names = unique_names(ds.images)
    shapes: list[list[dict[str, Any]]] = [[] for _ in ds.images]
    flags: list[dict[str, bool]] = [{} for _ in ds.images]
    b = ds.boxes
    n_rot = n_uncat = 0
    next_group = 1

    def bool_flags(attrs: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in attrs.items() if isinstance(v, bool)}

    for r in range(len(b)):
        box = b.row(r)
        if box.category == NO_CATEGORY:
            n_uncat += 1
            continue
        label = ds.categories[box.category].name
        if box.angle:
            n_rot += 1
            shapes[box.image].append(_shape(label, "polygon", geometry.rotated_corners(
                b.xyxy[r], box.angle), description=box.text, flags=bool_flags(box.attributes)))
            continue
        x0, y0, x1, y1 = box.xyxy
        shapes[box.image].append(_shape(label, "rectangle", np.array([[x0, y0], [x1, y1]]),
                                        description=box.text, flags=bool_flags(box.attributes)))
    for s in ds.shapes:
        if s.category == NO_CATEGORY:
            n_uncat += 1
            continue
        label = ds.categories[s.category].name
        out = shapes[s.image]
        f = bool_flags(s.attributes)
        if isinstance(s, Tag):
            flags[s.image][label] = True
        elif isinstance(s, Polygon):
            group = None
            if len(s.rings) > 1:
                group, next_group = next_group, next_group + 1
            out.extend(_shape(label, "polygon", ring, group, s.text, f) for ring in s.rings)
        elif isinstance(s, Polyline):
            out.append(_shape(label, "linestrip", s.points, None, s.text, f))
        elif isinstance(s, Mask):
            out.append(_mask_shape(label, s))
        elif isinstance(s, Keypoints):
            names_ = ds.categories[s.category].keypoints
            group, next_group = next_group, next_group + 1
            for k, (p, v) in enumerate(zip(s.points, s.visibility.tolist(), strict=True)):
                if v == 0:
                    continue
                point = names_[k] if k < len(names_) else str(k)
                out.append(_shape(label, "point", p[None, :], group, f"{label}:{point}",
                                  {"hidden": True} if v == 1 else {}))
    ctx.report.drop("box rotations", n_rot, "LabelMe rectangles are axis-aligned; "
                    "wrote rotated boxes as polygons")
    ctx.report.drop("annotations", n_uncat, "no category")
    tag_cats = {s.category for s in ds.shapes if isinstance(s, Tag) and s.category >= 0}
    all_flags = {ds.categories[c].name: False for c in sorted(tag_cats)}
    for i, im in enumerate(ds.images):
        place_image(ctx, ds.root, im, names[i])
        doc = {"version": "5.4.1", "flags": {**all_flags, **flags[i]}, "shapes": shapes[i],
               "imagePath": Path(names[i]).name, "imageData": None,
               "imageHeight": im.height, "imageWidth": im.width}
        atomic_write_text(ctx.dst / Path(names[i]).with_suffix(".json"),
                          json.dumps(doc, indent=1, ensure_ascii=False))
