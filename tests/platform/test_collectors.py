"""Collector sign-up, encrypted identity documents, verification, flags."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from snapset.store.models import AuditEvent, Collector
from tests.platform import photos
from tests.platform.conftest import TEST_PASSWORD, Actors


def test_signup_logs_in_as_pending_collector(client: TestClient) -> None:
    r = client.post(
        "/api/v1/collectors/signup",
        json={
            "username": "wanjiru",
            "password": TEST_PASSWORD,
            "country": "ke",
            "languages": ["sw", "en"],
            "phone_model": "Tecno Spark 10",
        },
    )
    assert r.status_code == 201, r.text
    me = client.get("/api/v1/me").json()
    assert me["role"] == "collector"
    assert me["collector"]["status"] == "pending" and me["collector"]["country"] == "KE"
    profile = client.get("/api/v1/collectors/me").json()
    assert profile["documents"] == [] and profile["phone_model"] == "Tecno Spark 10"
    r = client.post(
        "/api/v1/collectors/signup",
        json={"username": "bad", "password": TEST_PASSWORD, "country": "Kenya"},
    )
    assert r.status_code == 422


def test_documents_are_encrypted_and_admin_only(actors: Actors) -> None:
    identity = photos.png(photos.scene(300, 200, seed=7))
    collector, cid = actors.collector(verified=False, identity=identity)
    profile = collector.get("/api/v1/collectors/me").json()
    assert {d["kind"] for d in profile["documents"]} == {"identity", "selfie"}
    with actors.platform.sessions() as s:
        row = s.get(Collector, cid)
        assert row is not None and row.id_document_blob
        stored = actors.platform.blobs.read_bytes(row.id_document_blob)
    assert identity not in stored and stored[:4] == b"SNP1"
    admin = actors.admin()
    r = admin.get(f"/api/v1/collectors/{cid}/documents/identity")
    assert r.status_code == 200 and r.content == identity
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "no-store"
    # Nobody else reads it: not the collector themself, not other staff.
    assert collector.get(f"/api/v1/collectors/{cid}/documents/identity").status_code == 403
    reviewer = actors.user("reviewer")
    assert reviewer.get(f"/api/v1/collectors/{cid}/documents/identity").status_code == 403
    assert reviewer.get(f"/api/v1/collectors/{cid}").status_code == 403
    other, _ = actors.collector()
    assert other.get(f"/api/v1/collectors/{cid}").status_code == 403


def test_document_bad_input(actors: Actors) -> None:
    collector, _ = actors.collector(verified=False)
    url = "/api/v1/collectors/me/documents"
    r = collector.post(url, data={"kind": "selfie"}, files={"file": ("s.jpg", photos.PDF_BYTES)})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unsupported_document_type"
    r = collector.post(url, data={"kind": "identity"}, files={"file": ("i.jpg", photos.SVG_BYTES)})
    assert r.status_code == 422
    r = collector.post(
        url, data={"kind": "passport"}, files={"file": ("i.png", photos.small_png())}
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_document_kind"
    r = collector.post(url, data={"kind": "identity"}, files={"file": ("i.png", b"")})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "empty_file"
    # An identity document may be a PDF.
    r = collector.post(url, data={"kind": "identity"}, files={"file": ("i.pdf", photos.PDF_BYTES)})
    assert r.status_code == 201


def test_verify_reject_suspend_flow(actors: Actors) -> None:
    admin = actors.admin()
    collector, cid = actors.collector(verified=False)
    pending = admin.get("/api/v1/collectors?status=pending").json()
    assert [c["id"] for c in pending] == [cid]
    r = admin.post(f"/api/v1/collectors/{cid}/verify", json={"decision": "reject"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "reason_required"
    r = admin.post(
        f"/api/v1/collectors/{cid}/verify",
        json={"decision": "reject", "reason": "selfie does not match the document"},
    )
    assert r.json()["status"] == "rejected"
    assert collector.get("/api/v1/collectors/me").json()["status_reason"] == (
        "selfie does not match the document"
    )
    assert collector.get("/api/v1/tasks").status_code == 403
    # A new upload puts the account back in the queue.
    collector.post(
        "/api/v1/collectors/me/documents",
        data={"kind": "selfie"},
        files={"file": ("s.png", photos.small_png())},
    )
    assert collector.get("/api/v1/collectors/me").json()["status"] == "pending"
    r = admin.post(f"/api/v1/collectors/{cid}/verify", json={"decision": "approve"})
    assert r.json()["status"] == "verified"
    assert collector.get("/api/v1/tasks").status_code == 200
    r = admin.post(f"/api/v1/collectors/{cid}/suspend", json={"reason": "fraud"})
    assert r.json()["status"] == "suspended"
    r = collector.get("/api/v1/tasks")
    assert r.status_code == 403 and r.json()["detail"]["code"] == "collector_not_verified"
    assert admin.post(f"/api/v1/collectors/{cid}/reinstate", json={}).json()["status"] == "verified"
    with actors.platform.sessions() as s:
        actions = list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "collector", AuditEvent.entity_id == str(cid))
                .order_by(AuditEvent.id)
            )
        )
    assert actions[-4:] == [
        "collector.document.selfie",
        "collector.verify",
        "collector.suspend",
        "collector.reinstate",
    ]


def test_verification_needs_documents(actors: Actors, client: TestClient) -> None:
    client.post(
        "/api/v1/collectors/signup",
        json={"username": "nodocs", "password": TEST_PASSWORD, "country": "NG"},
    )
    cid = client.get("/api/v1/me").json()["id"]
    r = actors.admin().post(f"/api/v1/collectors/{cid}/verify", json={"decision": "approve"})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "documents_missing"


def test_reused_identity_document_and_device_are_flagged(actors: Actors) -> None:
    identity = photos.png(photos.scene(300, 200, seed=42))
    _, first = actors.collector(verified=False, identity=identity, device_id="dev-1")
    _, second = actors.collector(verified=False, identity=identity)
    _, third = actors.collector(verified=False, device_id="dev-1")
    _, clean = actors.collector(verified=False)
    admin = actors.admin()
    flags = {c["id"]: set(c["flags"]) for c in admin.get("/api/v1/collectors").json()}
    assert flags[first] == {"shared_identity_document", "shared_device"}
    assert flags[second] == {"shared_identity_document"}
    assert flags[third] == {"shared_device"}
    assert flags[clean] == set()
    detail = admin.get(f"/api/v1/collectors/{second}").json()
    assert detail["flags"][0]["other_collector_id"] == first
