"""Local blob store: staged writes become visible only when promoted; keys are safe."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from snapset.store import BlobNotFound, open_blob_store, photo_key
from snapset.store.blobs import LocalBlobStore


def test_stage_promote_and_read(tmp_path: Path) -> None:
    store = open_blob_store(f"file://{tmp_path / 'blobs'}")
    src = tmp_path / "upload.part"
    src.write_bytes(b"photo bytes")
    key = photo_key("ab" * 32, "JPEG")
    staged = store.stage(src)
    assert not src.exists()
    assert not store.exists(key)
    store.promote(staged, key)
    assert store.read_bytes(key) == b"photo bytes"
    assert store.size(key) == len(b"photo bytes")
    assert list(store.iter_keys("images/")) == [key]
    with store.open(key) as fh:
        assert fh.read() == b"photo bytes"


def test_discarded_stage_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    src = tmp_path / "upload.part"
    src.write_bytes(b"x")
    store.discard(store.stage(src))
    assert list(store.iter_keys()) == []
    assert list((tmp_path / "blobs" / "_staging").iterdir()) == []


def test_cleanup_removes_only_old_staged_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    old, new = tmp_path / "a", tmp_path / "b"
    old.write_bytes(b"a")
    new.write_bytes(b"b")
    old_staged = store.stage(old)
    store.stage(new)
    past = time.time() - 7200
    os.utime(tmp_path / "blobs" / "_staging" / old_staged.name, (past, past))
    assert store.cleanup_staged(older_than_seconds=3600) == 1
    assert len(list((tmp_path / "blobs" / "_staging").iterdir())) == 1


def test_put_bytes_missing_and_hostile_keys(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put_bytes("private/doc", b"secret")
    assert store.read_bytes("private/doc") == b"secret"
    store.delete("private/doc")
    with pytest.raises(BlobNotFound):
        store.read_bytes("private/doc")
    for bad in ["../escape", "/abs", "a//b", ""]:
        with pytest.raises(ValueError):
            store.put_bytes(bad, b"x")
