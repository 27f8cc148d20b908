"""/v1/bookings and /v1/approvals: book, log, cancel, decide, confirm attendance."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from deal_shared.auth import Principal, Role, StaffPrincipal
from deal_shared.volunteering import (
    ApprovalItem,
    AttendanceRecord,
    BookingCreate,
    BookingDecision,
    BookingPublic,
    TeamDay,
    VolunteeringLog,
)
from volunteering import absences, attendance, bookings, ledger, presenters, staff
from volunteering.api.deps import IdempotentRoute, NowDep, SettingsDep
from volunteering.db import SessionDep
from volunteering.errors import NotLineManager, NotYourBooking
from volunteering.leave import leave_year
from volunteering.models import Booking

router = APIRouter(route_class=IdempotentRoute, tags=["bookings"])


def check_booking_access(session, principal: Principal, booking: Booking, *, owner_may: bool = True) -> None:
    profile = staff.get_profile(session, booking.staff_subject)
    if owner_may and principal.subject == booking.staff_subject:
        return
    if principal.subject == profile.line_manager_subject or principal.has_any(Role.admin):
        return
    raise NotYourBooking("This booking belongs to someone else.")


@router.post("/v1/bookings", status_code=201, response_model=BookingPublic, summary="Book a place (or join the list)")
def create_booking(
    body: BookingCreate, session: SessionDep, principal: StaffPrincipal, settings: SettingsDep, now: NowDep
) -> BookingPublic:
    """Books the caller a place on an opportunity, for their line manager to approve (or approved at once where the
    directorate auto-approves). The booking holds its time against the entitlement: more than is left is 409
    `EntitlementExceeded`. When every place is taken it is 409 `OpportunityFull`, unless `join_waitlist` puts the
    caller on the waiting list. A second booking on the same opportunity is 409 `AlreadyBooked`; a closed or started
    opportunity is 409 `OpportunityClosed`.
    """
    booking = bookings.book(session, settings, subject=principal.subject, body=body, now=now)
    return presenters.booking_public(session, booking)


@router.post(
    "/v1/bookings/log", status_code=201, response_model=BookingPublic, summary="Log volunteering done elsewhere"
)
def log_volunteering(
    body: VolunteeringLog, session: SessionDep, principal: StaffPrincipal, settings: SettingsDep, now: NowDep
) -> BookingPublic:
    """Records volunteering already done with an organisation that listed no opportunity, as a request for the line
    manager to approve; a day in the future is 422 `InvalidBookingTime`.
    """
    booking = bookings.log_volunteering(session, settings, subject=principal.subject, body=body, now=now)
    return presenters.booking_public(session, booking)


@router.get(
    "/v1/bookings/{booking_id}",
    response_model=BookingPublic,
    summary="One booking (its booker, their line manager or an admin)",
)
def get_booking(booking_id: UUID, session: SessionDep, principal: StaffPrincipal) -> BookingPublic:
    """A booking with its opportunity and status; only its booker, their line manager or an administrator may see it
    (403 `NotYourBooking`).
    """
    booking = bookings.get_booking(session, booking_id)
    check_booking_access(session, principal, booking)
    return presenters.booking_public(session, booking)


@router.post("/v1/bookings/{booking_id}/cancel", response_model=BookingPublic, summary="Cancel: time and place return")
def cancel_booking(booking_id: UUID, session: SessionDep, principal: StaffPrincipal) -> BookingPublic:
    """Its booker, their line manager or an administrator cancels a booking still holding time: its time returns to the
    entitlement, and a place it held goes to the first person waiting. A booking past that (attended, declined,
    cancelled) is 409 `BookingStateConflict`.
    """
    booking = bookings.get_booking(session, booking_id)
    check_booking_access(session, principal, booking)
    return presenters.booking_public(session, bookings.cancel(session, booking=booking))


@router.post("/v1/bookings/{booking_id}/decision", response_model=BookingPublic, summary="Line manager approves")
def decide_booking(
    booking_id: UUID, body: BookingDecision, session: SessionDep, principal: StaffPrincipal
) -> BookingPublic:
    """The booker's line manager (or an administrator, never the booker) approves or declines a requested booking;
    declining needs a `reason` (422 `ReasonRequired`). A declined booking frees its place for the first person
    waiting; a booking not requested is 409 `BookingStateConflict`.
    """
    booking = bookings.get_booking(session, booking_id)
    if principal.subject == booking.staff_subject:
        raise NotLineManager("You cannot decide your own booking.")
    check_booking_access(session, principal, booking, owner_may=False)
    decided = bookings.decide(session, booking=booking, decision=body, by=principal.subject)
    return presenters.booking_public(session, decided)


@router.post("/v1/bookings/{booking_id}/attendance", response_model=BookingPublic, summary="After the day")
def record_attendance(
    booking_id: UUID, body: AttendanceRecord, session: SessionDep, principal: StaffPrincipal, now: NowDep
) -> BookingPublic:
    """On or after the day, the booker, their line manager or an administrator records an approved booking as `attended`
    (with the hours actually given, by default those booked) or `no_show`. Attended hours count as given; a no-show
    holds nothing.
    """
    booking = bookings.get_booking(session, booking_id)
    check_booking_access(session, principal, booking)
    return presenters.booking_public(
        session, attendance.record_attendance(session, booking=booking, record=body, now=now)
    )


@router.get("/v1/approvals", response_model=list[ApprovalItem], summary="Requests waiting for you, with the team's day")
def pending_approvals(session: SessionDep, principal: StaffPrincipal, settings: SettingsDep) -> list[ApprovalItem]:
    """Requests waiting for the caller's decision as line manager (every request, for administrators), each with the
    person's entitlement and who else in their team is volunteering or away that day.
    """
    manager = None if principal.has_any(Role.admin) else principal.subject
    items = []
    for booking in bookings.pending_for_manager(session, manager=manager):
        if booking.staff_subject == principal.subject:
            continue
        profile = staff.get_profile(session, booking.staff_subject)
        team = [
            TeamDay(subject=p.subject, name=p.name, status=b.status, hours=round(b.minutes / 60, 2))
            for b, p in bookings.team_that_day(session, booking=booking, team=profile.team)
        ]
        team += [
            TeamDay(subject=p.subject, name=p.name, away=a.kind)
            for a, p in absences.team_away(session, team=profile.team, day=booking.day, excluding=profile.subject)
        ]
        figures = ledger.entitlement(session, settings, profile, leave_year(booking.leave_year, settings.leave_year))
        items.append(
            ApprovalItem(
                booking=presenters.booking_public(session, booking),
                team_that_day=team,
                entitlement=presenters.entitlement_public(profile, figures, settings),
            )
        )
    return items
