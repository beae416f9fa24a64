"""Input/output edges shared by the format modules: typed JSON, hardened XML, safe
paths, image sizes from headers, and copying/linking image files."""

from __future__ import annotations

import functools
import os
import re
import shutil
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from xml.etree.ElementTree import Element, ParseError

import msgspec
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import parse as _safe_parse

from snapset.formats.errors import FormatError
from snapset.formats.model import Image
from snapset.formats.registry import WriteContext

T = TypeVar("T")

#: Largest image side accepted from annotation files (guards against absurd sizes).
MAX_SIDE = 1 << 20
#: Largest annotation file read (JSON or XML).
MAX_FILE_BYTES = 8 << 30

#: Relative paths needing no normalisation: no leading "/", no "." or ".." parts, no "\\".
_PLAIN_PATH = re.compile(r"^(?![A-Za-z]:)(?:(?!\.\.?(?:/|$))[^/\\\x00]+/)*"
                         r"(?!\.\.?$)[^/\\\x00]+$")
_MSGSPEC_PLACE = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<place>[^`]*)`)?$", re.S)


def check_file_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FormatError(path, "", f"file is {size} bytes, over the {MAX_FILE_BYTES} limit")


def decode_json(path: Path, data: bytes, type: type[T]) -> T:
    """Decode `data` as `type`, turning msgspec's errors into `FormatError`s."""
    try:
        return msgspec.json.decode(data, type=type)
    except msgspec.ValidationError as e:
        m = _MSGSPEC_PLACE.match(str(e))
        assert m is not None
        place = (m.group("place") or "").lstrip(".")
        raise FormatError(path, place, m.group("msg").replace("`", "")) from None
    except msgspec.DecodeError as e:
        raise FormatError(path, "", f"malformed JSON: {e}") from None


def read_json(path: Path, type: type[T] = Any) -> T:  # type: ignore[assignment]
    check_file_size(path)
    return decode_json(path, path.read_bytes(), type)


def parse_xml(path: Path) -> Element:
    """Parse an XML file with entity, DTD and external-reference attacks refused."""
    check_file_size(path)
    try:
        return _safe_parse(str(path), forbid_dtd=True).getroot()
    except (EntitiesForbidden, DTDForbidden, ExternalReferenceForbidden) as e:
        raise FormatError(path, "", f"refused unsafe XML ({type(e).__name__})") from None
    except ParseError as e:
        line, col = getattr(e, "position", (0, 0))
        raise FormatError(path, f"line {line}, column {col}", f"malformed XML: {e.msg}")\
            from None


def safe_relpath(path: Path, place: str, name: str) -> str:
    """`name` as a relative POSIX path that stays inside the dataset folder."""
    if isinstance(name, str) and _PLAIN_PATH.match(name):
        return name
    if not isinstance(name, str) or not name or "\x00" in name:
        raise FormatError(path, place, f"invalid image path {name!r}")
    norm = name.replace("\\", "/")
    p = PurePosixPath(norm)
    if p.is_absolute() or re.match(r"^[A-Za-z]:", norm):
        raise FormatError(path, place, f"image path {name!r} is absolute")
    parts: list[str] = []
    for part in p.parts:
        if part == "..":
            if not parts:
                raise FormatError(path, place, f"image path {name!r} escapes the dataset folder")
            parts.pop()
        elif part != ".":
            parts.append(part)
    if not parts:
        raise FormatError(path, place, f"invalid image path {name!r}")
    return "/".join(parts)


def check_size(path: Path, place: str, width: Any, height: Any, *, allow_zero: bool = False
               ) -> tuple[int, int]:
    """Validated image width and height (ints in 1..MAX_SIDE, or 0 when unknown)."""
    if (type(width) is int and type(height) is int and 0 < width <= MAX_SIDE
            and 0 < height <= MAX_SIDE):
        return width, height
    out = []
    for label, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            raise FormatError(path, f"{place}.{label}", f"expected a whole number, got {v!r}")
        v = int(v)
        if not (0 <= v <= MAX_SIDE) or (v == 0 and not allow_zero):
            raise FormatError(path, f"{place}.{label}",
                              f"image {label} {v} is outside 1..{MAX_SIDE}")
        out.append(v)
    return out[0], out[1]


@functools.cache
def _register_heif() -> None:
    """Let Pillow read HEIC/HEIF headers (phone photos) when pillow-heif is installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def image_size(path: Path) -> tuple[int, int] | None:
    """Stored width and height from the file header (no pixel decode); None if unreadable."""
    from PIL import Image as PILImage

    _register_heif()
    try:
        with PILImage.open(path) as im:
            return im.size
    except (OSError, ValueError, PILImage.DecompressionBombError):
        return None


def fill_image_sizes(images: list[Image], root: Path | None) -> None:
    """Read the size of every image that lacks one from its file's header."""
    if root is None:
        return
    for im in images:
        if im.width <= 0 or im.height <= 0:
            size = image_size(root / im.file)
            if size is not None:
                im.width, im.height = size


def place_image(ctx: WriteContext, src_root: Path | None, image: Image, rel_dst: str) -> None:
    """Copy or link one image from the source dataset into the written one."""
    if ctx.on_image is not None:
        ctx.on_image()
    if ctx.images == "none" or src_root is None:
        return
    src = src_root / image.file
    if not src.is_file():
        ctx.report.drop("image files", 1, "source image file missing")
        return
    dst = ctx.dst / rel_dst
    if dst.exists() or dst.is_symlink():
        if dst.resolve() == src.resolve():
            return
        dst.unlink()
    dst.parent.mkdir(parents=True, exist_ok=True)
    if ctx.images == "link":
        try:
            os.link(src, dst)
        except OSError:
            dst.symlink_to(src.resolve())
    else:
        shutil.copy2(src, dst)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary sibling and rename, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def inner_name(image: Image) -> str:
    """The image's path below its `images/<split>/` folder (how most layouts name it)."""
    parts = image.file.split("/")
    if len(parts) > 1 and parts[0] in ("images", "JPEGImages", "img1"):
        parts = parts[1:]
    if len(parts) > 1 and image.split is not None and parts[0] == image.split:
        parts = parts[1:]
    return "/".join(parts)


def unique_names(images: list[Image]) -> list[str]:
    """`inner_name` of each image, made unique per split by suffixing clashes."""
    seen: set[tuple[str | None, str]] = set()
    out = []
    for i, im in enumerate(images):
        name = inner_name(im)
        if (im.split, name) in seen:
            p = PurePosixPath(name)
            name = str(p.with_name(f"{p.stem}_{i}{p.suffix}"))
        seen.add((im.split, name))
        out.append(name)
    return out
