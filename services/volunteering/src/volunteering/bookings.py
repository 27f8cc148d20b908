"""Booking, logging, cancelling and manager decisions: every new line of the ledger and the moves people ask for.

Every status change goes through `moves.move` (the state table); promotion from the waiting list lives in
`waiting_list`, attendance in `attendance`, and the lock order in `locks`: counts are read after the locks, from
the ledger.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Session, select

from deal_shared.volunteering import (
    Amount,
    Attendance,
    BookingCreate,
    BookingDecision,
    BookingStatus,
    VolunteeringLog,
)
from volunteering import ledger
from volunteering.catalogue import LONDON, PLACE_HOLDING, get_organisation
from volunteering.config import Settings
from volunteering.errors import (
    AlreadyBooked,
    BookingNotFound,
    EntitlementExceeded,
    InvalidBookingTime,
    NotEmployed,
    OpportunityClosed,
    OpportunityFull,
    ReasonRequired,
)
from volunteering.leave import leave_year_of
from volunteering.locks import lock_opportunity, lock_profile, relock_booking
from volunteering.models import Booking, Opportunity, StaffProfile
from volunteering.moves import Step, begin, check_move, first_decision, move
from volunteering.waiting_list import held_places, next_waitlist_seq, promote

FIRST_YEAR, LAST_YEAR = 2000, 2100


def minutes_for(settings: Settings, *, amount: Amount, hours: float | None) -> int:
    day = settings.standard_day_minutes
    if amount is Amount.day:
        return day
    if amount is Amount.half_day:
        return day // 2
    if hours is None:
        raise InvalidBookingTime("amount=hours needs `hours`.")
    minutes = round(hours * 60)
    if minutes % 15 or abs(hours * 60 - minutes) > 1e-6:
        raise InvalidBookingTime("Book hours in quarter hours (e.g. 1.5, 2.25).", hours=hours)
    if minutes <= 0:
        raise InvalidBookingTime("Book at least a quarter of an hour.", hours=hours)
    if minutes > day:
        raise InvalidBookingTime(f"One booking takes at most a standard day ({day / 60:g} hours).", hours=hours)
    return minutes


def _check_employed(profile: StaffProfile, day: date) -> None:
    # Bounds keep leave-year arithmetic inside the calendar, whatever date a client sends.
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidBookingTime(f"Volunteering is booked for {FIRST_YEAR} to {LAST_YEAR}.", date=day.isoformat())
    if (profile.start_date and day < profile.start_date) or (profile.leave_date and day > profile.leave_date):
        raise NotEmployed(f"{profile.name} is not employed on {day.isoformat()}.", date=day.isoformat())


def _check_entitlement(session: Session, settings: Settings, profile: StaffProfile, day: date, minutes: int) -> int:
    year = leave_year_of(day, settings.leave_year)
    figures = ledger.entitlement(session, settings, profile, year)
    if minutes > figures.remaining_minutes:
        raise EntitlementExceeded(
            f"This needs {minutes / 60:g} hours but {figures.remaining_minutes / 60:g} are left in {year.label}.",
            needed_hours=round(minutes / 60, 2),
            remaining_hours=round(figures.remaining_minutes / 60, 2),
        )
    return year.start_year


def _booking_day(opportunity: Opportunity, requested: date | None, today: date) -> date:
    if opportunity.starts_at is not None:
        day = opportunity.starts_at.astimezone(LONDON).date()
        if requested is not None and requested != day:
            raise InvalidBookingTime(f"This opportunity is on {day.isoformat()}, not {requested.isoformat()}.")
        return day
    if requested is None:
        raise InvalidBookingTime("This opportunity is flexible: give the `date` you will volunteer.")
    if requested < today:
        raise InvalidBookingTime("Book a flexible opportunity for today or later.")
    return requested


def book(session: Session, settings: Settings, *, subject: str, body: BookingCreate, now: datetime) -> Booking:
    profile = lock_profile(session, subject)
    opportunity = lock_opportunity(session, body.opportunity_id)
    if opportunity.status != "published":
        raise OpportunityClosed("This opportunity is no longer open for booking.")
    if opportunity.starts_at is not None and opportunity.starts_at <= now:
        raise OpportunityClosed("This opportunity has already started.")
    day = _booking_day(opportunity, body.date, now.astimezone(LONDON).date())
    minutes = minutes_for(settings, amount=body.amount, hours=body.hours)
    _check_employed(profile, day)
    duplicate = session.exec(
        select(Booking.id).where(
            Booking.staff_subject == subject,
            Booking.opportunity_id == opportunity.id,
            Booking.day == day,
            Booking.status.in_(ledger.HOLDING),  # type: ignore[attr-defined]
        )
    ).first()
    if duplicate is not None:
        raise AlreadyBooked("You are already booked (or waiting) on this opportunity.", booking_id=str(duplicate))
    year = _check_entitlement(session, settings, profile, day, minutes)
    booking = Booking(
        staff_subject=subject,
        opportunity_id=opportunity.id,
        organisation_id=opportunity.organisation_id,
        day=day,
        leave_year=year,
        minutes=minutes,
        status=BookingStatus.requested,
    )
    if held_places(session, opportunity, day) >= opportunity.places:
        if not body.join_waitlist:
            raise OpportunityFull("Every place is taken.", places=opportunity.places)
        begin(booking, BookingStatus.waitlisted)
        booking.waitlist_seq = next_waitlist_seq(session, opportunity.id)
    else:
        begin(booking, first_decision(session, profile))
    session.add(booking)
    session.flush()
    return booking


def log_volunteering(session: Session, settings: Settings, *, subject: str, body: VolunteeringLog, now: datetime):
    profile = lock_profile(session, subject)
    organisation = get_organisation(session, body.organisation_id)
    if body.date > now.astimezone(LONDON).date():
        raise InvalidBookingTime("Log volunteering once it is done; book future days through an opportunity.")
    minutes = minutes_for(settings, amount=body.amount, hours=body.hours)
    _check_employed(profile, body.date)
    year = _check_entitlement(session, settings, profile, body.date, minutes)
    booking = Booking(
        staff_subject=subject,
        organisation_id=organisation.id,
        day=body.date,
        leave_year=year,
        minutes=minutes,
        status=BookingStatus.requested,
        attendance=Attendance.attended,
        minutes_given=minutes,
        impact_note=body.impact_note,
    )
    begin(booking, first_decision(session, profile))
    session.add(booking)
    session.flush()
    return booking


def get_booking(session: Session, booking_id: uuid.UUID) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise BookingNotFound(f"No booking {booking_id}.")
    return booking


def cancel(session: Session, *, booking: Booking) -> Booking:
    booking = relock_booking(session, booking)
    held_place = booking.status in PLACE_HOLDING
    move(session, booking, to=BookingStatus.cancelled, step=Step.cancel)
    session.flush()
    if held_place and booking.opportunity_id is not None:
        promote(session, booking.opportunity_id, booking.day)
    return booking


def cancel_opportunity(session: Session, *, opportunity_id: uuid.UUID, reason: str) -> Opportunity:
    """The organiser calls the day off: every booking and waiting place is cancelled, returning the time."""
    opportunity = lock_opportunity(session, opportunity_id)
    if opportunity.status != "published":
        raise OpportunityClosed("This opportunity is already cancelled.")
    opportunity.status = "cancelled"
    session.add(opportunity)
    holding = session.exec(
        select(Booking).where(
            Booking.opportunity_id == opportunity_id,
            Booking.status.in_(ledger.HOLDING),  # type: ignore[attr-defined]
            Booking.attendance.is_(None),  # type: ignore[union-attr]
        )
    )
    for booking in holding:
        move(session, booking, to=BookingStatus.cancelled, step=Step.cancel)
        booking.decision_reason = reason
    session.flush()
    return opportunity


def decide(session: Session, *, booking: Booking, decision: BookingDecision, by: str) -> Booking:
    booking = relock_booking(session, booking)
    to = BookingStatus.approved if decision.approve else BookingStatus.declined
    # The state is checked before the reason, so a booking already decided is told so whatever the body says.
    check_move(booking, to=to, step=Step.decide)
    if not decision.approve and not (decision.reason and decision.reason.strip()):
        raise ReasonRequired("Say why the booking is declined.")
    move(session, booking, to=to, step=Step.decide)
    booking.decision_reason = decision.reason
    booking.decided_by = by
    booking.decided_at = booking.updated_at
    session.flush()
    if not decision.approve and booking.opportunity_id is not None:
        promote(session, booking.opportunity_id, booking.day)
    return booking


def bookings_of(session: Session, subject: str) -> list[Booking]:
    query = select(Booking).where(Booking.staff_subject == subject).order_by(Booking.day.desc(), Booking.created_at)  # type: ignore[attr-defined]
    return list(session.exec(query))


def pending_for_manager(session: Session, *, manager: str | None) -> list[Booking]:
    """Requested bookings of the manager's direct reports (every one, for an administrator: manager=None)."""
    query = (
        select(Booking)
        .join(StaffProfile, StaffProfile.subject == Booking.staff_subject)
        .where(Booking.status == BookingStatus.requested)
        .order_by(Booking.day, Booking.created_at)
    )
    if manager is not None:
        query = query.where(StaffProfile.line_manager_subject == manager)
    return list(session.exec(query))


def team_that_day(session: Session, *, booking: Booking, team: str) -> list[tuple[Booking, StaffProfile]]:
    rows = session.exec(
        select(Booking, StaffProfile)
        .join(StaffProfile, StaffProfile.subject == Booking.staff_subject)
        .where(
            StaffProfile.team == team,
            Booking.day == booking.day,
            Booking.staff_subject != booking.staff_subject,
            Booking.status.in_(PLACE_HOLDING),  # type: ignore[attr-defined]
        )
        .order_by(StaffProfile.name)
    )
    return [(b, p) for b, p in rows]
