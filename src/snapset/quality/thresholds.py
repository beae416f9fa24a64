"""Default thresholds for every check, and parsing of user overrides.

Every issue score is in [0, 1] with higher meaning worse; an image gets the issue when
its score is >= the threshold. Resolution is the exception: it is an absolute minimum
width x height (orientation-agnostic), given as "WxH".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

_RESOLUTION = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def parse_resolution(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480); raises ValueError naming the problem."""
    match = _RESOLUTION.match(text)
    if not match:
        raise ValueError(f"resolution must look like WIDTHxHEIGHT (e.g. 640x480), got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if width < 1 or height < 1:
        raise ValueError(f"resolution must be positive, got {text!r}")
    return width, height


@dataclass(frozen=True)
class Thresholds:
    """Issue thresholds; names are the score names (see docs/quality.md)."""

    # blurry, dark, bright and noisy were tuned on the "tune" half of the benchmark's
    # labelled 12-MP set (benchmarks/quality_vs_cleanvision.py --tune)
    blurry: float = 0.28
    dark: float = 0.56
    bright: float = 0.67
    noisy: float = 0.26
    low_information: float = 0.7
    grayscale: float = 0.88
    odd_aspect_ratio: float = 0.6
    # motion blur is reported when the directional blur spread is at least this much
    motion_anisotropy: float = 0.16
    min_width: int = 640
    min_height: int = 480
    working_size: int = 1024

    @classmethod
    def score_names(cls) -> tuple[str, ...]:
        """Names that accept a 0..1 score threshold."""
        return tuple(
            f.name for f in fields(cls) if f.name not in ("min_width", "min_height", "working_size")
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Thresholds:
        """Build from {"blurry": 0.3, "min_resolution": "800x600", ...}; unknown names raise."""
        return cls().updated(values or {})

    def updated(self, values: Mapping[str, Any]) -> Thresholds:
        """A copy with some thresholds overridden (same rules as from_mapping)."""
        changes: dict[str, Any] = {}
        known = {f.name for f in fields(self)}
        for name, raw in values.items():
            key = name.strip().replace("-", "_")
            if key in ("min_resolution", "low_resolution"):
                if isinstance(raw, str):
                    width, height = parse_resolution(raw)
                else:
                    width, height = (int(v) for v in raw)
                changes["min_width"], changes["min_height"] = width, height
                continue
            if key not in known:
                allowed = ", ".join([*self.score_names(), "min_resolution", "working_size"])
                raise ValueError(f"unknown threshold {name!r}; known: {allowed}")
            if key in ("min_width", "min_height", "working_size"):
                changes[key] = int(raw)
                if changes[key] < 1:
                    raise ValueError(f"{name} must be a positive integer, got {raw!r}")
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"threshold {name} must be a number, got {raw!r}") from None
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"threshold {name} must be between 0 and 1, got {value}")
            changes[key] = value
        return replace(self, **changes)

    @classmethod
    def parse_cli(cls, items: list[str], min_resolution: str | None = None) -> Thresholds:
        """Parse repeated NAME=VALUE options and an optional WxH minimum resolution."""
        values: dict[str, Any] = {}
        for item in items:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"threshold must look like NAME=VALUE, got {item!r}")
            values[name.strip()] = value.strip()
        if min_resolution:
            values["min_resolution"] = min_resolution
        return cls.from_mapping(values)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
