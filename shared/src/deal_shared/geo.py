"""Geography the services share: WGS84 distances and the borough outline (illustrative, replaceable)."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path

import shapely
from shapely import Point, Polygon, prepared
from shapely.geometry import shape
from shapely.ops import unary_union

EARTH_RADIUS_M = 6_371_008.8
# Metres per degree of latitude; longitude degrees shrink with cos(latitude).
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a square that contains the circle."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


# How far beyond the outline's bounding box a position may still be asked about. A lookup just over the boundary
# is real (a resident on the far side of the road); one at the pole or across the antimeridian is not, and the work
# of a lookup grows without limit there (a degree of longitude shrinks to nothing).
REACH_M = 25_000


class Borough:
    """The borough outline, answering "is this point inside?" and "how far outside is it?" quickly."""

    def __init__(self, geometry: Polygon, *, name: str) -> None:
        self.name = name
        self.geometry = geometry
        self._prepared = prepared.prep(geometry)
        self._origin_lat = geometry.centroid.y
        self._cos = math.cos(math.radians(self._origin_lat))
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        dlat = REACH_M / METRES_PER_DEGREE
        # The widest degree of longitude inside the reach is at the edge nearest the pole.
        edge = min(89.0, max(abs(min_lat), abs(max_lat)) + dlat)
        dlon = REACH_M / (METRES_PER_DEGREE * math.cos(math.radians(edge)))
        self.reach = (min_lat - dlat, min_lon - dlon, max_lat + dlat, max_lon + dlon)
        # A local equirectangular projection in metres: accurate to well under 1% across a borough.
        self._scale = (METRES_PER_DEGREE * self._cos, METRES_PER_DEGREE)
        self._metric = shapely.transform(geometry, lambda xy: xy * self._scale)

    def _to_metres(self, x: float, y: float) -> tuple[float, float]:
        return (x * self._scale[0], y * self._scale[1])

    def contains(self, lat: float, lon: float) -> bool:
        return self._prepared.covers(Point(lon, lat))

    def out_of_reach(self, lat: float, lon: float) -> str | None:
        """Which coordinate ("lat" or "long") puts the point beyond `REACH_M` of the outline's bounding box, if
        either does: such a point is refused before any work is done for it."""
        min_lat, min_lon, max_lat, max_lon = self.reach
        if not min_lat <= lat <= max_lat:  # also refuses NaN
            return "lat"
        if not min_lon <= lon <= max_lon:
            return "long"
        return None

    def distance_outside_m(self, lat: float, lon: float) -> float:
        if self.contains(lat, lon):
            return 0.0
        return float(self._metric.distance(Point(*self._to_metres(lon, lat))))

    @classmethod
    def from_geojson(cls, document: dict) -> Borough:
        features = document.get("features") or [document]
        geometries = [shape(f.get("geometry", f)) for f in features]
        name = (features[0].get("properties") or {}).get("name", "borough")
        return cls(unary_union(geometries), name=name)


@lru_cache(maxsize=4)
def load_borough(path: str | None = None) -> Borough:
    """The configured outline, or the illustrative one shipped in this package."""
    if path:
        text = Path(path).read_text()
    else:
        text = resources.files("deal_shared").joinpath("data/borough.geojson").read_text()
    return Borough.from_geojson(json.loads(text))
