"""Row locks that serialise bookings: SELECT ... FOR UPDATE on PostgreSQL, the database write lock on SQLite.

A booking locks the member of staff's profile row first (one person booking twice at once queue), then the
opportunity row (many people booking the last places queue); other changes lock the opportunity, then the booking.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, select

from volunteering.errors import OpportunityNotFound, StaffProfileNotFound
from volunteering.models import Booking, Opportunity, StaffProfile

T = TypeVar("T")


def lock_row(session: Session, model: type[T], key_column: Any, key: Any) -> T | None:
    """Load one row for update, so concurrent writers touching it queue behind this transaction.

    SQLite has no row locks: a no-op UPDATE takes the database's single write lock first, so every later read in
    this transaction sees a state no other writer can change before we commit.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.exec(update(model).where(key_column == key).values({key_column.key: key_column}))  # type: ignore[call-overload]
    query = select(model).where(key_column == key).with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def lock_profile(session: Session, subject: str) -> StaffProfile:
    profile = lock_row(session, StaffProfile, StaffProfile.subject, subject)
    if profile is None:
        raise StaffProfileNotFound(
            f"There is no volunteering profile for {subject!r}; ask an administrator to add one.", subject=subject
        )
    return profile


def lock_opportunity(session: Session, opportunity_id: uuid.UUID) -> Opportunity:
    opportunity = lock_row(session, Opportunity, Opportunity.id, opportunity_id)
    if opportunity is None:
        raise OpportunityNotFound(f"No opportunity {opportunity_id}.")
    return opportunity


def relock_booking(session: Session, booking: Booking) -> Booking:
    """Lock the booking's opportunity, then re-read the booking so its state is the committed one."""
    if booking.opportunity_id is not None:
        lock_opportunity(session, booking.opportunity_id)
    fresh = lock_row(session, Booking, Booking.id, booking.id)
    assert fresh is not None  # bookings are never deleted
    return fresh
