"""Sensor / added noise, estimated where the picture is flat.

Immerkaer's fast estimator (1996): the response of a Laplacian-difference kernel that
cancels smooth content is proportional to the noise sigma. Texture also answers it, so
sigma is taken from the calmest tiles (a low percentile) of the working-size image.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

TILE = 32
CALM_PERCENTILE = 10.0
SIGMA_AT_SCORE_ONE = 10.0  # gray levels of noise sigma that score 1.0

_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
_SCALE = math.sqrt(math.pi / 2.0) / 6.0


def _tile_means(values: np.ndarray, rows: int, cols: int) -> np.ndarray:
    block = np.ascontiguousarray(values[: rows * TILE, : cols * TILE])
    runs = cv2.reduce(block.reshape(rows * TILE * cols, TILE), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32F)
    return runs.reshape(rows, TILE, cols).sum(axis=1, dtype=np.float64).ravel() / (TILE * TILE)


def estimate_noise_sigma(gray: np.ndarray) -> float:
    """Noise sigma (gray levels, 0..255 scale) of a gray image (uint8 or float)."""
    h, w = gray.shape
    if h < 3 or w < 3:
        return 0.0
    if gray.dtype == np.uint8:  # integer kernel on 8-bit input: exact in int16
        response = np.abs(cv2.filter2D(gray, cv2.CV_16S, _KERNEL))[1:-1, 1:-1]
    else:
        response = np.abs(cv2.filter2D(gray.astype(np.float32), cv2.CV_32F, _KERNEL))[1:-1, 1:-1]
    rows, cols = response.shape[0] // TILE, response.shape[1] // TILE
    if rows == 0 or cols == 0:
        return float(_SCALE * response.mean())
    per_tile = _tile_means(response, rows, cols)
    # tiles clipped to pure black or white have no measurable noise; skip them
    tile_mean = _tile_means(gray[1:-1, 1:-1], rows, cols)
    usable = per_tile[(tile_mean > 8) & (tile_mean < 247)]
    if usable.size == 0:
        usable = per_tile
    return float(_SCALE * np.percentile(usable, CALM_PERCENTILE))


def noise_score(sigma: float) -> float:
    """Map sigma to [0, 1]: 0 = clean, 1 = sigma >= SIGMA_AT_SCORE_ONE."""
    return float(min(1.0, max(0.0, sigma / SIGMA_AT_SCORE_ONE)))
