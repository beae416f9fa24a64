"""Decoding every kind of file a crowd of phones (and careless tools) produces."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from snapset.quality import DecodeError, decode_image
from tests.quality.conftest import encode


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_large_jpeg_decodes_at_working_size_with_original_dimensions(tmp_path, sharp_scene):
    big = np.ascontiguousarray(np.tile(sharp_scene, (3, 3, 1))[:3000, :4000])
    decoded = decode_image(write(tmp_path, "big.jpg", encode(big)), max_side=1024)
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert max(decoded.pixels.shape[:2]) <= 1024
    assert max(decoded.pixels.shape[:2]) >= 768
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape[2] == 3
    assert decoded.format == "JPEG"


def test_accepts_path_bytes_and_file_object(tmp_path, sharp_scene):
    data = encode(sharp_scene)
    path = write(tmp_path, "a.jpg", data)
    for source in (path, str(path), data, io.BytesIO(data)):
        decoded = decode_image(source)
        assert (decoded.width, decoded.height) == (1600, 1200)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF", "BMP", "GIF"])
def test_common_formats(sharp_scene, fmt):
    small = np.ascontiguousarray(sharp_scene[:300, :400])
    decoded = decode_image(encode(small, fmt))
    assert decoded.format == fmt
    assert decoded.pixels.shape == (300, 400, 3)


def test_heic_written_by_pillow_heif(tmp_path, sharp_scene):
    small = np.ascontiguousarray(sharp_scene[:480, :640])
    path = tmp_path / "phone.heic"
    pillow_heif.from_bytes(mode="RGB", size=(640, 480), data=small.tobytes()).save(path, quality=90)
    decoded = decode_image(path)
    assert decoded.format == "HEIF"
    assert (decoded.width, decoded.height) == (640, 480)
    assert abs(float(decoded.pixels.mean()) - float(small.mean())) < 8


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (200, 100), (0, 255, 255, 0))  # pure red in CMYK
    buffer = io.BytesIO()
    cmyk.save(buffer, "JPEG")
    decoded = decode_image(buffer.getvalue())
    assert decoded.mode == "CMYK"
    red, green, blue = decoded.pixels[50, 100]
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_png_is_scaled_not_clipped():
    ramp = np.linspace(0, 65535, 256 * 64).astype(np.uint16).reshape(64, 256)
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, "PNG")
    decoded = decode_image(buffer.getvalue())
    assert decoded.pixels.shape == (64, 256, 3)
    assert decoded.pixels.max() == 255
    assert 100 < float(decoded.pixels.mean()) < 155  # a full ramp, not a saturated white


def test_palette_with_transparency_is_composited_over_white():
    image = Image.new("P", (100, 100), 0)
    image.putpalette([255, 0, 0] + [0, 0, 0] * 255)
    image.info["transparency"] = 0
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    decoded = decode_image(buffer.getvalue())
    assert decoded.pixels.shape == (100, 100, 3)
    assert decoded.pixels.min() == 255  # fully transparent red -> white background


def test_rgba_half_transparent():
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[..., 3] = 128
    decoded = decode_image(encode(rgba, "PNG"))
    assert 120 <= int(decoded.pixels[0, 0, 0]) <= 135


def test_exif_orientation_6_swaps_width_and_height(sharp_scene):
    upright = np.ascontiguousarray(sharp_scene[:600, :400])  # portrait 400x600
    stored = np.ascontiguousarray(np.rot90(upright, k=1))  # camera stores it landscape
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Snapcam"
    exif[0x0110] = "S1"
    exif.get_ifd(0x8769)[0x9003] = "2026:05:04 13:45:10"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.64), 3: "E", 4: (2.0, 17.0, 40.2)})
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, "JPEG", quality=95, exif=exif)
    decoded = decode_image(buffer.getvalue())
    assert (decoded.width, decoded.height) == (400, 600)
    assert decoded.pixels.shape[:2] == (600, 400)
    difference = np.abs(decoded.pixels.astype(int) - upright.astype(int)).mean()
    assert difference < 6
    facts = decoded.exif
    assert facts.orientation == 6
    assert facts["camera_make"] == "Snapcam" and facts.camera_model == "S1"
    assert facts.captured_at == datetime(2026, 5, 4, 13, 45, 10)
    assert facts.gps is not None
    assert facts.gps[0] == pytest.approx(48.8582, abs=1e-3)
    assert facts.gps[1] == pytest.approx(2.2945, abs=1e-3)


def test_png_named_jpg_decodes_by_content(tmp_path, sharp_scene):
    tiny = np.ascontiguousarray(sharp_scene[:100, :100])
    path = write(tmp_path, "really_png.jpg", encode(tiny, "PNG"))
    assert decode_image(path).format == "PNG"


def expect_error(source: object, code: str, words: str) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode_image(source)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert words in caught.value.message
    return caught.value


def test_zero_byte_file(tmp_path):
    expect_error(write(tmp_path, "empty.jpg", b""), "empty_file", "0 bytes")
    expect_error(b"", "empty_file", "0 bytes")


def test_pdf_named_jpg(tmp_path):
    expect_error(
        write(tmp_path, "scan.jpg", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
        "unsupported_format",
        "PDF",
    )


def test_text_named_jpg(tmp_path):
    expect_error(
        write(tmp_path, "notes.jpg", b"hello, this is not a photo\n" * 20),
        "unsupported_format",
        "text",
    )


def test_corrupt_bytes(tmp_path):
    rng = np.random.default_rng(0)
    expect_error(
        write(tmp_path, "noise.jpg", rng.integers(0, 256, 4096, np.uint8).tobytes()),
        "unreadable",
        "noise.jpg",
    )


def test_corrupt_jpeg_body(tmp_path, sharp_scene):
    data = bytearray(encode(sharp_scene))
    data[600:] = b"\x00" * (len(data) - 600)
    with pytest.raises(DecodeError) as caught:
        decode_image(bytes(data))
    assert caught.value.code in ("unreadable", "truncated")


def test_truncated_jpeg(tmp_path, sharp_scene):
    data = encode(sharp_scene)
    expect_error(write(tmp_path, "cut.jpg", data[: len(data) // 2]), "truncated", "truncated")


def test_truncated_png(tmp_path, sharp_scene):
    data = encode(sharp_scene, "PNG")
    with pytest.raises(DecodeError) as caught:
        decode_image(write(tmp_path, "cut.png", data[: len(data) // 3]))
    assert caught.value.code in ("truncated", "unreadable")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # A tiny PNG whose header claims 30000 x 30000 pixels.
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 30001 * 4))
        + _png_chunk(b"IEND", b"")
    )
    expect_error(write(tmp_path, "bomb.png", png), "decompression_bomb", "pixels")


def test_custom_pixel_limit(sharp_scene):
    with pytest.raises(DecodeError) as caught:
        decode_image(encode(sharp_scene), max_pixels=1000)
    assert caught.value.code == "decompression_bomb"


def test_missing_file_and_directory(tmp_path):
    expect_error(tmp_path / "nope.jpg", "unreadable", "not found")
    expect_error(tmp_path, "unreadable", "directory")
