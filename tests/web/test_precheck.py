"""The on-device pre-check, run in the browser on generated photos."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest

from tests.web.fakecam import blurred, jpeg_bytes, textured_rgb

pytestmark = pytest.mark.browser

ANALYSE = """async ([url, previous]) => {
  const { analyse } = await import('/app/precheck.js');
  const img = new Image();
  img.src = url;
  await img.decode();
  const r = analyse(img, img.naturalWidth, img.naturalHeight, previous);
  return { ok: r.ok, issues: r.issues, hash: r.hash, blur: r.scores.blur };
}"""


def data_url(rgb: np.ndarray) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes(rgb)).decode()


def test_precheck_flags_blur_exposure_size_and_near_duplicates(page: Any) -> None:
    page.goto("/app/#/login")
    page.wait_for_selector("body[data-ready='1']")
    sharp = textured_rgb(1280, 960, seed=1)

    good = page.evaluate(ANALYSE, [data_url(sharp), []])
    assert good["ok"], good
    assert good["issues"] == []

    blur = page.evaluate(ANALYSE, [data_url(blurred(sharp, 6)), []])
    assert "blurry" in blur["issues"]
    assert blur["blur"] < good["blur"] / 5

    dark = page.evaluate(ANALYSE, [data_url((sharp * 0.12).astype(np.uint8)), []])
    assert "dark" in dark["issues"]
    bright = page.evaluate(
        ANALYSE, [data_url(np.clip(sharp.astype(int) + 170, 0, 255).astype(np.uint8)), []]
    )
    assert "bright" in bright["issues"]

    small = page.evaluate(ANALYSE, [data_url(textured_rgb(320, 240, seed=2)), []])
    assert "low_resolution" in small["issues"]

    # The same scene again (re-encoded) is a near duplicate of the first photo in the task;
    # a different scene is not.
    again = page.evaluate(ANALYSE, [data_url(sharp), [good["hash"]]])
    assert "near_duplicate" in again["issues"]
    other = page.evaluate(ANALYSE, [data_url(textured_rgb(1280, 960, seed=9)), [good["hash"]]])
    assert "near_duplicate" not in other["issues"], other


def test_sharp_subject_on_plain_background_is_not_blurry(page: Any) -> None:
    """Blur is measured on the detailed tiles only, so a plain wall does not count."""
    page.goto("/app/#/login")
    page.wait_for_selector("body[data-ready='1']")
    img = np.full((960, 1280, 3), 150, np.uint8)
    img[300:660, 400:880] = textured_rgb(480, 360, seed=3)
    r = page.evaluate(ANALYSE, [data_url(img), []])
    assert "blurry" not in r["issues"], r
