"""Fixtures for the platform tests: a migrated database on SQLite and, when PostgreSQL
answers on 127.0.0.1:5432 (trust auth, database `test`), on PostgreSQL too.

Every database-backed test runs once per available backend. PostgreSQL gets one uniquely
named database per test session (dropped at the end) that is truncated between tests;
SQLite gets a fresh copy of a migrated template file per test.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from snapset.api.app import create_app
from snapset.config import Settings
from snapset.service import collectors, users
from snapset.service.platform import Platform
from snapset.service.specs import deep_merge
from snapset.store import make_engine, upgrade_to_head
from snapset.store.models import Base, User
from tests.platform import photos

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"
_backends_seen: set[str] = set()
_postgres_note: list[str] = []


def _postgres_reachable() -> bool:
    if os.environ.get("SNAPSET_TEST_NO_POSTGRES"):
        return False
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            pass
    except OSError:
        return False
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception:
        return False
    return True


POSTGRES = _postgres_reachable()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    name = f"snapset_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    _postgres_note.append(name)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database on the parametrised backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "snapset.db"
        shutil.copyfile(template, path)
        _backends_seen.add("sqlite")
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_all(url)
    _backends_seen.add("postgresql")
    return url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _backends_seen:
        return
    line = "platform tests ran on: " + ", ".join(sorted(_backends_seen))
    if not POSTGRES:
        line += " (PostgreSQL not reachable on 127.0.0.1:5432: skipped)"
    elif _postgres_note:
        line += f" (PostgreSQL database {_postgres_note[0]}, dropped afterwards)"
    terminalreporter.write_line(line)


# --- the app and its users ---------------------------------------------------------------

TEST_PASSWORD = "correct horse battery"


def test_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    """Settings for tests: cheap argon2 (tests only), a fixed secret key, small workers."""
    base = Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-key",
        argon2_time_cost=1,
        argon2_memory_cost=8,
        argon2_parallelism=1,
        check_workers=2,
    )
    return base.with_overrides(**overrides)


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return test_settings(tmp_path / "data", database_url)


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    # The database fixture is already migrated (checked by test_schema.py).
    p = Platform.open(settings, migrate=False)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    return create_app(platform.settings, platform=platform)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """An anonymous client."""
    return TestClient(app)


class Actors:
    """Creates users and hands out clients logged in as them (session cookie + CSRF)."""

    def __init__(self, app: FastAPI, platform: Platform) -> None:
        self.app = app
        self.platform = platform
        self._n = 0

    def _name(self, role: str) -> str:
        self._n += 1
        return f"{role}{self._n}"

    def create_user(self, role: str, username: str | None = None) -> User:
        with self.platform.sessions() as session:
            user = users.create_user(
                session,
                self.platform.hasher,
                username=username or self._name(role),
                password=TEST_PASSWORD,
                role=role,
                actor_id=None,
            )
            session.commit()
            return user

    def login(self, username: str, password: str = TEST_PASSWORD) -> TestClient:
        c = TestClient(self.app)
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = c.cookies["snapset_csrf"]
        return c

    def user(self, role: str, username: str | None = None) -> TestClient:
        return self.login(self.create_user(role, username).username)

    def admin(self) -> TestClient:
        return self.user("admin")

    def collector(
        self,
        country: str = "KE",
        *,
        verified: bool = True,
        device_id: str | None = None,
        identity: bytes | None = None,
    ) -> tuple[TestClient, int]:
        """A collector signed up through the API with both documents; verified by default."""
        c = TestClient(self.app)
        r = c.post(
            "/api/v1/collectors/signup",
            json={
                "username": self._name("collector"),
                "password": TEST_PASSWORD,
                "country": country,
                "languages": ["en", "sw"],
                "phone_model": "Pixel 7",
                "device_id": device_id,
            },
        )
        assert r.status_code == 201, r.text
        c.headers["X-CSRF-Token"] = c.cookies["snapset_csrf"]
        user_id = r.json()["id"]
        docs = {
            "identity": identity or photos.png(photos.scene(200, 120, seed=user_id)),
            "selfie": photos.png(photos.scene(120, 160, seed=1000 + user_id)),
        }
        for kind, data in docs.items():
            r = c.post(
                "/api/v1/collectors/me/documents",
                data={"kind": kind},
                files={"file": (f"{kind}.png", data, "image/png")},
            )
            assert r.status_code == 201, r.text
        if verified:
            with self.platform.sessions() as session:
                collectors.decide(
                    session,
                    collectors.get_collector(session, user_id),
                    action="verify",
                    reason=None,
                    actor_id=None,
                )
                session.commit()
        return c, user_id

    def campaign(
        self,
        admin: TestClient,
        template: str = "text_in_scenes",
        *,
        overrides: dict[str, Any] | None = None,
        activate: bool = True,
    ) -> dict[str, Any]:
        """A campaign from a template (small quota by default), activated."""
        base: dict[str, Any] = {
            "quota": {
                "target_per_cell": 3,
                "dimensions": [{"name": "lighting", "values": ["day", "night"]}],
            },
            "constraints": {"min_width": 640, "min_height": 480},
        }
        body = {
            "template": template,
            "name": f"{template} test",
            "overrides": deep_merge(base, overrides or {}),
        }
        r = admin.post("/api/v1/campaigns", json=body)
        assert r.status_code == 201, r.text
        campaign = r.json()
        if activate:
            r = admin.post(f"/api/v1/campaigns/{campaign['id']}/activate")
            assert r.status_code == 200, r.text
            campaign = r.json()
        return campaign


@pytest.fixture
def actors(app: FastAPI, platform: Platform) -> Actors:
    return Actors(app, platform)
