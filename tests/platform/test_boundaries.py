"""Who may see what, endpoint by endpoint.

- anonymous callers get 401 on every API endpoint except the few public ones (a sweep
  over the whole OpenAPI schema, so a new endpoint is covered the day it is added);
- a collector gets 404 for another collector's photos, consent records and earnings
  ids, and 403 on staff endpoints;
- a reviewer gets 404 for campaigns (and their photos) they are not assigned to.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from snapset.service.platform import Platform
from tests.platform.api_helpers import collector_client, seed_campaign, seed_photo

API = "/api/v1"
PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/collectors/signup"),
    ("GET", "/api/v1/health"),
}


def api_operations(app: Any) -> list[tuple[str, str]]:
    ops = []
    for path, methods in app.openapi()["paths"].items():
        if not path.startswith(API):
            continue
        for method in methods:
            ops.append((method.upper(), path))
    return sorted(ops)


def test_every_endpoint_but_the_public_ones_needs_authentication(app: Any, client: Any) -> None:
    checked = 0
    for method, path in api_operations(app):
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.request(method, url)
        assert response.status_code == 401, f"{method} {path} -> {response.status_code}"
        assert response.json()["detail"]["code"] == "not_authenticated"
        checked += 1
    assert checked >= 30  # the sweep really covered the API


@pytest.fixture
def world(actors: Any, platform: Platform) -> dict[str, Any]:
    """Two collectors with photos and consent records, an assigned and a foreign campaign."""
    admin = actors.admin()
    reviewer_user = actors.create_user("reviewer")
    alice_client, alice = collector_client(actors, platform)
    bob_client, bob = collector_client(actors, platform)
    mine, (mine_task, _) = seed_campaign(platform)
    foreign, (foreign_task, _) = seed_campaign(platform, name="Foreign")
    admin.post(f"{API}/campaigns/{mine}/reviewers", json={"user_id": reviewer_user.id})
    alice_consent = alice_client.post(f"{API}/consents", data={"subject_name": "A."}).json()["id"]
    alice_token = alice_client.post(f"{API}/me/tokens", json={"name": "script"}).json()["id"]
    return {
        "admin": admin,
        "reviewer": actors.login(reviewer_user.username),
        "alice": alice_client,
        "bob": bob_client,
        "alice_id": alice.id,
        "bob_id": bob.id,
        "alice_photo": seed_photo(platform, mine_task, alice.id),
        "foreign_photo": seed_photo(platform, foreign_task, bob.id),
        "alice_consent": alice_consent,
        "alice_token": alice_token,
        "mine": mine,
        "foreign": foreign,
    }


# (method, path template, expected status for collector Bob using Alice's ids)
COLLECTOR_SEES_ONLY_OWN = [
    ("GET", "/submissions/{alice_photo}/thumbnail", 404),
    ("GET", "/submissions/{alice_photo}", 404),
    ("GET", "/consents/{alice_consent}", 404),
    ("POST", "/consents/{alice_consent}/withdraw", 404),
    ("GET", "/consents/{alice_consent}/form", 403),
    ("GET", "/submissions/{alice_photo}/image", 403),
    ("GET", "/submissions/{alice_photo}/reviews", 403),
    ("POST", "/review/{alice_photo}", 403),
    ("GET", "/review/queue", 403),
    ("GET", "/collectors/{alice_id}/earnings", 403),
    ("GET", "/collectors/{alice_id}/ledger", 403),
    ("GET", "/collectors/{alice_id}/quality", 403),
    ("GET", "/collectors/{alice_id}", 403),
    ("GET", "/campaigns/{mine}/dashboard", 403),
    ("POST", "/campaigns/{mine}/exports", 403),
    ("GET", "/audit", 403),
    ("GET", "/users", 403),
    ("GET", "/collectors/{alice_id}/documents/identity", 403),
    ("POST", "/collectors/{alice_id}/verify", 403),
    ("DELETE", "/me/tokens/{alice_token}", 404),
    # staff-only endpoints of review, consent, progress and exports
    ("POST", "/review/bulk", 403),
    ("GET", "/campaigns/{mine}/reviewers", 403),
    ("POST", "/campaigns/{mine}/reviewers", 403),
    ("DELETE", "/campaigns/{mine}/reviewers/{bob_id}", 403),
    ("POST", "/erasures/run", 403),
    ("GET", "/campaigns/{mine}/stats", 403),
    ("GET", "/campaigns/{mine}/exports", 403),
    ("GET", "/exports/1", 403),
    ("POST", "/exports/1/cancel", 403),
    ("GET", "/exports/1/download", 403),
]


def test_a_collector_never_reaches_another_collectors_data(world: dict[str, Any]) -> None:
    """One world, every row of the table (a parametrised test would rebuild it per row)."""
    for method, template, status in COLLECTOR_SEES_ONLY_OWN:
        url = API + template.format(**world)
        body = {"decision": "approve"} if "/review/" in template else None
        response = world["bob"].request(method, url, json=body)
        assert response.status_code == status, f"{method} {url}: {response.text}"
        if status == 404:  # hidden from Bob, but the owner does reach it
            assert world["alice"].request(method, url, json=body).status_code < 400, url


def test_collector_lists_contain_only_their_own(world: dict[str, Any]) -> None:
    bob, alice = world["bob"], world["alice"]
    assert [s["submission_id"] for s in bob.get(f"{API}/me/submissions").json()] == [
        world["foreign_photo"]
    ]
    assert [s["submission_id"] for s in alice.get(f"{API}/me/submissions").json()] == [
        world["alice_photo"]
    ]
    assert bob.get(f"{API}/consents").json() == []
    assert [c["id"] for c in alice.get(f"{API}/consents").json()] == [world["alice_consent"]]
    assert bob.get(f"{API}/me/ledger").json() == []
    assert bob.get(f"{API}/me/earnings").json()["collector_id"] == world["bob_id"]
    assert bob.get(f"{API}/submissions/{world['foreign_photo']}/thumbnail").status_code == 200


# (method, path template) a reviewer reaches for the assigned campaign and not the foreign one
REVIEWER_ASSIGNED_ONLY = [
    ("GET", "/campaigns/{campaign}/dashboard"),
    ("GET", "/review/queue?campaign_id={campaign}"),
    ("GET", "/submissions/{photo}/thumbnail"),
    ("GET", "/submissions/{photo}/image"),
    ("GET", "/submissions/{photo}/reviews"),
    ("POST", "/review/{photo}"),
]


def test_a_reviewer_sees_only_assigned_campaigns(world: dict[str, Any]) -> None:
    reviewer = world["reviewer"]
    for method, template in REVIEWER_ASSIGNED_ONLY:
        body = {"decision": "approve"} if template.startswith("/review/{") else None
        own = API + template.format(campaign=world["mine"], photo=world["alice_photo"])
        other = API + template.format(campaign=world["foreign"], photo=world["foreign_photo"])
        assert reviewer.request(method, own, json=body).status_code == 200, own
        assert reviewer.request(method, other, json=body).status_code == 404, other
        assert world["admin"].request(method, other, json=body).status_code == 200, other


def test_a_collector_cannot_touch_another_collectors_claim(world: dict[str, Any]) -> None:
    admin, alice, bob = world["admin"], world["alice"], world["bob"]
    campaign = admin.post(
        f"{API}/campaigns",
        json={
            "template": "shelf_products",
            "name": "Claims",
            "overrides": {"quota": {"dimensions": [{"name": "aisle", "values": ["a"]}]}},
        },
    )
    assert campaign.status_code == 201, campaign.text
    assert admin.post(f"{API}/campaigns/{campaign.json()['id']}/activate").status_code == 200
    (task,) = [
        t["id"]
        for t in alice.get(f"{API}/tasks").json()
        if t["campaign_id"] == campaign.json()["id"]
    ]
    assert alice.post(f"{API}/tasks/{task}/claim").status_code == 200
    assert bob.post(f"{API}/tasks/{task}/release").status_code in (404, 409)
    mine = [t for t in alice.get(f"{API}/tasks").json() if t["id"] == task]
    assert mine and mine[0]["claimed_by_me"] is True  # Alice still holds it
    theirs = [t for t in bob.get(f"{API}/tasks").json() if t["id"] == task]
    assert all(t["claimed_by_me"] is False for t in theirs)
