"""Consent records: collectors create and see their own; admins see all and read forms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from snapset.api.deps import AdminUser, CollectorUser, CurrentUser, DbDep, PlatformDep
from snapset.service import consent, exports, tasks
from snapset.service.consent import ConsentRecord
from snapset.service.errors import Invalid
from snapset.service.platform import Platform
from snapset.service.users import User

router = APIRouter(tags=["consent"])


class WithdrawIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


def consent_view(db: Session, record: ConsentRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "consent_id": record.id,
        "collector_id": record.collector_id,
        "campaign_id": record.campaign_id,
        "subject_name": record.subject_name,
        "scope": record.scope,
        "consent_date": record.consent_date.isoformat(),
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        "has_form": record.form_blob is not None,
        "form_content_type": record.form_content_type,
        "created_at": record.created_at.isoformat(),
        "withdrawn_at": record.withdrawn_at.isoformat() if record.withdrawn_at else None,
        "withdrawn_reason": record.withdrawn_reason,
        "submission_ids": consent.linked_submission_ids(db, record.id),
    }


def _parse_day(value: str | None, field: str) -> date | None:
    if value is None or value.strip() == "":
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise Invalid(f"invalid_{field}", f"{field} must be an ISO 8601 date") from exc


async def _read_limited(upload: UploadFile | None) -> bytes | None:
    if upload is None:
        return None
    data = await upload.read(consent.MAX_FORM_BYTES + 1)
    return data


async def _create(
    db: Session,
    platform: Platform,
    user: User,
    campaign_id: int | None,
    subject_name: str,
    scope: str,
    consent_date: str | None,
    expires_at: str | None,
    form: UploadFile | None,
    client_id: str | None,
) -> JSONResponse:
    data = consent.ConsentInput(
        subject_name=subject_name,
        scope=scope,
        consent_date=_parse_day(consent_date, "consent_date") or date.today(),
        expires_at=_parse_day(expires_at, "expires_at"),
        campaign_id=campaign_id,
        client_id=client_id.strip() if client_id and client_id.strip() else None,
    )
    record, created = consent.create_or_replay(
        db, platform.box, platform.blobs, user, data, await _read_limited(form)
    )
    db.commit()
    return JSONResponse(
        jsonable_encoder(consent_view(db, record)), status_code=201 if created else 200
    )


@router.post("/consents", status_code=201)
async def post_consent(
    collector: CollectorUser,
    db: DbDep,
    platform: PlatformDep,
    subject_name: Annotated[str, Form(max_length=200)],
    scope: Annotated[str, Form(max_length=2000)] = "",
    consent_date: Annotated[str | None, Form()] = None,
    signed_at: Annotated[str | None, Form(description="alias of consent_date")] = None,
    expires_at: Annotated[str | None, Form()] = None,
    campaign_id: Annotated[int | None, Form()] = None,
    form: UploadFile | None = None,
    signature: UploadFile | None = None,
    paper_form: UploadFile | None = None,
    consent_client_id: Annotated[str | None, Form(max_length=64)] = None,
) -> JSONResponse:
    """Multipart: subject, scope, date, expiry and the signed form (`form`, `signature` or
    `paper_form`: a JPEG/PNG image or a PDF)."""
    return await _create(
        db,
        platform,
        collector.user,
        campaign_id,
        subject_name,
        scope,
        consent_date or signed_at,
        expires_at,
        form or signature or paper_form,
        consent_client_id,
    )


@router.post("/tasks/{task_id}/consents", status_code=201)
async def post_task_consent(
    task_id: int,
    collector: CollectorUser,
    db: DbDep,
    platform: PlatformDep,
    subject_name: Annotated[str, Form(max_length=200)],
    scope: Annotated[str, Form(max_length=2000)] = "",
    consent_date: Annotated[str | None, Form()] = None,
    signed_at: Annotated[str | None, Form()] = None,
    expires_at: Annotated[str | None, Form()] = None,
    form: UploadFile | None = None,
    signature: UploadFile | None = None,
    paper_form: UploadFile | None = None,
    consent_client_id: Annotated[str | None, Form(max_length=64)] = None,
) -> JSONResponse:
    """The same as `POST /consents`, scoped to the task's campaign."""
    task = tasks.get_task(db, task_id)
    return await _create(
        db,
        platform,
        collector.user,
        task.campaign_id,
        subject_name,
        scope,
        consent_date or signed_at,
        expires_at,
        form or signature or paper_form,
        consent_client_id,
    )


@router.get("/consents")
def get_consents(
    principal: CurrentUser,
    db: DbDep,
    campaign_id: int | None = None,
    include_withdrawn: bool = True,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    rows = consent.list_consents(db, principal.user, campaign_id, include_withdrawn, limit, offset)
    return [consent_view(db, r) for r in rows]


@router.get("/consents/{consent_id}")
def get_consent(consent_id: int, principal: CurrentUser, db: DbDep) -> dict[str, Any]:
    return consent_view(db, consent.visible_consent(db, principal.user, consent_id))


@router.get("/consents/{consent_id}/form", response_class=Response)
def get_consent_form(
    consent_id: int, _admin: AdminUser, db: DbDep, platform: PlatformDep
) -> Response:
    data, content_type = consent.read_form(db, platform.box, platform.blobs, consent_id)
    return Response(data, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.post("/consents/{consent_id}/withdraw")
def post_withdraw(
    consent_id: int,
    principal: CurrentUser,
    db: DbDep,
    platform: PlatformDep,
    body: WithdrawIn | None = None,
) -> dict[str, Any]:
    """Withdraw a consent: every linked photo is erased, with everything derived from it."""
    marked = consent.withdraw(db, principal.user, consent_id, body.reason if body else None)
    db.commit()
    erased = consent.erase_pending(db, platform.blobs, platform.duplicates, principal.id)
    exports.discard_exports_containing(db, platform, erased, principal.id)
    db.commit()
    record = consent.visible_consent(db, principal.user, consent_id)
    return {**consent_view(db, record), "marked": marked, "erased": erased}


@router.post("/erasures/run")
def post_run_erasures(admin: AdminUser, db: DbDep, platform: PlatformDep) -> dict[str, Any]:
    """Carry out erasures requested earlier and not finished (e.g. after a crash)."""
    erased = consent.erase_pending(db, platform.blobs, platform.duplicates, admin.id)
    exports.discard_exports_containing(db, platform, erased, admin.id)
    db.commit()
    return {"erased": erased}
