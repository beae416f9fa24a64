"""Audit a folder of photos: every check on every image, duplicates, diversity.

    from snapset.quality import audit
    report = audit(["./photos"])
    report.to_json()

Each file is read once and decoded once at working size in a worker process; only
small results (scores, hashes, a 64-bit descriptor) travel back.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.context
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from snapset.quality.check import ISSUE_CODES, check_image
from snapset.quality.decode import DecodeError, decode_image
from snapset.quality.diversity import PhotoFacts, diversity_statistics
from snapset.quality.duplicate_groups import DuplicateGroups, group_duplicates
from snapset.quality.files import iter_image_files
from snapset.quality.hashing import fingerprint
from snapset.quality.thresholds import Thresholds

ProgressCallback = Callable[[int, int, str], None]


@dataclass
class ImageResult:
    """One file's outcome. `error` is "code: message" when it could not be decoded."""

    path: str
    width: int = 0
    height: int = 0
    format: str | None = None
    file_size: int = 0
    sha256: str | None = None
    issues: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    exif: dict[str, Any] | None = None
    error: str | None = None
    error_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "file_size": self.file_size,
            "sha256": self.sha256,
            "issues": self.issues,
            "scores": self.scores,
            "details": self.details,
            "exif": self.exif,
            "error": self.error,
            "error_code": self.error_code,
        }


@dataclass
class _Analysis:
    result: ImageResult
    pixel_hash: bytes | None = None
    descriptor: np.ndarray | None = None


@dataclass
class Report:
    """Everything `audit` found; `to_json()` gives the documented JSON shape."""

    images: list[ImageResult]
    duplicates: DuplicateGroups
    summary: dict[str, Any]
    diversity: dict[str, Any]
    thresholds: Thresholds

    def flagged(self, issue: str) -> list[ImageResult]:
        """Images that have `issue`, worst first when the issue has a score."""
        hits = [image for image in self.images if issue in image.issues]
        return sorted(hits, key=lambda image: -image.scores.get(issue, 0.0))

    def to_json(self) -> dict[str, Any]:
        return {
            "images": [image.to_json() for image in self.images],
            "duplicates": self.duplicates.to_json(),
            "summary": self.summary,
            "diversity": self.diversity,
            "thresholds": self.thresholds.to_json(),
        }


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise DecodeError("unreadable", f"{path}: file not found") from None
    except IsADirectoryError:
        raise DecodeError("unreadable", f"{path}: is a directory") from None
    except OSError as exc:
        raise DecodeError("unreadable", f"{path}: {exc.strerror or exc}") from None
    if not data:
        raise DecodeError("empty_file", f"{path}: file is empty (0 bytes)")
    return data


def analyse_file(path: str, thresholds: Thresholds) -> _Analysis:
    """Read, hash, decode, check and fingerprint one file; never raises for bad files."""
    result = ImageResult(path=path)
    try:
        data = _read(path)
        result.file_size = len(data)
        result.sha256 = hashlib.sha256(data).hexdigest()
        decoded = decode_image(data, max_side=thresholds.working_size, name=path)
    except DecodeError as exc:
        result.issues = ["unreadable"]
        result.error = str(exc)
        result.error_code = exc.code
        return _Analysis(result)
    check = check_image(decoded, thresholds)
    result.width, result.height, result.format = decoded.width, decoded.height, decoded.format
    result.issues = list(check.issues)
    result.scores = check.scores
    result.details = check.details
    result.exif = decoded.exif.to_json()
    fp = fingerprint(decoded)
    return _Analysis(result, fp.pixel_hash, np.asarray(fp.descriptor, dtype=np.uint8))


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers must not be forked from a process whose OpenCV thread pool is running
    (the child can deadlock on the pool's lock): start them from a clean forkserver
    that has snapset.quality preloaded, or spawn them where there is no forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["snapset.quality.audit"])
        return context
    return multiprocessing.get_context("spawn")


def _init_worker() -> None:
    """One OpenCV thread per worker: the pool already uses every core."""
    cv2.setNumThreads(1)


def _run(
    paths: list[str],
    thresholds: Thresholds,
    workers: int,
    progress: ProgressCallback | None,
) -> list[_Analysis]:
    analyses: list[_Analysis] = []
    if workers <= 1 or len(paths) < 4:
        for done, path in enumerate(paths, 1):
            analyses.append(analyse_file(path, thresholds))
            if progress:
                progress(done, len(paths), path)
        return analyses
    chunk = max(1, min(16, len(paths) // (workers * 8)))
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_pool_context(), initializer=_init_worker
    ) as pool:
        results = pool.map(analyse_file, paths, [thresholds] * len(paths), chunksize=chunk)
        for done, analysis in enumerate(results, 1):
            analyses.append(analysis)
            if progress:
                progress(done, len(paths), analysis.result.path)
    return analyses


def _resolve_thresholds(spec: Thresholds | Mapping[str, Any] | None) -> Thresholds:
    if spec is None:
        return Thresholds()
    if isinstance(spec, Thresholds):
        return spec
    return Thresholds.from_mapping(spec)


def _summary(images: list[ImageResult], groups: DuplicateGroups, seconds: float) -> dict[str, Any]:
    counts = Counter(code for image in images for code in image.issues)
    codes = (*ISSUE_CODES, "unreadable", "exact_duplicate", "near_duplicate")
    blur_kinds = Counter(
        image.details["blur_kind"] for image in images if "blur_kind" in image.details
    )
    errors = Counter(image.error_code for image in images if image.error_code)
    return {
        "images": len(images),
        "readable": sum(1 for image in images if image.error is None),
        "unreadable": counts.get("unreadable", 0),
        "with_issues": sum(1 for image in images if image.issues),
        "clean": sum(1 for image in images if not image.issues),
        "issues": {code: counts.get(code, 0) for code in codes},
        "blur_kinds": dict(blur_kinds),
        "unreadable_reasons": dict(errors),
        "exact_duplicate_groups": len(groups.exact),
        "exact_duplicate_extra_copies": sum(len(g) - 1 for g in groups.exact),
        "near_duplicate_groups": len(groups.near),
        "seconds": round(seconds, 3),
        "images_per_second": round(len(images) / seconds, 2) if seconds > 0 else None,
    }


def _photo_facts(image: ImageResult) -> PhotoFacts:
    exif = image.exif or {}
    captured = exif.get("captured_at")
    return PhotoFacts(
        width=image.width,
        height=image.height,
        brightness=image.scores.get("brightness", 0.0),
        contrast=image.scores.get("contrast", 0.0),
        colourfulness=image.scores.get("colourfulness", 0.0),
        captured_at=datetime.fromisoformat(captured) if captured else None,
        camera_make=exif.get("camera_make"),
        camera_model=exif.get("camera_model"),
    )


def audit(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    spec: Thresholds | Mapping[str, Any] | None = None,
    workers: int | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Report:
    """Check every image under `paths` (files or folders, walked recursively).

    `spec`: Thresholds, or a mapping of threshold overrides ({"blurry": 0.4,
    "min_resolution": "800x600"}). `workers`: processes (default: CPU cores).
    `progress(done, total, path)` is called after each file.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    thresholds = _resolve_thresholds(spec)
    files = list(dict.fromkeys(iter_image_files(paths)))
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    analyses = _run(files, thresholds, workers, progress)
    readable = [a for a in analyses if a.result.error is None]
    groups = group_duplicates(
        [a.result.path for a in readable],
        [a.result.sha256 or "" for a in readable],
        [a.pixel_hash or b"" for a in readable],
        [a.descriptor for a in readable],  # type: ignore[misc]
    )
    images = [a.result for a in analyses]
    by_path = {image.path: image for image in images}
    for code, group_list in (("exact_duplicate", groups.exact), ("near_duplicate", groups.near)):
        for group in group_list:
            for path in group:
                if code not in by_path[path].issues:
                    by_path[path].issues.append(code)
    seconds = time.perf_counter() - started
    diversity = diversity_statistics([_photo_facts(image) for image in images if not image.error])
    return Report(
        images=images,
        duplicates=groups,
        summary=_summary(images, groups, seconds),
        diversity=diversity,
        thresholds=thresholds,
    )
