"""Near-duplicate index at 1,000,000 descriptors vs imagededup's search, same hashes.

Builds N random 64-bit descriptors with planted near-duplicate pairs (second = first
with d random bits flipped, d uniform in 0..threshold) and planted flipped/rotated
pairs, then measures snapset's NearDuplicateIndex: bulk build, all pairs (recall of the
planted pairs), single-query latency, and imagededup's `HashEval` search (what
`PHash.find_duplicates` runs) on subsets of the same hashes (a quarter of each subset
planted pairs), extrapolated as N^2.

    nice -n 10 python benchmarks/neardup_index.py [--n 1000000] [--competitor-sizes 5000,10000]

imagededup runs in its own interpreter (default /work/venvs/imagededup/bin/python) via
benchmarks/imagededup_search.py. Results also go to benchmarks/out/neardup_index.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from snapset.quality.dupindex import NearDuplicateIndex
from snapset.quality.hashing import DEFAULT_MAX_DISTANCE, TRANSFORMS, uint64_to_descriptors
from snapset.quality.pairsearch import find_pairs, transform_codes

HERE = Path(__file__).resolve().parent


def planted_codes(
    n: int, near_pairs: int, moved_pairs: int, threshold: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random codes; returns codes, near pairs (k, 2), their distances, moved pairs."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    chosen = rng.choice(n, size=2 * (near_pairs + moved_pairs), replace=False)
    near = chosen[: 2 * near_pairs].reshape(-1, 2)
    moved = chosen[2 * near_pairs :].reshape(-1, 2)
    distances = rng.integers(0, threshold + 1, size=near_pairs)
    bit_values = np.uint64(1) << np.arange(64, dtype=np.uint64)
    for (first, second), distance in zip(near, distances, strict=True):
        flips = rng.choice(64, size=int(distance), replace=False)
        codes[second] = codes[first] ^ np.bitwise_or.reduce(bit_values[flips], initial=0)
    for k, (first, second) in enumerate(moved):
        transform = TRANSFORMS[1 + k % (len(TRANSFORMS) - 1)]
        codes[second] = transform_codes(codes[first : first + 1], transform)[0]
    return codes, near, distances, moved


def recall(pairs_first: np.ndarray, pairs_second: np.ndarray, planted: np.ndarray) -> float:
    if len(planted) == 0:
        return 1.0
    found = set(zip(pairs_first.tolist(), pairs_second.tolist(), strict=True))
    lo, hi = np.minimum(planted[:, 0], planted[:, 1]), np.maximum(planted[:, 0], planted[:, 1])
    return float(np.mean([pair in found for pair in zip(lo.tolist(), hi.tolist(), strict=True)]))


def run_imagededup(python: str, codes: np.ndarray, threshold: int, method: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write("".join(f"{int(code):016x}\n" for code in codes))
        path = handle.name
    try:
        done = subprocess.run(
            [python, str(HERE / "imagededup_search.py"), path, str(threshold), method],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(path)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--near-pairs", type=int, default=20_000)
    parser.add_argument("--moved-pairs", type=int, default=2_100)
    parser.add_argument("--threshold", type=int, default=DEFAULT_MAX_DISTANCE)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-transforms", action="store_true", help="skip all-pairs with flips")
    parser.add_argument("--competitor-sizes", default="5000,10000,20000")
    parser.add_argument("--competitor-bktree-size", type=int, default=2000)
    parser.add_argument("--imagededup-python", default="/work/venvs/imagededup/bin/python")
    parser.add_argument("--out", default=str(HERE / "out" / "neardup_index.json"))
    args = parser.parse_args()
    threshold = args.threshold
    result: dict = {
        "load_average_at_start": os.getloadavg()[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "nice -n 10 python " + " ".join(sys.argv),
        "n": args.n,
        "threshold": threshold,
    }

    codes, near, _, moved = planted_codes(
        args.n, args.near_pairs, args.moved_pairs, threshold, args.seed
    )
    descriptors = uint64_to_descriptors(codes)
    print(
        f"{args.n:,} descriptors, {len(near):,} planted near pairs (0..{threshold} bits), "
        f"{len(moved):,} planted flipped/rotated pairs"
    )

    index = NearDuplicateIndex(max_distance=threshold)
    started = time.perf_counter()
    index.add_many(range(args.n), descriptors)
    index.build()
    result["build_s"] = time.perf_counter() - started
    print(f"build (add_many + tables): {result['build_s']:.2f} s")

    started, cpu = time.perf_counter(), time.process_time()
    same = index.all_pairs(transforms=False, workers=args.workers)
    result["all_pairs_s"] = time.perf_counter() - started
    result["all_pairs_cpu_s"] = time.process_time() - cpu
    result["all_pairs_found"] = len(same)
    result["all_pairs_recall"] = recall(same.first, same.second, near)
    result["all_pairs_max_distance_reported"] = int(same.distance.max()) if len(same) else 0
    print(
        f"all pairs (same orientation): {result['all_pairs_s']:.1f} s "
        f"(CPU {result['all_pairs_cpu_s']:.1f} s), {len(same):,} pairs, "
        f"recall of planted {result['all_pairs_recall']:.4f}, load {os.getloadavg()[0]:.1f}"
    )

    if not args.skip_transforms:
        started, cpu = time.perf_counter(), time.process_time()
        everything = index.all_pairs(transforms=True, workers=args.workers)
        result["all_pairs_with_transforms_s"] = time.perf_counter() - started
        result["all_pairs_with_transforms_cpu_s"] = time.process_time() - cpu
        result["all_pairs_with_transforms_recall_near"] = recall(
            everything.first, everything.second, near
        )
        result["all_pairs_with_transforms_recall_moved"] = recall(
            everything.first, everything.second, moved
        )
        print(
            f"all pairs incl. 7 flips/rotations: {result['all_pairs_with_transforms_s']:.1f} s "
            f"(CPU {result['all_pairs_with_transforms_cpu_s']:.1f} s), "
            f"recall near {result['all_pairs_with_transforms_recall_near']:.4f}, "
            f"flipped/rotated {result['all_pairs_with_transforms_recall_moved']:.4f}"
        )

    rng = np.random.default_rng(args.seed + 1)
    probes = near[rng.choice(len(near), size=min(args.queries, len(near)), replace=False)]
    latencies = []
    hits = 0
    for first, second in probes.tolist():
        started = time.perf_counter()
        matches = index.query(descriptors[second])
        latencies.append(time.perf_counter() - started)
        hits += any(match.key == first for match in matches)
    latency_ms = np.array(latencies) * 1000
    result["query_p50_ms"] = float(np.percentile(latency_ms, 50))
    result["query_p99_ms"] = float(np.percentile(latency_ms, 99))
    result["query_recall"] = hits / len(probes)
    print(
        f"single query (8 orientations) at N={args.n:,}: p50 {result['query_p50_ms']:.2f} ms, "
        f"p99 {result['query_p99_ms']:.2f} ms, planted partner found {result['query_recall']:.4f}"
    )

    competitor = []
    sizes = [int(s) for s in args.competitor_sizes.split(",") if s]
    runs = [(size, "brute_force_cython") for size in sizes]
    if args.competitor_bktree_size:
        runs.append((args.competitor_bktree_size, "bktree"))
    for size, method in runs:
        # A quarter of the subset are planted pairs, so both sides have pairs to agree on.
        pairs_in = near[: size // 8].ravel()
        others = np.setdiff1d(np.arange(args.n), near.ravel())[: size - len(pairs_in)]
        subset = codes[np.concatenate([pairs_in, others])]
        theirs = run_imagededup(args.imagededup_python, subset, threshold, method)
        started = time.perf_counter()
        ours = find_pairs(subset, threshold, transforms=False, workers=args.workers)
        ours_s = time.perf_counter() - started
        ours_pairs = set(zip(ours.first.tolist(), ours.second.tolist(), strict=True))
        their_pairs = {tuple(pair) for pair in theirs["pairs"]}
        row = {
            "n": size,
            "method": method,
            "imagededup_s": theirs["seconds"],
            "snapset_s": ours_s,
            "imagededup_pairs": len(their_pairs),
            "snapset_pairs": len(ours_pairs),
            "same_pairs": ours_pairs == their_pairs,
            "imagededup_extrapolated_1m_s": theirs["seconds"] * (args.n / size) ** 2,
        }
        competitor.append(row)
        print(
            f"imagededup {method} at n={size:,}: {row['imagededup_s']:.1f} s "
            f"(snapset {ours_s:.2f} s, same pairs: {row['same_pairs']}) -> "
            f"N^2 extrapolation to {args.n:,}: {row['imagededup_extrapolated_1m_s']:,.0f} s"
        )
    result["imagededup"] = competitor
    single = run_imagededup(args.imagededup_python, codes, threshold, "single_query")
    result["imagededup_single_query_ms"] = single["seconds"] * 1000
    print(f"imagededup single query at N={args.n:,}: {result['imagededup_single_query_ms']:.0f} ms")

    print()
    print(f"{'':42s}{'snapset':>16s}{'imagededup':>18s}")
    if competitor:
        best = min(row["imagededup_extrapolated_1m_s"] for row in competitor)
        speedup = best / result["all_pairs_s"]
        result["speedup_vs_imagededup"] = speedup
        print(
            f"{'all pairs at ' + format(args.n, ',') + ' (s)':42s}"
            f"{result['all_pairs_s']:16.1f}{best:18,.0f}  (extrapolated N^2)"
        )
        print(f"{'speed-up':42s}{speedup:16,.0f}x")
    print(f"{'recall of planted pairs':42s}{result['all_pairs_recall']:16.4f}{'1 (exact)':>18s}")
    print(
        f"{'single query p50 / p99 (ms)':42s}"
        f"{result['query_p50_ms']:7.2f} / {result['query_p99_ms']:6.2f}"
        f"{result['imagededup_single_query_ms']:18.0f}  (median, same orientation only)"
    )
    result["load_average_at_end"] = os.getloadavg()[0]
    print(
        f"load average (1 min) at start {result['load_average_at_start']:.1f}, "
        f"at end {result['load_average_at_end']:.1f} (2 cores; other jobs were running)"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
