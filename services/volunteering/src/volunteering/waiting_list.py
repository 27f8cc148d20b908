"""The waiting list: places held, a booking's turn, and promoting the first person waiting when a place frees up."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from deal_shared.volunteering import BookingStatus
from volunteering.catalogue import PLACE_HOLDING
from volunteering.models import Booking, Opportunity, StaffProfile
from volunteering.moves import Step, first_decision, move


def held_places(session: Session, opportunity: Opportunity, day: date) -> int:
    query = select(func.count()).where(
        Booking.opportunity_id == opportunity.id,
        Booking.status.in_(PLACE_HOLDING),  # type: ignore[attr-defined]
    )
    if opportunity.starts_at is None:
        query = query.where(Booking.day == day)
    return session.exec(query).one()


def next_waitlist_seq(session: Session, opportunity_id: uuid.UUID) -> int:
    current = session.exec(select(func.max(Booking.waitlist_seq)).where(Booking.opportunity_id == opportunity_id))
    return (current.one() or 0) + 1


def promote(session: Session, opportunity_id: uuid.UUID, day: date) -> Booking | None:
    """Give a freed place to the first person waiting (the opportunity is already locked)."""
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.status != "published":
        return None
    if held_places(session, opportunity, day) >= opportunity.places:
        return None
    query = select(Booking).where(Booking.opportunity_id == opportunity_id, Booking.status == "waitlisted")
    if opportunity.starts_at is None:
        query = query.where(Booking.day == day)
    waiting = session.exec(query.order_by(Booking.waitlist_seq)).first()
    if waiting is None:
        return None
    profile = session.get(StaffProfile, waiting.staff_subject)
    assert profile is not None
    move(session, waiting, to=first_decision(session, profile), step=Step.promote)
    session.flush()
    return waiting


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
