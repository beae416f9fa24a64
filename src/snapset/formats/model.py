"""The annotation model every format reads into and writes from.

Coordinate convention (one for all formats): pixels of the stored image, continuous
coordinates, origin at the top-left corner of the top-left pixel; pixel (row r, column c)
covers x in [c, c+1), y in [r, r+1). A box is x0, y0, x1, y1 with x1 = x0 + width. A
rotated box keeps its axis-aligned x0..y1 before rotation and turns by `angle` degrees
clockwise about its centre (CVAT's convention). Formats that count pixels from 1 (Pascal
VOC) or normalise (YOLO) convert at their edge.

Boxes are the bulk of most datasets, so they live in one columnar, numpy-backed table
(`Boxes`), not one Python object per box. The rarer kinds (tags, polygons, masks,
polylines, keypoints) are small objects in `Dataset.shapes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

NO_CATEGORY = -1


@dataclass(slots=True)
class Image:
    """One image: its path relative to the dataset root, stored size and metadata."""

    file: str
    width: int = 0
    height: int = 0
    id: int | None = None
    sha256: str | None = None
    split: str | None = None
    frame: int | None = None
    sequence: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return Path(self.file).stem


@dataclass(slots=True)
class Category:
    """A label; keypoint categories carry point names and skeleton edges (0-based)."""

    name: str
    id: int | None = None
    supercategory: str | None = None
    attributes: list[str] = field(default_factory=list)
    keypoints: list[str] = field(default_factory=list)
    skeleton: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Shape:
    """Fields every non-box annotation shares. `image`/`category` index into the dataset."""

    kind: ClassVar[str] = "shape"
    image: int
    category: int = NO_CATEGORY
    id: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    iscrowd: bool = False
    annotator: str | None = None
    score: float | None = None
    track: int | None = None
    text: str | None = None
    #: The object's x0, y0, x1, y1 when the source gives one (COCO's bbox of a polygon).
    box: tuple[float, float, float, float] | None = None

    def bbox(self) -> tuple[float, float, float, float]:
        return self.box if self.box is not None else (0.0, 0.0, 0.0, 0.0)


@dataclass(slots=True, kw_only=True)
class Tag(Shape):
    """Image-level label (classification)."""

    kind: ClassVar[str] = "tag"


@dataclass(slots=True, kw_only=True)
class Polygon(Shape):
    """A polygon or multi-polygon: each ring is a (K, 2) float array of x, y vertices.
    A text quad is a one-ring, four-point polygon with `text` set."""

    kind: ClassVar[str] = "polygon"
    rings: list[np.ndarray]

    def bbox(self) -> tuple[float, float, float, float]:
        if self.box is not None:
            return self.box
        pts = np.concatenate(self.rings) if self.rings else np.zeros((1, 2))
        return (float(pts[:, 0].min()), float(pts[:, 1].min()),
                float(pts[:, 0].max()), float(pts[:, 1].max()))


@dataclass(slots=True, kw_only=True)
class Polyline(Shape):
    """An open line through (K, 2) points."""

    kind: ClassVar[str] = "polyline"
    points: np.ndarray

    def bbox(self) -> tuple[float, float, float, float]:
        if self.box is not None:
            return self.box
        p = self.points
        return (float(p[:, 0].min()), float(p[:, 1].min()),
                float(p[:, 0].max()), float(p[:, 1].max()))


@dataclass(slots=True, kw_only=True)
class Mask(Shape):
    """A binary mask as uncompressed COCO run lengths (column-major, starting with zeros)."""

    kind: ClassVar[str] = "mask"
    counts: np.ndarray
    height: int
    width: int

    def bbox(self) -> tuple[float, float, float, float]:
        if self.box is not None:
            return self.box
        from snapset.formats.geometry import rle_bbox

        return rle_bbox(self.counts, self.height, self.width)


@dataclass(slots=True, kw_only=True)
class Keypoints(Shape):
    """Points named by the category's `keypoints`; visibility 0 = not labelled,
    1 = labelled but hidden, 2 = visible (COCO's convention). `box` is the object's
    x0, y0, x1, y1 when the source has one."""

    kind: ClassVar[str] = "keypoints"
    points: np.ndarray
    visibility: np.ndarray

    def bbox(self) -> tuple[float, float, float, float]:
        if self.box is not None:
            return self.box
        p = self.points[self.visibility > 0]
        if len(p) == 0:
            return (0.0, 0.0, 0.0, 0.0)
        return (float(p[:, 0].min()), float(p[:, 1].min()),
                float(p[:, 0].max()), float(p[:, 1].max()))


SHAPE_KINDS: dict[str, type[Shape]] = {
    c.kind: c for c in (Tag, Polygon, Polyline, Mask, Keypoints)
}


@dataclass(slots=True)
class Box:
    """One row of `Boxes`, materialised for convenience (not for bulk work)."""

    image: int
    category: int
    xyxy: tuple[float, float, float, float]
    angle: float = 0.0
    score: float | None = None
    iscrowd: bool = False
    track: int | None = None
    id: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    annotator: str | None = None


@dataclass
class Boxes:
    """All boxes of a dataset as columns. `score` NaN = not a prediction; `track`/`id`
    -1 = none. Rare per-box extras (attributes, text, annotator) are sparse row -> value
    dicts so a million plain boxes cost only their numbers."""

    image: np.ndarray
    category: np.ndarray
    xyxy: np.ndarray
    angle: np.ndarray
    score: np.ndarray
    iscrowd: np.ndarray
    track: np.ndarray
    id: np.ndarray
    attributes: dict[int, dict[str, Any]] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)
    annotator: dict[int, str] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Boxes:
        return cls.from_columns(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros((0, 4)))

    @classmethod
    def from_columns(
        cls,
        image: np.ndarray,
        category: np.ndarray,
        xyxy: np.ndarray,
        *,
        angle: np.ndarray | None = None,
        score: np.ndarray | None = None,
        iscrowd: np.ndarray | None = None,
        track: np.ndarray | None = None,
        id: np.ndarray | None = None,
    ) -> Boxes:
        n = len(image)
        xyxy = np.asarray(xyxy, np.float64).reshape(n, 4)
        return cls(
            image=np.asarray(image, np.int32),
            category=np.asarray(category, np.int32),
            xyxy=xyxy,
            angle=np.zeros(n, np.float32) if angle is None else np.asarray(angle, np.float32),
            score=(np.full(n, np.nan, np.float32) if score is None
                   else np.asarray(score, np.float32)),
            iscrowd=np.zeros(n, bool) if iscrowd is None else np.asarray(iscrowd, bool),
            track=np.full(n, -1, np.int64) if track is None else np.asarray(track, np.int64),
            id=np.full(n, -1, np.int64) if id is None else np.asarray(id, np.int64),
        )

    def __len__(self) -> int:
        return len(self.image)

    def row(self, i: int) -> Box:
        score = float(self.score[i])
        x0, y0, x1, y1 = (float(v) for v in self.xyxy[i])
        return Box(
            image=int(self.image[i]), category=int(self.category[i]), xyxy=(x0, y0, x1, y1),
            angle=float(self.angle[i]), score=None if np.isnan(score) else score,
            iscrowd=bool(self.iscrowd[i]),
            track=None if self.track[i] < 0 else int(self.track[i]),
            id=None if self.id[i] < 0 else int(self.id[i]),
            attributes=self.attributes.get(i, {}), text=self.text.get(i),
            annotator=self.annotator.get(i),
        )

    def __iter__(self) -> Iterator[Box]:
        return (self.row(i) for i in range(len(self)))

    def take(self, rows: np.ndarray) -> Boxes:
        """The given rows, in that order, extras re-indexed."""
        rows = np.asarray(rows, np.int64)
        new_of_old = {int(o): n for n, o in enumerate(rows)}

        def remap(d: dict[int, Any]) -> dict[int, Any]:
            return {new_of_old[k]: v for k, v in d.items() if k in new_of_old}

        return Boxes(
            self.image[rows], self.category[rows], self.xyxy[rows], self.angle[rows],
            self.score[rows], self.iscrowd[rows], self.track[rows], self.id[rows],
            remap(self.attributes), remap(self.text), remap(self.annotator),
        )

    @staticmethod
    def concat(parts: Iterable[Boxes]) -> Boxes:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Boxes.empty()
        out = Boxes(*(np.concatenate([getattr(p, f) for p in parts]) for f in (
            "image", "category", "xyxy", "angle", "score", "iscrowd", "track", "id")))
        offset = 0
        for p in parts:
            for name in ("attributes", "text", "annotator"):
                getattr(out, name).update({k + offset: v for k, v in getattr(p, name).items()})
            offset += len(p)
        return out


class BoxesBuilder:
    """Appends boxes one at a time (for the per-object formats) and freezes to `Boxes`."""

    def __init__(self) -> None:
        self._rows: list[tuple[int, int, float, float, float, float, float, float, bool,
                               int, int]] = []
        self._attributes: dict[int, dict[str, Any]] = {}
        self._text: dict[int, str] = {}
        self._annotator: dict[int, str] = {}

    def add(
        self,
        image: int,
        category: int,
        xyxy: tuple[float, float, float, float] | list[float],
        *,
        angle: float = 0.0,
        score: float | None = None,
        iscrowd: bool = False,
        track: int | None = None,
        id: int | None = None,
        attributes: dict[str, Any] | None = None,
        text: str | None = None,
        annotator: str | None = None,
    ) -> None:
        i = len(self._rows)
        x0, y0, x1, y1 = xyxy
        self._rows.append((image, category, x0, y0, x1, y1, angle,
                           np.nan if score is None else score, iscrowd,
                           -1 if track is None else track, -1 if id is None else id))
        if attributes:
            self._attributes[i] = attributes
        if text is not None:
            self._text[i] = text
        if annotator is not None:
            self._annotator[i] = annotator

    def add_box(self, box: Box) -> None:
        self.add(box.image, box.category, box.xyxy, angle=box.angle, score=box.score,
                 iscrowd=box.iscrowd, track=box.track, id=box.id, attributes=box.attributes,
                 text=box.text, annotator=box.annotator)

    def build(self) -> Boxes:
        if not self._rows:
            return Boxes.empty()
        cols = list(zip(*self._rows, strict=True))
        b = Boxes.from_columns(
            np.array(cols[0]), np.array(cols[1]), np.array(cols[2:6]).T,
            angle=np.array(cols[6]), score=np.array(cols[7], np.float64),
            iscrowd=np.array(cols[8]), track=np.array(cols[9]), id=np.array(cols[10]),
        )
        b.attributes, b.text, b.annotator = self._attributes, self._text, self._annotator
        return b


@dataclass
class Dataset:
    """Images, categories and annotations. `root` is the folder image paths are under."""

    images: list[Image] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    boxes: Boxes = field(default_factory=Boxes.empty)
    shapes: list[Shape] = field(default_factory=list)
    root: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)
    #: What the reader could not keep (same wording as writers' drop reports).
    warnings: list[str] = field(default_factory=list)

    def category_index(self) -> dict[str, int]:
        return {c.name: i for i, c in enumerate(self.categories)}

    def ensure_category(self, name: str) -> int:
        """Index of the category `name`, appended when new (for formats naming labels)."""
        for i, c in enumerate(self.categories):
            if c.name == name:
                return i
        self.categories.append(Category(name=name))
        return len(self.categories) - 1

    def count_kinds(self) -> dict[str, int]:
        """How many annotations of each kind (boxes split into plain and rotated)."""
        counts: dict[str, int] = {}
        n_rot = int(np.count_nonzero(self.boxes.angle)) if len(self.boxes) else 0
        if len(self.boxes) - n_rot:
            counts["box"] = len(self.boxes) - n_rot
        if n_rot:
            counts["rotated_box"] = n_rot
        for s in self.shapes:
            counts[s.kind] = counts.get(s.kind, 0) + 1
        return counts

    def shapes_of(self, kind: type[Shape]) -> list[Any]:
        return [s for s in self.shapes if isinstance(s, kind)]
