"""The append-only earnings ledger: every accepted photo earns, a reversal undoes it.

Entries are never edited or deleted. A photo's net pay is the sum of its entries, so
a photo accepted, then rejected on review, then accepted again has three entries
(+pay, -pay, +pay) and a net of one payment. `sequence` numbers entries of the same
kind for one photo, keeping each entry unique in the table. Every entry is also an audit
event (`ledger.earning`, `ledger.reversal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snapset.service import audit
from snapset.store.models import Campaign, LedgerEntry, Submission

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class Pay:
    """Pay per accepted photo in minor units (cents)."""

    amount_minor: int
    currency: str


def campaign_pay(campaign: Campaign) -> Pay:
    """The campaign spec's pay per accepted photo (`pay: {amount, currency}`)."""
    pay: Any = (campaign.spec or {}).get("pay") or {}
    if isinstance(pay, int | float):
        return Pay(round(float(pay) * 100), DEFAULT_CURRENCY)
    if "amount_minor" in pay:
        amount = int(pay["amount_minor"])
    else:
        amount = round(float(pay.get("amount", pay.get("per_accepted_photo", 0)) or 0) * 100)
    return Pay(amount, str(pay.get("currency") or DEFAULT_CURRENCY).upper()[:3])


def _audit_entry(session: Session, entry: LedgerEntry) -> None:
    audit.record(
        session,
        actor_id=entry.created_by,
        action=f"ledger.{entry.kind}",
        entity_type="ledger_entry",
        entity_id=entry.id,
        after={
            "collector_id": entry.collector_id,
            "submission_id": entry.submission_id,
            "amount_minor": entry.amount_minor,
            "currency": entry.currency,
        },
    )


def net_paid_minor(session: Session, submission_id: int) -> int:
    """What a photo has earned so far, net of reversals."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.submission_id == submission_id
        )
    )
    return int(total or 0)


def _next_sequence(session: Session, submission_id: int, kind: str) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.submission_id == submission_id, LedgerEntry.kind == kind)
    )
    return int(count or 0)


def record_earning(
    session: Session, submission: Submission, campaign: Campaign, actor_id: int | None = None
) -> LedgerEntry | None:
    """Credit an accepted photo once; returns None if it is already paid (net > 0)."""
    if net_paid_minor(session, submission.id) > 0:
        return None
    pay = campaign_pay(campaign)
    entry = LedgerEntry(
        collector_id=submission.collector_id,
        campaign_id=submission.campaign_id,
        submission_id=submission.id,
        kind="earning",
        sequence=_next_sequence(session, submission.id, "earning"),
        amount_minor=pay.amount_minor,
        currency=pay.currency,
        note=f"accepted photo {submission.id}",
        created_by=actor_id,
    )
    session.add(entry)
    session.flush()
    _audit_entry(session, entry)
    return entry


def reverse_earning(
    session: Session, submission: Submission, note: str, actor_id: int | None = None
) -> LedgerEntry | None:
    """Undo a photo's net earning with a negative entry; None if nothing is paid."""
    net = net_paid_minor(session, submission.id)
    if net <= 0:
        return None
    currency = session.scalar(
        select(LedgerEntry.currency)
        .where(LedgerEntry.submission_id == submission.id)
        .order_by(LedgerEntry.id.desc())
        .limit(1)
    )
    entry = LedgerEntry(
        collector_id=submission.collector_id,
        campaign_id=submission.campaign_id,
        submission_id=submission.id,
        kind="reversal",
        sequence=_next_sequence(session, submission.id, "reversal"),
        amount_minor=-net,
        currency=currency or DEFAULT_CURRENCY,
        note=note,
        created_by=actor_id,
    )
    session.add(entry)
    session.flush()
    _audit_entry(session, entry)
    return entry


def balances(session: Session, collector_id: int) -> dict[str, int]:
    """Net earnings per currency, in minor units."""
    rows = session.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.collector_id == collector_id)
        .group_by(LedgerEntry.currency)
    ).all()
    return {currency: int(total or 0) for currency, total in rows}


def pending_minor(session: Session, collector_id: int, currency: str) -> int:
    """What the collector's photos waiting for review would earn, in `currency`, if accepted."""
    rows = session.execute(
        select(Submission.campaign_id, func.count())
        .where(
            Submission.collector_id == collector_id,
            Submission.verdict == "needs_review",
            Submission.erased_at.is_(None),
        )
        .group_by(Submission.campaign_id)
    ).all()
    total = 0
    for campaign_id, count in rows:
        campaign = session.get(Campaign, campaign_id)
        if campaign is not None:
            pay = campaign_pay(campaign)
            if pay.currency == currency:
                total += pay.amount_minor * int(count)
    return total


def entries_for(
    session: Session, collector_id: int, limit: int = 100, offset: int = 0
) -> list[LedgerEntry]:
    """A collector's ledger, newest first."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.collector_id == collector_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
