"""Finding the image files under the paths a user gives.

Folders are walked recursively; a file is a candidate when its extension says image or
its first bytes do (a photo saved without extension still counts). Hidden files and
folders are skipped. A file named explicitly is always a candidate, so a broken file
gets reported instead of silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".bmp",
        ".dib", ".gif", ".heic", ".heif", ".hif", ".avif",
    }
)  # fmt: skip

_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF little endian
    b"MM\x00*",  # TIFF big endian
    b"BM",
)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")


def looks_like_image(path: Path) -> bool:
    """True when the extension or the first bytes say image."""
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    if head.startswith(_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def iter_image_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Yield candidate image files, as paths found under the given ones, sorted per folder."""
    for given in paths:
        root = os.fspath(given)
        if not os.path.isdir(root):
            yield root  # named explicitly (or missing): always reported
            continue
        for folder, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                if looks_like_image(Path(path)):
                    yield path
