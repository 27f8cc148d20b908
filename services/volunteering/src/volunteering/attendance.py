"""Attendance: what an approved booking actually gave, recorded on or after the day (not a move of its status)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from deal_shared.db import utcnow
from deal_shared.volunteering import Attendance, AttendanceRecord, BookingStatus
from volunteering.catalogue import LONDON
from volunteering.errors import BookingStateConflict, InvalidBookingTime
from volunteering.locks import relock_booking
from volunteering.models import Booking


def record_attendance(session: Session, *, booking: Booking, record: AttendanceRecord, now: datetime) -> Booking:
    booking = relock_booking(session, booking)
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
