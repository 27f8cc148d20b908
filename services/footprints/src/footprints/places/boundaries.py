"""Read and validate a boundary set: ward polygons plus a ward -> footprint table. Refuse with every reason."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from shapely import STRtree
from shapely import transform as transform_coords
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.ops import unary_union
from shapely.validation import explain_validity

from deal_shared.geo import METRES_PER_DEGREE

TABLE_COLUMNS = ("ward_code", "footprint_code", "footprint_number", "footprint_name")


class BoundariesRefused(Exception):
    """The file breaks a rule; `reasons` lists every one found, so the council can fix them in one go."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class WardShape:
    code: str
    name: str
    footprint_code: str
    geometry: Polygon | MultiPolygon


@dataclass(frozen=True)
class FootprintRow:
    code: str
    number: int
    name: str


@dataclass
class BoundarySet:
    wards: list[WardShape]
    footprints: list[FootprintRow]
    illustrative: bool = False
    note: str = ""
    warnings: list[str] = field(default_factory=list)

    def ward_geojson(self, ward: WardShape) -> dict[str, Any]:
        return dict(mapping(ward.geometry))


def metric(geometry, origin_lat: float):
    """A local equirectangular projection in metres: areas good to well under 1% across a borough."""
    cos = math.cos(math.radians(origin_lat))
    return transform_coords(geometry, lambda coords: coords * [METRES_PER_DEGREE * cos, METRES_PER_DEGREE])


def read_table(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in TABLE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BoundariesRefused([f"the ward table lacks the column(s) {', '.join(missing)}"])
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _read_wards(document: dict[str, Any], code_property: str, name_property: str, reasons: list[str]):
    if document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise BoundariesRefused(["the ward file is not a GeoJSON FeatureCollection"])
    wards: dict[str, tuple[str, Polygon | MultiPolygon]] = {}
    for index, feature in enumerate(document["features"]):
        properties = feature.get("properties") or {}
        code = str(properties.get(code_property) or "").strip()
        name = str(properties.get(name_property) or "").strip()
        label = code or f"feature #{index}"
        if not code or not name:
            reasons.append(f"{label} lacks the {code_property!r} or {name_property!r} property")
            continue
        if code in wards:
            reasons.append(f"ward {code} appears more than once")
            continue
        try:
            geometry = shape(feature.get("geometry") or {})
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            reasons.append(f"ward {code}: geometry unreadable ({exc})")
            continue
        if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:
            reasons.append(f"ward {code}: geometry is {geometry.geom_type}, not a (Multi)Polygon")
            continue
        if not geometry.is_valid:
            reasons.append(f"ward {code}: invalid polygon ({explain_validity(geometry)})")
            continue
        wards[code] = (name, geometry)
    return wards


def _footprints(rows: list[dict[str, str]], reasons: list[str]) -> tuple[dict[str, str], dict[str, FootprintRow]]:
    ward_to_footprint: dict[str, str] = {}
    footprints: dict[str, FootprintRow] = {}
    for row in rows:
        ward, code, name = row["ward_code"], row["footprint_code"], row["footprint_name"]
        try:
            number = int(row["footprint_number"])
        except ValueError:
            reasons.append(f"ward {ward}: footprint number {row['footprint_number']!r} is not a whole number")
            continue
        if ward in ward_to_footprint:
            reasons.append(f"ward {ward} is listed in more than one footprint row")
            continue
        ward_to_footprint[ward] = code
        known = footprints.setdefault(code, FootprintRow(code=code, number=number, name=name))
        if (known.number, known.name) != (number, name):
            reasons.append(f"footprint {code} is given different numbers or names")
    numbers = [f.number for f in footprints.values()]
    if len(set(numbers)) != len(numbers):
        reasons.append("two footprints share a number")
    return ward_to_footprint, footprints


def _check_coverage(wards: dict[str, tuple[str, Any]], tolerance_m2: float, reasons: list[str]) -> None:
    if not wards:
        reasons.append("the ward file holds no wards")
        return
    codes = list(wards)
    origin = unary_union([g for _, g in wards.values()]).centroid.y
    projected = [metric(wards[c][1], origin) for c in codes]
    tree = STRtree(projected)
    for i, j in zip(*tree.query(projected, predicate="intersects"), strict=True):
        if i < j:
            overlap = projected[i].intersection(projected[j]).area
            if overlap > tolerance_m2:
                reasons.append(f"wards {codes[i]} and {codes[j]} overlap by {overlap:,.0f} m²")
    union = unary_union(projected)
    parts = union.geoms if isinstance(union, MultiPolygon) else [union]
    for part in parts:
        for ring in part.interiors:
            hole = Polygon(ring).area
            if hole > tolerance_m2:
                reasons.append(f"a gap of {hole:,.0f} m² lies between wards near {_where(Polygon(ring), origin)}")


def _where(hole: Polygon, origin_lat: float) -> str:
    point = hole.representative_point()
    cos = math.cos(math.radians(origin_lat))
    return f"lat {point.y / METRES_PER_DEGREE:.4f}, long {point.x / (METRES_PER_DEGREE * cos):.4f}"


def validate(
    document: dict[str, Any],
    table_text: str,
    *,
    tolerance_m2: float,
    code_property: str = "code",
    name_property: str = "name",
) -> BoundarySet:
    reasons: list[str] = []
    wards = _read_wards(document, code_property, name_property, reasons)
    ward_to_footprint, footprints = _footprints(read_table(table_text), reasons)
    for code in sorted(set(wards) - set(ward_to_footprint)):
        reasons.append(f"ward {code} is in no footprint")
    for code in sorted(set(ward_to_footprint) - set(wards)):
        reasons.append(f"the table lists ward {code}, which the ward file does not hold")
    _check_coverage(wards, tolerance_m2, reasons)
    if reasons:
        raise BoundariesRefused(reasons)
    properties = document.get("properties") or {}
    return BoundarySet(
        wards=[WardShape(code, name, ward_to_footprint[code], geom) for code, (name, geom) in sorted(wards.items())],
        footprints=sorted(footprints.values(), key=lambda f: f.number),
        illustrative=bool(properties.get("illustrative", False)),
        note=str(properties.get("note", ""))[:1000],
    )
