"""The audit log for admins: every state change, newest first, filtered and paginated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from snapset.api.deps import AdminUser, DbDep
from snapset.store.models import AuditEvent, User

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
    query = select(AuditEvent)
    if action:
        if action.endswith("."):
            query = query.where(AuditEvent.action.startswith(action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == action)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= _aware(since))
    if until is not None:
        query = query.where(AuditEvent.created_at < _aware(until))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.execute(
        query.add_columns(User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "total": int(total or 0),
        "limit": limit,
        "offset": offset,
        "items": [event_view(event, username) for event, username in rows],
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
