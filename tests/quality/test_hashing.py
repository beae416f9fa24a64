"""Fingerprints: which copies of a photo count as the same photo, and which don't."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from snapset.quality.decode import decode_image
from snapset.quality.dupindex import NearDuplicateIndex
from snapset.quality.hashing import (
    DEFAULT_MAX_DISTANCE,
    TRANSFORMS,
    dct_descriptor,
    fingerprint,
    hamming,
    transform_descriptors,
)
from tests.quality import scenes
from tests.quality.conftest import encode


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return scenes.photo_like(1200, 900, seed=11)


def _decode(array: np.ndarray, fmt: str = "JPEG", **params: object) -> np.ndarray:
    return decode_image(encode(array, fmt, **params)).pixels


def _crop(array: np.ndarray, fraction: float, *, centred: bool) -> np.ndarray:
    h, w = array.shape[:2]
    dy, dx = int(h * fraction), int(w * fraction)
    if centred:
        return array[dy // 2 : h - dy // 2, dx // 2 : w - dx // 2]
    return array[dy:, dx:]


def _brightness(array: np.ndarray, delta: int) -> np.ndarray:
    return np.clip(array.astype(np.int16) + delta, 0, 255).astype(np.uint8)


NEAR_COPIES = {
    "jpeg quality 60": lambda a: _decode(a, "JPEG", quality=60),
    "webp": lambda a: _decode(a, "WEBP", quality=80),
    "resized to 40 %": lambda a: cv2.resize(a, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA),
    "centre crop 3 %": lambda a: _crop(a, 0.03, centred=True),
    "corner crop 2 %": lambda a: _crop(a, 0.02, centred=False),
    "brighter by 30": lambda a: _brightness(a, 30),
    "darker by 30": lambda a: _brightness(a, -30),
    "exposure +0.5 stop": lambda a: scenes.exposure(a, 0.5),
}


@pytest.mark.parametrize("name", NEAR_COPIES)
def test_near_copies_are_within_the_threshold(photo: np.ndarray, name: str) -> None:
    copy = NEAR_COPIES[name](photo)
    distance = hamming(dct_descriptor(photo), dct_descriptor(copy))
    assert distance <= DEFAULT_MAX_DISTANCE, f"{name}: {distance} bits"


PIXEL_TRANSFORMS = {
    "flip_h": lambda a: a[:, ::-1],
    "flip_v": lambda a: a[::-1],
    "rot90": lambda a: np.rot90(a, 1),
    "rot180": lambda a: np.rot90(a, 2),
    "rot270": lambda a: np.rot90(a, 3),
    "transpose": lambda a: a.transpose(1, 0, 2),
    "transverse": lambda a: np.rot90(a, 2).transpose(1, 0, 2),
}


@pytest.mark.parametrize("transform", list(PIXEL_TRANSFORMS))
def test_flipped_and_rotated_copies_are_found_and_labelled(
    photo: np.ndarray, transform: str
) -> None:
    moved = np.ascontiguousarray(PIXEL_TRANSFORMS[transform](photo))
    # The descriptor of the moved photo is derived exactly from the original's bits.
    assert (
        hamming(dct_descriptor(moved), transform_descriptors(dct_descriptor(photo), transform)) == 0
    )
    index = NearDuplicateIndex()
    index.add("original", dct_descriptor(photo))
    index.add("other", dct_descriptor(scenes.photo_like(1200, 900, seed=12)))
    # A re-encoded JPEG of the moved photo, as a phone would upload it.
    matches = index.query(dct_descriptor(_decode(moved, "JPEG", quality=80)))
    assert [(m.key, m.transform) for m in matches] == [("original", transform)]


def test_every_transform_name_is_covered() -> None:
    assert set(PIXEL_TRANSFORMS) | {"same"} == set(TRANSFORMS)


def test_different_photos_are_far_apart() -> None:
    descriptors = [dct_descriptor(scenes.photo_like(800, 600, seed=s)) for s in range(12)]
    distances = [hamming(a, b) for i, a in enumerate(descriptors) for b in descriptors[i + 1 :]]
    assert min(distances) > DEFAULT_MAX_DISTANCE + 4


def _street(seed: int, shift: float = 0.0) -> np.ndarray:
    """A wide synthetic street: sky, ground, buildings; `shift` pans the camera."""
    rng = np.random.default_rng(seed)
    wide = np.zeros((600, 1400, 3), np.uint8)
    wide[:300] = (200, 170, 120)
    wide[300:] = (90, 90, 95)
    x = 0
    while x < 1400:
        w = int(rng.integers(60, 200))
        top = int(rng.integers(60, 260))
        colour = tuple(int(c) for c in rng.integers(40, 230, 3))
        cv2.rectangle(wide, (x, top), (x + w, 420), colour, -1)
        for wy in range(top + 15, 400, 40):
            for wx in range(x + 10, x + w - 20, 30):
                cv2.rectangle(wide, (wx, wy), (wx + 14, wy + 20), (240, 230, 160), -1)
        x += w + int(rng.integers(0, 40))
    start = int(shift * 1000)
    return wide[:, start : start + 1000]


def test_hard_negatives_of_a_similar_scene_do_not_match() -> None:
    view = dct_descriptor(_street(5))
    # The same street photographed again with the camera panned by a fifth of the frame.
    panned = dct_descriptor(_street(5, shift=0.2))
    # Another street with the same sky/ground layout but different buildings.
    other_street = dct_descriptor(_street(6))
    assert hamming(view, panned) > DEFAULT_MAX_DISTANCE
    assert hamming(view, other_street) > DEFAULT_MAX_DISTANCE


def test_pixel_hash_ignores_the_lossless_encoding(tmp_path, photo: np.ndarray) -> None:
    png = tmp_path / "a.png"
    tiff = tmp_path / "a.tiff"
    png.write_bytes(encode(photo, "PNG"))
    tiff.write_bytes(encode(photo, "TIFF"))
    from_png, from_tiff = fingerprint(decode_image(png)), fingerprint(decode_image(tiff))
    assert from_png.pixel_hash == from_tiff.pixel_hash
    assert from_png == from_tiff
    assert len(from_png.descriptor) == 8 and from_png.descriptor.dtype == np.uint8


def test_pixel_hash_changes_when_pixels_change(photo: np.ndarray) -> None:
    edited = photo.copy()
    edited[100, 100] = 255 - edited[100, 100]
    original = fingerprint(decode_image(encode(photo, "PNG")))
    assert fingerprint(decode_image(encode(edited, "PNG"))).pixel_hash != original.pixel_hash
    lossy = fingerprint(decode_image(encode(photo, "JPEG", quality=90)))
    assert lossy.pixel_hash != original.pixel_hash
    assert lossy.distance(original) <= 2


def test_flat_and_tiny_images_have_stable_descriptors() -> None:
    black = np.zeros((50, 70, 3), np.uint8)
    grey = np.full((300, 200, 3), 128, np.uint8)
    assert hamming(dct_descriptor(black), dct_descriptor(grey)) == 0
    assert dct_descriptor(np.full((1, 1, 3), 7, np.uint8)).shape == (8,)
    with pytest.raises(ValueError, match="empty"):
        dct_descriptor(np.zeros((0, 5, 3), np.uint8))
