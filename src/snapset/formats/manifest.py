"""snapset's campaign export manifest: JSON Lines, one accepted photo per line.

    {"file": "images/ab/ab12...jpg", "sha256": "ab12...", "size": 123456, "width": 4032,
     "height": 3024, "cell": {"country": "KE"}, "captured_at": "2026-11-20T10:00:00Z",
     "device": {"make": "Google", "model": "Pixel 8"}, "location": {"lat": .., "lon": ..},
     "collector": "c-7f3a", "qc": {"blurry": 0.02}, "verdict": "accepted",
     "annotations": [ ...see snapset.formats.annotation_json... ]}

Images are content-addressed under `images/<sha256[:2]>/<sha256><ext>`. A sidecar
`categories.json` keeps category order, keypoint names and skeletons. The platform's
export streams records through `write_records`; `read_records` streams them back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import msgspec

from snapset.formats.annotation_json import add_from_json, image_annotations
from snapset.formats.errors import FormatError
from snapset.formats.io import check_size, place_image, read_json, safe_relpath
from snapset.formats.model import BoxesBuilder, Category, Dataset, Image, Shape
from snapset.formats.registry import ALL_KINDS, WriteContext, reader, writer

NAME = "manifest"
MANIFEST = "manifest.jsonl"
CATEGORIES = "categories.json"
#: The contract's keys besides file/sha256/width/height/annotations, kept in Image.metadata.
METADATA_KEYS = ("size", "cell", "captured_at", "device", "location", "collector", "qc",
                 "verdict")


class Device(msgspec.Struct):
    make: str | None = None
    model: str | None = None


class Location(msgspec.Struct):
    lat: float
    lon: float


class ManifestRecord(msgspec.Struct, omit_defaults=False):
    """One line of the manifest (the platform/formats contract)."""

    file: str
    sha256: str
    size: int
    width: int
    height: int
    cell: dict[str, Any] = {}
    captured_at: str | None = None
    device: Device = msgspec.field(default_factory=Device)
    location: Location | None = None
    collector: str | None = None
    qc: dict[str, float] = {}
    verdict: str = "accepted"
    annotations: list[dict[str, Any]] = []


def content_path(sha256: str, suffix: str) -> str:
    """Where the manifest stores an image: images/<sha256[:2]>/<sha256><suffix>."""
    return f"images/{sha256[:2]}/{sha256}{suffix.lower()}"


def write_records(out: str | Path | IO[bytes], records: Iterable[ManifestRecord | dict]
                  ) -> int:
    """Stream records to a JSON Lines file or binary stream; returns the count written.
    Dicts are validated against the contract first, so a bad record fails before writing."""
    encoder = msgspec.json.Encoder()
    if isinstance(out, str | Path):
        path = Path(out)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as f:
            n = write_records(f, records)
        tmp.replace(path)
        return n
    n = 0
    for rec in records:
        if not isinstance(rec, ManifestRecord):
            rec = msgspec.convert(rec, ManifestRecord)
        out.write(encoder.encode(rec) + b"\n")
        n += 1
    return n


def read_records(path: str | Path) -> Iterator[ManifestRecord]:
    """Stream the records of a manifest; errors name the line."""
    path = Path(path)
    decoder = msgspec.json.Decoder(ManifestRecord)
    with open(path, "rb") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield decoder.decode(line)
            except msgspec.ValidationError as e:
                msg, _, at = str(e).partition(" - at `$")
                place = f"line {ln}" + (f".{at.rstrip('`').lstrip('.')}" if at else "")
                raise FormatError(path, place, msg.replace("`", "")) from None
            except msgspec.DecodeError as e:
                raise FormatError(path, f"line {ln}", f"malformed JSON: {e}") from None


def looks_like_manifest(src: Path) -> bool:
    return (src.is_file() and src.suffix == ".jsonl") or (src / MANIFEST).is_file()


@reader(NAME, extensions=(".jsonl",), description="snapset manifest (JSON Lines)",
        detect=looks_like_manifest)
def read_manifest(src: Path) -> Dataset:
    path = src if src.is_file() else src / MANIFEST
    ds = Dataset(root=path.parent)
    cats_path = path.parent / CATEGORIES
    if cats_path.is_file():
        for c in read_json(cats_path, list[dict[str, Any]]):
            ds.categories.append(msgspec.convert(
                {**c, "skeleton": [tuple(e) for e in c.get("skeleton", [])]}, Category))
    boxes = BoxesBuilder()
    for ln, rec in enumerate(read_records(path), 1):
        place = f"line {ln}"
        rel = safe_relpath(path, f"{place}.file", rec.file)
        w, h = check_size(path, place, rec.width, rec.height)
        meta = {k: msgspec.to_builtins(getattr(rec, k)) for k in METADATA_KEYS}
        ds.images.append(Image(file=rel, width=w, height=h, sha256=rec.sha256, metadata=meta))
        for j, a in enumerate(rec.annotations):
            add_from_json(path, f"{place}.annotations[{j}]", a, ds, len(ds.images) - 1, boxes)
    ds.boxes = boxes.build()
    return ds


def _sha256(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@writer(NAME, holds=ALL_KINDS, extensions=(".jsonl",),
        description="snapset manifest (JSON Lines)")
def write_manifest(ds: Dataset, ctx: WriteContext) -> None:
    by_box: dict[int, list[int]] = {}
    for r, i in enumerate(ds.boxes.image.tolist()):
        by_box.setdefault(i, []).append(r)
    by_shape: dict[int, list[Shape]] = {}
    for s in ds.shapes:
        by_shape.setdefault(s.image, []).append(s)

    def records() -> Iterator[ManifestRecord]:
        for i, im in enumerate(ds.images):
            src = ds.root / im.file if ds.root is not None else None
            have_file = src is not None and src.is_file()
            sha = im.sha256 or (_sha256(src) if have_file else None)  # type: ignore[arg-type]
            if sha is None:
                ctx.report.drop("images", 1, "no sha256 and no image file to hash")
                continue
            rel = content_path(sha, Path(im.file).suffix)
            place_image(ctx, ds.root, im, rel)
            meta = im.metadata
            size = meta.get("size") or (src.stat().st_size if have_file else 0)  # type: ignore[union-attr]
            yield msgspec.convert({
                "file": rel, "sha256": sha, "size": size, "width": im.width,
                "height": im.height,
                **{k: meta[k] for k in METADATA_KEYS if k in meta and k != "size"},
                "annotations": image_annotations(ds, by_box, by_shape, i)}, ManifestRecord)

    write_records(ctx.dst / MANIFEST, records())
    if ds.categories:
        cats = [msgspec.to_builtins(c) for c in ds.categories]
        (ctx.dst / CATEGORIES).write_text(json.dumps(cats, indent=1), encoding="utf-8")
