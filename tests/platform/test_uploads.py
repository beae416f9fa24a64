"""The upload pipeline through the HTTP API: verdicts, idempotency, duplicates across
campaigns, quotas, constraints, geofences, consent, and what a collector may see."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from snapset.service.platform import Platform
from snapset.store.models import AuditEvent, LedgerEntry, Submission, Task
from tests.platform import photos
from tests.platform.conftest import Actors


def upload(
    client: TestClient, task_id: int, data: bytes, upload_id: str | None = None, **fields: Any
) -> Any:
    form = {"upload_id": upload_id or str(uuid.uuid4()), **{k: str(v) for k, v in fields.items()}}
    return client.post(
        f"/api/v1/tasks/{task_id}/uploads",
        data=form,
        files={"file": ("photo.jpg", data, "image/jpeg")},
    )


def ready(
    actors: Actors, overrides: dict[str, Any] | None = None, template: str = "text_in_scenes"
) -> tuple[TestClient, TestClient, int, dict[str, Any]]:
    """(admin, collector holding a claim, task id, campaign)."""
    admin = actors.admin()
    campaign = actors.campaign(admin, template, overrides=overrides)
    collector, _ = actors.collector()
    task_id = collector.get("/api/v1/tasks").json()[0]["id"]
    assert collector.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    return admin, collector, task_id, campaign


def count(platform: Platform, model: Any) -> int:
    with platform.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_accepted_upload_is_stored_counted_paid_and_audited(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    data = photos.jpeg(seed=1, captured_at=datetime.now(UTC) - timedelta(hours=1))
    r = upload(collector, task_id, data, lat=-1.29, lon=36.82, accuracy_m=8)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["verdict"] == "accepted" and body["reasons"] == []
    assert 0 <= body["scores"]["blurry"] < 0.3
    assert body["task"] == {"accepted": 1, "target": 3, "remaining": 2, "state": "open"}
    platform = actors.platform
    with platform.sessions() as s:
        row = s.get(Submission, body["submission_id"])
        assert row is not None
        assert row.camera_make == "TestCam" and row.captured_at_source == "exif"
        assert (row.lat, row.lon, row.location_source) == (-1.29, 36.82, "app")
        assert platform.blobs.read_bytes(row.blob_key) == data
        ledger = s.scalars(select(LedgerEntry)).all()
        assert [(e.kind, e.amount_minor, e.currency) for e in ledger] == [("earning", 10, "USD")]
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "submission"))
        assert list(actions) == ["submission.create"]
    mine = collector.get("/api/v1/me/submissions").json()
    assert [m["submission_id"] for m in mine] == [body["submission_id"]]
    assert mine[0]["thumbnail_url"].endswith("/thumbnail")
    assert collector.get(f"/api/v1/submissions/{body['submission_id']}").json()["verdict"] == (
        "accepted"
    )


def test_retry_with_same_upload_id_never_creates_a_second_submission(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    data = photos.jpeg(seed=2)
    first = upload(collector, task_id, data, upload_id="retry-1")
    again = upload(collector, task_id, data, upload_id="retry-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["submission_id"] == first.json()["submission_id"]
    assert again.json()["verdict"] == first.json()["verdict"]
    other = upload(collector, task_id, photos.jpeg(seed=3), upload_id="retry-1")
    assert other.status_code == 409 and other.json()["detail"]["code"] == "upload_id_conflict"
    assert count(actors.platform, Submission) == 1
    with actors.platform.sessions() as s:
        task = s.get(Task, task_id)
        assert task is not None and task.accepted_count == 1


def test_blurry_photo_is_rejected_kept_but_not_counted(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    r = upload(collector, task_id, photos.blurry_jpeg(seed=4))
    assert r.status_code == 201
    body = r.json()
    assert body["verdict"] == "rejected"
    assert [x["code"] for x in body["reasons"]] == ["blurry"]
    assert body["reasons"][0]["message"]
    assert body["task"]["accepted"] == 0
    assert count(actors.platform, LedgerEntry) == 0
    mine = collector.get("/api/v1/me/submissions?verdict=rejected").json()
    assert mine[0]["reasons"][0]["code"] == "blurry"


def test_duplicates_are_caught_across_campaigns_and_collectors(actors: Actors) -> None:
    admin, first, task_a, _ = ready(actors)
    actors.campaign(admin, "vehicles")
    second, _ = actors.collector()
    task_b = next(
        t["id"] for t in second.get("/api/v1/tasks").json() if t["category"] == "vehicles"
    )
    second.post(f"/api/v1/tasks/{task_b}/claim")
    pixels = photos.scene(seed=5)
    original = photos.jpeg(pixels=pixels)
    assert upload(first, task_a, original).json()["verdict"] == "accepted"
    # The same file from someone else, in another campaign.
    r = upload(second, task_b, original)
    assert r.json()["verdict"] == "rejected"
    assert [x["code"] for x in r.json()["reasons"]] == ["duplicate"]
    # The same pixels in another lossless encoding: exact duplicate by pixel hash.
    lossless = photos.jpeg(pixels=pixels)
    assert lossless == original
    png_copy = photos.png(np.asarray(Image.open(io.BytesIO(original)).convert("RGB")))
    r = upload(second, task_b, png_copy)
    assert "duplicate" in [x["code"] for x in r.json()["reasons"]]
    # A re-encoded, resized, mirrored copy: near duplicate, sent to review.
    image = Image.open(io.BytesIO(original)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = image.resize((800, 600))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    r = upload(second, task_b, out.getvalue())
    assert r.json()["verdict"] == "needs_review"
    assert [x["code"] for x in r.json()["reasons"]] == ["near_duplicate"]


def test_near_duplicate_index_is_rebuilt_at_start_up(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    original = photos.jpeg(seed=6)
    assert upload(collector, task_id, original).json()["verdict"] == "accepted"
    restarted = Platform.open(actors.platform.settings)
    try:
        assert len(restarted.duplicates) == 1
    finally:
        restarted.close()


def test_full_cell_stops_accepting(actors: Actors) -> None:
    overrides = {"quota": {"target_per_cell": 1, "dimensions": [{"name": "x", "values": ["a"]}]}}
    _, collector, task_id, _ = ready(actors, overrides)
    first = upload(collector, task_id, photos.jpeg(seed=7))
    assert first.json()["task"]["state"] == "full"
    r = upload(collector, task_id, photos.jpeg(seed=8))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "cell_full"
    assert count(actors.platform, Submission) == 1
    assert collector.get("/api/v1/tasks?claimed=false").json() == []


def test_hard_constraints(actors: Actors) -> None:
    overrides = {
        "constraints": {
            "min_width": 1000,
            "min_height": 700,
            "formats": ["JPEG"],
            "aspect_ratio": {"min": 1.2, "max": 1.5},
            "max_capture_age_days": 3,
        }
    }
    _, collector, task_id, _ = ready(actors, overrides)

    def codes(r: Any) -> list[str]:
        assert r.status_code == 201, r.text
        assert r.json()["verdict"] == "rejected"
        return [x["code"] for x in r.json()["reasons"]]

    assert codes(upload(collector, task_id, photos.jpeg(800, 600, seed=9))) == [
        "resolution_too_low"
    ]
    assert codes(upload(collector, task_id, photos.png(photos.scene(1280, 960, 10)))) == [
        "format_not_allowed"
    ]
    assert codes(upload(collector, task_id, photos.jpeg(1000, 1000, seed=11))) == [
        "aspect_ratio_out_of_range"
    ]
    old = datetime.now(UTC) - timedelta(days=10)
    assert codes(upload(collector, task_id, photos.jpeg(1280, 960, seed=12, captured_at=old))) == [
        "capture_too_old"
    ]
    # Without EXIF time, the app's capture time is used.
    data = photos.jpeg(1280, 960, seed=13, captured_at=None)
    assert codes(upload(collector, task_id, data, captured_at=old.isoformat())) == [
        "capture_too_old"
    ]


def test_geofence_polygon_and_country(actors: Actors) -> None:
    nairobi = [[-1.40, 36.65], [-1.40, 37.05], [-1.15, 37.05], [-1.15, 36.65]]
    fence = {"constraints": {"geofence": {"polygons": [{"name": "Nairobi", "points": nairobi}]}}}
    admin, collector, task_id, _ = ready(actors, fence)
    inside = upload(collector, task_id, photos.jpeg(seed=14), lat=-1.29, lon=36.82)
    assert inside.json()["verdict"] == "accepted", inside.json()["reasons"]
    outside = upload(collector, task_id, photos.jpeg(seed=15), lat=-4.05, lon=39.67)  # Mombasa
    assert [x["code"] for x in outside.json()["reasons"]] == ["outside_geofence"]
    # EXIF GPS is used when the app sends no location.
    exif_only = upload(collector, task_id, photos.jpeg(seed=16, gps=(-4.05, 39.67)))
    assert [x["code"] for x in exif_only.json()["reasons"]] == ["outside_geofence"]
    unknown = upload(collector, task_id, photos.jpeg(seed=17))
    assert unknown.json()["verdict"] == "needs_review"
    assert [x["code"] for x in unknown.json()["reasons"]] == ["location_missing"]
    # Country geofence: a point far outside Kenya's box is rejected.
    actors.campaign(
        admin, "vehicles", overrides={"constraints": {"geofence": {"countries": ["KE"]}}}
    )
    task = next(t for t in collector.get("/api/v1/tasks").json() if t["category"] == "vehicles")
    collector.post(f"/api/v1/tasks/{task['id']}/claim")
    paris = upload(collector, task["id"], photos.jpeg(seed=18), lat=48.85, lon=2.35)
    assert [x["code"] for x in paris.json()["reasons"]] == ["outside_geofence"]
    kisumu = upload(collector, task["id"], photos.jpeg(seed=19), lat=-0.09, lon=34.77)
    assert kisumu.json()["verdict"] == "accepted"


def test_consent_required_campaign(actors: Actors) -> None:
    overrides = {
        "constraints": {
            "min_width": 640,
            "min_height": 480,
            "aspect_ratio": None,
            "require_capture_time": False,
            "max_capture_age_days": None,
        },
    }
    _, collector, task_id, _ = ready(actors, overrides, template="faces")
    r = upload(collector, task_id, photos.jpeg(seed=20))
    assert r.status_code == 422 and r.json()["detail"]["code"] == "consent_required"
    assert count(actors.platform, Submission) == 0
    r = collector.post(
        f"/api/v1/tasks/{task_id}/consents",
        data={"subject_name": "Amina", "signed_at": datetime.now(UTC).isoformat()},
        files={"signature": ("sig.png", photos.small_png(), "image/png")},
    )
    assert r.status_code in (200, 201), r.text
    consent_id = r.json()["consent_id"] if "consent_id" in r.json() else r.json()["id"]
    r = upload(collector, task_id, photos.jpeg(seed=21), consent_id=consent_id)
    assert r.status_code == 201 and r.json()["verdict"] == "accepted", r.text
    r = upload(collector, task_id, photos.jpeg(seed=22), consent_id=999999)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "consent_not_found"


def test_collector_sees_only_their_own_photos(actors: Actors) -> None:
    admin, owner, task_id, _ = ready(actors)
    sid = upload(owner, task_id, photos.jpeg(seed=23)).json()["submission_id"]
    other, _ = actors.collector()
    r = other.get(f"/api/v1/submissions/{sid}")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "submission_not_found"
    assert other.get("/api/v1/me/submissions").json() == []
    assert other.get(f"/api/v1/submissions/{sid}/thumbnail").status_code == 404
    assert owner.get(f"/api/v1/submissions/{sid}/thumbnail").status_code == 200
    # Another collector cannot upload to a task they have not claimed.
    r = upload(other, task_id, photos.jpeg(seed=24))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "task_not_claimed"
    # Staff: admins see it; a reviewer not assigned to the campaign does not.
    owner_id = admin.get(f"/api/v1/submissions/{sid}").json()["collector_id"]
    detail = admin.get(f"/api/v1/collectors/{owner_id}").json()
    assert [x["submission_id"] for x in detail["submissions"]] == [sid]
    assert owner.get("/api/v1/me").json()["collector"]["quality_score"] == 1.0
    assert actors.user("reviewer").get(f"/api/v1/submissions/{sid}").status_code == 404
    assert admin.post(f"/api/v1/tasks/{task_id}/uploads").status_code == 403
