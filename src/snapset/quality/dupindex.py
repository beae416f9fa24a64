"""In-memory near-duplicate index over 64-bit descriptors (hashing.dct_descriptor).

Single queries use multi-index hashing: the 64 bits are cut into four 16-bit chunks and
every stored code sits in one bucket per chunk (a counting sort, rebuilt in ~0.1 s per
million codes). If two codes are at most r bits apart, one of the four chunks differs in
at most r // 4 bits (pigeonhole), so probing, in each chunk, the buckets within that
many bit flips finds every match: the answer is exact, not approximate. At r = 10 that
is 4 x 137 buckets per orientation; all eight orientations are probed in one
vectorised pass. Codes added since the last rebuild are scanned directly until there
are enough of them to make a rebuild worthwhile.

Bulk "all pairs" goes through pairsearch.find_pairs (hash-table joins, not N^2).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np

from snapset.quality.hashing import (
    DEFAULT_MAX_DISTANCE,
    DESCRIPTOR_BITS,
    DESCRIPTOR_BYTES,
    TRANSFORMS,
    descriptors_to_uint64,
    inverse_transform,
    transform_descriptors,
)
from snapset.quality.pairsearch import DEFAULT_RECALL, connected_groups, find_pairs

_CHUNKS = 4
_CHUNK_BITS = DESCRIPTOR_BITS // _CHUNKS
_BUCKETS = 1 << _CHUNK_BITS
_MIN_PENDING_BEFORE_REBUILD = 4096


@dataclass(frozen=True)
class NearDuplicateMatch:
    """A stored photo that the queried one duplicates.

    `transform` says how the queried photo relates to the stored one, e.g. "flip_h":
    the new photo is the stored one mirrored left-right (see hashing.TRANSFORMS).
    """

    key: Hashable
    distance: int
    transform: str


@dataclass(frozen=True)
class NearDuplicatePairs:
    """All near-duplicate pairs of an index: parallel arrays, one entry per pair.

    `second[k]` is `first[k]` with `transform[k]` applied, `distance[k]` bits apart.
    """

    first: np.ndarray
    second: np.ndarray
    distance: np.ndarray
    transform: np.ndarray  # str labels from hashing.TRANSFORMS

    def __len__(self) -> int:
        return len(self.first)


@lru_cache(maxsize=8)
def _flip_masks(radius: int) -> np.ndarray:
    """All 16-bit masks with at most `radius` bits set (the buckets to probe)."""
    masks = [0]
    for count in range(1, radius + 1):
        for bits in combinations(range(_CHUNK_BITS), count):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, np.int64)


def _chunks(codes: np.ndarray) -> np.ndarray:
    """(N,) uint64 -> (4, N) int64 chunk values, most significant chunk first."""
    shifts = np.array([48, 32, 16, 0], np.uint64)[:, None]
    return ((codes[None, :] >> shifts) & np.uint64(0xFFFF)).astype(np.int64)


def _as_descriptor(descriptor: np.ndarray | bytes | Sequence[int]) -> np.ndarray:
    array = (
        np.frombuffer(descriptor, np.uint8)
        if isinstance(descriptor, bytes)
        else (np.asarray(descriptor))
    )
    if array.shape != (DESCRIPTOR_BYTES,):
        raise ValueError(f"a descriptor is {DESCRIPTOR_BYTES} bytes, got shape {array.shape}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.integer) or array.min() < 0 or array.max() > 255:
            raise ValueError("a descriptor must be uint8 bytes")
        array = array.astype(np.uint8)
    return array


class NearDuplicateIndex:
    """Keys -> descriptors, answering "which stored photos duplicate this one?"."""

    def __init__(self, max_distance: int = DEFAULT_MAX_DISTANCE) -> None:
        if not 0 <= max_distance < DESCRIPTOR_BITS:
            raise ValueError(f"max_distance must be in 0..{DESCRIPTOR_BITS - 1}")
        self.max_distance = max_distance
        self._codes = np.zeros(1024, np.uint64)
        self._alive = np.zeros(1024, bool)
        self._keys: list[Hashable | None] = []
        self._slot: dict[Hashable, int] = {}
        # Multi-index tables over slots [0, _built): per chunk, slots ordered by chunk
        # value and the start of each bucket in that order.
        self._built = 0
        self._order = np.empty((_CHUNKS, 0), np.int64)
        self._sorted_codes = np.empty((_CHUNKS, 0), np.uint64)
        self._starts = np.zeros((_CHUNKS, _BUCKETS + 1), np.int64)

    # ----------------------------------------------------------------- storage
    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    def _reserve(self, extra: int) -> None:
        needed = len(self._keys) + extra
        if needed <= len(self._codes):
            return
        capacity = max(needed, 2 * len(self._codes))
        codes = np.zeros(capacity, np.uint64)
        alive = np.zeros(capacity, bool)
        codes[: len(self._keys)] = self._codes[: len(self._keys)]
        alive[: len(self._keys)] = self._alive[: len(self._keys)]
        self._codes, self._alive = codes, alive

    def add(self, key: Hashable, descriptor: np.ndarray | bytes) -> None:
        """Store (or replace) one descriptor under `key`."""
        code = descriptors_to_uint64(_as_descriptor(descriptor))[0]
        if key in self._slot:
            self.remove(key)
        self._reserve(1)
        slot = len(self._keys)
        self._keys.append(key)
        self._codes[slot] = code
        self._alive[slot] = True
        self._slot[key] = slot

    def add_many(self, keys: Sequence[Hashable], descriptors: np.ndarray) -> None:
        """Store many descriptors ((N, 8) uint8) at once: the fast path for start-up."""
        keys = list(keys)
        codes = descriptors_to_uint64(np.asarray(descriptors, np.uint8).reshape(-1, 8))
        if len(keys) != len(codes):
            raise ValueError(f"{len(keys)} keys but {len(codes)} descriptors")
        if len(set(keys)) != len(keys):
            raise ValueError("keys passed to add_many must be distinct")
        for key in keys:
            if key in self._slot:
                self.remove(key)
        self._reserve(len(keys))
        first = len(self._keys)
        self._keys.extend(keys)
        self._codes[first : first + len(keys)] = codes
        self._alive[first : first + len(keys)] = True
        self._slot.update(zip(keys, range(first, first + len(keys)), strict=True))

    def remove(self, key: Hashable) -> None:
        """Forget `key`; its descriptor is overwritten, not just hidden. KeyError if absent."""
        slot = self._slot.pop(key)
        if slot < self._built:
            self._erase_from_tables(slot)
        self._keys[slot] = None
        self._codes[slot] = 0
        self._alive[slot] = False
        if len(self._keys) - len(self._slot) > max(1024, len(self._keys) // 4):
            self._compact()

    def _erase_from_tables(self, slot: int) -> None:
        """Overwrite the bucket-ordered copies of a slot's code too (erasure)."""
        chunks = _chunks(self._codes[slot : slot + 1])[:, 0]
        for chunk, value in enumerate(chunks.tolist()):
            begin, end = self._starts[chunk, value], self._starts[chunk, value + 1]
            where = begin + np.flatnonzero(self._order[chunk, begin:end] == slot)
            self._sorted_codes[chunk, where] = 0

    def descriptor(self, key: Hashable) -> np.ndarray:
        """The stored descriptor of `key` (8 uint8)."""
        code = self._codes[self._slot[key]]
        return np.array([code], ">u8").view(np.uint8).copy()

    def _compact(self) -> None:
        alive = np.flatnonzero(self._alive[: len(self._keys)])
        self._codes = np.ascontiguousarray(self._codes[alive])
        self._alive = np.ones(len(alive), bool)
        self._keys = [self._keys[i] for i in alive.tolist()]
        self._slot = {key: i for i, key in enumerate(self._keys)}
        self._built = 0
        self._order = np.empty((_CHUNKS, 0), np.int64)
        self._sorted_codes = np.empty((_CHUNKS, 0), np.uint64)

    # ----------------------------------------------------------------- queries
    def build(self) -> None:
        """Build the lookup tables now (a server calls this at start-up; otherwise the
        first query after many additions does it)."""
        if len(self._keys) - len(self._slot) > len(self._keys) // 4:
            self._compact()
        self._rebuild()

    def _rebuild(self) -> None:
        size = len(self._keys)
        chunks = _chunks(self._codes[:size])
        self._order = np.argsort(chunks.astype(np.uint16), axis=1, kind="stable").astype(np.int64)
        # The codes themselves in bucket order: a probe then reads contiguous memory.
        self._sorted_codes = self._codes[:size][self._order]
        starts = np.zeros((_CHUNKS, _BUCKETS + 1), np.int64)
        for chunk in range(_CHUNKS):
            starts[chunk, 1:] = np.cumsum(np.bincount(chunks[chunk], minlength=_BUCKETS))
        self._starts = starts
        self._built = size

    def _candidates(self, variants: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """Flat positions into the bucket-ordered tables (and the variant that led
        there) of codes sharing a bucket within `radius` bit flips of a variant."""
        masks = _flip_masks(radius)
        probes = _chunks(variants)[:, :, None] ^ masks[None, None, :]  # chunk, variant, mask
        chunk_of = np.broadcast_to(np.arange(_CHUNKS)[:, None, None], probes.shape)
        variant_of = np.broadcast_to(np.arange(len(variants))[None, :, None], probes.shape)
        begin = self._starts[chunk_of, probes].ravel()
        end = self._starts[chunk_of, probes + 1].ravel()
        lengths = end - begin
        total = int(lengths.sum())
        base = np.repeat(begin - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        rows = np.repeat(chunk_of.ravel() * self._built, lengths)
        return rows + base, np.repeat(variant_of.ravel(), lengths)

    def query(
        self,
        descriptor: np.ndarray | bytes,
        max_distance: int | None = None,
        *,
        transforms: bool = True,
    ) -> list[NearDuplicateMatch]:
        """Stored photos within `max_distance` bits of the given one, closest first.

        Flipped and rotated copies are found too (unless transforms=False); each key is
        reported once, with its closest orientation ("same" wins ties).
        """
        radius = self.max_distance if max_distance is None else max_distance
        if not 0 <= radius < DESCRIPTOR_BITS:
            raise ValueError(f"max_distance must be in 0..{DESCRIPTOR_BITS - 1}")
        if not self._slot:
            return []
        query = _as_descriptor(descriptor)
        labels = TRANSFORMS if transforms else ("same",)
        # A stored S matches with label T when T(S) ~ query, i.e. S ~ T^-1(query).
        variants = descriptors_to_uint64(
            np.stack([transform_descriptors(query, inverse_transform(t)) for t in labels])
        )
        size = len(self._keys)
        pending = size - self._built
        if pending > max(_MIN_PENDING_BEFORE_REBUILD, self._built // 8):
            self._rebuild()
            pending = 0
        chunk_radius = radius // _CHUNKS
        probe_cost = len(_flip_masks(chunk_radius)) * _CHUNKS * self._built / _BUCKETS
        slot_parts: list[np.ndarray] = []
        variant_parts: list[np.ndarray] = []
        distance_parts: list[np.ndarray] = []
        scanned_from = 0
        if self._built and probe_cost < self._built:
            positions, which = self._candidates(variants, chunk_radius)
            distance = np.bitwise_count(self._sorted_codes.ravel()[positions] ^ variants[which])
            near = distance <= radius
            slot_parts.append(self._order.ravel()[positions[near]])
            variant_parts.append(which[near])
            distance_parts.append(distance[near])
            scanned_from = self._built
        # Direct scan of everything not covered by the tables.
        tail = self._codes[scanned_from:size]
        distance = np.bitwise_count(tail[None, :] ^ variants[:, None])
        which, offset = np.nonzero(distance <= radius)
        slot_parts.append(offset + scanned_from)
        variant_parts.append(which)
        distance_parts.append(distance[which, offset])
        slots = np.concatenate(slot_parts)
        which = np.concatenate(variant_parts)
        distance = np.concatenate(distance_parts).astype(np.int64)
        alive = self._alive[slots]
        slots, which, distance = slots[alive], which[alive], distance[alive]
        order = np.lexsort((which, distance, slots))
        slots, which, distance = slots[order], which[order], distance[order]
        first = np.ones(len(slots), bool)
        first[1:] = slots[1:] != slots[:-1]
        slots, which, distance = slots[first], which[first], distance[first]
        ranking = np.lexsort((which, slots, distance))
        return [
            NearDuplicateMatch(self._keys[s], int(d), labels[w])
            for s, w, d in zip(
                slots[ranking].tolist(),
                which[ranking].tolist(),
                distance[ranking].tolist(),
                strict=True,
            )
        ]

    def all_pairs(
        self,
        max_distance: int | None = None,
        *,
        transforms: bool = True,
        recall: float = DEFAULT_RECALL,
        workers: int | None = None,
    ) -> NearDuplicatePairs:
        """Every pair of stored photos within `max_distance` bits (keys as arrays).

        Exact up to pairsearch.BRUTE_FORCE_LIMIT photos; above it each pair exactly at
        the threshold is found with probability >= `recall` (closer pairs: far higher).
        """
        radius = self.max_distance if max_distance is None else max_distance
        alive = np.flatnonzero(self._alive[: len(self._keys)])
        pairs = find_pairs(
            self._codes[alive], radius, transforms=transforms, recall=recall, workers=workers
        )
        keys = self._key_array(alive)
        labels = np.array(TRANSFORMS)
        return NearDuplicatePairs(
            first=keys[pairs.first],
            second=keys[pairs.second],
            distance=pairs.distance,
            transform=labels[pairs.transform],
        )

    def groups(
        self, max_distance: int | None = None, *, transforms: bool = True
    ) -> list[list[Hashable]]:
        """Duplicate groups: connected components of the near-duplicate pairs."""
        radius = self.max_distance if max_distance is None else max_distance
        alive = np.flatnonzero(self._alive[: len(self._keys)])
        pairs = find_pairs(self._codes[alive], radius, transforms=transforms)
        components = connected_groups(len(alive), pairs.first, pairs.second)
        return [[self._keys[alive[i]] for i in group.tolist()] for group in components]

    def _key_array(self, slots: np.ndarray) -> np.ndarray:
        keys = [self._keys[i] for i in slots.tolist()]
        if keys and all(type(k) is int for k in keys):
            return np.array(keys, np.int64)
        array = np.empty(len(keys), object)
        array[:] = keys
        return array

    def keys(self) -> Iterable[Hashable]:
        """The stored keys (insertion order, removed ones skipped)."""
        return list(self._slot)
