"""Pure geometry on annotation arrays: RLE masks, polygon areas, box IoU."""

from __future__ import annotations

import numpy as np


def rle_decode(counts: np.ndarray, height: int, width: int) -> np.ndarray:
    """Uncompressed COCO run lengths (column-major, zeros first) -> (H, W) bool mask."""
    flat = np.zeros(height * width, bool)
    ends = np.cumsum(counts)
    starts = ends - counts
    for s, e in zip(starts[1::2], ends[1::2], strict=False):
        flat[s:e] = True
    return flat.reshape(width, height).T


def rle_encode(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool mask -> uncompressed COCO run lengths."""
    flat = np.asarray(mask, bool).T.ravel()
    change = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds)
    if flat.size and flat[0]:
        runs = np.concatenate([[0], runs])
    return runs.astype(np.uint32)


def rle_area(counts: np.ndarray) -> int:
    return int(np.asarray(counts)[1::2].sum())


def rle_bbox(counts: np.ndarray, height: int, width: int) -> tuple[float, float, float, float]:
    mask = rle_decode(counts, height, width)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return (0.0, 0.0, 0.0, 0.0)
    return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


def rle_from_coco_string(counts: str, height: int, width: int) -> np.ndarray:
    """COCO's compressed RLE string -> uncompressed run lengths (via pycocotools)."""
    from pycocotools import mask as mask_utils

    m = mask_utils.decode({"size": [height, width], "counts": counts.encode()})
    return rle_encode(m.astype(bool))


def mask_to_polygons(counts: np.ndarray, height: int, width: int) -> list[np.ndarray]:
    """Outer contours of a mask as polygons (for formats that hold no masks)."""
    import cv2

    mask = rle_decode(counts, height, width).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1, 2).astype(np.float64) for c in contours if len(c) >= 3]


def polygon_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def iou_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of row i of `a` with row i of `b`, both (N, 4) x0, y0, x1, y1 boxes."""
    iw = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = (
        (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        - inter
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def rotated_corners(xyxy: np.ndarray, angle_deg: float) -> np.ndarray:
    """The four corners (4, 2) of a box turned `angle_deg` clockwise about its centre."""
    x0, y0, x1, y1 = xyxy
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64) - (cx, cy)
    t = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return pts @ rot.T + (cx, cy)
