"""iCalendar exports: one booking, and each person's secret subscribable feed."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from sqlmodel import Session

from deal_shared.auth import StaffPrincipal
from volunteering import bookings, staff
from volunteering.api.bookings import check_booking_access
from volunteering.api.deps import IdempotentRoute
from volunteering.db import SessionDep
from volunteering.errors import StaffProfileNotFound
from volunteering.ical import UID_DOMAIN, CalendarEvent, calendar
from volunteering.models import Booking, Opportunity, Organisation

router = APIRouter(route_class=IdempotentRoute, tags=["calendar"])
ICS = "text/calendar; charset=utf-8"


def event_for(session: Session, booking: Booking) -> CalendarEvent:
    organisation = session.get(Organisation, booking.organisation_id)
    opportunity = session.get(Opportunity, booking.opportunity_id) if booking.opportunity_id else None
    org_name = organisation.name if organisation else "community organisation"
    title = opportunity.title if opportunity else "Volunteering"
    place = opportunity or organisation
    hours = booking.minutes / 60
    description = f"Volunteering day with {org_name}: {hours:g} hours of your entitlement. Booking {booking.status}."
    if opportunity and opportunity.accessibility_notes:
        description += f"\nAccessibility: {opportunity.accessibility_notes}"
    return CalendarEvent(
        uid=f"booking-{booking.id}@{UID_DOMAIN}",
        summary=f"Volunteering: {title} ({org_name})",
        description=description,
        status=booking.status,
        day=booking.day,
        starts_at=opportunity.starts_at if opportunity else None,
        ends_at=opportunity.ends_at if opportunity else None,
        location=place.address if place else None,
        geo=(place.lat, place.lon) if place else None,
        last_modified=booking.updated_at,
    )


@router.get("/v1/bookings/{booking_id}/calendar.ics", response_class=Response, summary="One booking as iCalendar")
def booking_ics(booking_id: UUID, session: SessionDep, principal: StaffPrincipal) -> Response:
    """The booking as an iCalendar file to add to a calendar; for its booker, their line manager or an administrator."""
    booking = bookings.get_booking(session, booking_id)
    check_booking_access(session, principal, booking)
    body = calendar([event_for(session, booking)])
    headers = {"Content-Disposition": f'attachment; filename="volunteering-{booking.id}.ics"'}
    return Response(body, media_type=ICS, headers=headers)


@router.get("/v1/calendar/{token}.ics", response_class=Response, summary="A person's feed; the token is the secret")
def feed(token: str, session: SessionDep) -> Response:
    """Every booking of the feed's owner as iCalendar, for calendar applications that cannot sign in: the token in the
    address is the only secret (see `GET /v1/me/calendar`). An unknown token is 404.
    """
    profile = staff.profile_by_calendar_token(session, token)
    if profile is None:
        raise StaffProfileNotFound("No calendar feed at this address.")
    events = [event_for(session, b) for b in bookings.bookings_of(session, profile.subject)]
    body = calendar(events, name=f"Volunteering: {profile.name}")
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})
