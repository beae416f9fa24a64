"""Campaigns and templates (admins write; assigned reviewers/annotators read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from snapset.api.deps import AdminUser, CurrentUser, DbDep, PlatformDep, Principal, StaffUser
from snapset.api.multipart import MalformedUpload, receive_form
from snapset.service import campaigns, review, templates
from snapset.service.campaigns import Campaign
from snapset.service.errors import Invalid, NotFound
from snapset.service.specs import CampaignSpec, SpecError, parse_spec_text, validate_spec

router = APIRouter(tags=["campaigns"])
MAX_EXAMPLE_BYTES = 10 * 1024 * 1024


class SpecIn(BaseModel):
    """A spec as YAML/JSON text (`spec_yaml`), as an object (`spec`), or a template + overrides."""

    spec_yaml: str | None = Field(default=None, max_length=200_000)
    spec: dict[str, Any] | None = None
    template: str | None = None
    name: str | None = Field(default=None, max_length=200)
    overrides: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SpecIn:
        given = [x for x in (self.spec_yaml, self.spec, self.template) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of spec_yaml, spec or template")
        return self


class ValidateIn(BaseModel):
    spec_yaml: str = Field(max_length=200_000)


def _spec_from(body: SpecIn) -> CampaignSpec:
    try:
        if body.spec_yaml is not None:
            spec = parse_spec_text(body.spec_yaml)
        elif body.spec is not None:
            spec = validate_spec(body.spec)
        else:
            assert body.template is not None
            spec = templates.spec_from_template(
                body.template, body.overrides, campaign_name=body.name
            )
    except SpecError as exc:
        raise Invalid("invalid_spec", str(exc), errors=exc.errors) from exc
    if body.name and body.template is None:
        spec = spec.model_copy(update={"name": body.name})
    return spec


def campaign_view(campaign: Campaign, *, task_count: int | None = None) -> dict[str, Any]:
    spec = campaigns.spec_of(campaign)
    return {
        "id": campaign.id,
        "name": campaign.name,
        "status": campaign.state,
        "state": campaign.state,
        "category": campaign.category,
        "task_type": campaign.task_type,
        "template": spec.template,
        "spec_version": campaign.spec_version,
        "spec": campaign.spec,
        "spec_yaml": spec.to_yaml(),
        "consent_required": spec.consent.required,
        "pay": {"amount": str(spec.pay.amount), "currency": spec.pay.currency},
        "task_count": task_count,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "activated_at": campaign.activated_at,
        "closed_at": campaign.closed_at,
    }


def _assigned_ids(db: Session, principal: Principal) -> list[int] | None:
    return review.reviewable_campaign_ids(db, principal.user)


def readable_campaign(db: Session, principal: Principal, campaign_id: int) -> Campaign:
    """The campaign if this staff member may read it; 404 otherwise (no existence leak)."""
    campaign = campaigns.get_campaign(db, campaign_id)
    allowed = _assigned_ids(db, principal)
    if allowed is not None and campaign.id not in allowed:
        raise NotFound("campaign_not_found", f"no campaign {campaign_id}")
    return campaign


@router.get("/templates")
def list_templates(_user: StaffUser) -> list[dict[str, Any]]:
    """The five built-in templates with their full specs (JSON and YAML)."""
    return templates.list_templates()


@router.get("/templates/{name}")
def get_template(name: str, _user: StaffUser) -> dict[str, Any]:
    for template in templates.list_templates():
        if template["name"] == name:
            return template
    raise NotFound("template_not_found", f"no template {name!r}")


@router.post("/campaigns/validate")
def validate(body: ValidateIn, _admin: AdminUser) -> dict[str, Any]:
    """Check a spec without saving it; errors carry YAML line and column."""
    try:
        spec = parse_spec_text(body.spec_yaml)
    except SpecError as exc:
        return {"ok": False, "errors": exc.errors}
    return {"ok": True, "errors": [], "cells": len(spec.quota.cells()), "spec": spec.to_json()}


@router.post("/campaigns", status_code=201)
def create(body: SpecIn, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    campaign = campaigns.create_campaign(db, _spec_from(body), actor_id=admin.id)
    db.commit()
    return campaign_view(campaign, task_count=0)


@router.get("/campaigns")
def list_all(
    principal: StaffUser,
    db: DbDep,
    state: Literal["draft", "active", "paused", "closed"] | None = None,
) -> list[dict[str, Any]]:
    rows = campaigns.list_campaigns(db, state=state, ids=_assigned_ids(db, principal))
    return [campaign_view(c, task_count=campaigns.task_count(db, c.id)) for c in rows]


@router.get("/campaigns/{campaign_id}")
def get_one(campaign_id: int, principal: StaffUser, db: DbDep) -> dict[str, Any]:
    campaign = readable_campaign(db, principal, campaign_id)
    return campaign_view(campaign, task_count=campaigns.task_count(db, campaign.id))


@router.put("/campaigns/{campaign_id}")
def update(campaign_id: int, body: SpecIn, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    """Replace a draft's spec (a new spec version)."""
    campaign = campaigns.get_campaign(db, campaign_id)
    campaigns.update_spec(db, campaign, _spec_from(body), actor_id=admin.id)
    db.commit()
    return campaign_view(campaign, task_count=campaigns.task_count(db, campaign.id))


@router.get("/campaigns/{campaign_id}/versions")
def versions(campaign_id: int, principal: StaffUser, db: DbDep) -> list[dict[str, Any]]:
    readable_campaign(db, principal, campaign_id)
    return [
        {
            "version": v.version,
            "spec": v.spec,
            "created_at": v.created_at,
            "created_by": v.created_by,
        }
        for v in campaigns.spec_versions(db, campaign_id)
    ]


def _transition(campaign_id: int, action: str, admin: Principal, db: Session) -> dict[str, Any]:
    campaign = campaigns.get_campaign(db, campaign_id)
    campaigns.change_state(db, campaign, action, actor_id=admin.id)
    db.commit()
    return campaign_view(campaign, task_count=campaigns.task_count(db, campaign.id))


@router.post("/campaigns/{campaign_id}/activate")
def activate(campaign_id: int, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    """draft/paused -> active; creates one task per quota cell."""
    return _transition(campaign_id, "activate", admin, db)


@router.post("/campaigns/{campaign_id}/pause")
def pause(campaign_id: int, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    return _transition(campaign_id, "pause", admin, db)


@router.post("/campaigns/{campaign_id}/close")
def close(campaign_id: int, admin: AdminUser, db: DbDep) -> dict[str, Any]:
    return _transition(campaign_id, "close", admin, db)


class TaskAdminOut(BaseModel):
    id: int
    campaign_id: int
    cell: dict[str, Any]
    country: str | None
    target: int
    accepted_count: int
    pending_count: int
    state: str
    created_at: datetime


@router.get("/campaigns/{campaign_id}/tasks", response_model=list[TaskAdminOut])
def campaign_tasks(campaign_id: int, principal: StaffUser, db: DbDep) -> list[Any]:
    readable_campaign(db, principal, campaign_id)
    return list(campaigns.tasks_of(db, campaign_id))


@router.post("/campaigns/{campaign_id}/examples", status_code=201)
async def add_example(
    campaign_id: int, request: Request, admin: AdminUser, platform: PlatformDep
) -> dict[str, Any]:
    """multipart `file` (JPEG/PNG/WebP, <= 10 MB), `caption`, `good` (true|false): an example
    photo shown to collectors; added to the draft's spec (a new spec version)."""
    form = await receive_form(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=None,
        tmp_dir=platform.settings.tmp_dir,
        max_file_bytes=MAX_EXAMPLE_BYTES,
    )
    try:
        if form.file is None:
            raise MalformedUpload("file_missing", "send the photo in the form field 'file'")
        received = form.file

        def store() -> dict[str, Any]:
            with platform.sessions() as db:
                campaign = campaigns.get_campaign(db, campaign_id)
                example = campaigns.add_example(
                    db,
                    platform.blobs,
                    campaign,
                    path=received.path,
                    sha256=received.sha256,
                    caption=form.fields.get("caption"),
                    good=form.fields.get("good", "true").strip().lower() != "false",
                    actor_id=admin.id,
                )
                db.commit()
                return example

        return await run_in_threadpool(store)
    finally:
        form.discard()


@router.get("/campaigns/{campaign_id}/examples/{name}", response_class=Response)
def get_example(campaign_id: int, name: str, _user: CurrentUser, platform: PlatformDep) -> Response:
    """An example photo (any logged-in user: collectors see them with the task)."""
    data = campaigns.read_example(platform.blobs, campaign_id, name)
    media = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[name.rsplit(".", 1)[1]]
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=86400"})
