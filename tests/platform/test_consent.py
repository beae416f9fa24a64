"""Consent records, their encrypted forms, validity for uploads, withdrawal and erasure."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from snapset.service import consent
from snapset.service.errors import Invalid
from snapset.service.thumbnails import thumbnail_bytes, thumbnail_key
from snapset.store.models import AuditEvent, Submission, Task
from tests.platform.api_helpers import collector_client, seed_campaign, seed_photo

API = "/api/v1"


def png_signature() -> bytes:
    out = io.BytesIO()
    pixels = np.full((40, 120, 3), 255, dtype=np.uint8)
    pixels[20, 10:110] = 0
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def create(client: Any, form: bytes | None = None, **fields: Any) -> Any:
    data = {"subject_name": "Wanjiru K.", "scope": "face photos, ML training", **fields}
    files = {"form": ("signature.png", form, "image/png")} if form is not None else None
    return client.post(f"{API}/consents", data=data, files=files)


def test_collector_records_consent_with_an_encrypted_form_only_admins_read(
    actors: Any, platform: Any
) -> None:
    admin = actors.admin()
    alice, _ = collector_client(actors, platform)
    bob, _ = collector_client(actors, platform)
    signature = png_signature()

    r = create(alice, signature, consent_date=date.today().isoformat())
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["has_form"] and record["form_content_type"] == "image/png"

    with platform.sessions() as session:
        blob_key = session.get(consent.ConsentRecord, record["id"]).form_blob
    stored = platform.blobs.read_bytes(blob_key)
    assert signature not in stored and not stored.startswith(b"\x89PNG")  # encrypted at rest

    assert [c["id"] for c in alice.get(f"{API}/consents").json()] == [record["id"]]
    assert bob.get(f"{API}/consents").json() == []
    assert bob.get(f"{API}/consents/{record['id']}").status_code == 404
    assert alice.get(f"{API}/consents/{record['id']}/form").status_code == 403
    assert [c["id"] for c in admin.get(f"{API}/consents").json()] == [record["id"]]
    form = admin.get(f"{API}/consents/{record['id']}/form")
    assert form.status_code == 200 and form.content == signature


@pytest.mark.parametrize(
    ("form", "fields", "code"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", {}, "unsupported_form_type"),
        (b"", {}, "empty_form"),
        (None, {"subject_name": "  "}, "subject_required"),
        (None, {"consent_date": "2026-13-45"}, "invalid_consent_date"),
        (None, {"consent_date": "2026-01-10", "expires_at": "2026-01-01"}, "expiry_before_date"),
        (None, {"campaign_id": "99999"}, "campaign_not_found"),
    ],
)
def test_bad_consent_input_gets_a_clear_error(
    actors: Any, platform: Any, form: bytes | None, fields: dict[str, str], code: str
) -> None:
    alice, _ = collector_client(actors, platform)
    r = create(alice, form, **fields)
    assert r.status_code in (404, 422), r.text
    assert r.json()["detail"]["code"] == code
    assert alice.get(f"{API}/consents").json() == []  # nothing half-stored


def test_anonymous_and_staff_cannot_create_consent(client: Any, actors: Any) -> None:
    assert create(client).status_code == 401
    assert create(actors.admin()).status_code == 403


def test_find_valid_names_what_is_wrong(actors: Any, platform: Any) -> None:
    alice_client, alice = collector_client(actors, platform)
    _bob_client, bob = collector_client(actors, platform)
    camp, _ = seed_campaign(platform)
    other, _ = seed_campaign(platform, name="Other")
    today = date.today()
    scoped = create(alice_client, campaign_id=str(camp)).json()["id"]
    expired = create(
        alice_client,
        consent_date=(today - timedelta(days=30)).isoformat(),
        expires_at=(today - timedelta(days=1)).isoformat(),
    ).json()["id"]
    withdrawn = create(alice_client).json()["id"]
    alice_client.post(f"{API}/consents/{withdrawn}/withdraw", json={"reason": "changed mind"})

    with platform.sessions() as session:
        assert consent.find_valid(session, alice.id, scoped, camp).id == scoped
        cases = [
            (alice.id, None, camp, "consent_required"),
            (bob.id, scoped, camp, "consent_not_found"),
            (alice.id, scoped, other, "consent_wrong_campaign"),
            (alice.id, expired, camp, "consent_expired"),
            (alice.id, withdrawn, camp, "consent_withdrawn"),
        ]
        for collector_id, consent_id, campaign_id, code in cases:
            with pytest.raises(Invalid) as err:
                consent.find_valid(session, collector_id, consent_id, campaign_id)
            assert err.value.code == code


def test_withdrawing_consent_erases_linked_photos_and_everything_derived(
    actors: Any, platform: Any
) -> None:
    admin = actors.admin()
    alice_client, alice = collector_client(actors, platform)
    bob_client, _ = collector_client(actors, platform)
    _camp, (day, _) = seed_campaign(platform, target=2)
    record = create(alice_client, png_signature()).json()["id"]
    shown = seed_photo(platform, day, alice.id, "accepted", seed=7)
    also_shown = seed_photo(platform, day, alice.id, "needs_review", seed=8)
    same_bytes_elsewhere = seed_photo(platform, day, alice.id, "rejected", seed=8)
    unrelated = seed_photo(platform, day, alice.id, "accepted", seed=9)
    with platform.sessions() as session:
        for sid in (shown, also_shown):
            consent.link(session, sid, record)
            row = session.get(Submission, sid)
            descriptor = np.array([sid % 256, 1, 2, 3, 4, 5, 6, 7], dtype=np.uint8)
            row.descriptor = descriptor.tobytes()
            platform.duplicates.add(sid, descriptor)
            thumbnail_bytes(platform.blobs, row.blob_key, row.sha256)
        session.commit()
        shown_row = session.get(Submission, shown)
        shown_key, shown_sha = shown_row.blob_key, shown_row.sha256
        shared_key = session.get(Submission, also_shown).blob_key

    assert bob_client.post(f"{API}/consents/{record}/withdraw").status_code == 404
    r = alice_client.post(f"{API}/consents/{record}/withdraw", json={"reason": "moved away"})
    assert r.status_code == 200, r.text
    assert r.json()["erased"] == [shown, also_shown] and r.json()["withdrawn_at"]

    assert not platform.blobs.exists(shown_key)
    assert not platform.blobs.exists(thumbnail_key(shown_sha))
    assert platform.blobs.exists(shared_key)  # still used by another live photo
    assert len(platform.duplicates) == 0
    with platform.sessions() as session:
        erased = session.get(Submission, shown)
        assert erased.erased_at is not None and erased.verdict == "erased"
        assert erased.descriptor is None and erased.lat is None
        task = session.get(Task, day)
        assert (task.accepted_count, task.pending_count) == (1, 0)  # only `unrelated` counts
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("submission.erase") == 2 and "consent.withdraw" in actions
        assert session.get(Submission, unrelated).erased_at is None
    assert alice_client.get(f"{API}/submissions/{shown}/thumbnail").status_code == 404
    assert admin.get(f"{API}/submissions/{shown}/image").status_code == 404
    assert same_bytes_elsewhere  # its row is untouched


def test_a_retried_consent_with_the_same_client_id_answers_the_first_record(
    actors: Any, platform: Any
) -> None:
    alice, _ = collector_client(actors, platform)
    bob, _ = collector_client(actors, platform)
    _camp, (task, _) = seed_campaign(platform)
    fields = {
        "subject_name": "Amina",
        "signed_at": "2026-11-20T10:00:00Z",
        "consent_client_id": "7b1e6f1c-offline-1",
    }
    first = alice.post(
        f"{API}/tasks/{task}/consents",
        data=fields,
        files={"signature": ("sig.png", png_signature(), "image/png")},
    )
    assert first.status_code == 201, first.text
    again = alice.post(
        f"{API}/tasks/{task}/consents",
        data=fields,
        files={"signature": ("sig.png", png_signature(), "image/png")},
    )
    assert again.status_code == 200 and again.json()["consent_id"] == first.json()["consent_id"]
    assert len(alice.get(f"{API}/consents").json()) == 1
    other = bob.post(f"{API}/tasks/{task}/consents", data=fields)  # ids are per collector
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert first.json()["consent_date"] == "2026-11-20"
    bad = alice.post(f"{API}/consents", data={**fields, "consent_client_id": "no spaces!"})
    assert bad.json()["detail"]["code"] == "invalid_consent_client_id"
