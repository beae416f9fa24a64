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
MIN_TILE_STD = 8.0  # gray levels; flatter tiles carry no focus information
SHARPEST_FRACTION = 0.25
ANISOTROPY_TILES = 96
MAX_DIAGONAL_TILES = 128  # the sharpest tiles measured along the diagonals
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


_DIAGONAL_KERNELS = {
    "45": np.eye(_TAPS, dtype=np.float32)[::-1].copy() / _TAPS,
    "135": np.eye(_TAPS, dtype=np.float32) / _TAPS,
}  # the taps _diagonal_box adds up
_MARGIN = _TAPS // 2 + 1


def _step_pairs(image: np.ndarray, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """(I(p), I(p + step)) views, one row/column shorter where the step needs it."""
    if direction == "0":
        return image[:-1, :-1], image[:-1, 1:]
    if direction == "90":
        return image[:-1, :-1], image[1:, :-1]
    if direction == "45":
        return image[:-1, 1:], image[1:, :-1]
    return image[:-1, :-1], image[1:, 1:]


def _crete_maps(
    image: np.ndarray, blurred: np.ndarray, direction: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel variation D_F and its part V lost by re-blurring (Crete et al.)."""
    d_f = cv2.absdiff(*_step_pairs(image, direction))
    d_b = cv2.absdiff(*_step_pairs(blurred, direction))
    d_v = cv2.subtract(d_f, d_b)  # uint8: saturates at 0, which is max(0, D_F - D_B)
    return d_f, d_v


def _tile_sums(values: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Sum of each TILE x TILE block of a map at least rows*TILE x cols*TILE in size."""
    block = np.ascontiguousarray(values[: rows * TILE, : cols * TILE])
    # cv2.reduce sums each TILE-wide run of a row in one pass; numpy adds up the rows
    runs = cv2.reduce(block.reshape(rows * TILE * cols, TILE), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32F)
    return runs.reshape(rows, TILE, cols).sum(axis=1, dtype=np.float64)


def _diagonal_box(image: np.ndarray, direction: str) -> np.ndarray:
    """9-tap box filter along a diagonal, as nine shifted adds (a 9x9 kernel with only
    nine non-zero taps would cost 81 multiply-adds per pixel in filter2D)."""
    half = _TAPS // 2
    padded = cv2.copyMakeBorder(image, *([half] * 4), cv2.BORDER_REFLECT).astype(np.uint16)
    h, w = image.shape
    sign = -1 if direction == "45" else 1
    total = np.zeros((h, w), np.uint16)
    for k in range(-half, half + 1):
        dx = sign * k
        cv2.add(total, padded[half + k : half + k + h, half + dx : half + dx + w], dst=total)
    # round(total / 9) == (total + 4) // 9 for integers: k / 9 never ends in .5
    return cv2.convertScaleAbs(total, alpha=1.0 / _TAPS)


def _diagonal_blur(gray: np.ndarray, tiles: np.ndarray) -> dict[str, float]:
    """Crete blur along the two diagonals, computed on the chosen tiles only.

    The tiles (with a margin wider than the filter) are stacked into one strip and
    filtered at once; only each tile's interior is summed, so the seams never count.
    """
    side = TILE + 2 * _MARGIN
    padded = cv2.copyMakeBorder(gray, *([_MARGIN] * 4), cv2.BORDER_REFLECT)
    strip = np.concatenate(
        [padded[r * TILE : r * TILE + side, c * TILE : c * TILE + side] for r, c in tiles]
    )
    result: dict[str, float] = {}
    for name in _DIAGONAL_KERNELS:
        blurred = _diagonal_box(strip, name)
        d_f, d_v = _crete_maps(strip, blurred, name)
        # the maps are one row/column short; pixel (y, x) of the strip sits at (y, x - 1)
        # for the 45 degree direction and at (y, x) otherwise
        offset = 1 if name == "45" else 0
        cols = slice(_MARGIN - offset, _MARGIN - offset + TILE)
        sums = []
        for values in (d_f, d_v):
            full = cv2.copyMakeBorder(values, 0, 1, 0, 1, cv2.BORDER_CONSTANT, value=0)
            cube = full.reshape(len(tiles), side, side)
            sums.append(float(cube[:, _MARGIN : _MARGIN + TILE, cols].sum(dtype=np.float64)))
        f, v = sums
        result[name] = 1.0 - v / f if f > 0 else 0.0
    return result


def _anisotropy(
    gray: np.ndarray,
    sum_f: dict[str, np.ndarray],
    sum_v: dict[str, np.ndarray],
    detailed: np.ndarray,
) -> tuple[float, float]:
    """(relative blur difference between perpendicular directions, blurriest direction).

    Measured over an even spread of ALL detailed tiles, not only the sharpest ones: the
    orientation of the content (shelf edges, facades) then averages out, while motion
    blur shortens every tile's variation along the motion the same way.
    """
    picked = detailed[np.linspace(0, len(detailed) - 1, min(ANISOTROPY_TILES, len(detailed)))
                      .astype(int)]  # fmt: skip
    rows, cols = picked[:, 0], picked[:, 1]
    profile: dict[str, float] = {}
    for name in ("0", "90"):
        f = float(sum_f[name][rows, cols].sum())
        profile[name] = 1.0 - float(sum_v[name][rows, cols].sum()) / f if f > 0 else 0.0
    profile.update(_diagonal_blur(gray, picked))
    pairs = (("0", "90"), ("45", "135"))
    spreads = [abs(profile[a] - profile[b]) / max(profile[a] + profile[b], 1e-6) for a, b in pairs]
    strongest = pairs[int(np.argmax(spreads))]
    return float(max(spreads)), float(max(strongest, key=profile.__getitem__))


def measure_blur(gray: np.ndarray) -> BlurMeasure:
    """Blur of an 8-bit gray image judged on its sharpest detailed tiles.

    Works in uint8 throughout (saturating arithmetic gives max(0, .) for free and the
    SIMD paths are several times faster than float); a float image is rounded first.
    """
    h, w = gray.shape
    rows, cols = h // TILE, w // TILE
    if rows == 0 or cols == 0:
        return BlurMeasure(0.0, dict.fromkeys(_DIRECTIONS, 0.0), 0.0, None, 0.0)
    if gray.dtype != np.uint8:
        gray = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    gray = np.ascontiguousarray(gray)
    # one replicated row/column so every direction's differences cover every tile
    region = cv2.copyMakeBorder(
        np.ascontiguousarray(gray[: rows * TILE, : cols * TILE]), 0, 1, 0, 1, cv2.BORDER_REPLICATE
    )
    sum_f: dict[str, np.ndarray] = {}
    sum_v: dict[str, np.ndarray] = {}
    for name, ksize in (("0", (_TAPS, 1)), ("90", (1, _TAPS))):
        blurred = cv2.blur(region, ksize, borderType=cv2.BORDER_REFLECT)
        d_f, d_v = _crete_maps(region, blurred, name)
        sum_f[name] = _tile_sums(d_f, rows, cols)
        sum_v[name] = _tile_sums(d_v, rows, cols)
    core = region[:-1, :-1]
    mean = _tile_sums(core, rows, cols) / (TILE * TILE)
    squares = cv2.multiply(core, core, dtype=cv2.CV_16U)  # 255^2 fits in 16 bits
    mean_sq = _tile_sums(squares, rows, cols) / (TILE * TILE)
    tile_std = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    total_f = sum_f["0"] + sum_f["90"]
    total_v = sum_v["0"] + sum_v["90"]
    detailed = (tile_std >= MIN_TILE_STD) & (total_f > 0)
    n_detailed = int(detailed.sum())
    if n_detailed == 0:
        return BlurMeasure(0.0, dict.fromkeys(_DIRECTIONS, 0.0), 0.0, None, 0.0)
    positions = np.argwhere(detailed)
    iso_blur = 1.0 - total_v[detailed] / total_f[detailed]
    keep = max(MIN_SHARPEST_TILES, int(np.ceil(SHARPEST_FRACTION * n_detailed)))
    keep = min(keep, n_detailed)
    order = np.argsort(iso_blur, kind="stable")[:keep]
    directional: dict[str, float] = {}
    for name in ("0", "90"):
        f = float(sum_f[name][detailed][order].sum())
        v = float(sum_v[name][detailed][order].sum())
        directional[name] = 1.0 - v / f if f > 0 else 0.0
    directional.update(_diagonal_blur(gray, positions[order[:MAX_DIAGONAL_TILES]]))
    blur = float(np.clip(max(directional.values()), 0.0, 1.0))
    anisotropy, motion_angle = _anisotropy(gray, sum_f, sum_v, positions)
    return BlurMeasure(
        blur=blur,
        directional=directional,
        anisotropy=anisotropy,
        motion_angle=motion_angle,
        detail_fraction=n_detailed / (rows * cols),
    )
