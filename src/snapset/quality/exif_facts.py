"""The few EXIF facts snapset uses: capture time, camera, GPS position, orientation.

Kept apart from decoding so the server's metadata checks and the diversity statistics
read one small, typed record instead of raw EXIF tags.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from PIL import Image

_TAG_ORIENTATION = 0x0112
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_DATETIME = 0x0132
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


@dataclass(frozen=True)
class ExifFacts(Mapping[str, Any]):
    """Capture facts from EXIF; every field is None when the file does not say."""

    captured_at: datetime | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    gps: tuple[float, float] | None = None
    orientation: int = 1

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (ISO 8601 time, [lat, lon])."""
        data = asdict(self)
        data["captured_at"] = self.captured_at.isoformat() if self.captured_at else None
        data["gps"] = list(self.gps) if self.gps else None
        return data


def _clean_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _parse_datetime(value: Any) -> datetime | None:
    text = _clean_text(value)
    if not text:
        return None
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text[:19], fmt)
        except ValueError:
            continue
    return None


def _dms_to_degrees(dms: Any, ref: Any) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60.0 + seconds / 3600.0
    if _clean_text(ref) in ("S", "W"):
        value = -value
    return value


def _parse_gps(gps_ifd: Mapping[int, Any]) -> tuple[float, float] | None:
    if _GPS_LAT not in gps_ifd or _GPS_LON not in gps_ifd:
        return None
    lat = _dms_to_degrees(gps_ifd[_GPS_LAT], gps_ifd.get(_GPS_LAT_REF))
    lon = _dms_to_degrees(gps_ifd[_GPS_LON], gps_ifd.get(_GPS_LON_REF))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


def read_exif_facts(image: Image.Image) -> ExifFacts:
    """Read capture facts from an opened image; damaged EXIF yields empty facts."""
    try:
        exif = image.getexif()
    except Exception:  # EXIF is optional metadata: a broken block must not fail a decode.
        return ExifFacts()
    if not exif:
        return ExifFacts()
    try:
        sub = exif.get_ifd(_IFD_EXIF)
    except Exception:
        sub = {}
    try:
        gps_ifd = exif.get_ifd(_IFD_GPS)
    except Exception:
        gps_ifd = {}
    captured = (
        _parse_datetime(sub.get(_TAG_DATETIME_ORIGINAL))
        or _parse_datetime(sub.get(_TAG_DATETIME_DIGITIZED))
        or _parse_datetime(exif.get(_TAG_DATETIME))
    )
    orientation = exif.get(_TAG_ORIENTATION, 1)
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    return ExifFacts(
        captured_at=captured,
        camera_make=_clean_text(exif.get(_TAG_MAKE)),
        camera_model=_clean_text(exif.get(_TAG_MODEL)),
        gps=_parse_gps(gps_ifd) if gps_ifd else None,
        orientation=orientation,
    )
