"""Blob storage: content-addressed photo files and opaque (encrypted) private blobs.

Two backends with one interface: `LocalBlobStore` (files under the data folder) and
`S3BlobStore` (any S3-compatible bucket, via the optional `boto3` extra).

Writes are two-phase so a database row and its blob appear together: the caller stages a
local file (`stage`), commits its database transaction, then `promote`s the staged blob to
its final key; on failure it `discard`s it. Staged blobs that outlive a crash are removed
by `cleanup_staged` at start-up.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

STAGING_PREFIX = "_staging"


def photo_key(sha256: str, extension: str) -> str:
    """Content-addressed key of a photo: `images/ab/abcdef....jpg`."""
    return f"images/{sha256[:2]}/{sha256}.{extension.lstrip('.').lower()}"


class BlobNotFound(FileNotFoundError):
    """The key names no stored blob."""


@dataclass(frozen=True)
class StagedBlob:
    """A blob written under a temporary name, not yet visible under its key.

    The name carries the key it is meant for, so a start-up recovery can finish a
    promotion that a crash interrupted after the database commit.
    """

    name: str

    @property
    def intended_key(self) -> str | None:
        encoded, sep, _ = self.name.rpartition("~")
        return encoded.replace("!", "/") if sep and encoded else None


def _staged_name(intended_key: str | None) -> str:
    prefix = _check_key(intended_key).replace("/", "!") + "~" if intended_key else ""
    return prefix + uuid.uuid4().hex


class BlobStore(Protocol):
    def stage(self, local_path: Path, intended_key: str | None = None) -> StagedBlob: ...
    def promote(self, staged: StagedBlob, key: str) -> None: ...
    def discard(self, staged: StagedBlob) -> None: ...
    def put_bytes(self, key: str, data: bytes) -> None: ...
    def read_bytes(self, key: str) -> bytes: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int: ...
    def delete(self, key: str) -> None: ...
    def local_path(self, key: str) -> Path | None: ...
    def iter_keys(self, prefix: str = "") -> Iterator[str]: ...
    def cleanup_staged(self, older_than_seconds: float = 3600) -> int: ...
    def list_staged(self) -> Iterator[tuple[StagedBlob, str | None, float]]: ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise ValueError(f"invalid blob key {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under `root`; staging and promotion are renames on one filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._staging = self.root / STAGING_PREFIX
        self._staging.mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def stage(self, local_path: Path, intended_key: str | None = None) -> StagedBlob:
        """Move (rename, or copy across filesystems) `local_path` into staging."""
        name = _staged_name(intended_key)
        target = self._staging / name
        try:
            os.replace(local_path, target)
        except OSError:
            shutil.copyfile(local_path, target)
            os.unlink(local_path)
        return StagedBlob(name)

    def promote(self, staged: StagedBlob, key: str) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._staging / staged.name, final)

    def discard(self, staged: StagedBlob) -> None:
        (self._staging / staged.name).unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._staging / uuid.uuid4().hex
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(self.root).as_posix()
            if rel.startswith(STAGING_PREFIX + "/") or not rel.startswith(prefix):
                continue
            yield rel

    def list_staged(self) -> Iterator[tuple[StagedBlob, str | None, float]]:
        """(staged blob, the key it was meant for, age in seconds) of every staged blob."""
        now = time.time()
        for path in sorted(self._staging.iterdir()):
            try:
                age = now - path.stat().st_mtime
            except FileNotFoundError:
                continue
            staged = StagedBlob(path.name)
            yield staged, staged.intended_key, age

    def cleanup_staged(self, older_than_seconds: float = 3600) -> int:
        """Remove staged blobs older than the cutoff (left by a crash); returns the count."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self._staging.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


class S3BlobStore:
    """Blobs in an S3-compatible bucket (`s3://bucket/prefix`, endpoint from AWS_ENDPOINT_URL).

    Staging uploads to `<prefix>/_staging/<uuid>`; promotion is a server-side copy + delete.
    """

    def __init__(self, bucket: str, prefix: str = "", client: object | None = None) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as exc:  # pragma: no cover - depends on the extra
                raise RuntimeError("S3 storage needs boto3: pip install 'snapset[s3]'") from exc
            client = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _staging_key(self, name: str) -> str:
        return self._key(f"{STAGING_PREFIX}/{name}")

    def stage(self, local_path: Path, intended_key: str | None = None) -> StagedBlob:
        name = _staged_name(intended_key)
        self.client.upload_file(str(local_path), self.bucket, self._staging_key(name))  # type: ignore[attr-defined]
        os.unlink(local_path)
        return StagedBlob(name)

    def promote(self, staged: StagedBlob, key: str) -> None:
        source = {"Bucket": self.bucket, "Key": self._staging_key(staged.name)}
        self.client.copy(source, self.bucket, self._key(key))  # type: ignore[attr-defined]
        self.discard(staged)

    def discard(self, staged: StagedBlob) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._staging_key(staged.name))  # type: ignore[attr-defined]

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)  # type: ignore[attr-defined]

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))  # type: ignore[attr-defined]
        except Exception as exc:
            if _is_not_found(exc):
                raise BlobNotFound(key) from exc
            raise
        return response["Body"]  # type: ignore[no-any-return]

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except BlobNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))  # type: ignore[attr-defined]
        except Exception as exc:
            if _is_not_found(exc):
                raise BlobNotFound(key) from exc
            raise
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))  # type: ignore[attr-defined]

    def local_path(self, key: str) -> Path | None:
        return None

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
        base = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base + prefix):
            for item in page.get("Contents", []):
                rel = item["Key"][len(base) :]
                if not rel.startswith(STAGING_PREFIX + "/"):
                    yield rel

    def list_staged(self) -> Iterator[tuple[StagedBlob, str | None, float]]:
        paginator = self.client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
        base = f"{self.prefix}/" if self.prefix else ""
        now = time.time()
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{base}{STAGING_PREFIX}/"):
            for item in page.get("Contents", []):
                staged = StagedBlob(item["Key"].rsplit("/", 1)[1])
                yield staged, staged.intended_key, now - item["LastModified"].timestamp()

    def cleanup_staged(self, older_than_seconds: float = 3600) -> int:
        paginator = self.client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
        cutoff = time.time() - older_than_seconds
        removed = 0
        base = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{base}{STAGING_PREFIX}/"):
            for item in page.get("Contents", []):
                if item["LastModified"].timestamp() < cutoff:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])  # type: ignore[attr-defined]
                    removed += 1
        return removed


def _is_not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}
    return False


def open_blob_store(url: str) -> BlobStore:
    """`file:///abs/path` (or a plain path) -> local store; `s3://bucket/prefix` -> S3."""
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return S3BlobStore(parsed.netloc, parsed.path)
    if parsed.scheme in {"file", ""}:
        return LocalBlobStore(Path(parsed.path if parsed.scheme else url))
    raise ValueError(f"unsupported storage URL {url!r} (use file:// or s3://)")
