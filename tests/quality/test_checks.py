"""Every check against generated pictures whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from snapset.quality import Thresholds, check_image, decode_image
from tests.quality import scenes
from tests.quality.conftest import encode


def check(array: np.ndarray, fmt: str = "JPEG", thresholds: Thresholds | None = None):
    return check_image(decode_image(encode(array, fmt)), thresholds)


def test_sharp_photo_has_no_issues(sharp_scene):
    result = check(sharp_scene)
    assert result.issues == []
    assert all(0.0 <= result.scores[code] <= 1.0 for code in ("blurry", "dark", "bright"))


def test_sharp_photo_with_large_flat_sky_is_not_blurry():
    result = check(scenes.with_flat_sky())
    assert "blurry" not in result.issues
    assert result.scores["detail_fraction"] < 0.5


def test_sharp_subject_on_blurred_background_is_not_blurry(sharp_scene):
    picture = scenes.gaussian_blur(sharp_scene, 8)
    picture[400:800, 500:1100] = sharp_scene[400:800, 500:1100]
    assert "blurry" not in check(picture).issues


@pytest.mark.parametrize("sigma", [3.5, 6.0])
def test_gaussian_blur_is_blurry_defocus(sharp_scene, sigma):
    result = check(scenes.gaussian_blur(sharp_scene, sigma))
    assert "blurry" in result.issues
    assert result.details["blur_kind"] == "defocus"


@pytest.mark.parametrize("radius", [6, 10])
def test_defocus_blur_is_blurry_defocus(sharp_scene, radius):
    result = check(scenes.defocus_blur(sharp_scene, radius))
    assert "blurry" in result.issues
    assert result.details["blur_kind"] == "defocus"


@pytest.mark.parametrize("angle", [0, 30, 90])
def test_motion_blur_is_blurry_motion(sharp_scene, angle):
    result = check(scenes.motion_blur(sharp_scene, 31, angle))
    assert "blurry" in result.issues
    assert result.details["blur_kind"] == "motion"


def test_blur_score_grows_with_blur(sharp_scene):
    scores = [check(scenes.gaussian_blur(sharp_scene, s)).scores["blurry"] for s in (0.5, 2, 4, 8)]
    assert scores == sorted(scores)


def test_night_scene_with_lights_is_dark_but_not_blurry(sharp_scene):
    night = (sharp_scene.astype(np.float32) * 0.08).astype(np.uint8)
    night[300:340, 200:1400] = 255  # a row of lit windows
    night[700:705, 100:1500] = 230
    result = check(night)
    assert "blurry" not in result.issues
    assert "dark" in result.issues


def test_underexposed_is_dark_not_bright(sharp_scene):
    result = check(scenes.exposure(sharp_scene, -3))
    assert "dark" in result.issues
    assert "bright" not in result.issues


def test_overexposed_is_bright_not_dark(sharp_scene):
    result = check(scenes.exposure(sharp_scene, 2))
    assert "bright" in result.issues
    assert "dark" not in result.issues


def test_noise_is_noisy_and_clean_is_not(sharp_scene):
    noisy = check(scenes.add_noise(sharp_scene, 25))
    assert "noisy" in noisy.issues
    assert "blurry" not in noisy.issues
    assert check(sharp_scene).scores["noisy"] < noisy.scores["noisy"]


def test_flat_picture_is_low_information_not_blurry():
    flat = np.full((600, 800, 3), (120, 130, 140), np.uint8)
    result = check(flat, "PNG")
    assert "low_information" in result.issues
    assert "blurry" not in result.issues


def test_grayscale_file_is_grayscale(sharp_scene):
    gray = sharp_scene.mean(axis=2).astype(np.uint8)
    assert "grayscale" in check(gray).issues


def test_rgb_file_with_equal_channels_is_grayscale(sharp_scene):
    gray = sharp_scene.mean(axis=2).astype(np.uint8)
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    result = check(rgb, "PNG")
    assert "grayscale" in result.issues
    assert result.scores["grayscale"] == 1.0


def test_colour_photo_is_not_grayscale(sharp_scene):
    assert check(sharp_scene).scores["grayscale"] < 0.5


def test_odd_aspect_ratio(sharp_scene):
    panorama = np.ascontiguousarray(sharp_scene[:400, :1600])  # 4:1
    assert "odd_aspect_ratio" in check(panorama).issues
    assert "odd_aspect_ratio" not in check(sharp_scene).issues  # 4:3


def test_low_resolution_default_and_configured(sharp_scene):
    small = np.ascontiguousarray(sharp_scene[:240, :320])
    assert "low_resolution" in check(small).issues
    assert "low_resolution" not in check(sharp_scene).issues
    strict = Thresholds.from_mapping({"min_resolution": "2000x1500"})
    assert "low_resolution" in check(sharp_scene, thresholds=strict).issues
    portrait = np.ascontiguousarray(sharp_scene[:1200, :700])
    assert "low_resolution" not in check(portrait).issues  # 700x1200 meets 640x480


def test_thresholds_change_the_verdict(sharp_scene):
    blurred = scenes.gaussian_blur(sharp_scene, 4)
    score = check(blurred).scores["blurry"]
    lenient = Thresholds.from_mapping({"blurry": min(1.0, score + 0.05)})
    assert "blurry" not in check(blurred, thresholds=lenient).issues


def test_threshold_parsing_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown threshold"):
        Thresholds.from_mapping({"sharpness": 0.3})
    with pytest.raises(ValueError, match="between 0 and 1"):
        Thresholds.from_mapping({"blurry": 3})
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        Thresholds.from_mapping({"min_resolution": "big"})
    with pytest.raises(ValueError, match="NAME=VALUE"):
        Thresholds.parse_cli(["blurry"])
    parsed = Thresholds.parse_cli(["blurry=0.4", "dark=0.7"], "800x600")
    assert (parsed.blurry, parsed.dark, parsed.min_width, parsed.min_height) == (0.4, 0.7, 800, 600)
