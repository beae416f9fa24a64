"""Blur judged where the photo has detail, at working resolution.

Measure: the "blur effect" of Crete et al. (2007) — re-blur the picture with a 9-tap box
filter along a direction and see how much of its pixel-to-pixel variation survives. A
sharp picture loses much of it, a blurred one almost none. The ratio is contrast
invariant, lies in [0, 1] (1 = fully blurred) and is computed per tile.

Only tiles with local contrast count (sky, plain walls, studio backgrounds say nothing
about focus), and the image is judged by its sharpest tiles, so a sharp subject on a
bokeh background is sharp. The blur per direction (0, 45, 90, 135 degrees) over those
tiles tells motion blur (one direction much blurrier) from defocus (all alike).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TILE = 32
MIN_TILE_STD = 4.0  # gray levels; flatter tiles carry no focus information
SHARPEST_FRACTION = 0.1
MIN_SHARPEST_TILES = 6
_TAPS = 9
_DIRECTIONS = ("0", "45", "90", "135")


@dataclass(frozen=True)
class BlurMeasure:
    """blur in [0, 1] (1 = no detail survives; the blurriest of four directions),
    per-direction blur, and anisotropy in [0, 1]: the relative difference between
    perpendicular directions (near 0 for defocus, large for motion blur)."""

    blur: float
    directional: dict[str, float]
    anisotropy: float
    motion_angle: float | None
    detail_fraction: float


def _kernels() -> dict[str, np.ndarray]:
    line = np.full((1, _TAPS), 1.0 / _TAPS, np.float32)
    diag = np.eye(_TAPS, dtype=np.float32) / _TAPS
    return {"0": line, "90": line.T.copy(), "45": diag[::-1].copy(), "135": diag}


_KERNELS = _kernels()
# neighbour offset (dy, dx) along each direction, for the pixel differences
_STEPS = {"0": (0, 1), "90": (1, 0), "45": (1, -1), "135": (1, 1)}


def _shifted_abs_diff(image: np.ndarray, step: tuple[int, int]) -> np.ndarray:
    dy, dx = step
    h, w = image.shape
    out = np.zeros_like(image)
    ys, ye = 0, h - dy
    if dx >= 0:
        xs, xe = 0, w - dx
    else:
        xs, xe = -dx, w
    out[ys:ye, xs:xe] = np.abs(image[ys + dy : ye + dy, xs + dx : xe + dx] - image[ys:ye, xs:xe])
    return out


def _tile_sums(values: np.ndarray, rows: int, cols: int) -> np.ndarray:
    cropped = values[: rows * TILE, : cols * TILE]
    return cropped.reshape(rows, TILE, cols, TILE).sum(axis=(1, 3))


def measure_blur(gray: np.ndarray) -> BlurMeasure:
    """Blur of a float32 gray image (0..255) judged on its sharpest detailed tiles."""
    h, w = gray.shape
    rows, cols = h // TILE, w // TILE
    if rows == 0 or cols == 0:
        return BlurMeasure(0.0, dict.fromkeys(_DIRECTIONS, 0.0), 0.0, None, 0.0)
    gray = np.ascontiguousarray(gray, dtype=np.float32)
    sum_f: dict[str, np.ndarray] = {}
    sum_v: dict[str, np.ndarray] = {}
    for name in _DIRECTIONS:
        blurred = cv2.filter2D(gray, -1, _KERNELS[name], borderType=cv2.BORDER_REFLECT)
        d_f = _shifted_abs_diff(gray, _STEPS[name])
        d_b = _shifted_abs_diff(blurred, _STEPS[name])
        sum_f[name] = _tile_sums(d_f, rows, cols)
        sum_v[name] = _tile_sums(np.maximum(d_f - d_b, 0.0), rows, cols)
    cropped = gray[: rows * TILE, : cols * TILE].reshape(rows, TILE, cols, TILE)
    tile_std = cropped.std(axis=(1, 3))
    total_f = sum(sum_f.values())
    total_v = sum(sum_v.values())
    detailed = (tile_std >= MIN_TILE_STD) & (total_f > 0)
    n_detailed = int(detailed.sum())
    if n_detailed == 0:
        return BlurMeasure(0.0, dict.fromkeys(_DIRECTIONS, 0.0), 0.0, None, 0.0)
    iso_blur = 1.0 - total_v[detailed] / total_f[detailed]
    keep = max(MIN_SHARPEST_TILES, int(np.ceil(SHARPEST_FRACTION * n_detailed)))
    keep = min(keep, n_detailed)
    order = np.argsort(iso_blur)[:keep]
    directional: dict[str, float] = {}
    for name in _DIRECTIONS:
        f = float(sum_f[name][detailed][order].sum())
        v = float(sum_v[name][detailed][order].sum())
        directional[name] = 1.0 - v / f if f > 0 else 0.0
    # Diagonal steps are sqrt(2) px long, so only same-geometry pairs are compared:
    # motion blur shows as a large relative difference within one pair.
    pairs = (("0", "90"), ("45", "135"))
    spreads = [
        abs(directional[a] - directional[b]) / max(directional[a] + directional[b], 1e-6)
        for a, b in pairs
    ]
    anisotropy = float(max(spreads))
    strongest = pairs[int(np.argmax(spreads))]
    blur = float(np.clip(max(directional.values()), 0.0, 1.0))
    motion_angle = float(max(strongest, key=directional.__getitem__))
    return BlurMeasure(
        blur=blur,
        directional=directional,
        anisotropy=anisotropy,
        motion_angle=motion_angle,
        detail_fraction=n_detailed / (rows * cols),
    )
