"""The format registry: each format module registers its reader, writer and detector.

Shaped like CVAT's importer/exporter registry: a decorator names the format, the file
extensions it uses and the annotation kinds it can hold; `read_dataset`, `write_dataset`
and `detect_format` dispatch through it, so no caller ever switches on a format name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from snapset.formats.model import Dataset

ImageMode = Literal["copy", "link", "none"]

#: Every annotation kind of the model; formats declare the subset they hold.
ALL_KINDS = frozenset(
    {"box", "rotated_box", "polygon", "mask", "polyline", "keypoints", "tag", "text", "track"}
)


@dataclass
class DropReport:
    """What a reader or writer could not keep, counted per kind and reason."""

    format: str
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def drop(self, what: str, count: int, reason: str) -> None:
        if count:
            self.counts[(what, reason)] += count

    def messages(self) -> list[str]:
        return [f"{self.format}: dropped {n} {what} ({reason})"
                for (what, reason), n in sorted(self.counts.items())]


@dataclass
class WriteContext:
    """Where and how a writer puts files: `images` says copy, link or leave images."""

    dst: Path
    images: ImageMode = "copy"
    report: DropReport = field(default_factory=lambda: DropReport(""))
    options: dict[str, object] = field(default_factory=dict)
    #: Called once per image written (drives progress bars).
    on_image: Callable[[], None] | None = None


Reader = Callable[[Path], Dataset]
Writer = Callable[[Dataset, WriteContext], None]
Detector = Callable[[Path], bool]


@dataclass
class FormatInfo:
    name: str
    description: str = ""
    extensions: tuple[str, ...] = ()
    holds: frozenset[str] = frozenset()
    reader: Reader | None = None
    writer: Writer | None = None
    detector: Detector | None = None


_FORMATS: dict[str, FormatInfo] = {}


def _info(name: str) -> FormatInfo:
    return _FORMATS.setdefault(name, FormatInfo(name=name))


def reader(name: str, *, extensions: tuple[str, ...] = (), description: str = "",
           detect: Detector | None = None) -> Callable[[Reader], Reader]:
    """Register `fn(src) -> Dataset` as the reader of format `name`."""
    def register(fn: Reader) -> Reader:
        info = _info(name)
        info.reader, info.detector = fn, detect or info.detector
        info.extensions = extensions or info.extensions
        info.description = description or info.description
        return fn
    return register


def writer(name: str, *, holds: frozenset[str], extensions: tuple[str, ...] = (),
           description: str = "") -> Callable[[Writer], Writer]:
    """Register `fn(dataset, ctx)` as the writer of format `name`; `holds` are the
    annotation kinds it keeps (everything else is counted as dropped)."""
    def register(fn: Writer) -> Writer:
        info = _info(name)
        info.writer, info.holds = fn, holds
        info.extensions = extensions or info.extensions
        info.description = description or info.description
        return fn
    return register


def _load_builtin() -> None:
    from snapset.formats import builtin  # noqa: F401  (registers every bundled format)


def formats() -> dict[str, FormatInfo]:
    _load_builtin()
    return dict(_FORMATS)


def get_format(name: str) -> FormatInfo:
    _load_builtin()
    try:
        return _FORMATS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(sorted(_FORMATS))}")\
            from None


def detect_format(src: Path) -> str:
    """Name of the first registered format whose detector recognises `src`."""
    _load_builtin()
    src = Path(src)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    for info in _FORMATS.values():
        if info.detector is not None and info.reader is not None and info.detector(src):
            return info.name
    raise ValueError(f"{src}: cannot tell its dataset format; pass --from "
                     f"({', '.join(sorted(n for n, i in _FORMATS.items() if i.reader))})")


def read_dataset(src: str | Path, format: str | None = None) -> Dataset:
    src = Path(src)
    info = get_format(format or detect_format(src))
    if info.reader is None:
        raise ValueError(f"format {info.name!r} cannot be read")
    return info.reader(src)


def unheld_kinds(dataset: Dataset, holds: frozenset[str]) -> dict[str, int]:
    """Counts of annotation kinds in `dataset` that a format holding `holds` loses."""
    lost = {k: n for k, n in dataset.count_kinds().items() if k not in holds}
    if "text" not in holds:
        n_text = len(dataset.boxes.text) + sum(1 for s in dataset.shapes if s.text is not None)
        if n_text:
            lost["text"] = n_text
    if "track" not in holds:
        n_track = int((dataset.boxes.track >= 0).sum()) + sum(
            1 for s in dataset.shapes if s.track is not None)
        if n_track:
            lost["track"] = n_track
    return lost


#: How drop reports name each kind.
KIND_NAMES = {"box": "boxes", "rotated_box": "box rotations", "polygon": "polygons",
              "mask": "masks", "polyline": "polylines", "keypoints": "keypoint sets",
              "tag": "tags", "text": "transcriptions", "track": "track ids"}


def drop_unheld(ctx: WriteContext, dataset: Dataset, holds: frozenset[str], reason: str
                ) -> None:
    """Count into the report every annotation kind the format cannot hold."""
    for kind, n in unheld_kinds(dataset, holds).items():
        ctx.report.drop(KIND_NAMES.get(kind, kind), n, reason)


def write_dataset(dataset: Dataset, dst: str | Path, format: str, *,
                  images: ImageMode = "copy", on_image: Callable[[], None] | None = None,
                  **options: object) -> list[str]:
    """Write `dataset` as `format` into `dst`; returns the drop warnings (never silent)."""
    info = get_format(format)
    if info.writer is None:
        raise ValueError(f"format {info.name!r} cannot be written")
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    if images not in ("copy", "link", "none"):
        raise ValueError(f"images must be copy, link or none, not {images!r}")
    ctx = WriteContext(dst=dst, images=images, report=DropReport(info.name), options=options,
                       on_image=on_image)
    info.writer(dataset, ctx)
    return ctx.report.messages()
