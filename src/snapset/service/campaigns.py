"""Campaign lifecycle: create from a spec or template, edit (draft only, versioned),
activate (expands quota cells into tasks), pause, resume, close."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snapset.quality import DecodeError, decode_image
from snapset.service import audit
from snapset.service.errors import Conflict, Invalid, NotFound
from snapset.service.specs import CampaignSpec, Example, cell_key
from snapset.store import BlobNotFound, BlobStore
from snapset.store.models import Campaign, CampaignSpecVersion, Task
from snapset.store.types import utcnow

STATES = ("draft", "active", "paused", "closed")
TRANSITIONS = {
    "activate": ({"draft", "paused"}, "active"),
    "pause": ({"active"}, "paused"),
    "close": ({"draft", "active", "paused"}, "closed"),
}


def spec_of(campaign: Campaign) -> CampaignSpec:
    return CampaignSpec.model_validate(campaign.spec)


def create_campaign(session: Session, spec: CampaignSpec, *, actor_id: int) -> Campaign:
    campaign = Campaign(
        name=spec.name,
        category=spec.category,
        task_type=spec.task_type,
        state="draft",
        spec=spec.to_json(),
        spec_version=1,
        created_by=actor_id,
    )
    session.add(campaign)
    session.flush()
    session.add(
        CampaignSpecVersion(
            campaign_id=campaign.id, version=1, spec=campaign.spec, created_by=actor_id
        )
    )
    audit.record(
        session,
        actor_id=actor_id,
        action="campaign.create",
        entity_type="campaign",
        entity_id=campaign.id,
        after={"name": spec.name, "state": "draft", "spec_version": 1},
    )
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign_not_found", f"no campaign {campaign_id}")
    return campaign


def list_campaigns(
    session: Session, *, state: str | None = None, ids: list[int] | None = None
) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id.desc())
    if state:
        query = query.where(Campaign.state == state)
    if ids is not None:
        query = query.where(Campaign.id.in_(ids))
    return list(session.scalars(query))


def update_spec(
    session: Session, campaign: Campaign, spec: CampaignSpec, *, actor_id: int
) -> Campaign:
    """Save a new spec version; only drafts change (tasks are derived on activation)."""
    if campaign.state != "draft":
        raise Conflict(
            "campaign_not_draft", f"campaign {campaign.id} is {campaign.state}; only drafts change"
        )
    before = {"spec_version": campaign.spec_version, "name": campaign.name}
    campaign.spec = spec.to_json()
    campaign.spec_version += 1
    campaign.name = spec.name
    campaign.category = spec.category
    campaign.task_type = spec.task_type
    campaign.updated_at = utcnow()
    session.add(
        CampaignSpecVersion(
            campaign_id=campaign.id,
            version=campaign.spec_version,
            spec=campaign.spec,
            created_by=actor_id,
        )
    )
    audit.record(
        session,
        actor_id=actor_id,
        action="campaign.update_spec",
        entity_type="campaign",
        entity_id=campaign.id,
        before=before,
        after={"spec_version": campaign.spec_version, "name": campaign.name},
    )
    return campaign


def spec_versions(session: Session, campaign_id: int) -> list[CampaignSpecVersion]:
    return list(
        session.scalars(
            select(CampaignSpecVersion)
            .where(CampaignSpecVersion.campaign_id == campaign_id)
            .order_by(CampaignSpecVersion.version)
        )
    )


def expand_tasks(session: Session, campaign: Campaign) -> int:
    """Create one task per quota cell not yet present; returns how many were created."""
    spec = spec_of(campaign)
    existing = set(session.scalars(select(Task.cell_key).where(Task.campaign_id == campaign.id)))
    created = 0
    for cell, target in spec.quota.cells():
        key = cell_key(cell)
        if key in existing:
            continue
        session.add(
            Task(
                campaign_id=campaign.id,
                cell=cell,
                cell_key=key,
                country=cell.get("country"),
                target=target,
                state="open" if target > 0 else "full",
            )
        )
        created += 1
    return created


def change_state(session: Session, campaign: Campaign, action: str, *, actor_id: int) -> Campaign:
    if action not in TRANSITIONS:
        raise NotFound("unknown_action", f"unknown campaign action {action!r}")
    allowed_from, target = TRANSITIONS[action]
    if campaign.state not in allowed_from:
        raise Conflict(
            "invalid_state_transition",
            f"cannot {action} a campaign that is {campaign.state}",
        )
    before = campaign.state
    created = 0
    if action == "activate":
        created = expand_tasks(session, campaign)
        campaign.activated_at = campaign.activated_at or utcnow()
    if action == "close":
        campaign.closed_at = utcnow()
    campaign.state = target
    campaign.updated_at = utcnow()
    after: dict[str, Any] = {"state": target}
    if created:
        after["tasks_created"] = created
    audit.record(
        session,
        actor_id=actor_id,
        action=f"campaign.{action}",
        entity_type="campaign",
        entity_id=campaign.id,
        before={"state": before},
        after=after,
    )
    return campaign


def task_count(session: Session, campaign_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Task).where(Task.campaign_id == campaign_id)
        )
        or 0
    )


def tasks_of(session: Session, campaign_id: int) -> list[Task]:
    """The campaign's tasks (one per quota cell), in creation order."""
    return list(
        session.scalars(select(Task).where(Task.campaign_id == campaign_id).order_by(Task.id))
    )


def add_example(
    session: Session,
    blobs: BlobStore,
    campaign: Campaign,
    *,
    path: Path,
    sha256: str,
    caption: str | None,
    good: bool,
    actor_id: int,
) -> dict[str, Any]:
    """Store an example photo (a decodable image) and add it to the draft's spec."""
    if campaign.state != "draft":
        raise Conflict("campaign_not_draft", "examples can only be added to a draft campaign")
    try:
        decoded = decode_image(path, max_side=64)
    except DecodeError as exc:
        raise Invalid(exc.code, exc.message) from None
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(decoded.format.upper())
    if extension is None:
        raise Invalid("unsupported_format", "example photos must be JPEG, PNG or WebP")
    name = f"{sha256}.{extension}"
    blobs.put_bytes(example_key(campaign.id, name), path.read_bytes())
    spec = spec_of(campaign)
    example = Example(
        url=f"/api/v1/campaigns/{campaign.id}/examples/{name}",
        caption=(caption or "").strip()[:300] or None,
        good=good,
    )
    update_spec(
        session,
        campaign,
        spec.model_copy(update={"examples": [*spec.examples, example]}),
        actor_id=actor_id,
    )
    return example.model_dump()


def example_key(campaign_id: int, name: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}\.(jpg|png|webp)", name):
        raise NotFound("example_not_found", f"no example {name!r}")
    return f"examples/{campaign_id}/{name}"


def read_example(blobs: BlobStore, campaign_id: int, name: str) -> bytes:
    """An example photo's bytes; NotFound for a bad name or a missing file."""
    key = example_key(campaign_id, name)
    try:
        return blobs.read_bytes(key)
    except BlobNotFound:
        raise NotFound("example_not_found", f"no example {name!r}") from None
