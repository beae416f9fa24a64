"""Collector sign-up, identity documents, and admin verification."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from snapset.api.cookies import set_login_cookies
from snapset.api.deps import AdminUser, CollectorUser, DbDep, PlatformDep
from snapset.api.multipart import MalformedUpload, receive_form
from snapset.api.routers.uploads import submission_view
from snapset.api.views import collector_view, me_view
from snapset.service import auth, collectors, scores, submissions, users
from snapset.service.collectors import Collector
from snapset.service.errors import Invalid
from snapset.service.users import User

router = APIRouter(tags=["collectors"])


class SignupIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    country: str = Field(description="ISO 3166 alpha-2", max_length=8)
    languages: list[str] = Field(default_factory=list, description="BCP-47 tags", max_length=10)
    phone_model: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=128)


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=2000)


class ReasonIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


def _profile(
    db: DbDep, collector: Collector, *, admin: bool, user: User | None = None
) -> dict[str, Any]:
    body = collector_view(collector)
    body["quality_score"] = scores.quality_score(db, collector.user_id).score
    body["created_at"] = collector.created_at
    body["submitted_at"] = collector.submitted_at
    body["documents"] = [
        {
            **doc,
            "uploaded_at": collector.submitted_at,
            "url": f"/api/v1/collectors/{collector.user_id}/documents/{doc['kind']}"
            if admin
            else None,
        }
        for doc in collectors.documents_of(collector)
    ]
    if admin:
        body["username"] = user.username if user else None
        body["device_id"] = collector.device_id
        body["reviewed_at"] = collector.reviewed_at
        body["reviewed_by"] = collector.reviewed_by
        body["flags"] = [
            {"kind": f.kind, "other_collector_id": f.other_collector_id, "created_at": f.created_at}
            for f in collectors.flags_of(db, collector.user_id)
        ]
    return body


@router.post("/collectors/signup", status_code=201)
def signup(
    body: SignupIn, request: Request, response: Response, db: DbDep, platform: PlatformDep
) -> dict[str, Any]:
    """Create a collector account (status `pending`) and log it in (sets the cookies)."""
    collector = collectors.signup(
        db,
        platform.hasher,
        username=body.username,
        password=body.password,
        country=body.country,
        languages=body.languages,
        phone_model=body.phone_model,
        device_id=body.device_id,
    )
    user = users.get_user(db, collector.user_id)
    result = auth.open_session(
        db, user, platform.login_policy, user_agent=request.headers.get("user-agent")
    )
    db.commit()
    set_login_cookies(response, result, platform)
    return me_view(db, user)


@router.get("/collectors/me")
def my_profile(principal: CollectorUser, db: DbDep) -> dict[str, Any]:
    return _profile(db, collectors.get_collector(db, principal.id), admin=False)


@router.post("/collectors/me/documents", status_code=201)
async def upload_document(
    request: Request, principal: CollectorUser, platform: PlatformDep
) -> dict[str, Any]:
    """multipart `kind` (identity | selfie) + `file` (image; identity may be a PDF).

    Encrypted (AES-GCM) before it is stored; only admins can read it back.
    """
    form = await receive_form(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=_content_length(request),
        tmp_dir=platform.settings.tmp_dir,
        max_file_bytes=collectors.MAX_DOCUMENT_BYTES,
    )
    try:
        if form.file is None:
            raise MalformedUpload("file_missing", "send the document in the field 'file'")
        if form.file.size == 0:
            raise Invalid("empty_file", "the file is empty")
        kind = form.fields.get("kind", "")
        received = form.file

        def store() -> dict[str, Any]:
            with platform.sessions() as db:
                collector = collectors.get_collector(db, principal.id)
                stored = collectors.store_document(
                    db,
                    platform.blobs,
                    platform.box,
                    collector,
                    kind=kind,
                    path=received.path,
                    head=received.head,
                )
                try:
                    db.commit()
                except BaseException:
                    platform.blobs.delete(stored.new_blob)
                    raise
                if stored.old_blob:
                    platform.blobs.delete(stored.old_blob)
                return _profile(db, collector, admin=False)

        return await run_in_threadpool(store)
    finally:
        form.discard()


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


@router.get("/collectors")
def list_collectors(
    _admin: AdminUser,
    db: DbDep,
    status: Literal["pending", "verified", "rejected", "suspended"] | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            **collector_view(c),
            "username": u.username,
            "quality_score": scores.quality_score(db, c.user_id).score,
            "created_at": c.created_at,
            "submitted_at": c.submitted_at,
            "has_documents": bool(c.id_document_blob and c.selfie_blob),
            "flags": [f.kind for f in collectors.flags_of(db, c.user_id)],
        }
        for c, u in collectors.list_collectors(db, status)
    ]


@router.get("/collectors/{collector_id}")
def get_collector(collector_id: int, _admin: AdminUser, db: DbDep) -> dict[str, Any]:
    """Profile, documents, flags and the 50 most recent submissions."""
    collector = collectors.get_collector(db, collector_id)
    body = _profile(db, collector, admin=True, user=users.get_user(db, collector_id))
    rows = submissions.recent_for_collector(db, collector_id, limit=50)
    reviewed = submissions.reviewed_ids(db, [s.id for s, _, _ in rows])
    body["submissions"] = [submission_view(s, c, t, reviewed=reviewed) for s, c, t in rows]
    return body


@router.get("/collectors/{collector_id}/documents/{kind}", response_class=Response)
def read_document(
    collector_id: int, kind: str, _admin: AdminUser, db: DbDep, platform: PlatformDep
) -> Response:
    """The decrypted identity document or selfie (admins only; never cached)."""
    collector = collectors.get_collector(db, collector_id)
    data, content_type = collectors.read_document(platform.blobs, platform.box, collector, kind)
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/collectors/{collector_id}/verify")
def verify(collector_id: int, body: DecisionIn, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    """Approve (-> verified) or reject (-> rejected, reason required)."""
    collector = collectors.get_collector(db, collector_id)
    action = "verify" if body.decision == "approve" else "reject"
    collectors.decide(db, collector, action=action, reason=body.reason, actor_id=admin.id)
    db.commit()
    return _profile(db, collector, admin=True, user=users.get_user(db, collector_id))


@router.post("/collectors/{collector_id}/suspend")
def suspend(collector_id: int, body: ReasonIn, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    collector = collectors.get_collector(db, collector_id)
    collectors.decide(db, collector, action="suspend", reason=body.reason, actor_id=admin.id)
    db.commit()
    return _profile(db, collector, admin=True, user=users.get_user(db, collector_id))


@router.post("/collectors/{collector_id}/reinstate")
def reinstate(collector_id: int, body: ReasonIn, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    collector = collectors.get_collector(db, collector_id)
    collectors.decide(db, collector, action="reinstate", reason=body.reason, actor_id=admin.id)
    db.commit()
    return _profile(db, collector, admin=True, user=users.get_user(db, collector_id))
