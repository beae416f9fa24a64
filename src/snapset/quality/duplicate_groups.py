"""Duplicate groups of an audited set, from the duplicates team's fingerprints.

exact: same file bytes (sha256) or same decoded pixels (pixel hash) -> one group.
near:  one representative per exact group goes into a NearDuplicateIndex; every pair
       finds joins a group, and each pair keeps how the second photo relates to the
       first ("same", "flip_h", "rot90", ...), so flipped and rotated copies are
       reported as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snapset.quality.dupindex import NearDuplicateIndex


@dataclass(frozen=True)
class NearPair:
    """`second` is `first` with `transform` applied, `distance` descriptor bits apart."""

    first: str
    second: str
    distance: float
    transform: str

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.first,
            "b": self.second,
            "distance": self.distance,
            "transform": self.transform,
        }


@dataclass
class DuplicateGroups:
    exact: list[list[str]] = field(default_factory=list)
    near: list[list[str]] = field(default_factory=list)
    near_pairs: list[NearPair] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "near": self.near,
            "near_pairs": [pair.to_json() for pair in self.near_pairs],
        }


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)

    def groups(self) -> list[list[int]]:
        members: dict[int, list[int]] = {}
        for item in range(len(self.parent)):
            members.setdefault(self.find(item), []).append(item)
        return [sorted(group) for group in members.values() if len(group) > 1]


def _exact_groups(sha256s: Sequence[str], pixel_hashes: Sequence[bytes]) -> _UnionFind:
    union = _UnionFind(len(sha256s))
    for keys in (sha256s, pixel_hashes):
        first_seen: dict[Any, int] = {}
        for index, key in enumerate(keys):
            if not key:
                continue
            if key in first_seen:
                union.union(first_seen[key], index)
            else:
                first_seen[key] = index
    return union


def group_duplicates(
    paths: Sequence[str],
    sha256s: Sequence[str],
    pixel_hashes: Sequence[bytes],
    descriptors: Sequence[np.ndarray],
    max_distance: float | None = None,
) -> DuplicateGroups:
    """Exact and near duplicate groups of readable images (paths in input order)."""
    exact_union = _exact_groups(sha256s, pixel_hashes)
    exact = [[paths[i] for i in group] for group in exact_union.groups()]
    representatives = [i for i in range(len(paths)) if exact_union.find(i) == i]
    result = DuplicateGroups(exact=exact)
    if len(representatives) < 2:
        return result
    index = NearDuplicateIndex()
    index.add_many(representatives, np.stack([descriptors[i] for i in representatives]))
    pairs = index.all_pairs(max_distance)
    near_union = _UnionFind(len(paths))
    for first, second, distance, transform in zip(
        pairs.first.tolist(),
        pairs.second.tolist(),
        pairs.distance.tolist(),
        pairs.transform.tolist(),
        strict=True,
    ):
        near_union.union(int(first), int(second))
        result.near_pairs.append(
            NearPair(paths[int(first)], paths[int(second)], float(distance), str(transform))
        )
    result.near = [[paths[i] for i in group] for group in near_union.groups()]
    return result
