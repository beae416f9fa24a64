"""Campaign progress for dashboards: per cell, per reason, per collector, over time.

One pass over the campaign's photos (streamed in batches, so memory does not grow with
the campaign) builds every panel: quota cells with target/accepted/pending/rejected and
rejections by reason, verdict totals, throughput per hour and per day, the top
collectors, and the diversity inputs (brightness, hour of capture, device, country).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snapset.service import scores
from snapset.service.errors import NotFound
from snapset.store.models import Campaign, Collector, Submission, Task

BRIGHTNESS_BINS = 10
TOP_COLLECTORS = 10


def _reason_codes(reasons: list[Any] | None) -> list[str]:
    codes = []
    for reason in reasons or []:
        code = reason.get("code") if isinstance(reason, dict) else reason
        if code:
            codes.append(str(code))
    return codes


def _brightness_bin(value: Any) -> int | None:
    try:
        brightness = float(value)
    except (TypeError, ValueError):
        return None
    return min(BRIGHTNESS_BINS - 1, max(0, int(brightness * BRIGHTNESS_BINS)))


def _hour_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:00:00Z")


def campaign_dashboard(session: Session, campaign_id: int) -> dict[str, Any]:
    """Every dashboard panel of one campaign as JSON-ready data."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign_not_found", f"no campaign with id {campaign_id}")
    tasks = list(session.scalars(select(Task).where(Task.campaign_id == campaign_id)))
    cells: dict[int, dict[str, Any]] = {
        t.id: {
            "task_id": t.id,
            "cell": dict(t.cell or {}),
            "target": t.target,
            "state": t.state,
            "accepted": 0,
            "needs_review": 0,
            "rejected": 0,
            "rejected_by_reason": Counter(),
        }
        for t in tasks
    }
    verdicts: Counter[str] = Counter()
    rejected_reasons: Counter[str] = Counter()
    all_reasons: Counter[str] = Counter()
    per_hour: dict[str, Counter[str]] = defaultdict(Counter)
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    brightness = [0] * BRIGHTNESS_BINS
    hour_of_day = [0] * 24
    devices: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    by_collector: dict[int, Counter[str]] = defaultdict(Counter)

    query = (
        select(
            Submission.task_id,
            Submission.collector_id,
            Submission.verdict,
            Submission.reasons,
            Submission.scores,
            Submission.created_at,
            Submission.captured_at,
            Submission.camera_make,
            Submission.camera_model,
            Collector.country,
        )
        .outerjoin(Collector, Collector.user_id == Submission.collector_id)
        .where(Submission.campaign_id == campaign_id, Submission.erased_at.is_(None))
        .execution_options(yield_per=2000)
    )
    for row in session.execute(query):
        verdict = row.verdict
        verdicts[verdict] += 1
        by_collector[row.collector_id][verdict] += 1
        codes = _reason_codes(row.reasons)
        all_reasons.update(codes)
        cell = cells.get(row.task_id)
        if cell is not None and verdict in ("accepted", "needs_review", "rejected"):
            cell[verdict] += 1
        if verdict == "rejected":
            rejected_reasons.update(codes)
            if cell is not None:
                cell["rejected_by_reason"].update(codes)
        per_hour[_hour_key(row.created_at)][verdict] += 1
        per_day[row.created_at.date().isoformat()][verdict] += 1
        if verdict != "accepted":
            continue
        bin_index = _brightness_bin((row.scores or {}).get("brightness"))
        if bin_index is not None:
            brightness[bin_index] += 1
        if row.captured_at is not None:
            hour_of_day[row.captured_at.hour] += 1
        device = " ".join(p for p in (row.camera_make, row.camera_model) if p) or "unknown"
        devices[device] += 1
        countries[row.country or "unknown"] += 1

    pseudonyms = dict(
        session.execute(
            select(Collector.user_id, Collector.pseudonym).where(
                Collector.user_id.in_(list(by_collector))
            )
        ).all()
    )
    ranked = sorted(by_collector.items(), key=lambda kv: (-kv[1]["accepted"], kv[0]))
    top = [
        {
            "collector": pseudonyms.get(cid),
            "pseudonym": pseudonyms.get(cid),
            "accepted": counts["accepted"],
            "needs_review": counts["needs_review"],
            "rejected": counts["rejected"],
            "quality_score": scores.quality_score(session, cid).score,
        }
        for cid, counts in ranked[:TOP_COLLECTORS]
    ]
    cell_list = []
    for cell in sorted(cells.values(), key=lambda c: c["task_id"]):
        cell["rejected_by_reason"] = dict(cell["rejected_by_reason"])
        cell["remaining"] = max(0, cell["target"] - cell["accepted"])
        cell["pending"] = cell["needs_review"]
        cell_list.append(cell)

    def series(buckets: dict[str, Counter[str]], key: str) -> list[dict[str, Any]]:
        return [
            {
                key: when,
                "count": sum(c.values()),
                "accepted": c["accepted"],
                "needs_review": c["needs_review"],
                "rejected": c["rejected"],
            }
            for when, c in sorted(buckets.items())
        ]

    target = sum(t.target for t in tasks)
    return {
        "campaign_id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "target": target,
        "accepted": verdicts["accepted"],
        "pending": verdicts["needs_review"],
        "rejected": verdicts["rejected"],
        "progress": 0.0 if target == 0 else min(1.0, verdicts["accepted"] / target),
        "verdicts": {v: verdicts[v] for v in ("accepted", "needs_review", "rejected")},
        "rejected_by_reason": dict(rejected_reasons.most_common()),
        "reasons": dict(all_reasons.most_common()),
        "cells": cell_list,
        "per_hour": series(per_hour, "hour"),
        "per_day": series(per_day, "date"),
        "top_collectors": top,
        "diversity": {
            "brightness": [
                {"bin": round(i / BRIGHTNESS_BINS, 2), "count": n} for i, n in enumerate(brightness)
            ],
            "hour_of_day": hour_of_day,
            "devices": dict(devices.most_common()),
            "countries": dict(countries.most_common()),
        },
    }
