"""Build the upload benchmark's photos: 200 distinct 12-megapixel JPEGs (4000x3000, q90).

Each photo comes from a different real photo under the shared data folder (shelf photos
first, then street/car photos, then COCO scenes), cover-resized and centre-cropped to
4000x3000, given faint per-image sensor noise (so an upscaled photo has a realistic
12 MP file size and no two files share pixels), and stamped with phone-like EXIF (make,
model, capture time = now) so capture-recency checks see a fresh photo. Files go to
`benchmarks/out/upload_12mp/` and are reused by later runs.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

WIDTH, HEIGHT = 4000, 3000
# Faint sensor-like noise: gives upscaled photos a phone-like 12 MP q90 size (~2-3 MB).
NOISE_SIGMA = 5.0
SOURCE_FOLDERS = (
    "retail_shelf_sku110k/images",
    "license_plates_openalpr/endtoend",
    "coco128/images",
    "photo_quality/zero_dce_lowlight",
    "faces/widerface_val_subset",
)
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def shared_data_dir() -> Path:
    """The real-photo folder: $SNAPSET_SHARED_DATA or /work/shared/data."""
    return Path(os.environ.get("SNAPSET_SHARED_DATA", "/work/shared/data"))


def source_photos(count: int) -> list[Path]:
    """`count` distinct source photos, largest collections of real camera photos first."""
    root = shared_data_dir()
    chosen: list[Path] = []
    for folder in SOURCE_FOLDERS:
        found = sorted(p for p in (root / folder).rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
        chosen.extend(found)
        if len(chosen) >= count:
            return chosen[:count]
    raise SystemExit(f"only {len(chosen)} source photos under {root}; need {count}")


def _exif(index: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"  # Make
    exif[0x0110] = f"Model {index % 4}"  # Model
    exif[0x0132] = datetime.now(UTC).strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = datetime.now(UTC).strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    return exif


def make_12mp_jpeg(source: Path, target: Path, index: int) -> Path:
    """Resize/crop one real photo to 4000x3000, add faint noise, save JPEG q90 with EXIF."""
    with Image.open(source) as opened:
        rgb = ImageOps.exif_transpose(opened).convert("RGB")
    fitted = ImageOps.fit(rgb, (WIDTH, HEIGHT), method=Image.Resampling.BICUBIC)
    rng = np.random.default_rng(index)
    pixels = np.asarray(fitted, dtype=np.float32)
    pixels += rng.normal(0.0, NOISE_SIGMA, size=pixels.shape).astype(np.float32)
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    tmp = target.with_suffix(".part")
    noisy.save(tmp, "JPEG", quality=90, exif=_exif(index))
    tmp.replace(target)
    return target


def _make_one(job: tuple[str, str, int]) -> str:
    source, target, index = job
    return str(make_12mp_jpeg(Path(source), Path(target), index))


def prepare_upload_photos(out_dir: Path, count: int = 200, workers: int = 2) -> list[Path]:
    """Make (or reuse) `count` distinct 12 MP JPEGs in `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / f"photo_{i:03d}.jpg" for i in range(count)]
    missing = [i for i, t in enumerate(targets) if not t.exists()]
    if missing:
        sources = source_photos(count)
        jobs = [(str(sources[i]), str(targets[i]), i) for i in missing]
        print(f"building {len(jobs)} 12 MP JPEGs in {out_dir} ...", flush=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for done, _ in enumerate(pool.map(_make_one, jobs), start=1):
                if done % 25 == 0:
                    print(f"  {done}/{len(jobs)}", flush=True)
    return targets


if __name__ == "__main__":
    paths = prepare_upload_photos(Path(__file__).parent / "out" / "upload_12mp")
    sizes = [p.stat().st_size for p in paths]
    print(f"{len(paths)} photos, mean {sum(sizes) / len(sizes) / 1e6:.1f} MB")
