"""The audit log for admins: every state change, newest first, filtered and paginated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from snapset.api.deps import AdminUser, DbDep
from snapset.service import audit
from snapset.service.audit import AuditEvent

router = APIRouter(tags=["audit"])


def event_view(event: AuditEvent, actor: str | None) -> dict[str, Any]:
    return {
        "id": event.id,
        "actor_id": event.actor_id,
        "actor": actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "created_at": event.created_at.isoformat(),
    }


@router.get("/audit")
def list_audit_events(
    _admin: AdminUser,
    db: DbDep,
    action: str | None = Query(default=None, description="exact, or a prefix ending in '.'"),
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    """`{"total", "limit", "offset", "items": [...]}`; `action=consent.` matches every
    consent action. Times are ISO 8601 (give an offset; naive means UTC)."""
    total, rows = audit.list_events(
        db,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": [event_view(event, username) for event, username in rows],
    }
