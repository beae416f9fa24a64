"""snapset's quality engine vs cleanvision and imagededup on the same labelled 12-MP photos.

    nice -n 10 python benchmarks/quality_vs_cleanvision.py [--workers 2] [--tune]
        [--cleanvision-python /work/venvs/cleanvision/bin/python] [--skip-cleanvision]
        [--imagededup-python /work/venvs/imagededup/bin/python] [--skip-imagededup]
        [--only duplicates]

1. builds (or reuses) the labelled set in benchmarks/out/quality_set/ (labelled_set.py);
2. times a plain reduced-size decode of every file (Pillow draft mode, the floor);
3. runs snapset's audit() at default thresholds;
4. runs cleanvision (in its own venv, through cleanvision_driver.py) on the same files;
5. runs imagededup's PHash().find_duplicates (in its own venv, through
   imagededup_phash_driver.py) over the same folder at its default
   max_distance_threshold=10, and also reports it at the threshold with its best
   near-duplicate F1 on the "tune" split (imagededup's duplicate groups whose members
   all share one hash count as exact duplicates, other groups as near duplicates);
6. prints precision / recall / F1 per issue on the held-out "test" split (and on all
   files), wall times and speed ratios. --tune prints, from the "tune" split only, the
   threshold that maximises F1 for each score. `--only duplicates` runs just snapset's
   audit and imagededup (no floor, no cleanvision) and prints the duplicate rows.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing.forkserver
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labelled_set import ISSUES, Item, build_labelled_set
from snapset.quality import Thresholds, audit
from snapset.quality.decode import DEFAULT_MAX_SIDE

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_CV_PYTHON = "/work/venvs/cleanvision/bin/python"
DEFAULT_IMAGEDEDUP_PYTHON = "/work/venvs/imagededup/bin/python"
IMAGEDEDUP_DEFAULT_THRESHOLD = 10  # PHash.find_duplicates' max_distance_threshold default
IMAGEDEDUP_WIDEST_THRESHOLD = 32  # tuning searches thresholds 0..32 of 64 bits
DUPLICATE_ISSUES = ("exact_duplicate", "near_duplicate")


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(items: Iterable[Item], found: dict[str, list[str]], issue: str, root: Path) -> Scores:
    scores = Scores()
    for item in items:
        truth = item.labels.get(issue)
        if truth is None:
            continue
        predicted = issue in found.get(str(root / item.file), [])
        if truth and predicted:
            scores.tp += 1
        elif truth:
            scores.fn += 1
        elif predicted:
            scores.fp += 1
        else:
            scores.tn += 1
    return scores


def _draft_decode(path: str) -> int:
    """The floor: open, reduced-size JPEG decode (same draft rule as snapset), RGB."""
    with open(path, "rb") as handle:
        image = Image.open(handle)
        if image.format == "JPEG":
            scale = 0.75 * DEFAULT_MAX_SIDE / max(image.size)
            image.draft("RGB", (round(image.width * scale), round(image.height * scale)))
        image = image.convert("RGB")
        return image.width


def time_floor(files: list[str], workers: int) -> float:
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_draft_decode, files, chunksize=4))
    return time.perf_counter() - started


@dataclass
class Timing:
    """Wall seconds and CPU seconds (user + system of the process and all its workers)."""

    wall: float
    cpu: float


def measured(command: list[str], log_name: str) -> Timing:
    """Run a command in a child process; the machine is shared, so CPU time is the fair
    comparison (wall time depends on what else runs) and both are reported."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(OUT / log_name, "w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Timing(wall, cpu)


def run_cleanvision(python: str, file_list: Path, workers: int) -> tuple[dict, float, Timing]:
    """(issues per path, seconds inside find_issues, timing of the whole process)."""
    result = OUT / "quality_cleanvision_result.json"
    command = [python, str(HERE / "cleanvision_driver.py"), str(file_list), str(result),
               str(workers)]  # fmt: skip
    timing = measured(command, "cleanvision.log")
    data = json.loads(result.read_text())
    return data["issues"], data["seconds"], timing


@dataclass
class ImagededupRun:
    """imagededup's PHash duplicate pairs (absolute paths, Hamming distance) and times."""

    pairs: list[tuple[str, str, int]]
    wide_pairs: list[tuple[str, str, int]]
    seconds: float
    timing: Timing


def run_imagededup(python: str, root: Path, workers: int) -> ImagededupRun:
    result = OUT / "quality_imagededup_result.json"
    command = [python, str(HERE / "imagededup_phash_driver.py"), str(root), str(result),
               str(IMAGEDEDUP_DEFAULT_THRESHOLD), str(workers),
               str(IMAGEDEDUP_WIDEST_THRESHOLD)]  # fmt: skip
    timing = measured(command, "imagededup.log")
    data = json.loads(result.read_text())

    def absolute(pairs: list[list]) -> list[tuple[str, str, int]]:
        return [(str(root / a), str(root / b), int(d)) for a, b, d in pairs]

    return ImagededupRun(absolute(data["pairs"]), absolute(data["wide_pairs"]),
                         data["seconds"], timing)  # fmt: skip


def duplicate_codes(pairs: Iterable[tuple[str, str, int]], threshold: int) -> dict[str, list[str]]:
    """imagededup's duplicate pairs within `threshold` as snapset's issue codes per path.

    imagededup only says which files are duplicates of which. Files linked by pairs form
    groups; a group whose pairs all have Hamming distance 0 (one shared hash: copies of
    the same pixels) is an exact-duplicate group, any other a near-duplicate group, which
    is how snapset and cleanvision split the two."""
    parent: dict[str, str] = {}

    def find(path: str) -> str:
        while parent.setdefault(path, path) != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    kept = [(a, b, d) for a, b, d in pairs if d <= threshold]
    for a, b, _ in kept:
        parent[find(a)] = find(b)
    spread: dict[str, int] = {}
    for a, _, d in kept:
        group = find(a)
        spread[group] = max(spread.get(group, 0), d)
    return {
        path: ["exact_duplicate" if spread[find(path)] == 0 else "near_duplicate"]
        for path in parent
    }


def tune_imagededup(items: list[Item], run: ImagededupRun, root: Path) -> int:
    """The threshold with imagededup's best near-duplicate F1 on the tune split (the
    middle of the best plateau, as for snapset's scores)."""
    tuning = [i for i in items if i.split == "tune"]
    results = [
        (evaluate(tuning, duplicate_codes(run.wide_pairs, t), "near_duplicate", root).f1, t)
        for t in range(IMAGEDEDUP_WIDEST_THRESHOLD + 1)
    ]
    top = max(f for f, _ in results)
    plateau = [t for f, t in results if f >= top - 1e-9]
    chosen = plateau[len(plateau) // 2]
    print(f"tune imagededup PHash near_duplicate best F1 {top:.3f} at thresholds "
          f"{plateau[0]}..{plateau[-1]}; using {chosen}")  # fmt: skip
    return chosen


def run_child(kind: str, file_list: Path, workers: int) -> Timing:
    """This script in a child process: the decode floor or snapset's audit."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
               "--files", str(file_list), "--workers", str(workers)]  # fmt: skip
    return measured(command, f"quality_{kind}.log")


def child_main(kind: str, file_list: Path, workers: int) -> None:
    files = json.loads(file_list.read_text())
    started = time.perf_counter()
    if kind == "floor":
        time_floor(files, workers)
    else:
        report = audit(files, workers=workers)
        (OUT / "quality_snapset_report.json").write_text(json.dumps(report.to_json(), indent=1))
        # audit's workers are children of a forkserver; stopping (and reaping) it here
        # adds their CPU time to this process's children, which the parent measures
        stop_forkserver = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
        if stop_forkserver:
            stop_forkserver()
    print(f"{kind}: {time.perf_counter() - started:.2f} s")


def tune(items: list[Item], rows: dict[str, dict], root: Path) -> dict[str, float]:
    """Best-F1 threshold per score on the tune split (issue iff score >= threshold)."""
    best: dict[str, float] = {}
    tuning = [i for i in items if i.split == "tune"]
    for issue in ("blurry", "dark", "bright", "noisy"):
        labelled = [(rows[str(root / i.file)]["scores"][issue], i.labels[issue])
                    for i in tuning if i.labels.get(issue) is not None]  # fmt: skip
        candidates = sorted({round(s, 3) for s, _ in labelled})
        results = []
        for t in candidates:
            s = Scores()
            for score, truth in labelled:
                predicted = score >= t
                s.tp += truth and predicted
                s.fp += (not truth) and predicted
                s.fn += truth and not predicted
            results.append((s.f1, t))
        top = max(f for f, _ in results)
        # every threshold in (the score just below the best plateau, its top] is equally
        # good on this split; the middle of that interval generalises best
        plateau = [t for f, t in results if f >= top - 1e-9]
        below = [t for t in candidates if t < plateau[0]]
        low = below[-1] if below else 0.0
        best[issue] = round((low + plateau[-1]) / 2, 3)
        print(f"tune {issue:8s} best F1 {top:.3f} at thresholds {plateau[0]}..{plateau[-1]}")
    return best


def blur_kind_accuracy(items: list[Item], rows: dict[str, dict], root: Path) -> tuple[int, int]:
    right = total = 0
    for item in items:
        if item.case not in ("gaussian", "defocus", "motion", "real_defocus_blur",
                             "real_motion_blur"):  # fmt: skip
            continue
        kind = rows[str(root / item.file)]["details"].get("blur_kind")
        if kind is None:
            continue
        total += 1
        expected = "motion" if "motion" in item.case else "defocus"
        right += kind == expected
    return right, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-cleanvision", action="store_true")
    parser.add_argument("--cleanvision-python", default=DEFAULT_CV_PYTHON)
    parser.add_argument("--skip-imagededup", action="store_true")
    parser.add_argument("--imagededup-python", default=DEFAULT_IMAGEDEDUP_PYTHON)
    parser.add_argument(
        "--only",
        choices=("duplicates",),
        help="duplicates: only snapset's audit and imagededup, duplicate rows only",
    )
    parser.add_argument("--child", choices=("floor", "snapset"), help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.files, args.workers)
        return

    root = OUT / "quality_set"
    items = build_labelled_set(root, workers=args.workers, force=args.rebuild)
    files = [str(root / item.file) for item in items]
    megapixels = []
    for path in files:
        with Image.open(path) as image:
            megapixels.append(image.width * image.height / 1e6)
    print(f"{len(files)} files, median {np.median(megapixels):.1f} MP "
          f"({sum(i.split == 'test' for i in items)} held-out test, "
          f"{sum(i.split == 'tune' for i in items)} tune)")  # fmt: skip

    file_list = OUT / "quality_files.json"
    file_list.write_text(json.dumps(files))
    for path in files:  # warm the page cache so every tool reads from memory
        Path(path).read_bytes()
    load_start = os.getloadavg()[0]
    only_duplicates = args.only == "duplicates"
    floor = Timing(float("nan"), float("nan"))
    if not only_duplicates:
        floor = run_child("floor", file_list, args.workers)
    snap = run_child("snapset", file_list, args.workers)
    report = json.loads((OUT / "quality_snapset_report.json").read_text())
    rows = {image["path"]: image for image in report["images"]}
    snap_found = {path: row["issues"] for path, row in rows.items()}

    if args.tune and not only_duplicates:
        best = tune(items, rows, root)
        print("suggested defaults:", json.dumps(best))

    cv_found: dict[str, list[str]] | None = None
    cv_inner = float("nan")
    cv = Timing(float("nan"), float("nan"))
    if not args.skip_cleanvision and not only_duplicates:
        cv_found, cv_inner, cv = run_cleanvision(args.cleanvision_python, file_list, args.workers)
    dedup: ImagededupRun | None = None
    dedup_default: dict[str, list[str]] = {}
    dedup_tuned: dict[str, list[str]] = {}
    tuned_threshold = IMAGEDEDUP_DEFAULT_THRESHOLD
    if not args.skip_imagededup:
        dedup = run_imagededup(args.imagededup_python, root, args.workers)
        dedup_default = duplicate_codes(dedup.pairs, IMAGEDEDUP_DEFAULT_THRESHOLD)
        tuned_threshold = tune_imagededup(items, dedup, root)
        dedup_tuned = duplicate_codes(dedup.wide_pairs, tuned_threshold)
    load_end = os.getloadavg()[0]

    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; workers={args.workers}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    print(f"snapset thresholds: defaults {json.dumps(Thresholds().to_json())}")
    for split_name, subset in (("held-out test split", [i for i in items if i.split == "test"]),
                               ("all files", items)):  # fmt: skip
        print(f"\n{split_name}:")
        print(f"{'issue':16s} {'n+':>4s} {'n-':>4s} | {'snapset P':>9s} {'R':>5s} {'F1':>5s} "
              f"| {'cleanvision P':>13s} {'R':>5s} {'F1':>5s} "
              f"| {'imagededup P':>12s} {'R':>5s} {'F1':>5s}")  # fmt: skip
        for issue in DUPLICATE_ISSUES if only_duplicates else ISSUES:
            ours = evaluate(subset, snap_found, issue, root)
            line = (f"{issue:16s} {ours.tp + ours.fn:4d} {ours.fp + ours.tn:4d} | "
                    f"{ours.precision:9.3f} {ours.recall:5.3f} {ours.f1:5.3f} | ")  # fmt: skip
            if cv_found is None:
                line += "(skipped)"
            elif issue == "noisy":
                line += f"{'no such check':>25s}"
            else:
                theirs = evaluate(subset, cv_found, issue, root)
                line += f"{theirs.precision:13.3f} {theirs.recall:5.3f} {theirs.f1:5.3f}"
            line = f"{line:70s} | "
            if dedup is None:
                line += "(skipped)"
            elif issue not in DUPLICATE_ISSUES:
                line += f"{'no such check':>24s}"
            else:
                theirs = evaluate(subset, dedup_default, issue, root)
                line += f"{theirs.precision:12.3f} {theirs.recall:5.3f} {theirs.f1:5.3f}"
            print(line)
        if dedup is not None:
            print(f"imagededup PHash tuned (max_distance_threshold={tuned_threshold}, "
                  "chosen on the tune split):")  # fmt: skip
            for issue in DUPLICATE_ISSUES:
                tuned = evaluate(subset, dedup_tuned, issue, root)
                print(f"  {issue:16s} P {tuned.precision:.3f} R {tuned.recall:.3f} "
                      f"F1 {tuned.f1:.3f}")  # fmt: skip
    if not only_duplicates:
        right, total = blur_kind_accuracy(items, rows, root)
        print(f"\nblur kind (defocus vs motion) right on {right}/{total} blurred files "
              "flagged blurry")  # fmt: skip
    print(
        f"\ntime for {len(files)} files, {args.workers} workers each "
        f"(1-min load average {load_start:.1f} at start, {load_end:.1f} at end):"
    )
    print(f"  {'':28s} {'wall s':>8s} {'CPU s':>8s}")
    if not only_duplicates:
        print(f"  {'reduced-size decode floor':28s} {floor.wall:8.2f} {floor.cpu:8.2f}")
        print(
            f"  {'snapset audit':28s} {snap.wall:8.2f} {snap.cpu:8.2f}   "
            f"({snap.wall / floor.wall:.2f}x / {snap.cpu / floor.cpu:.2f}x the floor)"
        )
    else:
        print(f"  {'snapset audit (all checks)':28s} {snap.wall:8.2f} {snap.cpu:8.2f}")
    if cv_found is not None:
        print(
            f"  {'cleanvision (process)':28s} {cv.wall:8.2f} {cv.cpu:8.2f}   "
            f"(find_issues alone {cv_inner:.2f} s wall)"
        )
        print(
            f"  snapset is {cv.wall / snap.wall:.1f}x faster than cleanvision in wall time, "
            f"{cv.cpu / snap.cpu:.1f}x in CPU time"
        )

    if dedup is not None:
        print(
            f"  {'imagededup PHash (process)':28s} {dedup.timing.wall:8.2f} "
            f"{dedup.timing.cpu:8.2f}   (encode + find_duplicates alone {dedup.seconds:.2f} s "
            f"wall)"
        )
        print(
            f"  snapset audit is {dedup.timing.wall / snap.wall:.1f}x faster than imagededup "
            f"PHash in wall time, {dedup.timing.cpu / snap.cpu:.1f}x in CPU time"
        )


if __name__ == "__main__":
    main()
