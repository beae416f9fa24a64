"""Pascal VOC: `Annotations/<stem>.xml`, `JPEGImages/`, `ImageSets/Main/<split>.txt`.

VOC counts pixels from 1 and its xmax is the last covered pixel, so x0 = xmin - 1 and
x1 = xmax in the model's convention. Per-object `difficult`, `truncated`, `occluded` and
`pose` become attributes; other attributes go in CVAT's `<attributes>` extension.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from snapset.formats.errors import FormatError
from snapset.formats.io import (
    atomic_write_bytes,
    atomic_write_text,
    check_size,
    fill_image_sizes,
    parse_xml,
    place_image,
    safe_relpath,
    unique_names,
)
from snapset.formats.model import NO_CATEGORY, BoxesBuilder, Dataset, Image
from snapset.formats.registry import WriteContext, drop_unheld, reader, writer

NAME = "voc"
HOLDS = frozenset({"box"})
_FLAGS = ("difficult", "truncated", "occluded")


def looks_like_voc(src: Path) -> bool:
    return src.is_dir() and (src / "Annotations").is_dir()


def _text(path: Path, el: Element, tag: str, place: str, *, required: bool = True) -> str | None:
    child = el.find(tag)
    if child is None or child.text is None:
        if required:
            raise FormatError(path, f"{place}/{tag}", "missing")
        return None
    return child.text.strip()


def _number(path: Path, el: Element, tag: str, place: str) -> float:
    v = _text(path, el, tag, place)
    try:
        x = float(v)  # type: ignore[arg-type]
    except ValueError:
        raise FormatError(path, f"{place}/{tag}", f"expected a number, got {v!r}") from None
    if x != x or abs(x) == float("inf"):
        raise FormatError(path, f"{place}/{tag}", "expected a finite number")
    return x


def _splits(src: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    main = src / "ImageSets" / "Main"
    if main.is_dir():
        for f in sorted(main.glob("*.txt")):
            if "_" in f.stem:  # per-class lists (aeroplane_train.txt) repeat the splits
                continue
            for line in f.read_text(encoding="utf-8").split():
                out.setdefault(line, f.stem)
    return out


@reader(NAME, extensions=(".xml",), description="Pascal VOC XML", detect=looks_like_voc)
def read_voc(src: Path) -> Dataset:
    ds = Dataset(root=src)
    splits = _splits(src)
    boxes = BoxesBuilder()
    for xml in sorted((src / "Annotations").glob("*.xml")):
        root = parse_xml(xml)
        if root.tag != "annotation":
            raise FormatError(xml, root.tag, "expected an <annotation> root element")
        name = _text(xml, root, "filename", "annotation") or f"{xml.stem}.jpg"
        rel = safe_relpath(xml, "annotation/filename", f"JPEGImages/{name}")
        size = root.find("size")
        w = h = 0
        if size is not None:
            w, h = check_size(xml, "annotation/size", _number(xml, size, "width", "size"),
                              _number(xml, size, "height", "size"), allow_zero=True)
        ds.images.append(Image(file=rel, width=w, height=h, split=splits.get(xml.stem)))
        index = len(ds.images) - 1
        for k, obj in enumerate(root.findall("object")):
            place = f"annotation/object[{k + 1}]"
            label = _text(xml, obj, "name", place)
            bb = obj.find("bndbox")
            if bb is None:
                raise FormatError(xml, f"{place}/bndbox", "missing")
            x0, y0, x1, y1 = (_number(xml, bb, t, f"{place}/bndbox")
                              for t in ("xmin", "ymin", "xmax", "ymax"))
            attrs: dict[str, Any] = {}
            for flag in _FLAGS:
                v = _text(xml, obj, flag, place, required=False)
                if v is not None:
                    attrs[flag] = v in ("1", "true", "True")
            pose = _text(xml, obj, "pose", place, required=False)
            if pose and pose != "Unspecified":
                attrs["pose"] = pose
            for a in obj.findall("attributes/attribute"):
                key = _text(xml, a, "name", place)
                attrs[key] = _text(xml, a, "value", place, required=False)  # type: ignore[index]
            score = _text(xml, obj, "score", place, required=False)
            boxes.add(index, ds.ensure_category(label), (x0 - 1, y0 - 1, x1, y1),  # type: ignore[arg-type]
                      attributes=attrs or None, score=float(score) if score else None)
    fill_image_sizes(ds.images, src)
    ds.boxes = boxes.build()
    return ds


def _fmt(v: float) -> str:
    return f"{round(v, 2):g}"


@writer(NAME, holds=HOLDS, extensions=(".xml",), description="Pascal VOC XML")
def write_voc(ds: Dataset, ctx: WriteContext) -> None:
    drop_unheld(ctx, ds, HOLDS, "Pascal VOC holds axis-aligned boxes only")
    fill_image_sizes(ds.images, ds.root)
    names = unique_names(ds.images)
    stems = [Path(n).with_suffix("").as_posix().replace("/", "__") for n in names]
    per_image: dict[int, list[int]] = {}
    for r, i in enumerate(ds.boxes.image.tolist()):
        per_image.setdefault(i, []).append(r)
    b = ds.boxes
    n_uncat = 0
    for i, im in enumerate(ds.images):
        file = f"{stems[i]}{Path(names[i]).suffix}"
        place_image(ctx, ds.root, im, f"JPEGImages/{file}")
        root = Element("annotation")
        SubElement(root, "folder").text = "JPEGImages"
        SubElement(root, "filename").text = file
        size = SubElement(root, "size")
        SubElement(size, "width").text = str(im.width)
        SubElement(size, "height").text = str(im.height)
        SubElement(size, "depth").text = "3"
        SubElement(root, "segmented").text = "0"
        for r in per_image.get(i, []):
            if b.category[r] == NO_CATEGORY:
                n_uncat += 1
                continue
            attrs = dict(b.attributes.get(r, {}))
            obj = SubElement(root, "object")
            SubElement(obj, "name").text = ds.categories[int(b.category[r])].name
            SubElement(obj, "pose").text = str(attrs.pop("pose", "Unspecified"))
            for flag in _FLAGS:
                SubElement(obj, flag).text = "1" if attrs.pop(flag, False) else "0"
            if b.score[r] == b.score[r]:
                SubElement(obj, "score").text = f"{float(b.score[r]):g}"
            x0, y0, x1, y1 = b.xyxy[r].tolist()
            bb = SubElement(obj, "bndbox")
            for tag, v in (("xmin", x0 + 1), ("ymin", y0 + 1), ("xmax", x1), ("ymax", y1)):
                SubElement(bb, tag).text = _fmt(v)
            if attrs:
                el = SubElement(obj, "attributes")
                for k, v in attrs.items():
                    a = SubElement(el, "attribute")
                    SubElement(a, "name").text = str(k)
                    SubElement(a, "value").text = str(v)
        atomic_write_bytes(ctx.dst / "Annotations" / f"{stems[i]}.xml",
                           tostring(root, encoding="utf-8", xml_declaration=True))
    ctx.report.drop("boxes", n_uncat, "no category")
    by_split: dict[str, list[str]] = {}
    for i, im in enumerate(ds.images):
        by_split.setdefault(im.split or "default", []).append(stems[i])
    for split, members in by_split.items():
        atomic_write_text(ctx.dst / "ImageSets" / "Main" / f"{split}.txt",
                          "\n".join(members) + "\n")
    atomic_write_text(ctx.dst / "labelmap.txt",
                      "".join(f"{c.name}:::\n" for c in ds.categories))
