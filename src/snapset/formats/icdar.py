"""ICDAR 2015-style text localisation: `images/<stem>.<ext>` and `gt/gt_<stem>.txt`, one
line per word: `x1,y1,x2,y2,x3,y3,x4,y4,transcription` (clockwise quad, pixels;
`###` marks unreadable text and is kept as the transcription). Every quad is category
`text`; boxes with a transcription are written as their four corners.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snapset.formats import geometry
from snapset.formats.errors import FormatError
from snapset.formats.io import atomic_write_text, fill_image_sizes, place_image, unique_names
from snapset.formats.model import Dataset, Image, Polygon
from snapset.formats.registry import WriteContext, drop_unheld, reader, writer

NAME = "icdar"
HOLDS = frozenset({"polygon", "text", "box", "rotated_box"})
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def looks_like_icdar(src: Path) -> bool:
    return src.is_dir() and (src / "gt").is_dir() and any((src / "gt").glob("gt_*.txt"))


def _find_image(src: Path, stem: str) -> str | None:
    for folder in ("images", "imgs", "."):
        for ext in IMAGE_SUFFIXES:
            p = src / folder / f"{stem}{ext}"
            if p.is_file():
                return p.relative_to(src).as_posix()
    return None


@reader(NAME, extensions=(".txt",), description="ICDAR-style text quads",
        detect=looks_like_icdar)
def read_icdar(src: Path) -> Dataset:
    ds = Dataset(root=src)
    text_cat = ds.ensure_category("text")
    missing = 0
    for gt in sorted((src / "gt").glob("gt_*.txt")):
        stem = gt.stem[3:]
        rel = _find_image(src, stem)
        if rel is None:
            missing += 1
            continue
        ds.images.append(Image(file=rel))
        index = len(ds.images) - 1
        try:
            text = gt.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise FormatError(gt, "", "not UTF-8 text") from None
        for ln, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            fields = line.split(",", 8)
            if len(fields) < 9:
                raise FormatError(gt, f"line {ln}", "expected 8 coordinates and a transcription")
            try:
                quad = np.array([float(v) for v in fields[:8]]).reshape(4, 2)
            except ValueError:
                raise FormatError(gt, f"line {ln}", "coordinates must be numbers") from None
            if not np.isfinite(quad).all():
                raise FormatError(gt, f"line {ln}", "coordinates must be finite")
            ds.shapes.append(Polygon(image=index, category=text_cat, rings=[quad],
                                     text=fields[8]))
    if missing:
        ds.warnings.append(f"icdar: dropped {missing} gt files (no matching image)")
    fill_image_sizes(ds.images, src)
    return ds


def _line(quad: np.ndarray, text: str | None) -> str:
    coords = ",".join(f"{round(v, 2):g}" for v in quad.ravel().tolist())
    return f"{coords},{'###' if text is None else text}\n"


@writer(NAME, holds=HOLDS, extensions=(".txt",), description="ICDAR-style text quads")
def write_icdar(ds: Dataset, ctx: WriteContext) -> None:
    drop_unheld(ctx, ds, HOLDS, "ICDAR holds text quads only")
    names = unique_names(ds.images)
    stems = [Path(n).with_suffix("").as_posix().replace("/", "__") for n in names]
    lines: list[list[str]] = [[] for _ in ds.images]
    b = ds.boxes
    for r in range(len(b)):
        quad = geometry.rotated_corners(b.xyxy[r], float(b.angle[r]))
        lines[int(b.image[r])].append(_line(quad, b.text.get(r)))
    not_quads = 0
    for s in ds.shapes:
        if not isinstance(s, Polygon):
            continue
        if len(s.rings) != 1 or len(s.rings[0]) != 4:
            not_quads += 1
            continue
        lines[s.image].append(_line(s.rings[0], s.text))
    ctx.report.drop("polygons", not_quads, "ICDAR holds four-point quads only")
    if len({int(c) for c in b.category}
           | {s.category for s in ds.shapes if isinstance(s, Polygon)}) > 1:
        ctx.report.drop("category names", len(ds.categories) - 1,
                        "ICDAR has no categories; every quad is text")
    fill_image_sizes(ds.images, ds.root)
    for i, im in enumerate(ds.images):
        place_image(ctx, ds.root, im, f"images/{stems[i]}{Path(names[i]).suffix}")
        atomic_write_text(ctx.dst / "gt" / f"gt_{stems[i]}.txt", "".join(lines[i]))
