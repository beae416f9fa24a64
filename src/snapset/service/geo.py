"""Geofence checks: point in polygon, and a coarse point-in-country test.

Precision, honestly: polygons are exact (ray casting on latitude/longitude, fine for
areas up to a few hundred km that do not cross the antimeridian). Countries are checked
against rectangular bounding boxes (a few boxes per country, rounded to ~0.1°) for the
countries listed in `COUNTRY_BOXES`: that catches a photo taken on another continent or
far across a border, but a point near a border may pass for the neighbour. For countries
not in the table the location is not checked against the country at all; the
collector's verified country (and the task's country) still applies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# (min_lon, min_lat, max_lon, max_lat) per ISO alpha-2 code.
Box = tuple[float, float, float, float]
COUNTRY_BOXES: dict[str, tuple[Box, ...]] = {
    "AE": ((51.5, 22.6, 56.4, 26.1),),
    "AR": ((-73.6, -55.1, -53.6, -21.8),),
    "AU": ((112.9, -43.7, 153.7, -10.6),),
    "BD": ((88.0, 20.6, 92.7, 26.6),),
    "BR": ((-74.0, -33.8, -34.8, 5.3),),
    "CA": ((-141.0, 41.7, -52.6, 83.1),),
    "CL": ((-75.7, -55.9, -66.4, -17.5),),
    "CN": ((73.5, 18.2, 134.8, 53.6),),
    "CO": ((-79.0, -4.3, -66.9, 12.5),),
    "DE": ((5.9, 47.3, 15.0, 55.1),),
    "EG": ((24.7, 21.7, 36.9, 31.7),),
    "ES": ((-9.4, 35.9, 3.4, 43.8), (-18.2, 27.6, -13.4, 29.5)),
    "ET": ((32.9, 3.4, 48.0, 14.9),),
    "FR": ((-5.2, 41.3, 9.6, 51.1),),
    "GB": ((-8.2, 49.9, 1.8, 60.9),),
    "GH": ((-3.3, 4.7, 1.2, 11.2),),
    "ID": ((95.0, -11.0, 141.0, 6.1),),
    "IN": ((68.1, 6.7, 97.4, 35.5),),
    "IT": ((6.6, 35.5, 18.5, 47.1),),
    "JP": ((122.9, 24.0, 146.0, 45.6),),
    "KE": ((33.9, -4.7, 41.9, 5.0),),
    "KR": ((124.6, 33.1, 131.9, 38.6),),
    "MA": ((-13.2, 27.6, -1.0, 35.9),),
    "MX": ((-117.1, 14.5, -86.7, 32.7),),
    "NG": ((2.7, 4.2, 14.7, 13.9),),
    "NL": ((3.3, 50.7, 7.2, 53.6),),
    "NZ": ((166.4, -47.3, 178.6, -34.4),),
    "PE": ((-81.4, -18.4, -68.7, 0.0),),
    "PH": ((116.9, 4.6, 126.6, 21.1),),
    "PK": ((60.9, 23.7, 77.8, 37.1),),
    "PL": ((14.1, 49.0, 24.2, 54.9),),
    "SA": ((34.5, 16.3, 55.7, 32.2),),
    "TH": ((97.3, 5.6, 105.7, 20.5),),
    "TR": ((26.0, 35.8, 44.8, 42.1),),
    "TZ": ((29.3, -11.8, 40.5, -1.0),),
    "UG": ((29.5, -1.5, 35.1, 4.3),),
    "US": (
        (-124.8, 24.5, -66.9, 49.4),
        (-179.2, 51.2, -129.9, 71.4),
        (-160.3, 18.9, -154.8, 22.3),
    ),
    "VN": ((102.1, 8.4, 109.5, 23.4),),
    "ZA": ((16.4, -34.9, 32.9, -22.1),),
}


def point_in_polygon(lat: float, lon: float, points: Sequence[tuple[float, float]]) -> bool:
    """Ray casting over [lat, lon] vertices; points on an edge count as inside."""
    inside = False
    n = len(points)
    for i in range(n):
        lat1, lon1 = points[i]
        lat2, lon2 = points[(i + 1) % n]
        if _on_segment(lat, lon, lat1, lon1, lat2, lon2):
            return True
        if (lat1 > lat) != (lat2 > lat):
            cross_lon = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < cross_lon:
                inside = not inside
    return inside


def _on_segment(lat: float, lon: float, lat1: float, lon1: float, lat2: float, lon2: float) -> bool:
    cross = (lat2 - lat1) * (lon - lon1) - (lon2 - lon1) * (lat - lat1)
    if abs(cross) > 1e-12:
        return False
    return min(lat1, lat2) <= lat <= max(lat1, lat2) and min(lon1, lon2) <= lon <= max(lon1, lon2)


def in_country(lat: float, lon: float, country: str) -> bool | None:
    """True/False from the country's boxes; None when the country is not in the table."""
    boxes = COUNTRY_BOXES.get(country.upper())
    if boxes is None:
        return None
    return any(b[0] <= lon <= b[2] and b[1] <= lat <= b[3] for b in boxes)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(min(1.0, a)))


def centroid(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
