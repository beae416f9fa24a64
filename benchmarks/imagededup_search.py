"""Run imagededup's own duplicate search over given 64-bit hashes (competitor side).

Runs in a separate interpreter with imagededup installed (`pip install --no-deps
imagededup scikit-learn tqdm numpy` in /work/venvs/imagededup): reads hex hashes as JSON
lines, runs `imagededup.handlers.search.retrieval.HashEval` exactly as
`PHash.find_duplicates(encoding_map=..., max_distance_threshold=...)` does (every
file is a query against all files, default search method `brute_force_cython`, one
worker per CPU) and prints a JSON result. imagededup's packages import its CNN models
(torch) and plotting (matplotlib) on load although the hash search never uses them;
imagededup_placeholders.py stands in for those so that torch is not needed.

    python benchmarks/imagededup_search.py HASHES.jsonl THRESHOLD [METHOD]

METHOD: brute_force_cython (default), bktree, brute_force, or single_query (median
seconds of one query against all hashes).
"""

from __future__ import annotations

import json
import sys
import time

import imagededup_placeholders


def hamming_distance(hash1: str, hash2: str) -> int:
    """imagededup's Hashing.hamming_distance, without importing PyWavelets/scipy."""
    return bin(int(hash1, 16) ^ int(hash2, 16)).count("1")


def _load_imagededup_search() -> type:
    imagededup_placeholders.install()
    from imagededup.handlers.search.retrieval import HashEval

    return HashEval


def main() -> None:
    path, threshold = sys.argv[1], int(sys.argv[2])
    method = sys.argv[3] if len(sys.argv) > 3 else "brute_force_cython"
    with open(path) as handle:
        hashes = {str(i): line.strip() for i, line in enumerate(handle) if line.strip()}
    hash_eval_class = _load_imagededup_search()
    if method == "single_query":
        # One new photo against all stored ones, as a server would ask on upload.
        from imagededup.handlers.search.brute_force_cython import BruteForceCython

        searcher = BruteForceCython(hashes, hamming_distance)
        timings = []
        for query in list(hashes.values())[:5]:
            started = time.perf_counter()
            searcher.search(query, tol=threshold)
            timings.append(time.perf_counter() - started)
        print(json.dumps({"n": len(hashes), "seconds": sorted(timings)[2], "pairs": []}))
        return
    started = time.perf_counter()
    result = hash_eval_class(
        test=hashes,
        queries=hashes,
        distance_function=hamming_distance,
        verbose=False,
        threshold=threshold,
        search_method=method,
    ).retrieve_results(scores=True)
    elapsed = time.perf_counter() - started
    pairs = {
        (min(int(a), int(b)), max(int(a), int(b))) for a, found in result.items() for b, _ in found
    }
    print(json.dumps({"n": len(hashes), "seconds": elapsed, "pairs": sorted(pairs)}))


if __name__ == "__main__":
    main()
