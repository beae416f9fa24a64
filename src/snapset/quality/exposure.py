"""Exposure: too dark or too bright, judged from the luminance histogram.

dark   = 1 - p90 / 255: even the brightest tenth of the picture is dim.
bright = mean / 255 + half the fraction of clipped highlights (>= 250), capped at 1:
         a pale picture, more so when highlights are blown out.
Both lie in [0, 1]. A dark photo's brightest tenth is dim, so a night shot with a few
street lights still counts as dark while a normal photo with a black sky in it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ExposureMeasure:
    dark: float
    bright: float
    brightness: float  # mean luminance / 255
    contrast: float  # luminance std / 128 (clipped to 1)
    clipped_dark: float  # fraction of pixels at luminance <= 5
    clipped_bright: float  # fraction of pixels at luminance >= 250


def luma_histogram(luma: np.ndarray) -> np.ndarray:
    """256-bin histogram of an 8-bit luminance image."""
    return cv2.calcHist([luma], [0], None, [256], [0, 256]).ravel().astype(np.float64)


def _percentile(cdf: np.ndarray, q: float) -> float:
    return float(np.searchsorted(cdf, q * cdf[-1]))


def measure_exposure(hist: np.ndarray) -> ExposureMeasure:
    """Exposure scores from a 256-bin luminance histogram."""
    total = hist.sum()
    if total <= 0:
        return ExposureMeasure(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    levels = np.arange(256, dtype=np.float64)
    cdf = np.cumsum(hist)
    mean = float((hist * levels).sum() / total)
    std = float(np.sqrt(max((hist * (levels - mean) ** 2).sum() / total, 0.0)))
    p90 = _percentile(cdf, 0.90)
    clipped_bright = float(hist[250:].sum() / total)
    return ExposureMeasure(
        dark=float(np.clip(1.0 - p90 / 255.0, 0.0, 1.0)),
        bright=float(np.clip(mean / 255.0 + 0.5 * clipped_bright, 0.0, 1.0)),
        brightness=mean / 255.0,
        contrast=min(1.0, std / 128.0),
        clipped_dark=float(hist[:6].sum() / total),
        clipped_bright=clipped_bright,
    )
