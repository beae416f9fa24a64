"""Generated datasets holding every annotation kind, with real image files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

from snapset.formats import (
    BoxesBuilder,
    Category,
    Dataset,
    Image,
    Keypoints,
    Mask,
    Polygon,
    Polyline,
    Tag,
)
from snapset.formats.geometry import rle_encode

SIZES = [(64, 48), (80, 60), (50, 50)]


def write_images(root: Path, files: list[str], sizes: list[tuple[int, int]]) -> None:
    rng = np.random.default_rng(0)
    for f, (w, h) in zip(files, sizes, strict=True):
        p = root / f
        p.parent.mkdir(parents=True, exist_ok=True)
        PILImage.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(p)


def make_dataset(root: Path, *, splits: bool = False) -> Dataset:
    """Three images; categories cat, dog and person (keypoints with a skeleton)."""
    files = [f"images/img{i}.png" for i in range(3)]
    write_images(root, files, SIZES)
    images = [Image(file=f, width=w, height=h, split=("train" if i < 2 else "val")
                    if splits else None, frame=i)
              for i, (f, (w, h)) in enumerate(zip(files, SIZES, strict=True))]
    cats = [Category(name="cat"), Category(name="dog"),
            Category(name="person", keypoints=["head", "left", "right"],
                     skeleton=[(0, 1), (0, 2)])]
    b = BoxesBuilder()
    b.add(0, 0, (2.0, 3.0, 20.0, 30.0))
    b.add(0, 1, (10.0, 5.0, 40.0, 25.0), score=0.75)
    b.add(1, 0, (0.0, 0.0, 80.0, 60.0), attributes={"occluded": True})
    b.add(1, 1, (5.0, 6.0, 25.0, 36.0), angle=30.0)
    b.add(2, 1, (4.0, 4.0, 14.0, 24.0), track=7, text="STOP")
    mask = np.zeros((50, 50), bool)
    mask[10:20, 30:45] = True
    shapes = [
        Tag(image=0, category=1),
        Polygon(image=0, category=0, rings=[np.array([[30, 30], [50, 30], [40, 45.0]])]),
        Polygon(image=1, category=1, rings=[np.array([[1, 1], [10, 1], [10, 10], [1, 10.0]]),
                                            np.array([[20, 20], [30, 20], [25, 30.0]])]),
        Polygon(image=2, category=0, text="EXIT",
                rings=[np.array([[2, 30], [20, 30], [20, 40], [2, 40.0]])]),
        Mask(image=2, category=1, counts=rle_encode(mask), height=50, width=50),
        Polyline(image=1, category=0, points=np.array([[0, 0], [30, 40], [60, 10.0]])),
        Keypoints(image=2, category=2, points=np.array([[25, 10], [20, 30], [30, 30.0]]),
                  visibility=np.array([2, 2, 1], np.uint8), box=(15.0, 5.0, 35.0, 45.0)),
    ]
    return Dataset(images=images, categories=cats, boxes=b.build(), shapes=shapes, root=root)


def r(values: Any) -> tuple[float, ...]:
    return tuple(round(float(v), 1) for v in np.asarray(values).ravel())


def box_set(ds: Dataset, *, rotated: bool = True) -> set[tuple[Any, ...]]:
    out = set()
    for box in ds.boxes:
        if box.angle and not rotated:
            continue
        out.add((Path(ds.images[box.image].file).stem, ds.categories[box.category].name,
                 r(box.xyxy), round(box.angle, 1)))
    return out


def shape_set(ds: Dataset, kind: str) -> set[tuple[Any, ...]]:
    out = set()
    for s in ds.shapes:
        if s.kind != kind:
            continue
        stem = Path(ds.images[s.image].file).stem
        name = ds.categories[s.category].name if s.category >= 0 else None
        if isinstance(s, Polygon):
            geom: tuple[Any, ...] = tuple(r(ring) for ring in s.rings)
        elif isinstance(s, Polyline):
            geom = r(s.points)
        elif isinstance(s, Keypoints):
            geom = (r(s.points[s.visibility > 0]), tuple(s.visibility.tolist()))
        elif isinstance(s, Mask):
            geom = (s.height, s.width, tuple(int(c) for c in s.counts))
        else:
            geom = ()
        out.add((stem, name, geom))
    return out


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    return make_dataset(tmp_path / "src")
