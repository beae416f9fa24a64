"""The FastAPI application factory: `create_app(settings)`.

API routers are included from `ROUTERS` (one module per concept) under `/api/v1`; the web
pages in `snapset/web/static` are mounted at `/` after them when present.
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from snapset import __version__
from snapset.api.errors import install_error_handlers
from snapset.api.headers import SecurityHeaders
from snapset.api.routers import (
    audit,
    auth,
    campaigns,
    collectors,
    consent,
    earnings,
    exports,
    review,
    stats,
    tasks,
    uploads,
    users,
)
from snapset.config import Settings
from snapset.service.platform import Platform

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"

# platform-A routers, then platform-B's (consent, review, stats, exports, audit) appended.
ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    collectors.router,
    campaigns.router,
    tasks.router,
    uploads.router,
    # platform-B
    review.router,
    earnings.router,
    consent.router,
    stats.router,
    exports.router,
    audit.router,
]


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """Build the app; opens (and migrates) the database unless a platform is passed in."""
    settings = settings or Settings.from_env()
    platform = platform or Platform.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        platform.close()

    app = FastAPI(
        title="snapset",
        version=__version__,
        description="Crowd-collected, quality-checked image datasets: the HTTP API.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)

    @app.get("/api/v1/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    _mount_web(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ASGI servers (`uvicorn --factory snapset.api.app:app_from_env`)."""
    return create_app(Settings.from_env())


def _mount_web(app: FastAPI) -> None:
    if not STATIC_DIR.is_dir() or not any(STATIC_DIR.iterdir()):
        return
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("text/javascript", ".mjs")
    mimetypes.add_type("application/manifest+json", ".webmanifest")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app/")

    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="web")
