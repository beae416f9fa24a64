"""How much the picture holds: information (entropy), colour and colourfulness.

low_information = 1 - H / 8 where H is the entropy in bits of the 256-bin luminance
histogram (a flat or near-blank picture has H near 0).
grayscale = 1 - p99(chroma) / 32 where chroma = max(R,G,B) - min(R,G,B) per pixel: an
RGB file whose channels are equal scores 1.0, a colour photo scores near 0.
colourfulness is Hasler & Suesstrunk's (2003) metric divided by 150 (clipped to 1).
"""

from __future__ import annotations

import cv2
import numpy as np

CHROMA_AT_FULL_COLOUR = 32.0


def information_score(hist: np.ndarray) -> tuple[float, float]:
    """(low_information score in [0, 1], entropy in bits) from a 256-bin histogram."""
    total = hist.sum()
    if total <= 0:
        return 1.0, 0.0
    p = hist[hist > 0] / total
    entropy = float(-(p * np.log2(p)).sum())
    return float(np.clip(1.0 - entropy / 8.0, 0.0, 1.0)), entropy


def grayscale_score(rgb: np.ndarray) -> float:
    """1.0 for equal channels everywhere, falling to 0 as real colour appears."""
    sample = rgb[::2, ::2]
    if sample.size == 0:
        return 1.0
    r, g, b = sample[..., 0], sample[..., 1], sample[..., 2]
    chroma = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    hist = cv2.calcHist([np.ascontiguousarray(chroma)], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist)
    p99 = float(np.searchsorted(cdf, 0.99 * cdf[-1]))
    return float(np.clip(1.0 - p99 / CHROMA_AT_FULL_COLOUR, 0.0, 1.0))


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler-Suesstrunk colourfulness scaled to [0, 1]."""
    sample = rgb[::4, ::4].astype(np.float32)
    r, g, b = sample[..., 0], sample[..., 1], sample[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    value = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    return float(min(1.0, value / 150.0))
