"""CVAT for images XML 1.1: `annotations.xml` plus `images/`.

Per image: `<box>` (with `rotation`), `<polygon>`, `<polyline>`, `<points>`, `<tag>`,
`<skeleton>` (keypoints with names; hidden points `occluded`, unlabelled `outside`) and
`<attribute>` children. Tracked objects are `<track id label>` blocks whose shapes carry
`frame` = the image id (CVAT for video's layout, which CVAT also reads for image tasks).
Multi-polygons become one `<polygon>` per ring sharing a `group_id`. A transcription is the
attribute `text`; a score the attribute `score`. `<mask rle left top width height>` holds
run lengths (zeros first) over its box region, row by row (CVAT 2.x).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import numpy as np

from snapset.formats import geometry
from snapset.formats.errors import FormatError
from snapset.formats.io import (
    atomic_write_bytes,
    check_size,
    fill_image_sizes,
    parse_xml,
    place_image,
    safe_relpath,
    unique_names,
)
from snapset.formats.model import (
    NO_CATEGORY,
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
from snapset.formats.registry import WriteContext, drop_unheld, reader, writer

NAME = "cvat"
HOLDS = frozenset({"box", "rotated_box", "polygon", "polyline", "keypoints", "tag", "text",
                   "track", "mask"})
_SHAPES = ("box", "polygon", "polyline", "points", "tag", "skeleton", "mask")


def looks_like_cvat(src: Path) -> bool:
    xml = src if src.is_file() else src / "annotations.xml"
    if not xml.is_file() or xml.suffix != ".xml":
        return False
    with open(xml, "rb") as f:
        head = f.read(4096)
    return b"<annotations" in head


def _float(path: Path, el: Element, key: str, place: str) -> float:
    v = el.get(key)
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FormatError(path, f"{place}@{key}", f"expected a number, got {v!r}") from None
    if not np.isfinite(x):
        raise FormatError(path, f"{place}@{key}", "expected a finite number")
    return x


def _points(path: Path, el: Element, place: str) -> np.ndarray:
    raw = el.get("points", "")
    try:
        pts = np.array([[float(c) for c in p.split(",")] for p in raw.split(";") if p],
                       np.float64)
    except ValueError:
        raise FormatError(path, f"{place}@points", "expected x,y;x,y;...") from None
    if pts.ndim != 2 or pts.shape[1] != 2 or not np.isfinite(pts).all():
        raise FormatError(path, f"{place}@points", "expected x,y;x,y;...")
    return pts


def _attributes(el: Element) -> dict[str, Any]:
    return {a.get("name", ""): a.text or "" for a in el.findall("attribute")}


def _read_labels(root: Element, ds: Dataset) -> None:
    for lab in root.iterfind("meta/*/labels/label"):
        name = (lab.findtext("name") or "").strip()
        if not name:
            continue
        cat = ds.categories[ds.ensure_category(name)]
        cat.attributes = [a.findtext("name") or "" for a in lab.iterfind("attributes/attribute")]
        if (lab.findtext("type") or "") == "skeleton":
            svg = lab.findtext("svg") or ""
            nodes = {int(m.group(1)): m.group(2) for m in re.finditer(
                r'data-node-id="(\d+)"[^>]*data-label-name="([^"]*)"', svg)}
            order = sorted(nodes)
            cat.keypoints = [nodes[k] for k in order]
            cat.skeleton = [(order.index(int(a)), order.index(int(b))) for a, b in re.findall(
                r'data-node-from="(\d+)"[^>]*data-node-to="(\d+)"', svg)
                if int(a) in nodes and int(b) in nodes]


@reader(NAME, extensions=(".xml",), description="CVAT for images XML 1.1",
        detect=looks_like_cvat)
def read_cvat(src: Path) -> Dataset:
    xml = src if src.is_file() else src / "annotations.xml"
    root = parse_xml(xml)
    if root.tag != "annotations":
        raise FormatError(xml, root.tag, "expected an <annotations> root element")
    base = xml.parent
    img_dir = "images/" if (base / "images").is_dir() else ""
    ds = Dataset(root=base)
    _read_labels(root, ds)
    boxes = BoxesBuilder()
    by_id: dict[int, int] = {}
    for k, im in enumerate(root.iter("image")):
        place = f"image[{k + 1}]"
        name = safe_relpath(xml, f"{place}@name", im.get("name", ""))
        w, h = check_size(xml, place, _float(xml, im, "width", place),
                          _float(xml, im, "height", place))
        try:
            iid = int(im.get("id", k))
        except ValueError:
            raise FormatError(xml, f"{place}@id", "expected a whole number") from None
        ds.images.append(Image(file=f"{img_dir}{name}", width=w, height=h, id=iid,
                               frame=iid))
        by_id[iid] = len(ds.images) - 1
        for j, el in enumerate(c for c in im if c.tag in _SHAPES):
            _read_shape(xml, f"{place}/{el.tag}[{j + 1}]", el, ds, by_id[iid], None, boxes)
    for t, track in enumerate(root.iter("track")):
        tid = int(track.get("id", t))
        label = track.get("label")
        for j, el in enumerate(c for c in track if c.tag in _SHAPES):
            if el.get("outside") == "1":
                continue
            place = f"track[{t + 1}]/{el.tag}[{j + 1}]"
            frame = int(_float(xml, el, "frame", place))
            if frame not in by_id:
                raise FormatError(xml, f"{place}@frame", f"no image with id {frame}")
            if label is not None and el.get("label") is None:
                el.set("label", label)
            _read_shape(xml, place, el, ds, by_id[frame], tid, boxes)
    _merge_groups(ds)
    ds.boxes = boxes.build()
    return ds


def _read_shape(path: Path, place: str, el: Element, ds: Dataset, image: int,
                track: int | None, boxes: BoxesBuilder) -> None:
    label = el.get("label")
    cat = NO_CATEGORY if label is None else ds.ensure_category(label)
    attrs = _attributes(el)
    text = attrs.pop("text", None)
    score = attrs.pop("score", None)
    score_f = float(score) if score not in (None, "") else None
    if el.get("occluded") == "1":
        attrs["occluded"] = True
    group = el.get("group_id")
    if group not in (None, "0"):
        attrs["_group"] = int(group)  # type: ignore[arg-type]
    common: dict[str, Any] = dict(image=image, category=cat, attributes=attrs, track=track,
                                  text=text, score=score_f, annotator=el.get("annotator"))
    if el.tag == "box":
        xyxy = tuple(_float(path, el, k, place) for k in ("xtl", "ytl", "xbr", "ybr"))
        angle = float(el.get("rotation", 0) or 0)
        boxes.add(image, cat, xyxy, angle=angle, track=track, attributes=attrs or None,  # type: ignore[arg-type]
                  text=text, score=score_f, annotator=el.get("annotator"))
    elif el.tag == "polygon":
        ds.shapes.append(Polygon(rings=[_points(path, el, place)], **common))
    elif el.tag == "polyline":
        ds.shapes.append(Polyline(points=_points(path, el, place), **common))
    elif el.tag == "points":
        pts = _points(path, el, place)
        ds.shapes.append(Keypoints(points=pts, visibility=np.full(len(pts), 2, np.uint8),
                                   **common))
    elif el.tag == "tag":
        ds.shapes.append(Tag(**common))
    elif el.tag == "mask":
        im = ds.images[image]
        left, top, w, h = (int(_float(path, el, k, place))
                           for k in ("left", "top", "width", "height"))
        try:
            runs = np.array([int(v) for v in el.get("rle", "").split(",")], np.int64)
        except ValueError:
            raise FormatError(path, f"{place}@rle", "expected comma-separated counts") from None
        if (runs < 0).any() or runs.sum() != w * h or w <= 0 or h <= 0:
            raise FormatError(path, f"{place}@rle", f"run lengths must cover {w}x{h}")
        if left < 0 or top < 0 or left + w > im.width or top + h > im.height:
            raise FormatError(path, place, "mask region outside the image")
        full = np.zeros((im.height, im.width), bool)
        full[top:top + h, left:left + w] = geometry.rle_decode(runs, w, h).T
        ds.shapes.append(Mask(counts=geometry.rle_encode(full), height=im.height,
                              width=im.width, **common))
    elif el.tag == "skeleton":
        names = ds.categories[cat].keypoints if cat >= 0 else []
        pts = np.zeros((len(names), 2))
        vis = np.zeros(len(names), np.uint8)
        for p in el.findall("points"):
            name = p.get("label")
            if name not in names:
                raise FormatError(path, f"{place}/points", f"unknown point {name!r}")
            k = names.index(name)
            pts[k] = _points(path, p, f"{place}/points")[0]
            vis[k] = 0 if p.get("outside") == "1" else 1 if p.get("occluded") == "1" else 2
        ds.shapes.append(Keypoints(points=pts, visibility=vis, **common))


def _merge_groups(ds: Dataset) -> None:
    """Polygons sharing a group id on one image form one multi-polygon."""
    merged: dict[tuple[int, int, int], Polygon] = {}
    kept: list[Shape] = []
    for s in ds.shapes:
        group = s.attributes.pop("_group", None)
        if isinstance(s, Polygon) and group is not None:
            key = (s.image, s.category, group)
            if key in merged:
                merged[key].rings.extend(s.rings)
                continue
            merged[key] = s
        kept.append(s)
    ds.shapes = kept


# ----------------------------------------------------------------------------- writing


def _skeleton_svg(c: Category) -> str:
    lines = "".join(f'<line x1="0" y1="0" x2="1" y2="1" data-type="edge" '
                    f'data-node-from="{a + 1}" data-node-to="{b + 1}"></line>'
                    for a, b in c.skeleton)
    circles = "".join(f'<circle r="1.5" cx="0" cy="0" data-type="element node" '
                      f'data-element-id="{k + 1}" data-node-id="{k + 1}" '
                      f'data-label-name="{n}"></circle>' for k, n in enumerate(c.keypoints))
    return lines + circles


def _set_common(el: Element, label: str | None, attrs: dict[str, Any], text: str | None,
                score: float | None) -> None:
    if label is not None:
        el.set("label", label)
    attrs = dict(attrs)
    el.set("occluded", "1" if attrs.pop("occluded", False) else "0")
    el.set("source", "manual")
    if text is not None:
        attrs["text"] = text
    if score is not None:
        attrs["score"] = score
    for k, v in attrs.items():
        a = SubElement(el, "attribute", name=str(k))
        a.text = str(v)


def _pts(points: np.ndarray) -> str:
    return ";".join(f"{x:.2f},{y:.2f}" for x, y in points.tolist())


def _shape_elements(parent: Element, s: Shape, ds: Dataset, extra: dict[str, str],
                    group: list[int]) -> None:
    label = ds.categories[s.category].name if s.category >= 0 else None
    if isinstance(s, Polygon):
        gid = ""
        if len(s.rings) > 1:
            group[0] += 1
            gid = str(group[0])
        for ring in s.rings:
            el = SubElement(parent, "polygon", points=_pts(ring), **extra)
            if gid:
                el.set("group_id", gid)
            _set_common(el, label, s.attributes, s.text, s.score)
    elif isinstance(s, Polyline):
        el = SubElement(parent, "polyline", points=_pts(s.points), **extra)
        _set_common(el, label, s.attributes, s.text, s.score)
    elif isinstance(s, Keypoints):
        cat = ds.categories[s.category] if s.category >= 0 else None
        if cat is not None and cat.keypoints and len(cat.keypoints) == len(s.points):
            el = SubElement(parent, "skeleton", **extra)
            _set_common(el, label, s.attributes, s.text, s.score)
            for name, (x, y), v in zip(cat.keypoints, s.points.tolist(), s.visibility.tolist(),
                                       strict=True):
                SubElement(el, "points", label=name,
                           points=f"{x:.2f},{y:.2f}", outside="1" if v == 0 else "0",
                           occluded="1" if v == 1 else "0")
        else:
            el = SubElement(parent, "points", points=_pts(s.points), **extra)
            _set_common(el, label, s.attributes, s.text, s.score)
    elif isinstance(s, Mask):
        x0, y0, x1, y1 = (int(v) for v in geometry.rle_bbox(s.counts, s.height, s.width))
        region = geometry.rle_decode(s.counts, s.height, s.width)[y0:y1, x0:x1]
        runs = geometry.rle_encode(region.T)
        el = SubElement(parent, "mask", rle=", ".join(str(int(v)) for v in runs),
                        left=str(x0), top=str(y0), width=str(x1 - x0), height=str(y1 - y0),
                        **extra)
        _set_common(el, label, s.attributes, s.text, s.score)
    elif isinstance(s, Tag):
        el = SubElement(parent, "tag", **extra)
        _set_common(el, label, s.attributes, s.text, s.score)


@writer(NAME, holds=HOLDS, extensions=(".xml",), description="CVAT for images XML 1.1")
def write_cvat(ds: Dataset, ctx: WriteContext) -> None:
    drop_unheld(ctx, ds, HOLDS, "CVAT holds no such annotation")
    fill_image_sizes(ds.images, ds.root)
    names = unique_names(ds.images)
    root = Element("annotations")
    SubElement(root, "version").text = "1.1"
    meta = SubElement(SubElement(root, "meta"), "task")
    SubElement(meta, "size").text = str(len(ds.images))
    has_tracks = bool((ds.boxes.track >= 0).any()) or any(
        sh.track is not None for sh in ds.shapes)
    if has_tracks and ds.images:  # CVAT for video's header, which track readers expect
        size = SubElement(meta, "original_size")
        SubElement(size, "width").text = str(ds.images[0].width)
        SubElement(size, "height").text = str(ds.images[0].height)
    labels = SubElement(meta, "labels")
    for c in ds.categories:
        lab = SubElement(labels, "label")
        SubElement(lab, "name").text = c.name
        if c.keypoints:
            SubElement(lab, "type").text = "skeleton"
            SubElement(lab, "svg").text = _skeleton_svg(c)
        attrs = SubElement(lab, "attributes")
        for a in c.attributes:
            SubElement(SubElement(attrs, "attribute"), "name").text = a
    image_els = []
    for i, im in enumerate(ds.images):
        place_image(ctx, ds.root, im, f"images/{names[i]}")
        image_els.append(SubElement(root, "image", id=str(i), name=names[i],
                                    width=str(im.width), height=str(im.height)))
    tracks: dict[int, Element] = {}

    def parent_of(image: int, track: int | None, label: str | None) -> tuple[Element,
                                                                             dict[str, str]]:
        if track is None:
            return image_els[image], {}
        if track not in tracks:
            tracks[track] = SubElement(root, "track", id=str(track), label=label or "",
                                       source="manual")
        return tracks[track], {"frame": str(image), "outside": "0", "keyframe": "1"}

    b = ds.boxes
    for r in range(len(b)):
        box = b.row(r)
        label = ds.categories[box.category].name if box.category >= 0 else None
        parent, extra = parent_of(box.image, box.track, label)
        x0, y0, x1, y1 = box.xyxy
        el = SubElement(parent, "box", xtl=f"{x0:.2f}", ytl=f"{y0:.2f}", xbr=f"{x1:.2f}",
                        ybr=f"{y1:.2f}", z_order="0", **extra)
        if box.angle:
            el.set("rotation", f"{box.angle:.2f}")
        _set_common(el, label, box.attributes, box.text, box.score)
    group = [0]
    for s in ds.shapes:
        label = ds.categories[s.category].name if s.category >= 0 else None
        parent, extra = parent_of(s.image, s.track, label)
        _shape_elements(parent, s, ds, extra, group)
    atomic_write_bytes(ctx.dst / "annotations.xml",
                       tostring(root, encoding="utf-8", xml_declaration=True))
