"""Admins list the audit log with filters and pagination; nobody else can."""

from __future__ import annotations

from typing import Any

from snapset.service.platform import Platform
from tests.platform.api_helpers import collector_client, seed_campaign, seed_photo

API = "/api/v1"


def test_admin_lists_review_and_consent_events_with_filters(
    actors: Any, platform: Platform, client: Any
) -> None:
    admin = actors.admin()
    alice_client, alice = collector_client(actors, platform)
    _camp, (day, _) = seed_campaign(platform)
    photos = [seed_photo(platform, day, alice.id) for _ in range(3)]
    for photo in photos:
        admin.post(f"{API}/review/{photo}", json={"decision": "reject", "reason_code": "dark"})
    consent_id = alice_client.post(f"{API}/consents", data={"subject_name": "K."}).json()["id"]
    alice_client.post(f"{API}/consents/{consent_id}/withdraw")

    page = admin.get(f"{API}/audit", params={"action": "submission.review", "limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    newest = page["items"][0]
    assert newest["entity_id"] == str(photos[-1]) and newest["actor"] is not None
    assert newest["before"] == {"verdict": "needs_review"}
    assert newest["after"]["reason_code"] == "dark"
    rest = admin.get(f"{API}/audit", params={"action": "submission.review", "offset": 2}).json()
    assert [e["entity_id"] for e in rest["items"]] == [str(photos[0])]

    consent_events = admin.get(f"{API}/audit", params={"action": "consent."}).json()
    assert [e["action"] for e in consent_events["items"]] == ["consent.withdraw", "consent.create"]
    by_entity = admin.get(
        f"{API}/audit", params={"entity_type": "consent", "entity_id": str(consent_id)}
    ).json()
    assert by_entity["total"] == 2
    by_actor = admin.get(f"{API}/audit", params={"actor_id": alice.id}).json()
    assert {"consent.create", "consent.withdraw"} <= {e["action"] for e in by_actor["items"]}
    future = admin.get(f"{API}/audit", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert future["total"] == 0

    assert client.get(f"{API}/audit").status_code == 401
    assert alice_client.get(f"{API}/audit").status_code == 403
    assert actors.user("reviewer").get(f"{API}/audit").status_code == 403
    assert admin.get(f"{API}/audit", params={"limit": 0}).status_code == 422
