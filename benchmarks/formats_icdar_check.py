"""Real scene-text data: MMOCR's toy ICDAR 2015 set ships the same 82 word quads as ICDAR
`gt_img_*.txt` files and as LabelMe JSON (label = transcription). snapset must read both
to the same quads and texts, and ICDAR -> snapset -> ICDAR must give the files back.

    python benchmarks/formats_icdar_check.py

Reads $SNAPSET_SHARED_DATA/scene_text_ocr_mmocr (default /work/shared/data) at run time;
writes only under benchmarks/out/. Exits 1 on any mismatch.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np

from snapset.formats import Polygon, read_dataset, write_dataset

DATA = (Path(os.environ.get("SNAPSET_SHARED_DATA", "/work/shared/data"))
        / "scene_text_ocr_mmocr" / "tests" / "data" / "toy_dataset")
OUT = Path(__file__).parent / "out" / "icdar"


def _quads(ds, text_of) -> set[tuple]:
    out = set()
    for s in ds.shapes:
        if isinstance(s, Polygon):
            stem = Path(ds.images[s.image].file).stem
            out.add((stem, text_of(ds, s), tuple(np.round(s.rings[0], 1).ravel().tolist())))
    return out


def main() -> int:
    if not DATA.is_dir():
        print(f"toy dataset not found at {DATA}", file=sys.stderr)
        return 2
    shutil.rmtree(OUT, ignore_errors=True)
    layout = OUT / "icdar_layout"
    (layout / "gt").mkdir(parents=True)
    (layout / "images").symlink_to((DATA / "imgs" / "test").resolve())
    for f in (DATA / "annotations" / "test").glob("gt_*.txt"):
        shutil.copy(f, layout / "gt" / f.name)
    icdar = read_dataset(layout)
    labelme = read_dataset(DATA / "labelme", "labelme")
    a = _quads(icdar, lambda ds, s: s.text)
    b = _quads(labelme, lambda ds, s: ds.categories[s.category].name)
    print(f"ICDAR gt files: {len(icdar.images)} images, {len(a)} quads; LabelMe JSON: "
          f"{len(labelme.images)} images, {len(b)} quads; same quads and texts: {len(a & b)}")
    write_dataset(icdar, OUT / "written", "icdar", images="none")
    same_files = 0
    for f in sorted((DATA / "annotations" / "test").glob("gt_*.txt")):
        orig = [line.split(",", 8) for line in f.read_text(encoding="utf-8-sig").splitlines()
                if line.strip()]
        ours = [line.split(",", 8) for line in
                (OUT / "written" / "gt" / f.name).read_text(encoding="utf-8").splitlines()
                if line.strip()]
        same = len(orig) == len(ours) and all(
            np.allclose([float(v) for v in o[:8]], [float(v) for v in w[:8]])
            and o[8] == w[8] for o, w in zip(orig, ours, strict=True))
        same_files += same
    n_files = len(list((DATA / "annotations" / "test").glob("gt_*.txt")))
    print(f"ICDAR -> snapset -> ICDAR: {same_files}/{n_files} gt files identical in "
          f"coordinates and transcriptions")
    ok = a == b and same_files == n_files and len(a) > 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
