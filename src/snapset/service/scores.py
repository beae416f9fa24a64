"""Collector quality score: acceptance rate over recent photos, recent ones weighing more.

Only decided photos count (accepted or rejected; photos waiting for review and erased
photos do not). The newest photo has weight 1 and weights halve every `HALF_LIFE`
photos back, over at most `WINDOW` photos, so a collector who improves sees the score
follow within a few dozen photos, while one lucky photo cannot swing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snapset.store.models import Submission

WINDOW = 200
HALF_LIFE = 50
DECIDED = ("accepted", "rejected")


@dataclass(frozen=True)
class QualityScore:
    """`score` in 0..1 (None before any decided photo) and how many photos it is built on."""

    score: float | None
    photos: int

    def as_dict(self) -> dict[str, float | int | None]:
        rounded = None if self.score is None else round(self.score, 4)
        return {"score": rounded, "photos": self.photos}


def weighted_acceptance(
    verdicts_newest_first: Sequence[str], half_life: int = HALF_LIFE
) -> float | None:
    """Recency-weighted share of 'accepted' among decided verdicts (newest first)."""
    weight_sum = 0.0
    accepted_sum = 0.0
    for rank, verdict in enumerate(verdicts_newest_first):
        weight = 0.5 ** (rank / half_life)
        weight_sum += weight
        if verdict == "accepted":
            accepted_sum += weight
    return None if weight_sum == 0 else accepted_sum / weight_sum


def quality_score(session: Session, collector_id: int) -> QualityScore:
    """The collector's current quality score from their last `WINDOW` decided photos."""
    verdicts = list(
        session.scalars(
            select(Submission.verdict)
            .where(
                Submission.collector_id == collector_id,
                Submission.verdict.in_(DECIDED),
                Submission.erased_at.is_(None),
            )
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(WINDOW)
        )
    )
    return QualityScore(weighted_acceptance(verdicts), len(verdicts))


def verdict_counts(session: Session, collector_id: int) -> dict[str, int]:
    """How many of the collector's photos carry each verdict (erased ones included)."""
    rows = session.execute(
        select(Submission.verdict, func.count())
        .where(Submission.collector_id == collector_id)
        .group_by(Submission.verdict)
    ).all()
    return {verdict: int(n) for verdict, n in rows}
