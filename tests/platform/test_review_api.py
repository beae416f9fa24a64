"""Review through the HTTP API: queue, decisions, overrides, earnings, previews."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from snapset.service.platform import Platform
from tests.platform.api_helpers import collector_client, seed_campaign, seed_photo

API = "/api/v1"


def test_reviewer_works_only_the_assigned_campaigns_queue(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    reviewer_user = actors.create_user("reviewer")
    reviewer = actors.login(reviewer_user.username)
    _alice_client, alice = collector_client(actors, platform)
    camp, (day, _night) = seed_campaign(platform)
    _other, (other_task, _) = seed_campaign(platform, name="Other")
    late = seed_photo(platform, day, alice.id, minutes=20)
    early = seed_photo(platform, day, alice.id, minutes=5)
    done = seed_photo(platform, day, alice.id, "accepted", minutes=1)
    foreign = seed_photo(platform, other_task, alice.id)

    assert reviewer.get(f"{API}/review/queue").json() == []
    r = admin.post(f"{API}/campaigns/{camp}/reviewers", json={"user_id": reviewer_user.id})
    assert r.status_code == 201, r.text
    queue = reviewer.get(f"{API}/review/queue").json()
    assert [item["submission_id"] for item in queue] == [early, late, done]
    first = queue[0]
    assert first["cell"] == {"lighting": "day"}
    assert first["collector"] == f"p{alice.id:05d}"  # a pseudonym, never the username
    assert first["thumbnail_url"].endswith(f"/submissions/{early}/thumbnail")

    only_waiting = reviewer.get(f"{API}/review/queue", params={"verdict": "needs_review"})
    assert [i["submission_id"] for i in only_waiting.json()] == [early, late]
    assert reviewer.get(f"{API}/review/queue", params={"campaign_id": _other}).status_code == 404
    r = reviewer.post(f"{API}/review/{foreign}", json={"decision": "approve"})
    assert r.status_code == 404
    assert r.json()["detail"]["code"] == "submission_not_found"
    assert reviewer.get(f"{API}/submissions/{foreign}/image").status_code == 404
    assert reviewer.get(f"{API}/review/queue", params={"cell": "oops"}).status_code == 422


def test_override_reverses_pay_and_the_collector_sees_it(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    alice_client, alice = collector_client(actors, platform)
    _camp, (day, _) = seed_campaign(platform)
    waiting = seed_photo(platform, day, alice.id)
    assert alice_client.get(f"{API}/me/earnings").json()["pending_minor"] == 25

    r = admin.post(f"{API}/review/{waiting}", json={"decision": "approve", "note": "ok"})
    assert r.status_code == 200, r.text
    assert r.json()["new_verdict"] == "accepted" and not r.json()["is_override"]
    earnings = alice_client.get(f"{API}/me/earnings").json()
    assert (earnings["earned_minor"], earnings["currency"], earnings["accepted_count"]) == (
        25,
        "USD",
        1,
    )

    r = admin.post(f"{API}/review/{waiting}", json={"decision": "reject"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "reason_required"
    r = admin.post(
        f"{API}/review/{waiting}",
        json={"decision": "reject", "reason_code": "faces_visible", "comment": "a face"},
    )
    assert r.json()["is_override"] and r.json()["note"] == "a face"
    ledger = alice_client.get(f"{API}/me/ledger").json()
    assert [(e["kind"], e["amount_minor"]) for e in ledger] == [("reversal", -25), ("earning", 25)]
    assert alice_client.get(f"{API}/me/earnings").json()["earned_minor"] == 0
    quality = admin.get(f"{API}/collectors/{alice.id}/quality").json()
    assert quality == {"score": 0.0, "photos": 1}
    assert alice_client.get(f"{API}/me/quality").json() == quality
    reviews = admin.get(f"{API}/submissions/{waiting}/reviews").json()
    assert [rv["new_verdict"] for rv in reviews] == ["accepted", "rejected"]


def test_bulk_decisions(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    _c, alice = collector_client(actors, platform)
    _camp, (day, _) = seed_campaign(platform)
    photos = [seed_photo(platform, day, alice.id) for _ in range(3)]
    r = admin.post(
        f"{API}/review/bulk",
        json={"submission_ids": [*photos, 424242], "decision": "reject", "reason_code": "blurry"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["done"] == photos
    assert r.json()["failed"][0]["submission_id"] == 424242
    assert admin.post(f"{API}/review/bulk", json={"submission_ids": []}).status_code == 422


def test_previews_are_for_the_owner_and_assigned_staff(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    alice_client, alice = collector_client(actors, platform)
    bob_client, _bob = collector_client(actors, platform)
    _camp, (day, _) = seed_campaign(platform)
    photo = seed_photo(platform, day, alice.id)

    thumb = alice_client.get(f"{API}/submissions/{photo}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size[0] <= 320
    assert bob_client.get(f"{API}/submissions/{photo}/thumbnail").status_code == 404
    assert alice_client.get(f"{API}/submissions/{photo}/image").status_code == 403
    full = admin.get(f"{API}/submissions/{photo}/image")
    assert full.status_code == 200
    assert Image.open(io.BytesIO(full.content)).size == (64, 48)


def test_queue_shows_near_duplicates_the_reviewer_may_see(actors: Any, platform: Platform) -> None:
    import numpy as np

    from snapset.store.models import Submission

    admin = actors.admin()
    reviewer_user = actors.create_user("reviewer")
    reviewer = actors.login(reviewer_user.username)
    _c, alice = collector_client(actors, platform)
    camp, (day, _) = seed_campaign(platform)
    _other, (foreign_task, _) = seed_campaign(platform, name="Other")
    admin.post(f"{API}/campaigns/{camp}/reviewers", json={"user_id": reviewer_user.id})
    original = seed_photo(platform, day, alice.id, "accepted")
    lookalike = seed_photo(platform, day, alice.id)
    elsewhere = seed_photo(platform, foreign_task, alice.id, "accepted")
    descriptor = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.uint8)
    with platform.sessions() as session:
        for sid in (original, lookalike, elsewhere):
            session.get(Submission, sid).descriptor = descriptor.tobytes()  # type: ignore[union-attr]
            platform.duplicates.add(sid, descriptor)
        session.commit()

    def near(client: Any) -> list[tuple[int, int | None]]:
        items = client.get(f"{API}/review/queue", params={"verdict": "needs_review"}).json()
        (item,) = [i for i in items if i["submission_id"] == lookalike]
        return [(n["submission_id"], n["distance"]) for n in item["near_duplicates"]]

    assert near(reviewer) == [(original, 0)]  # the foreign campaign's photo stays hidden
    assert sorted(near(admin)) == sorted([(original, 0), (elsewhere, 0)])


def test_annotators_see_assigned_photos_but_do_not_judge(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    annotator_user = actors.create_user("annotator")
    annotator = actors.login(annotator_user.username)
    _c, alice = collector_client(actors, platform)
    camp, (day, _) = seed_campaign(platform)
    photo = seed_photo(platform, day, alice.id)
    admin.post(f"{API}/campaigns/{camp}/reviewers", json={"user_id": annotator_user.id})
    assert [i["submission_id"] for i in annotator.get(f"{API}/review/queue").json()] == [photo]
    assert annotator.get(f"{API}/submissions/{photo}/image").status_code == 200
    r = annotator.post(f"{API}/review/{photo}", json={"decision": "approve"})
    assert r.status_code == 403
    r = annotator.post(
        f"{API}/review/bulk", json={"submission_ids": [photo], "decision": "approve"}
    )
    assert r.status_code == 403
