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

import pytest
from sqlalchemy import create_engine, text

from snapset.store import make_engine, upgrade_to_head
from snapset.store.models import Base

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
