"""End to end through the real upload pipeline: consent -> uploads -> review -> earnings ->
withdrawal -> erasure (the near-duplicate index forgets the photo) -> export without it."""

from __future__ import annotations

import time
import uuid
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from tests.platform import photos
from tests.platform.conftest import Actors

API = "/api/v1"
RELAXED = {
    "constraints": {
        "min_width": 640,
        "min_height": 480,
        "aspect_ratio": None,
        "require_capture_time": False,
        "max_capture_age_days": None,
    },
}


def upload(client: Any, task_id: int, data: bytes, **fields: Any) -> Any:
    form = {"upload_id": str(uuid.uuid4()), **{k: str(v) for k, v in fields.items()}}
    return client.post(
        f"{API}/tasks/{task_id}/uploads",
        data=form,
        files={"file": ("photo.jpg", data, "image/jpeg")},
    )


def export_names(admin: Any, campaign_id: int) -> list[str]:
    job = admin.post(f"{API}/campaigns/{campaign_id}/exports", json={}).json()
    for _ in range(400):
        job = admin.get(f"{API}/exports/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done", job
    with zipfile.ZipFile(BytesIO(admin.get(job["download_url"]).content)) as zf:
        return [n for n in zf.namelist() if n.startswith("images/")]


def test_consented_photos_are_paid_reviewed_and_erased_on_withdrawal(actors: Actors) -> None:
    admin = actors.admin()
    campaign = actors.campaign(admin, "faces", overrides=RELAXED)
    collector, collector_id = actors.collector()
    task_id = collector.get(f"{API}/tasks").json()[0]["id"]
    assert collector.post(f"{API}/tasks/{task_id}/claim").status_code == 200

    consent = collector.post(
        f"{API}/tasks/{task_id}/consents",
        data={"subject_name": "Amina", "signed_at": datetime.now(UTC).isoformat()},
        files={"signature": ("sig.png", photos.small_png(), "image/png")},
    ).json()
    shown, other = photos.jpeg(seed=31), photos.jpeg(seed=32)
    first = upload(collector, task_id, shown, consent_id=consent["id"])
    assert first.status_code == 201 and first.json()["verdict"] == "accepted", first.text
    second = upload(collector, task_id, other, consent_id=consent["id"])
    assert second.json()["verdict"] == "accepted"
    first_id, second_id = first.json()["submission_id"], second.json()["submission_id"]
    assert collector.get(f"{API}/consents/{consent['id']}").json()["submission_ids"] == [
        first_id,
        second_id,
    ]
    paid = collector.get(f"{API}/me/earnings").json()
    assert (paid["earned_minor"], paid["accepted_count"]) == (100, 2)  # faces pay 0.50

    r = admin.post(
        f"{API}/review/{second_id}", json={"decision": "reject", "reason_code": "eyes_closed"}
    )
    assert r.json()["is_override"] is True
    assert collector.get(f"{API}/me/earnings").json()["earned_minor"] == 50
    assert len(export_names(admin, campaign["id"])) == 1

    withdrawn = collector.post(f"{API}/consents/{consent['id']}/withdraw").json()
    assert withdrawn["erased"] == [first_id, second_id]
    assert collector.get(f"{API}/submissions/{first_id}").status_code == 404
    dashboard = admin.get(f"{API}/campaigns/{campaign['id']}/dashboard").json()
    assert dashboard["accepted"] == 0 and dashboard["rejected"] == 0
    assert export_names(admin, campaign["id"]) == []

    # The photo left the near-duplicate index and the hash index: a new consent and the
    # same photo again is a fresh, accepted photo, not a duplicate of the erased one.
    again = collector.post(
        f"{API}/tasks/{task_id}/consents",
        data={"subject_name": "Amina", "signed_at": datetime.now(UTC).isoformat()},
    ).json()
    retake = upload(collector, task_id, shown, consent_id=again["id"])
    assert retake.status_code == 201 and retake.json()["verdict"] == "accepted", retake.text
    codes = [e["action"] for e in admin.get(f"{API}/audit", params={"limit": 1000}).json()["items"]]
    assert codes.count("submission.erase") == 2 and "consent.withdraw" in codes
    assert collector_id
