"""Tasks for collectors: list the open ones they may take, read one, claim, release."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from snapset.api.deps import CollectorUser, DbDep, PlatformDep
from snapset.service import geo, tasks
from snapset.service.campaigns import spec_of
from snapset.service.specs import CampaignSpec
from snapset.service.tasks import Campaign, Claim, Task

router = APIRouter(tags=["tasks"])


def _title(campaign: Campaign, task: Task) -> str:
    cell = ", ".join(f"{k}: {v}" for k, v in task.cell.items())
    return f"{campaign.name} ({cell})" if cell else campaign.name


def _distance(spec: CampaignSpec, lat: float | None, lon: float | None) -> float | None:
    fence = spec.constraints.geofence
    if lat is None or lon is None or fence is None or not fence.polygons:
        return None
    best = None
    for polygon in fence.polygons:
        if geo.point_in_polygon(lat, lon, polygon.points):
            return 0.0
        c_lat, c_lon = geo.centroid(polygon.points)
        d = geo.haversine_km(lat, lon, c_lat, c_lon)
        best = d if best is None else min(best, d)
    return None if best is None else round(best, 1)


def task_view(
    task: Task,
    campaign: Campaign,
    claim: Claim | None,
    *,
    lat: float | None = None,
    lon: float | None = None,
    detail: bool = False,
) -> dict[str, Any]:
    spec = spec_of(campaign)
    body: dict[str, Any] = {
        "id": task.id,
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "campaign_state": campaign.state,
        "title": _title(campaign, task),
        "cell": task.cell,
        "state": task.state,
        "target": task.target,
        "accepted": task.accepted_count,
        "remaining": max(0, task.target - task.accepted_count),
        "pay": {"amount": str(spec.pay.amount), "currency": spec.pay.currency},
        "distance_km": _distance(spec, lat, lon),
        "claimed_by_me": claim is not None,
        "claim": None
        if claim is None
        else {"id": claim.id, "claimed_at": claim.claimed_at, "expires_at": claim.expires_at},
        "consent_required": spec.consent.required,
        "task_type": spec.task_type,
        "category": spec.category,
    }
    if detail:
        c = spec.constraints
        body.update(
            {
                "instructions": spec.instructions,
                "description": spec.description,
                "examples": [e.model_dump() for e in spec.examples],
                "consent_text": spec.consent.text if spec.consent.required else None,
                "consent_scope": spec.consent.scope if spec.consent.required else None,
                "constraints": {
                    "min_width": c.min_width,
                    "min_height": c.min_height,
                    "formats": list(c.formats),
                    "aspect_ratio": c.aspect_ratio.model_dump() if c.aspect_ratio else None,
                    "max_file_bytes": spec.max_file_bytes,
                    "max_capture_age_days": c.max_capture_age_days,
                    "require_capture_time": c.require_capture_time,
                    "require_location": c.require_location,
                    "geofence": c.geofence.model_dump() if c.geofence else None,
                },
            }
        )
    return body


def _claims_by_task(db: Session, collector_id: int) -> dict[int, Claim]:
    return {c.task_id: c for c in tasks.active_claims(db, collector_id)}


@router.get("/tasks")
def list_tasks(
    principal: CollectorUser,
    db: DbDep,
    lat: float | None = Query(default=None, ge=-90, le=90),
    lon: float | None = Query(default=None, ge=-180, le=180),
    claimed: bool | None = Query(default=None, description="only tasks I hold (or don't)"),
) -> list[dict[str, Any]]:
    """Open tasks of active campaigns in the collector's country (plus ones they hold)."""
    collector = tasks.require_verified(db, principal.id)
    mine = _claims_by_task(db, principal.id)  # live leases only (expiry checked by time)
    rows = tasks.open_tasks_for(db, collector)
    seen = {t.id for t, _ in rows}
    for task_id in mine:
        if task_id not in seen:
            task, campaign = tasks.visible_task(db, collector, task_id)
            rows.append((task, campaign))
    out = [task_view(t, c, mine.get(t.id), lat=lat, lon=lon) for t, c in rows]
    if claimed is not None:
        out = [t for t in out if t["claimed_by_me"] == claimed]
    out.sort(key=lambda t: (not t["claimed_by_me"], t["distance_km"] or 0.0, t["id"]))
    return out


@router.get("/tasks/{task_id}")
def get_task(
    task_id: int,
    principal: CollectorUser,
    db: DbDep,
    lat: float | None = Query(default=None, ge=-90, le=90),
    lon: float | None = Query(default=None, ge=-180, le=180),
) -> dict[str, Any]:
    collector = tasks.require_verified(db, principal.id)
    task, campaign = tasks.visible_task(db, collector, task_id)
    claim = tasks.my_claim(db, principal.id, task.id)
    return task_view(task, campaign, claim, lat=lat, lon=lon, detail=True)


@router.post("/tasks/{task_id}/claim")
def claim_task(
    task_id: int, principal: CollectorUser, db: DbDep, platform: PlatformDep
) -> dict[str, Any]:
    """Take a lease on the task (or renew yours); expires after the server's lease time."""
    collector = tasks.require_verified(db, principal.id)
    policy = tasks.ClaimPolicy(
        platform.settings.claim_lease_seconds, platform.settings.max_active_claims
    )
    claim = tasks.claim_task(db, collector, task_id, policy)
    db.commit()
    task, campaign = tasks.visible_task(db, collector, task_id)
    return task_view(task, campaign, claim, detail=True)


@router.post("/tasks/{task_id}/release")
def release_task(task_id: int, principal: CollectorUser, db: DbDep) -> dict[str, Any]:
    collector = tasks.require_verified(db, principal.id)
    tasks.release_task(db, collector, task_id)
    db.commit()
    task, campaign = tasks.visible_task(db, collector, task_id)
    return task_view(task, campaign, None, detail=True)
