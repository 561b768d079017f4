"""Small geometry helpers over GeoJSON dicts (Shapely), used by validation and imports."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep


def bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a GeoJSON geometry."""
    b = shape(geometry).bounds
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


class AreaLocator:
    """Answers "is this point inside area X" for many points, with prepared polygons."""

    def __init__(self, geometries: dict[str, dict[str, Any]]) -> None:
        self._raw = geometries
        self._prepared: dict[str, PreparedGeometry] = {}

    def contains(self, longitude: float, latitude: float, area_code: str) -> bool | None:
        """True/False, or None when the area has no geometry."""
        if area_code not in self._raw:
            return None
        if area_code not in self._prepared:
            self._prepared[area_code] = prep(shape(self._raw[area_code]))
        return bool(self._prepared[area_code].covers(Point(longitude, latitude)))
