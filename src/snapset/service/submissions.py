"""Reading submissions for display: a collector's photos, one visible photo, its context.

The routers shape these rows into responses; the queries and visibility rules live here.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from snapset.service import review
from snapset.service.errors import NotFound
from snapset.store.models import Campaign, Collector, Review, Submission, Task, User

__all__ = [
    "Campaign",
    "Submission",
    "Task",
    "collector_pseudonym",
    "context_of",
    "live_submission",
    "recent_for_collector",
    "reviewed_ids",
    "visible_submission",
]


def recent_for_collector(
    session: Session,
    collector_id: int,
    *,
    limit: int = 50,
    offset: int = 0,
    verdict: str | None = None,
    task_id: int | None = None,
) -> list[tuple[Submission, Campaign, Task]]:
    """A collector's photos that are not erased, newest first, with campaign and task."""
    query = (
        select(Submission, Campaign, Task)
        .join(Campaign, Campaign.id == Submission.campaign_id)
        .join(Task, Task.id == Submission.task_id)
        .where(Submission.collector_id == collector_id, Submission.erased_at.is_(None))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if verdict:
        query = query.where(Submission.verdict == verdict)
    if task_id is not None:
        query = query.where(Submission.task_id == task_id)
    return [(s, c, t) for s, c, t in session.execute(query).all()]


def reviewed_ids(session: Session, submission_ids: Iterable[int]) -> set[int]:
    """Which of these submissions a human has reviewed."""
    ids = list(submission_ids)
    return set(session.scalars(select(Review.submission_id).where(Review.submission_id.in_(ids))))


def live_submission(session: Session, submission_id: int) -> Submission | None:
    """The submission unless it does not exist or was erased."""
    row = session.get(Submission, submission_id)
    return None if row is None or row.erased_at is not None else row


def visible_submission(session: Session, user: User, submission_id: int) -> Submission:
    """Owner (collector) or a reviewer of its campaign; anyone else gets NotFound."""
    if user.role == "collector":
        row = session.get(Submission, submission_id)
        if row is None or row.collector_id != user.id or row.erased_at is not None:
            raise NotFound("submission_not_found", f"no submission with id {submission_id}")
        return row
    return review.reviewable_submission(session, user, submission_id)


def context_of(session: Session, submission: Submission) -> tuple[Campaign | None, Task | None]:
    """The campaign and task a submission belongs to."""
    return (
        session.get(Campaign, submission.campaign_id),
        session.get(Task, submission.task_id),
    )


def collector_pseudonym(session: Session, collector_id: int) -> str | None:
    """The pseudonym reviewers see instead of the collector's name."""
    return session.scalar(select(Collector.pseudonym).where(Collector.user_id == collector_id))
