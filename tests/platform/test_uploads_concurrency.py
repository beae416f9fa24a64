"""Uploads racing for the last places of a quota cell never overfill it, and concurrent
retries of one upload id store a single submission (real threads, real database)."""

from __future__ import annotations

import hashlib
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select, update

from snapset.service import uploads
from snapset.service.errors import ServiceError
from snapset.service.platform import Platform
from snapset.store.models import Submission, Task
from snapset.store.types import utcnow
from tests.platform import photos
from tests.platform.conftest import Actors
from tests.platform.test_uploads import ready


def _form(tmp: Path, data: bytes, upload_id: str) -> uploads.UploadForm:
    path = tmp / f"upload-{uuid.uuid4().hex}.part"
    path.write_bytes(data)
    return uploads.UploadForm(
        path=path,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        filename="p.jpg",
        content_type="image/jpeg",
        upload_id=upload_id,
    )


def _collector_id(client: Any) -> int:
    return int(client.get("/api/v1/me").json()["id"])


def test_racing_uploads_do_not_overfill_a_cell(actors: Actors) -> None:
    overrides = {"quota": {"target_per_cell": 3, "dimensions": [{"name": "x", "values": ["a"]}]}}
    _, collector, task_id, _ = ready(actors, overrides)
    cid = _collector_id(collector)
    platform = actors.platform
    forms = [
        _form(platform.settings.tmp_dir, photos.jpeg(640, 480, seed=200 + i), f"race-{i}")
        for i in range(8)
    ]

    def run(form: uploads.UploadForm) -> str:
        try:
            body, _ = uploads.process(platform, cid, task_id, form)
            return str(body["verdict"])
        except ServiceError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, forms))
    assert outcomes.count("accepted") == 3, outcomes
    assert set(outcomes) <= {"accepted", "cell_full"}
    with platform.sessions() as s:
        task = s.get(Task, task_id)
        assert task is not None and task.accepted_count == 3 and task.state == "full"
        assert s.scalar(select(func.count()).select_from(Submission)) == 3
    assert len(list(platform.blobs.iter_keys("images/"))) == 3


def test_concurrent_retries_of_one_upload_store_one_submission(actors: Actors) -> None:
    _, collector, task_id, _ = ready(actors)
    cid = _collector_id(collector)
    platform = actors.platform
    data = photos.jpeg(640, 480, seed=300)
    forms = [_form(platform.settings.tmp_dir, data, "same-id") for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda f: uploads.process(platform, cid, task_id, f), forms))
    assert len({body["submission_id"] for body, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
        task = s.get(Task, task_id)
        assert task is not None and task.accepted_count == 1
    assert len(list(platform.blobs.iter_keys("images/"))) == 1


def test_processes_sharing_a_database_see_each_others_photos(actors: Actors) -> None:
    """A second server process (its own index) catches a near duplicate of a photo the
    first one stored, and forgets it once it is erased."""
    _, collector, task_id, _ = ready(actors)
    cid = _collector_id(collector)
    first = actors.platform
    second = Platform.open(first.settings, migrate=False)
    try:
        pixels = photos.scene(seed=400)
        body, _ = uploads.process(
            first, cid, task_id, _form(first.settings.tmp_dir, photos.jpeg(pixels=pixels), "p1")
        )
        assert body["verdict"] == "accepted"
        copy = io.BytesIO()
        Image.fromarray(pixels).resize((800, 600)).save(copy, "JPEG", quality=75)
        form = _form(second.settings.tmp_dir, copy.getvalue(), "p2")
        near, _ = uploads.process(second, cid, task_id, form)
        assert [r["code"] for r in near["reasons"]] == ["near_duplicate"]
        with first.sessions() as s:
            s.execute(
                update(Submission)
                .where(Submission.id.in_([body["submission_id"], near["submission_id"]]))
                .values(erased_at=utcnow())
            )
            s.commit()
        copy2 = io.BytesIO()
        Image.fromarray(pixels).resize((820, 615)).save(copy2, "JPEG", quality=80)
        again, _ = uploads.process(
            second, cid, task_id, _form(second.settings.tmp_dir, copy2.getvalue(), "p3")
        )
        assert again["verdict"] == "accepted", again["reasons"]
    finally:
        second.close()
