"""Review queue, decisions, ledger reversals and quality scores, on a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from snapset.service import ledger, review, scores
from snapset.service.errors import Invalid, NotFound
from snapset.store import make_engine, make_session_factory
from snapset.store.models import AuditEvent, LedgerEntry, Task
from tests.platform import seed_rows as rows


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with factory() as s:
        yield s
        s.rollback()
    engine.dispose()


def test_queue_puts_waiting_photos_first_oldest_first_and_only_assigned_campaigns(
    session: Session,
) -> None:
    admin = rows.user(session, "admin")
    reviewer = rows.user(session, "reviewer")
    alice = rows.collector(session)
    mine, (day, _night) = rows.campaign(session)
    other, (other_task, _) = rows.campaign(session, name="Other")
    late_wait = rows.submission(session, day, alice, "needs_review", minutes=30)
    early_wait = rows.submission(session, day, alice, "needs_review", minutes=10)
    auto_ok = rows.submission(session, day, alice, "accepted", minutes=0)
    hidden = rows.submission(session, other_task, alice, "needs_review", minutes=1)

    assert review.review_queue(session, reviewer, review.QueueFilters()) == []
    review.assign_reviewer(session, admin, reviewer.id, mine.id)
    queue = review.review_queue(session, reviewer, review.QueueFilters())
    assert [s.id for s in queue] == [early_wait.id, late_wait.id, auto_ok.id]
    assert hidden.id in [s.id for s in review.review_queue(session, admin, review.QueueFilters())]
    with pytest.raises(NotFound):
        review.review_queue(session, reviewer, review.QueueFilters(campaign_id=other.id))
    with pytest.raises(NotFound):
        review.decide(session, reviewer, hidden.id, "approve")


def test_queue_filters_by_verdict_reason_cell_and_collector(session: Session) -> None:
    admin = rows.user(session, "admin")
    alice, bob = rows.collector(session), rows.collector(session)
    camp, (day, night) = rows.campaign(session)
    blurry = rows.submission(
        session, day, alice, reasons=[{"code": "blurry", "message": "too blurry"}]
    )
    dark = rows.submission(session, night, bob, reasons=[{"code": "dark", "message": "dark"}])
    accepted = rows.submission(session, night, alice, "accepted")

    def ids(**kw: object) -> list[int]:
        filters = review.QueueFilters(campaign_id=camp.id, **kw)  # type: ignore[arg-type]
        return [s.id for s in review.review_queue(session, admin, filters)]

    assert ids(verdict="accepted") == [accepted.id]
    assert ids(reason="blurry") == [blurry.id]
    assert ids(cell={"lighting": "night"}) == [dark.id, accepted.id]
    assert ids(collector=str(bob.id)) == [dark.id]
    pseudonym = session.get(rows.Collector, alice.id).pseudonym  # type: ignore[union-attr]
    assert ids(collector=pseudonym) == [blurry.id, accepted.id]
    with pytest.raises(Invalid):
        ids(verdict="maybe")
    assert review.parse_cell("lighting=night, angle=front") == {
        "lighting": "night",
        "angle": "front",
    }
    with pytest.raises(Invalid):
        review.parse_cell("lighting")


def test_approving_credits_the_ledger_and_moves_the_cell_counters(session: Session) -> None:
    admin = rows.user(session, "admin")
    alice = rows.collector(session)
    _camp, (day, _) = rows.campaign(session, target=1)
    photo = rows.submission(session, day, alice, "needs_review")

    result = review.decide(session, admin, photo.id, "approve", note="fine")
    session.refresh(day)
    assert (photo.verdict, result.is_override) == ("accepted", False)
    assert (day.accepted_count, day.pending_count, day.state) == (1, 0, "full")
    assert ledger.balances(session, alice.id) == {"USD": 25}
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.review"))
    (event,) = list(events)
    assert event.before == {"verdict": "needs_review"}
    assert event.after is not None and event.after["verdict"] == "accepted"


def test_overriding_an_accepted_photo_appends_a_reversal_never_edits(session: Session) -> None:
    admin = rows.user(session, "admin")
    alice = rows.collector(session)
    camp, (day, _) = rows.campaign(session, target=1)
    photo = rows.submission(session, day, alice, "accepted")
    earning = ledger.record_earning(session, photo, camp)
    assert earning is not None and earning.amount_minor == 25
    day.state = "full"
    session.flush()

    with pytest.raises(Invalid):
        review.decide(session, admin, photo.id, "reject")  # a rejection needs a reason
    result = review.decide(session, admin, photo.id, "reject", reason_code="wrong_subject")
    assert result.is_override and photo.verdict == "rejected"
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.submission_id == photo.id).order_by(LedgerEntry.id)
    ).all()
    assert [(e.kind, e.amount_minor) for e in entries] == [("earning", 25), ("reversal", -25)]
    session.refresh(day)
    assert (day.accepted_count, day.state) == (0, "open")  # the cell takes photos again

    review.decide(session, admin, photo.id, "approve")  # and back: a new earning entry
    assert ledger.net_paid_minor(session, photo.id) == 25
    assert len(ledger.entries_for(session, alice.id)) == 3
    payments = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "ledger_entry")
        .order_by(AuditEvent.id)
    ).all()
    assert payments == ["ledger.earning", "ledger.reversal", "ledger.earning"]


def test_bulk_action_reports_each_photo_and_skips_what_the_reviewer_cannot_see(
    session: Session,
) -> None:
    admin = rows.user(session, "admin")
    reviewer = rows.user(session, "reviewer")
    alice = rows.collector(session)
    camp, (day, _) = rows.campaign(session)
    _other, (other_task, _) = rows.campaign(session, name="Other")
    review.assign_reviewer(session, admin, reviewer.id, camp.id)
    photos = [rows.submission(session, day, alice) for _ in range(3)]
    foreign = rows.submission(session, other_task, alice)

    result = review.bulk_decide(
        session, reviewer, [p.id for p in photos] + [foreign.id, 999999], "reject", "blurry"
    )
    assert result.done == [p.id for p in photos]
    assert [f["submission_id"] for f in result.failed] == [foreign.id, 999999]
    assert {f["code"] for f in result.failed} == {"submission_not_found"}
    assert session.get(Task, day.id).pending_count == 0  # type: ignore[union-attr]


def test_quality_score_weights_recent_photos_more() -> None:
    assert scores.weighted_acceptance([]) is None
    assert scores.weighted_acceptance(["accepted"] * 5) == 1.0
    improving = ["accepted"] * 20 + ["rejected"] * 20  # newest first
    worsening = ["rejected"] * 20 + ["accepted"] * 20
    better, worse = scores.weighted_acceptance(improving), scores.weighted_acceptance(worsening)
    assert better is not None and worse is not None
    assert better > 0.5 > worse


def test_quality_score_counts_only_decided_photos(session: Session) -> None:
    alice = rows.collector(session)
    _camp, (day, _) = rows.campaign(session)
    assert scores.quality_score(session, alice.id).score is None
    for minute, verdict in enumerate(["accepted", "accepted", "rejected", "needs_review"]):
        rows.submission(session, day, alice, verdict, minutes=minute)
    result = scores.quality_score(session, alice.id)
    assert result.photos == 3
    assert result.score is not None and 0.6 < result.score < 0.7
