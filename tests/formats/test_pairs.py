"""Conversions between every pair of formats that both hold an annotation kind keep it."""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import pytest

from snapset.formats import read_dataset, write_dataset
from tests.formats.conftest import box_set, make_dataset, shape_set

OPTIONS = {"yolo": {"task": "detect"}}
# kind -> formats that keep it exactly (write options per format above)
HOLDERS = {
    "box": ["coco", "cvat", "labelme", "manifest", "mot", "voc", "yolo"],
    "polygon": ["coco", "cvat", "labelme", "manifest"],
    "keypoints": ["coco", "cvat", "labelme", "manifest"],
    "tag": ["coco", "cvat", "labelme", "manifest"],
    "polyline": ["cvat", "labelme", "manifest"],
    "mask": ["coco", "cvat", "labelme", "manifest"],
    "track": ["coco", "cvat", "manifest", "mot"],
    "text": ["coco", "cvat", "icdar", "labelme", "manifest"],
}


def track_set(ds) -> set:
    return {(Path(ds.images[b.image].file).stem, tuple(round(v, 1) for v in b.xyxy), b.track)
            for b in ds.boxes if b.track is not None and b.track >= 0}


def text_set(ds) -> set:
    texts = {(Path(ds.images[b.image].file).stem, b.text) for b in ds.boxes if b.text}
    return texts | {(Path(ds.images[s.image].file).stem, s.text) for s in ds.shapes if s.text}
PAIRS = sorted({(a, b) for fmts in HOLDERS.values() for a, b in permutations(fmts, 2)})


def _by_position(back, like) -> None:
    for im, orig in zip(back.images, like.images, strict=True):
        im.file = orig.file


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_pair_keeps_shared_kinds(a: str, b: str, tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "src")
    write_dataset(ds, tmp_path / a, a, **OPTIONS.get(a, {}))
    mid = read_dataset(tmp_path / a, a)
    write_dataset(mid, tmp_path / b, b, **OPTIONS.get(b, {}))
    back = read_dataset(tmp_path / b, b)
    if len(back.images) == len(ds.images) and {a, b} & {"manifest", "mot"}:
        _by_position(back, ds)
    for kind, holders in HOLDERS.items():
        if a not in holders or b not in holders:
            continue
        if kind == "track":
            assert track_set(ds) <= track_set(back)
        elif kind == "text":
            assert text_set(ds) <= text_set(back)
        elif kind == "box":
            assert box_set(ds, rotated=False) <= box_set(back, rotated=True), kind
        else:
            assert shape_set(ds, kind) <= shape_set(back, kind), kind
