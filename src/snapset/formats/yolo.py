"""YOLO in the Ultralytics layout: `data.yaml`, `images/<split>/`, `labels/<split>/*.txt`.

One label line per object, coordinates normalised by the image size:
detect `class cx cy w h`, segment `class x1 y1 x2 y2 ...`, pose
`class cx cy w h px1 py1 v1 ...` (with `kpt_shape: [K, 3]` in data.yaml). The layout
(`task` option) is chosen from the data when not given: pose if there are keypoints,
segment if there are polygons or masks, else detect. Crowd regions are left out, as
Ultralytics' own COCO converter does, and counted in the drop report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from snapset.formats import geometry
from snapset.formats.errors import FormatError
from snapset.formats.io import (
    atomic_write_text,
    fill_image_sizes,
    place_image,
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
)
from snapset.formats.registry import ALL_KINDS, WriteContext, drop_unheld, reader, writer
from snapset.formats.textcols import format_rows

NAME = "yolo"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".dng",
                  ".mpo", ".pfm"}
TASK_HOLDS = {
    "detect": frozenset({"box"}),
    "segment": frozenset({"box", "polygon", "mask"}),
    "pose": frozenset({"box", "keypoints"}),
}


def looks_like_yolo(src: Path) -> bool:
    if src.is_file():
        return src.suffix in (".yaml", ".yml") and "names" in _load_yaml(src, quiet=True)
    return (src / "data.yaml").is_file() or (src / "labels").is_dir()


def _load_yaml(path: Path, quiet: bool = False) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        if quiet:
            return {}
        raise FormatError(path, "", f"malformed YAML: {e}") from None
    if not isinstance(data, dict):
        if quiet:
            return {}
        raise FormatError(path, "", "expected a mapping")
    return data


def _names(path: Path, names: Any) -> list[str]:
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        return names
    if isinstance(names, dict) and all(isinstance(k, int) for k in names):
        if sorted(names) != list(range(len(names))):
            raise FormatError(path, "names", "class ids must be 0..n-1")
        return [str(names[k]) for k in range(len(names))]
    raise FormatError(path, "names", "expected a list of names or a {id: name} mapping")


def label_path(image_path: str) -> str:
    """Ultralytics' rule: the last `images` folder becomes `labels`, suffix `.txt`."""
    parts = image_path.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    stem = parts[-1].rsplit(".", 1)[0]
    return "/".join([*parts[:-1], stem + ".txt"])


@reader(NAME, extensions=(".txt", ".yaml"), description="YOLO (Ultralytics layout)",
        detect=looks_like_yolo)
def read_yolo(src: Path) -> Dataset:
    yaml_path = src if src.is_file() else src / "data.yaml"
    root = yaml_path.parent
    cfg = _load_yaml(yaml_path) if yaml_path.is_file() else {}
    if cfg.get("path") not in (None, ".", "", "./"):
        # Only folders inside the dataset: a data.yaml must not read files elsewhere.
        root = root / safe_relpath(yaml_path, "path", str(cfg["path"]))
    ds = Dataset(root=root)
    if "names" in cfg:
        ds.categories = [Category(name=n) for n in _names(yaml_path, cfg["names"])]
    elif (root / "classes.txt").is_file():
        ds.categories = [Category(name=n.strip()) for n in
                         (root / "classes.txt").read_text().splitlines() if n.strip()]
    kpt_shape = cfg.get("kpt_shape")
    if kpt_shape is not None and not (isinstance(kpt_shape, list) and len(kpt_shape) == 2
                                      and kpt_shape[1] in (2, 3)):
        raise FormatError(yaml_path, "kpt_shape", "expected [points, 2 or 3]")
    split_dirs: list[tuple[str | None, str]] = []
    for split in ("train", "val", "test"):
        d = cfg.get(split)
        if isinstance(d, str):
            d = safe_relpath(yaml_path, split, d)
        if isinstance(d, str) and (root / d).is_dir() and all(d != x for _, x in split_dirs):
            split_dirs.append((split, d))
    if not split_dirs:
        split_dirs = [(None, "images")] if (root / "images").is_dir() else [(None, ".")]
    seen: set[str] = set()
    for split, d in split_dirs:
        for p in sorted((root / d).rglob("*")):
            if p.suffix.lower() not in IMAGE_SUFFIXES or not p.is_file():
                continue
            rel = p.relative_to(root).as_posix()
            if rel in seen:
                continue
            seen.add(rel)
            ds.images.append(Image(file=rel, split=_split_name(split, d)))
    fill_image_sizes(ds.images, root)
    builder_rows: list[tuple[int, int, float, float, float, float, float]] = []
    used_labels: set[Path] = set()
    for i, im in enumerate(ds.images):
        lp = root / label_path(im.file)
        if not lp.is_file():
            continue
        used_labels.add(lp.resolve())
        _read_label_file(lp, i, im, ds, kpt_shape, builder_rows)
    orphans = [p for p in (root / "labels").rglob("*.txt") if p.resolve() not in used_labels]\
        if (root / "labels").is_dir() else []
    if orphans:
        ds.warnings.append(f"yolo: dropped {len(orphans)} label files (no matching image)")
    if builder_rows:
        arr = np.array(builder_rows, np.float64)
        ds.boxes = Boxes.from_columns(arr[:, 0].astype(np.int32), arr[:, 1].astype(np.int32),
                                      arr[:, 2:6], score=arr[:, 6])
    return ds


def _split_name(key: str | None, folder: str) -> str | None:
    """`images/train2017` -> `train2017`; plain `images` keeps the data.yaml key."""
    parts = folder.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "images":
        return parts[1]
    return None if parts in (["images"], ["."]) else key


def _category(ds: Dataset, lp: Path, place: str, value: str) -> int:
    try:
        c = int(value)
    except ValueError:
        raise FormatError(lp, place, f"class id {value!r} is not a whole number") from None
    if c < 0:
        raise FormatError(lp, place, f"negative class id {c}")
    if c >= len(ds.categories):
        if ds.categories and ds.categories[0].name != "0":
            raise FormatError(lp, place, f"class id {c} not in names (0..{len(ds.categories)-1})")
        while len(ds.categories) <= c:
            ds.categories.append(Category(name=str(len(ds.categories))))
    return c


def _read_label_file(lp: Path, index: int, im: Image, ds: Dataset, kpt_shape: Any,
                     rows: list[tuple[int, int, float, float, float, float, float]]) -> None:
    if im.width <= 0 or im.height <= 0:
        raise FormatError(lp, "", f"cannot read the size of image {im.file}")
    w, h = float(im.width), float(im.height)
    try:
        text = lp.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FormatError(lp, "", "not UTF-8 text") from None
    for ln, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        place = f"line {ln}"
        cat = _category(ds, lp, place, fields[0])
        try:
            v = np.array([float(x) for x in fields[1:]], np.float64)
        except ValueError:
            raise FormatError(lp, place, "expected numbers after the class id") from None
        if not np.isfinite(v).all():
            raise FormatError(lp, place, "expected finite numbers")
        if kpt_shape is not None:
            k, dims = kpt_shape
            if len(v) != 4 + k * dims:
                raise FormatError(lp, place, f"expected {5 + k * dims} values for pose")
            cx, cy, bw, bh = v[:4]
            pts = v[4:].reshape(k, dims)
            vis = pts[:, 2].astype(np.uint8) if dims == 3 else np.full(k, 2, np.uint8)
            c = ds.categories[cat]
            if not c.keypoints:
                c.keypoints = [str(j) for j in range(k)]
            ds.shapes.append(Keypoints(
                image=index, category=cat, points=pts[:, :2] * (w, h), visibility=vis,
                box=((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w,
                     (cy + bh / 2) * h)))
        elif len(v) in (4, 5):
            cx, cy, bw, bh = v[:4]
            rows.append((index, cat, (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w,
                         (cy + bh / 2) * h, v[4] if len(v) == 5 else np.nan))
        elif len(v) >= 6 and len(v) % 2 == 0:
            ds.shapes.append(Polygon(image=index, category=cat,
                                     rings=[v.reshape(-1, 2) * (w, h)]))
        else:
            raise FormatError(lp, place, f"expected 5 values (box) or an odd count >= 7 "
                                         f"(polygon), got {len(v) + 1}")


# ----------------------------------------------------------------------------- writing


def choose_task(ds: Dataset) -> str:
    if any(isinstance(s, Keypoints) for s in ds.shapes):
        return "pose"
    if any(isinstance(s, Polygon | Mask) for s in ds.shapes):
        return "segment"
    return "detect"


def _fmt(values: np.ndarray) -> str:
    return " ".join(f"{x:.6f}" for x in values.tolist())


@writer(NAME, holds=frozenset({"box", "polygon", "mask", "keypoints"}),
        extensions=(".txt", ".yaml"), description="YOLO (Ultralytics layout)")
def write_yolo(ds: Dataset, ctx: WriteContext) -> None:
    task = str(ctx.options.get("task") or choose_task(ds))
    if task not in TASK_HOLDS:
        raise ValueError(f"yolo task must be one of {sorted(TASK_HOLDS)}, got {task!r}")
    holds = TASK_HOLDS[task]
    rep = ctx.report
    fill_image_sizes(ds.images, ds.root)
    sizes = np.array([(im.width, im.height) for im in ds.images], np.float64).reshape(-1, 2)
    missing = np.flatnonzero((sizes <= 0).any(axis=1))
    if len(missing):
        raise ValueError(f"yolo needs image sizes; unknown for {ds.images[missing[0]].file}")
    splits = sorted({im.split for im in ds.images if im.split is not None})
    names = unique_names(ds.images)
    image_dirs = [f"images/{im.split}" if splits else "images" for im in ds.images]
    if task != "pose":
        drop_unheld(ctx, ds, frozenset(ALL_KINDS - {"keypoints"}),
                    f"{task} layout holds no keypoints")
    drop_unheld(ctx, ds, holds | {"rotated_box", "polygon", "mask", "keypoints"},
                "YOLO holds no such annotation")

    lines: list[list[str]] = [[] for _ in ds.images]
    box_text, box_ends = _box_lines(ds.boxes, sizes, task, lines, rep)
    _shape_lines(ds, sizes, task, lines, rep)
    label_files = []
    for i, im in enumerate(ds.images):
        place_image(ctx, ds.root, im, f"{image_dirs[i]}/{names[i]}")
        stem = names[i].rpartition(".")[0] or names[i]
        label_files.append(f"labels{image_dirs[i][6:]}/{stem}.txt")
    write_label_files(ctx.dst, label_files, box_text, box_ends, lines)
    cfg: dict[str, Any] = {"path": "."}
    if splits:
        train = next((s for s in splits if "train" in s), splits[0])
        val = next((s for s in splits if "val" in s), train)
        cfg["train"], cfg["val"] = f"images/{train}", f"images/{val}"
        test = next((s for s in splits if "test" in s), None)
        if test:
            cfg["test"] = f"images/{test}"
        rest = [s for s in splits if s not in (train, val, test)]
        if rest:
            rep.drop("split names", len(rest), "data.yaml names train, val and test only; "
                     f"the images of {', '.join(rest)} are written but not listed")
    else:
        cfg["train"] = cfg["val"] = "images"
    cfg["names"] = {i: c.name for i, c in enumerate(ds.categories)}
    if task == "pose":
        k = max((len(s.points) for s in ds.shapes if isinstance(s, Keypoints)), default=0)
        cfg["kpt_shape"] = [k, 3]
    atomic_write_text(ctx.dst / "data.yaml", yaml.safe_dump(cfg, sort_keys=False,
                                                            allow_unicode=True))


def write_label_files(root: Path, rel_paths: list[str], box_text: bytes,
                      box_ends: np.ndarray, extra: list[list[str]]) -> None:
    """Write every label file: image i gets box_text[end(i-1):end(i)] plus its extra lines.
    Plain system calls, folders made once; threads do not help here (file creation in one
    folder serialises in the kernel)."""
    base = str(root)
    for folder in {p.rpartition("/")[0] for p in rel_paths}:
        os.makedirs(os.path.join(base, folder), exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    view = memoryview(box_text)
    start = 0
    for rel, end, more in zip(rel_paths, box_ends.tolist(), extra, strict=True):
        fd = os.open(f"{base}/{rel}", flags, 0o644)
        try:
            os.write(fd, view[start:end])
            if more:
                os.write(fd, "".join(more).encode())
        finally:
            os.close(fd)
        start = end


def _box_lines(boxes: Boxes, sizes: np.ndarray, task: str, lines: list[list[str]],
               rep: Any) -> tuple[bytes, np.ndarray]:
    """All box label lines as one buffer, grouped by image (one stable argsort), and each
    image's end offset in it."""
    n_images = len(sizes)
    empty = (b"", np.zeros(n_images, np.int64))
    if not len(boxes):
        return empty
    keep = ~boxes.iscrowd & (boxes.category != NO_CATEGORY)
    rep.drop("crowd boxes", int(boxes.iscrowd.sum()), "YOLO holds no crowd regions")
    rep.drop("boxes", int(((boxes.category == NO_CATEGORY) & ~boxes.iscrowd).sum()),
             "no category")
    rows = np.flatnonzero(keep)
    if task == "pose":
        rep.drop("boxes", len(rows), "pose layout: boxes without keypoints")
        return empty
    xyxy = boxes.xyxy[rows].copy()
    rot = np.flatnonzero(boxes.angle[rows] != 0)
    if len(rot):
        rep.drop("box rotations", len(rot), "YOLO boxes are axis-aligned; wrote their bounds")
        for k in rot.tolist():
            c = geometry.rotated_corners(xyxy[k], float(boxes.angle[rows[k]]))
            xyxy[k] = (c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max())
    order = np.argsort(boxes.image[rows], kind="stable")
    rows, xyxy = rows[order], xyxy[order]
    img = boxes.image[rows]
    wh = sizes[img]
    x0, y0 = xyxy[:, 0] / wh[:, 0], xyxy[:, 1] / wh[:, 1]
    x1, y1 = xyxy[:, 2] / wh[:, 0], xyxy[:, 3] / wh[:, 1]
    if task == "segment":
        values = np.stack([x0, y0, x1, y0, x1, y1, x0, y1], axis=1)
    else:
        values = np.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], axis=1)
    cat = boxes.category[rows]
    fast = format_rows(cat, values)
    if fast is None:  # coordinates outside the image: format row by row
        text = "".join(f"{c} {_fmt(v)}\n" for c, v in zip(cat.tolist(), values, strict=True))
        data = text.encode()
        row_ends = np.cumsum([len(f"{c} {_fmt(v)}\n") for c, v in
                              zip(cat.tolist(), values, strict=True)])
    else:
        data, row_ends = fast
    # End offset of each image's rows: rows are grouped by image in ascending order.
    last_row = np.searchsorted(img, np.arange(n_images), side="right") - 1
    ends = np.where(last_row >= 0, row_ends[np.clip(last_row, 0, None)], 0)
    return data, ends.astype(np.int64)


def _shape_lines(ds: Dataset, sizes: np.ndarray, task: str, lines: list[list[str]],
                 rep: Any) -> None:
    n_outline = n_rings = n_crowd = 0
    for s in ds.shapes:
        if not isinstance(s, Polygon | Mask | Keypoints):
            continue
        if s.iscrowd:
            n_crowd += 1
            continue
        if s.category == NO_CATEGORY:
            rep.drop(f"{s.kind}s", 1, "no category")
            continue
        w, h = sizes[s.image]
        if isinstance(s, Keypoints):
            if task != "pose":
                continue
            x0, y0, x1, y1 = s.bbox()
            pts = np.concatenate([s.points / (w, h), s.visibility[:, None]], axis=1)
            pts[s.visibility == 0, :2] = 0
            box = np.array([(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w,
                            (y1 - y0) / h])
            lines[s.image].append(f"{s.category} {_fmt(box)} " + " ".join(
                f"{x:.6f} {y:.6f} {int(v)}" for x, y, v in pts.tolist()) + "\n")
            continue
        if task == "segment":
            rings = s.rings if isinstance(s, Polygon) else geometry.mask_to_polygons(
                s.counts, s.height, s.width)
            if not rings:
                continue
            if len(rings) > 1:
                n_rings += len(rings) - 1
                rings = [max(rings, key=geometry.polygon_area)]
            lines[s.image].append(f"{s.category} {_fmt((rings[0] / (w, h)).ravel())}\n")
        elif task == "detect":
            n_outline += 1
            x0, y0, x1, y1 = s.bbox()
            box = np.array([(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w,
                            (y1 - y0) / h])
            lines[s.image].append(f"{s.category} {_fmt(box)}\n")
        else:
            rep.drop(f"{s.kind}s", 1, "pose layout holds keypoint objects only")
    rep.drop("polygon/mask outlines", n_outline, "detect layout holds boxes only; kept "
             "their bounding boxes")
    rep.drop("polygon rings", n_rings, "YOLO segment holds one ring per object; kept the "
             "largest")
    rep.drop("crowd regions", n_crowd, "YOLO holds no crowd regions")

