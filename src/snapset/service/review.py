"""Human review: assigned reviewers work a queue and approve or reject photos.

The queue holds the photos of the campaigns a reviewer is assigned to (admins see all):
photos waiting for review first, oldest first, then the automatically decided ones, so
a reviewer can also override an automatic verdict. A decision moves the task's counters,
credits or reverses pay in the append-only ledger, and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import String, case, cast, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from snapset.service import audit, ledger
from snapset.service.errors import Forbidden, Invalid, NotFound
from snapset.store.models import (
    Campaign,
    Collector,
    Review,
    ReviewerAssignment,
    Submission,
    Task,
    User,
)
from snapset.store.types import utcnow

Decision = Literal["approve", "reject"]
VERDICTS = ("accepted", "needs_review", "rejected")
STAFF_ROLES = ("admin",)
DECIDING_ROLES = ("admin", "reviewer")  # annotators see assigned photos but do not judge
MAX_BULK = 500


# --- who may review what ------------------------------------------------------------------


def reviewable_campaign_ids(session: Session, user: User) -> list[int] | None:
    """Campaign ids the user may review; None means all (admins)."""
    if user.role in STAFF_ROLES:
        return None
    if user.role not in ("reviewer", "annotator"):
        return []
    return list(
        session.scalars(
            select(ReviewerAssignment.campaign_id).where(ReviewerAssignment.user_id == user.id)
        )
    )


def can_review_campaign(session: Session, user: User, campaign_id: int) -> bool:
    allowed = reviewable_campaign_ids(session, user)
    return allowed is None or campaign_id in allowed


def assign_reviewer(session: Session, admin: User, user_id: int, campaign_id: int) -> None:
    """Let a reviewer (or annotator) work on a campaign; idempotent, audit-logged."""
    reviewer = session.get(User, user_id)
    if reviewer is None or reviewer.role not in ("reviewer", "annotator"):
        raise NotFound("reviewer_not_found", f"no reviewer or annotator with id {user_id}")
    if session.get(Campaign, campaign_id) is None:
        raise NotFound("campaign_not_found", f"no campaign with id {campaign_id}")
    if session.get(ReviewerAssignment, (user_id, campaign_id)) is not None:
        return
    session.add(ReviewerAssignment(user_id=user_id, campaign_id=campaign_id, assigned_by=admin.id))
    _audit(
        session, admin.id, "reviewer.assign", "campaign", campaign_id, None, {"user_id": user_id}
    )


def unassign_reviewer(session: Session, admin: User, user_id: int, campaign_id: int) -> None:
    row = session.get(ReviewerAssignment, (user_id, campaign_id))
    if row is None:
        raise NotFound("assignment_not_found", "this reviewer is not assigned to this campaign")
    session.delete(row)
    _audit(
        session, admin.id, "reviewer.unassign", "campaign", campaign_id, {"user_id": user_id}, None
    )


def assignments(session: Session, campaign_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ReviewerAssignment.user_id).where(ReviewerAssignment.campaign_id == campaign_id)
        )
    )


# --- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """Narrow the queue: campaign, current verdict, reason code, quota cell, collector."""

    campaign_id: int | None = None
    verdict: str | None = None
    reason: str | None = None
    cell: dict[str, str] | None = None
    task_id: int | None = None
    collector: str | None = None  # pseudonym or numeric user id


def parse_cell(text: str | None) -> dict[str, str] | None:
    """`"lighting=night,angle=front"` -> {"lighting": "night", "angle": "front"}."""
    if not text:
        return None
    cell: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise Invalid("invalid_cell", f"cell filter {text!r}: use dim=value,dim=value")
        cell[key.strip()] = value.strip()
    return cell


def _cell_task_ids(
    session: Session, campaign_ids: list[int] | None, cell: dict[str, str]
) -> list[int]:
    query = select(Task.id, Task.cell)
    if campaign_ids is not None:
        query = query.where(Task.campaign_id.in_(campaign_ids))
    return [
        task_id
        for task_id, task_cell in session.execute(query)
        if all(str((task_cell or {}).get(k)) == v for k, v in cell.items())
    ]


def queue_query(session: Session, user: User, filters: QueueFilters) -> Select[tuple[Submission]]:
    """The reviewer's queue as a query: waiting photos first, oldest first."""
    if filters.verdict is not None and filters.verdict not in VERDICTS:
        raise Invalid("invalid_verdict", f"verdict must be one of {', '.join(VERDICTS)}")
    allowed = reviewable_campaign_ids(session, user)
    query = select(Submission).where(Submission.erased_at.is_(None))
    if filters.campaign_id is not None:
        if allowed is not None and filters.campaign_id not in allowed:
            raise NotFound("campaign_not_found", f"no campaign with id {filters.campaign_id}")
        query = query.where(Submission.campaign_id == filters.campaign_id)
    elif allowed is not None:
        query = query.where(Submission.campaign_id.in_(allowed))
    if filters.verdict:
        query = query.where(Submission.verdict == filters.verdict)
    if filters.reason:
        query = query.where(cast(Submission.reasons, String).like(f'%"{filters.reason}"%'))
    if filters.task_id is not None:
        query = query.where(Submission.task_id == filters.task_id)
    if filters.cell:
        scope = [filters.campaign_id] if filters.campaign_id is not None else allowed
        query = query.where(Submission.task_id.in_(_cell_task_ids(session, scope, filters.cell)))
    if filters.collector:
        if filters.collector.isdigit():
            query = query.where(Submission.collector_id == int(filters.collector))
        else:
            query = query.join(Collector, Collector.user_id == Submission.collector_id).where(
                Collector.pseudonym == filters.collector
            )
    waiting_first = case((Submission.verdict == "needs_review", 0), else_=1)
    return query.order_by(waiting_first, Submission.created_at, Submission.id)


def review_queue(
    session: Session, user: User, filters: QueueFilters, limit: int = 50, offset: int = 0
) -> list[Submission]:
    return list(session.scalars(queue_query(session, user, filters).limit(limit).offset(offset)))


def reviewable_submission(session: Session, user: User, submission_id: int) -> Submission:
    """The photo if the user may review it; otherwise NotFound (never reveal it exists)."""
    submission = session.get(Submission, submission_id)
    if (
        submission is None
        or submission.erased_at is not None
        or not can_review_campaign(session, user, submission.campaign_id)
    ):
        raise NotFound("submission_not_found", f"no submission with id {submission_id}")
    return submission


# --- decisions ----------------------------------------------------------------------------


def _count_changes(previous: str, new: str) -> tuple[int, int]:
    """(accepted delta, pending delta) for a task when a photo's verdict changes."""
    accepted = (new == "accepted") - (previous == "accepted")
    pending = (new == "needs_review") - (previous == "needs_review")
    return accepted, pending


def apply_verdict_change(session: Session, submission: Submission, previous: str, new: str) -> None:
    """Move the task's counters and reopen or fill its cell to match a verdict change."""
    accepted, pending = _count_changes(previous, new)
    if accepted == 0 and pending == 0:
        return
    session.execute(
        update(Task)
        .where(Task.id == submission.task_id)
        .values(
            accepted_count=Task.accepted_count + accepted,
            pending_count=Task.pending_count + pending,
        )
    )
    session.execute(
        update(Task)
        .where(
            Task.id == submission.task_id, Task.state == "open", Task.accepted_count >= Task.target
        )
        .values(state="full")
    )
    session.execute(
        update(Task)
        .where(
            Task.id == submission.task_id, Task.state == "full", Task.accepted_count < Task.target
        )
        .values(state="open")
    )


def decide(
    session: Session,
    reviewer: User,
    submission_id: int,
    decision: Decision,
    reason_code: str | None = None,
    note: str | None = None,
) -> Review:
    """Approve or reject one photo; overriding an automatic verdict is allowed."""
    if reviewer.role not in DECIDING_ROLES:
        raise Forbidden("forbidden", "only admins and reviewers approve or reject photos")
    if decision not in ("approve", "reject"):
        raise Invalid("invalid_decision", "decision must be 'approve' or 'reject'")
    if decision == "reject" and not reason_code:
        raise Invalid("reason_required", "a rejection needs a reason_code")
    submission = reviewable_submission(session, reviewer, submission_id)
    previous = submission.verdict
    new = "accepted" if decision == "approve" else "rejected"
    now = utcnow()
    review = Review(
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        decision=decision,
        reason_code=reason_code,
        note=note,
        previous_verdict=previous,
        new_verdict=new,
        is_override=previous != "needs_review" and previous != new,
        created_at=now,
    )
    session.add(review)
    if previous != new:
        apply_verdict_change(session, submission, previous, new)
        submission.verdict = new
        submission.decided_at = now
    campaign = session.get(Campaign, submission.campaign_id)
    if new == "accepted" and campaign is not None:
        ledger.record_earning(session, submission, campaign, actor_id=reviewer.id)
    elif new == "rejected":
        ledger.reverse_earning(
            session, submission, note=f"rejected on review: {reason_code}", actor_id=reviewer.id
        )
    _audit(
        session,
        reviewer.id,
        "submission.review",
        "submission",
        submission.id,
        {"verdict": previous},
        {
            "verdict": new,
            "decision": decision,
            "reason_code": reason_code,
            "note": note,
            "override": review.is_override,
        },
    )
    session.flush()
    return review


@dataclass(frozen=True)
class BulkResult:
    done: list[int]
    failed: list[dict[str, object]]


def bulk_decide(
    session: Session,
    reviewer: User,
    submission_ids: Sequence[int],
    decision: Decision,
    reason_code: str | None = None,
    note: str | None = None,
) -> BulkResult:
    """Apply one decision to many photos; each photo succeeds or fails on its own."""
    if reviewer.role not in DECIDING_ROLES:
        raise Forbidden("forbidden", "only admins and reviewers approve or reject photos")
    if len(submission_ids) > MAX_BULK:
        raise Invalid("too_many", f"at most {MAX_BULK} photos per bulk action")
    done: list[int] = []
    failed: list[dict[str, object]] = []
    for submission_id in dict.fromkeys(submission_ids):
        try:
            with session.begin_nested():
                decide(session, reviewer, submission_id, decision, reason_code, note)
            done.append(submission_id)
        except (NotFound, Invalid) as exc:
            failed.append(
                {"submission_id": submission_id, "code": exc.code, "message": exc.message}
            )
    return BulkResult(done, failed)


def reviews_of(session: Session, submission_id: int) -> list[Review]:
    return list(
        session.scalars(
            select(Review).where(Review.submission_id == submission_id).order_by(Review.id)
        )
    )


def _audit(
    session: Session,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | str | None,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    audit.record(
        session,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
