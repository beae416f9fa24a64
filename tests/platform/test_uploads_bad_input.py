"""Hostile and broken uploads: each gets a clear 4xx with a reason code, nothing is
half-stored (no row, no blob, no temporary file), and the server keeps serving."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from snapset.api.multipart import receive_form
from snapset.service.errors import ServiceError
from snapset.service.platform import recover_staged
from snapset.store import photo_key
from snapset.store.models import Claim, Submission
from snapset.store.types import utcnow
from tests.platform import photos
from tests.platform.conftest import Actors
from tests.platform.test_uploads import ready, upload


def assert_nothing_stored(actors: Actors) -> None:
    platform = actors.platform
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
    assert list(platform.blobs.iter_keys("images/")) == []
    staging = Path(platform.settings.resolved_storage_url.removeprefix("file://")) / "_staging"
    assert list(staging.iterdir()) == []
    assert list(platform.settings.tmp_dir.glob("upload-*")) == []


def still_serving(client: TestClient) -> None:
    assert client.get("/api/v1/me").status_code == 200


BAD_FILES = {
    "zero-byte": (b"", "empty_file"),
    "corrupt": (b"\xff\xd8\xff\xe0" + b"\x00garbage" * 500, "unreadable"),
    "truncated": (photos.jpeg(seed=30)[:20000], "truncated"),
    "pdf named .jpg": (photos.PDF_BYTES, "unsupported_format"),
    "svg named .jpg": (photos.SVG_BYTES, "unsupported_format"),
    "decompression bomb": (photos.decompression_bomb(), "decompression_bomb"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_unusable_files_are_422_and_not_stored(actors: Actors, name: str) -> None:
    data, code = BAD_FILES[name]
    _, collector, task_id, _ = ready(actors)
    r = upload(collector, task_id, data)
    assert r.status_code == 422, (name, r.text)
    assert r.json()["detail"]["code"] == code, name
    assert r.json()["detail"]["message"]
    assert_nothing_stored(actors)
    still_serving(collector)


def test_oversized_file_is_413_and_not_stored(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors, {"constraints": {"max_file_mb": 0.05}})
    big = photos.jpeg(seed=31)
    assert len(big) > 0.05 * 1024 * 1024
    r = upload(collector, task_id, big)
    assert r.status_code == 413
    assert r.json()["detail"]["code"] == "file_too_large"
    assert r.json()["detail"]["limit_bytes"] == int(0.05 * 1024 * 1024)
    assert_nothing_stored(actors)
    still_serving(collector)


def test_malformed_requests(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    url = f"/api/v1/tasks/{task_id}/uploads"
    r = collector.post(url, content=b"not a form", headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and r.json()["detail"]["code"] == "unsupported_media_type"
    r = collector.post(url, content=b"x", headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 400 and r.json()["detail"]["code"] == "malformed_multipart"
    garbage = b'--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nabc'
    r = collector.post(
        url, content=garbage, headers={"Content-Type": "multipart/form-data; boundary=XYZ"}
    )
    assert r.status_code == 400 and r.json()["detail"]["code"] == "malformed_multipart"
    r = collector.post(url, data={"upload_id": "u1"})
    assert r.status_code in (400, 415)
    r = collector.post(url, files={"file": ("a.jpg", photos.jpeg(seed=32), "image/jpeg")})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_upload_id"
    r = upload(collector, task_id, photos.jpeg(seed=33), lat="north", lon=3)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_lat"
    r = upload(collector, task_id, photos.jpeg(seed=33), captured_at="yesterday")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_captured_at"
    two_files = [
        ("file", ("a.jpg", photos.jpeg(seed=34), "image/jpeg")),
        ("file", ("b.jpg", photos.jpeg(seed=35), "image/jpeg")),
    ]
    r = collector.post(url, data={"upload_id": "u2"}, files=two_files)
    assert r.status_code == 400 and r.json()["detail"]["code"] == "multiple_files"
    assert_nothing_stored(actors)
    still_serving(collector)


def test_unknown_task_and_expired_claim(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    r = upload(collector, 987654, photos.jpeg(seed=36))
    assert r.status_code == 404 and r.json()["detail"]["code"] == "task_not_found"
    with actors.platform.sessions() as s:
        s.execute(update(Claim).values(expires_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    r = upload(collector, task_id, photos.jpeg(seed=36))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "claim_expired"
    assert_nothing_stored(actors)
    # Claiming again makes the same upload work.
    collector.post(f"/api/v1/tasks/{task_id}/claim")
    assert upload(collector, task_id, photos.jpeg(seed=36)).status_code == 201


def test_duplicate_upload_id_with_different_bytes_stores_nothing_new(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    upload_id = str(uuid.uuid4())
    assert upload(collector, task_id, photos.jpeg(seed=37), upload_id).status_code == 201
    r = upload(collector, task_id, photos.jpeg(seed=38), upload_id)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "upload_id_conflict"
    with actors.platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
    assert len(list(actors.platform.blobs.iter_keys("images/"))) == 1


# --- the streaming parser stops reading at the cap --------------------------------------


def _multipart(payload_size: int, boundary: str = "B0UND") -> list[bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload_id"\r\n\r\nx\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    chunk = 64 * 1024
    body = [head]
    sent = 0
    while sent < payload_size:
        body.append(b"\xab" * min(chunk, payload_size - sent))
        sent += chunk
    body.append(f"\r\n--{boundary}--\r\n".encode())
    return body


def test_parser_stops_reading_once_the_file_passes_the_cap(tmp_path: Path) -> None:
    cap = 256 * 1024
    chunks = _multipart(50 * 1024 * 1024)  # 50 MB offered
    pulled = 0
    biggest_temp = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled, biggest_temp
        for chunk in chunks:
            for part in tmp_path.glob("upload-*"):
                biggest_temp = max(biggest_temp, part.stat().st_size)
            pulled += 1
            yield chunk

    async def run() -> Any:
        return await receive_form(
            stream(),
            content_type="multipart/form-data; boundary=B0UND",
            content_length=None,
            tmp_dir=tmp_path,
            max_file_bytes=cap,
        )

    with pytest.raises(ServiceError) as info:
        asyncio.run(run())
    assert info.value.code == "file_too_large" and info.value.status == 413
    # Stopped right after the chunk that crossed the cap, not after 50 MB.
    assert pulled <= cap // (64 * 1024) + 2
    assert biggest_temp <= cap
    assert list(tmp_path.glob("upload-*")) == []


def test_parser_rejects_a_declared_length_over_the_cap_without_reading(tmp_path: Path) -> None:
    pulled = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled
        pulled += 1
        yield b""

    async def run() -> Any:
        return await receive_form(
            stream(),
            content_type="multipart/form-data; boundary=B0UND",
            content_length=10**9,
            tmp_dir=tmp_path,
            max_file_bytes=1024,
        )

    with pytest.raises(ServiceError) as info:
        asyncio.run(run())
    assert info.value.code == "file_too_large" and pulled == 0


def test_crash_between_commit_and_promotion_is_repaired_at_start_up(actors: Actors) -> None:
    """A staged blob whose row was committed is promoted; an orphan one is removed."""
    platform = actors.platform
    _, collector, task_id, _ = ready(actors)
    body = upload(collector, task_id, photos.jpeg(seed=40)).json()
    with platform.sessions() as s:
        row = s.get(Submission, body["submission_id"])
        assert row is not None
        key = row.blob_key
    # Simulate the crash: the committed row's blob is back in staging, plus an orphan.
    data = platform.blobs.read_bytes(key)
    platform.blobs.delete(key)
    tmp = platform.settings.tmp_dir
    (tmp / "a").write_bytes(data)
    (tmp / "b").write_bytes(b"orphan")
    kept = platform.blobs.stage(tmp / "a", intended_key=key)
    orphan = platform.blobs.stage(tmp / "b", intended_key=photo_key("ee" * 32, "jpg"))
    staging = Path(platform.settings.resolved_storage_url.removeprefix("file://")) / "_staging"
    old = time.time() - 3600
    for staged in (kept, orphan):
        os.utime(staging / staged.name, (old, old))
    with platform.sessions() as s:
        assert recover_staged(platform.blobs, s) == 1
    assert platform.blobs.read_bytes(key) == data
    assert list(staging.iterdir()) == []
