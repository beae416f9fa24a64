"""Export a campaign's accepted photos with a JSON Lines manifest (and optionally as
COCO, YOLO or Pascal VOC), in the background.

`start_export` records a job and hands it to the platform's job runner; `run_export`
streams photo after photo from the blob store into a zip, a tar or a folder under
`<data dir>/exports/` (constant memory: nothing is built in RAM), writes one manifest line
per photo through `snapset.formats.manifest`, and reports progress in the job row. The
archive appears under its final name only when complete; the API then streams it from
disk. Location is exported only when the campaign allows it (`export.include_location`
in the spec) and the request asks for it; collectors appear as their stable pseudonym.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snapset.formats import read_dataset, write_dataset
from snapset.formats.manifest import ManifestRecord, content_path, write_records
from snapset.service import audit
from snapset.service.errors import Conflict, Invalid, NotFound
from snapset.service.export_archive import (
    ARCHIVE_KINDS,
    ArchiveWriter,
    FolderArchiveWriter,
    archive_suffix,
    open_archive,
)
from snapset.service.jobs import JobProgress
from snapset.service.platform import Platform
from snapset.store.models import Campaign, Collector, ExportJob, Submission, Task, User
from snapset.store.types import utcnow

logger = logging.getLogger(__name__)
EXPORT_FORMATS = ("manifest", "coco", "yolo", "voc")
PROGRESS_EVERY = 10
MANIFEST_NAME = "manifest.jsonl"
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "HEIF": ".heic", "WEBP": ".webp", "TIFF": ".tif"}


class ExportCancelled(Exception):
    """An admin cancelled the export while it ran."""


def exports_dir(platform: Platform) -> Path:
    return platform.settings.data_dir / "exports"


def location_allowed(campaign: Campaign) -> bool:
    """Whether the campaign spec lets exports carry photo locations (off by default)."""
    export = (campaign.spec or {}).get("export") or {}
    return bool(isinstance(export, dict) and export.get("include_location"))


def start_export(
    session: Session,
    platform: Platform,
    admin: User,
    campaign_id: int,
    archive: str = "zip",
    export_format: str = "manifest",
    include_location: bool = False,
) -> ExportJob:
    """Record an export job and start it in the background; returns the queued job."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign_not_found", f"no campaign with id {campaign_id}")
    if archive not in ARCHIVE_KINDS:
        raise Invalid("invalid_archive", f"archive must be one of {', '.join(ARCHIVE_KINDS)}")
    if export_format not in EXPORT_FORMATS:
        raise Invalid(
            "unsupported_export_format",
            f"format must be one of {', '.join(EXPORT_FORMATS)}",
        )
    if include_location and not location_allowed(campaign):
        raise Invalid(
            "location_not_allowed",
            "this campaign's spec does not allow exporting locations (export.include_location)",
        )
    job = ExportJob(
        campaign_id=campaign_id,
        requested_by=admin.id,
        format=export_format,
        options={"archive": archive, "include_location": include_location},
        status="queued",
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor_id=admin.id,
        action="export.start",
        entity_type="export",
        entity_id=job.id,
        after={"campaign_id": campaign_id, **job.options},
    )
    session.commit()
    job_id = job.id
    platform.jobs.submit(job_key(job_id), lambda progress: run_export(platform, job_id, progress))
    return job


def _accepted(session: Session, campaign_id: int) -> Any:
    return (
        select(Submission, Task.cell, Collector.pseudonym)
        .join(Task, Task.id == Submission.task_id)
        .outerjoin(Collector, Collector.user_id == Submission.collector_id)
        .where(
            Submission.campaign_id == campaign_id,
            Submission.verdict == "accepted",
            Submission.erased_at.is_(None),
        )
        .order_by(Submission.id)
    )


def manifest_record(
    submission: Submission, cell: dict[str, Any] | None, pseudonym: str | None, with_location: bool
) -> ManifestRecord:
    """One manifest line for one accepted photo (the platform/formats contract)."""
    suffix = _EXTENSIONS.get(submission.format.upper(), ".jpg")
    location = None
    if with_location and submission.lat is not None and submission.lon is not None:
        location = {"lat": submission.lat, "lon": submission.lon}
    qc = {k: float(v) for k, v in (submission.scores or {}).items() if isinstance(v, int | float)}
    record: dict[str, Any] = {
        "file": content_path(submission.sha256, suffix),
        "sha256": submission.sha256,
        "size": submission.size,
        "width": submission.width,
        "height": submission.height,
        "cell": dict(cell or {}),
        "captured_at": _iso(submission.captured_at),
        "device": {"make": submission.camera_make, "model": submission.camera_model},
        "location": location,
        "collector": pseudonym,
        "qc": qc,
        "verdict": submission.verdict,
        "annotations": [],
    }
    return msgspec.convert(record, ManifestRecord)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _set(platform: Platform, job_id: int, **values: Any) -> None:
    with platform.sessions() as session:
        job = session.get(ExportJob, job_id)
        if job is None:
            return
        for key, value in values.items():
            setattr(job, key, value)
        session.commit()


def run_export(platform: Platform, job_id: int, progress: JobProgress) -> None:
    """Write the archive for one job; the job row ends as done or failed, never stuck.

    `manifest` streams photos straight into the archive. COCO/YOLO/VOC first write the
    photos and manifest to a staging folder, convert it with `snapset.formats` (images
    linked, not copied), then stream the converted tree into the archive.
    """
    with platform.sessions() as session:
        job = session.get(ExportJob, job_id)
        if job is None:
            return
        campaign = session.get(Campaign, job.campaign_id)
        kind = job.options.get("archive", "zip")
        export_format = job.format
        with_location = (
            bool(job.options.get("include_location"))
            and campaign is not None
            and location_allowed(campaign)
        )
        total = session.scalar(
            select(func.count()).select_from(_accepted(session, job.campaign_id).subquery())
        )
        info: dict[str, Any] = {
            "campaign": {"id": campaign.id, "name": campaign.name} if campaign else {},
            "spec": campaign.spec if campaign else {},
            "format": export_format,
            "location_included": with_location,
        }
        campaign_id = job.campaign_id
    if progress.cancelled:  # cancelled while it waited in the queue
        _set(platform, job_id, status="failed", error="export cancelled", finished_at=utcnow())
        return
    progress.set_total(int(total or 0))
    _set(platform, job_id, status="running", started_at=utcnow(), total=int(total or 0), done=0)

    name = f"campaign-{campaign_id}-export-{job_id}{archive_suffix(kind)}"  # type: ignore[arg-type]
    folder = exports_dir(platform)
    target = folder / name
    manifest_tmp = folder / f".{name}.manifest.part"
    staging = folder / f".{name}.staging"
    converted = folder / f".{name}.{export_format}"
    writer = open_archive(target, kind)  # type: ignore[arg-type]
    try:
        photo_writer = writer if export_format == "manifest" else FolderArchiveWriter(staging)
        count = _write_photos(
            platform, job_id, campaign_id, with_location, progress, photo_writer, manifest_tmp
        )
        info.update(photos=count, exported_at=_iso(utcnow()))
        if export_format == "manifest":
            _add_file(writer, MANIFEST_NAME, manifest_tmp)
        else:
            _add_file(photo_writer, MANIFEST_NAME, manifest_tmp)
            photo_writer.close()
            dataset = read_dataset(staging / MANIFEST_NAME, "manifest")
            info["warnings"] = write_dataset(dataset, converted, export_format, images="link")
            for path in sorted(converted.rglob("*")):
                if path.is_file():
                    _add_file(writer, path.relative_to(converted).as_posix(), path)
            _add_file(writer, MANIFEST_NAME, staging / MANIFEST_NAME)
        writer.add_bytes("export.json", json.dumps(info, indent=2, default=str).encode())
        final = writer.close()
        size = final.stat().st_size if final.is_file() else _folder_size(final)
        # Scratch goes before the job says "done": whoever sees it done sees only the result.
        _remove_scratch(manifest_tmp, staging, converted)
        _set(
            platform,
            job_id,
            status="done",
            done=count,
            finished_at=utcnow(),
            file_blob=str(final.relative_to(platform.settings.data_dir)),
            file_size=size,
        )
    except Exception as exc:
        writer.abort()
        _remove_scratch(manifest_tmp, staging, converted)
        logger.exception("export %s failed", job_id)
        _set(
            platform,
            job_id,
            status="failed",
            error=str(exc) if isinstance(exc, ExportCancelled) else f"{type(exc).__name__}: {exc}",
            finished_at=utcnow(),
        )
    finally:
        _remove_scratch(manifest_tmp, staging, converted)


def _remove_scratch(manifest_tmp: Path, staging: Path, converted: Path) -> None:
    manifest_tmp.unlink(missing_ok=True)
    for leftover in (staging, staging.with_name(staging.name + ".part"), converted):
        shutil.rmtree(leftover, ignore_errors=True)


def _add_file(writer: ArchiveWriter, member: str, path: Path) -> None:
    with path.open("rb") as stream:  # follows the converter's image links
        writer.add_stream(member, stream, path.stat().st_size)


def _write_photos(
    platform: Platform,
    job_id: int,
    campaign_id: int,
    with_location: bool,
    progress: JobProgress,
    writer: ArchiveWriter,
    manifest_path: Path,
) -> int:
    """Copy every accepted photo into `writer` and its manifest line into `manifest_path`."""
    written: set[str] = set()
    count = 0
    with manifest_path.open("wb") as manifest, platform.sessions() as session:
        for record, blob_key in _records(session, campaign_id, with_location):
            if progress.cancelled:
                raise ExportCancelled("export cancelled")
            if record.file not in written:  # the same bytes twice: one file
                with platform.blobs.open(blob_key) as stream:
                    writer.add_stream(record.file, stream, record.size)
                written.add(record.file)
            write_records(manifest, [record])
            count += 1
            progress.advance()
            if count % PROGRESS_EVERY == 0:
                _set(platform, job_id, done=count)
    return count


def _records(
    session: Session, campaign_id: int, with_location: bool
) -> Iterator[tuple[ManifestRecord, str]]:
    query = _accepted(session, campaign_id).execution_options(yield_per=500)
    for submission, cell, pseudonym in session.execute(query):
        yield manifest_record(submission, cell, pseudonym, with_location), submission.blob_key


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def get_job(session: Session, job_id: int) -> ExportJob:
    job = session.get(ExportJob, job_id)
    if job is None:
        raise NotFound("export_not_found", f"no export with id {job_id}")
    return job


def list_jobs(session: Session, campaign_id: int) -> list[ExportJob]:
    return list(
        session.scalars(
            select(ExportJob).where(ExportJob.campaign_id == campaign_id).order_by(ExportJob.id)
        )
    )


def archive_path(platform: Platform, job: ExportJob) -> Path:
    """The finished archive file of a job, ready to stream."""
    if job.status != "done" or not job.file_blob:
        raise Conflict("export_not_ready", f"export {job.id} is {job.status}, not done")
    path = platform.settings.data_dir / job.file_blob
    if job.options.get("archive") == "folder":
        raise Invalid("export_is_folder", f"this export is a folder on the server: {path}")
    if not path.is_file():
        raise NotFound("export_file_missing", "the export file is no longer on the server")
    return path


def cancel_export(session: Session, platform: Platform, admin: User, job_id: int) -> ExportJob:
    """Ask a queued or running export to stop; it ends `failed` with "export cancelled"."""
    job = get_job(session, job_id)
    if job.status not in ("queued", "running"):
        raise Conflict("export_finished", f"export {job_id} is already {job.status}")
    if not platform.jobs.cancel(job_key(job_id)):
        check_interrupted(session, platform, job)
    audit.record(
        session,
        actor_id=admin.id,
        action="export.cancel",
        entity_type="export",
        entity_id=job_id,
        before={"status": job.status},
    )
    session.commit()
    return job


def job_key(job_id: int) -> str:
    return f"export-{job_id}"


def check_interrupted(session: Session, platform: Platform, job: ExportJob) -> ExportJob:
    """A queued/running job this process is not running was cut short by a restart: it
    can never finish, so it is marked failed (the caller commits)."""
    if job.status in ("queued", "running") and platform.jobs.progress(job_key(job.id)) is None:
        job.status = "failed"
        job.error = "the server stopped while this export was running; start it again"
        job.finished_at = utcnow()
    return job


def discard_exports_containing(
    session: Session, platform: Platform, erased_submission_ids: list[int], actor_id: int | None
) -> list[int]:
    """Erasure reaches finished exports too: an archive that may hold an erased photo is
    deleted and its job marked failed (export again to get a clean one)."""
    if not erased_submission_ids:
        return []
    rows = session.execute(
        select(Submission.campaign_id, func.min(Submission.created_at))
        .where(Submission.id.in_(erased_submission_ids))
        .group_by(Submission.campaign_id)
    ).all()
    discarded = []
    for campaign_id, oldest in rows:
        jobs = session.scalars(
            select(ExportJob).where(
                ExportJob.campaign_id == campaign_id,
                ExportJob.status == "done",
                ExportJob.finished_at >= oldest,
            )
        )
        for job in jobs:
            if job.file_blob:
                path = platform.settings.data_dir / job.file_blob
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            job.status = "failed"
            job.error = "a photo in this export was erased (consent withdrawn); export again"
            audit.record(
                session,
                actor_id=actor_id,
                action="export.discard",
                entity_type="export",
                entity_id=job.id,
                before={"status": "done"},
                after={"status": "failed", "reason": "erasure"},
            )
            discarded.append(job.id)
    return discarded
