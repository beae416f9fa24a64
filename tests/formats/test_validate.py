"""`snapset validate` and `snapset convert` as a user runs them, and the problem codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from snapset.cli import app
from snapset.formats import BoxesBuilder, Keypoints, Polygon, read_dataset, write_dataset
from snapset.formats.validation import validate
from tests.formats.conftest import make_dataset

runner = CliRunner()


def _broken(tmp_path: Path):
    ds = make_dataset(tmp_path / "src")
    b = BoxesBuilder()
    b.add(0, 0, (2.0, 3.0, 20.0, 30.0))
    b.add(0, 0, (2.0, 3.0, 20.0, 30.2))          # duplicate of the first
    b.add(0, 1, (50.0, 40.0, 70.0, 47.0))        # past the 64 px wide border
    b.add(1, 1, (10.0, 10.0, 10.0, 20.0))        # zero width
    b.add(1, -1, (1.0, 1.0, 5.0, 5.0))           # no category
    ds.boxes = b.build()
    ds.shapes = [
        Polygon(image=2, category=0, rings=[np.array([[40, 40], [60, 40], [60, 60.0]])]),
        Keypoints(image=2, category=2, points=np.array([[1, 1], [20, 30], [30, 30.0]]),
                  visibility=np.array([2, 2, 1], np.uint8), box=(15.0, 5.0, 35.0, 45.0)),
    ]
    (tmp_path / "src/images/img2.png").unlink()
    return ds


def test_problem_codes(tmp_path: Path) -> None:
    report = validate(_broken(tmp_path))
    assert report.counts() == {
        "image_file_missing": 1, "unknown_category": 1, "zero_area": 1,
        "box_outside_image": 1, "polygon_outside_image": 1, "keypoints_outside_box": 1,
        "duplicate_annotation": 1}
    assert report.has_errors()
    dup = next(p for p in report.problems if p.code == "duplicate_annotation")
    assert dup.image == "images/img0.png" and dup.annotation == "box 1"


def test_cli_validate_writes_json_and_fails_on_errors(tmp_path: Path) -> None:
    write_dataset(_broken(tmp_path), tmp_path / "coco", "coco", images="none")
    result = runner.invoke(app, ["validate", str(tmp_path / "coco"), "--json",
                                 str(tmp_path / "v.json")])
    assert result.exit_code == 1
    assert "image_file_missing" in result.output
    out = json.loads((tmp_path / "v.json").read_text())
    assert out["format"] == "coco"
    assert out["summary"]["problems"]["image_file_missing"] == 3


def test_cli_validate_clean_dataset_and_unreadable(tmp_path: Path) -> None:
    write_dataset(make_dataset(tmp_path / "src"), tmp_path / "ok", "voc")
    result = runner.invoke(app, ["validate", str(tmp_path / "ok")])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": '
                   '[{"image_id": 2, "bbox": [0, 0, 1, 1]}]}')
    result = runner.invoke(app, ["validate", str(bad), "--format", "coco", "--json",
                                 str(tmp_path / "v.json")])
    assert result.exit_code == 1
    problems = json.loads((tmp_path / "v.json").read_text())["problems"]
    assert problems[0]["code"] == "annotation_on_missing_image"
    assert "annotations[0].image_id: unknown image id 2" in problems[0]["message"]


def test_cli_validate_with_qc(tmp_path: Path) -> None:
    write_dataset(make_dataset(tmp_path / "src"), tmp_path / "yolo", "yolo", task="detect")
    result = runner.invoke(app, ["validate", str(tmp_path / "yolo"), "--with-qc", "--json",
                                 str(tmp_path / "v.json")])
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "v.json").read_text())["qc"]["images"]) == 3


def test_cli_convert_detects_links_and_reports(tmp_path: Path) -> None:
    write_dataset(make_dataset(tmp_path / "src"), tmp_path / "coco", "coco")
    result = runner.invoke(app, ["convert", str(tmp_path / "coco"), str(tmp_path / "out"),
                                 "--to", "yolo", "--task", "detect", "--images", "link"])
    assert result.exit_code == 0, result.output
    assert "yolo: dropped 1 tags" in result.output
    assert "from coco to yolo" in result.output
    assert (tmp_path / "out/images/img0.png").stat().st_nlink >= 2
    assert len(read_dataset(tmp_path / "out").boxes) == 9  # 5 boxes + 4 outlines


def test_cli_convert_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "instances.json").write_text('{"images": [')
    result = runner.invoke(app, ["convert", str(tmp_path / "instances.json"),
                                 str(tmp_path / "out"), "--to", "yolo"])
    assert result.exit_code == 2
    assert "instances.json: malformed JSON" in result.output
    result = runner.invoke(app, ["convert", str(tmp_path), str(tmp_path / "o"), "--to", "x",
                                 "--from", "coco"])
    assert result.exit_code == 2 and "unknown format 'x'" in result.output


def test_duplicates_found_across_whole_groups(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "src")
    b = BoxesBuilder()
    for dx in (0.0, 0.1, 0.2):
        b.add(1, 0, (10.0 + dx, 10.0, 40.0 + dx, 40.0))
        b.add(1, 1, (10.0 + dx, 10.0, 40.0 + dx, 40.0))  # other class: its own pairs
    b.add(1, 0, (12.0, 10.0, 42.0, 40.0))  # IoU ~0.88 with the first: not a duplicate
    ds.boxes, ds.shapes = b.build(), []
    dups = [p for p in validate(ds).problems if p.code == "duplicate_annotation"]
    assert len(dups) == 6
    assert {p.annotation for p in dups} == {"box 2", "box 3", "box 4", "box 5"}
