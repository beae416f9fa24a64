"""COCO: round trips of every kind it holds, pycocotools validity, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from snapset.formats import FormatError, read_dataset, write_dataset
from tests.formats.conftest import box_set, make_dataset, shape_set


def test_round_trip_keeps_every_kind_coco_holds(dataset, tmp_path: Path) -> None:
    warnings = write_dataset(dataset, tmp_path / "out", "coco")
    assert warnings == ["coco: dropped 1 polylines (COCO holds no such annotation)"]
    back = read_dataset(tmp_path / "out")
    assert box_set(back) == box_set(dataset)
    for kind in ("polygon", "mask", "keypoints", "tag"):
        assert shape_set(back, kind) == shape_set(dataset, kind), kind
    assert back.categories[2].keypoints == ["head", "left", "right"]
    assert back.categories[2].skeleton == [(0, 1), (0, 2)]
    assert sorted(back.boxes.text.values()) == ["STOP"]
    assert [s.text for s in back.shapes if s.text] == ["EXIT"]
    assert sorted(back.boxes.track[back.boxes.track >= 0].tolist()) == [7]
    assert np.nanmax(back.boxes.score) == pytest.approx(0.75)
    assert (tmp_path / "out/images/img0.png").is_file()


def test_pycocotools_loads_output_and_cocoeval_runs(dataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path / "out", "coco", images="none")
    gt = COCO(str(tmp_path / "out/annotations/instances_default.json"))
    dets = [{**a, "score": 1.0} for a in gt.dataset["annotations"] if not a["iscrowd"]]
    for d in dets:
        d.pop("id")
    ev = COCOeval(gt, gt.loadRes(dets), "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)
    # Segmentation evaluation over the objects that have outlines (polygons, masks).
    seg_gt = COCO()
    seg_gt.dataset = {**gt.dataset, "annotations": [
        a for a in gt.dataset["annotations"] if a["segmentation"]]}
    seg_gt.createIndex()
    masks = [{"image_id": a["image_id"], "category_id": a["category_id"], "score": 1.0,
              "segmentation": seg_gt.annToRLE(a)}
             for a in seg_gt.dataset["annotations"] if not a["iscrowd"]]
    segm = COCOeval(seg_gt, seg_gt.loadRes(masks), "segm")
    segm.evaluate()
    segm.accumulate()
    segm.summarize()
    assert segm.stats[0] == pytest.approx(1.0)


def test_splits_write_one_file_each(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "src", splits=True)
    write_dataset(ds, tmp_path / "out", "coco")
    assert sorted(p.name for p in (tmp_path / "out/annotations").iterdir()) == [
        "instances_train.json", "instances_val.json"]
    back = read_dataset(tmp_path / "out")
    assert sorted({im.split for im in back.images}) == ["train", "val"]
    assert (tmp_path / "out" / back.images[0].file).is_file()


def _coco(tmp_path: Path, **overrides: object) -> Path:
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
           "categories": [{"id": 1, "name": "a"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
                           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}]}
    doc.update(overrides)
    p = tmp_path / "instances.json"
    p.write_text(json.dumps(doc))
    return p


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
                      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2]}]},
     "instances.json: annotations[1].bbox: expected 4 numbers"),
    ({"annotations": [{"id": 1, "image_id": "x", "category_id": 1, "bbox": [0, 0, 2, 2]}]},
     "instances.json: annotations[0].image_id: Expected int, got str"),
    ({"annotations": [{"id": 1, "image_id": 5, "category_id": 1, "bbox": [0, 0, 2, 2]}]},
     "instances.json: annotations[0].image_id: unknown image id 5"),
    ({"annotations": [{"id": 1, "image_id": 1, "category_id": 9, "bbox": [0, 0, 2, 2]}]},
     "instances.json: annotations[0].category_id: unknown category id 9"),
    ({"images": [{"id": 1, "file_name": "../../etc/passwd", "width": 10, "height": 10}]},
     "instances.json: images[0].file_name: image path '../../etc/passwd' escapes"),
    ({"images": [{"id": 1, "file_name": "/etc/passwd", "width": 10, "height": 10}]},
     "instances.json: images[0].file_name: image path '/etc/passwd' is absolute"),
    ({"images": [{"id": 1, "file_name": "a.jpg", "width": 10**9, "height": 10}]},
     "instances.json: images[0].width: image width 1000000000 is outside"),
    ({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}]},
     "instances.json: images: duplicate image id 1"),
    ({"images": "nope"}, "instances.json: images: Expected array, got str"),
])
def test_bad_input_names_file_and_place(tmp_path: Path, overrides: dict, expected: str) -> None:
    with pytest.raises(FormatError) as err:
        read_dataset(_coco(tmp_path, **overrides), "coco")
    assert str(err.value).startswith(expected), str(err.value)


def test_malformed_and_missing_fields(tmp_path: Path) -> None:
    p = tmp_path / "instances.json"
    p.write_text('{"images": [}')
    with pytest.raises(FormatError, match=r"instances.json: malformed JSON"):
        read_dataset(p, "coco")
    p.write_text('{"annotations": []}')
    with pytest.raises(FormatError, match=r"instances.json: Object missing required field"):
        read_dataset(p, "coco")
    p.write_text(json.dumps({"images": [{"id": 1, "width": 3, "height": 3}]}))
    with pytest.raises(FormatError, match=r"images\[0\]: Object missing required field "
                                          r"file_name"):
        read_dataset(p, "coco")


def test_cocoeval_keypoints_runs_on_output(dataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path / "out", "coco", images="none")
    gt = COCO(str(tmp_path / "out/annotations/instances_default.json"))
    person = gt.getCatIds(catNms=["person"])
    anns = gt.loadAnns(gt.getAnnIds(catIds=person))
    assert gt.loadCats(person)[0]["skeleton"] == [[1, 2], [1, 3]]
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "score": 1.0,
             "keypoints": a["keypoints"]} for a in anns]
    ev = COCOeval(gt, gt.loadRes(dets), "keypoints")
    ev.params.kpt_oks_sigmas = np.full(3, 0.05)
    ev.params.catIds = person
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)
