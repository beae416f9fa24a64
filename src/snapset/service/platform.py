"""The running platform: database, blob store, keys, near-duplicate index, check workers.

Built once per process (by the API app factory or the CLI) and passed to the services that
need more than a database session.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from snapset.config import Settings
from snapset.service.auth import LoginPolicy, PasswordHasher
from snapset.service.crypto import SecretBox, secret_box
from snapset.service.duplicates import DuplicateRegistry
from snapset.service.jobs import JobRunner
from snapset.store import BlobStore, make_engine, make_session_factory, open_blob_store
from snapset.store.migrate import upgrade_to_head
from snapset.store.models import Submission


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    box: SecretBox
    hasher: PasswordHasher
    login_policy: LoginPolicy
    duplicates: DuplicateRegistry
    executor: ThreadPoolExecutor = field(repr=False)
    # Long server work (exports) in the background; see service/jobs.py.
    jobs: JobRunner = field(default_factory=JobRunner, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Platform:
        """Connect, migrate, load the duplicate index and clean staged blobs left by a crash."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        if migrate:
            upgrade_to_head(engine)
        sessions = make_session_factory(engine)
        blobs = open_blob_store(settings.resolved_storage_url)
        with sessions() as session:
            recover_staged(blobs, session)
        _cleanup_tmp(settings)
        duplicates = DuplicateRegistry(max_distance=settings.near_duplicate_max_distance)
        with sessions() as session:
            duplicates.load(session)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            blobs=blobs,
            box=secret_box(settings.secret_key, settings.key_file),
            hasher=PasswordHasher(
                settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
            ),
            login_policy=LoginPolicy(
                settings.login_max_failures,
                settings.login_window_seconds,
                settings.session_ttl_seconds,
            ),
            duplicates=duplicates,
            executor=ThreadPoolExecutor(
                max_workers=settings.check_workers, thread_name_prefix="snapset-check"
            ),
        )

    def close(self) -> None:
        self.jobs.shutdown()
        self.executor.shutdown(wait=True)
        self.engine.dispose()


def recover_staged(blobs: BlobStore, session: Session, min_age_seconds: float = 600) -> int:
    """Finish or undo blob writes a crash interrupted; returns how many were promoted.

    A staged blob whose intended key belongs to a committed submission (the crash came
    between the commit and the promotion) is promoted; any other old one is discarded.
    Young ones may belong to uploads in flight in another server process: left alone.
    """
    promoted = 0
    for staged, key, age in list(blobs.list_staged()):
        if age < min_age_seconds:
            continue
        committed = key is not None and (
            session.scalar(select(Submission.id).where(Submission.blob_key == key).limit(1))
            is not None
        )
        if committed and key is not None and not blobs.exists(key):
            blobs.promote(staged, key)
            promoted += 1
        else:
            blobs.discard(staged)
    return promoted


def _cleanup_tmp(settings: Settings, min_age_seconds: float = 600) -> None:
    """Partial uploads from a previous run are useless: the client retries with its id.

    Young files may be uploads in flight in another server process: left alone.
    """
    cutoff = time.time() - min_age_seconds
    for path in settings.tmp_dir.glob("upload-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
