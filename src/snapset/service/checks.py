"""From facts about one photo to a verdict: quality issues, hard constraints, duplicates,
capture time and location, judged against a campaign spec.

Pure: facts in, verdict out (no database, no files), so every rule is easy to test.
Reason codes are stable (the web app translates them); `docs/api.md` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from snapset.quality import ImageCheck
from snapset.service import geo
from snapset.service.specs import CampaignSpec

Severity = Literal["reject", "review"]
LOCATION_MISMATCH_KM = 5.0
# Container names Pillow reports for formats a spec names differently (a multi-picture
# JPEG from some phones is "MPO"; its first picture is an ordinary JPEG).
FORMAT_ALIASES = {"MPO": "JPEG", "JPG": "JPEG", "HEIC": "HEIF"}

QUALITY_MESSAGES = {
    "blurry": "the photo is blurry",
    "dark": "the photo is too dark",
    "bright": "the photo is overexposed (too bright)",
    "noisy": "the photo is very noisy (grainy)",
    "low_information": "the photo shows almost nothing (flat or empty)",
    "grayscale": "the photo has no colour",
    "odd_aspect_ratio": "the photo has an unusual shape (aspect ratio)",
}


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    severity: Severity

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class PhotoFacts:
    """Everything the rules look at, gathered by the upload pipeline."""

    width: int
    height: int
    format: str
    size: int
    check: ImageCheck
    captured_at: datetime | None
    location: tuple[float, float] | None
    exif_location: tuple[float, float] | None = None
    collector_country: str | None = None
    exact_duplicate: bool = False
    near_duplicates: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    verdict: Literal["accepted", "needs_review", "rejected"]
    reasons: list[Reason]

    def reasons_json(self) -> list[dict[str, str]]:
        return [r.to_json() for r in self.reasons]


def _blur_message(check: ImageCheck) -> str:
    kind = check.details.get("blur_kind") if check.details else None
    if kind == "motion":
        return "the photo is blurred by movement; hold the phone still"
    if kind == "defocus":
        return "the photo is out of focus; tap to focus before shooting"
    return QUALITY_MESSAGES["blurry"]


def quality_reasons(spec: CampaignSpec, check: ImageCheck) -> list[Reason]:
    """Issues from `check_image` as reasons: reject-listed ones reject, unless their score is
    within `review_margin` of the threshold (then a human decides); review-listed ones go
    to review; others are ignored. `low_resolution` is a hard constraint, judged apart."""
    thresholds = spec.thresholds
    policy = spec.qc
    out = []
    for issue in check.issues:
        if issue == "low_resolution":
            continue
        message = _blur_message(check) if issue == "blurry" else QUALITY_MESSAGES.get(issue, issue)
        if issue in policy.reject:
            score = check.scores.get(issue)
            limit = getattr(thresholds, issue, None)
            unsure = (
                isinstance(score, float)
                and isinstance(limit, float)
                and score < limit + policy.review_margin
            )
            out.append(Reason(issue, message, "review" if unsure else "reject"))
        elif issue in policy.review:
            out.append(Reason(issue, message, "review"))
    return out


def constraint_reasons(spec: CampaignSpec, facts: PhotoFacts) -> list[Reason]:
    c = spec.constraints
    out = []
    kind = FORMAT_ALIASES.get(facts.format.upper(), facts.format.upper())
    if kind not in {f.upper() for f in c.formats}:
        out.append(
            Reason(
                "format_not_allowed",
                f"{facts.format} photos are not accepted here (allowed: {', '.join(c.formats)})",
                "reject",
            )
        )
    long_min, short_min = max(c.min_width, c.min_height), min(c.min_width, c.min_height)
    if max(facts.width, facts.height) < long_min or min(facts.width, facts.height) < short_min:
        out.append(
            Reason(
                "resolution_too_low",
                f"the photo is {facts.width}x{facts.height}; at least "
                f"{c.min_width}x{c.min_height} is needed",
                "reject",
            )
        )
    if c.aspect_ratio is not None and facts.height > 0:
        ratio = facts.width / facts.height
        if not c.aspect_ratio.min <= ratio <= c.aspect_ratio.max:
            out.append(
                Reason(
                    "aspect_ratio_out_of_range",
                    f"width/height is {ratio:.2f}; allowed {c.aspect_ratio.min:g} to "
                    f"{c.aspect_ratio.max:g}",
                    "reject",
                )
            )
    if facts.size > spec.max_file_bytes:
        out.append(Reason("file_too_large", f"the file is over {c.max_file_mb:g} MB", "reject"))
    return out


def capture_reasons(
    spec: CampaignSpec, captured_at: datetime | None, now: datetime
) -> list[Reason]:
    c = spec.constraints
    if captured_at is None:
        if c.require_capture_time:
            return [Reason("capture_time_missing", "the photo has no capture time", "reject")]
        return []
    when = captured_at if captured_at.tzinfo else captured_at.replace(tzinfo=UTC)
    if when > now + timedelta(days=1):
        return [Reason("capture_time_in_future", "the capture time is in the future", "review")]
    if c.max_capture_age_days is not None and now - when > timedelta(days=c.max_capture_age_days):
        return [
            Reason(
                "capture_too_old",
                f"the photo was taken more than {c.max_capture_age_days:g} days ago",
                "reject",
            )
        ]
    return []


def location_reasons(spec: CampaignSpec, facts: PhotoFacts) -> list[Reason]:
    c = spec.constraints
    fence = c.geofence
    point = facts.location
    out: list[Reason] = []
    if point is None:
        if c.require_location:
            out.append(Reason("location_missing", "the photo has no location", "reject"))
        elif fence is not None and fence.polygons:
            out.append(
                Reason("location_missing", "no location to check against the area", "review")
            )
        return out
    lat, lon = point
    if facts.exif_location is not None and facts.exif_location != point:
        distance = geo.haversine_km(lat, lon, *facts.exif_location)
        if distance > LOCATION_MISMATCH_KM:
            out.append(
                Reason(
                    "location_mismatch",
                    f"the photo's GPS tag is {distance:.0f} km from the phone's location",
                    "review",
                )
            )
    if fence is None:
        return out
    if fence.polygons:
        if not any(geo.point_in_polygon(lat, lon, p.points) for p in fence.polygons):
            out.append(
                Reason(
                    "outside_geofence", "the photo was taken outside the campaign area", "reject"
                )
            )
    elif fence.countries:
        answers = [geo.in_country(lat, lon, country) for country in fence.countries]
        known = [a for a in answers if a is not None]
        if known and len(known) == len(answers) and not any(known):
            out.append(
                Reason(
                    "outside_geofence",
                    f"the photo was taken outside {', '.join(fence.countries)}",
                    "reject",
                )
            )
    return out


def duplicate_reasons(spec: CampaignSpec, facts: PhotoFacts) -> list[Reason]:
    if facts.exact_duplicate:
        return [Reason("duplicate", "this exact photo was already submitted", "reject")]
    if facts.near_duplicates and spec.qc.near_duplicates != "ignore":
        severity: Severity = "reject" if spec.qc.near_duplicates == "reject" else "review"
        return [
            Reason(
                "near_duplicate",
                "this photo is almost the same as one already submitted",
                severity,
            )
        ]
    return []


def judge(spec: CampaignSpec, facts: PhotoFacts, now: datetime | None = None) -> Verdict:
    """All rules; any reject reason rejects, else any review reason sends to review."""
    now = now or datetime.now(UTC)
    reasons = [
        *constraint_reasons(spec, facts),
        *quality_reasons(spec, facts.check),
        *duplicate_reasons(spec, facts),
        *capture_reasons(spec, facts.captured_at, now),
        *location_reasons(spec, facts),
    ]
    if any(r.severity == "reject" for r in reasons):
        return Verdict("rejected", reasons)
    if reasons:
        return Verdict("needs_review", reasons)
    return Verdict("accepted", reasons)


def scores_json(check: ImageCheck) -> dict[str, Any]:
    out: dict[str, Any] = {k: round(float(v), 4) for k, v in check.scores.items()}
    return out
