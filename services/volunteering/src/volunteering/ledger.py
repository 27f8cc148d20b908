"""Entitlement figures summed from the booking ledger: what a person has, has booked, has given, has left."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from deal_shared.volunteering import Attendance, BookingStatus
from volunteering.config import Settings
from volunteering.leave import LeaveYear, base_entitlement_minutes, employed_days, fte, leave_year
from volunteering.models import Booking, StaffProfile

# A booking holds entitlement from the moment it is asked for, including on the waiting list, so a place that
# frees up can always be given to the next person without checking their entitlement again.
HOLDING = (BookingStatus.waitlisted.value, BookingStatus.requested.value, BookingStatus.approved.value)


def consumed_minutes(booking: Booking) -> int:
    """Minutes of entitlement the booking uses now."""
    if booking.status not in HOLDING or booking.attendance == Attendance.no_show:
        return 0
    if booking.attendance == Attendance.attended and booking.minutes_given is not None:
        return booking.minutes_given
    return booking.minutes


def is_taken(booking: Booking) -> bool:
    return booking.status == BookingStatus.approved and booking.attendance == Attendance.attended


@dataclass(frozen=True)
class EntitlementFigures:
    year: LeaveYear
    fte: float
    employed_fraction: float
    base_minutes: int
    carried_minutes: int
    booked_minutes: int
    taken_minutes: int

    @property
    def total_minutes(self) -> int:
        return self.base_minutes + self.carried_minutes

    @property
    def remaining_minutes(self) -> int:
        return self.total_minutes - self.booked_minutes - self.taken_minutes


def _bookings(session: Session, subject: str, start_year: int) -> list[Booking]:
    query = select(Booking).where(Booking.staff_subject == subject, Booking.leave_year == start_year)
    return list(session.exec(query))


def _base(settings: Settings, profile: StaffProfile, year: LeaveYear) -> int:
    return base_entitlement_minutes(
        year,
        days_per_year=settings.days_per_year,
        standard_day_minutes=settings.standard_day_minutes,
        contracted_weekly_hours=profile.contracted_weekly_hours,
        full_time_weekly_hours=settings.full_time_weekly_hours,
        start_date=profile.start_date,
        leave_date=profile.leave_date,
    )


def _carried(session: Session, settings: Settings, profile: StaffProfile, year: LeaveYear) -> int:
    """Unused minutes of the year before, up to the configured cap (none by default); carried once, not chained."""
    cap = round(settings.carry_over_max_days * settings.standard_day_minutes)
    if cap == 0:
        return 0
    previous = leave_year(year.start_year - 1, settings.leave_year)
    if employed_days(previous, start_date=profile.start_date, leave_date=profile.leave_date) == 0:
        return 0
    used = sum(consumed_minutes(b) for b in _bookings(session, profile.subject, previous.start_year))
    return max(0, min(cap, _base(settings, profile, previous) - used))


def entitlement(session: Session, settings: Settings, profile: StaffProfile, year: LeaveYear) -> EntitlementFigures:
    bookings = _bookings(session, profile.subject, year.start_year)
    taken = sum(consumed_minutes(b) for b in bookings if is_taken(b))
    booked = sum(consumed_minutes(b) for b in bookings if not is_taken(b))
    days = employed_days(year, start_date=profile.start_date, leave_date=profile.leave_date)
    return EntitlementFigures(
        year=year,
        fte=fte(profile.contracted_weekly_hours, settings.full_time_weekly_hours),
        employed_fraction=days / year.days,
        base_minutes=_base(settings, profile, year),
        carried_minutes=_carried(session, settings, profile, year),
        booked_minutes=booked,
        taken_minutes=taken,
    )
