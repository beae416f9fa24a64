"""Server settings, read from SNAPSET_* environment variables with defaults that make a
first run work without any configuration (SQLite + blobs under ./snapset-data)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know about its environment.

    `database_url` and `storage_url` default to locations under `data_dir`; use
    `Settings.from_env()` in the CLI and construct directly (or `with_overrides`) in tests.
    """

    data_dir: Path = field(default_factory=lambda: Path("snapset-data"))
    database_url: str | None = None
    storage_url: str | None = None
    secret_key: str | None = None
    admin_password: str | None = None
    # Uploads: a server-wide cap enforced while streaming; a campaign may set a lower one.
    max_upload_bytes: int = 50 * 1024 * 1024
    upload_chunk_bytes: int = 1024 * 1024
    decode_max_side: int = 1024
    check_workers: int = 4
    # Passwords (argon2id); tests lower the cost, production keeps the library defaults.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    session_ttl_seconds: int = 14 * 24 * 3600
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_window_seconds: int = 300
    # Tasks.
    claim_lease_seconds: int = 2 * 3600
    max_active_claims: int = 3
    # Near-duplicate distance; None = the index's own default.
    near_duplicate_max_distance: int | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from SNAPSET_* variables; keyword overrides win (CLI flags)."""
        env = os.environ.get
        values: dict[str, object] = {
            "data_dir": Path(env("SNAPSET_DATA_DIR") or "snapset-data"),
            "database_url": env("SNAPSET_DATABASE_URL") or None,
            "storage_url": env("SNAPSET_STORAGE_URL") or None,
            "secret_key": env("SNAPSET_SECRET_KEY") or None,
            "admin_password": env("SNAPSET_ADMIN_PASSWORD") or None,
            "max_upload_bytes": _env_int("SNAPSET_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            "check_workers": _env_int("SNAPSET_CHECK_WORKERS", cls.check_workers),
            "cookie_secure": _env_bool("SNAPSET_COOKIE_SECURE", cls.cookie_secure),
            "claim_lease_seconds": _env_int("SNAPSET_CLAIM_LEASE_SECONDS", cls.claim_lease_seconds),
            "max_active_claims": _env_int("SNAPSET_MAX_ACTIVE_CLAIMS", cls.max_active_claims),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'snapset.db').resolve()}"

    @property
    def resolved_storage_url(self) -> str:
        if self.storage_url:
            return self.storage_url
        return f"file://{(self.data_dir / 'blobs').resolve()}"

    @property
    def tmp_dir(self) -> Path:
        """Where uploads stream to; on the data volume so a rename into place is atomic."""
        return self.data_dir / "tmp"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"
