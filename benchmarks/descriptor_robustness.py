"""Which perceptual descriptor, which threshold: distances of near copies vs different photos.

For real photos (default: COCO-128 and the licence-plate photos under the shared data
folder, read at run time) this makes near copies (JPEG re-encode, resize, crops, brightness,
gamma, contrast) and hard negatives (the same scene seen through a window panned by
10-20 % of its width, and photos of the same kind of subject: shelves, cars), then
prints Hamming-distance statistics for three descriptors:

- snapset's 64-bit sign-of-DCT descriptor (hashing.dct_descriptor),
- a 128-bit variant of it (the 128 lowest AC frequencies),
- classic 64-bit pHash (8 x 8 DCT block, median threshold, as imagededup computes it).

    nice -n 10 python benchmarks/descriptor_robustness.py [--limit 128]
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from snapset.quality.hashing import dct_descriptor

DATA = Path(os.environ.get("SNAPSET_SHARED_DATA", "/work/shared/data"))


def _grey32(pixels: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return cv2.dct(cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA))


def _low_frequency_cells(count: int) -> tuple[np.ndarray, np.ndarray]:
    cells = sorted(
        ((u, v) for u in range(32) for v in range(32) if (u, v) != (0, 0)),
        key=lambda c: (c[0] + c[1], abs(c[0] - c[1]), c),
    )[:count]
    return np.array([c[0] for c in cells]), np.array([c[1] for c in cells])


_ROWS128, _COLS128 = _low_frequency_cells(128)


def sign_dct_128(pixels: np.ndarray) -> np.ndarray:
    return np.packbits(_grey32(pixels)[_ROWS128, _COLS128] > 1e-3)


def classic_phash(pixels: np.ndarray) -> np.ndarray:
    block = _grey32(pixels)[:8, :8].ravel()
    return np.packbits(block > np.median(block[1:]))


DESCRIPTORS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "snapset sign-DCT 64": dct_descriptor,
    "sign-DCT 128": sign_dct_128,
    "classic pHash 64": classic_phash,
}


def _load(path: Path, side: int = 1024) -> np.ndarray:
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    image.thumbnail((side, side))
    return np.asarray(image)


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def _shift(pixels: np.ndarray, delta: int) -> np.ndarray:
    return np.clip(pixels.astype(np.int16) + delta, 0, 255).astype(np.uint8)


def near_copies(a: np.ndarray) -> dict[str, np.ndarray]:
    h, w = a.shape[:2]
    return {
        "jpeg q60": _jpeg(a, 60),
        "resize 50%": cv2.resize(a, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        "resize 25%": cv2.resize(a, (w // 4, h // 4), interpolation=cv2.INTER_AREA),
        "crop 3% centred": a[
            int(0.015 * h) : h - int(0.015 * h), int(0.015 * w) : w - int(0.015 * w)
        ],
        "crop 3% one corner": a[int(0.03 * h) :, int(0.03 * w) :],
        "brightness +30": _shift(a, 30),
        "brightness -40": _shift(a, -40),
        "gamma 0.7": (255 * (a / 255.0) ** 0.7).astype(np.uint8),
        "contrast x1.3": np.clip((a.astype(np.float32) - 128) * 1.3 + 128, 0, 255).astype(np.uint8),
    }


def _distances(codes: np.ndarray) -> np.ndarray:
    bits = np.unpackbits(codes, axis=1)
    upper = np.triu_indices(len(bits), 1)
    return (bits[:, None, :] != bits[None, :, :]).sum(-1)[upper]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=128)
    args = parser.parse_args()
    photos = sorted((DATA / "coco128").rglob("*.jpg"))[: args.limit]
    plates = sorted((DATA / "license_plates_openalpr").rglob("*.jpg"))[:150]
    shelves = sorted((DATA / "retail_shelf_sku110k").rglob("*.jpg"))
    images = [_load(p) for p in photos]
    print(f"{len(images)} COCO photos, {len(plates)} car photos, {len(shelves)} shelf photos\n")
    for name, describe in DESCRIPTORS.items():
        bits = len(describe(images[0])) * 8
        print(f"== {name} ({bits} bits)")
        rows: dict[str, list[int]] = {}
        pans: dict[str, list[int]] = {"pan 10%": [], "pan 15%": [], "pan 20%": []}
        base = []
        for a in images:
            code = describe(a)
            base.append(code)
            for kind, copy in near_copies(a).items():
                rows.setdefault(kind, []).append(int(np.unpackbits(code ^ describe(copy)).sum()))
            w = a.shape[1]
            for fraction in (0.10, 0.15, 0.20):
                x = int(fraction * w)
                left, right = describe(a[:, : w - x]), describe(a[:, x:])
                pans[f"pan {int(fraction * 100)}%"].append(int(np.unpackbits(left ^ right).sum()))
        for kind, values in rows.items():
            v = np.array(values)
            print(
                f"  near  {kind:20s} mean {v.mean():5.1f}  "
                f"p95 {np.percentile(v, 95):5.1f}  max {v.max():3d}"
            )
        for kind, values in pans.items():
            v = np.array(values)
            print(f"  far   {kind:20s} min {v.min():3d}  p5 {np.percentile(v, 5):5.1f}")
        for label, paths in (("unrelated COCO", None), ("cars", plates), ("shelves", shelves)):
            codes = (
                np.array(base) if paths is None else np.array([describe(_load(p)) for p in paths])
            )
            d = _distances(codes)
            print(
                f"  far   {label:20s} min {d.min():3d}  p0.1 {np.percentile(d, 0.1):5.1f}  "
                f"p1 {np.percentile(d, 1):5.1f}  pairs {len(d)}"
            )
        print()


if __name__ == "__main__":
    main()
