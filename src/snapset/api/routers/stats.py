"""Campaign progress as JSON for the dashboards (admins, and reviewers assigned to it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from snapset.api.deps import DbDep, StaffUser
from snapset.service import review, stats
from snapset.service.errors import NotFound

router = APIRouter(tags=["progress"])


@router.get("/campaigns/{campaign_id}/dashboard")
def get_dashboard(campaign_id: int, staff: StaffUser, db: DbDep) -> dict[str, Any]:
    """Targets, accepted, pending, rejected by reason per cell; throughput per hour and
    day; top collectors; diversity inputs (brightness, hour of capture, device, country)."""
    if not review.can_review_campaign(db, staff.user, campaign_id):
        raise NotFound("campaign_not_found", f"no campaign with id {campaign_id}")
    return stats.campaign_dashboard(db, campaign_id)


@router.get("/campaigns/{campaign_id}/stats", include_in_schema=False)
def get_stats(campaign_id: int, staff: StaffUser, db: DbDep) -> dict[str, Any]:
    return get_dashboard(campaign_id, staff, db)
