"""snapset.store: database models, migrations and blob storage (imports nothing above it)."""

from snapset.store.blobs import BlobNotFound, BlobStore, StagedBlob, open_blob_store, photo_key
from snapset.store.db import make_engine, make_session_factory, transaction
from snapset.store.migrate import upgrade_to_head

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "StagedBlob",
    "make_engine",
    "make_session_factory",
    "open_blob_store",
    "photo_key",
    "transaction",
    "upgrade_to_head",
]
