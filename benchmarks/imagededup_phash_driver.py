"""Run imagededup's PHash duplicate finder over a folder (competitor side).

Called by quality_vs_cleanvision.py in imagededup's venv (/work/venvs/imagededup,
imagededup installed `--no-deps` without torch; see imagededup_placeholders.py).

    python imagededup_phash_driver.py IMAGE_DIR OUT.json THRESHOLD WORKERS WIDE_THRESHOLD

The timed run is exactly what `PHash().find_duplicates(image_dir=IMAGE_DIR,
max_distance_threshold=THRESHOLD, recursive=True)` does inside (`encode_images`, then
the search over those encodings); the two steps are called one after the other so that
the hashes can be reused, untimed, for a second search at WIDE_THRESHOLD whose scored
pairs let the caller score every threshold up to it. OUT.json gets
{"seconds": s, "encode_seconds": s, "files": n, "pairs": [[a, b, distance]...] at
THRESHOLD, "wide_pairs": [...] at WIDE_THRESHOLD}, paths relative to IMAGE_DIR.
"""

from __future__ import annotations

import json
import sys
import time

import imagededup_placeholders


def scored_pairs(found: dict[str, list[tuple[str, int]]]) -> list[tuple[str, str, int]]:
    """imagededup's {file: [(duplicate, distance)]} as unique (a, b, distance), a < b."""
    pairs = {(min(a, b), max(a, b), int(d)) for a, dups in found.items() for b, d in dups}
    return sorted(pairs)


def main() -> None:
    image_dir, out, threshold, workers, wide = (
        sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    )  # fmt: skip
    imagededup_placeholders.install()
    from imagededup.methods import PHash

    phasher = PHash(verbose=False)
    started = time.perf_counter()
    encodings = phasher.encode_images(image_dir, recursive=True, num_enc_workers=workers)
    encoded = time.perf_counter()
    found = phasher.find_duplicates(
        encoding_map=encodings,
        max_distance_threshold=threshold,
        scores=True,
        num_dist_workers=workers,
    )
    seconds = time.perf_counter() - started
    wide_found = phasher.find_duplicates(
        encoding_map=encodings, max_distance_threshold=wide, scores=True, num_dist_workers=workers
    )
    result = {
        "seconds": seconds,
        "encode_seconds": encoded - started,
        "files": len(encodings),
        "pairs": scored_pairs(found),
        "wide_pairs": scored_pairs(wide_found),
    }
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
