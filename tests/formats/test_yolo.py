"""YOLO (Ultralytics layout): detect, segment and pose round trips, drops, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from snapset.formats import FormatError, read_dataset, write_dataset
from tests.formats.conftest import box_set, make_dataset, shape_set, write_images


def test_detect_round_trip_and_drop_report(dataset, tmp_path: Path) -> None:
    warnings = write_dataset(dataset, tmp_path / "out", "yolo", task="detect")
    assert "yolo: dropped 1 tags (YOLO holds no such annotation)" in warnings
    assert "yolo: dropped 1 box rotations (YOLO boxes are axis-aligned; wrote their bounds)"\
        in warnings
    assert "yolo: dropped 1 keypoint sets (detect layout holds no keypoints)" in warnings
    assert any("polygon/mask outlines" in w for w in warnings)
    back = read_dataset(tmp_path / "out")
    assert box_set(dataset, rotated=False) <= box_set(back)
    cfg = yaml.safe_load((tmp_path / "out/data.yaml").read_text())
    assert cfg["names"] == {0: "cat", 1: "dog", 2: "person"}
    assert (tmp_path / "out/images/img0.png").is_file()
    assert (tmp_path / "out/labels/img0.txt").is_file()


def test_segment_round_trip_keeps_polygons(dataset, tmp_path: Path) -> None:
    warnings = write_dataset(dataset, tmp_path / "out", "yolo", task="segment")
    assert "yolo: dropped 1 polygon rings (YOLO segment holds one ring per object; kept the "\
        "largest)" in warnings
    back = read_dataset(tmp_path / "out")
    single = {p for p in shape_set(dataset, "polygon") if len(p[2]) == 1}
    assert single <= shape_set(back, "polygon")
    # Boxes are written as 4-corner polygons, the mask as its outline polygon.
    n_outlines = len([s for s in dataset.shapes if s.kind in ("polygon", "mask")])
    assert len(back.shapes) == len(dataset.boxes) + n_outlines
    assert all(im.split is None for im in back.images)


def test_pose_round_trip_keeps_keypoints(dataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path / "out", "yolo")  # keypoints present -> pose
    cfg = yaml.safe_load((tmp_path / "out/data.yaml").read_text())
    assert cfg["kpt_shape"] == [3, 3]
    back = read_dataset(tmp_path / "out")
    assert shape_set(back, "keypoints") == shape_set(dataset, "keypoints")


def test_splits_become_folders(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "src", splits=True)
    write_dataset(ds, tmp_path / "out", "yolo", task="detect")
    cfg = yaml.safe_load((tmp_path / "out/data.yaml").read_text())
    assert (cfg["train"], cfg["val"]) == ("images/train", "images/val")
    assert (tmp_path / "out/labels/val/img2.txt").is_file()
    back = read_dataset(tmp_path / "out")
    assert sorted(im.split for im in back.images) == ["train", "train", "val"]


def _yolo(tmp_path: Path, label: str, names: object = None) -> Path:
    write_images(tmp_path, ["images/a.png"], [(10, 10)])
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels/a.txt").write_text(label)
    (tmp_path / "data.yaml").write_text(yaml.safe_dump(
        {"train": "images", "val": "images", "names": names or ["a", "b"]}))
    return tmp_path


@pytest.mark.parametrize(("label", "expected"), [
    ("0 0.5 0.5 0.2 0.2\n1 0.5 0.5 x 0.2\n", "a.txt: line 2: expected numbers"),
    ("7 0.5 0.5 0.2 0.2\n", "a.txt: line 1: class id 7 not in names"),
    ("-1 0.5 0.5 0.2 0.2\n", "a.txt: line 1: negative class id -1"),
    ("0 0.5 0.5\n", "a.txt: line 1: expected 5 values"),
    ("0 nan 0.5 0.2 0.2\n", "a.txt: line 1: expected finite numbers"),
])
def test_bad_label_lines(tmp_path: Path, label: str, expected: str) -> None:
    with pytest.raises(FormatError) as err:
        read_dataset(_yolo(tmp_path, label), "yolo")
    assert str(err.value).startswith(expected), str(err.value)


def test_bad_data_yaml(tmp_path: Path) -> None:
    root = _yolo(tmp_path, "0 0.5 0.5 0.2 0.2\n")
    (root / "data.yaml").write_text("names: [a, b\n")
    with pytest.raises(FormatError, match=r"data\.yaml: malformed YAML"):
        read_dataset(root, "yolo")
    (root / "data.yaml").write_text("names: 3\n")
    with pytest.raises(FormatError, match=r"data\.yaml: names: expected a list"):
        read_dataset(root, "yolo")


def test_orphan_label_files_are_reported(tmp_path: Path) -> None:
    root = _yolo(tmp_path, "0 0.5 0.5 0.2 0.2\n")
    (root / "labels/ghost.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    ds = read_dataset(root)
    assert ds.warnings == ["yolo: dropped 1 label files (no matching image)"]
    assert np.allclose(ds.boxes.xyxy, [[4, 4, 6, 6]])


@pytest.mark.parametrize(("cfg", "expected"), [
    ({"train": "../../etc", "names": ["a"]}, r"data\.yaml: train: image path '\.\./\.\./etc' "
                                             r"escapes the dataset folder"),
    ({"path": "/etc", "train": "images", "names": ["a"]},
     r"data\.yaml: path: image path '/etc' is absolute"),
])
def test_data_yaml_cannot_point_outside(tmp_path: Path, cfg: dict, expected: str) -> None:
    root = _yolo(tmp_path, "0 0.5 0.5 0.2 0.2\n")
    (root / "data.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(FormatError, match=expected):
        read_dataset(root, "yolo")
