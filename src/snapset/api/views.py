"""Response bodies shared by several routers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from snapset.service import collectors, scores
from snapset.service.collectors import Collector
from snapset.service.users import User


def collector_view(collector: Collector) -> dict[str, Any]:
    return {
        "id": collector.user_id,
        "pseudonym": collector.pseudonym,
        "status": collector.status,
        "status_reason": collector.status_reason,
        "country": collector.country,
        "languages": list(collector.languages or []),
        "phone_model": collector.phone_model,
    }


def me_view(db: Session, user: User) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "display_name": user.display_name,
        "collector": None,
    }
    if user.role == "collector":
        collector = collectors.find_collector(db, user.id)
        if collector is not None:
            body["collector"] = {
                **collector_view(collector),
                "quality_score": scores.quality_score(db, collector.user_id).score,
            }
    return body
