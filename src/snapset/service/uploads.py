"""The upload pipeline: one photo from a streamed temporary file to a stored submission
with a verdict.

Steps (each database transaction short, the heavy work outside any transaction):
1. `prepare`: idempotency by (collector, upload_id) — the same id with the same bytes
   replays the first answer, with other bytes is a 409 — then the task, the claim, the
   cell and consent are checked; nothing is stored for any of these errors.
2. `analyse` (run in a worker thread): decode once, quality checks, fingerprint, exact
   duplicates (file sha256 or pixel hash, any campaign) and near duplicates (the
   process-wide index over all campaigns), EXIF capture time and camera, location.
3. `commit`: the file is staged in the blob store, the row + task counters + ledger
   entry + audit event are committed in one transaction, and only then is the blob
   promoted to its content-addressed key and the descriptor added to the index. If the
   transaction fails the staged blob is discarded: never a row without a blob or the
   reverse. A rejected photo is stored (reviewers may overturn it) but does not count.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from snapset.quality import DecodeError, check_image, decode_image, fingerprint
from snapset.service import audit, checks, consent, ledger, tasks
from snapset.service.campaigns import spec_of
from snapset.service.errors import Conflict, Invalid, NotFound
from snapset.service.platform import Platform
from snapset.service.review import apply_verdict_change
from snapset.service.specs import CampaignSpec
from snapset.store import photo_key
from snapset.store.models import Campaign, Submission, Task
from snapset.store.types import utcnow

log = logging.getLogger(__name__)
UPLOAD_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "HEIF": "heic", "WEBP": "webp", "MPO": "jpg"}


class UploadRejected(Invalid):
    """The file itself is unusable (not an image, corrupt, bomb...): 422, nothing stored."""


@dataclass(frozen=True)
class UploadForm:
    """The parsed multipart fields and where the streamed file is."""

    path: Path
    size: int
    sha256: str
    filename: str | None
    content_type: str | None
    upload_id: str
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    captured_at: datetime | None = None
    consent_id: int | None = None


def parse_fields(
    fields: dict[str, str],
) -> tuple[str, float | None, float | None, float | None, datetime | None, int | None]:
    """Validate the optional form fields; Invalid with a code naming the bad one."""
    upload_id = fields.get("upload_id", "").strip()
    if not UPLOAD_ID_RE.match(upload_id):
        raise Invalid(
            "invalid_upload_id", "upload_id must be 1-64 characters of letters, digits, '-_.:'"
        )

    def number(name: str, low: float, high: float) -> float | None:
        raw = fields.get(name, "").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise Invalid(f"invalid_{name}", f"{name} must be a number") from None
        if not low <= value <= high:
            raise Invalid(f"invalid_{name}", f"{name} must be between {low:g} and {high:g}")
        return value

    lat, lon = number("lat", -90, 90), number("lon", -180, 180)
    if (lat is None) != (lon is None):
        raise Invalid("invalid_location", "send both lat and lon, or neither")
    accuracy = number("accuracy_m", 0, 1e7)
    captured_at = None
    raw_time = fields.get("captured_at", "").strip()
    if raw_time:
        try:
            captured_at = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
        except ValueError:
            raise Invalid("invalid_captured_at", "captured_at must be an ISO 8601 time") from None
        if captured_at.tzinfo is None:
            captured_at = captured_at.replace(tzinfo=UTC)
    consent_id = None
    raw_consent = fields.get("consent_id", "").strip()
    if raw_consent:
        if not raw_consent.isdigit():
            raise Invalid("consent_not_found", f"no consent record with id {raw_consent}")
        consent_id = int(raw_consent)
    return upload_id, lat, lon, accuracy, captured_at, consent_id


def answer(row: Submission, task: Task | None = None) -> dict[str, Any]:
    """The upload response body (also replayed for a retried upload id)."""
    body: dict[str, Any] = {
        "submission_id": row.id,
        "upload_id": row.upload_id,
        "task_id": row.task_id,
        "campaign_id": row.campaign_id,
        "verdict": row.verdict,
        "auto_verdict": row.auto_verdict,
        "reasons": [{"code": r["code"], "message": r["message"]} for r in row.reasons or []],
        "scores": row.scores or {},
        "width": row.width,
        "height": row.height,
        "sha256": row.sha256,
        "created_at": row.created_at.isoformat(),
    }
    if task is not None:
        body["task"] = {
            "accepted": task.accepted_count,
            "target": task.target,
            "remaining": max(0, task.target - task.accepted_count),
            "state": task.state,
        }
    return body


@dataclass
class Prepared:
    task: Task
    campaign: Campaign
    spec: CampaignSpec
    claim_id: int
    collector_country: str
    replay: dict[str, Any] | None = None


def find_previous(session: Session, collector_id: int, upload_id: str) -> Submission | None:
    return session.scalar(
        select(Submission).where(
            Submission.collector_id == collector_id, Submission.upload_id == upload_id
        )
    )


def _replay_or_conflict(previous: Submission, sha256: str) -> dict[str, Any]:
    if previous.sha256 != sha256:
        raise Conflict(
            "upload_id_conflict",
            "this upload_id was already used for a different file; use a new upload_id",
        )
    return answer(previous)


def task_for_collector(session: Session, collector_id: int, task_id: int) -> Task:
    """The task if the collector may upload to it at all (checked before reading the body)."""
    collector = tasks.require_verified(session, collector_id)
    task, _campaign = tasks.visible_task(session, collector, task_id)
    return task


def max_file_bytes(session: Session, task: Task, server_cap: int) -> int:
    campaign = session.get(Campaign, task.campaign_id)
    if campaign is None:
        raise NotFound("task_not_found", f"no task {task.id}")
    return min(server_cap, spec_of(campaign).max_file_bytes)


def prepare(session: Session, collector_id: int, task_id: int, form: UploadForm) -> Prepared:
    collector = tasks.require_verified(session, collector_id)
    task, campaign = tasks.visible_task(session, collector, task_id)
    spec = spec_of(campaign)
    previous = find_previous(session, collector_id, form.upload_id)
    if previous is not None:
        replay = _replay_or_conflict(previous, form.sha256)
        return Prepared(task, campaign, spec, previous.claim_id or 0, collector.country, replay)
    if campaign.state != "active":
        raise Conflict("campaign_not_active", f"the campaign is {campaign.state}")
    claim = tasks.claim_for_upload(session, collector_id, task)
    if task.state != "open" or task.accepted_count >= task.target:
        raise Conflict("cell_full", "this quota cell is full; no more photos are needed here")
    if spec.consent.required or consent.consent_required(campaign):
        consent.find_valid(session, collector_id, form.consent_id, campaign.id)
    return Prepared(task, campaign, spec, claim.id, collector.country)


@dataclass
class Analysis:
    facts: checks.PhotoFacts
    verdict: checks.Verdict
    pixel_hash: str
    descriptor: bytes
    camera_make: str | None
    camera_model: str | None
    captured_at: datetime | None
    captured_at_source: str | None
    location_source: str | None
    duplicate_of: int | None
    format: str


def analyse(platform: Platform, prepared: Prepared, form: UploadForm) -> Analysis:
    """Decode once and run every check (CPU work: call from a worker thread)."""
    if form.size == 0:
        raise UploadRejected("empty_file", "the file is empty (0 bytes)")
    try:
        decoded = decode_image(form.path, max_side=platform.settings.decode_max_side)
    except DecodeError as exc:
        raise UploadRejected(exc.code, exc.message) from None
    spec = prepared.spec
    check = check_image(decoded, spec.thresholds)
    fp = fingerprint(decoded)
    pixel_hash = fp.pixel_hash.hex()
    descriptor = bytes(fp.descriptor.tobytes())
    with platform.sessions() as session:
        exact = session.scalar(
            select(Submission.id)
            .where(
                or_(Submission.sha256 == form.sha256, Submission.pixel_hash == pixel_hash),
                Submission.verdict != "rejected",
                Submission.erased_at.is_(None),
            )
            .order_by(Submission.id)
            .limit(1)
        )
        near_list: list[tuple[int, int, str]] = []
        if exact is None:
            platform.duplicates.sync(session)
            near = platform.duplicates.query(fp.descriptor)
            if near:
                # Still indexable? (erased or rejected since, perhaps by another process)
                alive = set(
                    session.scalars(
                        select(Submission.id).where(
                            Submission.id.in_([int(m.key) for m in near]),
                            Submission.verdict != "rejected",
                            Submission.erased_at.is_(None),
                        )
                    )
                )
                near_list = [
                    (int(m.key), int(m.distance), str(m.transform))
                    for m in near
                    if int(m.key) in alive
                ]
    exif = decoded.exif
    exif_time = exif.get("captured_at") if exif else None
    captured_at, time_source = (exif_time, "exif") if exif_time else (form.captured_at, "app")
    if captured_at is not None and captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=UTC)  # EXIF has no zone: read as UTC
    exif_gps = exif.get("gps") if exif else None
    if form.lat is not None and form.lon is not None:
        location, location_source = (form.lat, form.lon), "app"
    elif exif_gps:
        location, location_source = (float(exif_gps[0]), float(exif_gps[1])), "exif"
    else:
        location, location_source = None, None
    facts = checks.PhotoFacts(
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        size=form.size,
        check=check,
        captured_at=captured_at,
        location=location,
        exif_location=(float(exif_gps[0]), float(exif_gps[1])) if exif_gps else None,
        collector_country=prepared.collector_country,
        exact_duplicate=exact is not None,
        near_duplicates=near_list,
    )
    return Analysis(
        facts=facts,
        verdict=checks.judge(spec, facts),
        pixel_hash=pixel_hash,
        descriptor=descriptor,
        camera_make=(exif.get("camera_make") if exif else None),
        camera_model=(exif.get("camera_model") if exif else None),
        captured_at=captured_at,
        captured_at_source=time_source if captured_at else None,
        location_source=location_source,
        duplicate_of=exact if exact is not None else (near_list[0][0] if near_list else None),
        format=decoded.format,
    )


def commit(
    platform: Platform, collector_id: int, prepared: Prepared, form: UploadForm, result: Analysis
) -> tuple[dict[str, Any], bool]:
    """Store row + blob atomically; returns (answer, created). Idempotent under races."""
    verdict = result.verdict.verdict
    key = photo_key(form.sha256, EXTENSIONS.get(result.format.upper(), "bin"))
    staged = platform.blobs.stage(form.path, intended_key=key)
    try:
        with platform.sessions() as session:
            task_id = prepared.task.id
            if verdict in ("accepted", "needs_review"):
                # The first statement takes the write lock; the WHERE keeps a cell from
                # overfilling when uploads race for its last places.
                counter = (
                    {"accepted_count": Task.accepted_count + 1}
                    if verdict == "accepted"
                    else {"pending_count": Task.pending_count + 1}
                )
                updated = session.execute(
                    update(Task)
                    .where(Task.id == task_id, Task.accepted_count < Task.target)
                    .values(**counter)
                )
                if updated.rowcount == 0:  # type: ignore[attr-defined]
                    session.rollback()
                    raise Conflict(
                        "cell_full", "this quota cell is full; no more photos are needed"
                    )
                session.execute(
                    update(Task)
                    .where(Task.id == task_id, Task.accepted_count >= Task.target)
                    .values(state="full")
                )
            row = Submission(
                upload_id=form.upload_id,
                campaign_id=prepared.campaign.id,
                task_id=task_id,
                collector_id=collector_id,
                claim_id=prepared.claim_id or None,
                sha256=form.sha256,
                pixel_hash=result.pixel_hash,
                descriptor=result.descriptor,
                size=form.size,
                blob_key=key,
                content_type=form.content_type,
                original_filename=form.filename,
                format=result.format,
                width=result.facts.width,
                height=result.facts.height,
                captured_at=result.captured_at,
                captured_at_source=result.captured_at_source,
                camera_make=(result.camera_make or None),
                camera_model=(result.camera_model or None),
                lat=result.facts.location[0] if result.facts.location else None,
                lon=result.facts.location[1] if result.facts.location else None,
                accuracy_m=form.accuracy_m,
                location_source=result.location_source,
                auto_verdict=verdict,
                verdict=verdict,
                reasons=result.verdict.reasons_json(),
                scores=checks.scores_json(result.facts.check),
                duplicate_of=result.duplicate_of,
                decided_at=utcnow() if verdict != "needs_review" else None,
            )
            session.add(row)
            session.flush()
            if verdict == "accepted":
                ledger.record_earning(session, row, prepared.campaign)
            if form.consent_id is not None and (
                prepared.spec.consent.required or consent.consent_required(prepared.campaign)
            ):
                consent.link(session, row.id, form.consent_id)
            audit.record(
                session,
                actor_id=collector_id,
                action="submission.create",
                entity_type="submission",
                entity_id=row.id,
                after={
                    "verdict": verdict,
                    "reasons": [r.code for r in result.verdict.reasons],
                    "task_id": task_id,
                    "sha256": form.sha256,
                },
            )
            session.commit()
            task = session.get(Task, task_id)
            body = answer(row, task)
    except IntegrityError:
        platform.blobs.discard(staged)
        with platform.sessions() as session:
            previous = find_previous(session, collector_id, form.upload_id)
            if previous is None:
                raise
            return _replay_or_conflict(previous, form.sha256), False
    except BaseException:
        platform.blobs.discard(staged)
        raise
    try:
        platform.blobs.promote(staged, key)
    except Exception:
        log.exception("blob promotion failed after commit; removing submission %s", row.id)
        _undo(platform, row.id)
        raise
    if verdict != "rejected":
        platform.duplicates.add(row.id, result.descriptor)
    return body, True


def _undo(platform: Platform, submission_id: int) -> None:
    """Best effort: remove a row whose blob could not be put in place."""
    with platform.sessions() as session:
        row = session.get(Submission, submission_id)
        if row is None:
            return
        previous = row.verdict
        if previous in ("accepted", "needs_review"):
            apply_verdict_change(session, row, previous, "rejected")
        ledger.reverse_earning(session, row, "photo could not be stored")
        session.delete(row)
        session.commit()


def process(
    platform: Platform, collector_id: int, task_id: int, form: UploadForm
) -> tuple[dict[str, Any], bool]:
    """The whole pipeline for one streamed file (blocking; run it in a worker thread)."""
    with platform.sessions() as session:
        prepared = prepare(session, collector_id, task_id, form)
        session.commit()
    if prepared.replay is not None:
        return prepared.replay, False
    result = analyse(platform, prepared, form)
    return commit(platform, collector_id, prepared, form, result)
