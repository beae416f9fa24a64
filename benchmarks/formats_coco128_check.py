"""coco128: snapset's COCO -> YOLO must reproduce the shipped YOLO labels, and YOLO -> COCO
must reproduce the COCO boxes (the 929 non-crowd boxes; crowd regions are not in YOLO).

    python benchmarks/formats_coco128_check.py

Reads $SNAPSET_SHARED_DATA/coco128 (default /work/shared/data) at run time; writes only
under benchmarks/out/. Exits 1 if any box fails to match.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from snapset.formats import read_dataset, write_dataset

DATA = Path(os.environ.get("SNAPSET_SHARED_DATA", "/work/shared/data")) / "coco128"
OUT = Path(__file__).parent / "out" / "coco128"
TOL = 2e-3  # normalised units; the two upstream files agree to this precision


def _yolo_labels(folder: Path) -> dict[str, list[tuple[int, np.ndarray]]]:
    out: dict[str, list[tuple[int, np.ndarray]]] = {}
    for f in sorted(folder.glob("*.txt")):
        rows = [line.split() for line in f.read_text().splitlines() if line.strip()]
        out[f.stem] = [(int(r[0]), np.array([float(v) for v in r[1:5]])) for r in rows]
    return out


def _match(expected: list[tuple[int, np.ndarray]], got: list[tuple[int, np.ndarray]],
           tol: float) -> int:
    """Greedy one-to-one matching of (class, box) pairs within `tol`; returns matches."""
    used = [False] * len(got)
    n = 0
    for cls, box in expected:
        for k, (c2, b2) in enumerate(got):
            if not used[k] and c2 == cls and np.abs(box - b2).max() <= tol:
                used[k] = True
                n += 1
                break
    return n


def coco_to_yolo() -> tuple[int, int, int]:
    t = time.perf_counter()
    ds = read_dataset(DATA / "annotations" / "instances_train2017.json", "coco")
    warnings = write_dataset(ds, OUT / "yolo", "yolo", images="none", task="detect")
    seconds = time.perf_counter() - t
    shipped = _yolo_labels(DATA / "object_detection" / "labels" / "train2017")
    ours = _yolo_labels(OUT / "yolo" / "labels" / "train2017")
    image_stems = {Path(im.file).stem for im in ds.images}
    orphans = sorted(set(shipped) - image_stems)
    expected = sum(len(v) for k, v in shipped.items() if k in image_stems)
    written = sum(len(v) for v in ours.values())
    matched = sum(_match(v, ours.get(k, []), TOL) for k, v in shipped.items()
                  if k in image_stems)
    worst = max((np.abs(b - b2).max() for k, v in shipped.items() if k in ours
                 for (c, b), (c2, b2) in zip(v, ours[k], strict=False) if c == c2), default=0)
    print(f"COCO -> YOLO ({seconds:.2f} s): {matched}/{expected} shipped YOLO boxes "
          f"reproduced within {TOL} (largest difference {worst:.2e}); snapset wrote {written} "
          f"boxes; shipped orphan label files without an image, skipped: {orphans}")
    for w in warnings:
        print(f"  report: {w}")
    return matched, expected, written


def yolo_to_coco() -> tuple[int, int, int]:
    # The Ultralytics layout upstream expects: images/ and labels/ side by side.
    layout = OUT / "yolo_layout"
    (layout / "images").mkdir(parents=True, exist_ok=True)
    (layout / "labels").mkdir(parents=True, exist_ok=True)
    for link, target in ((layout / "images" / "train2017", DATA / "images" / "train2017"),
                         (layout / "labels" / "train2017",
                          DATA / "object_detection" / "labels" / "train2017")):
        if not link.is_symlink():
            link.symlink_to(target.resolve())
    cfg = yaml.safe_load((DATA / "object_detection" / "config.yaml").read_text())
    (layout / "data.yaml").write_text(yaml.safe_dump(
        {"path": ".", "train": "images/train2017", "val": "images/train2017",
         "names": cfg["names"]}))
    t = time.perf_counter()
    ds = read_dataset(layout, "yolo")
    write_dataset(ds, OUT / "coco", "coco", images="none")
    seconds = time.perf_counter() - t
    ours = json.loads((OUT / "coco" / "annotations" / "instances_train2017.json").read_text())
    orig = json.loads((DATA / "annotations" / "instances_train2017.json").read_text())

    def boxes(doc: dict) -> dict[str, list[tuple[str, np.ndarray]]]:
        names = {c["id"]: c["name"] for c in doc["categories"]}
        files = {im["id"]: (Path(im["file_name"]).stem, im["width"], im["height"])
                 for im in doc["images"]}
        out: dict[str, list[tuple[str, np.ndarray]]] = defaultdict(list)
        for a in doc["annotations"]:
            if a.get("iscrowd"):
                continue
            stem, w, h = files[a["image_id"]]
            x, y, bw, bh = a["bbox"]
            out[stem].append((names[a["category_id"]],
                              np.array([x / w, y / h, (x + bw) / w, (y + bh) / h])))
        return out

    want, got = boxes(orig), boxes(ours)
    expected = sum(len(v) for v in want.values())
    written = sum(len(v) for v in got.values())
    name_id = {n: i for i, n in enumerate(sorted({c for v in want.values() for c, _ in v}))}
    matched = sum(_match([(name_id[c], b) for c, b in v],
                         [(name_id.get(c, -1), b) for c, b in got.get(k, [])], TOL)
                  for k, v in want.items())
    print(f"YOLO -> COCO ({seconds:.2f} s): {matched}/{expected} non-crowd COCO boxes "
          f"reproduced within {TOL} of the image size; snapset wrote {written} boxes")
    return matched, expected, written


def main() -> int:
    if not DATA.is_dir():
        print(f"coco128 not found at {DATA}", file=sys.stderr)
        return 2
    m1, e1, w1 = coco_to_yolo()
    m2, e2, w2 = yolo_to_coco()
    ok = m1 == e1 == w1 and m2 == e2 == w2
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
