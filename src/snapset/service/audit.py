"""Audit trail: every state change adds an event in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snapset.store.models import AuditEvent, User

__all__ = ["AuditEvent", "list_events", "record"]


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event (committed with the caller's transaction)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.add(event)
    return event


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {}
    for key, item in value.items():
        if hasattr(item, "isoformat"):
            out[key] = item.isoformat()
        elif isinstance(item, dict):
            out[key] = _jsonable(item)
        else:
            out[key] = item
    return out


def list_events(
    session: Session,
    *,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[tuple[AuditEvent, str | None]]]:
    """Matching events newest first, with the actor's username, and the total count.

    `action` is exact, or a prefix when it ends in '.'; naive times mean UTC."""
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
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(
        query.add_columns(User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total or 0), [(event, username) for event, username in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
