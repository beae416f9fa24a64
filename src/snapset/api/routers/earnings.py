"""Earnings and quality scores: a collector sees their own, admins see everyone's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from snapset.api.deps import AdminUser, CollectorUser, DbDep
from snapset.service import collectors, ledger, scores
from snapset.service.ledger import LedgerEntry

router = APIRouter(tags=["earnings"])


def earnings_view(db: Session, collector_id: int) -> dict[str, Any]:
    """Net earnings (minor units and major), photo counts and the quality score."""
    balances = ledger.balances(db, collector_id)
    currency = next(iter(balances), ledger.DEFAULT_CURRENCY)
    earned_minor = balances.get(currency, 0)
    pending_minor = ledger.pending_minor(db, collector_id, currency)
    counts = scores.verdict_counts(db, collector_id)
    quality = scores.quality_score(db, collector_id)
    return {
        "collector_id": collector_id,
        "currency": currency,
        "earned_minor": earned_minor,
        "earned": earned_minor / 100,
        "balances_minor": balances,
        "pending_minor": pending_minor,
        "pending": pending_minor / 100,
        "accepted_count": counts.get("accepted", 0),
        "pending_count": counts.get("needs_review", 0),
        "rejected_count": counts.get("rejected", 0),
        "quality_score": quality.score,
        "quality_photos": quality.photos,
    }


def entry_view(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "amount_minor": entry.amount_minor,
        "currency": entry.currency,
        "campaign_id": entry.campaign_id,
        "submission_id": entry.submission_id,
        "note": entry.note,
        "created_at": entry.created_at.isoformat(),
    }


def _collector_or_404(db: Session, collector_id: int) -> None:
    collectors.get_collector(db, collector_id)


@router.get("/me/earnings")
def my_earnings(collector: CollectorUser, db: DbDep) -> dict[str, Any]:
    return earnings_view(db, collector.id)


@router.get("/me/ledger")
def my_ledger(
    collector: CollectorUser,
    db: DbDep,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    return [entry_view(e) for e in ledger.entries_for(db, collector.id, limit, offset)]


@router.get("/me/quality")
def my_quality(collector: CollectorUser, db: DbDep) -> dict[str, Any]:
    return scores.quality_score(db, collector.id).as_dict()


@router.get("/collectors/{collector_id}/earnings")
def collector_earnings(collector_id: int, _admin: AdminUser, db: DbDep) -> dict[str, Any]:
    _collector_or_404(db, collector_id)
    return earnings_view(db, collector_id)


@router.get("/collectors/{collector_id}/ledger")
def collector_ledger(
    collector_id: int,
    _admin: AdminUser,
    db: DbDep,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    _collector_or_404(db, collector_id)
    return [entry_view(e) for e in ledger.entries_for(db, collector_id, limit, offset)]


@router.get("/collectors/{collector_id}/quality")
def collector_quality(collector_id: int, _admin: AdminUser, db: DbDep) -> dict[str, Any]:
    _collector_or_404(db, collector_id)
    return scores.quality_score(db, collector_id).as_dict()
