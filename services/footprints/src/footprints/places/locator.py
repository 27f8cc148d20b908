"""Point -> ward and footprint, through a spatial index (STRtree) over the ward polygons."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import Point, STRtree, prepared
from shapely.geometry import shape
from shapely.ops import unary_union

from deal_shared.footprints import FootprintRef, LocateResult, WardRef


@dataclass(frozen=True)
class PlacedWard:
    code: str
    name: str
    footprint: FootprintRef


class Locator:
    def __init__(self, wards: list[tuple[PlacedWard, dict]], *, version: str) -> None:
        self.version = version
        self.wards = [w for w, _ in wards]
        self._geometries = [shape(g) for _, g in wards]
        self._prepared = [prepared.prep(g) for g in self._geometries]
        self._tree = STRtree(self._geometries)
        self.footprint_geometry = {}
        by_footprint: dict[str, list] = {}
        for ward, geometry in zip(self.wards, self._geometries, strict=True):
            by_footprint.setdefault(ward.footprint.code, []).append(geometry)
        for code, parts in by_footprint.items():
            self.footprint_geometry[code] = unary_union(parts)

    def locate(self, lat: float, long: float) -> LocateResult | None:
        point = Point(long, lat)
        # Candidates by bounding box from the tree, then an exact test; a point on a shared edge goes to the
        # ward with the lowest code, so the answer never depends on the index's order.
        hits = sorted(int(i) for i in self._tree.query(point))
        for index in sorted(hits, key=lambda i: self.wards[i].code):
            if self._prepared[index].covers(point):
                ward = self.wards[index]
                return LocateResult(ward=WardRef(code=ward.code, name=ward.name), footprint=ward.footprint)
        return None
