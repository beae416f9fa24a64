"""Tasks (quota cells) for collectors: which ones a collector may see, claims with an
expiring lease and a per-collector limit, release, and the cell-full rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from snapset.service import audit
from snapset.service.campaigns import spec_of
from snapset.service.errors import Conflict, Forbidden, NotFound
from snapset.service.specs import CampaignSpec
from snapset.store.models import Campaign, Claim, Collector, Task
from snapset.store.types import utcnow


@dataclass(frozen=True)
class ClaimPolicy:
    lease_seconds: int = 2 * 3600
    max_active: int = 3


def collector_may_work_on(collector: Collector, task: Task, spec: CampaignSpec) -> bool:
    """Country match: the cell's country if the quota has one, else the geofence's list."""
    if task.country is not None:
        return task.country == collector.country
    fence = spec.constraints.geofence
    if fence and fence.countries:
        return collector.country in fence.countries
    return True


def require_verified(session: Session, user_id: int) -> Collector:
    collector = session.get(Collector, user_id)
    if collector is None:
        raise Forbidden("collector_profile_missing", "register as a collector first")
    if collector.status != "verified":
        raise Forbidden(
            "collector_not_verified",
            f"your account is {collector.status}; only verified collectors can take tasks",
        )
    return collector


def expire_claims(session: Session) -> None:
    """Mark leases past their expiry (lazy: done whenever claims are read)."""
    session.execute(
        update(Claim)
        .where(Claim.status == "active", Claim.expires_at <= utcnow())
        .values(status="expired")
    )


def open_tasks_for(session: Session, collector: Collector) -> list[tuple[Task, Campaign]]:
    """Open tasks of active campaigns that this collector's country may work on."""
    rows = session.execute(
        select(Task, Campaign)
        .join(Campaign, Campaign.id == Task.campaign_id)
        .where(Campaign.state == "active", Task.state == "open")
        .where((Task.country.is_(None)) | (Task.country == collector.country))
        .order_by(Campaign.id, Task.id)
    ).all()
    specs: dict[int, CampaignSpec] = {}
    out = []
    for task, campaign in rows:
        spec = specs.setdefault(campaign.id, spec_of(campaign))
        if collector_may_work_on(collector, task, spec):
            out.append((task, campaign))
    return out


def get_task(session: Session, task_id: int) -> Task:
    """Any task by id (no visibility rule: callers check access); NotFound if missing."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("task_not_found", f"no task with id {task_id}")
    return task


def visible_task(session: Session, collector: Collector, task_id: int) -> tuple[Task, Campaign]:
    """A task this collector may see (404 otherwise, so ids of other countries don't leak)."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("task_not_found", f"no task {task_id}")
    campaign = session.get(Campaign, task.campaign_id)
    assert campaign is not None
    if campaign.state == "draft" or not collector_may_work_on(collector, task, spec_of(campaign)):
        raise NotFound("task_not_found", f"no task {task_id}")
    return task, campaign


def active_claims(session: Session, collector_id: int) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim).where(
                Claim.collector_id == collector_id,
                Claim.status == "active",
                Claim.expires_at > utcnow(),
            )
        )
    )


def my_claim(session: Session, collector_id: int, task_id: int) -> Claim | None:
    return session.scalar(
        select(Claim)
        .where(
            Claim.collector_id == collector_id,
            Claim.task_id == task_id,
            Claim.status == "active",
            Claim.expires_at > utcnow(),
        )
        .order_by(Claim.id.desc())
        .limit(1)
    )


def claim_task(session: Session, collector: Collector, task_id: int, policy: ClaimPolicy) -> Claim:
    """Take (or renew) a lease on a task; at most `max_active` leases at once."""
    expire_claims(session)
    task, campaign = visible_task(session, collector, task_id)
    if campaign.state != "active":
        raise Conflict("campaign_not_active", f"campaign {campaign.id} is {campaign.state}")
    if task.state != "open":
        raise Conflict("cell_full", "this quota cell is full; pick another task")
    expires = utcnow() + timedelta(seconds=policy.lease_seconds)
    existing = my_claim(session, collector.user_id, task.id)
    if existing is not None:
        existing.expires_at = expires
        return existing
    if len(active_claims(session, collector.user_id)) >= policy.max_active:
        raise Conflict(
            "claim_limit_reached",
            f"you already hold {policy.max_active} tasks; finish or release one first",
        )
    claim = Claim(task_id=task.id, collector_id=collector.user_id, expires_at=expires)
    session.add(claim)
    session.flush()
    audit.record(
        session,
        actor_id=collector.user_id,
        action="task.claim",
        entity_type="claim",
        entity_id=claim.id,
        after={"task_id": task.id, "expires_at": expires},
    )
    return claim


def release_task(session: Session, collector: Collector, task_id: int) -> Claim:
    expire_claims(session)
    visible_task(session, collector, task_id)
    claim = my_claim(session, collector.user_id, task_id)
    if claim is None:
        raise NotFound("claim_not_found", f"you hold no claim on task {task_id}")
    claim.status = "released"
    claim.released_at = utcnow()
    audit.record(
        session,
        actor_id=collector.user_id,
        action="task.release",
        entity_type="claim",
        entity_id=claim.id,
        before={"status": "active"},
        after={"status": "released"},
    )
    return claim


def claim_for_upload(session: Session, collector_id: int, task: Task) -> Claim:
    """The collector's live lease on the task, or a clear error (expired / none)."""
    claim = my_claim(session, collector_id, task.id)
    if claim is not None:
        return claim
    latest = session.scalar(
        select(Claim)
        .where(Claim.collector_id == collector_id, Claim.task_id == task.id)
        .order_by(Claim.id.desc())
        .limit(1)
    )
    if latest is not None and (latest.status == "expired" or latest.expires_at <= utcnow()):
        raise Conflict("claim_expired", "your claim on this task expired; claim it again")
    raise Conflict("task_not_claimed", "claim this task before uploading to it")
