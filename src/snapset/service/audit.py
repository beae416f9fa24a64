"""Audit trail: every state change adds an event in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from snapset.store.models import AuditEvent


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
