"""The near-duplicate index: single queries, all pairs, groups, removal."""

from __future__ import annotations

import numpy as np
import pytest

from snapset.quality import pairsearch
from snapset.quality.dupindex import NearDuplicateIndex
from snapset.quality.hashing import (
    TRANSFORMS,
    descriptors_to_uint64,
    transform_descriptors,
    uint64_to_descriptors,
)
from snapset.quality.pairsearch import transform_codes


def _flip_bits(code: np.uint64, count: int, rng: np.random.Generator) -> np.uint64:
    bits = rng.choice(64, size=count, replace=False)
    return code ^ np.uint64(sum(1 << int(b) for b in bits))


def _planted_codes(n: int, pairs: int, max_bits: int, seed: int) -> np.ndarray:
    """Random codes where (2k, 2k+1) are near copies for k < pairs and a few
    further pairs are exact flips/rotations of each other."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    for k in range(pairs):
        codes[2 * k + 1] = _flip_bits(codes[2 * k], int(rng.integers(0, max_bits + 1)), rng)
    for k, transform in enumerate(TRANSFORMS[1:]):
        i = 2 * (pairs + k)
        codes[i + 1] = transform_codes(codes[i : i + 1], transform)[0]
    return codes


def _brute_force(codes: np.ndarray, radius: int) -> dict[tuple[int, int], int]:
    best: dict[tuple[int, int], int] = {}
    for transform in TRANSFORMS:
        moved = transform_codes(codes, transform)
        distances = np.bitwise_count(moved[:, None] ^ codes[None, :])
        for a, b in zip(*np.nonzero(distances <= radius), strict=True):
            if a != b:
                pair = (int(min(a, b)), int(max(a, b)))
                best[pair] = min(best.get(pair, 64), int(distances[a, b]))
    return best


def _brute_force_same(codes: np.ndarray, radius: int) -> dict[tuple[int, int], int]:
    distances = np.bitwise_count(codes[:, None] ^ codes[None, :])
    return {
        (int(a), int(b)): int(distances[a, b])
        for a, b in zip(*np.nonzero(distances <= radius), strict=True)
        if a < b
    }


def _index(codes: np.ndarray) -> NearDuplicateIndex:
    index = NearDuplicateIndex()
    index.add_many(list(range(len(codes))), uint64_to_descriptors(codes))
    return index


def test_all_pairs_equals_brute_force_on_a_small_set() -> None:
    codes = _planted_codes(1500, pairs=150, max_bits=10, seed=1)
    found = _index(codes).all_pairs()
    got = {
        (int(a), int(b)): int(d)
        for a, b, d in zip(found.first, found.second, found.distance, strict=True)
    }
    assert got == _brute_force(codes, 10)


def test_hashed_all_pairs_finds_close_pairs_and_nothing_false(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Force the hash-table path used for large sets. It guarantees recall 0.995 for a
    # pair exactly at the threshold (10 bits); a pair <= 5 bits apart is missed with
    # probability < 1e-20, so those must all be there, and nothing beyond 10 bits.
    monkeypatch.setattr(pairsearch, "BRUTE_FORCE_LIMIT", 0)
    codes = _planted_codes(3000, pairs=300, max_bits=5, seed=2)
    index = _index(codes)
    for transforms in (False, True):
        found = index.all_pairs(10, transforms=transforms)
        got = {(int(a), int(b)) for a, b in zip(found.first, found.second, strict=True)}
        reference = _brute_force(codes, 10) if transforms else _brute_force_same(codes, 10)
        assert got <= set(reference)
        assert {pair for pair, d in reference.items() if d <= 5} <= got


def test_all_pairs_reports_how_the_second_photo_relates_to_the_first() -> None:
    codes = _planted_codes(200, pairs=0, max_bits=0, seed=3)
    found = _index(codes).all_pairs()
    labelled = {
        (int(a), int(b)): str(t)
        for a, b, t in zip(found.first, found.second, found.transform, strict=True)
    }
    for k, transform in enumerate(TRANSFORMS[1:]):
        assert labelled[(2 * k, 2 * k + 1)] == transform


def test_query_matches_brute_force_with_many_codes_and_recent_additions() -> None:
    codes = _planted_codes(60_000, pairs=400, max_bits=10, seed=4)
    index = _index(codes[:50_000])
    index.query(uint64_to_descriptors(codes[:1])[0])  # builds the tables
    index.add_many(list(range(50_000, 60_000)), uint64_to_descriptors(codes[50_000:]))
    index.add(60_000, uint64_to_descriptors(codes[3:4])[0])  # one more, added alone
    probes = [*range(0, 830, 7), 59_999]
    for i in probes:
        query = uint64_to_descriptors(codes[i : i + 1])[0]
        result = {m.key: m.distance for m in index.query(query)}
        moved = np.stack(
            [descriptors_to_uint64(transform_descriptors(query, t))[0] for t in TRANSFORMS]
        )
        all_codes = np.append(codes, codes[3])
        distances = np.bitwise_count(all_codes[None, :] ^ moved[:, None]).min(axis=0)
        expected = {int(k): int(distances[k]) for k in np.flatnonzero(distances <= 10)}
        assert result == expected


def test_query_orders_by_distance_and_prefers_same_orientation() -> None:
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**64, dtype=np.uint64)
    index = NearDuplicateIndex()
    index.add("far", uint64_to_descriptors(np.array([_flip_bits(base, 9, rng)]))[0])
    index.add("near", uint64_to_descriptors(np.array([_flip_bits(base, 2, rng)]))[0])
    index.add("twin", uint64_to_descriptors(np.array([base]))[0])
    matches = index.query(uint64_to_descriptors(np.array([base]))[0])
    assert [(m.key, m.transform) for m in matches] == [
        ("twin", "same"),
        ("near", "same"),
        ("far", "same"),
    ]
    assert [m.key for m in index.query(uint64_to_descriptors(np.array([base]))[0], 4)] == [
        "twin",
        "near",
    ]


def test_query_on_an_empty_index() -> None:
    index = NearDuplicateIndex()
    assert len(index) == 0
    assert index.query(np.zeros(8, np.uint8)) == []
    assert len(index.all_pairs()) == 0
    assert index.groups() == []


def test_remove_forgets_the_photo() -> None:
    codes = _planted_codes(100, pairs=5, max_bits=3, seed=6)
    index = _index(codes)
    query = uint64_to_descriptors(codes[:1])[0]
    assert {m.key for m in index.query(query)} == {0, 1}
    index.remove(1)
    assert 1 not in index and len(index) == 99
    assert {m.key for m in index.query(query)} == {0}
    assert (0, 1) not in set(zip(*(index.all_pairs().first, index.all_pairs().second), strict=True))
    with pytest.raises(KeyError):
        index.descriptor(1)
    with pytest.raises(KeyError):
        index.remove(1)
    index.add(1, uint64_to_descriptors(codes[1:2])[0])
    assert {m.key for m in index.query(query)} == {0, 1}


def test_removal_erases_the_descriptor_bits_everywhere() -> None:
    # Erasure (consent withdrawn) must not leave the descriptor in memory, including
    # the lookup tables' bucket-ordered copies.
    codes = _planted_codes(5000, pairs=10, max_bits=3, seed=9)
    index = _index(codes)
    index.build()
    index.remove(7)
    stored = [index._codes, index._sorted_codes]
    assert not any((array == codes[7]).any() for array in stored)
    assert [m.key for m in index.query(uint64_to_descriptors(codes[7:8])[0], 0)] == []


def test_removing_most_entries_keeps_answers_right() -> None:
    codes = _planted_codes(6000, pairs=100, max_bits=5, seed=7)
    index = _index(codes)
    for key in range(200, 6000):
        index.remove(key)
    assert len(index) == 200
    query = uint64_to_descriptors(codes[10:11])[0]
    assert {m.key for m in index.query(query)} == {10, 11}
    assert len(index.groups()) >= 100


def test_adding_an_existing_key_replaces_its_descriptor() -> None:
    index = NearDuplicateIndex()
    index.add("a", np.zeros(8, np.uint8))
    index.add("a", np.full(8, 255, np.uint8))
    assert len(index) == 1
    assert index.query(np.zeros(8, np.uint8), transforms=False) == []
    assert bytes(index.descriptor("a")) == b"\xff" * 8


def test_groups_join_chains_of_near_copies() -> None:
    rng = np.random.default_rng(8)
    base = rng.integers(0, 2**64, dtype=np.uint64)
    step1 = _flip_bits(base, 8, rng)
    step2 = _flip_bits(step1, 8, rng)
    chain = np.array([base, step1, step2], np.uint64)
    others = rng.integers(0, 2**64, size=20, dtype=np.uint64)
    index = NearDuplicateIndex()
    index.add_many(["a", "b", "c"], uint64_to_descriptors(chain))
    index.add_many([f"x{i}" for i in range(20)], uint64_to_descriptors(others))
    assert sorted(map(sorted, index.groups())) == [["a", "b", "c"]]


def test_bad_descriptors_are_refused() -> None:
    index = NearDuplicateIndex()
    with pytest.raises(ValueError, match="8 bytes"):
        index.add("a", np.zeros(16, np.uint8))
    with pytest.raises(ValueError, match="keys but"):
        index.add_many(["a", "b"], np.zeros((3, 8), np.uint8))
    with pytest.raises(ValueError, match="distinct"):
        index.add_many(["a", "a"], np.zeros((2, 8), np.uint8))
    with pytest.raises(ValueError, match="max_distance"):
        index.query(np.zeros(8, np.uint8), max_distance=99)
