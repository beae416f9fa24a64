"""Shared helpers: encode generated pictures the way a phone or a tool would."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.quality import scenes


def encode(array: np.ndarray, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        params.setdefault("quality", 92)
    Image.fromarray(array).save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sharp_scene() -> np.ndarray:
    return scenes.photo_like()
