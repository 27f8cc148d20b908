"""Organisations and their opportunities: creating them (with their footprint) and finding them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, select

from deal_shared.volunteering import OpportunityCreate, OrganisationCreate
from volunteering.errors import OpportunityNotFound, OrganisationNotFound
from volunteering.locating import Locator, apply_area
from volunteering.models import Booking, Opportunity, Organisation

LONDON = ZoneInfo("Europe/London")
# Statuses that hold a place on an opportunity (the waiting list holds none).
PLACE_HOLDING = ("requested", "approved")


def create_organisation(session: Session, locator: Locator, *, body: OrganisationCreate, by: str) -> Organisation:
    fields = body.model_dump(exclude={"location"})
    organisation = Organisation(**fields, lat=body.location.lat, lon=body.location.long, created_by=by)
    apply_area(organisation, locator.locate(organisation.lat, organisation.lon))
    session.add(organisation)
    session.flush()
    return organisation


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(f"No organisation {organisation_id}.")
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.name)))


def create_opportunity(session: Session, locator: Locator, *, body: OpportunityCreate, by: str) -> Opportunity:
    organisation = get_organisation(session, body.organisation_id)
    location = body.location
    opportunity = Opportunity(
        organisation_id=organisation.id,
        title=body.title,
        description=body.description,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        places=body.places,
        skills=list(body.skills),
        lat=location.lat if location else organisation.lat,
        lon=location.long if location else organisation.lon,
        address=body.address if location else (body.address or organisation.address),
        accessibility_notes=body.accessibility_notes,
        suggested_from=body.suggested_from.model_dump(mode="json") if body.suggested_from else None,
        created_by=by,
    )
    if location is None and organisation.located_at is not None:
        # Same place as the organisation: its footprint is already known.
        for name in ("footprint_code", "footprint_number", "footprint_name", "ward_code", "ward_name", "located_at"):
            setattr(opportunity, name, getattr(organisation, name))
    else:
        apply_area(opportunity, locator.locate(opportunity.lat, opportunity.lon))
    session.add(opportunity)
    session.flush()
    return opportunity


def get_opportunity(session: Session, opportunity_id: uuid.UUID) -> Opportunity:
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise OpportunityNotFound(f"No opportunity {opportunity_id}.")
    return opportunity


def places_taken(session: Session, opportunity_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Places held per opportunity, counted from the ledger (flexible ones: the most held on any one day)."""
    if not opportunity_ids:
        return {}
    per_day = (
        select(Booking.opportunity_id, Booking.day, func.count().label("n"))
        .where(Booking.opportunity_id.in_(opportunity_ids), Booking.status.in_(PLACE_HOLDING))  # type: ignore[union-attr,attr-defined]
        .group_by(Booking.opportunity_id, Booking.day)
        .subquery()
    )
    rows = session.exec(select(per_day.c.opportunity_id, func.max(per_day.c.n)).group_by(per_day.c.opportunity_id))
    return {row[0]: int(row[1]) for row in rows}


def waitlist_counts(session: Session, opportunity_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not opportunity_ids:
        return {}
    rows = session.exec(
        select(Booking.opportunity_id, func.count())
        .where(Booking.opportunity_id.in_(opportunity_ids), Booking.status == "waitlisted")  # type: ignore[union-attr]
        .group_by(Booking.opportunity_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def london_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LONDON)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)


def find_opportunities(
    session: Session,
    *,
    on: date | None,
    footprint: str | None,
    skill: str | None,
    min_places_left: int | None,
    include_past: bool,
    now: datetime,
) -> list[Opportunity]:
    query = select(Opportunity).where(Opportunity.status == "published")
    if on is not None:
        start, end = london_day_bounds(on)
        dated = (Opportunity.starts_at >= start) & (Opportunity.starts_at < end)  # type: ignore[operator]
        query = query.where(or_(dated, Opportunity.starts_at.is_(None)))  # type: ignore[union-attr]
    elif not include_past:
        query = query.where(or_(Opportunity.starts_at.is_(None), Opportunity.starts_at >= now))  # type: ignore[union-attr,operator]
    if footprint:
        query = query.where(Opportunity.footprint_code == footprint)
    opportunities = list(session.exec(query.order_by(Opportunity.starts_at, Opportunity.title)))
    if skill:
        # Skills are a short JSON list; filtering here keeps one query for both backends.
        opportunities = [o for o in opportunities if skill in (o.skills or [])]
    if min_places_left is not None:
        taken = places_taken(session, [o.id for o in opportunities])
        opportunities = [o for o in opportunities if o.places - taken.get(o.id, 0) >= min_places_left]
    return opportunities
