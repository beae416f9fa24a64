"""snapset.quality: pure image analysis (decode once, checks, duplicates, audit).

from snapset.quality import audit
report = audit(["./photos"])
"""

from snapset.quality.audit import ImageResult, Report, audit
from snapset.quality.check import ISSUE_CODES, ImageCheck, check_image
from snapset.quality.decode import DecodedImage, DecodeError, decode_image
from snapset.quality.dupindex import NearDuplicateIndex, NearDuplicateMatch
from snapset.quality.exif_facts import ExifFacts
from snapset.quality.hashing import Fingerprint, fingerprint
from snapset.quality.standardize import StandardizedImage, StandardizeOptions, standardize
from snapset.quality.thresholds import Thresholds

__all__ = [
    "ISSUE_CODES",
    "DecodeError",
    "DecodedImage",
    "ExifFacts",
    "Fingerprint",
    "ImageCheck",
    "ImageResult",
    "NearDuplicateIndex",
    "NearDuplicateMatch",
    "Report",
    "StandardizeOptions",
    "StandardizedImage",
    "Thresholds",
    "audit",
    "check_image",
    "decode_image",
    "fingerprint",
    "standardize",
]
