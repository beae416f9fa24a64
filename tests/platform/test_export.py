"""Export jobs: start, progress, download a zip or tar whose manifest follows the contract."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
import zipfile
from typing import Any

import pytest

from snapset.formats.manifest import read_records
from snapset.service.platform import Platform
from tests.platform.api_helpers import collector_client, seed_campaign, seed_photo

API = "/api/v1"


def wait_done(admin: Any, job_id: int) -> dict[str, Any]:
    for _ in range(400):
        job = admin.get(f"{API}/exports/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"export {job_id} never finished: {job}")


def seed_export_campaign(platform: Platform, actors: Any, spec: dict[str, Any] | None = None):
    _c, alice = collector_client(actors, platform)
    camp, (day, night) = seed_campaign(platform, spec=spec)
    accepted = [
        seed_photo(
            platform,
            day,
            alice.id,
            "accepted",
            lat=-1.28,
            lon=36.82,
            camera_make="Google",
            camera_model="Pixel 8",
        ),
        seed_photo(platform, night, alice.id, "accepted"),
    ]
    seed_photo(platform, day, alice.id, "rejected")
    seed_photo(platform, day, alice.id, "needs_review")
    return camp, alice, accepted


@pytest.mark.parametrize("archive", ["zip", "tar"])
def test_export_streams_accepted_photos_and_a_contract_manifest(
    actors: Any, platform: Platform, archive: str, tmp_path: Any
) -> None:
    admin = actors.admin()
    camp, alice, _accepted = seed_export_campaign(platform, actors)

    r = admin.post(f"{API}/campaigns/{camp}/exports", json={"archive": archive})
    assert r.status_code == 202, r.text
    job = wait_done(admin, r.json()["id"])
    assert job["status"] == "done", job
    assert (job["total"], job["done"], job["progress"]) == (2, 2, 1.0)
    download = admin.get(job["download_url"])
    assert download.status_code == 200
    assert int(download.headers["content-length"]) == job["file_size"]

    members: dict[str, bytes] = {}
    if archive == "zip":
        with zipfile.ZipFile(io.BytesIO(download.content)) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
    else:
        with tarfile.open(fileobj=io.BytesIO(download.content)) as tf:
            for member in tf.getmembers():
                members[member.name] = tf.extractfile(member).read()  # type: ignore[union-attr]
    (tmp_path / "manifest.jsonl").write_bytes(members["manifest.jsonl"])
    records = list(read_records(tmp_path / "manifest.jsonl"))
    assert len(records) == 2
    for record in records:
        image = members[record.file]
        assert hashlib.sha256(image).hexdigest() == record.sha256 and len(image) == record.size
        assert record.collector == f"p{alice.id:05d}"  # pseudonym, not username
        assert record.location is None  # the campaign does not allow locations
        assert record.verdict == "accepted" and "brightness" in record.qc
    assert {tuple(r.cell.items()) for r in records} == {
        (("lighting", "day"),),
        (("lighting", "night"),),
    }
    assert records[0].device.model == "Pixel 8"
    info = json.loads(members["export.json"])
    assert info["photos"] == 2 and info["location_included"] is False
    listed = admin.get(f"{API}/campaigns/{camp}/exports").json()
    assert [j["id"] for j in listed] == [job["id"]]


def test_location_only_when_the_campaign_allows_it(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    camp, _alice, _ = seed_export_campaign(platform, actors)
    r = admin.post(f"{API}/campaigns/{camp}/exports", json={"include_location": True})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "location_not_allowed"

    allowed = {"pay": {"amount": 0.25}, "export": {"include_location": True}}
    camp2, _bob, _ = seed_export_campaign(platform, actors, spec=allowed)
    r = admin.post(
        f"{API}/campaigns/{camp2}/exports", json={"archive": "folder", "include_location": True}
    )
    job = wait_done(admin, r.json()["id"])
    assert job["status"] == "done" and job["download_url"] is None
    folder = platform.settings.data_dir / job["path"]
    records = list(read_records(folder / "manifest.jsonl"))
    located = [r.location for r in records if r.location is not None]
    assert len(located) == 1 and (located[0].lat, located[0].lon) == (-1.28, 36.82)


def test_export_errors_and_roles(actors: Any, platform: Platform, client: Any) -> None:
    admin = actors.admin()
    reviewer = actors.user("reviewer")
    camp, _alice, _ = seed_export_campaign(platform, actors)
    assert client.post(f"{API}/campaigns/{camp}/exports", json={}).status_code == 401
    assert reviewer.post(f"{API}/campaigns/{camp}/exports", json={}).status_code == 403
    assert admin.post(f"{API}/campaigns/99999/exports", json={}).status_code == 404
    r = admin.post(f"{API}/campaigns/{camp}/exports", json={"format": "pdf"})
    assert r.json()["detail"]["code"] == "unsupported_export_format"
    assert admin.post(f"{API}/campaigns/{camp}/exports", json={"archive": "rar"}).status_code == 422
    assert admin.get(f"{API}/exports/99999").status_code == 404


def test_a_missing_blob_fails_the_job_cleanly(actors: Any, platform: Platform) -> None:
    admin = actors.admin()
    camp, _alice, accepted = seed_export_campaign(platform, actors)
    with platform.sessions() as session:
        from snapset.store.models import Submission

        platform.blobs.delete(session.get(Submission, accepted[1]).blob_key)  # type: ignore[union-attr]
    r = admin.post(f"{API}/campaigns/{camp}/exports", json={"archive": "zip"})
    job = wait_done(admin, r.json()["id"])
    assert job["status"] == "failed" and "BlobNotFound" in job["error"]
    assert admin.get(f"{API}/exports/{job['id']}/download").status_code == 409
    leftovers = list((platform.settings.data_dir / "exports").iterdir())
    assert leftovers == []  # nothing half-written stays behind


@pytest.mark.parametrize("export_format", ["coco", "yolo", "voc"])
def test_export_in_a_training_format_keeps_images_and_the_manifest(
    actors: Any, platform: Platform, export_format: str
) -> None:
    admin = actors.admin()
    camp, _alice, _ = seed_export_campaign(platform, actors)
    r = admin.post(f"{API}/campaigns/{camp}/exports", json={"format": export_format})
    job = wait_done(admin, r.json()["id"])
    assert job["status"] == "done", job
    with zipfile.ZipFile(io.BytesIO(admin.get(job["download_url"]).content)) as zf:
        names = zf.namelist()
        images = [n for n in names if n.lower().endswith(".jpg")]
        assert len(images) == 2 and "manifest.jsonl" in names
        assert json.loads(zf.read("export.json"))["format"] == export_format
        if export_format == "coco":
            (ann,) = [n for n in names if n.endswith(".json") and n != "export.json"]
            assert len(json.loads(zf.read(ann))["images"]) == 2
    leftovers = [p.name for p in (platform.settings.data_dir / "exports").iterdir()]
    assert leftovers == [f"campaign-{camp}-export-{job['id']}.zip"]


def test_job_runner_reports_progress_and_survives_a_failing_job() -> None:
    from snapset.service.jobs import JobProgress, JobRunner

    runner = JobRunner()
    seen: list[float] = []

    def failing(_progress: JobProgress) -> None:
        raise ValueError("boom")

    def counting(progress: JobProgress) -> None:
        progress.set_total(4)
        for _ in range(4):
            progress.advance()
        seen.append(progress.fraction)

    runner.submit("bad", failing)
    runner.wait("bad")
    runner.submit("good", counting)
    runner.wait("good")
    assert seen == [1.0] and runner.progress("good").done == 4  # type: ignore[union-attr]
    assert runner.progress("unknown") is None and not runner.cancel("unknown")
    runner.shutdown()


def test_folder_export_refuses_member_names_that_escape(tmp_path: Any) -> None:
    from snapset.service.export_archive import FolderArchiveWriter

    writer = FolderArchiveWriter(tmp_path / "export")
    with pytest.raises(ValueError, match="escapes"):
        writer.add_bytes("../outside.txt", b"x")
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_export_memory_does_not_grow_with_the_photos(actors: Any, platform: Platform) -> None:
    """Peak Python allocations while exporting 30 x ~1 MB photos stay far below the
    archive's size: photos are copied through fixed-size buffers, never held whole."""
    import tracemalloc

    from snapset.service import exports
    from snapset.service.jobs import JobProgress
    from snapset.store.models import ExportJob

    _c, alice = collector_client(actors, platform)
    camp, (day, _) = seed_campaign(platform)
    for i in range(30):
        seed_photo(platform, day, alice.id, "accepted", seed=1000 + i, pixels=(1000, 800))
    with platform.sessions() as session:
        job = ExportJob(campaign_id=camp, format="manifest", options={"archive": "tar"})
        session.add(job)
        session.commit()
        job_id = job.id

    tracemalloc.start()
    exports.run_export(platform, job_id, JobProgress(job_id=str(job_id)))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with platform.sessions() as session:
        done = session.get(ExportJob, job_id)
        assert done is not None and done.status == "done", done.error if done else None
        archive_size = done.file_size or 0
    assert archive_size > 15_000_000
    assert peak < archive_size / 4, (peak, archive_size)


def test_withdrawn_consent_discards_exports_that_may_hold_the_photo(
    actors: Any, platform: Platform
) -> None:
    from snapset.service import consent

    admin = actors.admin()
    alice_client, alice = collector_client(actors, platform)
    camp, (day, _) = seed_campaign(platform)
    photo = seed_photo(platform, day, alice.id, "accepted")
    record = alice_client.post(f"{API}/consents", data={"subject_name": "B."}).json()["id"]
    with platform.sessions() as session:
        consent.link(session, photo, record)
        session.commit()
    job = wait_done(admin, admin.post(f"{API}/campaigns/{camp}/exports", json={}).json()["id"])
    assert job["status"] == "done"
    archive = platform.settings.data_dir / "exports" / f"campaign-{camp}-export-{job['id']}.zip"
    assert archive.is_file()

    assert alice_client.post(f"{API}/consents/{record}/withdraw").json()["erased"] == [photo]
    after = admin.get(f"{API}/exports/{job['id']}").json()
    assert after["status"] == "failed" and "erased" in after["error"]
    assert not archive.exists()
    assert admin.get(f"{API}/exports/{job['id']}/download").status_code == 409


def test_a_queued_export_can_be_cancelled(actors: Any, platform: Platform) -> None:
    import threading

    admin = actors.admin()
    camp, _alice, _ = seed_export_campaign(platform, actors)
    gate = threading.Event()
    platform.jobs.submit("busy", lambda _progress: gate.wait(30))  # holds the only worker
    job = admin.post(f"{API}/campaigns/{camp}/exports", json={}).json()
    assert job["status"] == "queued"
    r = admin.post(f"{API}/exports/{job['id']}/cancel")
    assert r.status_code == 200, r.text
    gate.set()
    done = wait_done(admin, job["id"])
    assert (done["status"], done["error"]) == ("failed", "export cancelled")
    again = admin.post(f"{API}/exports/{job['id']}/cancel")
    assert again.status_code == 409 and again.json()["detail"]["code"] == "export_finished"
    assert list((platform.settings.data_dir / "exports").glob("*.zip")) == []
