"""Test photos generated on the fly: textured scenes that pass the quality checks, with
optional EXIF (capture time, camera, GPS), plus the hostile files the upload tests need."""

from __future__ import annotations

import io
from datetime import datetime

import cv2
import numpy as np
from PIL import Image


def scene(width: int = 960, height: int = 720, seed: int = 0) -> np.ndarray:
    """A sharp, well-exposed, colourful synthetic scene (RGB uint8), unique per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            90 + 60 * np.sin(x / (40 + seed % 17) + seed),
            110 + 50 * np.cos(y / (55 + seed % 13) - seed),
            120 + 40 * np.sin((x + y) / (70 + seed % 11)),
        ],
        axis=-1,
    )
    img = np.clip(base, 0, 255).astype(np.uint8)
    for _ in range(40):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = (
            int(rng.integers(width // 30, width // 6)),
            int(rng.integers(height // 30, height // 6)),
        )
        if rng.random() < 0.5:
            cv2.rectangle(img, (x0, y0), (x0 + w, y0 + h), colour, -1)
        else:
            cv2.circle(img, (x0, y0), w // 2, colour, -1)
    for i in range(12):
        cv2.putText(
            img,
            f"snapset {seed} {i}",
            (int(rng.integers(0, width // 2)), int(rng.integers(40, height))),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.5,
            (255, 255, 255) if i % 2 else (10, 10, 10),
            3,
        )
    return img


def _exif(
    captured_at: datetime | None,
    make: str | None,
    model: str | None,
    gps: tuple[float, float] | None,
) -> Image.Exif:
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if captured_at:
        exif.get_ifd(0x8769)[0x9003] = captured_at.strftime("%Y:%m:%d %H:%M:%S")
    if gps:
        lat, lon = gps

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            d = int(value)
            m = int((value - d) * 60)
            s = round((value - d - m / 60) * 3600, 4)
            return (float(d), float(m), float(s))

        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = dms(lat)
        gps_ifd[3] = "E" if lon >= 0 else "W"
        gps_ifd[4] = dms(lon)
    return exif


def jpeg(
    width: int = 960,
    height: int = 720,
    seed: int = 0,
    *,
    pixels: np.ndarray | None = None,
    captured_at: datetime | None = None,
    make: str | None = "TestCam",
    model: str | None = "T1",
    gps: tuple[float, float] | None = None,
    quality: int = 90,
) -> bytes:
    array = pixels if pixels is not None else scene(width, height, seed)
    out = io.BytesIO()
    Image.fromarray(array).save(
        out, "JPEG", quality=quality, exif=_exif(captured_at, make, model, gps)
    )
    return out.getvalue()


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def blurry_jpeg(seed: int = 0) -> bytes:
    return jpeg(pixels=cv2.GaussianBlur(scene(seed=seed), (0, 0), 12))


def small_png() -> bytes:
    return png(scene(64, 48, seed=99))


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG_BYTES = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4000" height="3000">'
    b'<rect width="4000" height="3000" fill="red"/></svg>'
)


def decompression_bomb() -> bytes:
    """A tiny PNG that claims a huge canvas (30000 x 30000 = 900 MP)."""
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG", optimize=True)
    return out.getvalue()
