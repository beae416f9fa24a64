"""Photo uploads (streamed, checked, answered with a verdict) and a collector's own photos."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from snapset.api.deps import CollectorUser, CurrentUser, DbDep, PlatformDep
from snapset.api.multipart import MalformedUpload, receive_form
from snapset.service import submissions, uploads
from snapset.service.platform import Platform
from snapset.service.submissions import Campaign, Submission, Task

router = APIRouter(tags=["uploads"])


def _cap_for(platform: Platform, collector_id: int, task_id: int) -> int:
    with platform.sessions() as session:
        task = uploads.task_for_collector(session, collector_id, task_id)
        return uploads.max_file_bytes(session, task, platform.settings.max_upload_bytes)


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


@router.post(
    "/tasks/{task_id}/uploads",
    status_code=201,
    responses={200: {"description": "a retried upload_id: the first answer, replayed"}},
)
async def upload_photo(
    task_id: int, request: Request, principal: CollectorUser, platform: PlatformDep
) -> JSONResponse:
    """multipart/form-data: `file`, `upload_id` (client id, idempotent), optional `lat`,
    `lon`, `accuracy_m`, `captured_at` (ISO 8601), `consent_id`.

    Answers 201 `{submission_id, upload_id, verdict, reasons: [{code, message}], scores,
    task}`; a retry with the same upload_id and bytes answers 200 with the first answer.
    The file streams to disk and is cut off with 413 as soon as it passes the limit.
    """
    cap = await run_in_threadpool(_cap_for, platform, principal.id, task_id)
    form = await receive_form(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=_content_length(request),
        tmp_dir=platform.settings.tmp_dir,
        max_file_bytes=cap,
    )
    try:
        if form.file is None:
            raise MalformedUpload("file_missing", "send the photo in the form field 'file'")
        upload_id, lat, lon, accuracy, captured_at, consent_id = uploads.parse_fields(form.fields)
        upload = uploads.UploadForm(
            path=form.file.path,
            size=form.file.size,
            sha256=form.file.sha256,
            filename=form.file.filename,
            content_type=form.file.content_type,
            upload_id=upload_id,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy,
            captured_at=captured_at,
            consent_id=consent_id,
        )
        loop = asyncio.get_running_loop()
        body, created = await loop.run_in_executor(
            platform.executor, uploads.process, platform, principal.id, task_id, upload
        )
    finally:
        form.discard()
    return JSONResponse(body, status_code=201 if created else 200)


def _review_status(row: Submission, reviewed: set[int]) -> str:
    if row.id in reviewed:
        return "reviewed"
    return "pending" if row.verdict == "needs_review" else "automatic"


def submission_view(
    row: Submission, campaign: Campaign | None, task: Task | None, *, reviewed: set[int]
) -> dict[str, Any]:
    return {
        "submission_id": row.id,
        "upload_id": row.upload_id,
        "task_id": row.task_id,
        "campaign_id": row.campaign_id,
        "campaign_name": campaign.name if campaign else None,
        "cell": task.cell if task else None,
        "thumbnail_url": f"/api/v1/submissions/{row.id}/thumbnail",
        "verdict": row.verdict,
        "auto_verdict": row.auto_verdict,
        "review_status": _review_status(row, reviewed),
        "reasons": [{"code": r["code"], "message": r["message"]} for r in row.reasons or []],
        "scores": row.scores or {},
        "width": row.width,
        "height": row.height,
        "size": row.size,
        "captured_at": row.captured_at,
        "created_at": row.created_at,
        "device": {"make": row.camera_make, "model": row.camera_model},
        "location": {"lat": row.lat, "lon": row.lon} if row.lat is not None else None,
    }


@router.get("/me/submissions")
def my_submissions(
    principal: CollectorUser,
    db: DbDep,
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
    verdict: str | None = Query(default=None, pattern="^(accepted|needs_review|rejected)$"),
    task_id: int | None = None,
) -> list[dict[str, Any]]:
    """The caller's own photos, newest first."""
    rows = submissions.recent_for_collector(
        db, principal.id, limit=limit, offset=offset, verdict=verdict, task_id=task_id
    )
    reviewed = submissions.reviewed_ids(db, [s.id for s, _, _ in rows])
    return [submission_view(s, c, t, reviewed=reviewed) for s, c, t in rows]


@router.get("/submissions/{submission_id}")
def get_submission(submission_id: int, principal: CurrentUser, db: DbDep) -> dict[str, Any]:
    """One photo's record: its collector, or staff who may review its campaign; else 404."""
    row = submissions.visible_submission(db, principal.user, submission_id)
    reviewed = submissions.reviewed_ids(db, [row.id])
    campaign, task = submissions.context_of(db, row)
    body = submission_view(row, campaign, task, reviewed=reviewed)
    if principal.role != "collector":
        body["collector_id"] = row.collector_id
        body["duplicate_of"] = row.duplicate_of
    return body
