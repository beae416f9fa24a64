"""Diversity statistics of a set of photos: what it covers, per dimension.

Each dimension gets a histogram and one coverage number in [0, 1]: the entropy of the
histogram divided by the largest entropy possible for its number of bins (1 = the
photos spread evenly over the dimension, 0 = they all fall in one bin). Open-ended
categories (camera models) are normalised by the number of categories seen, or the
number of photos when that is smaller.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

_MEGAPIXEL_EDGES = (0.0, 0.3, 1.0, 2.0, 5.0, 8.0, 12.5, 20.0, 50.0, math.inf)
_ASPECT_NAMES = ((1.0, "1:1"), (1.25, "5:4"), (1.333, "4:3"), (1.5, "3:2"), (1.778, "16:9"),
                 (2.0, "2:1"), (2.222, "20:9"))  # fmt: skip


@dataclass(frozen=True)
class PhotoFacts:
    """What diversity needs to know about one readable photo."""

    width: int
    height: int
    brightness: float
    contrast: float
    colourfulness: float
    captured_at: datetime | None
    camera_make: str | None
    camera_model: str | None


def normalised_entropy(counts: Sequence[float], bins: int | None = None) -> float:
    """Entropy of counts divided by log(bins); 0 for empty or single-bin input."""
    values = np.asarray([c for c in counts if c > 0], dtype=np.float64)
    bins = bins if bins is not None else len(counts)
    if values.size == 0 or bins <= 1:
        return 0.0
    p = values / values.sum()
    return float(min(1.0, -(p * np.log(p)).sum() / math.log(bins)))


def _numeric(values: list[float], edges: Sequence[float]) -> dict[str, Any]:
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=np.asarray(edges))
    return {
        "bins": [round(float(e), 3) for e in edges],
        "counts": [int(c) for c in counts],
        "mean": round(float(np.mean(values)), 4) if values else None,
        "coverage": round(normalised_entropy(counts.tolist()), 4),
    }


def _categorical(labels: list[str], categories: Sequence[str] | None = None) -> dict[str, Any]:
    counter = Counter(labels)
    if categories is None:
        names = sorted(counter, key=lambda k: (-counter[k], k))
        bins = min(len(counter), len(labels))
    else:
        names = list(categories)
        bins = len(categories)
    return {
        "categories": names,
        "counts": [counter.get(n, 0) for n in names],
        "coverage": round(normalised_entropy([counter.get(n, 0) for n in names], bins), 4),
    }


def _orientation(width: int, height: int) -> str:
    if abs(width - height) <= 0.02 * max(width, height):
        return "square"
    return "landscape" if width > height else "portrait"


def _aspect_name(width: int, height: int) -> str:
    ratio = max(width, height) / max(1, min(width, height))
    for value, name in _ASPECT_NAMES:
        if abs(ratio - value) <= 0.03 * value:
            return name
    return "other"


def _camera(make: str | None, model: str | None) -> str:
    if not make and not model:
        return "unknown"
    make = (make or "").strip()
    model = (model or "").strip()
    if make and model.lower().startswith(make.lower()):
        return model
    return f"{make} {model}".strip()


def diversity_statistics(photos: Sequence[PhotoFacts]) -> dict[str, Any]:
    """Histograms and a coverage number for every dimension."""
    unit = [i / 10 for i in range(11)]
    stats: dict[str, Any] = {"photos": len(photos)}
    if not photos:
        return stats
    stats["brightness"] = _numeric([p.brightness for p in photos], unit)
    stats["contrast"] = _numeric([p.contrast for p in photos], unit)
    stats["colourfulness"] = _numeric([p.colourfulness for p in photos], unit)
    stats["orientation"] = _categorical(
        [_orientation(p.width, p.height) for p in photos], ("landscape", "portrait", "square")
    )
    stats["resolution_mp"] = _numeric(
        [p.width * p.height / 1e6 for p in photos], (*_MEGAPIXEL_EDGES[:-1], 1000.0)
    )
    stats["aspect_ratio"] = _categorical(
        [_aspect_name(p.width, p.height) for p in photos],
        [name for _, name in _ASPECT_NAMES] + ["other"],
    )
    hours = [p.captured_at.hour for p in photos if p.captured_at is not None]
    hour_counts = [hours.count(h) for h in range(24)]
    stats["capture_hour"] = {
        "categories": list(range(24)),
        "counts": hour_counts,
        "known": len(hours),
        "coverage": round(normalised_entropy(hour_counts, 24), 4),
    }
    stats["camera"] = _categorical([_camera(p.camera_make, p.camera_model) for p in photos])
    stats["coverage"] = {
        name: stats[name]["coverage"]
        for name in (
            "brightness", "contrast", "colourfulness", "orientation", "resolution_mp",
            "aspect_ratio", "capture_hour", "camera",
        )
    }  # fmt: skip
    return stats
