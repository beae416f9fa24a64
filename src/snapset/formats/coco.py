"""COCO JSON: instances (boxes, polygons, RLE), keypoints with skeleton, and tags.

Conventions beyond the COCO spec (all ignored by pycocotools):
- image-level tags: `images[].tags = [{"category_id": id, "score"?: s}]`; on reading,
  annotations with no bbox, segmentation or keypoints are also taken as tags (datumaro's
  convention);
- rotated boxes: `attributes.rotation` in degrees (CVAT's convention); tracks:
  `attributes.track_id`; `text` and `annotator` are extra annotation keys;
- images may carry `split`, `frame`, `sequence`, `sha256`, `metadata`.

Reading streams the annotations: the file is decoded with the annotation array kept as raw
bytes, then decoded in batches straight into numpy columns, so a million boxes never
exist as a million Python dicts.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, is_not
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from snapset.formats import geometry
from snapset.formats.errors import FormatError
from snapset.formats.io import (
    check_size,
    decode_json,
    place_image,
    read_json,
    safe_relpath,
    unique_names,
)
from snapset.formats.model import (
    NO_CATEGORY,
    Boxes,
    Category,
    Dataset,
    Image,
    Keypoints,
    Mask,
    Polygon,
    Shape,
    Tag,
)
from snapset.formats.registry import WriteContext, drop_unheld, reader, writer

NAME = "coco"
HOLDS = frozenset({"box", "rotated_box", "polygon", "mask", "keypoints", "tag", "text", "track"})
_EMPTY = msgspec.Raw(b"[]")
_BATCH = 50_000
_PLAIN_EXTRAS = (_EMPTY, None, None, None, None)


class _Img(msgspec.Struct):
    id: int
    file_name: str
    width: int | float = 0
    height: int | float = 0
    tags: list[int | dict[str, Any]] = []
    split: str | None = None
    frame: int | None = None
    sequence: str | None = None
    sha256: str | None = None
    metadata: dict[str, Any] = {}


class _Cat(msgspec.Struct):
    id: int
    name: str
    supercategory: str | None = None
    keypoints: list[str] = []
    skeleton: list[list[int]] = []
    attributes: list[str] = []


class _Top(msgspec.Struct):
    images: list[_Img]
    categories: list[_Cat] = []
    annotations: list[msgspec.Raw] = []
    info: dict[str, Any] | None = None


class _Ann(msgspec.Struct, gc=False):
    image_id: int
    category_id: int = -1
    id: int = -1
    bbox: list[float] | None = None
    segmentation: msgspec.Raw = _EMPTY
    iscrowd: int | bool = 0
    keypoints: list[float] | None = None
    score: float = float("nan")
    attributes: dict[str, Any] | None = None
    text: str | None = None
    annotator: str | None = None


def looks_like_coco(src: Path) -> bool:
    files = _json_files(src)
    if not files:
        return False
    with open(files[0], "rb") as f:
        head = f.read(1 << 16)
    return b'"images"' in head or b'"annotations"' in head or b'"categories"' in head


def _json_files(src: Path) -> list[Path]:
    if src.is_file():
        return [src] if src.suffix.lower() == ".json" else []
    ann = src / "annotations"
    found = sorted(ann.glob("*.json")) if ann.is_dir() else []
    return found or sorted(p for p in src.glob("*.json") if p.name != "data.json")


def _split_of(path: Path) -> str | None:
    stem = path.stem
    for prefix in ("instances_", "person_keypoints_", "image_info_", "labels_"):
        if stem.startswith(prefix):
            split = stem[len(prefix):]
            return None if split == "default" else split
    return None


def _image_dir(root: Path, split: str | None, first: str | None) -> str:
    """Folder (relative to root) the JSON's `file_name`s are under."""
    candidates = [f"images/{split}", "images", split or "", ""] if split else ["images", ""]
    if first is not None:
        for c in candidates:
            if c is not None and (root / c / first).exists():
                return c
    return candidates[0] if (root / candidates[0]).is_dir() else ""


@reader(NAME, extensions=(".json",), description="COCO JSON (instances, keypoints)",
        detect=looks_like_coco)
def read_coco(src: Path) -> Dataset:
    files = _json_files(src)
    if not files:
        raise FormatError(src, "", "no COCO JSON file found")
    if src.is_file():
        root = src.parent.parent if src.parent.name == "annotations" else src.parent
    else:
        root = src
    ds = Dataset(root=root)
    parts: list[Boxes] = []
    for path in files:
        parts.append(_read_one(path, root, ds))
    ds.boxes = Boxes.concat(parts)
    return ds


def _read_one(path: Path, root: Path, ds: Dataset) -> Boxes:
    top = read_json(path, _Top)
    split = _split_of(path)
    cat_index = _merge_categories(path, top.categories, ds)
    img_base = len(ds.images)
    img_dir = _image_dir(root, split, top.images[0].file_name if top.images else None)
    img_ids = np.empty(len(top.images), np.int64)
    for i, im in enumerate(top.images):
        place = f"images[{i}]"
        rel = safe_relpath(path, f"{place}.file_name", im.file_name)
        w, h = check_size(path, place, im.width, im.height, allow_zero=True)
        ds.images.append(Image(
            file=f"{img_dir}/{rel}" if img_dir else rel, width=w, height=h, id=im.id,
            sha256=im.sha256, split=im.split or split, frame=im.frame, sequence=im.sequence,
            metadata=im.metadata))
        img_ids[i] = im.id
        for t in im.tags:
            cid = t if isinstance(t, int) else t.get("category_id")
            if cid not in cat_index:
                raise FormatError(path, f"{place}.tags", f"unknown category id {cid!r}")
            score = None if isinstance(t, int) else t.get("score")
            ds.shapes.append(Tag(image=img_base + i, category=cat_index[cid], score=score))
    if info := top.info:
        ds.info.update(info)
    order = np.argsort(img_ids, kind="stable")
    sorted_ids = img_ids[order]
    if len(sorted_ids) > 1 and (np.diff(sorted_ids) == 0).any():
        dup = sorted_ids[1:][np.diff(sorted_ids) == 0][0]
        raise FormatError(path, "images", f"duplicate image id {dup}")
    cat_ids = np.array(sorted(cat_index), np.int64)
    cat_idx = np.array([cat_index[c] for c in sorted(cat_index)], np.int32)

    raws = top.annotations
    del top
    decoder = msgspec.json.Decoder(list[_Ann])
    parts = []
    for start in range(0, len(raws), _BATCH):
        chunk = raws[start:start + _BATCH]
        try:
            anns = decoder.decode(b"[" + b",".join(chunk) + b"]")
        except msgspec.ValidationError:
            # Re-decode alone to name the exact annotation in the error.
            anns = [_decode_ann(path, start + k, r) for k, r in enumerate(chunk)]
        parts.append(_boxes_from(path, start, anns, ds, img_base, order, sorted_ids,
                                 cat_ids, cat_idx))
        for k in range(start, min(start + _BATCH, len(raws))):
            raws[k] = _EMPTY  # free the raw bytes' references as we go
    return Boxes.concat(parts)


def _decode_ann(path: Path, index: int, raw: msgspec.Raw) -> _Ann:
    try:
        return decode_json(path, bytes(raw), _Ann)
    except FormatError as e:
        raise FormatError(path, f"annotations[{index}]" + (f".{e.place}" if e.place else ""),
                          e.message) from None


def _merge_categories(path: Path, cats: list[_Cat], ds: Dataset) -> dict[int, int]:
    """Map this file's category ids to dataset category indices (merged by name)."""
    out: dict[int, int] = {}
    by_name = ds.category_index()
    for i, c in enumerate(cats):
        if c.id in out:
            raise FormatError(path, f"categories[{i}].id", f"duplicate category id {c.id}")
        if c.name in by_name:
            out[c.id] = by_name[c.name]
            continue
        skeleton = []
        for j, edge in enumerate(c.skeleton):
            if len(edge) != 2 or not all(1 <= v <= len(c.keypoints) for v in edge):
                raise FormatError(path, f"categories[{i}].skeleton[{j}]",
                                  "expected 2 point numbers in 1..len(keypoints)")
            skeleton.append((edge[0] - 1, edge[1] - 1))
        ds.categories.append(Category(name=c.name, id=c.id, supercategory=c.supercategory,
                                      keypoints=list(c.keypoints), skeleton=skeleton,
                                      attributes=list(c.attributes)))
        by_name[c.name] = out[c.id] = len(ds.categories) - 1
    return out


def _lookup(keys_sorted: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[position of each wanted key], -1 where the key is absent."""
    if len(keys_sorted) == 0:
        return np.full(len(wanted), -1, np.int64)
    pos = np.clip(np.searchsorted(keys_sorted, wanted), 0, len(keys_sorted) - 1)
    found = keys_sorted[pos] == wanted
    return np.where(found, values[pos], -1)


def _boxes_from(path: Path, start: int, anns: list[_Ann], ds: Dataset, img_base: int,
                img_order: np.ndarray, img_ids_sorted: np.ndarray, cat_ids: np.ndarray,
                cat_idx: np.ndarray) -> Boxes:
    n = len(anns)
    image_id = np.fromiter(map(attrgetter("image_id"), anns), np.int64, n)
    cat_id = np.fromiter(map(attrgetter("category_id"), anns), np.int64, n)
    img = _lookup(img_ids_sorted, img_order, image_id)
    if (img < 0).any():
        k = int(np.flatnonzero(img < 0)[0])
        raise FormatError(path, f"annotations[{start + k}].image_id",
                          f"unknown image id {image_id[k]}", code="annotation_on_missing_image")
    img = img + img_base
    cat = _lookup(cat_ids, cat_idx, cat_id)
    bad = (cat < 0) & (cat_id != -1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise FormatError(path, f"annotations[{start + k}].category_id",
                          f"unknown category id {cat_id[k]}", code="unknown_category")
    # A plain box has a bbox and nothing else; tested with C-level maps, not a Python loop.
    extras = map(attrgetter("segmentation", "keypoints", "attributes", "text", "annotator"),
                 anns)
    all_bbox = list(map(attrgetter("bbox"), anns))
    plain = np.fromiter(map(_PLAIN_EXTRAS.__eq__, extras), bool, n)
    plain &= np.fromiter(map(is_not, all_bbox, repeat(None)), bool, n)
    if plain.all():
        rows, selected, bbox_list = np.arange(n), anns, all_bbox
    else:
        rows = np.flatnonzero(plain)
        selected = [anns[k] for k in rows.tolist()]
        bbox_list = [all_bbox[k] for k in rows.tolist()]
    try:
        xywh = np.array(bbox_list, np.float64).reshape(len(rows), 4)
    except ValueError:
        k = next(int(r) for r, b in zip(rows, bbox_list, strict=True) if len(b) != 4)
        raise FormatError(path, f"annotations[{start + k}].bbox", "expected 4 numbers")\
            from None
    xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
    _check_finite(path, start, rows, xywh)
    m = len(rows)
    boxes = Boxes.from_columns(
        img[rows], cat[rows], xyxy,
        score=np.fromiter(map(attrgetter("score"), selected), np.float32, m),
        iscrowd=np.fromiter(map(attrgetter("iscrowd"), selected), bool, m),
        id=np.fromiter(map(attrgetter("id"), selected), np.int64, m))
    extra = Boxes.empty()
    others = np.flatnonzero(~plain).tolist()
    if others:
        from snapset.formats.model import BoxesBuilder

        builder = BoxesBuilder()
        for k in others:
            _read_rich(path, start + k, anns[k], ds, int(img[k]), int(cat[k]), builder)
        extra = builder.build()
    return Boxes.concat([boxes, extra])


def _check_finite(path: Path, start: int, rows: np.ndarray, xywh: np.ndarray) -> None:
    bad = ~np.isfinite(xywh).all(axis=1)
    if bad.any():
        k = int(rows[np.flatnonzero(bad)[0]])
        raise FormatError(path, f"annotations[{start + k}].bbox", "expected finite numbers")


def _bbox(path: Path, index: int, a: _Ann) -> tuple[float, float, float, float] | None:
    if a.bbox is None or len(a.bbox) == 0:
        return None
    if len(a.bbox) != 4 or not all(np.isfinite(a.bbox)):
        raise FormatError(path, f"annotations[{index}].bbox", "expected 4 numbers")
    x, y, w, h = a.bbox
    return (x, y, x + w, y + h)


def _read_rich(path: Path, index: int, a: _Ann, ds: Dataset, img: int, cat: int,
               builder: Any) -> None:
    """One annotation that is more than a plain box: polygon, mask, keypoints, tag..."""
    place = f"annotations[{index}]"
    attrs = dict(a.attributes or {})
    angle = float(attrs.pop("rotation", 0.0) or 0.0)
    track = attrs.pop("track_id", None)
    track = int(track) if isinstance(track, int | float) else None
    score = None if np.isnan(a.score) else a.score
    common: dict[str, Any] = dict(
        image=img, category=cat, id=None if a.id < 0 else a.id, attributes=attrs,
        iscrowd=bool(a.iscrowd), annotator=a.annotator, score=score, track=track, text=a.text)
    box = _bbox(path, index, a)
    shape: Shape | None = None
    if a.segmentation != _EMPTY:
        shape = _segmentation(path, place, bytes(a.segmentation), ds.images[img], common)
    if a.keypoints is not None and len(a.keypoints):
        kp = np.asarray(a.keypoints, np.float64)
        n_names = len(ds.categories[cat].keypoints) if cat >= 0 else 0
        if len(kp) % 3 or (n_names and len(kp) != 3 * n_names):
            raise FormatError(path, f"{place}.keypoints",
                              f"expected 3 numbers per point of the category's {n_names}")
        if shape is not None and box is not None:
            shape.box = box
            ds.shapes.append(shape)
        shape = Keypoints(points=kp.reshape(-1, 3)[:, :2].copy(),
                          visibility=kp.reshape(-1, 3)[:, 2].astype(np.uint8), **common)
    if shape is not None:
        shape.box = box
        ds.shapes.append(shape)
    elif box is not None:
        builder.add(img, cat, box, angle=angle, score=score, iscrowd=bool(a.iscrowd),
                    track=track, id=common["id"], attributes=attrs or None, text=a.text,
                    annotator=a.annotator)
    else:
        ds.shapes.append(Tag(**common))


def _segmentation(path: Path, place: str, raw: bytes, image: Image, common: dict[str, Any]
                  ) -> Shape | None:
    seg = decode_json(path, raw, list[list[float]] | dict[str, Any])
    if isinstance(seg, list):
        rings = []
        for j, ring in enumerate(seg):
            if len(ring) < 6 or len(ring) % 2:
                raise FormatError(path, f"{place}.segmentation[{j}]",
                                  "expected an even count of at least 6 numbers")
            rings.append(np.asarray(ring, np.float64).reshape(-1, 2))
        return Polygon(rings=rings, **common) if rings else None
    size, counts = seg.get("size"), seg.get("counts")
    if not (isinstance(size, list) and len(size) == 2):
        raise FormatError(path, f"{place}.segmentation.size", "expected [height, width]")
    h, w = check_size(path, f"{place}.segmentation", size[1], size[0])[::-1]
    if isinstance(counts, str):
        runs = geometry.rle_from_coco_string(counts, h, w)
    elif isinstance(counts, list) and all(isinstance(c, int) and c >= 0 for c in counts):
        runs = np.asarray(counts, np.uint32)
        if int(runs.sum()) != h * w:
            raise FormatError(path, f"{place}.segmentation.counts",
                              f"run lengths sum to {int(runs.sum())}, not {h}x{w}")
    else:
        raise FormatError(path, f"{place}.segmentation.counts", "expected RLE counts")
    return Mask(counts=runs, height=h, width=w, **common)


# ----------------------------------------------------------------------------- writing


def category_ids(ds: Dataset) -> list[int]:
    """The categories' own ids when they are all set and unique, else 1..n."""
    ids = [c.id for c in ds.categories]
    if all(i is not None for i in ids) and len(set(ids)) == len(ids):
        return [int(i) for i in ids]  # type: ignore[arg-type]
    return list(range(1, len(ids) + 1))


def image_ids(images: list[Image]) -> list[int]:
    ids = [im.id for im in images]
    if all(i is not None for i in ids) and len(set(ids)) == len(ids):
        return [int(i) for i in ids]  # type: ignore[arg-type]
    return list(range(1, len(ids) + 1))


def _category_json(ds: Dataset, ids: list[int]) -> list[dict[str, Any]]:
    out = []
    for c, cid in zip(ds.categories, ids, strict=True):
        d: dict[str, Any] = {"id": cid, "name": c.name, "supercategory": c.supercategory or ""}
        if c.keypoints:
            d["keypoints"] = c.keypoints
            d["skeleton"] = [[a + 1, b + 1] for a, b in c.skeleton]
        if c.attributes:
            d["attributes"] = c.attributes
        out.append(d)
    return out


def _shape_json(s: Shape, ds: Dataset) -> dict[str, Any] | None:
    """COCO annotation fields of one non-box shape (without ids)."""
    d: dict[str, Any] = {}
    if isinstance(s, Polygon):
        d["segmentation"] = [r.ravel().tolist() for r in s.rings]
        d["area"] = sum(geometry.polygon_area(r) for r in s.rings)
    elif isinstance(s, Mask):
        from pycocotools import mask as mask_utils

        m = geometry.rle_decode(s.counts, s.height, s.width)
        rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
        d["segmentation"] = {"size": [s.height, s.width], "counts": rle["counts"].decode()}
        d["area"] = geometry.rle_area(s.counts)
    elif isinstance(s, Keypoints):
        kp = np.concatenate([s.points, s.visibility[:, None].astype(np.float64)], axis=1)
        d["keypoints"] = [round(v, 3) for v in kp.ravel().tolist()]
        d["num_keypoints"] = int((s.visibility > 0).sum())
        d["segmentation"] = []
    else:
        return None
    x0, y0, x1, y1 = s.bbox()
    d["bbox"] = [x0, y0, x1 - x0, y1 - y0]
    d.setdefault("area", (x1 - x0) * (y1 - y0))
    return d


def _extras(d: dict[str, Any], *, attributes: dict[str, Any], angle: float, track: int | None,
            text: str | None, annotator: str | None, score: float | None) -> None:
    attrs = dict(attributes)
    if angle:
        attrs["rotation"] = angle
    if track is not None:
        attrs["track_id"] = track
    if attrs:
        d["attributes"] = attrs
    if text is not None:
        d["text"] = text
    if annotator is not None:
        d["annotator"] = annotator
    if score is not None:
        d["score"] = score


@writer(NAME, holds=HOLDS, extensions=(".json",),
        description="COCO JSON (instances, keypoints)")
def write_coco(ds: Dataset, ctx: WriteContext) -> None:
    drop_unheld(ctx, ds, HOLDS, "COCO holds no such annotation")
    cat_ids = category_ids(ds)
    img_ids = image_ids(ds.images)
    names = unique_names(ds.images)
    splits = sorted({im.split or "default" for im in ds.images}) or ["default"]
    split_of = np.array([splits.index(im.split or "default") for im in ds.images], np.int32)
    boxes = ds.boxes
    box_split = split_of[boxes.image] if len(boxes) else np.zeros(0, np.int32)
    shapes_by_split: dict[int, list[Shape]] = {}
    for s in ds.shapes:
        shapes_by_split.setdefault(int(split_of[s.image]), []).append(s)
    next_id = 1
    for si, split in enumerate(splits):
        members = np.flatnonzero(split_of == si) if len(ds.images) else np.zeros(0, np.int64)
        images_json = []
        tags: dict[int, list[dict[str, Any]]] = {}
        for s in shapes_by_split.get(si, []):
            if isinstance(s, Tag) and s.category != NO_CATEGORY:
                t: dict[str, Any] = {"category_id": cat_ids[s.category]}
                if s.score is not None:
                    t["score"] = s.score
                tags.setdefault(s.image, []).append(t)
        for i in members.tolist():
            im = ds.images[i]
            d: dict[str, Any] = {"id": img_ids[i], "file_name": names[i],
                                 "width": im.width, "height": im.height}
            for key in ("frame", "sequence", "sha256"):
                if getattr(im, key) is not None:
                    d[key] = getattr(im, key)
            if im.metadata:
                d["metadata"] = im.metadata
            if i in tags:
                d["tags"] = tags[i]
            images_json.append(d)
            place_image(ctx, ds.root, im, f"images/{split}/{names[i]}"
                        if len(splits) > 1 or split != "default" else f"images/{names[i]}")
        box_rows = np.flatnonzero(box_split == si)
        ctx.report.drop("boxes", int((boxes.category[box_rows] == NO_CATEGORY).sum()),
                        "COCO annotations need a category")
        anns: list[dict[str, Any]] = []
        for s in shapes_by_split.get(si, []):
            d = _shape_json(s, ds)
            if d is None:
                continue
            if s.category == NO_CATEGORY:
                ctx.report.drop(f"{s.kind}s", 1, "COCO annotations need a category")
                continue
            d.update(id=next_id, image_id=img_ids[s.image], category_id=cat_ids[s.category],
                     iscrowd=int(s.iscrowd))
            _extras(d, attributes=s.attributes, angle=0.0, track=s.track, text=s.text,
                    annotator=s.annotator, score=s.score)
            next_id += 1
            anns.append(d)
        head = {"info": ds.info or {"description": "written by snapset"}, "licenses": [],
                "categories": _category_json(ds, cat_ids), "images": images_json}
        path = ctx.dst / "annotations" / f"instances_{split}.json"
        next_id = _write_streamed(path, head, anns, boxes, box_rows, cat_ids, img_ids,
                                  next_id)


def _write_streamed(path: Path, head: dict[str, Any], shape_anns: list[dict[str, Any]],
                    boxes: Boxes, box_rows: np.ndarray, cat_ids: list[int],
                    img_ids: list[int], next_id: int) -> int:
    """Write the JSON with box annotations encoded in batches, so a million boxes never
    exist as a million dicts at once; atomic via a temporary sibling."""
    enc = msgspec.json.Encoder()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(enc.encode(head)[:-1] + b',"annotations":[')
        first = True
        for start in range(0, len(box_rows), _BATCH):
            chunk, next_id = _box_annotations(boxes, box_rows[start:start + _BATCH], cat_ids,
                                              img_ids, next_id)
            if chunk:
                f.write((b"" if first else b",") + enc.encode(chunk)[1:-1])
                first = False
        if shape_anns:
            f.write((b"" if first else b",") + enc.encode(shape_anns)[1:-1])
        f.write(b"]}")
    tmp.replace(path)
    return next_id


def _box_annotations(boxes: Boxes, rows: np.ndarray, cat_ids: list[int], img_ids: list[int],
                     next_id: int) -> tuple[list[dict[str, Any]], int]:
    if len(rows) and (boxes.category[rows] == NO_CATEGORY).any():
        rows = rows[boxes.category[rows] != NO_CATEGORY]
    xyxy = boxes.xyxy[rows]
    xywh = np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1).round(4)
    area = (xywh[:, 2] * xywh[:, 3]).round(4).tolist()
    cat_arr = np.asarray(cat_ids, np.int64)
    img_arr = np.asarray(img_ids, np.int64)
    cats = cat_arr[boxes.category[rows]].tolist()
    imgs = img_arr[boxes.image[rows]].tolist()
    crowd = boxes.iscrowd[rows].astype(int).tolist()
    bbs = xywh.tolist()
    ids = range(next_id, next_id + len(rows))
    anns = [{"id": i, "image_id": im, "category_id": c, "bbox": bb, "area": ar,
             "iscrowd": cr, "segmentation": []}
            for i, im, c, bb, ar, cr in zip(ids, imgs, cats, bbs, area, crowd, strict=True)]
    rich = np.flatnonzero(~np.isnan(boxes.score[rows]) | (boxes.angle[rows] != 0)
                          | (boxes.track[rows] >= 0))
    extra_rows = set(boxes.attributes) | set(boxes.text) | set(boxes.annotator)
    if extra_rows:
        pos = {int(r): k for k, r in enumerate(rows.tolist())}
        rich = np.union1d(rich, [pos[r] for r in extra_rows if r in pos]).astype(np.int64)
    for k in rich.tolist():
        r = int(rows[k])
        score = float(boxes.score[r])
        _extras(anns[k], attributes=boxes.attributes.get(r, {}), angle=float(boxes.angle[r]),
                track=int(boxes.track[r]) if boxes.track[r] >= 0 else None,
                text=boxes.text.get(r), annotator=boxes.annotator.get(r),
                score=None if np.isnan(score) else score)
    return anns, next_id + len(rows)
