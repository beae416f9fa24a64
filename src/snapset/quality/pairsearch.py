"""All near-duplicate pairs among N 64-bit codes, without comparing all N^2 pairs.

Small sets (<= BRUTE_FORCE_LIMIT codes) are compared exhaustively in blocks; that is
exact and, below ~20k codes, as fast as anything cleverer. Larger sets use bit-sampling
locality-sensitive hashing: each of L tables keys every code by k randomly chosen bits,
one numpy sort groups equal keys, and only codes sharing a key are compared (vectorised
popcount). Two codes d bits apart share a table's key with probability
C(64-d, k) / C(64, k), so L is chosen to reach the requested recall for a pair exactly
at the threshold; closer pairs are found with far higher probability (a pair 5 bits
apart is missed with probability ~1e-23 at the defaults). Random keys of k = 20 bits
put ~N^2 / 2^21 unrelated pairs into each table, ~0.5 million at N = 1 million.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from snapset.quality.hashing import (
    DESCRIPTOR_BITS,
    TRANSFORMS,
    descriptors_to_uint64,
    inverse_transform,
    transform_descriptors,
    uint64_to_descriptors,
)

BRUTE_FORCE_LIMIT = 4_000
SAMPLED_BITS = 20
DEFAULT_RECALL = 0.995
_BLOCK = 512
# Searching T(codes) against codes for these covers all eight transforms: flips and
# the diagonal mirrors are their own inverses and a rot270 pair is a rot90 pair read
# the other way round.
_JOIN_TRANSFORMS = ("flip_h", "flip_v", "rot90", "rot180", "transpose", "transverse")


@dataclass(frozen=True)
class CodePairs:
    """Pairs of positions i < j with distance(T(code_i), code_j) <= threshold.

    `transform[k]` indexes hashing.TRANSFORMS: position `second[k]` is the image at
    `first[k]` with that transform applied.
    """

    first: np.ndarray
    second: np.ndarray
    distance: np.ndarray
    transform: np.ndarray

    def __len__(self) -> int:
        return len(self.first)


def tables_needed(max_distance: int, sampled_bits: int, recall: float) -> int:
    """Hash tables so that a pair `max_distance` apart is found with `recall`."""
    bits = DESCRIPTOR_BITS
    if max_distance + sampled_bits > bits:
        raise ValueError("max_distance too large for bit-sampling search")
    hit = math.comb(bits - max_distance, sampled_bits) / math.comb(bits, sampled_bits)
    if hit >= 1.0:
        return 1
    return max(1, math.ceil(math.log(1.0 - recall) / math.log(1.0 - hit)))


def transform_codes(codes: np.ndarray, transform: str) -> np.ndarray:
    """uint64 codes of the transformed images."""
    return descriptors_to_uint64(transform_descriptors(uint64_to_descriptors(codes), transform))


def _pairs_within_runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (a, b), a < b, of all pairs of equal neighbours in a sorted array."""
    equal = sorted_keys[1:] == sorted_keys[:-1]
    if not equal.any():
        empty = np.empty(0, np.int64)
        return empty, empty
    # Run boundaries over positions that belong to a run of length >= 2.
    change = np.flatnonzero(np.diff(np.concatenate(([False], equal, [False])).astype(np.int8)))
    starts, ends = change[0::2], change[1::2] + 1  # [start, end) of each run
    lengths = ends - starts
    if int(lengths.max()) == 2:
        return starts.astype(np.int64), starts.astype(np.int64) + 1
    members = np.repeat(starts, lengths) + (
        np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    later = np.repeat(ends, lengths) - members - 1  # how many follow each member
    first = np.repeat(members, later)
    offsets = np.arange(int(later.sum())) - np.repeat(np.cumsum(later) - later, later)
    return first, first + offsets + 1


def _table_pairs(
    codes: np.ndarray, mask: np.uint64, multiplier: np.uint64, max_distance: int, split: int
) -> np.ndarray:
    """Verified pairs from one hash table, as uint64 (i << 32 | j).

    With split == len(codes) all pairs count; otherwise only pairs between
    codes[:split] and codes[split:] (a join), reported as (j - split, i).
    """
    n = len(codes)
    index_bits = max(1, int(n - 1).bit_length())
    keys = ((codes & mask) * multiplier) >> np.uint64(index_bits)
    combined = (keys << np.uint64(index_bits)) | np.arange(n, dtype=np.uint64)
    combined.sort()
    a, b = _pairs_within_runs(combined >> np.uint64(index_bits))
    if len(a) == 0:
        return np.empty(0, np.uint64)
    low = np.uint64((1 << index_bits) - 1)
    pa = (combined[a] & low).astype(np.int64)
    pb = (combined[b] & low).astype(np.int64)
    if split < n:
        # Keep only cross pairs; put the transformed side (>= split) first.
        cross = (pa < split) != (pb < split)
        pa, pb = pa[cross], pb[cross]
        left = np.maximum(pa, pb) - split
        right = np.minimum(pa, pb)
        keep = left != right
        pa, pb = left[keep], right[keep]
        near = np.bitwise_count(codes[pa + split] ^ codes[pb]) <= max_distance
    else:
        near = np.bitwise_count(codes[pa] ^ codes[pb]) <= max_distance
    pa, pb = pa[near], pb[near]
    return (pa.astype(np.uint64) << np.uint64(32)) | pb.astype(np.uint64)


def _random_tables(
    count: int, sampled_bits: int, seed: int
) -> Iterator[tuple[np.uint64, np.uint64]]:
    rng = np.random.default_rng(seed)
    for _ in range(count):
        bits = rng.choice(DESCRIPTOR_BITS, size=sampled_bits, replace=False)
        mask = np.uint64(sum(1 << int(b) for b in bits))
        multiplier = np.uint64(int(rng.integers(1, 2**63, dtype=np.uint64)) * 2 + 1)
        yield mask, multiplier


def _lsh_join(
    codes: np.ndarray,
    split: int,
    max_distance: int,
    recall: float,
    workers: int,
    seed: int,
) -> np.ndarray:
    """Unique verified pairs (uint64 i << 32 | j) found over all hash tables."""
    count = tables_needed(max_distance, SAMPLED_BITS, recall)
    found: list[np.ndarray] = []
    pending: list[np.ndarray] = []
    tables = list(_random_tables(count, SAMPLED_BITS, seed))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(
            lambda table: _table_pairs(codes, table[0], table[1], max_distance, split), tables
        )
        for result in results:
            pending.append(result)
            if sum(len(p) for p in pending) > 4_000_000:
                found.append(np.unique(np.concatenate(pending)))
                pending = []
    found.extend(pending)
    if not found:
        return np.empty(0, np.uint64)
    return np.unique(np.concatenate(found))


def _brute_force_pairs(
    a_codes: np.ndarray, b_codes: np.ndarray, max_distance: int, same_set: bool
) -> np.ndarray:
    """Exact pairs by comparing every code of a with every code of b, in blocks."""
    out: list[np.ndarray] = []
    for start in range(0, len(a_codes), _BLOCK):
        block = a_codes[start : start + _BLOCK]
        distances = np.bitwise_count(block[:, None] ^ b_codes[None, :])
        rows, cols = np.nonzero(distances <= max_distance)
        rows = rows + start
        keep = cols > rows if same_set else cols != rows
        rows, cols = rows[keep], cols[keep]
        out.append((rows.astype(np.uint64) << np.uint64(32)) | cols.astype(np.uint64))
    return np.concatenate(out) if out else np.empty(0, np.uint64)


def _decode_pairs(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(
        np.int64
    )


def find_pairs(
    codes: np.ndarray,
    max_distance: int,
    *,
    transforms: bool = True,
    recall: float = DEFAULT_RECALL,
    workers: int | None = None,
    seed: int = 0,
) -> CodePairs:
    """All pairs of codes within `max_distance` (also across flips/rotations if asked).

    Exact below BRUTE_FORCE_LIMIT codes, otherwise each pair at the threshold is found
    with probability >= `recall` (pairs closer than the threshold: far higher).
    """
    codes = np.ascontiguousarray(codes, dtype=np.uint64)
    n = len(codes)
    if n > 2**31:
        raise ValueError("too many codes")
    workers = workers or min(4, os.cpu_count() or 1)
    exact = n <= BRUTE_FORCE_LIMIT
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    kinds: list[np.ndarray] = []

    def collect(packed: np.ndarray, transform: str) -> None:
        a, b = _decode_pairs(packed)
        firsts.append(a)
        seconds.append(b)
        kinds.append(np.full(len(a), TRANSFORMS.index(transform), np.uint8))

    if exact:
        collect(_brute_force_pairs(codes, codes, max_distance, same_set=True), "same")
    else:
        collect(_lsh_join(codes, n, max_distance, recall, workers, seed), "same")
    if transforms:
        for index, transform in enumerate(_JOIN_TRANSFORMS, start=1):
            moved = transform_codes(codes, transform)
            if exact:
                packed = _brute_force_pairs(moved, codes, max_distance, same_set=False)
            else:
                both = np.concatenate([codes, moved])
                packed = _lsh_join(both, n, max_distance, recall, workers, seed + index)
            collect(packed, transform)
    first = np.concatenate(firsts)
    second = np.concatenate(seconds)
    kind = np.concatenate(kinds)
    return _normalise(codes, first, second, kind)


def _normalise(
    codes: np.ndarray, first: np.ndarray, second: np.ndarray, kind: np.ndarray
) -> CodePairs:
    """Order each pair as i < j (inverting the transform if needed), keep per pair the
    closest transform ("same" first on ties) and compute its distance."""
    inverse = np.array([TRANSFORMS.index(inverse_transform(t)) for t in TRANSFORMS], np.uint8)
    swap = first > second
    first, second = np.where(swap, second, first), np.where(swap, first, second)
    kind = np.where(swap, inverse[kind], kind)
    distance = np.empty(len(first), np.int64)
    for index, transform in enumerate(TRANSFORMS):
        chosen = kind == index
        if chosen.any():
            moved = codes[first[chosen]]
            if transform != "same":
                moved = transform_codes(moved, transform)
            distance[chosen] = np.bitwise_count(moved ^ codes[second[chosen]])
    order = np.lexsort((kind, distance, second, first))
    first, second, distance, kind = first[order], second[order], distance[order], kind[order]
    if len(first):
        keep = np.ones(len(first), bool)
        keep[1:] = (first[1:] != first[:-1]) | (second[1:] != second[:-1])
        first, second, distance, kind = first[keep], second[keep], distance[keep], kind[keep]
    return CodePairs(first=first, second=second, distance=distance, transform=kind)


def connected_groups(n: int, first: np.ndarray, second: np.ndarray) -> list[np.ndarray]:
    """Connected components (size >= 2) of the graph with edges (first, second)."""
    if len(first) == 0:
        return []
    label = np.arange(n)
    while True:
        smaller = np.minimum(label[first], label[second])
        before = label.copy()
        np.minimum.at(label, first, smaller)
        np.minimum.at(label, second, smaller)
        # Pointer jumping: follow labels to their root.
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            break
    members = np.unique(np.concatenate([first, second]))
    roots = label[members]
    order = np.argsort(roots, kind="stable")
    members, roots = members[order], roots[order]
    boundaries = np.flatnonzero(np.diff(roots)) + 1
    return [group for group in np.split(members, boundaries) if len(group) > 1]
