"""Places: locate a point; footprints and wards as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from shapely.geometry import mapping
from sqlmodel import select

from deal_shared.footprints import LocateResult
from footprints.api.deps import IdempotentRoute, PlacesDep
from footprints.db import SessionDep
from footprints.errors import FootprintNotFound, NoBoundaries, OutsideBorough
from footprints.models import Footprint, Ward
from footprints.places.store import latest_import
from footprints.schemas import BoundaryInfo

router = APIRouter(route_class=IdempotentRoute, prefix="/v1", tags=["places"])


@router.get("/locate", response_model=LocateResult, summary="The footprint and ward of a point")
def locate(
    places: PlacesDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    long: Annotated[float, Query(ge=-180, le=180)],
) -> LocateResult:
    """Looks the point up in the loaded ward boundaries and answers its ward and footprint. A point in no ward of the
    borough is answered 422 `OutsideBorough`. Open to anyone: Volunteering and Report IT place things with it.
    """
    result = places.locator().locate(lat, long)
    if result is None:
        raise OutsideBorough(f"({lat}, {long}) is not in any ward of the borough.")
    return result


@router.get(
    "/boundaries", response_model=BoundaryInfo, summary="Which ward boundaries are loaded, and when they were imported"
)
def boundaries(session: SessionDep) -> BoundaryInfo:
    """Answers the last import of ward boundaries (its source and when it was made), or 422 `NoBoundaries` before the
    first one. The shipped shapes are illustrative until the council's file is imported with `footprints import-
    boundaries`.
    """
    latest = latest_import(session)
    if latest is None:
        raise NoBoundaries("No ward boundaries have been imported yet.")
    return BoundaryInfo.model_validate(latest, from_attributes=True)


@router.get("/footprints", summary="The seven footprints as a GeoJSON FeatureCollection")
def footprints(places: PlacesDep, session: SessionDep) -> dict[str, Any]:
    """Each footprint with its code, number and name, its geometry the union of its wards' shapes; ordered by number."""
    locator = places.locator()
    features = [
        {
            "type": "Feature",
            "id": f.code,
            "properties": {"code": f.code, "number": f.number, "name": f.name},
            "geometry": mapping(locator.footprint_geometry[f.code]) if f.code in locator.footprint_geometry else None,
        }
        for f in session.exec(select(Footprint).order_by(Footprint.number)).all()
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/wards", summary="The wards (of one footprint, if given) as a GeoJSON FeatureCollection")
def wards(session: SessionDep, footprint: str | None = None) -> dict[str, Any]:
    """Each ward with its code, name and footprint code, ordered by code. With `footprint`, only that footprint's wards;
    an unknown code is 404 `FootprintNotFound`.
    """
    query = select(Ward).order_by(Ward.code)
    if footprint is not None:
        if session.get(Footprint, footprint) is None:
            raise FootprintNotFound(f"No footprint has code {footprint!r}.")
        query = query.where(Ward.footprint_code == footprint)
    features = [
        {
            "type": "Feature",
            "id": w.code,
            "properties": {"code": w.code, "name": w.name, "footprint_code": w.footprint_code},
            "geometry": w.geometry,
        }
        for w in session.exec(query).all()
    ]
    return {"type": "FeatureCollection", "features": features}
