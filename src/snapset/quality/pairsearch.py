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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from snapset.quality.hashing import (
    DESCRIPTOR_BITS,
    TRANSFORMS,
    descriptors_to_uint64,
    inverse_transform,
    transform_bit_partner,
    transform_descriptors,
    uint64_to_descriptors,
)

BRUTE_FORCE_LIMIT = 4_000
SAMPLED_BITS = 20
# With flips/rotations each code is keyed by its 8 orientations, so unrelated codes
# share keys ~8x as often; 12 transposition orbits (~23 bits) keep candidates down.
ORBIT_SAMPLED_ORBITS = 12
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


def transform_codes(codes: np.ndarray, transform: str) -> np.ndarray:
    """uint64 codes of the transformed images."""
    return descriptors_to_uint64(transform_descriptors(uint64_to_descriptors(codes), transform))


def _pairs_within_runs(equal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (a, b), a < b, of all pairs of equal values in a sorted array, given
    `equal[i]` = (value i == value i + 1).

    Offset by offset: a pair (i, i + o) is equal iff (i, i + o - 1) is and
    (i + o - 1, i + o) is, so each step only looks at the survivors of the last.
    """
    level = np.flatnonzero(equal)
    firsts = [level]
    seconds = [level + 1]
    offset = 1
    while len(level):
        offset += 1
        ahead = level + offset - 1
        level = level[ahead < len(equal)]
        level = level[equal[level + offset - 1]]
        firsts.append(level)
        seconds.append(level + offset)
    return np.concatenate(firsts), np.concatenate(seconds)


_INDEX_BITS = 30  # pairs are packed as transform << 60 | first << 30 | second


def _pack(kind: np.ndarray | int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    kind = np.asarray(kind, np.uint64)
    return (
        (kind << np.uint64(2 * _INDEX_BITS))
        | (first.astype(np.uint64) << np.uint64(_INDEX_BITS))
        | second.astype(np.uint64)
    )


def _unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low = np.uint64((1 << _INDEX_BITS) - 1)
    return (
        (packed >> np.uint64(_INDEX_BITS)) & low,
        packed & low,
        packed >> np.uint64(2 * _INDEX_BITS),
    )


def _sorted_candidates(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) whose keys are equal, via one sort of key << bits | index."""
    size = len(keys)
    index_bits = max(1, int(size - 1).bit_length())
    low = np.uint64((1 << index_bits) - 1)
    combined = np.bitwise_and(keys, ~low, out=keys)  # keys is a temporary: reuse it
    combined |= _positions(size)
    combined.sort()
    neighbours = combined[1:] ^ combined[:-1]
    a, b = _pairs_within_runs(neighbours <= low)
    return (combined[a] & low).astype(np.int64), (combined[b] & low).astype(np.int64)


@lru_cache(maxsize=4)
def _positions(size: int) -> np.ndarray:
    positions = np.arange(size, dtype=np.uint64)
    positions.flags.writeable = False
    return positions


def _table_pairs(
    codes: np.ndarray, mask: np.uint64, multiplier: np.uint64, max_distance: int
) -> np.ndarray:
    """Verified same-orientation pairs from one hash table, packed with _pack."""
    keys = codes & mask
    pa, pb = _sorted_candidates(np.multiply(keys, multiplier, out=keys))
    near = np.bitwise_count(codes[pa] ^ codes[pb]) <= max_distance
    return _pack(0, pa[near], pb[near])


def _orbit_table_pairs(
    orbits: np.ndarray,
    by_transform: np.ndarray,
    mask: np.uint64,
    multiplier: np.uint64,
    max_distance: int,
) -> np.ndarray:
    """Verified pairs in any orientation from one hash table, packed with _pack.

    orbits[i, t] (and by_transform[t, i], the same numbers laid out for fast
    column-wise work) is TRANSFORMS[t] applied to code i. Each code is keyed by the
    smallest hash of its eight orientations' sampled bits, so a code and any flipped
    or rotated near copy get the same key whenever the sampled bits agree (the
    sampled set is closed under transposition, so every orientation samples the
    same bits of the original).
    """
    hashed = by_transform & mask
    hashed *= multiplier
    keys = hashed[0]
    for row in hashed[1:]:
        np.minimum(keys, row, out=keys)
    pa, pb = _sorted_candidates(keys)
    distances = np.bitwise_count(orbits[pa] ^ orbits[pb, :1])
    kind = distances.argmin(axis=1)  # "same" (0) wins ties
    near = distances[np.arange(len(kind)), kind] <= max_distance
    return _pack(kind[near], pa[near], pb[near])


def _orbits_of_bits() -> list[tuple[int, ...]]:
    """The descriptor bits grouped into transposition orbits (pairs, or single bits)."""
    partner = transform_bit_partner()
    return sorted({tuple(sorted({bit, int(partner[bit])})) for bit in range(DESCRIPTOR_BITS)})


def _random_tables(
    max_distance: int, recall: float, sampled: int, seed: int, transpose_closed: bool
) -> list[tuple[np.uint64, np.uint64]]:
    """(bit mask, odd multiplier) per table, as many tables as it takes for a pair
    `max_distance` apart to be found with probability >= `recall`.

    Plain tables sample `sampled` random bits. Transpose-closed tables sample
    `sampled` random transposition orbits; a pair then agrees on a table if its
    differing bits avoid those orbits, which for the worst case (every differing bit
    in its own orbit) has probability C(O - d, s) / C(O, s) over O orbits.
    """
    rng = np.random.default_rng(seed)
    orbits = _orbits_of_bits()
    units = len(orbits) if transpose_closed else DESCRIPTOR_BITS
    if max_distance + sampled > units:
        raise ValueError("max_distance too large for bit-sampling search")
    hit = math.comb(units - max_distance, sampled) / math.comb(units, sampled)
    count = max(1, math.ceil(math.log(1.0 - recall) / math.log(1.0 - hit)))
    tables: list[tuple[np.uint64, np.uint64]] = []
    for _ in range(count):
        if transpose_closed:
            picked = rng.choice(len(orbits), size=sampled, replace=False).tolist()
            bits = [bit for orbit in picked for bit in orbits[orbit]]
        else:
            bits = rng.choice(DESCRIPTOR_BITS, size=sampled, replace=False).tolist()
        mask = np.uint64(sum(1 << (DESCRIPTOR_BITS - 1 - int(b)) for b in bits))
        multiplier = np.uint64(int(rng.integers(1, 2**63, dtype=np.uint64)) * 2 + 1)
        tables.append((mask, multiplier))
    return tables


def _lsh_pairs(
    codes: np.ndarray,
    max_distance: int,
    transforms: bool,
    recall: float,
    workers: int,
    seed: int,
) -> np.ndarray:
    """Unique verified packed pairs found over all hash tables."""
    sampled = ORBIT_SAMPLED_ORBITS if transforms else SAMPLED_BITS
    tables = _random_tables(max_distance, recall, sampled, seed, transpose_closed=transforms)
    if transforms:
        by_transform = np.stack([transform_codes(codes, t) for t in TRANSFORMS])
        orbits = np.ascontiguousarray(by_transform.T)

        def one_table(table: tuple[np.uint64, np.uint64]) -> np.ndarray:
            return _orbit_table_pairs(orbits, by_transform, table[0], table[1], max_distance)
    else:

        def one_table(table: tuple[np.uint64, np.uint64]) -> np.ndarray:
            return _table_pairs(codes, table[0], table[1], max_distance)

    found: list[np.ndarray] = []
    pending: list[np.ndarray] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(one_table, tables):
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
        out.append(_pack(0, rows, cols))
    return np.concatenate(out) if out else np.empty(0, np.uint64)


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
    if n >= 2**_INDEX_BITS:
        raise ValueError(f"at most {2**_INDEX_BITS - 1} codes")
    workers = workers or min(4, os.cpu_count() or 1)
    if n <= BRUTE_FORCE_LIMIT:
        parts = [_brute_force_pairs(codes, codes, max_distance, same_set=True)]
        if transforms:
            for transform in _JOIN_TRANSFORMS:
                moved = transform_codes(codes, transform)
                packed = _brute_force_pairs(moved, codes, max_distance, same_set=False)
                kind = TRANSFORMS.index(transform)
                parts.append(packed | np.uint64(kind << (2 * _INDEX_BITS)))
        packed = np.concatenate(parts)
    else:
        packed = _lsh_pairs(codes, max_distance, transforms, recall, workers, seed)
    first, second, kind = _unpack(packed)
    return _normalise(codes, first.astype(np.int64), second.astype(np.int64), kind.astype(np.uint8))


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
