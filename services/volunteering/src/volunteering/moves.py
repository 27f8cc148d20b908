"""A booking's states as a table, and `move`: the one way any part of Volunteering changes a booking's status.

A booking is born waitlisted, requested or approved (`FIRST_STATUSES`); from then on its status changes only by a
step in `TRANSITIONS`. Bookings keep no audit trail and raise no events: `move` checks the step, sets the status
and stamps the booking; the caller adds what the step decides (a reason, who decided) and flushes.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session

from deal_shared.db import utcnow
from deal_shared.volunteering import BookingStatus
from volunteering.errors import BookingStateConflict
from volunteering.models import Booking, StaffProfile
from volunteering.staff import auto_approves

S = BookingStatus


class Step(StrEnum):
    """Why a booking moves: each allowed move is taken by exactly one step."""

    promote = "promote"  # a freed place goes to the first person waiting
    decide = "decide"  # the line manager (or an administrator) approves or declines
    cancel = "cancel"  # the booker, their manager, an administrator or the organiser calls it off


FIRST_STATUSES = frozenset({S.waitlisted, S.requested, S.approved})
AUTO_APPROVER = "auto-approval"

# Each status, the statuses it may move to, and the step that takes it there. Nothing moves onto the waiting list
# (only a new booking joins it), and a declined or cancelled booking is finished: a new request is a new booking.
TRANSITIONS: dict[BookingStatus, dict[BookingStatus, Step]] = {
    S.waitlisted: {S.requested: Step.promote, S.approved: Step.promote, S.cancelled: Step.cancel},
    S.requested: {S.approved: Step.decide, S.declined: Step.decide, S.cancelled: Step.cancel},
    S.approved: {S.cancelled: Step.cancel},
    S.declined: {},
    S.cancelled: {},
}


def first_decision(session: Session, profile: StaffProfile) -> BookingStatus:
    """What a place given to `profile` starts as: approved where their directorate auto-approves, else requested."""
    return S.approved if auto_approves(session, profile.directorate) else S.requested


def _stamp_decision(booking: Booking, status: BookingStatus) -> None:
    if status is S.approved:
        booking.decided_by = AUTO_APPROVER
        booking.decided_at = utcnow()


def begin(booking: Booking, status: BookingStatus) -> Booking:
    """Give a new booking (not yet in the session) its first status; auto-approval is recorded as its decision."""
    if status not in FIRST_STATUSES:
        raise ValueError(f"A booking is never born {status}.")
    booking.status = status.value
    _stamp_decision(booking, status)
    return booking


def _refusal(step: Step, current: BookingStatus) -> BookingStateConflict:
    if step is Step.cancel:
        return BookingStateConflict(f"A booking that is {current} cannot be cancelled.", booking_status=current.value)
    if step is Step.decide:
        return BookingStateConflict(f"Only a requested booking can be decided; this one is {current}.")
    return BookingStateConflict(f"Only a waitlisted booking is given a freed place; this one is {current}.")


def check_move(booking: Booking, *, to: BookingStatus, step: Step) -> None:
    """Raise `BookingStateConflict` (409) unless `step` may take `booking` to `to` now."""
    current = BookingStatus(booking.status)
    allowed = TRANSITIONS[current].get(to) is step
    # Time given is never handed back: once attendance is recorded (or volunteering was logged as done), the
    # booking can no longer be cancelled, whatever its status.
    if step is Step.cancel and booking.attendance is not None:
        allowed = False
    if not allowed:
        raise _refusal(step, current)


def move(session: Session, booking: Booking, *, to: BookingStatus, step: Step) -> Booking:
    """Move `booking` to `to` by `step` in `session`, or raise `BookingStateConflict`; the caller flushes."""
    check_move(booking, to=to, step=step)
    booking.status = to.value
    # No move leads onto the waiting list, so every move takes the booking off it.
    booking.waitlist_seq = None
    booking.updated_at = utcnow()
    if step is Step.promote:
        _stamp_decision(booking, to)
    session.add(booking)
    return booking
