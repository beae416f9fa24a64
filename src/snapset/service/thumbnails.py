"""Small JPEG previews of stored photos for review pages, made on first request and cached.

The cache lives in the blob store under `thumbnails/`, keyed by the photo's content hash,
so erasing a photo can remove its preview too (`thumbnail_key`). Previews are decoded by
`snapset.quality.decode_image` at preview size (JPEG draft mode, HEIC, EXIF orientation,
CMYK and 16-bit handled the same way as for the checks) and carry no EXIF.
"""

from __future__ import annotations

import io

from PIL import Image

from snapset.quality import DecodeError, decode_image
from snapset.service.errors import Invalid
from snapset.store import BlobNotFound, BlobStore

THUMBNAIL_SIDE = 320


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{sha256[:2]}/{sha256}_{THUMBNAIL_SIDE}.jpg"


def make_thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> bytes:
    """A JPEG whose long side is at most `side`, EXIF orientation applied, metadata dropped."""
    try:
        decoded = decode_image(data, max_side=side)
    except DecodeError as exc:
        raise Invalid("preview_unavailable", f"no preview: {exc}") from exc
    out = io.BytesIO()
    Image.fromarray(decoded.pixels).save(out, "JPEG", quality=80)
    return out.getvalue()


def thumbnail_bytes(blobs: BlobStore, blob_key: str, sha256: str) -> bytes:
    """The cached preview of a stored photo, creating it on first use."""
    key = thumbnail_key(sha256)
    try:
        return blobs.read_bytes(key)
    except BlobNotFound:
        pass
    with blobs.open(blob_key) as stream:
        data = make_thumbnail(stream.read())
    blobs.put_bytes(key, data)
    return data
