"""The campaign spec: a versioned, validated document (YAML or JSON) that says what to
collect, where, how many, how photos are judged and what a collector is paid.

`docs/campaign-spec.md` documents every field with a full example.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from snapset.quality import Thresholds
from snapset.quality.check import ISSUE_CODES

SPEC_FORMAT_VERSION = 1
TASK_TYPES = ("classification", "detection", "segmentation", "ocr", "face", "keypoints")
CATEGORIES = ("text_in_scenes", "faces", "vehicles", "shelf_products", "road_and_street")
FORMATS = ("JPEG", "PNG", "HEIF", "WEBP")
MAX_CELLS = 10_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AspectRange(_Model):
    """Allowed width / height ratio after EXIF orientation (0.5 = portrait 1:2)."""

    min: float = Field(gt=0)
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> AspectRange:
        if self.min > self.max:
            raise ValueError("aspect_ratio.min must not exceed aspect_ratio.max")
        return self


class Polygon(_Model):
    name: str | None = None
    points: list[tuple[float, float]] = Field(
        min_length=3, description="[latitude, longitude] vertices in order"
    )

    @field_validator("points")
    @classmethod
    def _in_range(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for lat, lon in points:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"point ({lat}, {lon}) is not a valid [latitude, longitude]")
        return points


class Geofence(_Model):
    countries: list[str] = Field(default_factory=list, description="ISO 3166 alpha-2 codes")
    polygons: list[Polygon] = Field(default_factory=list)

    @field_validator("countries")
    @classmethod
    def _iso2(cls, values: list[str]) -> list[str]:
        out = []
        for value in values:
            code = value.strip().upper()
            if len(code) != 2 or not code.isalpha():
                raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code")
            out.append(code)
        return out


class Constraints(_Model):
    """Hard constraints: a photo breaking one is rejected."""

    min_width: int = Field(default=640, ge=1)
    min_height: int = Field(default=480, ge=1)
    formats: list[Literal["JPEG", "PNG", "HEIF", "WEBP"]] = Field(
        default_factory=lambda: ["JPEG", "HEIF", "PNG"], min_length=1
    )
    aspect_ratio: AspectRange | None = None
    max_file_mb: float = Field(default=25, gt=0, le=200)
    max_capture_age_days: float | None = Field(default=None, gt=0)
    require_capture_time: bool = False
    require_location: bool = False
    geofence: Geofence | None = None


class QuotaDimension(_Model):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    values: list[str] = Field(min_length=1)
    description: str | None = None

    @field_validator("values")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("dimension values must be unique")
        return values


class CellTarget(_Model):
    cell: dict[str, str]
    target: int = Field(ge=0)


class Quota(_Model):
    """Quota cells are the product of the dimensions' values; each is one task."""

    dimensions: list[QuotaDimension] = Field(default_factory=list)
    target_per_cell: int = Field(default=50, ge=1, le=1_000_000)
    targets: list[CellTarget] = Field(default_factory=list, description="per-cell overrides")

    @model_validator(mode="after")
    def _consistent(self) -> Quota:
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names):
            raise ValueError("dimension names must be unique")
        count = 1
        for dim in self.dimensions:
            count *= len(dim.values)
        if count > MAX_CELLS:
            raise ValueError(f"{count} quota cells; at most {MAX_CELLS}")
        values = {d.name: set(d.values) for d in self.dimensions}
        for override in self.targets:
            if set(override.cell) != set(names):
                raise ValueError(f"target cell {override.cell} must name every dimension {names}")
            for key, value in override.cell.items():
                if value not in values[key]:
                    raise ValueError(f"target cell value {key}={value!r} is not a listed value")
        return self

    def cells(self) -> list[tuple[dict[str, str], int]]:
        """Every cell with its target (overrides applied)."""
        overrides = {_cell_key(t.cell): t.target for t in self.targets}
        names = [d.name for d in self.dimensions]
        out = []
        for combo in itertools.product(*(d.values for d in self.dimensions)):
            cell = dict(zip(names, combo, strict=True))
            out.append((cell, overrides.get(_cell_key(cell), self.target_per_cell)))
        return out


class QualityPolicy(_Model):
    """How check results become verdicts."""

    thresholds: dict[str, Any] = Field(default_factory=dict)
    reject: list[str] = Field(
        default_factory=lambda: ["blurry", "dark", "bright", "low_information"]
    )
    review: list[str] = Field(default_factory=lambda: ["noisy", "grayscale", "odd_aspect_ratio"])
    review_margin: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="a reject issue this close to its threshold is reviewed",
    )
    near_duplicates: Literal["review", "reject", "ignore"] = "review"

    @field_validator("thresholds")
    @classmethod
    def _known_thresholds(cls, values: dict[str, Any]) -> dict[str, Any]:
        Thresholds.from_mapping(values)  # raises ValueError naming the bad entry
        return values

    @field_validator("reject", "review")
    @classmethod
    def _known_issues(cls, values: list[str]) -> list[str]:
        for value in values:
            if value not in ISSUE_CODES:
                raise ValueError(f"unknown issue {value!r}; known: {', '.join(ISSUE_CODES)}")
        return values

    def to_thresholds(self, constraints: Constraints) -> Thresholds:
        base = {"min_width": constraints.min_width, "min_height": constraints.min_height}
        return Thresholds.from_mapping({**base, **self.thresholds})


class Consent(_Model):
    required: bool = False
    scope: str = "collection and use of the photo to train and evaluate AI models"
    text: str | None = None
    validity_days: int | None = Field(default=None, gt=0)


class Pay(_Model):
    amount: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class ExportPolicy(_Model):
    # Locations identify where collectors live and work: off unless the spec opts in.
    include_location: bool = False


class Example(_Model):
    url: str
    caption: str | None = None
    good: bool = True


class CampaignSpec(_Model):
    spec_version: Literal[1] = SPEC_FORMAT_VERSION
    name: str = Field(min_length=1, max_length=200)
    template: str | None = None
    category: Literal["text_in_scenes", "faces", "vehicles", "shelf_products", "road_and_street"]
    task_type: Literal["classification", "detection", "segmentation", "ocr", "face", "keypoints"]
    description: str | None = None
    instructions: str = ""
    examples: list[Example] = Field(default_factory=list)
    constraints: Constraints = Field(default_factory=Constraints)
    quota: Quota = Field(default_factory=Quota)
    qc: QualityPolicy = Field(default_factory=QualityPolicy)
    consent: Consent = Field(default_factory=Consent)
    pay: Pay = Field(default_factory=Pay)
    annotation: dict[str, Any] = Field(default_factory=dict)
    export: ExportPolicy = Field(default_factory=ExportPolicy)

    @model_validator(mode="after")
    def _country_dimension(self) -> CampaignSpec:
        for dim in self.quota.dimensions:
            if dim.name == "country":
                for value in dim.values:
                    if len(value) != 2 or not value.isalpha() or not value.isupper():
                        raise ValueError(
                            f"country dimension value {value!r} must be an ISO alpha-2 code"
                        )
        return self

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_json(), sort_keys=False, allow_unicode=True)

    @property
    def thresholds(self) -> Thresholds:
        return self.qc.to_thresholds(self.constraints)

    @property
    def max_file_bytes(self) -> int:
        return int(self.constraints.max_file_mb * 1024 * 1024)


def _cell_key(cell: dict[str, str]) -> str:
    return json.dumps(cell, sort_keys=True, separators=(",", ":"))


cell_key = _cell_key


# --- parsing with line numbers ------------------------------------------------------------


class SpecError(Exception):
    """A spec that is not valid YAML/JSON or does not validate; `errors` locate each problem."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{e['path'] or '(spec)'}: {e['message']}" for e in errors))
        self.errors = errors


def _node_marks(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], Any]) -> None:
    out[path] = node.start_mark
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark
            _node_marks(value_node, (*path, key), out)
            out[(*path, key)] = key_node.start_mark
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_marks(item, (*path, i), out)


def _locate(
    marks: dict[tuple[Any, ...], Any], loc: tuple[Any, ...]
) -> tuple[int | None, int | None]:
    for end in range(len(loc), -1, -1):
        mark = marks.get(tuple(loc[:end]))
        if mark is not None:
            return mark.line + 1, mark.column + 1
    return None, None


def parse_spec_text(text: str) -> CampaignSpec:
    """Parse YAML (JSON is YAML too) into a validated spec; SpecError with line numbers."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(
            [
                {
                    "path": "",
                    "line": mark.line + 1 if mark else None,
                    "column": mark.column + 1 if mark else None,
                    "message": f"not valid YAML/JSON: {getattr(exc, 'problem', None) or exc}",
                }
            ]
        ) from exc
    if not isinstance(data, dict):
        raise SpecError([{"path": "", "line": 1, "column": 1, "message": "spec must be a mapping"}])
    marks: dict[tuple[Any, ...], Any] = {}
    if node is not None:
        _node_marks(node, (), marks)
    return validate_spec(data, marks)


def validate_spec(
    data: dict[str, Any], marks: dict[tuple[Any, ...], Any] | None = None
) -> CampaignSpec:
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            line, column = _locate(marks or {}, loc)
            message = str(err.get("msg", "invalid"))
            message = message.removeprefix("Value error, ")
            errors.append(
                {
                    "path": ".".join(str(p) for p in loc),
                    "line": line,
                    "column": column,
                    "message": message,
                }
            )
        raise SpecError(errors) from exc


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides win; nested mappings merge, lists and scalars replace."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
