"""Booking, cancelling, the waiting list, manager decisions and attendance: every change to the ledger.

Concurrency: a booking locks the member of staff's profile row first (one person booking twice at once queue), then
the opportunity row (many people booking the last places queue); counts are read after both locks, from the ledger.
Other changes lock the opportunity only, so the lock order can never form a cycle.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from deal_shared.db import utcnow
from deal_shared.volunteering import (
    Amount,
    Attendance,
    AttendanceRecord,
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
    BookingStateConflict,
    EntitlementExceeded,
    InvalidBookingTime,
    NotEmployed,
    OpportunityClosed,
    OpportunityFull,
    OpportunityNotFound,
    ReasonRequired,
    StaffProfileNotFound,
)
from volunteering.leave import leave_year_of
from volunteering.locks import lock_row
from volunteering.models import Booking, Opportunity, StaffProfile
from volunteering.staff import auto_approves

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


def _lock_profile(session: Session, subject: str) -> StaffProfile:
    profile = lock_row(session, StaffProfile, StaffProfile.subject, subject)
    if profile is None:
        raise StaffProfileNotFound(
            f"There is no volunteering profile for {subject!r}; ask an administrator to add one.", subject=subject
        )
    return profile


def _lock_opportunity(session: Session, opportunity_id: uuid.UUID) -> Opportunity:
    opportunity = lock_row(session, Opportunity, Opportunity.id, opportunity_id)
    if opportunity is None:
        raise OpportunityNotFound(f"No opportunity {opportunity_id}.")
    return opportunity


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


def _held_places(session: Session, opportunity: Opportunity, day: date) -> int:
    query = select(func.count()).where(
        Booking.opportunity_id == opportunity.id,
        Booking.status.in_(PLACE_HOLDING),  # type: ignore[attr-defined]
    )
    if opportunity.starts_at is None:
        query = query.where(Booking.day == day)
    return session.exec(query).one()


def _next_waitlist_seq(session: Session, opportunity_id: uuid.UUID) -> int:
    current = session.exec(select(func.max(Booking.waitlist_seq)).where(Booking.opportunity_id == opportunity_id))
    return (current.one() or 0) + 1


def _first_status(session: Session, profile: StaffProfile) -> BookingStatus:
    return BookingStatus.approved if auto_approves(session, profile.directorate) else BookingStatus.requested


def _auto_decide(booking: Booking, status: BookingStatus) -> None:
    booking.status = status
    if status is BookingStatus.approved:
        booking.decided_by = "auto-approval"
        booking.decided_at = utcnow()


def book(session: Session, settings: Settings, *, subject: str, body: BookingCreate, now: datetime) -> Booking:
    profile = _lock_profile(session, subject)
    opportunity = _lock_opportunity(session, body.opportunity_id)
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
    if _held_places(session, opportunity, day) >= opportunity.places:
        if not body.join_waitlist:
            raise OpportunityFull("Every place is taken.", places=opportunity.places)
        booking.status = BookingStatus.waitlisted
        booking.waitlist_seq = _next_waitlist_seq(session, opportunity.id)
    else:
        _auto_decide(booking, _first_status(session, profile))
    session.add(booking)
    session.flush()
    return booking


def log_volunteering(session: Session, settings: Settings, *, subject: str, body: VolunteeringLog, now: datetime):
    profile = _lock_profile(session, subject)
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
    _auto_decide(booking, _first_status(session, profile))
    session.add(booking)
    session.flush()
    return booking


def get_booking(session: Session, booking_id: uuid.UUID) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise BookingNotFound(f"No booking {booking_id}.")
    return booking


def _relock(session: Session, booking: Booking) -> Booking:
    """Lock the booking's opportunity, then re-read the booking so its state is the committed one."""
    if booking.opportunity_id is not None:
        _lock_opportunity(session, booking.opportunity_id)
    fresh = lock_row(session, Booking, Booking.id, booking.id)
    assert fresh is not None  # bookings are never deleted
    return fresh


def _promote_waitlist(session: Session, opportunity_id: uuid.UUID, day: date) -> Booking | None:
    """Give a freed place to the first person waiting (the opportunity is already locked)."""
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.status != "published":
        return None
    if _held_places(session, opportunity, day) >= opportunity.places:
        return None
    query = select(Booking).where(Booking.opportunity_id == opportunity_id, Booking.status == "waitlisted")
    if opportunity.starts_at is None:
        query = query.where(Booking.day == day)
    waiting = session.exec(query.order_by(Booking.waitlist_seq)).first()
    if waiting is None:
        return None
    profile = session.get(StaffProfile, waiting.staff_subject)
    assert profile is not None
    _auto_decide(waiting, _first_status(session, profile))
    waiting.waitlist_seq = None
    waiting.updated_at = utcnow()
    session.add(waiting)
    session.flush()
    return waiting


def cancel(session: Session, *, booking: Booking) -> Booking:
    booking = _relock(session, booking)
    if booking.status not in ledger.HOLDING or booking.attendance is not None:
        raise BookingStateConflict(
            f"A booking that is {booking.status} cannot be cancelled.", booking_status=booking.status
        )
    held_place = booking.status in PLACE_HOLDING
    booking.status = BookingStatus.cancelled
    booking.waitlist_seq = None
    booking.updated_at = utcnow()
    session.add(booking)
    session.flush()
    if held_place and booking.opportunity_id is not None:
        _promote_waitlist(session, booking.opportunity_id, booking.day)
    return booking


def cancel_opportunity(session: Session, *, opportunity_id: uuid.UUID, reason: str) -> Opportunity:
    """The organiser calls the day off: every booking and waiting place is cancelled, returning the time."""
    opportunity = _lock_opportunity(session, opportunity_id)
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
        booking.status = BookingStatus.cancelled
        booking.waitlist_seq = None
        booking.decision_reason = reason
        booking.updated_at = utcnow()
        session.add(booking)
    session.flush()
    return opportunity


def decide(session: Session, *, booking: Booking, decision: BookingDecision, by: str) -> Booking:
    booking = _relock(session, booking)
    if booking.status != BookingStatus.requested:
        raise BookingStateConflict(f"Only a requested booking can be decided; this one is {booking.status}.")
    if not decision.approve and not (decision.reason and decision.reason.strip()):
        raise ReasonRequired("Say why the booking is declined.")
    booking.status = BookingStatus.approved if decision.approve else BookingStatus.declined
    booking.decision_reason = decision.reason
    booking.decided_by = by
    booking.decided_at = utcnow()
    booking.updated_at = booking.decided_at
    session.add(booking)
    session.flush()
    if not decision.approve and booking.opportunity_id is not None:
        _promote_waitlist(session, booking.opportunity_id, booking.day)
    return booking


def record_attendance(session: Session, *, booking: Booking, record: AttendanceRecord, now: datetime) -> Booking:
    booking = _relock(session, booking)
    if booking.status != BookingStatus.approved:
        raise BookingStateConflict(f"Attendance is recorded on approved bookings; this one is {booking.status}.")
    if booking.day > now.astimezone(LONDON).date():
        raise BookingStateConflict("Attendance is confirmed on or after the day.")
    given = 0
    if record.attendance is Attendance.attended:
        given = booking.minutes if record.hours_given is None else round(record.hours_given * 60)
        if given > booking.minutes:
            raise InvalidBookingTime(
                f"Hours given ({given / 60:g}) exceed the hours booked ({booking.minutes / 60:g}).",
                hours_booked=round(booking.minutes / 60, 2),
            )
    booking.attendance = record.attendance
    booking.minutes_given = given
    booking.impact_note = record.impact_note if record.impact_note is not None else booking.impact_note
    booking.updated_at = utcnow()
    session.add(booking)
    session.flush()
    return booking


def waitlist_position(session: Session, booking: Booking) -> int | None:
    if booking.status != BookingStatus.waitlisted or booking.waitlist_seq is None:
        return None
    ahead = session.exec(
        select(func.count()).where(
            Booking.opportunity_id == booking.opportunity_id,
            Booking.status == "waitlisted",
            Booking.waitlist_seq < booking.waitlist_seq,  # type: ignore[operator]
        )
    ).one()
    return ahead + 1


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
