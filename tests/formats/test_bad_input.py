"""Hostile and broken input for the XML and per-image formats: a clear FormatError naming
the file and the place, never a crash or a silent skip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snapset.formats import FormatError, read_dataset
from tests.formats.conftest import write_images

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<annotations><version>&lol3;</version></annotations>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><annotations>&xxe;</annotations>"""


def _cvat(tmp_path: Path, body: str) -> Path:
    (tmp_path / "annotations.xml").write_text(body)
    return tmp_path


@pytest.mark.parametrize(("body", "expected"), [
    (BOMB, "annotations.xml: refused unsafe XML"),
    (EXTERNAL, "annotations.xml: refused unsafe XML"),
    ("<annotations><image id='0' name='a.png' width='10'", "annotations.xml: line 1, column"),
    ("<annotations><image id='0' name='../../etc/passwd' width='10' height='10'/>"
     "</annotations>", "annotations.xml: image[1]@name: image path '../../etc/passwd' escapes"),
    ("<annotations><image id='0' name='a.png' width='ten' height='10'/></annotations>",
     "annotations.xml: image[1]@width: expected a number, got 'ten'"),
    ("<annotations><image id='0' name='a.png' width='10' height='99999999'/></annotations>",
     "annotations.xml: image[1].height: image height 99999999 is outside"),
    ("<annotations><image id='0' name='a.png' width='10' height='10'>"
     "<box label='a' xtl='1' ytl='1' xbr='2'/></image></annotations>",
     "annotations.xml: image[1]/box[1]@ybr: expected a number, got None"),
    ("<annotations><image id='0' name='a.png' width='10' height='10'>"
     "<polygon label='a' points='1,1;2'/></image></annotations>",
     "annotations.xml: image[1]/polygon[1]@points: expected x,y;x,y"),
    ("<annotations><image id='0' name='a.png' width='10' height='10'>"
     "<mask label='a' rle='1, 2' left='0' top='0' width='2' height='2'/></image></annotations>",
     "annotations.xml: image[1]/mask[1]@rle: run lengths must cover 2x2"),
])
def test_cvat_bad_input(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(FormatError) as err:
        read_dataset(_cvat(tmp_path, body), "cvat")
    assert str(err.value).startswith(expected), str(err.value)


def _voc(tmp_path: Path, obj: str) -> Path:
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "Annotations/a.xml").write_text(
        f"<annotation><filename>a.jpg</filename><size><width>10</width><height>10</height>"
        f"</size>{obj}</annotation>")
    return tmp_path


@pytest.mark.parametrize(("obj", "expected"), [
    ("<object><name>a</name></object>", "a.xml: annotation/object[1]/bndbox: missing"),
    ("<object><bndbox/></object>", "a.xml: annotation/object[1]/name: missing"),
    ("<object><name>a</name><bndbox><xmin>1</xmin><ymin>x</ymin><xmax>2</xmax><ymax>3</ymax>"
     "</bndbox></object>", "a.xml: annotation/object[1]/bndbox/ymin: expected a number"),
])
def test_voc_bad_input(tmp_path: Path, obj: str, expected: str) -> None:
    with pytest.raises(FormatError) as err:
        read_dataset(_voc(tmp_path, obj), "voc")
    assert str(err.value).startswith(expected), str(err.value)


def test_voc_entity_bomb_refused(tmp_path: Path) -> None:
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "Annotations/a.xml").write_text(BOMB.replace("annotations", "annotation"))
    with pytest.raises(FormatError, match=r"a\.xml: refused unsafe XML"):
        read_dataset(tmp_path, "voc")


@pytest.mark.parametrize(("doc", "expected"), [
    ({"imagePath": "/etc/passwd", "shapes": []}, "a.json: imagePath: image path '/etc/passwd'"),
    ({"imagePath": "a.png", "shapes": [{"label": "x", "shape_type": "polygon",
                                        "points": [[1, 2], [3]]}]},
     "a.json: shapes[0].points: expected"),
    ({"imagePath": "a.png", "shapes": [{"label": 3, "points": []}]},
     "a.json: shapes[0].label: expected a shape with a string label"),
    ({"imagePath": "a.png", "shapes": [{"label": "x", "shape_type": "blob", "points": []}]},
     "a.json: shapes[0].shape_type: unknown shape type 'blob'"),
    ({"imagePath": "a.png", "imageWidth": -5, "imageHeight": 5, "shapes": []},
     "a.json: image.width: image width -5 is outside"),
])
def test_labelme_bad_input(tmp_path: Path, doc: dict, expected: str) -> None:
    (tmp_path / "a.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError) as err:
        read_dataset(tmp_path, "labelme")
    assert str(err.value).startswith(expected), str(err.value)


def test_icdar_and_mot_bad_lines(tmp_path: Path) -> None:
    write_images(tmp_path / "icdar", ["images/a.png"], [(10, 10)])
    (tmp_path / "icdar/gt").mkdir()
    (tmp_path / "icdar/gt/gt_a.txt").write_text("1,1,5,1,5,5,1,5,ok\n1,1,5,x,5,5,1,5,bad\n")
    with pytest.raises(FormatError, match=r"gt_a\.txt: line 2: coordinates must be numbers"):
        read_dataset(tmp_path / "icdar", "icdar")
    write_images(tmp_path / "mot", ["img1/000001.png"], [(10, 10)])
    (tmp_path / "mot/gt").mkdir()
    (tmp_path / "mot/gt/gt.txt").write_text("1,1,0,0,5,5,1,1,1\n2,1,0,0,5,5,1,1,1\n")
    with pytest.raises(FormatError, match=r"gt\.txt: line 2: frame 2 has no image in img1/"):
        read_dataset(tmp_path / "mot", "mot")


def test_unknown_format_and_undetectable_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'tfrecord'"):
        read_dataset(tmp_path, "tfrecord")
    with pytest.raises(ValueError, match="cannot tell its dataset format"):
        read_dataset(tmp_path)


def test_empty_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "instances.json").write_bytes(b"")
    with pytest.raises(FormatError, match=r"instances\.json: malformed JSON"):
        read_dataset(tmp_path / "instances.json", "coco")
    (tmp_path / "annotations.xml").write_bytes(b"")
    with pytest.raises(FormatError, match=r"annotations\.xml: line 1, column 0: malformed XML"):
        read_dataset(tmp_path / "annotations.xml", "cvat")
    from snapset.formats import io

    monkeypatch.setattr(io, "MAX_FILE_BYTES", 10)
    (tmp_path / "instances.json").write_text('{"images": [], "annotations": []}')
    with pytest.raises(FormatError, match=r"instances\.json: file is 33 bytes, over the 10"):
        read_dataset(tmp_path / "instances.json", "coco")
