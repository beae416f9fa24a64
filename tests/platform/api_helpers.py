"""Helpers for platform-B API tests: logged-in collectors and seeded photos.

Collectors are real accounts (logged in through `/auth/login`) with a verified profile;
photos are real rows with real JPEG blobs (the upload pipeline has its own tests).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from snapset.service.platform import Platform
from snapset.store.models import Collector, Submission, Task, User
from tests.platform import seed_rows


def collector_client(
    actors: Any, platform: Platform, country: str = "KE"
) -> tuple[TestClient, User]:
    """A verified collector and a client logged in as them."""
    user = actors.create_user("collector")
    with platform.sessions() as session:
        session.add(
            Collector(
                user_id=user.id,
                pseudonym=f"p{user.id:05d}",
                country=country,
                status="verified",
            )
        )
        session.commit()
    return actors.login(user.username), user


def seed_campaign(platform: Platform, **kwargs: Any) -> tuple[int, list[int]]:
    """A campaign with tasks; returns (campaign id, task ids)."""
    with platform.sessions() as session:
        campaign, tasks = seed_rows.campaign(session, **kwargs)
        session.commit()
        return campaign.id, [t.id for t in tasks]


def seed_photo(
    platform: Platform, task_id: int, owner_id: int, verdict: str = "needs_review", **kw: Any
) -> int:
    """A stored photo with its JPEG in the blob store; returns the submission id."""
    with platform.sessions() as session:
        task = session.get(Task, task_id)
        owner = session.get(User, owner_id)
        assert task is not None and owner is not None
        row = seed_rows.submission(session, task, owner, verdict, blobs=platform.blobs, **kw)
        session.commit()
        return row.id


def get_submission(platform: Platform, submission_id: int) -> Submission:
    with platform.sessions() as session:
        row = session.get(Submission, submission_id)
        assert row is not None
        return row
