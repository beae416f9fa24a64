"""In-process background jobs with progress, for long server work such as exports.

The embedded default (`snapset serve` with SQLite) has no queue server to install, so
long work runs on a small thread pool inside the server process. A job is a function
that receives a `JobProgress` and reports how far it got; the caller (e.g. the export
service) persists state in its own table, so a restart shows an interrupted job as
failed rather than losing it. A Redis-backed worker pool is the production path in the
design and is not implemented here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class JobProgress:
    """Thread-safe progress of one running job: `done` out of `total` units."""

    job_id: str
    total: int = 0
    done: int = 0
    cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_total(self, total: int) -> None:
        with self._lock:
            self.total = total

    def advance(self, units: int = 1) -> None:
        with self._lock:
            self.done += units

    @property
    def fraction(self) -> float:
        with self._lock:
            return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


JobFunction = Callable[[JobProgress], None]


class JobRunner:
    """Runs jobs on a bounded thread pool and keeps their live progress by id."""

    def __init__(self, max_workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="snapset-job")
        self._progress: dict[str, JobProgress] = {}
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: str, work: JobFunction) -> JobProgress:
        """Start `work` in the background; its exceptions are logged, never raised here."""
        progress = JobProgress(job_id=job_id)
        with self._lock:
            self._progress[job_id] = progress
            self._futures[job_id] = self._pool.submit(self._run, work, progress)
        return progress

    @staticmethod
    def _run(work: JobFunction, progress: JobProgress) -> None:
        try:
            work(progress)
        except Exception:  # the job records its own failure; keep the pool alive
            logger.exception("background job %s failed", progress.job_id)

    def progress(self, job_id: str) -> JobProgress | None:
        with self._lock:
            return self._progress.get(job_id)

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop at its next progress step."""
        progress = self.progress(job_id)
        if progress is None:
            return False
        progress.cancelled = True
        return True

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job finishes (used by tests and the CLI)."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
