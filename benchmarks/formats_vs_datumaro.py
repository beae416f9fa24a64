"""COCO (100,000 images, 1,000,000 boxes) -> YOLO: snapset vs datumaro, same file, same run.

    nice -n 10 python benchmarks/formats_vs_datumaro.py [--images 100000 --boxes 1000000]

datumaro runs from its own venv (default /work/venvs/datumaro, `pip install
'datumaro==1.13.*'`; override with $DATUMARO_PYTHON). Each converter runs in a fresh
subprocess; wall time is measured around it and peak memory is that process's max RSS
(os.wait4 rusage). Both outputs are then compared label file by label file.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "out" / "convert"
DATUMARO_PYTHON = os.environ.get("DATUMARO_PYTHON", "/work/venvs/datumaro/bin/python")

SNAPSET_CODE = """
import sys
from snapset.formats import read_dataset, write_dataset
ds = read_dataset(sys.argv[1], "coco")
write_dataset(ds, sys.argv[2], "yolo", images="none", task="detect")
"""

DATUMARO_CODE = """
import sys
import datumaro as dm
ds = dm.Dataset.import_from(sys.argv[1], "coco_instances")
ds.export(sys.argv[2], "yolo", save_media=False)
"""


def generate(root: Path, n_images: int, n_boxes: int, seed: int = 0) -> Path:
    """A COCO instances file in the layout datumaro requires (annotations/ + images/)."""
    path = root / "annotations" / "instances_train.json"
    if path.is_file() and path.with_suffix(".ok").read_text() == f"{n_images} {n_boxes}":
        return path
    (root / "images" / "train").mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w = rng.choice([640, 800, 1024, 1280], n_images)
    h = (w * rng.choice([0.75, 0.5625, 1.0], n_images)).astype(int)
    img = rng.integers(0, n_images, n_boxes)
    bw = np.round(rng.uniform(0.01, 0.4, n_boxes) * w[img], 2)
    bh = np.round(rng.uniform(0.01, 0.4, n_boxes) * h[img], 2)
    x = np.round(rng.uniform(0, 1, n_boxes) * (w[img] - bw), 2)
    y = np.round(rng.uniform(0, 1, n_boxes) * (h[img] - bh), 2)
    cat = rng.integers(1, 81, n_boxes)
    with open(path, "w") as f:
        f.write('{"info": {"description": "snapset benchmark"}, "licenses": [], '
                '"categories": [')
        f.write(", ".join(f'{{"id": {c}, "name": "class_{c}", "supercategory": "thing"}}'
                          for c in range(1, 81)))
        f.write('], "images": [')
        f.write(", ".join(f'{{"id": {i + 1}, "file_name": "img_{i:06d}.jpg", "width": '
                          f'{w[i]}, "height": {h[i]}}}' for i in range(n_images)))
        f.write('], "annotations": [')
        step = 100_000
        for s in range(0, n_boxes, step):
            e = min(n_boxes, s + step)
            rows = zip(range(s + 1, e + 1), (img[s:e] + 1).tolist(), cat[s:e].tolist(),
                       x[s:e].tolist(), y[s:e].tolist(), bw[s:e].tolist(), bh[s:e].tolist(),
                       strict=True)
            f.write((", " if s else "") + ", ".join(
                f'{{"id": {i}, "image_id": {im}, "category_id": {c}, "bbox": [{a}, {b}, '
                f'{cw}, {ch}], "area": {round(cw * ch, 2)}, "iscrowd": 0, "segmentation": []}}'
                for i, im, c, a, b, cw, ch in rows))
        f.write("]}")
    path.with_suffix(".ok").write_text(f"{n_images} {n_boxes}")
    return path


def measure(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one subprocess."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {err}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _rows(path: Path) -> np.ndarray:
    """A label file's rows (class, cx, cy, w, h), sorted, for order-free comparison."""
    if not path.is_file():
        return np.zeros((0, 5))
    rows = np.array([[float(v) for v in line.split()] for line in
                     path.read_text().splitlines() if line.strip()]).reshape(-1, 5)
    return rows[np.lexsort(rows.T[::-1])]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    # Both write 6 decimals; allow one unit of rounding in the last place.
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1.5e-6))


def compare(ours: Path, theirs: Path, n_images: int, sample: int = 2000) -> str:
    files = [f"img_{i:06d}.txt" for i in random.Random(1).sample(range(n_images),
                                                                 min(sample, n_images))]
    same = sum(_same(_rows(ours / "labels" / "train" / f), _rows(theirs / "obj_train_data" / f))
               for f in files)
    return f"{same}/{len(files)} sampled label files hold the same boxes (to 1.5e-6)"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--boxes", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="snapset runs")
    ap.add_argument("--datumaro-repeat", type=int, default=1)
    args = ap.parse_args()
    root = OUT / "coco"
    t = time.perf_counter()
    src = generate(root, args.images, args.boxes)
    print(f"input: {src} ({src.stat().st_size / 2**20:.0f} MiB, {args.images} images, "
          f"{args.boxes} boxes; generated/checked in {time.perf_counter() - t:.1f} s)")
    results: dict[str, list[tuple[float, float, float]]] = {"snapset": [], "datumaro 1.13": []}
    have_datumaro = Path(DATUMARO_PYTHON).is_file()
    # snapset runs on both sides of datumaro's, so both see the machine in the same state.
    ours = [("snapset", [sys.executable, "-c", SNAPSET_CODE, str(src)])]
    theirs = [("datumaro 1.13", [DATUMARO_PYTHON, "-c", DATUMARO_CODE, str(root)])]
    before = (args.repeat + 1) // 2
    runs = ours * before
    if have_datumaro:
        runs += theirs * args.datumaro_repeat
    runs += ours * (args.repeat - before)
    # Each run writes a fresh folder: deleting 100,000 files between runs is slow here.
    outputs: dict[str, Path] = {}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for k, (name, argv) in enumerate(runs):
        out = OUT / f"run-{stamp}-{k}-{name.split()[0]}"
        outputs[name] = out
        results[name].append(measure([*argv, str(out)]))
        s, cpu, mb = results[name][-1]
        print(f"  {name:14s} {s:8.1f} s wall  {cpu:8.1f} s CPU  {mb:8.0f} MiB peak RSS",
              flush=True)
    print("\nresult (best of runs)   wall s    CPU s   peak RSS MiB")
    best = {k: tuple(min(x[j] for x in v) for j in range(3)) for k, v in results.items() if v}
    for k, (s, cpu, mb) in best.items():
        print(f"  {k:20s} {s:8.1f} {cpu:8.1f}   {mb:8.0f}")
    if len(best) == 2:
        (s1, c1, m1), (s2, c2, m2) = best["snapset"], best["datumaro 1.13"]
        print(f"  snapset: {s2 / s1:.1f}x faster (wall), {c2 / c1:.1f}x less CPU, "
              f"{m1 / m2:.0%} of datumaro's peak memory")
        print(f"  outputs: {compare(outputs['snapset'], outputs['datumaro 1.13'], args.images)}")
    else:
        print("  datumaro not installed here: reference from the issue (same machine, "
              "earlier): 31.6 s, 1.37 GB")
    # Clean up only after measuring (deleting 100,000 files is slow on this disk).
    for k, (name, _) in enumerate(runs):
        out = OUT / f"run-{stamp}-{k}-{name.split()[0]}"
        if out != outputs[name]:
            subprocess.run(["rm", "-rf", str(out)], check=True)
    print(f"(last outputs kept in {OUT}; benchmarks/out/ is git-ignored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
