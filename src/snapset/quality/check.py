"""All per-image checks on one decoded image: scores, issues and details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from snapset.quality.content import colourfulness, grayscale_score, information_score
from snapset.quality.decode import DecodedImage
from snapset.quality.exposure import luma_histogram, measure_exposure
from snapset.quality.geometry import aspect_ratio_score, resolution_score
from snapset.quality.noise import estimate_noise_sigma, noise_score
from snapset.quality.sharpness import measure_blur
from snapset.quality.thresholds import Thresholds

# Issue codes in the order reports list them.
ISSUE_CODES = (
    "blurry",
    "dark",
    "bright",
    "noisy",
    "low_information",
    "grayscale",
    "odd_aspect_ratio",
    "low_resolution",
)


@dataclass(frozen=True)
class ImageCheck:
    """Scores (issue scores in [0, 1], higher = worse, plus descriptive measures),
    the issues found, and details such as blur_kind ("defocus" | "motion")."""

    scores: dict[str, float]
    issues: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"scores": self.scores, "issues": self.issues, "details": self.details}


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def check_image(decoded: DecodedImage, thresholds: Thresholds | None = None) -> ImageCheck:
    """Run every check on an already decoded image (pure: pixels in, numbers out)."""
    limits = thresholds or Thresholds()
    rgb = decoded.pixels
    luma = _gray(rgb)
    hist = luma_histogram(luma)

    exposure = measure_exposure(hist)
    blur = measure_blur(luma)
    sigma = estimate_noise_sigma(luma)
    low_info, entropy = information_score(hist)
    gray_score = 1.0 if decoded.mode in ("1", "L", "LA", "I", "I;16", "F") else grayscale_score(rgb)

    scores = {
        "blurry": round(blur.blur, 4),
        "dark": round(exposure.dark, 4),
        "bright": round(exposure.bright, 4),
        "noisy": round(noise_score(sigma), 4),
        "low_information": round(low_info, 4),
        "grayscale": round(gray_score, 4),
        "odd_aspect_ratio": round(aspect_ratio_score(decoded.width, decoded.height), 4),
        "low_resolution": round(
            resolution_score(decoded.width, decoded.height, limits.min_width, limits.min_height),
            4,
        ),
        # descriptive measures (not issues), also used for diversity statistics
        "brightness": round(exposure.brightness, 4),
        "contrast": round(exposure.contrast, 4),
        "colourfulness": round(colourfulness(rgb), 4),
        "entropy": round(entropy, 4),
        "noise_sigma": round(sigma, 3),
        "blur_anisotropy": round(blur.anisotropy, 4),
        "detail_fraction": round(blur.detail_fraction, 4),
    }
    issues: list[str] = []
    details: dict[str, Any] = {}
    low_information = low_info >= limits.low_information
    # A picture without detail cannot be judged for focus; it is reported as low
    # information instead of blurry.
    if blur.blur >= limits.blurry and blur.detail_fraction > 0 and not low_information:
        issues.append("blurry")
        is_motion = blur.anisotropy >= limits.motion_anisotropy
        details["blur_kind"] = "motion" if is_motion else "defocus"
        if is_motion:
            details["motion_angle_deg"] = blur.motion_angle
    if exposure.dark >= limits.dark:
        issues.append("dark")
    if exposure.bright >= limits.bright:
        issues.append("bright")
    if scores["noisy"] >= limits.noisy:
        issues.append("noisy")
    if low_information:
        issues.append("low_information")
    if gray_score >= limits.grayscale:
        issues.append("grayscale")
    if scores["odd_aspect_ratio"] >= limits.odd_aspect_ratio:
        issues.append("odd_aspect_ratio")
    if scores["low_resolution"] > 0.0:
        issues.append("low_resolution")
    return ImageCheck(scores=scores, issues=issues, details=details)
