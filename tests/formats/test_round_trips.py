"""Every format against the all-kinds dataset: what the format holds comes back, what it
cannot hold is reported as dropped, and a second write of the read-back data is stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from snapset.formats import detect_format, formats, read_dataset, write_dataset
from snapset.formats.registry import KIND_NAMES
from tests.formats.conftest import box_set, shape_set

# format -> (options, shape kinds it keeps exactly, whether boxes come back as boxes)
CASES = {
    "coco": ({}, ("polygon", "mask", "keypoints", "tag"), True),
    "cvat": ({}, ("polygon", "polyline", "mask", "keypoints", "tag"), True),
    "labelme": ({}, ("polygon", "polyline", "mask", "keypoints", "tag"), False),
    "manifest": ({}, ("polygon", "polyline", "mask", "keypoints", "tag"), True),
    "voc": ({}, (), False),
    "mot": ({}, (), False),
    "yolo": ({"task": "detect"}, (), False),
}


def test_every_builtin_format_reads_and_writes() -> None:
    names = {n for n, f in formats().items() if f.reader and f.writer}
    assert names == {"coco", "cvat", "icdar", "labelme", "manifest", "mot", "voc", "yolo"}


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_round_trip(fmt: str, dataset, tmp_path: Path) -> None:
    options, kinds, rotated_boxes = CASES[fmt]
    warnings = write_dataset(dataset, tmp_path / "out", fmt, **options)
    assert detect_format(tmp_path / "out") == fmt
    back = read_dataset(tmp_path / "out")
    assert len(back.images) == len(dataset.images)
    if fmt in ("manifest", "mot"):  # content-addressed / frame-numbered names, same order
        for im, orig in zip(back.images, dataset.images, strict=True):
            im.file = orig.file
    assert box_set(dataset, rotated=rotated_boxes) <= box_set(back)
    for kind in kinds:  # (LabelMe writes rotated boxes as polygons: hence <=)
        assert shape_set(dataset, kind) <= shape_set(back, kind), kind
    lost = {k for k in ("polygon", "mask", "polyline", "keypoints", "tag")
            if k not in kinds and shape_set(dataset, k)}
    for kind in lost - {"polygon", "mask"} if fmt == "yolo" else lost:
        assert any(KIND_NAMES[kind] in w for w in warnings), (kind, warnings)
    # What came back is stable: writing it again loses nothing more.
    again = write_dataset(back, tmp_path / "again", fmt, images="none", **options)
    assert len(again) <= len(warnings)


def test_tracks_survive_cvat_and_mot(dataset, tmp_path: Path) -> None:
    for fmt in ("cvat", "mot"):
        write_dataset(dataset, tmp_path / fmt, fmt)
        back = read_dataset(tmp_path / fmt)
        tracked = [(b.xyxy, b.track) for b in back.boxes if b.track is not None and b.track >= 0]
        assert ((4.0, 4.0, 14.0, 24.0), 7) in tracked, fmt


def test_text_quads_survive_icdar(dataset, tmp_path: Path) -> None:
    warnings = write_dataset(dataset, tmp_path / "out", "icdar")
    assert any("polygons (ICDAR holds four-point quads only)" in w for w in warnings)
    back = read_dataset(tmp_path / "out")
    texts = sorted(s.text for s in back.shapes if s.text not in (None, "###"))
    assert texts == ["EXIT", "STOP"]
    quad = next(s for s in back.shapes if s.text == "EXIT")
    assert quad.rings[0].tolist() == [[2, 30], [20, 30], [20, 40], [2, 40]]
