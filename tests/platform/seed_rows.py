"""Rows for service-level tests of review, ledger, scores, consent, stats and exports.

Real database rows through the real models (no mocks): users, a campaign with tasks and
submissions whose blobs are real JPEG files in a real blob store.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from snapset.service.templates import spec_from_template
from snapset.store import BlobStore, photo_key
from snapset.store.models import Campaign, Collector, Submission, Task, User

_counter = itertools.count(1)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def jpeg_bytes(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def valid_spec(name: str) -> dict[str, Any]:
    """A real shelf-products spec (so every service can read it) paying 0.25 USD."""
    spec = spec_from_template("shelf_products", {"pay": {"amount": "0.25"}}, campaign_name=name)
    return spec.model_dump(mode="json")


def user(session: Session, role: str, name: str | None = None) -> User:
    row = User(username=name or f"{role}{next(_counter)}", password_hash="x", role=role)
    session.add(row)
    session.flush()
    return row


def collector(session: Session, name: str | None = None, country: str = "KE") -> User:
    row = user(session, "collector", name)
    session.add(
        Collector(user_id=row.id, pseudonym=f"c-{row.id:04d}x", country=country, status="verified")
    )
    session.flush()
    return row


def campaign(
    session: Session,
    cells: list[dict[str, str]] | None = None,
    target: int = 10,
    spec: dict[str, Any] | None = None,
    name: str = "Shelves",
) -> tuple[Campaign, list[Task]]:
    row = Campaign(
        name=name,
        category="shelf_products",
        task_type="detection",
        state="active",
        spec={**valid_spec(name), **(spec or {})},
    )
    session.add(row)
    session.flush()
    tasks = []
    for cell in cells or [{"lighting": "day"}, {"lighting": "night"}]:
        task = Task(
            campaign_id=row.id,
            cell=cell,
            cell_key=",".join(f"{k}={v}" for k, v in sorted(cell.items())),
            country="KE",
            target=target,
        )
        session.add(task)
        tasks.append(task)
    session.flush()
    return row, tasks


def submission(
    session: Session,
    task: Task,
    owner: User,
    verdict: str = "needs_review",
    *,
    blobs: BlobStore | None = None,
    seed: int | None = None,
    pixels: tuple[int, int] = (64, 48),
    minutes: int = 0,
    reasons: list[dict[str, str]] | None = None,
    **fields: Any,
) -> Submission:
    """A stored photo; with `blobs`, its JPEG really exists in the blob store."""
    seed = next(_counter) if seed is None else seed
    data = jpeg_bytes(seed, pixels)
    sha = hashlib.sha256(data).hexdigest()
    key = photo_key(sha, "jpg")
    if blobs is not None:
        blobs.put_bytes(key, data)
    row = Submission(
        upload_id=f"u-{seed}-{next(_counter)}",
        campaign_id=task.campaign_id,
        task_id=task.id,
        collector_id=owner.id,
        sha256=sha,
        size=len(data),
        blob_key=key,
        content_type="image/jpeg",
        format="JPEG",
        width=pixels[0],
        height=pixels[1],
        auto_verdict=verdict,
        verdict=verdict,
        reasons=reasons or [],
        scores={"blur": 0.1, "brightness": 0.5},
        created_at=T0 + timedelta(minutes=minutes),
        **fields,
    )
    session.add(row)
    if verdict == "accepted":
        task.accepted_count += 1
    elif verdict == "needs_review":
        task.pending_count += 1
    session.flush()
    return row
