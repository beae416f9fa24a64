"""Review: the queue, decisions (single and bulk), reviewer assignments, photo previews."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from snapset.api.deps import AdminUser, CurrentUser, DbDep, PlatformDep, StaffUser
from snapset.service import review, submissions, thumbnails
from snapset.service.platform import Platform
from snapset.service.review import Review
from snapset.service.submissions import Submission
from snapset.service.users import User

router = APIRouter(tags=["review"])
CHUNK = 1024 * 1024


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    reason_code: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=4000)
    comment: str | None = Field(default=None, max_length=4000, description="alias of note")


class BulkDecisionIn(DecisionIn):
    submission_ids: list[int] = Field(min_length=1, max_length=review.MAX_BULK)


class AssignmentIn(BaseModel):
    user_id: int


def review_view(row: Review) -> dict[str, Any]:
    return {
        "id": row.id,
        "submission_id": row.submission_id,
        "reviewer_id": row.reviewer_id,
        "decision": row.decision,
        "reason_code": row.reason_code,
        "note": row.note,
        "previous_verdict": row.previous_verdict,
        "new_verdict": row.new_verdict,
        "is_override": row.is_override,
        "created_at": row.created_at.isoformat(),
    }


MAX_NEAR_DUPLICATES = 5


def near_duplicates(
    db: Session, platform: Platform, user: User, submission: Submission
) -> list[dict[str, Any]]:
    """Stored photos that look like this one (from the live near-duplicate index), limited
    to what the reviewer may see; the photo it was flagged as a duplicate of comes first."""
    found: dict[int, int | None] = {}
    if submission.duplicate_of is not None:
        found[submission.duplicate_of] = None
    if submission.descriptor:
        descriptor = np.frombuffer(submission.descriptor, dtype=np.uint8)
        for match in platform.duplicates.query(descriptor):
            key = int(match.key)
            if key != submission.id and (key not in found or found[key] is None):
                found[key] = int(match.distance)
    allowed = review.reviewable_campaign_ids(db, user)
    out = []
    for other_id, distance in found.items():
        other = submissions.live_submission(db, other_id)
        if other is None:
            continue
        if allowed is not None and other.campaign_id not in allowed:
            continue
        out.append(
            {
                "submission_id": other_id,
                "campaign_id": other.campaign_id,
                "verdict": other.verdict,
                "thumbnail_url": f"/api/v1/submissions/{other_id}/thumbnail",
                "distance": distance,
            }
        )
        if len(out) == MAX_NEAR_DUPLICATES:
            break
    return out


def queue_item(
    db: Session, platform: Platform, user: User, submission: Submission
) -> dict[str, Any]:
    """What a reviewer needs to decide on one photo."""
    _, task = submissions.context_of(db, submission)
    pseudonym = submissions.collector_pseudonym(db, submission.collector_id)
    base = f"/api/v1/submissions/{submission.id}"
    location = (
        {"lat": submission.lat, "lon": submission.lon, "accuracy_m": submission.accuracy_m}
        if submission.lat is not None and submission.lon is not None
        else None
    )
    return {
        "submission_id": submission.id,
        "campaign_id": submission.campaign_id,
        "task_id": submission.task_id,
        "cell": dict(task.cell) if task else {},
        "thumbnail_url": f"{base}/thumbnail",
        "image_url": f"{base}/image",
        "verdict": submission.verdict,
        "auto_verdict": submission.auto_verdict,
        "reasons": list(submission.reasons or []),
        "scores": dict(submission.scores or {}),
        "collector": pseudonym,
        "captured_at": submission.captured_at.isoformat() if submission.captured_at else None,
        "created_at": submission.created_at.isoformat(),
        "device": {"make": submission.camera_make, "model": submission.camera_model},
        "location": location,
        "width": submission.width,
        "height": submission.height,
        "near_duplicates": near_duplicates(db, platform, user, submission),
    }


@router.get("/review/queue")
def get_queue(
    staff: StaffUser,
    db: DbDep,
    platform: PlatformDep,
    campaign_id: int | None = None,
    verdict: str | None = None,
    reason: str | None = None,
    cell: str | None = Query(default=None, description="dim=value,dim=value"),
    task_id: int | None = None,
    collector: str | None = Query(default=None, description="pseudonym or user id"),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    filters = review.QueueFilters(
        campaign_id=campaign_id,
        verdict=verdict,
        reason=reason,
        cell=review.parse_cell(cell),
        task_id=task_id,
        collector=collector,
    )
    rows = review.review_queue(db, staff.user, filters, limit=limit, offset=offset)
    return [queue_item(db, platform, staff.user, row) for row in rows]


@router.post("/review/bulk")
def post_bulk(body: BulkDecisionIn, staff: StaffUser, db: DbDep) -> dict[str, Any]:
    result = review.bulk_decide(
        db,
        staff.user,
        body.submission_ids,
        body.decision,
        body.reason_code,
        body.note or body.comment,
    )
    db.commit()
    return {"done": result.done, "failed": result.failed}


@router.post("/review/{submission_id}")
def post_decision(
    submission_id: int, body: DecisionIn, staff: StaffUser, db: DbDep
) -> dict[str, Any]:
    row = review.decide(
        db, staff.user, submission_id, body.decision, body.reason_code, body.note or body.comment
    )
    db.commit()
    return review_view(row)


@router.get("/submissions/{submission_id}/reviews")
def get_reviews(submission_id: int, staff: StaffUser, db: DbDep) -> list[dict[str, Any]]:
    review.reviewable_submission(db, staff.user, submission_id)
    return [review_view(r) for r in review.reviews_of(db, submission_id)]


@router.get("/campaigns/{campaign_id}/reviewers")
def get_reviewers(campaign_id: int, _admin: AdminUser, db: DbDep) -> list[int]:
    return review.assignments(db, campaign_id)


@router.post("/campaigns/{campaign_id}/reviewers", status_code=201)
def post_reviewer(
    campaign_id: int, body: AssignmentIn, admin: AdminUser, db: DbDep
) -> dict[str, int]:
    review.assign_reviewer(db, admin.user, body.user_id, campaign_id)
    db.commit()
    return {"user_id": body.user_id, "campaign_id": campaign_id}


@router.delete("/campaigns/{campaign_id}/reviewers/{user_id}", status_code=204)
def delete_reviewer(campaign_id: int, user_id: int, admin: AdminUser, db: DbDep) -> Response:
    review.unassign_reviewer(db, admin.user, user_id, campaign_id)
    db.commit()
    return Response(status_code=204)


# --- photo previews -----------------------------------------------------------------------


def _visible_submission(db: Session, principal: CurrentUser, submission_id: int) -> Submission:
    """Owner (collector) or a reviewer of its campaign; anyone else gets 404."""
    return submissions.visible_submission(db, principal.user, submission_id)


@router.get("/submissions/{submission_id}/thumbnail", response_class=Response)
def get_thumbnail(
    submission_id: int, principal: CurrentUser, db: DbDep, platform: PlatformDep
) -> Response:
    row = _visible_submission(db, principal, submission_id)
    data = thumbnails.thumbnail_bytes(platform.blobs, row.blob_key, row.sha256)
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get("/submissions/{submission_id}/image", response_class=StreamingResponse)
def get_image(
    submission_id: int, staff: StaffUser, db: DbDep, platform: PlatformDep
) -> StreamingResponse:
    row = review.reviewable_submission(db, staff.user, submission_id)
    stream = platform.blobs.open(row.blob_key)

    def chunks() -> Any:
        with stream:
            while block := stream.read(CHUNK):
                yield block

    return StreamingResponse(
        chunks(),
        media_type=row.content_type or "application/octet-stream",
        headers={"Content-Length": str(row.size), "Cache-Control": "private, max-age=3600"},
    )
