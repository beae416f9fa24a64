"""Decode once, fast: one decode per image straight to the working size.

JPEGs use Pillow's draft mode (the decoder scales the DCT by 1/2, 1/4 or 1/8), so a
12-MP phone photo decodes at roughly a quarter of the full cost. Every mode Pillow
knows ends up as H x W x 3 uint8 RGB with EXIF orientation applied; anything that
cannot be decoded raises `DecodeError` with a stable code and never another exception.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from snapset.quality.exif_facts import ExifFacts, read_exif_facts

pillow_heif.register_heif_opener()

DEFAULT_MAX_SIDE = 1024
# Pillow refuses images over twice its MAX_IMAGE_PIXELS (~179 MP); our own default
# limit sits at that value so both layers agree on what a decompression bomb is.
DEFAULT_MAX_PIXELS = 178_956_970

_DRAFT_FLOOR = 0.75

DECODE_ERROR_CODES = frozenset(
    {"unreadable", "decompression_bomb", "unsupported_format", "empty_file", "truncated"}
)

ImageSource = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

# Magic numbers of common files that are not images Pillow can decode, so the error can
# say what the file actually is.
_KNOWN_NON_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"<!DOCTYPE html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"<?xml", "an XML document"),
    (b"<svg", "an SVG drawing (vector graphics are not supported)"),
    (b"\x00\x00\x00\x18ftypmp4", "an MP4 video"),
    (b"\x00\x00\x00\x20ftypisom", "an MP4 video"),
)


class DecodeError(Exception):
    """An image could not be decoded; `code` is one of DECODE_ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        if code not in DECODE_ERROR_CODES:
            raise ValueError(f"unknown decode error code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DecodedImage:
    """Pixels at working size plus facts about the original file.

    `pixels` is H x W x 3 uint8 RGB, orientation applied, long side <= the requested
    max_side. `width`/`height` are the ORIGINAL dimensions after orientation.
    """

    pixels: np.ndarray
    width: int
    height: int
    format: str
    mode: str
    exif: ExifFacts = field(default_factory=ExifFacts)

    @property
    def working_scale(self) -> float:
        """Working-size long side divided by the original long side (<= 1)."""
        return max(self.pixels.shape[:2]) / max(self.width, self.height, 1)


def _describe_non_image(head: bytes) -> str | None:
    stripped = head.lstrip()
    for magic, description in _KNOWN_NON_IMAGES:
        if stripped[: len(magic)].lower() == magic.lower():
            return description
    if head[4:8] == b"ftyp":
        return f"an ISO media file of brand {head[8:12].decode('latin-1')!r}"
    sample = head[:512]
    if sample and all(32 <= b < 127 or b in (9, 10, 13) for b in sample):
        return "a text file"
    return None


def _open_source(source: ImageSource) -> tuple[BinaryIO, str]:
    """Return a readable binary stream and a name for messages."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise DecodeError("empty_file", "the data is empty (0 bytes)")
        return io.BytesIO(data), "<bytes>"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise DecodeError("unreadable", f"{path}: file not found") from None
        except OSError as exc:
            raise DecodeError("unreadable", f"{path}: {exc.strerror or exc}") from None
        if path.is_dir():
            raise DecodeError("unreadable", f"{path}: is a directory")
        if size == 0:
            raise DecodeError("empty_file", f"{path}: file is empty (0 bytes)")
        try:
            return open(path, "rb"), str(path)
        except OSError as exc:
            raise DecodeError("unreadable", f"{path}: {exc.strerror or exc}") from None
    if hasattr(source, "read"):
        return source, getattr(source, "name", "<stream>")
    raise DecodeError("unreadable", f"cannot read an image from {type(source).__name__}")


def sixteen_bit_to_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.floating):
        peak = float(np.nanmax(array)) if array.size else 0.0
        scaled = array * 255.0 if peak <= 1.0 else array
        return np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)
    peak = int(array.max()) if array.size else 0
    if peak > 255:  # 16-bit samples (0..65535): keep the top byte.
        return np.clip(array.astype(np.int64) // 257, 0, 255).astype(np.uint8)
    return np.clip(array, 0, 255).astype(np.uint8)


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    """Any Pillow mode -> H x W x 3 uint8 RGB; transparency is composited over white."""
    mode = image.mode
    if mode == "RGB":
        return np.asarray(image)
    if mode.startswith("I") or mode == "F":
        gray = sixteen_bit_to_uint8(np.asarray(image))
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or image.has_transparency_data:
        rgba = np.asarray(image.convert("RGBA")).astype(np.uint16)
        alpha = rgba[:, :, 3:4]
        rgb = (rgba[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255
        return rgb.astype(np.uint8)
    if mode == "L":
        gray = np.asarray(image)
        return np.repeat(gray[:, :, None], 3, axis=2)
    return np.asarray(image.convert("RGB"))


def _apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF orientation 1..8 -> the upright picture."""
    if orientation == 2:
        pixels = pixels[:, ::-1]
    elif orientation == 3:
        pixels = pixels[::-1, ::-1]
    elif orientation == 4:
        pixels = pixels[::-1, :]
    elif orientation == 5:
        pixels = pixels.transpose(1, 0, 2)
    elif orientation == 6:
        pixels = np.rot90(pixels, k=-1)
    elif orientation == 7:
        pixels = pixels[::-1, ::-1].transpose(1, 0, 2)
    elif orientation == 8:
        pixels = np.rot90(pixels, k=1)
    return np.ascontiguousarray(pixels)


def _shrink(pixels: np.ndarray, max_side: int) -> np.ndarray:
    height, width = pixels.shape[:2]
    long_side = max(height, width)
    if long_side <= max_side:
        return pixels
    scale = max_side / long_side
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _classify_load_error(exc: BaseException, name: str) -> DecodeError:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if isinstance(exc, Image.DecompressionBombError):
        return DecodeError("decompression_bomb", f"{name}: {text}")
    if isinstance(exc, MemoryError):
        return DecodeError("decompression_bomb", f"{name}: not enough memory to decode")
    if "truncated" in lowered or "premature end" in lowered or isinstance(exc, EOFError):
        return DecodeError("truncated", f"{name}: the file is truncated ({text})")
    return DecodeError("unreadable", f"{name}: corrupt image data ({text})")


def decode_image(
    source: ImageSource,
    max_side: int = DEFAULT_MAX_SIDE,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    name: str | None = None,
) -> DecodedImage:
    """Decode a path, bytes or binary file object once, at working size `max_side`.

    `name` is what error messages call the source (default: its path).
    Raises DecodeError(code, message) and nothing else.
    """
    if max_side < 1:
        raise ValueError("max_side must be positive")
    with open_image(source, max_pixels=max_pixels, name=name) as image:
        return _decode_open(image, max_side)


@contextmanager
def open_image(
    source: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS, name: str | None = None
) -> Iterator[Image.Image]:
    """Open `source` lazily (header read, pixels not yet decoded) within the pixel limit.

    Every reader of photos (working-size decode, full-size standardize) goes through here,
    so that any failure, at open or later while the block decodes the pixels, becomes one
    DecodeError naming the file, and nothing else escapes.
    """
    stream, found_name = _open_source(source)
    name = name or found_name
    try:
        image = _open_header(stream, name, max_pixels)
        with image:
            yield image
    except DecodeError:
        raise
    except Exception as exc:  # the contract: a DecodeError, never anything else
        raise _classify_load_error(exc, name) from exc
    finally:
        if isinstance(source, str | os.PathLike):
            stream.close()


def _open_header(stream: BinaryIO, name: str, max_pixels: int) -> Image.Image:
    start = stream.tell() if stream.seekable() else 0
    head = stream.read(64)
    if not head:
        raise DecodeError("empty_file", f"{name}: file is empty (0 bytes)")
    stream.seek(start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream)
        except UnidentifiedImageError:
            what = _describe_non_image(head)
            if what:
                raise DecodeError(
                    "unsupported_format", f"{name}: not an image, looks like {what}"
                ) from None
            raise DecodeError(
                "unreadable", f"{name}: not a recognised image format or corrupt header"
            ) from None
        except Image.DecompressionBombError as exc:
            raise DecodeError("decompression_bomb", f"{name}: {exc}") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise DecodeError("unreadable", f"{name}: image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise DecodeError(
            "decompression_bomb",
            f"{name}: {width}x{height} = {width * height:,} pixels exceeds the limit of "
            f"{max_pixels:,}",
        )
    return image


def _decode_open(image: Image.Image, max_side: int) -> DecodedImage:
    width, height = image.size
    image_format = image.format or "UNKNOWN"
    mode = image.mode
    exif = read_exif_facts(image)
    if image_format == "JPEG" and max(width, height) > max_side:
        # Let the DCT scaling land anywhere in [3/4, 1] x max_side: a 4000 px photo
        # then decodes at 1/4 scale (1000 px) instead of 1/2 plus a resize.
        scale = _DRAFT_FLOOR * max_side / max(width, height)
        image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image.load()
    pixels = _shrink(_to_rgb_array(image), max_side)
    pixels = _apply_orientation(pixels, exif.orientation)
    if exif.orientation in (5, 6, 7, 8):
        width, height = height, width
    return DecodedImage(
        pixels=pixels, width=width, height=height, format=image_format, mode=mode, exif=exif
    )
