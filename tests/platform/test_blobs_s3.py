"""The S3 backend has the same behaviour as the local one (against moto's in-process S3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snapset.store import BlobNotFound, photo_key
from snapset.store.blobs import S3BlobStore

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> S3BlobStore:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="snapset-test")
        yield S3BlobStore("snapset-test", "prefix", client=client)


def test_staged_blob_is_invisible_until_promoted(store: S3BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "upload.part"
    src.write_bytes(b"photo")
    key = photo_key("cd" * 32, "jpg")
    staged = store.stage(src)
    assert not src.exists()
    assert not store.exists(key)
    assert list(store.iter_keys()) == []
    store.promote(staged, key)
    assert store.read_bytes(key) == b"photo"
    assert store.size(key) == 5
    assert list(store.iter_keys("images/")) == [key]
    assert store.local_path(key) is None


def test_discard_put_delete_and_missing(store: S3BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "x"
    src.write_bytes(b"x")
    store.discard(store.stage(src))
    assert list(store.iter_keys()) == []
    store.put_bytes("private/doc", b"secret")
    assert store.read_bytes("private/doc") == b"secret"
    store.delete("private/doc")
    with pytest.raises(BlobNotFound):
        store.read_bytes("private/doc")
    with pytest.raises(ValueError):
        store.put_bytes("../escape", b"x")
    assert store.cleanup_staged(older_than_seconds=0) == 0
