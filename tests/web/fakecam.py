"""Images for Chromium's fake camera: y4m files (exact colours) and test photos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

Y4M_HEADER = b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n"


def textured_rgb(width: int = 640, height: int = 480, seed: int = 7) -> np.ndarray:
    """A sharp, well exposed, detailed scene: coloured shapes, text and fine texture."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 128, np.uint8)
    # Smooth colour gradient as the background (mid brightness).
    xs = np.linspace(60, 190, width, dtype=np.float32)
    ys = np.linspace(70, 170, height, dtype=np.float32)
    img[..., 0] = (xs[None, :] * 0.8 + ys[:, None] * 0.2).astype(np.uint8)
    img[..., 1] = (ys[:, None] * 0.9 + 20).astype(np.uint8)
    img[..., 2] = (190 - xs[None, :] * 0.5).astype(np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        colour = tuple(int(c) for c in rng.integers(20, 235, 3))
        if rng.random() < 0.5:
            cv2.rectangle(
                img,
                (x, y),
                (x + int(rng.integers(20, 120)), y + int(rng.integers(20, 90))),
                colour,
                -1,
            )
        else:
            cv2.circle(img, (x, y), int(rng.integers(10, 60)), colour, -1)
    for i in range(8):
        cv2.putText(
            img,
            f"SNAPSET {seed}-{i}",
            (20, 50 + i * 55),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.1,
            (15, 15, 15) if i % 2 else (245, 245, 245),
            2,
            cv2.LINE_AA,
        )
    noise = rng.integers(-18, 19, img.shape, dtype=np.int16)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def blurred(rgb: np.ndarray, sigma: float = 7.0) -> np.ndarray:
    return cv2.GaussianBlur(rgb, (0, 0), sigma)


def write_y4m(path: Path, frames: list[np.ndarray]) -> Path:
    """A 4:2:0 y4m the fake camera loops (30 frames = one second), with exact colours."""
    with path.open("wb") as out:
        out.write(Y4M_HEADER)
        for rgb in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def moving_frames(rgb: np.ndarray, count: int = 30, seed: int = 0) -> list[np.ndarray]:
    """The same scene with fresh sensor noise and a small moving marker in every frame,
    so photos taken a moment apart are different files (as on a real phone)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        noise = rng.integers(-3, 4, rgb.shape, dtype=np.int16)
        frame = np.clip(rgb.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        cv2.circle(frame, (40 + i * 18, 450), 8, (250, 40, 40), -1)
        frames.append(frame)
    return frames


def jpeg_bytes(rgb: np.ndarray, quality: int = 92) -> bytes:
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return buf.tobytes()
