"""The verdict rules on their own (pure functions: facts in, verdict out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from snapset.quality import ImageCheck
from snapset.service.checks import PhotoFacts, judge
from snapset.service.templates import spec_from_template

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def facts(**changes: object) -> PhotoFacts:
    base: dict[str, object] = {
        "width": 1600,
        "height": 1200,
        "format": "JPEG",
        "size": 1_000_000,
        "check": ImageCheck(scores={"blurry": 0.1}, issues=[]),
        "captured_at": NOW - timedelta(hours=1),
        "location": None,
    }
    base.update(changes)
    return PhotoFacts(**base)  # type: ignore[arg-type]


def codes(verdict: object) -> list[str]:
    return [r.code for r in verdict.reasons]  # type: ignore[attr-defined]


def test_clean_photo_is_accepted() -> None:
    verdict = judge(spec_from_template("vehicles"), facts(), NOW)
    assert verdict.verdict == "accepted" and verdict.reasons == []


def test_issue_just_over_the_threshold_goes_to_review_far_over_rejects() -> None:
    spec = spec_from_template("vehicles")  # blurry threshold 0.3, margin 0.1
    borderline = ImageCheck(scores={"blurry": 0.35}, issues=["blurry"])
    clear = ImageCheck(scores={"blurry": 0.8}, issues=["blurry"], details={"blur_kind": "motion"})
    assert judge(spec, facts(check=borderline), NOW).verdict == "needs_review"
    rejected = judge(spec, facts(check=clear), NOW)
    assert rejected.verdict == "rejected"
    assert "movement" in rejected.reasons[0].message


def test_review_listed_issue_and_ignored_issue() -> None:
    spec = spec_from_template("vehicles")
    noisy = ImageCheck(scores={"noisy": 0.9}, issues=["noisy"])
    assert codes(judge(spec, facts(check=noisy), NOW)) == ["noisy"]
    assert judge(spec, facts(check=noisy), NOW).verdict == "needs_review"
    grey = ImageCheck(scores={"grayscale": 1.0}, issues=["grayscale"])  # not listed in vehicles
    assert judge(spec, facts(check=grey), NOW).verdict == "accepted"


def test_multi_picture_jpeg_counts_as_jpeg() -> None:
    spec = spec_from_template("faces", {"constraints": {"aspect_ratio": None}})
    assert "format_not_allowed" not in codes(judge(spec, facts(format="MPO"), NOW))
    assert "format_not_allowed" in codes(judge(spec, facts(format="PNG"), NOW))


def test_capture_time_rules() -> None:
    spec = spec_from_template("faces", {"constraints": {"aspect_ratio": None}})
    assert codes(judge(spec, facts(captured_at=None), NOW)) == ["capture_time_missing"]
    future = judge(spec, facts(captured_at=NOW + timedelta(days=3)), NOW)
    assert codes(future) == ["capture_time_in_future"] and future.verdict == "needs_review"
    old = judge(spec, facts(captured_at=NOW - timedelta(days=5)), NOW)
    assert codes(old) == ["capture_too_old"] and old.verdict == "rejected"


def test_location_rules() -> None:
    spec = spec_from_template("road_and_street", {"constraints": {"aspect_ratio": None}})
    wide = {"width": 1920, "height": 1080}
    assert codes(judge(spec, facts(**wide), NOW)) == ["location_missing"]  # required here
    far_apart = facts(location=(-1.29, 36.82), exif_location=(-4.05, 39.67), **wide)
    mismatch = judge(spec, far_apart, NOW)
    assert codes(mismatch) == ["location_mismatch"] and mismatch.verdict == "needs_review"


def test_duplicates() -> None:
    spec = spec_from_template("vehicles")
    assert codes(judge(spec, facts(exact_duplicate=True), NOW)) == ["duplicate"]
    near = judge(spec, facts(near_duplicates=[(7, 3, "flip_h")]), NOW)
    assert codes(near) == ["near_duplicate"] and near.verdict == "needs_review"
    faces = spec_from_template("faces", {"constraints": {"aspect_ratio": None}})
    assert judge(faces, facts(near_duplicates=[(7, 3, "same")]), NOW).verdict == "rejected"
