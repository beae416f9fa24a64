"""The process-wide near-duplicate index over every campaign's stored photos.

Built at start-up from the descriptors kept in the database, then updated after each
committed submission, so a request never rebuilds it. Rejected and erased photos are not
in it (a collector may retake a rejected shot; an erased photo must leave no trace).

When several server processes share one database, each keeps its own index and `sync`
adds the rows other processes committed since (an indexed range scan on the id, with a
lookback for rows committed out of id order); callers re-check matches against the
database, so a photo erased or rejected elsewhere is never reported.
"""

from __future__ import annotations

import threading

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from snapset.quality import NearDuplicateIndex, NearDuplicateMatch
from snapset.store.models import Submission


class DuplicateRegistry:
    def __init__(self, max_distance: int | None = None) -> None:
        self._index = NearDuplicateIndex()
        self._lock = threading.Lock()
        self._keys: set[int] = set()
        self._max_seen = 0
        self.max_distance = max_distance

    def load(self, session: Session, since_id: int = 0) -> int:
        """Add every indexable submission with an id above `since_id`; returns how many."""
        rows = session.execute(
            select(Submission.id, Submission.descriptor).where(
                Submission.id > since_id,
                Submission.descriptor.is_not(None),
                Submission.verdict != "rejected",
                Submission.erased_at.is_(None),
            )
        ).all()
        with self._lock:
            fresh = [row for row in rows if row.id not in self._keys]
            if fresh:
                keys = [row.id for row in fresh]
                descriptors = [np.frombuffer(row.descriptor, dtype=np.uint8) for row in fresh]
                self._index.add_many(keys, descriptors)
                self._keys.update(keys)
            if rows:
                self._max_seen = max(self._max_seen, max(row.id for row in rows))
        return len(fresh)

    def sync(self, session: Session, lookback: int = 64) -> int:
        """Pick up rows committed by other processes since the last look."""
        return self.load(session, since_id=max(0, self._max_seen - lookback))

    def add(self, submission_id: int, descriptor: bytes | np.ndarray) -> None:
        array = (
            np.frombuffer(descriptor, dtype=np.uint8)
            if isinstance(descriptor, bytes)
            else descriptor
        )
        with self._lock:
            self._max_seen = max(self._max_seen, submission_id)
            if submission_id in self._keys:
                return
            self._index.add(submission_id, array)
            self._keys.add(submission_id)

    def remove(self, submission_id: int) -> None:
        """Forget an erased photo's descriptor (no-op if it was never indexed)."""
        with self._lock:
            if submission_id not in self._keys:
                return
            self._index.remove(submission_id)
            self._keys.discard(submission_id)

    def query(self, descriptor: np.ndarray) -> list[NearDuplicateMatch]:
        """Matches (key = submission id, distance, transform), nearest first."""
        with self._lock:
            if self.max_distance is None:
                return list(self._index.query(descriptor))
            return list(self._index.query(descriptor, max_distance=self.max_distance))

    def __len__(self) -> int:
        return len(self._keys)
