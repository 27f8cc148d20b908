"""Rows to wire models: the only place storage shapes turn into the contract in deal_shared.volunteering."""

from __future__ import annotations

from sqlmodel import Session, select

from deal_shared.volunteering import (
    Area,
    BookingPublic,
    Entitlement,
    Location,
    OpportunityPublic,
    OrganisationPublic,
    StaffProfilePublic,
    SuggestionSource,
)
from volunteering.catalogue import places_taken, waitlist_counts
from volunteering.config import Settings
from volunteering.leave import fte
from volunteering.ledger import EntitlementFigures
from volunteering.models import Booking, Opportunity, Organisation, StaffProfile
from volunteering.waiting_list import waitlist_position


def hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def area(row: Organisation | Opportunity) -> Area:
    return Area(
        footprint_code=row.footprint_code,
        footprint_number=row.footprint_number,
        footprint_name=row.footprint_name,
        ward_code=row.ward_code,
        ward_name=row.ward_name,
        located=row.located_at is not None,
    )


def profile_public(profile: StaffProfile, settings: Settings) -> StaffProfilePublic:
    return StaffProfilePublic(
        subject=profile.subject,
        name=profile.name,
        email=profile.email,
        directorate=profile.directorate,
        team=profile.team,
        line_manager_subject=profile.line_manager_subject,
        contracted_weekly_hours=profile.contracted_weekly_hours,
        start_date=profile.start_date,
        leave_date=profile.leave_date,
        fte=round(fte(profile.contracted_weekly_hours, settings.full_time_weekly_hours), 4),
    )


def organisation_public(organisation: Organisation) -> OrganisationPublic:
    return OrganisationPublic(
        id=organisation.id,
        name=organisation.name,
        charity_number=organisation.charity_number,
        contact_name=organisation.contact_name,
        contact_email=organisation.contact_email,
        contact_phone=organisation.contact_phone,
        address=organisation.address,
        location=Location(lat=organisation.lat, long=organisation.lon),
        area=area(organisation),
        created_at=organisation.created_at,
    )


def opportunities_public(session: Session, opportunities: list[Opportunity]) -> list[OpportunityPublic]:
    ids = [o.id for o in opportunities]
    taken = places_taken(session, ids)
    waiting = waitlist_counts(session, ids)
    organisation_ids = {o.organisation_id for o in opportunities}
    query = select(Organisation).where(Organisation.id.in_(organisation_ids))  # type: ignore[attr-defined]
    names = {organisation.id: organisation.name for organisation in session.exec(query)}
    return [
        OpportunityPublic(
            id=o.id,
            organisation_id=o.organisation_id,
            organisation_name=names.get(o.organisation_id, ""),
            title=o.title,
            description=o.description,
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            flexible=o.starts_at is None,
            places=o.places,
            places_left=max(0, o.places - taken.get(o.id, 0)),
            waitlist_count=waiting.get(o.id, 0),
            skills=list(o.skills or []),
            location=Location(lat=o.lat, long=o.lon),
            address=o.address,
            accessibility_notes=o.accessibility_notes,
            area=area(o),
            status=o.status,
            suggested_from=SuggestionSource.model_validate(o.suggested_from) if o.suggested_from else None,
            created_at=o.created_at,
        )
        for o in opportunities
    ]


def booking_public(session: Session, booking: Booking) -> BookingPublic:
    profile = session.get(StaffProfile, booking.staff_subject)
    organisation = session.get(Organisation, booking.organisation_id)
    opportunity = session.get(Opportunity, booking.opportunity_id) if booking.opportunity_id else None
    return BookingPublic(
        id=booking.id,
        staff_subject=booking.staff_subject,
        staff_name=profile.name if profile else booking.staff_subject,
        opportunity_id=booking.opportunity_id,
        opportunity_title=opportunity.title if opportunity else None,
        organisation_id=booking.organisation_id,
        organisation_name=organisation.name if organisation else "",
        date=booking.day,
        starts_at=opportunity.starts_at if opportunity else None,
        ends_at=opportunity.ends_at if opportunity else None,
        hours=hours(booking.minutes) or 0.0,
        status=booking.status,
        waitlist_position=waitlist_position(session, booking),
        attendance=booking.attendance,
        hours_given=hours(booking.minutes_given),
        impact_note=booking.impact_note,
        decision_reason=booking.decision_reason,
        decided_by=booking.decided_by,
        decided_at=booking.decided_at,
        leave_year=booking.leave_year,
        created_at=booking.created_at,
    )


def entitlement_public(profile: StaffProfile, figures: EntitlementFigures, settings: Settings) -> Entitlement:
    return Entitlement(
        subject=profile.subject,
        name=profile.name,
        leave_year=figures.year.start_year,
        leave_year_label=figures.year.label,
        starts_on=figures.year.starts_on,
        ends_on=figures.year.ends_on,
        fte=round(figures.fte, 4),
        employed_fraction=round(figures.employed_fraction, 4),
        entitlement_hours=hours(figures.total_minutes) or 0.0,
        carried_over_hours=hours(figures.carried_minutes) or 0.0,
        booked_hours=hours(figures.booked_minutes) or 0.0,
        taken_hours=hours(figures.taken_minutes) or 0.0,
        remaining_hours=hours(figures.remaining_minutes) or 0.0,
        remaining_days=round(figures.remaining_minutes / settings.standard_day_minutes, 2),
        standard_day_hours=round(settings.standard_day_minutes / 60, 2),
    )
