"""Build the labelled photo set for the quality benchmark (benchmarks/out/quality_set/).

Sources are real photos from the shared data folder (SNAPSET_SHARED_DATA, default
/work/shared/data), read at run time and never committed:
- street/car photos (license_plates_openalpr, long side >= 1000 px) and shelf photos
  (retail_shelf_sku110k, <= 16 MP), cover-resized to 12 MP (4000 x 3000) phone-size
  JPEGs (q 92) with faint sensor grain;
- real labelled photos from photo_quality/: blur triplets (sharp / defocus / motion) and
  exposure renders at -1.5 / +1 / +1.5 EV, used as they are.

Each synthetic source photo is used for exactly ONE case, so no two files are
accidental near duplicates except inside the duplicate groups built on purpose.
Cases: clean; sharp with a large flat sky; night scene; gaussian / defocus / motion
blur (3 strengths each); under / over exposure with clipping (3 strengths each);
noise (3 strengths); exact duplicate groups (byte copies; lossless PNG/BMP/TIFF
re-encodes of the same pixels); near duplicate groups (JPEG re-encode, 50 % resize,
3 % crop, brightness shift, horizontal flip, 90 degree rotation).

Labels are per file and per issue: True, False, or None (not judged for that issue).
Half of the groups (by a stable hash of the group name) are the "tune" split, the rest
the held-out "test" split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

VERSION = 3
WIDTH, HEIGHT = 4000, 3000
GRAIN_SIGMA = 2.0
QUALITY = 92
ISSUES = ("blurry", "dark", "bright", "noisy", "exact_duplicate", "near_duplicate")

Labels = dict[str, bool | None]


@dataclass
class Item:
    """One file of the set and what it should be flagged for."""

    file: str
    case: str
    group: str
    split: str
    labels: Labels
    params: dict[str, float | str] = field(default_factory=dict)


def shared_data() -> Path:
    return Path(os.environ.get("SNAPSET_SHARED_DATA", "/work/shared/data"))


def split_of(group: str) -> str:
    digest = hashlib.sha256(group.encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "test"


def labels(**true_or_none: bool | None) -> Labels:
    """All issues False except the ones given."""
    result: Labels = dict.fromkeys(ISSUES, False)
    result.update(true_or_none)
    return result


# --- picture operations (12 MP uint8 RGB arrays) ------------------------------------


def load_source(path: Path) -> np.ndarray:
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    size = (WIDTH, HEIGHT) if image.width >= image.height else (HEIGHT, WIDTH)
    image = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    return np.asarray(image)


def grain(pixels: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, sigma, (*pixels.shape[:2], 1)).astype(np.float32)
    chroma = rng.normal(0.0, sigma * 0.5, pixels.shape).astype(np.float32)
    return np.clip(pixels.astype(np.float32) + noise + chroma, 0, 255).astype(np.uint8)


def gaussian(pixels: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(pixels, (0, 0), sigma)


def defocus(pixels: np.ndarray, radius: float) -> np.ndarray:
    r = round(radius)
    kernel = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(kernel, (r, r), r, 1.0, -1)
    return cv2.filter2D(pixels, -1, kernel / kernel.sum())


def motion(pixels: np.ndarray, length: float, angle: float) -> np.ndarray:
    n = round(length) | 1
    kernel = np.zeros((n, n), np.float32)
    kernel[n // 2, :] = 1.0
    rotation = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (n, n))
    return cv2.filter2D(pixels, -1, kernel / kernel.sum())


def expose(pixels: np.ndarray, stops: float) -> np.ndarray:
    """Exposure change in linear light with clipping, back to sRGB-like gamma."""
    lut = np.arange(256, dtype=np.float32) / 255.0
    lut = np.clip((lut**2.2) * (2.0**stops), 0.0, 1.0) ** (1 / 2.2)
    return (lut * 255.0 + 0.5).astype(np.uint8)[pixels]


def flat_sky(pixels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Replace the top part with a smooth sky gradient (a sharp photo, mostly sky)."""
    rng = np.random.default_rng(seed)
    out = pixels.copy()
    rows = int(out.shape[0] * fraction)
    top = np.array([70, 120, 200], np.float32) + rng.uniform(-20, 20, 3)
    bottom = np.array([190, 215, 240], np.float32) + rng.uniform(-10, 10, 3)
    ramp = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None, None]
    out[:rows] = np.clip(top + ramp * (bottom - top), 0, 255).astype(np.uint8)
    return out


def night(pixels: np.ndarray, seed: int) -> np.ndarray:
    """A night scene: very dark, with a few bright light sources that stay sharp."""
    rng = np.random.default_rng(seed)
    out = expose(pixels, -4.5)
    h, w = out.shape[:2]
    for _ in range(14):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        radius = int(rng.integers(8, 40))
        colour = tuple(int(c) for c in rng.integers(200, 256, 3))
        cv2.circle(out, (x, y), radius, colour, -1)
    for _ in range(4):
        x, y = int(rng.integers(0, w - 400)), int(rng.integers(0, h - 60))
        cv2.rectangle(out, (x, y), (x + int(rng.integers(100, 400)), y + 40), (255, 230, 160), -1)
    return out


def add_noise(pixels: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    return grain(pixels, sigma, seed)


# --- writing -------------------------------------------------------------------------


def save_jpeg(pixels: np.ndarray, path: Path, quality: int = QUALITY) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, "JPEG", quality=quality)


@dataclass(frozen=True)
class Job:
    """One synthetic case made from one source photo."""

    source: str
    case: str
    index: int
    params: dict[str, float | str]


def _sources(root: Path) -> list[Path]:
    sku = sorted((root / "retail_shelf_sku110k").rglob("*.jpg"))
    plates = []
    for path in sorted((root / "license_plates_openalpr").rglob("*.jpg")):
        with Image.open(path) as image:
            if max(image.size) >= 1000:
                plates.append(path)
    # interleave so every case gets shelves and streets
    order: list[Path] = []
    for i in range(max(len(sku), len(plates))):
        if i < len(plates):
            order.append(plates[i])
        if i < len(sku) and i % 2 == 0:
            order.append(sku[i])
    order += [p for i, p in enumerate(sku) if i % 2 == 1]
    return order


def plan_jobs(root: Path) -> list[Job]:
    sources = iter(_sources(root))
    jobs: list[Job] = []

    def add(case: str, count: int, make_params: Callable[[int], dict[str, float | str]]) -> None:
        for i in range(count):
            jobs.append(Job(str(next(sources)), case, i, make_params(i)))

    add("clean", 30, lambda i: {})
    add("flat_sky", 15, lambda i: {"fraction": (0.55, 0.65, 0.75)[i % 3]})
    add("night", 10, lambda i: {})
    add("gaussian", 12, lambda i: {"sigma": (6.0, 10.0, 16.0)[i % 3]})
    add("defocus", 12, lambda i: {"radius": (10.0, 16.0, 24.0)[i % 3]})
    add("motion", 12, lambda i: {"length": (30.0, 50.0, 80.0)[i % 3], "angle": 37.0 * i})
    add("dark", 15, lambda i: {"stops": (-2.0, -3.0, -4.0)[i % 3]})
    add("bright", 15, lambda i: {"stops": (1.5, 2.0, 3.0)[i % 3]})
    add("noisy", 15, lambda i: {"sigma": (15.0, 25.0, 40.0)[i % 3]})
    add("exact", 8, lambda i: {"kind": "png" if i % 2 else "jpeg"})
    add("near", 8, lambda i: {})
    return jobs


def build_job(job: Job, out: Path) -> list[Item]:
    pixels = load_source(Path(job.source))
    seed = job.index + 1000 * len(job.case)
    group = f"{job.case}_{job.index:02d}"
    split = split_of(group)
    name = f"{group}"
    case = job.case
    params = job.params

    def item(file: str, lab: Labels, extra: dict[str, float | str] | None = None) -> Item:
        return Item(file, case, group, split, lab, {**params, **(extra or {})})

    if case in ("clean", "flat_sky", "night", "gaussian", "defocus", "motion", "dark",
                "bright", "noisy"):  # fmt: skip
        if case == "flat_sky":
            pixels = flat_sky(pixels, float(params["fraction"]), seed)
            lab = labels()
        elif case == "night":
            pixels = night(pixels, seed)
            lab = labels(dark=True, noisy=None)
        elif case == "gaussian":
            pixels = gaussian(pixels, float(params["sigma"]))
            lab = labels(blurry=True)
        elif case == "defocus":
            pixels = defocus(pixels, float(params["radius"]))
            lab = labels(blurry=True)
        elif case == "motion":
            pixels = motion(pixels, float(params["length"]), float(params["angle"]))
            lab = labels(blurry=True)
        elif case == "dark":
            pixels = expose(pixels, float(params["stops"]))
            lab = labels(dark=True, blurry=None, noisy=None)
        elif case == "bright":
            pixels = expose(pixels, float(params["stops"]))
            lab = labels(bright=True, blurry=None)
        elif case == "noisy":
            pixels = add_noise(pixels, float(params["sigma"]), seed)
            lab = labels(noisy=True)
        else:
            lab = labels()
        if case != "noisy":
            pixels = grain(pixels, GRAIN_SIGMA, seed)
        file = f"{case}/{name}.jpg"
        save_jpeg(pixels, out / file)
        return [item(file, lab)]
    pixels = grain(pixels, GRAIN_SIGMA, seed)
    if case == "exact":
        dup = labels(exact_duplicate=True)
        if params["kind"] == "png":
            small = cv2.resize(pixels, (pixels.shape[1] // 2, pixels.shape[0] // 2),
                               interpolation=cv2.INTER_AREA)  # fmt: skip
            files = [f"exact/{name}.png", f"exact/{name}_copy.bmp", f"exact/{name}_copy.tiff"]
            (out / "exact").mkdir(parents=True, exist_ok=True)
            Image.fromarray(small).save(out / files[0], "PNG", compress_level=1)
            Image.fromarray(small).save(out / files[1], "BMP")
            Image.fromarray(small).save(out / files[2], "TIFF")
        else:
            files = [f"exact/{name}.jpg", f"exact/{name}_copy.jpg", f"exact/{name}_copy2.jpeg"]
            save_jpeg(pixels, out / files[0])
            shutil.copyfile(out / files[0], out / files[1])
            shutil.copyfile(out / files[0], out / files[2])
        return [item(f, dup) for f in files]
    # near duplicates
    near = labels(near_duplicate=True)
    h, w = pixels.shape[:2]
    crop = int(0.03 * w), int(0.03 * h)
    variants: dict[str, np.ndarray] = {
        "original": pixels,
        "requality": pixels,
        "resize50": cv2.resize(pixels, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        "crop3": np.ascontiguousarray(pixels[crop[1] : h - crop[1], crop[0] : w - crop[0]]),
        "brighter": expose(pixels, 0.4),
        "flip_h": np.ascontiguousarray(pixels[:, ::-1]),
        "rot90": np.ascontiguousarray(np.rot90(pixels)),
    }
    items = []
    for variant, picture in variants.items():
        file = f"near/{name}_{variant}.jpg"
        save_jpeg(picture, out / file, quality=70 if variant == "requality" else QUALITY)
        items.append(item(file, near, {"variant": variant}))
    return items


def real_items(root: Path, out: Path) -> list[Item]:
    """Real labelled photos (copied into the set so every tool reads the same files)."""
    base = root / "photo_quality"
    with open(base / "labels.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    items: list[Item] = []
    for row in rows:
        label = row["label"]
        if label in ("sharp", "defocus_blur", "motion_blur"):
            lab: Labels = dict.fromkeys(ISSUES, None)
            lab["blurry"] = label != "sharp"
            case = f"real_{label}"
            group = row["group_id"]
        elif label in ("underexposed", "overexposed"):
            lab = dict.fromkeys(ISSUES, None)
            lab["dark"] = label == "underexposed"
            lab["bright"] = label == "overexposed"
            case = f"real_{label}"
            group = "real_" + Path(row["path"]).stem.split("_")[0]
        else:
            continue  # heuristic labels and unlabelled low-light photos are not ground truth
        source = base / row["path"]
        file = f"real/{case}_{Path(row['path']).stem.replace(' ', '_')}{source.suffix.lower()}"
        (out / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out / file)
        items.append(Item(file, case, group, split_of(group), lab, {}))
    return items


def _build(args: tuple[Job, Path]) -> list[Item]:
    return build_job(*args)


def build_labelled_set(out: Path, workers: int = 2, force: bool = False) -> list[Item]:
    """Build (or reuse) the set under `out`; returns its items (manifest.json)."""
    manifest = out / "manifest.json"
    if manifest.exists() and not force:
        data = json.loads(manifest.read_text())
        if data.get("version") == VERSION:
            return [Item(**entry) for entry in data["items"]]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    root = shared_data()
    jobs = plan_jobs(root)
    items: list[Item] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for built in pool.map(_build, [(job, out) for job in jobs]):
            items.extend(built)
    items.extend(real_items(root, out))
    manifest.write_text(
        json.dumps({"version": VERSION, "items": [asdict(i) for i in items]}, indent=1)
    )
    return items


if __name__ == "__main__":
    built = build_labelled_set(Path(__file__).parent / "out" / "quality_set", force=True)
    print(f"{len(built)} files")
