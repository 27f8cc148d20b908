"""Store an accepted boundary set (replacing the old one in one transaction) and build the locator from it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from shapely.geometry import mapping
from sqlmodel import Session, col, delete, select

from deal_shared.footprints import FootprintRef
from footprints.models import BoundaryImport, Footprint, Team, Ward
from footprints.places.boundaries import BoundariesRefused, BoundarySet, validate
from footprints.places.locator import Locator, PlacedWard

DEFAULT_TOLERANCE_M2 = 5000.0


def illustrative_files() -> tuple[dict, str]:
    data = resources.files("footprints").joinpath("data")
    return json.loads(data.joinpath("wards.geojson").read_text()), data.joinpath("footprints.csv").read_text()


def read_files(wards_path: Path, table_path: Path) -> tuple[dict, str]:
    try:
        document = json.loads(wards_path.read_text())
    except (OSError, ValueError) as exc:
        raise BoundariesRefused([f"the ward file could not be read as JSON: {exc}"]) from exc
    try:
        return document, table_path.read_text()
    except OSError as exc:
        raise BoundariesRefused([f"the ward table could not be read: {exc}"]) from exc


def replace_boundaries(session: Session, boundary_set: BoundarySet, *, source: str) -> BoundaryImport:
    """Swap in the new wards and footprints; refused (nothing changed) if a team would lose its footprint."""
    new_codes = {f.code for f in boundary_set.footprints}
    orphaned = session.exec(select(Team).where(col(Team.footprint_code).not_in(new_codes))).all()
    if orphaned:
        names = ", ".join(f"{t.name} ({t.footprint_code})" for t in orphaned)
        raise BoundariesRefused([f"these teams' footprints are not in the new file: {names}"])
    session.exec(delete(Ward))
    session.exec(delete(Footprint))
    session.flush()
    for row in boundary_set.footprints:
        session.add(Footprint(code=row.code, number=row.number, name=row.name))
    for ward in boundary_set.wards:
        session.add(
            Ward(code=ward.code, name=ward.name, footprint_code=ward.footprint_code, geometry=mapping(ward.geometry))
        )
    record = BoundaryImport(
        source=source[:300],
        illustrative=boundary_set.illustrative,
        note=boundary_set.note,
        ward_count=len(boundary_set.wards),
        footprint_count=len(boundary_set.footprints),
    )
    session.add(record)
    session.flush()
    return record


def load_illustrative(session: Session) -> BoundaryImport | None:
    """Load the shipped illustrative boundaries into an empty database; leave any existing set alone."""
    if session.exec(select(Ward).limit(1)).first() is not None:
        return None
    document, table = illustrative_files()
    boundary_set = validate(document, table, tolerance_m2=DEFAULT_TOLERANCE_M2)
    return replace_boundaries(session, boundary_set, source="illustrative (shipped with Footprints)")


def latest_import(session: Session) -> BoundaryImport | None:
    return session.exec(select(BoundaryImport).order_by(col(BoundaryImport.imported_at).desc())).first()


def build_locator(session: Session) -> Locator:
    footprints = {f.code: f for f in session.exec(select(Footprint)).all()}
    wards = []
    for ward in session.exec(select(Ward).order_by(Ward.code)).all():
        footprint = footprints[ward.footprint_code]
        ref = FootprintRef(code=footprint.code, number=footprint.number, name=footprint.name)
        wards.append((PlacedWard(code=ward.code, name=ward.name, footprint=ref), ward.geometry))
    latest = latest_import(session)
    return Locator(wards, version=str(latest.id) if latest else "none")
