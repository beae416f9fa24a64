"""The campaign manifest (JSON Lines): full round trip, streaming API, bad lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from snapset.formats import FormatError, read_dataset, write_dataset
from snapset.formats.manifest import ManifestRecord, write_records
from tests.formats.conftest import box_set, shape_set


def test_round_trip_keeps_every_kind(dataset, tmp_path: Path) -> None:
    dataset.images[0].metadata = {"cell": {"country": "KE"}, "collector": "c-1",
                                  "qc": {"blurry": 0.1}, "verdict": "accepted",
                                  "location": {"lat": 1.5, "lon": 36.8}}
    assert write_dataset(dataset, tmp_path / "out", "manifest") == []
    back = read_dataset(tmp_path / "out")
    files = [im.file for im in back.images]
    for im, orig in zip(back.images, dataset.images, strict=True):
        im.file = orig.file  # content-addressed names; compare by position
    assert box_set(back) == box_set(dataset)
    for kind in ("polygon", "polyline", "mask", "keypoints", "tag"):
        assert shape_set(back, kind) == shape_set(dataset, kind), kind
    assert back.categories[2].skeleton == [(0, 1), (0, 2)]
    first = json.loads((tmp_path / "out/manifest.jsonl").read_text().splitlines()[0])
    assert first["file"] == f"images/{first['sha256'][:2]}/{first['sha256']}.png"
    assert (tmp_path / "out" / first["file"]).is_file() and files[0] == first["file"]
    assert first["cell"] == {"country": "KE"} and first["location"] == {"lat": 1.5, "lon": 36.8}
    assert back.images[0].metadata["collector"] == "c-1"


def test_streaming_records_api() -> None:
    buf = io.BytesIO()
    rec = {"file": "images/ab/abc.jpg", "sha256": "abc", "size": 10, "width": 4, "height": 3,
           "annotations": [{"type": "box", "label": "car", "bbox": [0, 0, 2, 2]}]}
    assert write_records(buf, [rec, ManifestRecord(**{**rec, "sha256": "abd"})]) == 2
    lines = buf.getvalue().decode().splitlines()
    assert json.loads(lines[0])["device"] == {"make": None, "model": None}
    with pytest.raises(Exception, match="width"):
        write_records(io.BytesIO(), [{**rec, "width": "wide"}])


def test_bad_lines_name_the_place(tmp_path: Path) -> None:
    p = tmp_path / "manifest.jsonl"
    good = {"file": "a.jpg", "sha256": "x", "size": 1, "width": 4, "height": 4}
    p.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(FormatError, match=r"manifest.jsonl: line 2: malformed JSON"):
        read_dataset(p)
    p.write_text(json.dumps({**good, "annotations": [{"type": "box", "bbox": [1, 2]}]}))
    with pytest.raises(FormatError, match=r"line 1.annotations\[0\].bbox: expected"):
        read_dataset(p)
    p.write_text(json.dumps({**good, "file": "../../etc/passwd"}))
    with pytest.raises(FormatError, match=r"line 1.file: image path .* escapes"):
        read_dataset(p)
    p.write_text(json.dumps({**good, "height": "tall"}))
    with pytest.raises(FormatError, match=r"line 1.height: Expected int, got str"):
        read_dataset(p)
