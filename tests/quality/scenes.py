"""Generated test pictures with a known answer (no files from outside the repo)."""

from __future__ import annotations

import cv2
import numpy as np


def photo_like(width: int = 1600, height: int = 1200, seed: int = 0) -> np.ndarray:
    """A sharp, colourful, busy RGB scene: shapes, lines, text and fine texture."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    img[:] = rng.integers(60, 200, 3)
    for _ in range(120):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(0, 3)
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if kind == 0:
            w, h = int(rng.integers(20, width // 4)), int(rng.integers(20, height // 4))
            cv2.rectangle(img, (x, y), (x + w, y + h), colour, -1)
        elif kind == 1:
            cv2.circle(img, (x, y), int(rng.integers(10, height // 6)), colour, -1)
        else:
            x2, y2 = int(rng.integers(0, width)), int(rng.integers(0, height))
            cv2.line(img, (x, y), (x2, y2), colour, int(rng.integers(1, 6)))
    for i in range(25):
        x, y = int(rng.integers(0, width - 200)), int(rng.integers(30, height))
        cv2.putText(img, f"SNAP {i}", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2)
    grain = rng.normal(0, 2.0, img.shape)
    return np.clip(img + grain, 0, 255).astype(np.uint8)


def with_flat_sky(width: int = 1600, height: int = 1200, sky_fraction: float = 0.7) -> np.ndarray:
    """Sharp detail at the bottom, a smooth sky gradient over most of the picture."""
    img = photo_like(width, height, seed=3)
    sky_rows = int(height * sky_fraction)
    ramp = np.linspace(0.0, 1.0, sky_rows, dtype=np.float32)[:, None]
    top = np.array([90, 140, 220], np.float32)
    bottom = np.array([180, 210, 240], np.float32)
    sky = top + ramp[..., None] * (bottom - top)
    img[:sky_rows] = np.broadcast_to(sky, (sky_rows, width, 3)).astype(np.uint8)
    return img


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma)


def defocus_blur(img: np.ndarray, radius: int) -> np.ndarray:
    kernel = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    cv2.circle(kernel, (radius, radius), radius, 1.0, -1)
    return cv2.filter2D(img, -1, kernel / kernel.sum())


def motion_blur(img: np.ndarray, length: int, angle_deg: float = 0.0) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rotation = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle_deg, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    return cv2.filter2D(img, -1, kernel / kernel.sum())


def exposure(img: np.ndarray, stops: float) -> np.ndarray:
    """Change exposure by `stops` in (approximately) linear light, clipping at 0/255."""
    linear = (img.astype(np.float32) / 255.0) ** 2.2
    scaled = np.clip(linear * (2.0**stops), 0.0, 1.0)
    return (scaled ** (1 / 2.2) * 255.0 + 0.5).astype(np.uint8)


def add_noise(img: np.ndarray, sigma: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)
