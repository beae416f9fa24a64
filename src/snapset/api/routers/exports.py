"""Export jobs: start one, watch its progress, download the finished archive."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel

from snapset.api.deps import AdminUser, DbDep, PlatformDep
from snapset.service import exports
from snapset.service.exports import ExportJob
from snapset.service.platform import Platform

router = APIRouter(tags=["exports"])


class ExportIn(BaseModel):
    archive: Literal["zip", "tar", "folder"] = "zip"
    format: str = "manifest"
    include_location: bool = False


def job_view(platform: Platform, job: ExportJob) -> dict[str, Any]:
    live = platform.jobs.progress(exports.job_key(job.id))
    if job.status == "done":
        progress = 1.0
    elif live is not None and live.total:
        progress = live.fraction
    else:
        progress = 0.0 if not job.total else job.done / job.total
    archive = job.options.get("archive", "zip")
    ready = job.status == "done" and archive != "folder"
    return {
        "id": job.id,
        "campaign_id": job.campaign_id,
        "format": job.format,
        "archive": archive,
        "include_location": bool(job.options.get("include_location")),
        "status": job.status,
        "progress": round(progress, 4),
        "total": job.total,
        "done": live.done if live is not None and job.status == "running" else job.done,
        "error": job.error,
        "file_size": job.file_size,
        "path": job.file_blob if archive == "folder" else None,
        "download_url": f"/api/v1/exports/{job.id}/download" if ready else None,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@router.post("/campaigns/{campaign_id}/exports", status_code=202)
def post_export(
    campaign_id: int, body: ExportIn, admin: AdminUser, db: DbDep, platform: PlatformDep
) -> dict[str, Any]:
    job = exports.start_export(
        db, platform, admin.user, campaign_id, body.archive, body.format, body.include_location
    )
    return job_view(platform, job)


@router.get("/campaigns/{campaign_id}/exports")
def get_campaign_exports(
    campaign_id: int, _admin: AdminUser, db: DbDep, platform: PlatformDep
) -> list[dict[str, Any]]:
    jobs = [exports.check_interrupted(db, platform, j) for j in exports.list_jobs(db, campaign_id)]
    db.commit()
    return [job_view(platform, j) for j in jobs]


@router.get("/exports/{job_id}")
def get_export(job_id: int, _admin: AdminUser, db: DbDep, platform: PlatformDep) -> dict[str, Any]:
    job = exports.check_interrupted(db, platform, exports.get_job(db, job_id))
    db.commit()
    return job_view(platform, job)


@router.post("/exports/{job_id}/cancel")
def cancel_export(
    job_id: int, admin: AdminUser, db: DbDep, platform: PlatformDep
) -> dict[str, Any]:
    """Stop a queued or running export; it ends `failed` with "export cancelled"."""
    return job_view(platform, exports.cancel_export(db, platform, admin.user, job_id))


@router.get("/exports/{job_id}/download", response_class=FileResponse)
def download_export(
    job_id: int, _admin: AdminUser, db: DbDep, platform: PlatformDep
) -> FileResponse:
    """The archive, streamed from disk in chunks (constant memory, any size)."""
    path = exports.archive_path(platform, exports.get_job(db, job_id))
    media = "application/zip" if path.suffix == ".zip" else "application/x-tar"
    return FileResponse(path, media_type=media, filename=path.name)
