"""Shape and size of the ORIGINAL image (after EXIF orientation)."""

from __future__ import annotations


def aspect_ratio_score(width: int, height: int) -> float:
    """1 - short/long side: 0 for a square, 0.25 for 4:3, 0.44 for 16:9, 0.6 for 2.5:1."""
    long_side, short_side = max(width, height), min(width, height)
    if long_side <= 0:
        return 1.0
    return 1.0 - short_side / long_side


def resolution_score(width: int, height: int, min_width: int, min_height: int) -> float:
    """0 when the image meets the minimum in either orientation, up to 1 for no pixels.

    The minimum is orientation-agnostic: 480x640 satisfies 640x480.
    """
    need_long, need_short = max(min_width, min_height), min(min_width, min_height)
    have_long, have_short = max(width, height), min(width, height)
    ratio = min(have_long / need_long, have_short / need_short, 1.0)
    return float(1.0 - max(ratio, 0.0))
