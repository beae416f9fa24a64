"""Fingerprints of one image: an exact pixel hash and a 64-bit perceptual descriptor.

The descriptor is a DCT hash: the picture is reduced to 32 x 32 grey levels and the
signs of its 64 lowest-frequency AC DCT coefficients become the 64 bits. Signs (rather
than "above the median", as classic pHash does) make the descriptor invariant to global
brightness and contrast changes, and they make every flip and right-angle rotation of
the image an exact bit operation on the descriptor: mirroring a signal negates its odd
DCT frequencies and transposing an image transposes its DCT. So a flipped or rotated
copy is found by transforming the *query's* 64 bits, without touching the pixels again
and without storing anything extra. docs/duplicates.md has the measurements behind the
choice of size and threshold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import cv2
import numpy as np

if TYPE_CHECKING:
    from snapset.quality.decode import DecodedImage

DESCRIPTOR_BITS: Final = 64
DESCRIPTOR_BYTES: Final = DESCRIPTOR_BITS // 8
# Hamming distance (of 64 bits) at or below which two photos are near duplicates.
# Measured on COCO photos: re-encoding/resizing moves <= 2 bits, a centred 3 % crop
# <= 9, brightness/gamma/contrast shifts p95 <= 6; two views of one scene shifted
# by 10 % of the width stay >= 16 apart and unrelated photos >= 17.
DEFAULT_MAX_DISTANCE: Final = 10

_DCT_SIDE: Final = 32
# How a stored photo may relate to a new one. Names describe the NEW photo relative to
# the stored one ("rot90" = the new photo is the stored one turned 90 degrees
# counter-clockwise, as numpy.rot90 does). "transpose"/"transverse" are the two
# mirror-diagonal members of the group (a mirrored photo turned by 90 degrees).
TRANSFORMS: Final = (
    "same",
    "flip_h",
    "flip_v",
    "rot90",
    "rot180",
    "rot270",
    "transpose",
    "transverse",
)
_INVERSE: Final = {
    "same": "same",
    "flip_h": "flip_h",
    "flip_v": "flip_v",
    "rot90": "rot270",
    "rot180": "rot180",
    "rot270": "rot90",
    "transpose": "transpose",
    "transverse": "transverse",
}


def _coefficient_layout() -> tuple[tuple[int, int], ...]:
    """The 64 (row_freq, col_freq) DCT cells used, lowest frequencies first.

    The set is closed under transposition, so every dihedral transform maps it onto
    itself (u + v <= 9 gives 54 cells; ten more come from u + v == 10 without (5, 5)).
    """
    cells = [(u, v) for u in range(11) for v in range(11) if 0 < u + v <= 10]
    cells.sort(key=lambda c: (c[0] + c[1], abs(c[0] - c[1]), c))
    chosen = [c for c in cells if c[0] + c[1] <= 9]
    chosen += [c for c in cells if c[0] + c[1] == 10 and c != (5, 5)]
    assert len(chosen) == DESCRIPTOR_BITS
    return tuple(chosen)


COEFFICIENT_LAYOUT: Final = _coefficient_layout()
_ROWS: Final = np.array([u for u, _ in COEFFICIENT_LAYOUT])
_COLS: Final = np.array([v for _, v in COEFFICIENT_LAYOUT])


def _bit_maps() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each transform T: (source index, sign flip) so that T(image)'s bit i is
    bit source[i] of the image's descriptor, inverted where flip[i] is set.

    DCT facts: reversing columns multiplies cell (u, v) by (-1)^v, reversing rows by
    (-1)^u, transposing the image moves cell (u, v) to (v, u).
    """
    position = {cell: i for i, cell in enumerate(COEFFICIENT_LAYOUT)}
    transposed = np.array([position[(v, u)] for u, v in COEFFICIENT_LAYOUT])
    identity = np.arange(DESCRIPTOR_BITS)
    odd_u, odd_v = (_ROWS % 2 == 1), (_COLS % 2 == 1)
    return {
        "same": (identity, np.zeros(DESCRIPTOR_BITS, bool)),
        "flip_h": (identity, odd_v),
        "flip_v": (identity, odd_u),
        "rot180": (identity, odd_u ^ odd_v),
        "transpose": (transposed, np.zeros(DESCRIPTOR_BITS, bool)),
        # rot90 = flip rows of the transpose; rot270 = flip columns of the transpose.
        "rot90": (transposed, odd_u),
        "rot270": (transposed, odd_v),
        "transverse": (transposed, odd_u ^ odd_v),
    }


_BIT_MAPS: Final = _bit_maps()


def dct_descriptor(pixels: np.ndarray) -> np.ndarray:
    """64-bit perceptual descriptor (8 uint8 bytes) of an RGB or grey pixel array."""
    if pixels.size == 0:
        raise ValueError("cannot describe an empty image")
    if pixels.ndim == 3:
        if pixels.shape[2] == 1:
            grey = pixels[:, :, 0]
        else:
            grey = cv2.cvtColor(np.ascontiguousarray(pixels[:, :, :3]), cv2.COLOR_RGB2GRAY)
    elif pixels.ndim == 2:
        grey = pixels
    else:
        raise ValueError(f"expected an H x W or H x W x C array, got shape {pixels.shape}")
    small = cv2.resize(
        grey.astype(np.float32), (_DCT_SIDE, _DCT_SIDE), interpolation=cv2.INTER_AREA
    )
    coefficients = cv2.dct(small)[_ROWS, _COLS]
    # A tolerance keeps flat areas (all coefficients ~0) deterministic: all bits 0.
    return np.packbits(coefficients > 1e-3)


def descriptors_to_uint64(descriptors: np.ndarray) -> np.ndarray:
    """(N, 8) uint8 descriptors -> (N,) uint64 codes (the index's working form)."""
    array = np.ascontiguousarray(descriptors, dtype=np.uint8)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.shape[1] != DESCRIPTOR_BYTES:
        raise ValueError(
            f"descriptors must have {DESCRIPTOR_BYTES} bytes each, got {array.shape[1]}"
        )
    return array.view(">u8").reshape(-1).astype(np.uint64)


def uint64_to_descriptors(codes: np.ndarray) -> np.ndarray:
    """Inverse of descriptors_to_uint64."""
    return np.asarray(codes, np.uint64).astype(">u8").view(np.uint8).reshape(-1, 8)


def transform_descriptors(descriptors: np.ndarray, transform: str) -> np.ndarray:
    """Descriptors of the transformed images, computed from the bits alone.

    `descriptors` is (8,) or (N, 8) uint8; returns the same shape.
    """
    source, flip = _BIT_MAPS[transform]
    array = np.asarray(descriptors, np.uint8)
    bits = np.unpackbits(array, axis=-1)
    return np.packbits(bits[..., source] ^ flip, axis=-1)


def transform_bit_partner() -> np.ndarray:
    """For each descriptor bit, the bit of the transposed cell (a permutation of order 2)."""
    return _BIT_MAPS["transpose"][0].copy()


def inverse_transform(transform: str) -> str:
    """The transform that undoes `transform`."""
    return _INVERSE[transform]


def hamming(a: np.ndarray, b: np.ndarray) -> int:
    """Number of differing bits between two descriptors."""
    return int(np.unpackbits(np.bitwise_xor(np.asarray(a, np.uint8), b)).sum())


def pixel_hash(pixels: np.ndarray, width: int, height: int) -> bytes:
    """SHA-256 of the decoded pixels and the original size.

    Two files whose pixels are equal (a PNG and a TIFF of the same picture) get the
    same hash whatever the bytes on disk; the original size is included so that a
    photo and its downscaled copy (equal at working size) are not "exact".
    """
    array = np.ascontiguousarray(pixels, dtype=np.uint8)
    digest = hashlib.sha256()
    digest.update(b"snapset-pixels-v1")
    digest.update(np.array([width, height, *array.shape], dtype="<i8").tobytes())
    digest.update(array.tobytes())
    return digest.digest()


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """What duplicate detection keeps of a photo: 32 + 8 bytes."""

    pixel_hash: bytes
    descriptor: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return self.pixel_hash == other.pixel_hash and bytes(self.descriptor) == bytes(
            other.descriptor
        )

    def __hash__(self) -> int:
        return hash((self.pixel_hash, bytes(self.descriptor)))

    def distance(self, other: Fingerprint) -> int:
        """Hamming distance between the two descriptors (same orientation)."""
        return hamming(self.descriptor, other.descriptor)


def fingerprint(decoded: DecodedImage) -> Fingerprint:
    """Fingerprint of a decoded image (quality.decode.decode_image's result)."""
    return Fingerprint(
        pixel_hash=pixel_hash(decoded.pixels, decoded.width, decoded.height),
        descriptor=dct_descriptor(decoded.pixels),
    )
