"""Consent of photographed people, and erasure when it is withdrawn.

A collector records a subject's consent (name or pseudonym, scope, date, optional expiry,
the signed form as an image or PDF) before uploading that person's photos; the form is
encrypted at rest and readable by admins only. The upload pipeline asks `find_valid` for
the consent id sent with a photo of a consent-requiring campaign and links the photo to
it. Withdrawing consent marks every linked photo for erasure; `erase_submission` then
removes the photo and everything derived from it (blob when nothing else uses it, the
near-duplicate descriptor, the preview, location and camera facts), audit-logged.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from snapset.service import audit
from snapset.service.crypto import SecretBox
from snapset.service.errors import Invalid, NotFound, TooLarge
from snapset.service.review import apply_verdict_change
from snapset.service.thumbnails import thumbnail_key
from snapset.store import BlobStore
from snapset.store.models import (
    Campaign,
    ConsentRecord,
    Submission,
    SubmissionConsent,
    Task,
    User,
)
from snapset.store.types import utcnow

FORM_PURPOSE = "consent-form"
MAX_FORM_BYTES = 10 * 1024 * 1024
FORM_TYPES = {  # magic bytes -> content type
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}
ERASED = "erased"
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class DuplicateIndex(Protocol):
    def remove(self, submission_id: int) -> None: ...


def form_content_type(data: bytes) -> str:
    """The signed form's type from its first bytes; only JPEG, PNG and PDF are accepted."""
    if not data:
        raise Invalid("empty_form", "the signed consent form is empty")
    if len(data) > MAX_FORM_BYTES:
        raise TooLarge("form_too_large", f"the consent form exceeds {MAX_FORM_BYTES} bytes")
    for magic, content_type in FORM_TYPES.items():
        if data.startswith(magic):
            return content_type
    raise Invalid("unsupported_form_type", "the consent form must be a JPEG or PNG image or a PDF")


def consent_required(campaign: Campaign) -> bool:
    """Whether the campaign spec asks for a consent record with every photo."""
    consent = (campaign.spec or {}).get("consent")
    if isinstance(consent, dict):
        return bool(consent.get("required"))
    return bool(consent) or bool((campaign.spec or {}).get("consent_required"))


@dataclass(frozen=True)
class ConsentInput:
    subject_name: str
    scope: str
    consent_date: date
    expires_at: date | None = None
    campaign_id: int | None = None
    client_id: str | None = None  # the app's id for this consent: a retry finds the first


def create_consent(
    session: Session,
    box: SecretBox,
    blobs: BlobStore,
    collector: User,
    data: ConsentInput,
    form: bytes | None,
) -> ConsentRecord:
    """Record a consent; the form (if any) is stored encrypted before the row commits."""
    if data.client_id is not None and not CLIENT_ID_RE.match(data.client_id):
        raise Invalid("invalid_consent_client_id", "consent_client_id: 1-64 letters, digits, -_.:")
    name = data.subject_name.strip()
    if not name:
        raise Invalid("subject_required", "give the subject's name or a pseudonym")
    if data.expires_at is not None and data.expires_at < data.consent_date:
        raise Invalid("expiry_before_date", "the consent cannot expire before it was given")
    if data.consent_date > utcnow().date():
        raise Invalid("date_in_future", "the consent date is in the future")
    if data.campaign_id is not None and session.get(Campaign, data.campaign_id) is None:
        raise NotFound("campaign_not_found", f"no campaign with id {data.campaign_id}")
    record = ConsentRecord(
        collector_id=collector.id,
        campaign_id=data.campaign_id,
        subject_name=name[:200],
        scope=data.scope.strip() or "photos for this campaign",
        consent_date=data.consent_date,
        expires_at=data.expires_at,
        client_id=data.client_id,
    )
    if form is not None:
        record.form_content_type = form_content_type(form)
        record.form_sha256 = hashlib.sha256(form).hexdigest()
        record.form_blob = f"private/consent/{uuid.uuid4().hex}.bin"
        blobs.put_bytes(record.form_blob, box.encrypt(form, FORM_PURPOSE))
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor_id=collector.id,
        action="consent.create",
        entity_type="consent",
        entity_id=record.id,
        after={
            "campaign_id": record.campaign_id,
            "scope": record.scope,
            "consent_date": record.consent_date,
            "expires_at": record.expires_at,
            "form": record.form_content_type,
        },
    )
    return record


def by_client_id(session: Session, collector_id: int, client_id: str) -> ConsentRecord | None:
    """The record a collector already created with this client id, if any."""
    return session.scalar(
        select(ConsentRecord).where(
            ConsentRecord.collector_id == collector_id, ConsentRecord.client_id == client_id
        )
    )


def create_or_replay(
    session: Session,
    box: SecretBox,
    blobs: BlobStore,
    collector: User,
    data: ConsentInput,
    form: bytes | None,
) -> tuple[ConsentRecord, bool]:
    """Idempotent creation: (record, created). A retry with the same client id answers the
    first record, so an app retrying after a lost answer never makes a second one."""
    if data.client_id:
        existing = by_client_id(session, collector.id, data.client_id)
        if existing is not None:
            return existing, False
    try:
        with session.begin_nested():
            record = create_consent(session, box, blobs, collector, data, form)
    except IntegrityError:
        existing = by_client_id(session, collector.id, data.client_id or "")
        if existing is None:
            raise
        return existing, False
    return record, True


def visible_consent(session: Session, user: User, consent_id: int) -> ConsentRecord:
    """The record if the user may see it (its collector, or an admin); else NotFound."""
    record = session.get(ConsentRecord, consent_id)
    if record is None or (user.role != "admin" and record.collector_id != user.id):
        raise NotFound("consent_not_found", f"no consent record with id {consent_id}")
    return record


def list_consents(
    session: Session,
    user: User,
    campaign_id: int | None = None,
    include_withdrawn: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> list[ConsentRecord]:
    query = select(ConsentRecord)
    if user.role != "admin":
        query = query.where(ConsentRecord.collector_id == user.id)
    if campaign_id is not None:
        query = query.where(ConsentRecord.campaign_id == campaign_id)
    if not include_withdrawn:
        query = query.where(ConsentRecord.withdrawn_at.is_(None))
    query = query.order_by(ConsentRecord.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def linked_submission_ids(session: Session, consent_id: int) -> list[int]:
    return list(
        session.scalars(
            select(SubmissionConsent.submission_id)
            .where(SubmissionConsent.consent_id == consent_id)
            .order_by(SubmissionConsent.submission_id)
        )
    )


def read_form(
    session: Session, box: SecretBox, blobs: BlobStore, consent_id: int
) -> tuple[bytes, str]:
    """The decrypted signed form and its content type (callers check the admin role)."""
    record = session.get(ConsentRecord, consent_id)
    if record is None:
        raise NotFound("consent_not_found", f"no consent record with id {consent_id}")
    if record.form_blob is None:
        raise NotFound("form_not_found", "this consent record has no signed form")
    data = box.decrypt(blobs.read_bytes(record.form_blob), FORM_PURPOSE)
    return data, record.form_content_type or "application/octet-stream"


def find_valid(
    session: Session,
    collector_id: int,
    consent_id: int | None,
    campaign_id: int,
    on: datetime | None = None,
) -> ConsentRecord:
    """The consent record an upload may rely on, or an Invalid naming what is wrong.

    Valid means: it exists and belongs to the uploading collector, it is for this campaign
    (or for any campaign), it is not withdrawn, and it has not expired on the upload date.
    """
    if consent_id is None:
        raise Invalid("consent_required", "this campaign needs a consent record for each photo")
    record = session.get(ConsentRecord, consent_id)
    if record is None or record.collector_id != collector_id:
        raise Invalid("consent_not_found", f"no consent record with id {consent_id}")
    if record.campaign_id is not None and record.campaign_id != campaign_id:
        raise Invalid("consent_wrong_campaign", "this consent record is for another campaign")
    if record.withdrawn_at is not None:
        raise Invalid("consent_withdrawn", "this consent was withdrawn")
    today = (on or utcnow()).date()
    if record.expires_at is not None and record.expires_at < today:
        raise Invalid("consent_expired", f"this consent expired on {record.expires_at}")
    return record


def link(session: Session, submission_id: int, consent_id: int) -> None:
    """Record that a photo shows the subject of a consent record (idempotent)."""
    if session.get(SubmissionConsent, (submission_id, consent_id)) is None:
        session.add(SubmissionConsent(submission_id=submission_id, consent_id=consent_id))


def withdraw(session: Session, user: User, consent_id: int, reason: str | None) -> list[int]:
    """Withdraw a consent and mark every linked photo for erasure; returns their ids."""
    record = visible_consent(session, user, consent_id)
    if record.withdrawn_at is not None:
        return []
    now = utcnow()
    record.withdrawn_at = now
    record.withdrawn_reason = reason
    marked = []
    for submission_id in linked_submission_ids(session, consent_id):
        submission = session.get(Submission, submission_id)
        if submission is not None and submission.erased_at is None:
            submission.erasure_requested_at = submission.erasure_requested_at or now
            marked.append(submission_id)
    audit.record(
        session,
        actor_id=user.id,
        action="consent.withdraw",
        entity_type="consent",
        entity_id=consent_id,
        before={"withdrawn_at": None},
        after={"withdrawn_at": now, "reason": reason, "photos_marked": marked},
    )
    return marked


def pending_erasures(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Submission.id)
            .where(Submission.erasure_requested_at.is_not(None), Submission.erased_at.is_(None))
            .order_by(Submission.id)
        )
    )


def erase_submission(
    session: Session,
    blobs: BlobStore,
    duplicates: DuplicateIndex | None,
    submission_id: int,
    actor_id: int | None,
) -> bool:
    """Erase one photo and what was derived from it; the row stays as a tombstone.

    The cell's counters drop (a withdrawn photo no longer fills the quota); pay already
    earned stays with the collector, who did nothing wrong. Blobs are deleted after the
    database changes are flushed; a blob still used by another live photo is kept.
    """
    submission = session.get(Submission, submission_id)
    if submission is None or submission.erased_at is not None:
        return False
    before = {"verdict": submission.verdict, "sha256": submission.sha256}
    apply_verdict_change(session, submission, submission.verdict, ERASED)
    blob_key, sha = submission.blob_key, submission.sha256
    submission.verdict = ERASED
    submission.erased_at = utcnow()
    submission.erasure_requested_at = submission.erasure_requested_at or submission.erased_at
    submission.descriptor = None
    submission.pixel_hash = None
    submission.sha256 = f"erased-{submission.id}"
    submission.lat = submission.lon = submission.accuracy_m = None
    submission.camera_make = submission.camera_model = None
    submission.original_filename = None
    submission.captured_at = None
    session.flush()
    still_used = session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.blob_key == blob_key, Submission.erased_at.is_(None))
    )
    if not still_used:
        blobs.delete(blob_key)
    blobs.delete(thumbnail_key(sha))
    if duplicates is not None:
        duplicates.remove(submission.id)
    task = session.get(Task, submission.task_id)
    audit.record(
        session,
        actor_id=actor_id,
        action="submission.erase",
        entity_type="submission",
        entity_id=submission.id,
        before=before,
        after={
            "verdict": ERASED,
            "blob_deleted": not still_used,
            "task_state": task.state if task else None,
        },
    )
    return True


def erase_pending(
    session: Session, blobs: BlobStore, duplicates: DuplicateIndex | None, actor_id: int | None
) -> list[int]:
    """Carry out every erasure that was requested and not yet done."""
    erased = []
    for submission_id in pending_erasures(session):
        if erase_submission(session, blobs, duplicates, submission_id, actor_id):
            erased.append(submission_id)
    return erased
