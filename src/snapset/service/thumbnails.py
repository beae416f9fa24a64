"""Small JPEG previews of stored photos for review pages, made on first request and cached.

The cache lives in the blob store under `thumbnails/`, keyed by the photo's content hash,
so erasing a photo can remove its preview too (`thumbnail_key`). Previews are decoded in
Pillow's draft mode (the JPEG decoder scales down while decoding) and carry no EXIF.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from snapset.store import BlobNotFound, BlobStore

THUMBNAIL_SIDE = 320


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{sha256[:2]}/{sha256}_{THUMBNAIL_SIDE}.jpg"


def make_thumbnail(data: io.BytesIO, side: int = THUMBNAIL_SIDE) -> bytes:
    """A JPEG whose long side is at most `side`, EXIF orientation applied, metadata dropped."""
    with Image.open(data) as image:
        image.draft("RGB", (side, side))
        oriented = ImageOps.exif_transpose(image).convert("RGB")
    oriented.thumbnail((side, side))
    out = io.BytesIO()
    oriented.save(out, "JPEG", quality=80)
    return out.getvalue()


def thumbnail_bytes(blobs: BlobStore, blob_key: str, sha256: str) -> bytes:
    """The cached preview of a stored photo, creating it on first use."""
    key = thumbnail_key(sha256)
    try:
        return blobs.read_bytes(key)
    except BlobNotFound:
        pass
    with blobs.open(blob_key) as stream:
        data = make_thumbnail(io.BytesIO(stream.read()))
    blobs.put_bytes(key, data)
    return data
